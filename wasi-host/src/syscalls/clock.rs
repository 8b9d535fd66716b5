//! `clock_res_get`, `clock_time_get`.

use super::SysResult;
use crate::abi::clockid;
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::guest::GuestMemory;

/// Current time of clock `id`, or `inval` for an unknown clock.
pub(crate) fn now(ctx: &WasiCtx, id: u32) -> Result<u64, Errno> {
    match id {
        clockid::REALTIME => Ok(ctx.clock.realtime()),
        clockid::MONOTONIC => Ok(ctx.clock.monotonic()),
        clockid::PROCESS_CPUTIME | clockid::THREAD_CPUTIME => Ok(ctx.clock.process_cputime()),
        _ => Err(Errno::Inval),
    }
}

pub fn clock_res_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    res_ptr: u32,
) -> SysResult {
    now(ctx, id)?;
    mem.write_u64(res_ptr, ctx.clock.resolution().max(1))?;
    Ok(())
}

pub fn clock_time_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    _precision: u64,
    time_ptr: u32,
) -> SysResult {
    let t = now(ctx, id)?;
    mem.write_u64(time_ptr, t)?;
    Ok(())
}
