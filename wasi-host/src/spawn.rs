//! `wasiland_v1.spawn`: the one import wasiland adds to preview1, so guests
//! can run commands as child processes (`xargs`, `find -exec`, Python's
//! `subprocess`). preview1 has no process creation; this fills the gap the
//! smallest way that keeps stdio semantics: the child runs to completion
//! while the caller waits, with three of the caller's descriptors as its
//! fds 0, 1 and 2.
//!
//! The wire format (request, descriptors, reply) is
//! [`wasiland_spawn_abi`]'s, re-exported here as [`abi`]. This module is
//! the host half: [`add_to_linker`] defines the import for any store data
//! that implements [`SpawnView`], and a [`Spawner`] of the embedder's runs
//! the decoded command; [`add_nosys_to_linker`] defines it answering
//! `nosys` (modules importing it still instantiate, and report that
//! processes cannot be spawned if they try).
//!
//! Errors (the import's result): `nosys` where the store data has no
//! spawner, `badf` for a descriptor that is not a file or stream, `inval`
//! for a malformed request, `ilseq` for a field that is not UTF-8, `2big`
//! for a request longer than the spawner takes
//! ([`Spawner::max_request_bytes`]), `nomem` when the caller's memory
//! budget cannot hold the decoded request, `fault` for a request or status
//! slot outside the guest's memory; a spawner's own refusal (wasiland's:
//! `again` past its nesting limit) is passed on.
//!
//! ```
//! use std::sync::Arc;
//! use wasiland_wasi_host::spawn::{SpawnView, Spawner};
//! use wasiland_wasi_host::{Errno, OutputStream, SharedVfs, Stdio, WasiCtx, WasiView};
//!
//! /// "Runs" every command by writing its argv to the child's stdout.
//! struct Echo;
//! impl Spawner for Echo {
//!     fn spawn(&self, argv: Vec<String>, _env: Vec<(String, String)>, _cwd: String,
//!              stdio: [Stdio; 3]) -> Result<i32, Errno> {
//!         if let Stdio::Output(out) = &stdio[1] {
//!             let _ = out.write(argv.join(" ").as_bytes(), false, &Default::default());
//!         }
//!         Ok(3)
//!     }
//! }
//!
//! struct State { wasi: WasiCtx, spawner: Arc<dyn Spawner> }
//! impl WasiView for State { fn wasi(&mut self) -> &mut WasiCtx { &mut self.wasi } }
//! impl SpawnView for State {
//!     fn spawner(&self) -> Option<Arc<dyn Spawner>> { Some(self.spawner.clone()) }
//! }
//!
//! // A guest that spawns "hi there" in "/" on its own stdio and returns the status.
//! let wasm = wat::parse_str(r#"(module
//!     (import "wasiland_v1" "spawn" (func $spawn (param i32 i32 i32 i32 i32 i32) (result i32)))
//!     (memory (export "memory") 1)
//!     (data (i32.const 16) "/\00hi\00there\00\00")
//!     (func (export "run") (result i32)
//!       (drop (call $spawn (i32.const 16) (i32.const 13) (i32.const 0) (i32.const 1) (i32.const 2) (i32.const 0)))
//!       (i32.load (i32.const 0))))"#).unwrap();
//! let engine = wasmi::Engine::default();
//! let module = wasmi::Module::new(&engine, &wasm[..]).unwrap();
//! let mut linker = wasmi::Linker::<State>::new(&engine);
//! wasiland_wasi_host::add_to_linker(&mut linker).unwrap();
//! wasiland_wasi_host::spawn::add_to_linker(&mut linker).unwrap();
//! let out = wasiland_wasi_host::CaptureOutput::new();
//! let wasi = WasiCtx::builder(SharedVfs::new(wasiland_vfs::Vfs::new()))
//!     .stdout(Stdio::Output(out.clone()))
//!     .build();
//! let mut store = wasmi::Store::new(&engine, State { wasi, spawner: Arc::new(Echo) });
//! let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
//! let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
//! assert_eq!(run.call(&mut store, ()).unwrap(), 3);
//! assert_eq!(out.contents(), b"hi there");
//! ```

