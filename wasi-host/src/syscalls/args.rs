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
    let mut ptr = ptrs;
    for s in list {
        mem.write_u32(ptr, at)?;
        let len = u32::try_from(s.len()).map_err(|_| Errno::Overflow)?;
        mem.slice_mut(at, len)?.copy_from_slice(s);
        let nul = at.checked_add(len).ok_or(Errno::Fault)?;
        mem.write_u8(nul, 0)?;
        // The last string may end at the very top of memory.
        at = nul.wrapping_add(1);
        ptr = ptr.wrapping_add(4);
    }
    Ok(())
}

/// Store a list's count and size; both pointers are checked before either
/// is written.
fn write_sizes(
    mem: &mut GuestMemory<'_>,
    list: &[Vec<u8>],
    count_ptr: u32,
    size_ptr: u32,
) -> SysResult {
    let (count, size) = sizes(list)?;
    mem.slice(count_ptr, 4)?;
    mem.slice(size_ptr, 4)?;
    mem.write_u32(count_ptr, count)?;
    mem.write_u32(size_ptr, size)?;
    Ok(())
}

pub fn args_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    argc_ptr: u32,
    size_ptr: u32,
) -> SysResult {
    write_sizes(mem, &ctx.args, argc_ptr, size_ptr)
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
    write_sizes(mem, &ctx.env, count_ptr, size_ptr)
}

pub fn environ_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    environ: u32,
    buf: u32,
) -> SysResult {
    write_list(mem, &ctx.env, environ, buf)
}
