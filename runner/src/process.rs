//! Running one guest process: a fresh instance of a compiled module with
//! its own [`WasiCtx`], fuel-sliced so deadlines stop compute loops, and
//! a memory limiter so `memory.grow` is bounded.

use crate::image::Image;
use crate::limits::LimitKind;
use crate::runtime::Runtime;
use crate::spawn::Spawner;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use wasiland_wasi_host::{InterruptReason, Termination, WasiCtx, WasiView};
use wasmi::{Module, ResourceLimiter, ResumableCall, Store, Val};

/// Fuel granted per slice; between slices the interrupt (deadline,
/// cancellation) is checked. About 1-5 ms of RustPython execution.
const FUEL_SLICE: u64 = 20_000_000;

/// Store data of a running process.
pub struct ProcessState {
    pub(crate) wasi: WasiCtx,
    limiter: MemoryLimiter,
    /// Runs child commands for `wasiland_v1.spawn` (none: `nosys`).
    pub(crate) spawner: Option<Arc<dyn Spawner>>,
}

impl WasiView for ProcessState {
    fn wasi(&mut self) -> &mut WasiCtx {
        &mut self.wasi
    }
}

/// Bounds linear memory and tables of one instance.
struct MemoryLimiter {
    max_memory: Option<u64>,
    max_table_elements: usize,
    refused: Arc<AtomicBool>,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, wasmi_core::LimiterError> {
        let ok = self.max_memory.is_none_or(|max| desired as u64 <= max);
        if !ok {
            self.refused.store(true, Ordering::SeqCst);
        }
        Ok(ok)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, wasmi_core::LimiterError> {
        let ok = desired <= self.max_table_elements;
        if !ok {
            self.refused.store(true, Ordering::SeqCst);
        }
        Ok(ok)
    }

    fn instances(&self) -> usize {
        4
    }

    fn tables(&self) -> usize {
        16
    }

    fn memories(&self) -> usize {
        4
    }
}

/// How to run one process.
#[derive(Clone, Default)]
pub struct ProcessConfig {
    /// Total fuel (None = unlimited).
    pub fuel: Option<u64>,
    /// Linear memory cap in bytes.
    pub max_memory: Option<u64>,
    /// Who runs the guest's `wasiland_v1.spawn` requests.
    pub spawner: Option<Arc<dyn Spawner>>,
}

/// How a process ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessExit {
    /// Exit status as a shell sees it (0..=255).
    pub status: i32,
    /// The limit that ended it, if any.
    pub limit: Option<LimitKind>,
    /// A message for stderr when the process died abnormally (trap, limit).
    pub message: Option<String>,
    /// Limits that refused something (memory growth, a descriptor) without
    /// ending the process: the guest saw the failure and went on.
    pub refused: Vec<LimitKind>,
}

impl ProcessExit {
    /// An abnormal end with `status` and a message for stderr.
    pub fn failed(status: i32, message: impl Into<String>) -> Self {
        ProcessExit {
            status,
            limit: None,
            message: Some(message.into()),
            refused: Vec::new(),
        }
    }

    /// A normal exit with `status` (taken modulo 256, as a shell sees it).
    pub fn code(status: i32) -> Self {
        ProcessExit {
            status: status & 0xff,
            limit: None,
            message: None,
            refused: Vec::new(),
        }
    }

    fn limit(kind: LimitKind, message: impl Into<String>) -> Self {
        ProcessExit {
            status: kind.exit_status(),
            limit: Some(kind),
            message: Some(message.into()),
            refused: Vec::new(),
        }
    }
}

/// Where a process starts.
#[derive(Clone, Copy)]
pub enum Entry<'a> {
    /// A fresh instance's `_start`.
    Start,
    /// A fresh instance overwritten with a start-up image, then its
    /// `wasiland_run` export (whose result is the exit status).
    Image(&'a Image),
}

/// Instantiate `module` with `wasi` and run its `_start` to the end on the
/// current thread.
pub fn run_module(
    runtime: &Runtime,
    module: &Module,
    wasi: WasiCtx,
    config: &ProcessConfig,
) -> ProcessExit {
    run_entry(runtime, module, wasi, config, Entry::Start)
}

