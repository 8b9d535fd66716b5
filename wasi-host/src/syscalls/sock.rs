//! `sock_*`: this host has no sockets. Every call answers as a kernel
//! would for a descriptor that is not a socket: `badf` for a closed
//! descriptor, `notsock` for any open one.

use super::SysResult;
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::guest::GuestMemory;

fn not_a_socket(ctx: &WasiCtx, fd: u32) -> SysResult {
    ctx.fds.get(fd)?;
    Err(Errno::NotSock.into())
}

pub fn sock_accept(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    _flags: u32,
    _fd_ptr: u32,
) -> SysResult {
    not_a_socket(ctx, fd)
}

#[allow(clippy::too_many_arguments)]
pub fn sock_recv(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    _iovs: u32,
    _iovs_len: u32,
    _flags: u32,
    _nread_ptr: u32,
    _roflags_ptr: u32,
) -> SysResult {
    not_a_socket(ctx, fd)
}

pub fn sock_send(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    _iovs: u32,
    _iovs_len: u32,
    _flags: u32,
    _nwritten_ptr: u32,
) -> SysResult {
    not_a_socket(ctx, fd)
}

pub fn sock_shutdown(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    _how: u32,
) -> SysResult {
    not_a_socket(ctx, fd)
}
