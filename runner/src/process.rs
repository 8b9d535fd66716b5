//! Running one guest process: a fresh instance of a compiled module with
//! its own [`WasiCtx`], fuel-sliced so deadlines stop compute loops.
//!
//! Every byte of host memory a process holds is charged to its budget
//! ([`WasiCtx::budget`], limited by `--memory-limit` and, through its
//! parent, by `--sandbox-memory`) before it is allocated:
//!
//! * its linear memories and tables, by the [`ResourceLimiter`] below,
//!   before wasmi creates or grows them (a start-up image's copy is such a
//!   growth);
//! * what it holds for its whole life, reserved before it starts: wasmi's
//!   value and call stacks at their caps ([`MAX_VALUE_STACK`],
//!   [`MAX_CALL_DEPTH`]), [`PROCESS_OVERHEAD`] for the thread and the
//!   host's per-process state, the instance's per-item entities
//!   ([`CompiledModule::instance_cost`]) and, for a guest module, its
//!   compiled code ([`CompiledModule::code_cost`]);
//! * what its syscalls hold (pipes, copies of iovecs), by `wasi-host`.
//!
//! A refused reservation means the process does not start (status 137,
//! the limit named); a refused growth is `memory.grow` returning -1 (the
//! guest decides, Python raises `MemoryError`). Either is reported as the
//! limit's hit ([`LimitKind::of_budget`]).

use crate::host_functions::HostFunctions;
use crate::limits::LimitKind;
use crate::runtime::{CompiledModule, MAX_CALL_DEPTH, MAX_VALUE_STACK};
use crate::spawn::Spawner;
use std::sync::Arc;
use wasiland_wasi_host::run::FUEL_SLICE;
use wasiland_wasi_host::{
    BudgetExceeded, BudgetScope, Charge, Interrupt, InterruptReason, MemoryBudget, Termination,
    WasiCtx, WasiView,
};
use wasmi::{Func, Instance, ResourceLimiter, Store};

/// Host bytes of one process that neither its module nor its guest
/// decides: the thread's touched stack, the store, the WASI context and
/// descriptor table. A minimal process measured about 70 KiB.
pub const PROCESS_OVERHEAD: u64 = 256 << 10;

/// Bytes of one frame on wasmi's call stack.
const CALL_FRAME_BYTES: u64 = 24;

/// Bytes of one table element in wasmi.
const TABLE_ELEMENT_BYTES: u64 = 8;

/// What every process reserves before it starts, whatever it runs: its
/// interpreter stacks at their caps and [`PROCESS_OVERHEAD`] (about 9.8 MiB).
pub const PROCESS_RESERVE: u64 =
    MAX_VALUE_STACK as u64 + MAX_CALL_DEPTH as u64 * CALL_FRAME_BYTES + PROCESS_OVERHEAD;

/// Store data of a running process.
pub struct ProcessState {
    pub(crate) wasi: WasiCtx,
    limiter: BudgetLimiter,
    /// Runs child commands for `wasiland_v1.spawn` (none: `nosys`).
    pub(crate) spawner: Option<Arc<dyn Spawner>>,
}

impl WasiView for ProcessState {
    fn wasi(&mut self) -> &mut WasiCtx {
        &mut self.wasi
    }
}

/// Charges linear memories and tables to the process's budget before
/// wasmi allocates them, and gives the bytes back if wasmi then fails.
struct BudgetLimiter {
    charge: Charge,
    /// Bytes the last approved growth added.
    pending: u64,
}

impl BudgetLimiter {
    fn grow(&mut self, bytes: u64) -> bool {
        self.pending = 0;
        if self.charge.grow(bytes).is_err() {
            return false;
        }
        self.pending = bytes;
        true
    }

    fn undo(&mut self) {
        let back = self.charge.bytes().saturating_sub(self.pending);
        // Shrinking cannot be refused.
        let _ = self.charge.resize(back);
        self.pending = 0;
    }
}

impl ResourceLimiter for BudgetLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, wasmi_core::LimiterError> {
        Ok(self.grow(desired.saturating_sub(current) as u64))
    }

    fn memory_grow_failed(
        &mut self,
        _error: &wasmi_core::MemoryError,
    ) -> Result<(), wasmi_core::LimiterError> {
        self.undo();
        Ok(())
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, wasmi_core::LimiterError> {
        let elements = desired.saturating_sub(current) as u64;
        Ok(self.grow(elements.saturating_mul(TABLE_ELEMENT_BYTES)))
    }

    fn table_grow_failed(
        &mut self,
        _error: &wasmi_core::TableError,
    ) -> Result<(), wasmi_core::LimiterError> {
        self.undo();
        Ok(())
    }

    fn instances(&self) -> usize {
        4
    }

    fn tables(&self) -> usize {
        16
    }

    fn memories(&self) -> usize {
        // A second memory is refused at validation (see the runtime's
        // engine configuration).
        1
    }
}

