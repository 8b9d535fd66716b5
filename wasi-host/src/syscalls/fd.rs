//! `fd_*`: descriptors, reads and writes, seeking, metadata, directories.

use super::io::{self, check_interrupt, Transfer};
use super::{flags16, SysResult};
use crate::abi::{self, fdflags, fstflags, rights, whence, Fdstat, Filestat, Filetype};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::fd::{Descriptor, Target};
use crate::file::OpenFile;
use crate::guest::GuestMemory;
use wasiland_vfs::SetTime;

/// A clone of descriptor `fd` (cheap: Arcs), so the table is not borrowed
/// while the call blocks or touches other state.
fn desc(ctx: &WasiCtx, fd: u32) -> Result<Descriptor, Errno> {
    ctx.fds.get(fd).cloned()
}

/// The open file behind `desc`, or the errno POSIX gives for other kinds.
fn file_of(desc: &Descriptor, stream_errno: Errno, dir_errno: Errno) -> Result<&OpenFile, Errno> {
    match &desc.target {
        Target::File(f) => Ok(f),
        Target::Dir { .. } => Err(dir_errno),
        Target::Input(_) | Target::Output(_) => Err(stream_errno),
    }
}

/// Check that a result pointer can take a u32 before any I/O happens, so
/// a bad pointer faults with nothing read or written.
fn count_ptr(mem: &GuestMemory<'_>, ptr: u32) -> Result<(), Errno> {
    mem.slice(ptr, 4).map(|_| ())
}

/// Which way bytes move between guest memory and a descriptor.
#[derive(Clone, Copy)]
enum Direction {
    /// Into guest memory (`fd_read`, `fd_pread`).
    Read,
    /// Out of guest memory (`fd_write`, `fd_pwrite`).
    Write,
}

/// The four vectored calls: at the cursor or through a stream (`at` is
/// `None`), or at an offset of a file (`Some`, which needs `fd_seek` and
/// refuses streams with `spipe`). The iovecs and the count pointer are
/// checked before a byte moves.
#[allow(clippy::too_many_arguments)]
fn vectored(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    at: Option<u64>,
    count: u32,
    direction: Direction,
) -> SysResult {
    let d = desc(ctx, fd)?;
    let right = match direction {
        Direction::Read => rights::FD_READ,
        Direction::Write => rights::FD_WRITE,
    };
    if at.is_some() {
        file_of(&d, Errno::Spipe, Errno::IsDir)?;
        d.require(right | rights::FD_SEEK)?;
    }
    let t = Transfer::new(ctx, mem, iovs, iovs_len)?;
    count_ptr(mem, count)?;
    let n = match (&d.target, direction) {
        (Target::File(f), Direction::Read) => {
            d.require(right)?;
            io::read_file(ctx, mem, f, &t, at)?
        }
        (Target::File(f), Direction::Write) => {
            d.require(right)?;
            io::write_file(ctx, mem, f, &t, at)?
        }
        (Target::Input(s), Direction::Read) => {
            d.require(right)?;
            io::read_stream(ctx, mem, &**s, &t, d.nonblocking())?
        }
        (Target::Output(s), Direction::Write) => {
            d.require(right)?;
            io::write_stream(ctx, mem, &**s, &t, d.nonblocking())?
        }
        (Target::Dir { .. }, _) => return Err(Errno::IsDir.into()),
        // Reading an output or writing an input.
        (Target::Input(_) | Target::Output(_), _) => return Err(Errno::Badf.into()),
    };
    mem.write_u32(count, n)?;
    Ok(())
}

pub fn fd_read(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nread_ptr: u32,
) -> SysResult {
    vectored(
        ctx,
        mem,
        fd,
        iovs,
        iovs_len,
        None,
        nread_ptr,
        Direction::Read,
    )
}

pub fn fd_write(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten_ptr: u32,
) -> SysResult {
    vectored(
        ctx,
        mem,
        fd,
        iovs,
        iovs_len,
        None,
        nwritten_ptr,
        Direction::Write,
    )
}

pub fn fd_pread(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nread_ptr: u32,
) -> SysResult {
    vectored(
        ctx,
        mem,
        fd,
        iovs,
        iovs_len,
        Some(offset),
        nread_ptr,
        Direction::Read,
    )
}

pub fn fd_pwrite(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nwritten_ptr: u32,
) -> SysResult {
    vectored(
        ctx,
        mem,
        fd,
        iovs,
        iovs_len,
        Some(offset),
        nwritten_ptr,
        Direction::Write,
    )
}

