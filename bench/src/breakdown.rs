//! Where one process's time goes: the phases of a process on wasiland's
//! engine, timed separately with wasmi's API over wasiland's syscall table
//! (the same engine, linker functions and compiled modules a sandbox
//! uses, without the shell, the process thread or fuel slicing).
//!
//! * instantiate: a new store and instance: linear memory allocated and
//!   zero-filled, data segments copied in, tables and globals set up;
//! * `_start`: the guest's own start-up, its work and its exit;
//! * teardown: dropping the store (freeing linear memory).
//!
//! It always runs `_start`; a start-up image (if the sandbox uses one for
//! the module) is not involved here.

use crate::measure::median;
use std::time::Instant;
use wasiland::Sandbox;
use wasiland_wasi_host::{add_to_linker, Stdio, WasiCtx, WasiView};
use wasmi::{Engine, Linker, Module, Store};

struct State {
    wasi: WasiCtx,
}

impl WasiView for State {
    fn wasi(&mut self) -> &mut WasiCtx {
        &mut self.wasi
    }
}

/// Medians of the phases of one process, ms, and its linear memory at exit.
pub struct Phases {
    pub instantiate: f64,
    pub start: f64,
    pub teardown: f64,
    pub memory_bytes: usize,
    /// `_start` of the first (unmeasured) run: with lazy translation, it
    /// includes translating every function the run reaches.
    pub first_start: f64,
}

/// Run `module` (compiled for `engine`) with `argv` `runs` times after one
/// unmeasured run. `fuel`: the engine meters fuel (the store gets plenty).
pub fn measure(
    engine: &Engine,
    fuel: bool,
    sandbox: &Sandbox,
    module: &Module,
    argv: &[String],
    runs: usize,
) -> Result<Phases, String> {
    let mut linker = Linker::<State>::new(engine);
    add_to_linker(&mut linker).map_err(|e| e.to_string())?;
    wasiland::spawn::add_nosys_to_linker(&mut linker).map_err(|e| e.to_string())?;
    let (mut inst, mut start, mut teardown) = (Vec::new(), Vec::new(), Vec::new());
    let mut memory_bytes = 0;
    let mut first_start = f64::NAN;
    for i in 0..runs + 1 {
        let vfs = sandbox.vfs().clone();
        let root = vfs.lock().root();
        let wasi = WasiCtx::builder(vfs)
            .args(argv)
            .env("PWD", "/home/user")
            .env("HOME", "/home/user")
            .env("PATH", "/usr/bin")
            .stdin(Stdio::Null)
            .stdout(Stdio::Null)
            .stderr(Stdio::Null)
            .preopen("/", root)
            .build();
        let t0 = Instant::now();
        let mut store = Store::new(engine, State { wasi });
        if fuel {
            store.set_fuel(u64::MAX).map_err(|e| e.to_string())?;
        }
        let instance = linker
            .instantiate_and_start(&mut store, module)
            .map_err(|e| format!("instantiate: {e}"))?;
        let t1 = Instant::now();
        let entry = instance
            .get_typed_func::<(), ()>(&store, "_start")
            .map_err(|e| format!("_start: {e}"))?;
        let status = match entry.call(&mut store, ()) {
            Ok(()) => 0,
            Err(e) => e
                .i32_exit_status()
                .ok_or_else(|| format!("{}: {e}", argv.join(" ")))?,
        };
        let t2 = Instant::now();
        if status != 0 {
            return Err(format!("{} exited {status}", argv.join(" ")));
        }
        memory_bytes = instance
            .get_memory(&store, "memory")
            .map_or(0, |m| m.data(&store).len());
        drop(store);
        let t3 = Instant::now();
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
        if i == 0 {
            first_start = ms(t1, t2);
        } else {
            inst.push(ms(t0, t1));
            start.push(ms(t1, t2));
            teardown.push(ms(t2, t3));
        }
    }
    let m = |v: &[f64]| median(v).unwrap_or(f64::NAN);
    Ok(Phases {
        instantiate: m(&inst),
        start: m(&start),
        teardown: m(&teardown),
        memory_bytes,
        first_start,
    })
}
