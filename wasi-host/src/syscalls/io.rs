//! Vectored reads and writes with bounds on everything a guest chooses.
//!
//! * One call moves at most [`MAX_IO`] bytes (Linux's `MAX_RW_COUNT`):
//!   larger requests are short, as on Linux, and every count fits the
//!   guest's 32-bit `size_t`.
//! * The iovec table is read from guest memory as it is walked: a
//!   guest-chosen count allocates nothing on the host.
//! * Bytes move in pieces of at most [`IO_CHUNK`] straight between guest
//!   memory and the destination, with the process's interrupt checked
//!   between pieces, so a huge request neither copies guest memory into a
//!   host buffer nor outlives the deadline. The one host-side copy is a
//!   stack buffer of [`PIPE_BUF`] bytes that keeps small gathered writes
//!   to a stream atomic.

use super::{stream_error, SysError};
use crate::ctx::{Termination, WasiCtx};
use crate::errno::Errno;
use crate::file::OpenFile;
use crate::guest::{GuestMemory, IoVec, IoVecTable};
use crate::stream::{InputStream, OutputStream, StreamError, PIPE_BUF};

/// Most bytes one read or write moves: Linux's `MAX_RW_COUNT`
/// (`INT_MAX` rounded down to a page). A larger request gets a short
/// count, which wasi-libc and Rust's std handle by calling again.
pub const MAX_IO: u32 = 0x7fff_f000;

/// Most bytes moved between two interrupt checks.
pub const IO_CHUNK: u32 = 1 << 20;

/// iovec entries walked between two interrupt checks (a table of empty
/// entries moves nothing, but walking it still takes time).
const ENTRIES_PER_CHECK: u32 = 1 << 16;

/// `Err` once the process has been interrupted (deadline, cancellation).
pub(crate) fn check_interrupt(ctx: &WasiCtx) -> Result<(), SysError> {
    ctx.interrupt
        .check()
        .map_err(|r| Termination::Interrupted(r).into())
}

/// The buffers of one read or write: every buffer checked to be in guest
/// memory, and the total to move (their sum, capped at [`MAX_IO`]).
pub(crate) struct Transfer {
    table: IoVecTable,
    total: u32,
}

impl Transfer {
    /// Check the iovec table at `ptr` and every buffer it names (`fault`
    /// before anything moves), and sum their lengths.
    pub(crate) fn new(
        ctx: &WasiCtx,
        mem: &GuestMemory<'_>,
        ptr: u32,
        count: u32,
    ) -> Result<Transfer, SysError> {
        let table = mem.iovec_table(ptr, count)?;
        let mut total = 0u32;
        for i in 0..count {
            if i > 0 && i % ENTRIES_PER_CHECK == 0 {
                check_interrupt(ctx)?;
            }
            let v = table.get(mem, i)?;
            mem.slice(v.ptr, v.len)?;
            total = total.saturating_add(v.len).min(MAX_IO);
        }
        Ok(Transfer { table, total })
    }

    /// Bytes this call moves at most.
    pub(crate) fn total(&self) -> u32 {
        self.total
    }

