//! Registration of the syscall table on a `wasmi::Linker`. The only place
//! that knows wasmi's calling convention: it finds the guest's memory,
//! calls the plain syscall function, records the trace line and turns the
//! outcome into an errno or a trap.

use crate::ctx::{panic_message, Termination, WasiCtx, WasiView};
use crate::guest::GuestMemory;
use crate::syscalls::{self, SysError, SysResult};
use std::fmt::Write as _;
use wasmi::{Caller, Extern, Linker};

/// The import module name of WASI preview 1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Names of every function [`add_to_linker`] defines, from
/// [`syscalls::SIGNATURES`].
pub const FUNCTIONS: [&str; syscalls::SIGNATURES.len()] = {
    let mut names = [""; syscalls::SIGNATURES.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = syscalls::SIGNATURES[i].0;
        i += 1;
    }
    names
};

/// Run one syscall body against the caller's memory and [`WasiCtx`].
fn dispatch<T: WasiView>(
    caller: &mut Caller<'_, T>,
    name: &'static str,
    args: &[(&'static str, u64)],
    body: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> SysResult,
) -> Result<i32, wasmi::Error> {
    let memory = match caller.data_mut().wasi().memory {
        Some(m) => Some(m),
        None => {
            let found = caller.get_export("memory").and_then(Extern::into_memory);
            caller.data_mut().wasi().memory = found;
            found
        }
    };
    let mut no_memory: [u8; 0] = [];
    let (bytes, data): (&mut [u8], &mut T) = match memory {
        Some(m) => m.data_and_store_mut(&mut *caller),
        // A module without memory can still call pointer-free functions;
        // anything with a pointer gets `fault`.
        None => (&mut no_memory[..], caller.data_mut()),
    };
    let ctx = data.wasi();
    let mut mem = GuestMemory::new(bytes);
    // wasmi calls host functions from handlers that cannot unwind (its
    // tail-call dispatch): a panic escaping here would abort the host.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // The runner checks the deadline between fuel slices, but a loop of
        // syscalls that are cheap in fuel and not in time (a 1 MiB read each)
        // would run a whole slice, minutes, past it: every call checks first.
        let result = syscalls::io::check_interrupt(ctx).and_then(|()| body(ctx, &mut mem));
        if let Some(trace) = ctx.trace.clone() {
            trace.record(&trace_line(name, args, ctx.trace_detail.take(), &result));
        }
        result
    }))
    .unwrap_or_else(|payload| {
        Err(SysError::Terminate(Termination::Panicked(panic_message(
            &*payload,
        ))))
    });
    match result {
        Ok(()) => Ok(0),
        Err(SysError::Errno(e)) => Ok(i32::from(e.raw())),
        Err(SysError::Exit(code)) => Err(wasmi::Error::i32_exit(code)),
        Err(SysError::Terminate(t)) => Err(wasmi::Error::host(t)),
    }
}

fn trace_line(
    name: &str,
    args: &[(&str, u64)],
    detail: Option<String>,
    result: &SysResult,
) -> String {
    let mut line = format!("{name}(");
    for (i, (arg, value)) in args.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(line, "{sep}{arg}={value}");
    }
    line.push(')');
    if let Some(d) = detail {
        let _ = write!(line, " [{d}]");
    }
    let _ = match result {
        Ok(()) => write!(line, " = success"),
        Err(SysError::Errno(e)) => write!(line, " = {e}"),
        Err(SysError::Exit(code)) => write!(line, " = exit({code})"),
        Err(SysError::Terminate(t)) => write!(line, " = terminated: {t}"),
    };
    line
}

/// What the wasm function returns: an errno, or nothing (it never
/// returns to the guest).
macro_rules! wasm_result {
    (errno) => {
        Result<i32, wasmi::Error>
    };
    (never) => {
        Result<(), wasmi::Error>
    };
}

/// The dispatch outcome as that result.
macro_rules! lower_result {
    (errno, $outcome:expr) => {
        $outcome
    };
    (never, $outcome:expr) => {
        $outcome.map(|_| ())
    };
}

macro_rules! link_all {
    ($linker:ident; $( $topic:ident :: $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ident ; )* ) => {
        $(
            $linker.func_wrap(
                MODULE,
                stringify!($name),
                |mut caller: Caller<'_, T>, $( $arg: $ty ),*| -> wasm_result!($ret) {
                    lower_result!($ret, dispatch(
                        &mut caller,
                        stringify!($name),
                        &[$( (stringify!($arg), $arg as u64) ),*],
                        |ctx, mem| syscalls::$topic::$name(ctx, mem, $( $arg ),*),
                    ))
                },
            )?;
        )*
    };
}

/// Define every `wasi_snapshot_preview1` function of the table on
/// `linker`, for any store data that gives access to a [`WasiCtx`].
///
/// ```
/// use wasiland_wasi_host::{add_to_linker, WasiCtx};
/// let engine = wasmi::Engine::default();
/// let mut linker = wasmi::Linker::<WasiCtx>::new(&engine);
/// add_to_linker(&mut linker).unwrap();
/// ```
pub fn add_to_linker<T: WasiView + 'static>(
    linker: &mut Linker<T>,
) -> Result<(), wasmi::errors::LinkerError> {
    crate::for_each_syscall!(link_all, linker);
    Ok(())
}
