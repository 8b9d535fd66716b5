//! `proc_exit`, `proc_raise`, `sched_yield`, `random_get`.

use super::io::{check_interrupt, IO_CHUNK};
use super::{SysError, SysResult};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::guest::GuestMemory;

pub fn proc_exit(_ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, code: u32) -> SysResult {
    // The exit code is a u32 on the wire; POSIX shells see its low byte.
    Err(SysError::Exit(code as i32))
}

pub fn proc_raise(_ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, _sig: u32) -> SysResult {
    // Signals do not exist in this sandbox (and were removed from later WASI).
    Err(Errno::NotSup.into())
}

/// (Like every call, it ends a process past its deadline first.)
pub fn sched_yield(_ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>) -> SysResult {
    std::thread::yield_now();
    Ok(())
}

/// Fills the whole buffer (there is no short count), in pieces with the
/// interrupt checked between them: up to 4 GiB of random bytes take long.
pub fn random_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, buf: u32, len: u32) -> SysResult {
    let out = mem.slice_mut(buf, len)?;
    for (i, piece) in out.chunks_mut(IO_CHUNK as usize).enumerate() {
        if i > 0 {
            check_interrupt(ctx)?;
        }
        ctx.random.fill(piece);
    }
    Ok(())
}
