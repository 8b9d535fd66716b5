//! `args_*` and `environ_*`.

use super::SysResult;
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::guest::GuestMemory;

/// Count and total size (each string plus its NUL) of a string list.
fn sizes(list: &[Vec<u8>]) -> Result<(u32, u32), Errno> {
    let count = u32::try_from(list.len()).map_err(|_| Errno::Overflow)?;
    let size: usize = list.iter().map(|s| s.len() + 1).sum();
    Ok((count, u32::try_from(size).map_err(|_| Errno::Overflow)?))
}

/// Write `list` as an array of pointers at `ptrs` and NUL-terminated strings at `buf`.
fn write_list(mem: &mut GuestMemory<'_>, list: &[Vec<u8>], ptrs: u32, buf: u32) -> SysResult {
    let (count, size) = sizes(list)?;
    // Check both areas first so nothing is written on a fault.
    mem.slice(ptrs, count.checked_mul(4).ok_or(Errno::Fault)?)?;
    mem.slice(buf, size)?;
    let mut at = buf;
    for (i, s) in list.iter().enumerate() {
        mem.write_u32(ptrs + 4 * i as u32, at)?;
        let len = s.len() as u32;
        mem.slice_mut(at, len)?.copy_from_slice(s);
        mem.write_u8(at + len, 0)?;
        at += len + 1;
    }
    Ok(())
}

pub fn args_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    argc_ptr: u32,
    size_ptr: u32,
) -> SysResult {
    let (count, size) = sizes(&ctx.args)?;
    mem.write_u32(argc_ptr, count)?;
    mem.write_u32(size_ptr, size)?;
    Ok(())
}

pub fn args_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, argv: u32, buf: u32) -> SysResult {
    write_list(mem, &ctx.args, argv, buf)
}

pub fn environ_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    count_ptr: u32,
    size_ptr: u32,
) -> SysResult {
    let (count, size) = sizes(&ctx.env)?;
    mem.write_u32(count_ptr, count)?;
    mem.write_u32(size_ptr, size)?;
    Ok(())
}

pub fn environ_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    environ: u32,
    buf: u32,
) -> SysResult {
    write_list(mem, &ctx.env, environ, buf)
}