use crate::ctx::{panic_message, Stdio, Termination, WasiView};
use crate::errno::Errno;
use crate::fd::Target;
use crate::guest::GuestMemory;
use std::sync::Arc;
use wasiland_spawn_abi::{Reply, Request};
use wasmi::{Caller, Extern, Linker};

pub use wasiland_spawn_abi as abi;

/// Import module name (`wasiland_v1`).
pub const MODULE: &str = wasiland_spawn_abi::MODULE;

/// Runs a child command for a guest (wasiland's `ExecEnv` is one).
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
    /// decoded (wasiland's: `--args-limit` plus [`MAX_CWD_BYTES`]).
    fn max_request_bytes(&self) -> usize {
        usize::MAX
    }
}

/// Store data whose guests may spawn: a [`WasiView`] with a [`Spawner`]
/// (`None`: the import answers `nosys`).
pub trait SpawnView: WasiView {
    /// Who runs this process's spawn requests.
    fn spawner(&self) -> Option<Arc<dyn Spawner>>;
}

/// Bytes a request's working directory may add to an argument limit.
pub const MAX_CWD_BYTES: usize = 4096;

/// Host bytes a decoded request holds: its text twice (the copy in guest
/// memory is read, each field becomes a `String`) and a `String` plus a
/// vector slot per field.
fn decoded_size(bytes: &[u8]) -> u64 {
    let fields = Request::field_count(bytes) as u64;
    (bytes.len() as u64)
        .saturating_mul(2)
        .saturating_add(fields.saturating_mul(2 * std::mem::size_of::<String>() as u64))
}

/// A decoded request, as text.
struct Command {
    cwd: String,
    argv: Vec<String>,
    env: Vec<(String, String)>,
}

fn decode(bytes: &[u8]) -> Result<Command, Errno> {
    let request = Request::decode(bytes).map_err(|_| Errno::Inval)?;
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| Errno::Ilseq);
    Ok(Command {
        cwd: text(request.cwd)?,
        argv: request
            .argv
            .iter()
            .map(|a| text(a))
            .collect::<Result<_, _>>()?,
        env: request
            .env
            .iter()
            .map(|(k, v)| Ok((text(k)?, text(v)?)))
            .collect::<Result<_, Errno>>()?,
    })
}

/// The child's view of one of the caller's descriptors.
fn stdio_of<T: WasiView>(state: &mut T, fd: u32) -> Result<Stdio, Errno> {
    if fd == wasiland_spawn_abi::NULL_FD {
        return Ok(Stdio::Null);
    }
    match &state.wasi().fds().get(fd)?.target {
        Target::File(f) => Ok(Stdio::File(f.clone())),
        Target::Input(s) => Ok(Stdio::Input(s.clone())),
        Target::Output(s) => Ok(Stdio::Output(s.clone())),
        Target::Dir { .. } => Err(Errno::Badf),
    }
}

