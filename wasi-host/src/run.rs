//! Running a WASI command as wasiland does, for embedders of this crate
//! alone: `_start` in fuel slices with the deadline and cancellation
//! checked between slices ([`call_sliced`], [`run_start`]), and the exit
//! status out of the call's outcome ([`exit_status`]).
//!
//! Fuel slices are how a compute loop that makes no syscall still stops:
//! the engine must meter fuel ([`engine_config`]); each
//! slice grants [`FUEL_SLICE`] units, and when they run out the call is
//! suspended, the [`Interrupt`]s are checked and the call resumes.
//!
//! A whole command, from [`add_to_linker`](crate::add_to_linker) alone:
//! python3 (wasiland's `rustpython.wasm`) printing a result. The same code
//! runs in this crate's tests (`tests/embed_python.rs`) against the built
//! guest.
//!
//! ```no_run
#![doc = include_str!("../examples/python_guest.rs")]
//! ```

use crate::ctx::{Termination, WasiView};
use crate::stream::Interrupt;
use wasmi::{Func, Instance, ResumableCall, Store, Val};

/// An engine configuration for [`call_sliced`]: fuel metered, for
/// execution only. wasmi charges lazy translation to whichever call first
/// runs a function by default, and a translation that finds too little
/// fuel left in the slice fails the call instead of suspending it; a fuel
/// bound should not depend on which process ran a function first either.
///
/// ```
/// let engine = wasmi::Engine::new(&wasiland_wasi_host::run::engine_config());
/// # drop(engine);
/// ```
pub fn engine_config() -> wasmi::Config {
    let mut config = wasmi::Config::default();
    config.consume_fuel(true);
    config.fuel_cost(wasmi::CustomFuelCosts {
        bytes_copied_per_fuel: 64,
        fuel_per_bytes_translated: 0,
        fuel_per_bytes_validated: 0,
    });
    config
}

/// Fuel granted per slice by [`call_sliced`]; between slices the
/// interrupts are checked. About 1-5 ms of RustPython execution.
pub const FUEL_SLICE: u64 = 20_000_000;

/// The exit status a command's `_start` call ended with: `Ok` (it
/// returned) is 0, `proc_exit(n)` is `n` (wasmi reports it as an error
/// holding the code); anything else (a trap, an interrupt, a host error)
/// is given back as the error.
///
/// ```
/// use wasiland_wasi_host::run::exit_status;
/// assert_eq!(exit_status(Ok(())).unwrap(), 0);
/// assert_eq!(exit_status::<()>(Err(wasmi::Error::i32_exit(3))).unwrap(), 3);
/// let trap = exit_status::<()>(Err(wasmi::Error::from(wasmi::TrapCode::UnreachableCodeReached)));
/// assert_eq!(trap.unwrap_err().as_trap_code(), Some(wasmi::TrapCode::UnreachableCodeReached));
/// ```
pub fn exit_status<T>(outcome: Result<T, wasmi::Error>) -> Result<i32, wasmi::Error> {
    match outcome {
        Ok(_) => Ok(0),
        Err(e) => match e.i32_exit_status() {
            Some(code) => Ok(code),
            None => Err(e),
        },
    }
}

/// Call `func` (no parameters) to its end in fuel slices of
/// [`FUEL_SLICE`], checking `interrupts` between slices (an interrupted
/// call ends with a [`Termination::Interrupted`] host error); `fuel`
/// bounds the total (`None`: unlimited; past it the call traps with
/// `OutOfFuel`). Returns the function's first `i32` result, else 0.
///
/// The store's engine must consume fuel, and should not charge
/// translation ([`engine_config`]).
///
/// ```
/// use std::time::{Duration, Instant};
/// use wasiland_wasi_host::{run::call_sliced, Interrupt, InterruptReason, Termination};
/// let engine = wasmi::Engine::new(&wasiland_wasi_host::run::engine_config());
/// let wasm = wat::parse_str(r#"(module (func (export "spin") (loop br 0)))"#).unwrap();
/// let module = wasmi::Module::new(&engine, &wasm[..]).unwrap();
/// let mut store = wasmi::Store::new(&engine, ());
/// let instance = wasmi::Linker::new(&engine).instantiate_and_start(&mut store, &module).unwrap();
/// let spin = instance.get_func(&store, "spin").unwrap();
///
/// // A fuel bound ends it ...
/// let e = call_sliced(&mut store, spin, &[], Some(1_000_000)).unwrap_err();
/// assert_eq!(e.as_trap_code(), Some(wasmi::TrapCode::OutOfFuel));
/// // ... and so does a deadline, checked between slices.
/// let deadline = Interrupt::new();
/// deadline.set_deadline(Some(Instant::now() + Duration::from_millis(50)));
/// let e = call_sliced(&mut store, spin, &[&deadline], None).unwrap_err();
/// assert!(matches!(e.downcast_ref::<Termination>(),
///                  Some(Termination::Interrupted(InterruptReason::Timeout))));
/// ```
pub fn call_sliced<T>(
    store: &mut Store<T>,
    func: Func,
    interrupts: &[&Interrupt],
    fuel: Option<u64>,
) -> Result<i32, wasmi::Error> {
    let mut fuel_left = fuel;
    let grant = |left: Option<u64>| left.map_or(FUEL_SLICE, |l| l.min(FUEL_SLICE));
    let mut granted = grant(fuel_left);
    store.set_fuel(granted)?;
    let mut outputs: Vec<Val> = func
        .ty(&*store)
        .results()
        .iter()
        .map(|t| Val::default_for_ty(*t))
        .collect();
    let mut call = func.call_resumable(&mut *store, &[], &mut outputs)?;
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
                for interrupt in interrupts {
                    if let Err(reason) = interrupt.check() {
                        return Err(wasmi::Error::host(Termination::Interrupted(reason)));
                    }
                }
                granted = grant(fuel_left).max(out.required_fuel());
                store.set_fuel(granted)?;
                call = out.resume(&mut *store, &mut outputs)?;
            }
        }
    }
}

/// Run a WASI command's `_start` in fuel slices ([`call_sliced`]) under
/// its context's [`Interrupt`] (deadline, cancellation) and `fuel`, and
/// return its exit status ([`exit_status`]); a trap, an interrupt or a
/// missing `_start` is the error.
pub fn run_start<T: WasiView>(
    store: &mut Store<T>,
    instance: &Instance,
    fuel: Option<u64>,
) -> Result<i32, wasmi::Error> {
    let start = instance
        .get_func(&*store, "_start")
        .ok_or_else(|| wasmi::Error::new("the module exports no `_start` function"))?;
    let interrupt = store.data_mut().wasi().interrupt().clone();
    exit_status(call_sliced(store, start, &[&interrupt], fuel))
}
