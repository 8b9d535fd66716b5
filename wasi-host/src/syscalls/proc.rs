//! `proc_exit`, `proc_raise`, `sched_yield`, `random_get`.

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

pub fn sched_yield(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>) -> SysResult {
    ctx.interrupt
        .check()
        .map_err(|r| SysError::Terminate(crate::ctx::Termination::Interrupted(r)))?;
    std::thread::yield_now();
    Ok(())
}

pub fn random_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, buf: u32, len: u32) -> SysResult {
    let out = mem.slice_mut(buf, len)?;
    ctx.random.fill(out);
    Ok(())
}
