//! The 46 `wasi_snapshot_preview1` functions, grouped by topic. Each is a
//! plain function over a [`WasiCtx`] and a [`GuestMemory`], so it can be
//! tested without wasm; `linker.rs` is the only place that knows wasmi.

pub mod args;
pub mod clock;
pub mod fd;
pub mod path;
pub mod poll;
pub mod proc;
pub mod sock;

use crate::ctx::Termination;
use crate::errno::Errno;
use crate::stream::StreamError;

/// How a syscall ends: an errno for the guest, or the end of the guest.
#[derive(Debug)]
pub enum SysError {
    Errno(Errno),
    /// `proc_exit(code)`.
    Exit(i32),
    /// The host ends the process.
    Terminate(Termination),
}

/// Result of a syscall body: `Ok(())` is `success`.
pub type SysResult = Result<(), SysError>;

impl From<Errno> for SysError {
    fn from(e: Errno) -> Self {
        SysError::Errno(e)
    }
}

impl From<wasiland_vfs::VfsError> for SysError {
    fn from(e: wasiland_vfs::VfsError) -> Self {
        SysError::Errno(e.into())
    }
}

impl From<Termination> for SysError {
    fn from(t: Termination) -> Self {
        SysError::Terminate(t)
    }
}

/// Map a stream failure to the guest's view of it.
pub(crate) fn stream_error(e: StreamError, sigpipe_kills: bool) -> SysError {
    match e {
        StreamError::WouldBlock => Errno::Again.into(),
        StreamError::BrokenPipe if sigpipe_kills => Termination::BrokenPipe.into(),
        StreamError::BrokenPipe => Errno::Pipe.into(),
        StreamError::Interrupted(r) => Termination::Interrupted(r).into(),
        StreamError::LimitExceeded => Termination::OutputLimit.into(),
        StreamError::Io => Errno::Io.into(),
        StreamError::Fs(e) => e.into(),
    }
}

/// Narrow a lowered integer to a flags type; bits outside `valid` are `inval`.
pub(crate) fn flags16(raw: u32, valid: u16) -> Result<u16, Errno> {
    let v = u16::try_from(raw).map_err(|_| Errno::Inval)?;
    if v & !valid != 0 {
        return Err(Errno::Inval);
    }
    Ok(v)
}
