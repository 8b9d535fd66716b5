//! The 46 `wasi_snapshot_preview1` functions, grouped by topic. Each is a
//! plain function over a [`WasiCtx`] and a [`GuestMemory`], so it can be
//! tested without wasm; `linker.rs` is the only place that knows wasmi.

pub mod args;
pub mod clock;
pub mod fd;
pub mod io;
mod param;
pub mod path;
pub mod poll;
pub mod proc;
pub mod sock;

use crate::ctx::{Termination, WasiCtx};
use crate::errno::Errno;
use crate::guest::GuestMemory;
use crate::stream::StreamError;

pub use param::{param_kind, ParamKind};

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

/// The one list of preview1 functions, with their lowered parameter types
/// and what they return: `errno` (all but one), or `never` (`proc_exit`,
/// which ends the guest). Invokes
/// `$callback! { $extra; topic::name(arg: type, ...) -> errno|never; ... }`,
/// so the linker, [`call`], [`SIGNATURES`] and the fuzzers' import lists
/// are all generated from it. Parameter names are part of the table: the
/// trace prints them, and [`param_kind`] says what each stands for (the
/// fuzzers shape their arguments by it).
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_syscall {
    ($callback:ident, $extra:tt) => {
        $callback! { $extra;
            args::args_get(argv: u32, argv_buf: u32) -> errno;
            args::args_sizes_get(argc_ptr: u32, size_ptr: u32) -> errno;
            args::environ_get(environ: u32, environ_buf: u32) -> errno;
            args::environ_sizes_get(count_ptr: u32, size_ptr: u32) -> errno;
            clock::clock_res_get(id: u32, res_ptr: u32) -> errno;
            clock::clock_time_get(id: u32, precision: u64, time_ptr: u32) -> errno;
            fd::fd_advise(fd: u32, offset: u64, len: u64, advice: u32) -> errno;
            fd::fd_allocate(fd: u32, offset: u64, len: u64) -> errno;
            fd::fd_close(fd: u32) -> errno;
            fd::fd_datasync(fd: u32) -> errno;
            fd::fd_fdstat_get(fd: u32, stat_ptr: u32) -> errno;
            fd::fd_fdstat_set_flags(fd: u32, flags: u32) -> errno;
            fd::fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64) -> errno;
            fd::fd_filestat_get(fd: u32, buf: u32) -> errno;
            fd::fd_filestat_set_size(fd: u32, size: u64) -> errno;
            fd::fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32) -> errno;
            fd::fd_pread(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nread_ptr: u32) -> errno;
            fd::fd_prestat_get(fd: u32, buf: u32) -> errno;
            fd::fd_prestat_dir_name(fd: u32, path: u32, path_len: u32) -> errno;
            fd::fd_pwrite(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nwritten_ptr: u32) -> errno;
            fd::fd_read(fd: u32, iovs: u32, iovs_len: u32, nread_ptr: u32) -> errno;
            fd::fd_readdir(fd: u32, buf: u32, buf_len: u32, cookie: u64, bufused_ptr: u32) -> errno;
            fd::fd_renumber(from: u32, to: u32) -> errno;
            fd::fd_seek(fd: u32, offset: i64, whence: u32, newoffset_ptr: u32) -> errno;
            fd::fd_sync(fd: u32) -> errno;
            fd::fd_tell(fd: u32, offset_ptr: u32) -> errno;
            fd::fd_write(fd: u32, iovs: u32, iovs_len: u32, nwritten_ptr: u32) -> errno;
            path::path_create_directory(fd: u32, path: u32, path_len: u32) -> errno;
            path::path_filestat_get(fd: u32, flags: u32, path: u32, path_len: u32, buf: u32) -> errno;
            path::path_filestat_set_times(fd: u32, flags: u32, path: u32, path_len: u32, atim: u64, mtim: u64, fst_flags: u32) -> errno;
            path::path_link(old_fd: u32, old_flags: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32) -> errno;
            path::path_open(fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32, rights_base: u64, rights_inheriting: u64, fdflags: u32, fd_ptr: u32) -> errno;
            path::path_readlink(fd: u32, path: u32, path_len: u32, buf: u32, buf_len: u32, bufused_ptr: u32) -> errno;
            path::path_remove_directory(fd: u32, path: u32, path_len: u32) -> errno;
            path::path_rename(fd: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32) -> errno;
            path::path_symlink(old_path: u32, old_path_len: u32, fd: u32, new_path: u32, new_path_len: u32) -> errno;
            path::path_unlink_file(fd: u32, path: u32, path_len: u32) -> errno;
            poll::poll_oneoff(in_ptr: u32, out_ptr: u32, nsubs: u32, nevents_ptr: u32) -> errno;
            proc::proc_raise(sig: u32) -> errno;
            proc::sched_yield() -> errno;
            proc::random_get(buf: u32, len: u32) -> errno;
            sock::sock_accept(fd: u32, flags: u32, fd_ptr: u32) -> errno;
            sock::sock_recv(fd: u32, iovs: u32, iovs_len: u32, flags: u32, nread_ptr: u32, roflags_ptr: u32) -> errno;
            sock::sock_send(fd: u32, iovs: u32, iovs_len: u32, flags: u32, nwritten_ptr: u32) -> errno;
            sock::sock_shutdown(fd: u32, how: u32) -> errno;
            // Last: the fuzzers pick functions by index, and their recorded
            // seeds were made with this order.
            proc::proc_exit(code: u32) -> never;
        }
    };
}

macro_rules! call_table {
    ($extra:tt; $( $topic:ident :: $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ident ; )* ) => {
        /// Call a preview1 function by name with raw (lowered) arguments, as
        /// the linker would (a process past its deadline ends before the
        /// call); each argument is truncated to its wasm type. `None` for an
        /// unknown name or a wrong argument count. For fuzzing, tracing
        /// tools and hosts that dispatch themselves.
        pub fn call(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, name: &str, args: &[u64]) -> Option<SysResult> {
            match name {
                $(
                    stringify!($name) => {
                        let mut it = args.iter().copied();
                        $( let $arg = it.next()? as $ty; )*
                        if it.next().is_some() {
                            return None;
                        }
                        Some(io::check_interrupt(ctx).and_then(|()| $topic::$name(ctx, mem, $( $arg ),*)))
                    }
                )*
                _ => None,
            }
        }
    };
}

crate::for_each_syscall!(call_table, ());

macro_rules! signature_table {
    ($extra:tt; $( $topic:ident :: $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ident ; )* ) => {
        /// Every preview1 function with the names of its (lowered)
        /// parameters, in the table's order.
        ///
        /// ```
        /// use wasiland_wasi_host::syscalls::{arity, SIGNATURES};
        /// assert_eq!(SIGNATURES.len(), 46);
        /// assert!(SIGNATURES.contains(&("fd_renumber", &["from", "to"][..])));
        /// assert_eq!(arity("path_open"), Some(9));
        /// assert_eq!(arity("proc_exit"), Some(1));
        /// ```
        pub const SIGNATURES: [(&str, &[&str]); 0 $(+ signature_table!(@one $name))*] = [
            $( (stringify!($name), &[$(stringify!($arg)),*]), )*
        ];
    };
    (@one $x:ident) => {
        1
    };
}

crate::for_each_syscall!(signature_table, ());

/// The number of (lowered) parameters of function `name`, if it is one
/// of preview1's.
pub fn arity(name: &str) -> Option<usize> {
    SIGNATURES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, params)| params.len())
}