/// How to run one process.
#[derive(Clone, Default)]
pub struct ProcessConfig {
    /// Total fuel (None = unlimited).
    pub fuel: Option<u64>,
    /// Who runs the guest's `wasiland_v1.spawn` requests.
    pub spawner: Option<Arc<dyn Spawner>>,
    /// The embedder's host functions, defined in the process's store.
    pub host_functions: HostFunctions,
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

    /// A process that could not start because a memory limit refused what
    /// it must hold (the limit's status, 137).
    pub fn not_started(refusal: &BudgetExceeded) -> Self {
        let kind = LimitKind::of_budget(refusal.scope);
        ProcessExit {
            status: kind.exit_status(),
            limit: Some(kind),
            message: Some(format!(
                "cannot start: {kind} of {} bytes reached ({} more needed, {} in use)",
                refusal.limit, refusal.requested, refusal.used
            )),
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
    Image(&'a crate::image::Image),
}

/// Reserve what a process running `module` holds for its whole life
/// ([`PROCESS_RESERVE`], the instance's and, for a guest module, the
/// code's cost) on `budget`.
pub fn reserve(budget: &MemoryBudget, module: &CompiledModule) -> Result<Charge, BudgetExceeded> {
    let mut charge = reserve_before_compile(budget, module.code_cost())?;
    reserve_instance(&mut charge, module)?;
    Ok(charge)
}

/// The part of [`reserve`] known before the module is compiled (its code
/// cost comes from its size: [`crate::tools::LazyModule::code_cost`]).
pub(crate) fn reserve_before_compile(
    budget: &MemoryBudget,
    code_cost: u64,
) -> Result<Charge, BudgetExceeded> {
    budget.try_charge(PROCESS_RESERVE.saturating_add(code_cost))
}

/// The rest of [`reserve`], once the module is compiled.
pub(crate) fn reserve_instance(
    charge: &mut Charge,
    module: &CompiledModule,
) -> Result<(), BudgetExceeded> {
    charge.grow(module.instance_cost())
}

/// Instantiate `module` with `wasi` and run its `_start` to the end on the
/// current thread, charging `wasi`'s budget (see the module docs).
///
/// ```
/// use wasiland_wasi_host::{BudgetScope, MemoryBudget, SharedVfs, WasiCtx};
/// let rt = wasiland::Runtime::new();
/// let wasm = wat::parse_str(r#"(module (memory (export "memory") 2000)
///     (func (export "_start")))"#).unwrap();
/// let module = rt.compile("big", &wasm).unwrap();
/// // 2000 pages are 125 MiB: more than this process may have.
/// let budget = MemoryBudget::new(BudgetScope::Process, Some(64 << 20));
/// let wasi = WasiCtx::builder(SharedVfs::new(wasiland_vfs::Vfs::new())).budget(budget).build();
/// let exit = wasiland::run_module(&module, wasi, &Default::default());
/// assert_eq!(exit.limit, Some(wasiland::LimitKind::Memory));
/// ```
pub fn run_module(module: &CompiledModule, wasi: WasiCtx, config: &ProcessConfig) -> ProcessExit {
    run_entry(module, wasi, config, Entry::Start)
}

/// Like [`run_module`], from the given entry.
pub fn run_entry(
    module: &CompiledModule,
    wasi: WasiCtx,
    config: &ProcessConfig,
    entry: Entry<'_>,
) -> ProcessExit {
    match reserve(wasi.budget(), module) {
        Ok(reserved) => run_reserved(module, wasi, config, entry, reserved),
        Err(refusal) => ProcessExit::not_started(&refusal),
    }
}

/// A fresh instance of `module` in a store of its own, its memories and
/// tables charged to `wasi`'s budget. The module's start function (if
/// any) runs within one fuel slice.
pub(crate) fn instantiate(
    module: &CompiledModule,
    wasi: WasiCtx,
    spawner: Option<Arc<dyn Spawner>>,
) -> (Store<ProcessState>, Result<Instance, wasmi::Error>) {
    instantiate_with(module, wasi, spawner, &HostFunctions::default())
}

/// [`instantiate`] with the embedder's host functions defined too.
fn instantiate_with(
    module: &CompiledModule,
    wasi: WasiCtx,
    spawner: Option<Arc<dyn Spawner>>,
    host_functions: &HostFunctions,
) -> (Store<ProcessState>, Result<Instance, wasmi::Error>) {
    let home = module.home();
    let limiter = BudgetLimiter {
        charge: wasi.budget().empty_charge(),
        pending: 0,
    };
    let mut store = Store::new(
        &home.engine,
        ProcessState {
            wasi,
            limiter,
            spawner,
        },
    );
    store.limiter(|s| &mut s.limiter);
    let instance = store.set_fuel(FUEL_SLICE).and_then(|()| {
        if host_functions.is_empty() {
            return home
                .linker
                .instantiate_and_start(&mut store, module.module());
        }
        let mut linker = home.linker.clone();
        host_functions.link(&mut store, &mut linker)?;
        linker.instantiate_and_start(&mut store, module.module())
    });
    (store, instance)
}

/// Call `func` (no parameters) to its end in fuel slices, checking
/// `interrupts` between slices; `fuel` bounds the total (None: unlimited).
/// Returns the function's first `i32` result, else 0. The loop is
/// [`wasiland_wasi_host::run::call_sliced`], public for embedders of the
/// lower layers.
pub(crate) fn call_sliced(
    store: &mut Store<ProcessState>,
    func: Func,
    interrupts: &[&Interrupt],
    fuel: Option<u64>,
) -> Result<i32, wasmi::Error> {
    wasiland_wasi_host::run::call_sliced(store, func, interrupts, fuel)
}

/// Run a process of `module` from `entry` on the current thread; `reserved`
/// is what [`reserve`] took for it (released when the process ends).
pub(crate) fn run_reserved(
    module: &CompiledModule,
    wasi: WasiCtx,
    config: &ProcessConfig,
    entry: Entry<'_>,
    reserved: Charge,
) -> ProcessExit {
    let interrupt = wasi.interrupt().clone();
    let budget = wasi.budget().clone();
    let (mut store, instance) =
        instantiate_with(module, wasi, config.spawner.clone(), &config.host_functions);
    let outcome = instance.and_then(|instance| {
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
        call_sliced(&mut store, func, &[&interrupt], config.fuel)
    });
    let fds_refused = store.data().wasi.fds().refused() > 0;
    // Close every descriptor now, so pipe readers see EOF at once.
    store.data_mut().wasi.close_all();
    drop(store);
    drop(reserved);
    let memory_refused = memory_refusals(&budget);
    let mut exit = match outcome {
        Ok(status) => ProcessExit::code(status),
        Err(e) => classify(&e, memory_refused.first().copied()),
    };
    for kind in memory_refused {
        if exit.limit != Some(kind) {
            exit.refused.push(kind);
        }
    }
    if fds_refused {
        exit.refused.push(LimitKind::OpenFiles);
    }
    exit
}

/// The memory limits that refused a charge of the process with `budget`
/// (its own first).
pub(crate) fn memory_refusals(budget: &MemoryBudget) -> Vec<LimitKind> {
    [BudgetScope::Process, BudgetScope::Sandbox]
        .into_iter()
        .filter(|scope| budget.refusals_through(*scope) > 0)
        .map(LimitKind::of_budget)
        .collect()
}

/// Turn an execution error into an exit; `memory` is the memory limit
/// that refused the process something, if any.
fn classify(e: &wasmi::Error, memory: Option<LimitKind>) -> ProcessExit {
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
            Termination::Panicked(message) => ProcessExit::failed(
                crate::exec::INTERNAL_ERROR_STATUS,
                format!("internal error: {message}"),
            ),
        };
    }
    if let Some(code) = e.as_trap_code() {
        if code == wasmi::TrapCode::OutOfFuel {
            return ProcessExit::limit(LimitKind::Fuel, "fuel (instruction budget) exhausted");
        }
        if let Some(kind) = memory {
            return ProcessExit::limit(kind, format!("{kind} reached ({code})"));
        }
        return ProcessExit::failed(134, format!("wasm trap: {code}"));
    }
    if let Some(kind) = memory {
        return ProcessExit::limit(kind, format!("{kind} reached ({e})"));
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