pub fn fd_seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: i64,
    whence_raw: u32,
    newoffset_ptr: u32,
) -> SysResult {
    let d = desc(ctx, fd)?;
    let f = file_of(&d, Errno::Spipe, Errno::Badf)?;
    if whence_raw == whence::CUR as u32 && offset == 0 {
        d.require(rights::FD_TELL)
            .or_else(|_| d.require(rights::FD_SEEK))?;
    } else {
        d.require(rights::FD_SEEK)?;
    }
    mem.slice(newoffset_ptr, 8)?;
    let mut cursor = f.cursor();
    let base = match u8::try_from(whence_raw).map_err(|_| Errno::Inval)? {
        whence::SET => 0i128,
        whence::CUR => cursor.position as i128,
        whence::END => f.vfs().lock().stat(f.ino())?.size as i128,
        _ => return Err(Errno::Inval.into()),
    };
    let new = base + offset as i128;
    if new < 0 || new > i64::MAX as i128 {
        return Err(Errno::Inval.into());
    }
    cursor.position = new as u64;
    drop(cursor);
    mem.write_u64(newoffset_ptr, new as u64)?;
    Ok(())
}

pub fn fd_tell(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    offset_ptr: u32,
) -> SysResult {
    let d = desc(ctx, fd)?;
    let f = file_of(&d, Errno::Spipe, Errno::Badf)?;
    d.require(rights::FD_TELL)?;
    let pos = f.cursor().position;
    mem.write_u64(offset_ptr, pos)?;
    Ok(())
}

pub fn fd_close(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32) -> SysResult {
    ctx.fds.remove(fd)?;
    Ok(())
}

pub fn fd_renumber(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, from: u32, to: u32) -> SysResult {
    ctx.fds.renumber(from, to)?;
    Ok(())
}

/// The filetype a descriptor reports.
fn filetype_of(ctx: &WasiCtx, d: &Descriptor) -> Filetype {
    let _ = ctx;
    match &d.target {
        Target::File(f) => {
            if f.vfs().lock().device(f.ino()).is_some() {
                Filetype::CharacterDevice
            } else {
                Filetype::RegularFile
            }
        }
        Target::Dir { .. } => Filetype::Directory,
        Target::Input(s) if s.is_terminal() => Filetype::CharacterDevice,
        Target::Output(s) if s.is_terminal() => Filetype::CharacterDevice,
        Target::Input(_) | Target::Output(_) => Filetype::Unknown,
    }
}

pub fn fd_fdstat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    stat_ptr: u32,
) -> SysResult {
    let d = desc(ctx, fd)?;
    let mut flags = d.flags;
    if let Target::File(f) = &d.target {
        if f.cursor().append {
            flags |= fdflags::APPEND;
        }
    }
    let stat = Fdstat {
        filetype: filetype_of(ctx, &d),
        flags,
        rights_base: d.rights_base,
        rights_inheriting: d.rights_inheriting,
    };
    stat.write(mem, stat_ptr)?;
    Ok(())
}

pub fn fd_fdstat_set_flags(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
) -> SysResult {
    let flags = flags16(flags, fdflags::ALL)?;
    let d = ctx.fds.get_mut(fd)?;
    d.require(rights::FD_FDSTAT_SET_FLAGS)?;
    if let Target::File(f) = &d.target {
        f.cursor().append = flags & fdflags::APPEND != 0;
    }
    d.flags = flags & !fdflags::APPEND;
    Ok(())
}

pub fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> SysResult {
    let d = ctx.fds.get_mut(fd)?;
    // Rights can only be dropped, never gained.
    if base & !d.rights_base != 0 || inheriting & !d.rights_inheriting != 0 {
        return Err(Errno::NotCapable.into());
    }
    d.rights_base = base;
    d.rights_inheriting = inheriting;
    Ok(())
}

pub fn fd_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: u32,
) -> SysResult {
    let d = desc(ctx, fd)?;
    d.require(rights::FD_FILESTAT_GET)?;
    let stat = match &d.target {
        Target::File(f) => Filestat::from(f.vfs().lock().stat(f.ino())?),
        Target::Dir { dir, .. } => Filestat::from(dir.vfs().lock().stat(dir.ino())?),
        Target::Input(_) | Target::Output(_) => Filestat {
            dev: 0,
            ino: 0,
            filetype: filetype_of(ctx, &d),
            nlink: 1,
            size: 0,
            atim: 0,
            mtim: 0,
            ctim: 0,
        },
    };
    stat.write(mem, buf)?;
    Ok(())
}

pub fn fd_filestat_set_size(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    size: u64,
) -> SysResult {
    let d = desc(ctx, fd)?;
    let f = file_of(&d, Errno::Inval, Errno::IsDir)?;
    d.require(rights::FD_FILESTAT_SET_SIZE)?;
    if !f.writable() {
        return Err(Errno::Badf.into());
    }
    if size > i64::MAX as u64 {
        return Err(Errno::Fbig.into());
    }
    f.vfs().lock().set_len(f.ino(), size)?;
    Ok(())
}

