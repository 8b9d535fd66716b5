//! `wasiland_v1.spawn`: the one non-WASI import wasiland offers, so guests
//! can run commands as child processes (`xargs`, `find -exec`, Python's
//! `subprocess`). preview1 has no process creation; this fills the gap the
//! smallest way that keeps stdio semantics: the child runs to completion
//! while the caller waits, with three of the caller's descriptors as its
//! fds 0, 1 and 2.
//!
//! ```text
//! spawn(request: *u8, request_len: u32,
//!       stdin_fd: u32, stdout_fd: u32, stderr_fd: u32,
//!       status: *u32) -> errno
//! ```
//!
//! `request` holds NUL-terminated strings: the working directory, then the
//! arguments (argv[0] first), then an empty string, then `NAME=VALUE`
//! environment entries up to the end. A descriptor of `u32::MAX` means
//! `/dev/null`. The command is run as the sandbox's shell would run it
//! (builtins, PATH lookup, scripts), and `status` receives its exit status.
//! Errors: `nosys` where the host has no spawner (plain `wasiland wasm`),
//! `badf` for a descriptor that is not a file or stream, `inval` for a
//! malformed request, `2big` for a request longer than the spawner takes
//! ([`Spawner::max_request_bytes`]: the argument limit plus a working
//! directory), `nomem` when the caller's memory budget cannot hold the
//! decoded request, `again` past the nesting limit.

use crate::process::ProcessState;
use std::sync::Arc;
use wasiland_wasi_host::fd::Target;
use wasiland_wasi_host::guest::GuestMemory;
use wasiland_wasi_host::{panic_message, Errno, Stdio, Termination, WasiView};
use wasmi::{Caller, Extern, Linker};

/// Import module name.
pub const MODULE: &str = "wasiland_v1";

/// Runs a child command for a guest (the runner's `ExecEnv` is one).
pub trait Spawner: Send + Sync {
    /// Run `argv` with `env` in `cwd` on `stdio`; `Err` is an errno for
    /// the caller (e.g. nesting too deep). Blocks until the child ends.
    fn spawn(
        &self,
        argv: Vec<String>,
        env: Vec<(String, String)>,
        cwd: String,
        stdio: [Stdio; 3],
    ) -> Result<i32, Errno>;

    /// The longest request this spawner takes, checked before anything is
    /// decoded (the runner's: `--args-limit` plus [`MAX_CWD_BYTES`]).
    fn max_request_bytes(&self) -> usize {
        usize::MAX
    }
}

/// Bytes a request's working directory may add to the argument limit.
pub const MAX_CWD_BYTES: usize = 4096;

/// Host bytes a decoded request holds: its text twice (the copy in guest
/// memory is read, each field becomes a `String`) and a `String` plus a
/// vector slot per field.
fn decoded_size(bytes: &[u8]) -> u64 {
    let fields = bytes.iter().filter(|&&b| b == 0).count() as u64 + 1;
    (bytes.len() as u64)
        .saturating_mul(2)
        .saturating_add(fields.saturating_mul(2 * std::mem::size_of::<String>() as u64))
}

/// A decoded request.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    cwd: String,
    argv: Vec<String>,
    env: Vec<(String, String)>,
}

fn decode(bytes: &[u8]) -> Result<Request, Errno> {
    let mut fields = bytes.split(|&b| b == 0);
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| Errno::Ilseq);
    let cwd = text(fields.next().ok_or(Errno::Inval)?)?;
    if !cwd.starts_with('/') {
        return Err(Errno::Inval);
    }
    let mut argv = Vec::new();
    loop {
        match fields.next() {
            Some([]) => break,
            Some(arg) => argv.push(text(arg)?),
            None => return Err(Errno::Inval),
        }
    }
    if argv.is_empty() {
        return Err(Errno::Inval);
    }
    let mut env = Vec::new();
    for entry in fields.filter(|f| !f.is_empty()) {
        let entry = text(entry)?;
        match entry.split_once('=') {
            Some((k, v)) if !k.is_empty() => env.push((k.to_string(), v.to_string())),
            _ => return Err(Errno::Inval),
        }
    }
    Ok(Request { cwd, argv, env })
}

/// The child's view of one of the caller's descriptors.
fn stdio_of(state: &mut ProcessState, fd: u32) -> Result<Stdio, Errno> {
    if fd == u32::MAX {
        return Ok(Stdio::Null);
    }
    match &state.wasi().fds().get(fd)?.target {
        Target::File(f) => Ok(Stdio::File(f.clone())),
        Target::Input(s) => Ok(Stdio::Input(s.clone())),
        Target::Output(s) => Ok(Stdio::Output(s.clone())),
        Target::Dir { .. } => Err(Errno::Badf),
    }
}