/// Like [`run_module`], from the given entry.
pub fn run_entry(
    runtime: &Runtime,
    module: &Module,
    wasi: WasiCtx,
    config: &ProcessConfig,
    entry: Entry<'_>,
) -> ProcessExit {
    let interrupt = wasi.interrupt().clone();
    let refused = Arc::new(AtomicBool::new(false));
    let limiter = MemoryLimiter {
        max_memory: config.max_memory,
        max_table_elements: 1 << 20,
        refused: refused.clone(),
    };
    let mut store = Store::new(
        runtime.engine(),
        ProcessState {
            wasi,
            limiter,
            spawner: config.spawner.clone(),
        },
    );
    store.limiter(|s| &mut s.limiter);
    let mut fuel_left = config.fuel;
    let grant = |left: Option<u64>| left.map_or(FUEL_SLICE, |l| l.min(FUEL_SLICE));
    let first = grant(fuel_left);
    if store.set_fuel(first).is_err() {
        return ProcessExit::failed(134, "engine without fuel metering");
    }
    let mut granted = first;

    let outcome = (|| -> Result<i32, wasmi::Error> {
        let instance = runtime.linker().instantiate_and_start(&mut store, module)?;
        let func = match entry {
            Entry::Start => instance.get_func(&store, "_start").ok_or_else(|| {
                wasmi::Error::new("the module exports no `_start` function (not a WASI command)")
            })?,
            Entry::Image(image) => {
                image.restore(&mut store, &instance)?;
                instance
                    .get_func(&store, crate::image::RUN_EXPORT)
                    .ok_or_else(|| wasmi::Error::new("the module has no start-up image entry"))?
            }
        };
        let mut outputs: Vec<Val> = func
            .ty(&store)
            .results()
            .iter()
            .map(|t| Val::default_for_ty(*t))
            .collect();
        let mut call = func.call_resumable(&mut store, &[], &mut outputs)?;
        loop {
            match call {
                ResumableCall::Finished => {
                    return Ok(match outputs.first() {
                        Some(Val::I32(status)) => *status,
                        _ => 0,
                    })
                }
                ResumableCall::HostTrap(trap) => return Err(trap.into_host_error()),
                ResumableCall::OutOfFuel(out) => {
                    if let Some(left) = fuel_left.as_mut() {
                        *left = left.saturating_sub(granted);
                        if *left == 0 {
                            return Err(wasmi::Error::from(wasmi::TrapCode::OutOfFuel));
                        }
                    }
                    if let Err(reason) = interrupt.check() {
                        return Err(wasmi::Error::host(Termination::Interrupted(reason)));
                    }
                    granted = grant(fuel_left).max(out.required_fuel());
                    store.set_fuel(granted)?;
                    call = out.resume(&mut store, &mut outputs)?;
                }
            }
        }
    })();
    let fds_refused = store.data().wasi.fds().refused() > 0;
    // Close every descriptor now, so pipe readers see EOF at once.
    store.data_mut().wasi.close_all();
    let memory_refused = refused.load(Ordering::SeqCst);
    let mut exit = match outcome {
        Ok(status) => ProcessExit::code(status),
        Err(e) => classify(&e, memory_refused),
    };
    if memory_refused && exit.limit != Some(LimitKind::Memory) {
        exit.refused.push(LimitKind::Memory);
    }
    if fds_refused {
        exit.refused.push(LimitKind::OpenFiles);
    }
    exit
}

/// Turn an execution error into an exit.
fn classify(e: &wasmi::Error, memory_refused: bool) -> ProcessExit {
    if let Some(code) = e.i32_exit_status() {
        return ProcessExit::code(code);
    }
    if let Some(t) = e.downcast_ref::<Termination>() {
        return match t {
            Termination::Interrupted(InterruptReason::Timeout) => {
                ProcessExit::limit(LimitKind::Timeout, "timed out")
            }
            Termination::Interrupted(InterruptReason::Cancelled) => {
                ProcessExit::failed(130, "cancelled")
            }
            Termination::BrokenPipe => ProcessExit::code(141),
            Termination::OutputLimit => {
                ProcessExit::limit(LimitKind::Output, "output limit exceeded")
            }
        };
    }
    if let Some(code) = e.as_trap_code() {
        if code == wasmi::TrapCode::OutOfFuel {
            return ProcessExit::limit(LimitKind::Fuel, "fuel (instruction budget) exhausted");
        }
        if memory_refused {
            return ProcessExit::limit(LimitKind::Memory, format!("memory limit reached ({code})"));
        }
        return ProcessExit::failed(134, format!("wasm trap: {code}"));
    }
    if memory_refused {
        return ProcessExit::limit(LimitKind::Memory, format!("memory limit reached ({e})"));
    }
    ProcessExit::failed(126, link_error_message(e).unwrap_or_else(|| e.to_string()))
}

/// A link failure in wasmtime's words (wasmi's own message dumps types).
fn link_error_message(e: &wasmi::Error) -> Option<String> {
    use wasmi::errors::{ErrorKind, LinkerError};
    match e.kind() {
        ErrorKind::Linker(LinkerError::MissingDefinition { name, .. }) => Some(format!(
            "unknown import: `{}::{}` has not been defined",
            name.module(),
            name.name()
        )),
        ErrorKind::Linker(LinkerError::InvalidTypeDefinition { name, .. }) => Some(format!(
            "incompatible import type for `{}::{}`",
            name.module(),
            name.name()
        )),
        _ => None,
    }
}