    /// Hand the buffers to `piece` in order, cut into pieces of at most
    /// [`IO_CHUNK`] bytes and to [`Transfer::total`] in all, checking the
    /// interrupt between pieces. `piece(mem, buffer, moved_so_far)`
    /// returns how many bytes of its buffer it moved; fewer than offered
    /// ends the call there (a short read or write). An errno after some
    /// bytes moved ends the call with those bytes, as on Linux; the next
    /// call sees the error. Returns the bytes moved.
    pub(crate) fn for_each_piece(
        &self,
        ctx: &WasiCtx,
        mem: &mut GuestMemory<'_>,
        mut piece: impl FnMut(&mut GuestMemory<'_>, IoVec, u32) -> Result<u32, SysError>,
    ) -> Result<u32, SysError> {
        let mut moved = 0u32;
        for i in 0..self.table.count() {
            if moved >= self.total {
                break;
            }
            if i > 0 && i % ENTRIES_PER_CHECK == 0 {
                check_interrupt(ctx)?;
            }
            let v = self.table.get(mem, i)?;
            let mut offset = 0u32;
            let len = v.len.min(self.total - moved);
            while offset < len {
                if moved > 0 {
                    check_interrupt(ctx)?;
                }
                let want = (len - offset).min(IO_CHUNK);
                let buf = IoVec {
                    ptr: v.ptr.checked_add(offset).ok_or(Errno::Fault)?,
                    len: want,
                };
                let n = match piece(mem, buf, moved) {
                    Ok(n) => n.min(want),
                    Err(SysError::Errno(_)) if moved > 0 => return Ok(moved),
                    Err(e) => return Err(e),
                };
                moved += n;
                offset += n;
                if n < want {
                    return Ok(moved);
                }
            }
        }
        Ok(moved)
    }
}

/// Read from a file or device at `at` (pread) or at its cursor.
pub(crate) fn read_file(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    file: &OpenFile,
    t: &Transfer,
    at: Option<u64>,
) -> Result<u32, SysError> {
    let mut reader = file.reader(at)?;
    t.for_each_piece(ctx, mem, |mem, v, _| {
        let buf = mem.slice_mut(v.ptr, v.len)?;
        Ok(reader.read(buf, &*ctx.random)? as u32)
    })
}

/// Write to a file or device at `at` (pwrite) or at its cursor: all of
/// the transfer or, when the size or quota refuses it, nothing.
pub(crate) fn write_file(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    file: &OpenFile,
    t: &Transfer,
    at: Option<u64>,
) -> Result<u32, SysError> {
    let mut writer = file.writer(at, u64::from(t.total()))?;
    if writer.is_device() {
        return Ok(t.total());
    }
    t.for_each_piece(ctx, mem, |mem, v, _| {
        writer.write(mem.slice(v.ptr, v.len)?)?;
        Ok(v.len)
    })
}

/// Read from a stream: block (unless `nonblocking`) for the first bytes
/// only, then take what is there.
pub(crate) fn read_stream(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    stream: &dyn InputStream,
    t: &Transfer,
    nonblocking: bool,
) -> Result<u32, SysError> {
    t.for_each_piece(ctx, mem, |mem, v, moved| {
        let buf = mem.slice_mut(v.ptr, v.len)?;
        match stream.read(buf, nonblocking || moved > 0, &ctx.interrupt) {
            Ok(n) => Ok(n as u32),
            Err(StreamError::WouldBlock) if moved > 0 => Ok(0),
            Err(e) => Err(stream_error(e, ctx.sigpipe_kills)),
        }
    })
}

/// Write to a stream. Up to [`PIPE_BUF`] bytes are gathered into one
/// write, which a pipe performs atomically; larger writes go piece by
/// piece.
pub(crate) fn write_stream(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    stream: &dyn OutputStream,
    t: &Transfer,
    nonblocking: bool,
) -> Result<u32, SysError> {
    if t.total() == 0 {
        return Ok(0);
    }
    let write = |data: &[u8]| -> Result<u32, SysError> {
        match stream.write(data, nonblocking, &ctx.interrupt) {
            Ok(n) => Ok(n as u32),
            Err(e) => Err(stream_error(e, ctx.sigpipe_kills)),
        }
    };
    if t.total() as usize <= PIPE_BUF {
        let mut gathered = [0u8; PIPE_BUF];
        let n = t.for_each_piece(ctx, mem, |mem, v, moved| {
            let at = moved as usize;
            let to = gathered
                .get_mut(at..at + v.len as usize)
                .ok_or(Errno::Fault)?;
            to.copy_from_slice(mem.slice(v.ptr, v.len)?);
            Ok(v.len)
        })?;
        return write(&gathered[..n as usize]);
    }
    t.for_each_piece(ctx, mem, |mem, v, _| write(mem.slice(v.ptr, v.len)?))
}