fn spawn<T: SpawnView>(
    caller: &mut Caller<'_, T>,
    request: u32,
    request_len: u32,
    fds: [u32; 3],
    status_ptr: u32,
) -> Result<Reply, wasmi::Error> {
    let refused = |e: Errno| Ok(Reply::Refused(e.raw()));
    // As every syscall: a guest past its deadline ends here (spawning in a
    // loop costs the guest almost no fuel).
    if let Err(reason) = caller.data_mut().wasi().interrupt().check() {
        return Err(wasmi::Error::host(Termination::Interrupted(reason)));
    }
    let Some(memory) = caller.get_export("memory").and_then(Extern::into_memory) else {
        return refused(Errno::Fault);
    };
    let (bytes, state) = memory.data_and_store_mut(&mut *caller);
    let mem = GuestMemory::new(bytes);
    let prepared = (|| -> Result<_, Errno> {
        let spawner = state.spawner().ok_or(Errno::NoSys)?;
        // The status slot must be writable before anything runs.
        mem.slice(status_ptr, 4)?;
        if request_len as usize > spawner.max_request_bytes() {
            return Err(Errno::TooBig);
        }
        let raw = mem.slice(request, request_len)?;
        // Held until the child ends (its argv and environment live that long).
        let held = state
            .wasi()
            .budget()
            .try_charge(decoded_size(raw))
            .map_err(|_| Errno::NoMem)?;
        let command = decode(raw)?;
        let stdio = [
            stdio_of(state, fds[0])?,
            stdio_of(state, fds[1])?,
            stdio_of(state, fds[2])?,
        ];
        Ok((spawner, command, stdio, held))
    })();
    let (spawner, command, stdio, held) = match prepared {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    let status = spawner.spawn(command.argv, command.env, command.cwd, stdio);
    drop(held);
    let status = match status {
        Ok(status) => status,
        Err(e) => return refused(e),
    };
    // Memory may have moved while the child ran (it cannot grow: this
    // guest was waiting), but re-derive the slice anyway.
    let mut mem = GuestMemory::new(memory.data_mut(&mut *caller));
    let reply = Reply::Exited(status as u32);
    if let (_, Some(status)) = reply.to_wire() {
        if let Err(e) = mem.write_u32(status_ptr, u32::from_le_bytes(status)) {
            return refused(e);
        }
    }
    Ok(reply)
}

/// Define `wasiland_v1.spawn` on `linker`: requests are run by the store
/// data's [`SpawnView::spawner`] (see the module docs for an example).
pub fn add_to_linker<T: SpawnView + 'static>(
    linker: &mut Linker<T>,
) -> Result<(), wasmi::errors::LinkerError> {
    linker.func_wrap(
        MODULE,
        wasiland_spawn_abi::NAME,
        |mut caller: Caller<'_, T>,
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
            .map(|reply| i32::from(reply.to_wire().0))
        },
    )?;
    Ok(())
}

/// Define `wasiland_v1.spawn` answering `nosys`, for store data without a
/// spawner (start-up image templates, benchmarks, embedders who link the
/// preview1 table alone), so modules that import it still instantiate and
/// report that processes cannot be spawned if they try.
///
/// ```
/// let engine = wasmi::Engine::default();
/// let mut linker = wasmi::Linker::<()>::new(&engine);
/// wasiland_wasi_host::spawn::add_nosys_to_linker(&mut linker)?;
/// # Ok::<(), wasmi::errors::LinkerError>(())
/// ```
pub fn add_nosys_to_linker<T>(linker: &mut Linker<T>) -> Result<(), wasmi::errors::LinkerError> {
    linker.func_wrap(
        MODULE,
        wasiland_spawn_abi::NAME,
        |_: u32, _: u32, _: u32, _: u32, _: u32, _: u32| -> i32 { i32::from(Errno::NoSys.raw()) },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_abi_errnos_are_preview1s() {
        use wasiland_spawn_abi::errno as abi;
        for (wire, errno) in [
            (abi::SUCCESS, Errno::Success),
            (abi::TOO_BIG, Errno::TooBig),
            (abi::AGAIN, Errno::Again),
            (abi::BADF, Errno::Badf),
            (abi::FAULT, Errno::Fault),
            (abi::ILSEQ, Errno::Ilseq),
            (abi::INVAL, Errno::Inval),
            (abi::NOMEM, Errno::NoMem),
            (abi::NOSYS, Errno::NoSys),
        ] {
            assert_eq!(wire, errno.raw(), "{errno:?}");
        }
    }

    #[test]
    fn requests_decode_as_text() {
        let c = decode(b"/tmp\0ls\0-l\0\0A=1\0B=x=y\0").expect("valid");
        assert_eq!(
            (c.cwd.as_str(), c.argv.as_slice()),
            ("/tmp", &["ls".to_string(), "-l".to_string()][..])
        );
        assert_eq!(
            c.env,
            [
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "x=y".to_string())
            ]
        );
        assert_eq!(decode(b"/\0\xff\0\0").err(), Some(Errno::Ilseq));
        assert_eq!(decode(b"/\0\0").err(), Some(Errno::Inval));
        // Two copies of the text, two `String`s' worth per field (3 here).
        assert_eq!(
            decoded_size(b"/\0ls\0"),
            10 + 6 * std::mem::size_of::<String>() as u64
        );
    }
}