fn spawn(
    caller: &mut Caller<'_, ProcessState>,
    request: u32,
    request_len: u32,
    fds: [u32; 3],
    status_ptr: u32,
) -> Result<Errno, wasmi::Error> {
    let Some(memory) = caller.get_export("memory").and_then(Extern::into_memory) else {
        return Ok(Errno::Fault);
    };
    let (bytes, state) = memory.data_and_store_mut(&mut *caller);
    let mem = GuestMemory::new(bytes);
    let prepared = (|| -> Result<_, Errno> {
        let spawner: Arc<dyn Spawner> = state.spawner.clone().ok_or(Errno::NoSys)?;
        // The status slot must be writable before anything runs.
        mem.slice(status_ptr, 4)?;
        if request_len as usize > spawner.max_request_bytes() {
            return Err(Errno::TooBig);
        }
        let raw = mem.slice(request, request_len)?;
        // Held until the child ends (its argv and environment live that long).
        let held = state
            .wasi
            .budget()
            .try_charge(decoded_size(raw))
            .map_err(|_| Errno::NoMem)?;
        let req = decode(raw)?;
        let stdio = [
            stdio_of(state, fds[0])?,
            stdio_of(state, fds[1])?,
            stdio_of(state, fds[2])?,
        ];
        Ok((spawner, req, stdio, held))
    })();
    let (spawner, req, stdio, held) = match prepared {
        Ok(p) => p,
        Err(e) => return Ok(e),
    };
    let status = spawner.spawn(req.argv, req.env, req.cwd, stdio);
    drop(held);
    let status = match status {
        Ok(status) => status,
        Err(e) => return Ok(e),
    };
    // Memory may have moved while the child ran (it cannot grow: this
    // guest was waiting), but re-derive the slice anyway.
    let mut mem = GuestMemory::new(memory.data_mut(&mut *caller));
    Ok(match mem.write_u32(status_ptr, status as u32) {
        Ok(()) => Errno::Success,
        Err(e) => e,
    })
}

/// Define `wasiland_v1.spawn` on the runner's linker.
pub(crate) fn add_to_linker(
    linker: &mut Linker<ProcessState>,
) -> Result<(), wasmi::errors::LinkerError> {
    linker.func_wrap(
        MODULE,
        "spawn",
        |mut caller: Caller<'_, ProcessState>,
         request: u32,
         request_len: u32,
         stdin_fd: u32,
         stdout_fd: u32,
         stderr_fd: u32,
         status_ptr: u32|
         -> Result<i32, wasmi::Error> {
            // As every host function: a panic must not unwind into wasmi
            // (its handlers cannot unwind; the host would abort).
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                spawn(
                    &mut caller,
                    request,
                    request_len,
                    [stdin_fd, stdout_fd, stderr_fd],
                    status_ptr,
                )
            }))
            .unwrap_or_else(|payload| {
                Err(wasmi::Error::host(Termination::Panicked(panic_message(
                    &*payload,
                ))))
            })
            .map(|e| i32::from(e.raw()))
        },
    )?;
    Ok(())
}

/// Define `wasiland_v1.spawn` answering `nosys` on a linker whose processes
/// have no spawner (start-up image templates, benchmarks, embedders with a
/// linker of their own), so modules that import it still instantiate and
/// report that processes cannot be spawned if they try.
///
/// ```
/// let engine = wasmi::Engine::default();
/// let mut linker = wasmi::Linker::<()>::new(&engine);
/// wasiland::spawn::add_nosys_to_linker(&mut linker)?;
/// # Ok::<(), wasmi::errors::LinkerError>(())
/// ```
pub fn add_nosys_to_linker<T>(linker: &mut Linker<T>) -> Result<(), wasmi::errors::LinkerError> {
    linker.func_wrap(
        MODULE,
        "spawn",
        |_: u32, _: u32, _: u32, _: u32, _: u32, _: u32| -> i32 { i32::from(Errno::NoSys.raw()) },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_decode() {
        let r = decode(b"/tmp\0ls\0-l\0\0A=1\0B=x=y\0").expect("valid");
        assert_eq!(r.cwd, "/tmp");
        assert_eq!(r.argv, ["ls", "-l"]);
        assert_eq!(
            r.env,
            [
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "x=y".to_string())
            ]
        );
        assert_eq!(decode(b"/\0true\0\0").map(|r| r.env.len()), Ok(0));
        // Two copies of the text, two `String`s' worth per field (3 here).
        assert_eq!(
            decoded_size(b"/\0ls\0"),
            10 + 6 * std::mem::size_of::<String>() as u64
        );
        for bad in [
            &b""[..],
            b"rel\0ls\0\0",
            b"/\0\0",
            b"/\0ls",
            b"/\0ls\0\0NOEQUALS\0",
            b"/\0\xff\0\0",
        ] {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
    }
}