/// Decode `fstflags` into the two times to set.
pub(crate) fn times(atim: u64, mtim: u64, flags: u32) -> Result<(SetTime, SetTime), Errno> {
    let flags = flags16(
        flags,
        fstflags::ATIM | fstflags::ATIM_NOW | fstflags::MTIM | fstflags::MTIM_NOW,
    )?;
    let pick = |set: u16, now: u16, t: u64| -> Result<SetTime, Errno> {
        match (flags & set != 0, flags & now != 0) {
            (true, true) => Err(Errno::Inval),
            (true, false) => Ok(SetTime::At(t)),
            (false, true) => Ok(SetTime::Now),
            (false, false) => Ok(SetTime::Keep),
        }
    };
    Ok((
        pick(fstflags::ATIM, fstflags::ATIM_NOW, atim)?,
        pick(fstflags::MTIM, fstflags::MTIM_NOW, mtim)?,
    ))
}

pub fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> SysResult {
    let (a, m) = times(atim, mtim, flags)?;
    let d = desc(ctx, fd)?;
    d.require(rights::FD_FILESTAT_SET_TIMES)?;
    match &d.target {
        Target::File(f) => f.vfs().lock().set_times(f.ino(), a, m)?,
        Target::Dir { dir, .. } => dir.vfs().lock().set_times(dir.ino(), a, m)?,
        Target::Input(_) | Target::Output(_) => {}
    }
    Ok(())
}

pub fn fd_advise(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    _offset: u64,
    _len: u64,
    advice: u32,
) -> SysResult {
    if advice > 5 {
        return Err(Errno::Inval.into());
    }
    let d = desc(ctx, fd)?;
    file_of(&d, Errno::Spipe, Errno::Badf)?;
    d.require(rights::FD_ADVISE)?;
    Ok(())
}

pub fn fd_allocate(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: u64,
    len: u64,
) -> SysResult {
    let d = desc(ctx, fd)?;
    let f = file_of(&d, Errno::Spipe, Errno::Badf)?;
    d.require(rights::FD_ALLOCATE)?;
    if !f.writable() {
        return Err(Errno::Badf.into());
    }
    match offset.checked_add(len) {
        Some(end) if end <= i64::MAX as u64 => {}
        _ => return Err(Errno::Fbig.into()),
    }
    f.vfs().lock().allocate(f.ino(), offset, len)?;
    Ok(())
}

/// `fd_sync` and `fd_datasync`: the VFS is always consistent, so these only
/// check the descriptor.
fn sync(ctx: &WasiCtx, fd: u32) -> SysResult {
    match desc(ctx, fd)?.target {
        Target::File(_) | Target::Dir { .. } => Ok(()),
        Target::Input(_) | Target::Output(_) => Err(Errno::Inval.into()),
    }
}

pub fn fd_sync(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32) -> SysResult {
    sync(ctx, fd)
}

pub fn fd_datasync(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32) -> SysResult {
    sync(ctx, fd)
}

pub fn fd_prestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: u32,
) -> SysResult {
    match &ctx.fds.get(fd)?.target {
        Target::Dir {
            preopen: Some(name),
            ..
        } => {
            let len = name.len() as u32;
            let b = mem.slice_mut(buf, abi::PRESTAT_SIZE)?;
            b.fill(0);
            b[4..8].copy_from_slice(&len.to_le_bytes());
            Ok(())
        }
        _ => Err(Errno::Badf.into()),
    }
}

pub fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
) -> SysResult {
    match &ctx.fds.get(fd)?.target {
        Target::Dir {
            preopen: Some(name),
            ..
        } => {
            if (path_len as usize) < name.len() {
                return Err(Errno::NameTooLong.into());
            }
            mem.slice_mut(path, name.len() as u32)?
                .copy_from_slice(name.as_bytes());
            Ok(())
        }
        _ => Err(Errno::Badf.into()),
    }
}

pub fn fd_readdir(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused_ptr: u32,
) -> SysResult {
    let d = desc(ctx, fd)?;
    let dir = match &d.target {
        Target::Dir { dir, .. } => dir,
        _ => return Err(Errno::NotDir.into()),
    };
    d.require(rights::FD_READDIR)?;
    count_ptr(mem, bufused_ptr)?;
    let out = mem.slice_mut(buf, buf_len)?;
    let mut used = 0usize;
    let vfs = dir.vfs().lock();
    for (i, entry) in vfs.read_dir_iter(dir.ino(), cookie)?.enumerate() {
        if used >= out.len() {
            break;
        }
        // A huge buffer over a huge directory takes a while.
        if i > 0 && i % 4096 == 0 {
            check_interrupt(ctx)?;
        }
        let header = abi::dirent_header(
            entry.next_cookie,
            entry.ino,
            entry.name.len() as u32,
            entry.file_type.into(),
        );
        // The last record may be cut short: a full buffer tells the guest
        // to grow it and ask again from this entry's cookie.
        for part in [&header[..], entry.name.as_bytes()] {
            let n = part.len().min(out.len() - used);
            out[used..used + n].copy_from_slice(&part[..n]);
            used += n;
        }
    }
    drop(vfs);
    mem.write_u32(bufused_ptr, used as u32)?;
    Ok(())
}
