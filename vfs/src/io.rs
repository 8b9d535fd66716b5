//! Inode operations: file contents (read, write, append, resize) and
//! metadata changes (times, mode). Sizes and offsets are checked with
//! overflow-safe arithmetic, and quotas before anything changes.

use bytes::Bytes;

use crate::data::MAX_FILE_SIZE;
use crate::inode::Kind;
use crate::readonly;
use crate::{Device, Ino, Result, SetTime, Vfs, VfsError};

/// A Linux `loff_t` is signed: larger offsets are negative there (EINVAL).
fn check_offset(offset: u64) -> Result<()> {
    if offset > MAX_FILE_SIZE {
        Err(VfsError::InvalidArgument)
    } else {
        Ok(())
    }
}

/// `offset + len`, or FileTooLarge past the maximum file size.
fn end_of(offset: u64, len: u64) -> Result<u64> {
    match offset.checked_add(len) {
        Some(end) if end <= MAX_FILE_SIZE => Ok(end),
        _ => Err(VfsError::FileTooLarge),
    }
}

/// Linux `rw_verify_area`: a negative offset, or an end past the largest
/// `loff_t`, is EINVAL, whatever the file is.
fn check_range(offset: u64, len: u64) -> Result<u64> {
    check_offset(offset)?;
    end_of(offset, len).map_err(|_| VfsError::InvalidArgument)
}

pub(crate) fn read_at(vfs: &Vfs, ino: Ino, offset: u64, buf: &mut [u8]) -> Result<usize> {
    let inode = vfs.table.get(ino)?;
    check_range(offset, buf.len() as u64)?;
    match &inode.kind {
        Kind::File(data) => Ok(data.read_at(offset, buf)),
        Kind::Dir(_) => Err(VfsError::IsADirectory),
        Kind::Symlink(_) => Err(VfsError::BadHandle),
        Kind::Device(Device::Null) => Ok(0),
        Kind::Device(Device::Zero) => {
            buf.fill(0);
            Ok(buf.len())
        }
        Kind::Device(Device::Random) => Err(VfsError::BadHandle),
    }
}

/// Everything `write_at` of `len` bytes would be refused for (range,
/// kind, a read-only tree, the byte quota), checked without writing; `Ok(None)` for a device (the data is discarded),
/// else `Some((old size, new size))`.
pub(crate) fn check_write(
    vfs: &Vfs,
    ino: Ino,
    offset: u64,
    len: u64,
) -> Result<Option<(u64, u64)>> {
    let inode = vfs.table.get(ino)?;
    let end = check_range(offset, len)?;
    let old = match &inode.kind {
        Kind::File(file) => file.len(),
        Kind::Dir(_) => return Err(VfsError::IsADirectory),
        Kind::Symlink(_) => return Err(VfsError::BadHandle),
        Kind::Device(_) => return Ok(None),
    };
    readonly::writable(vfs, ino)?;
    if len == 0 {
        return Ok(Some((old, old)));
    }
    let new = old.max(end);
    vfs.check_growth(old, new)?;
    Ok(Some((old, new)))
}

pub(crate) fn write_at(vfs: &mut Vfs, ino: Ino, offset: u64, data: &[u8]) -> Result<usize> {
    let Some((old, new)) = check_write(vfs, ino, offset, data.len() as u64)? else {
        return Ok(data.len());
    };
    if data.is_empty() {
        return Ok(0);
    }
    let now = vfs.stamp();
    let inode = vfs.table.get_mut(ino)?;
    if let Kind::File(file) = &mut inode.kind {
        file.write_at(offset, data);
    }
    inode.touch_modified(now);
    vfs.table.account(old, new);
    Ok(data.len())
}

pub(crate) fn append(vfs: &mut Vfs, ino: Ino, data: &[u8]) -> Result<u64> {
    let at = match &vfs.table.get(ino)?.kind {
        Kind::File(file) => file.len(),
        Kind::Dir(_) => return Err(VfsError::IsADirectory),
        Kind::Symlink(_) => return Err(VfsError::BadHandle),
        Kind::Device(_) => return Ok(0),
    };
    // As an O_APPEND write(2): an end past the maximum size is EFBIG.
    end_of(at, data.len() as u64)?;
    write_at(vfs, ino, at, data)?;
    Ok(at)
}

pub(crate) fn set_len(vfs: &mut Vfs, ino: Ino, len: u64) -> Result<()> {
    if len > MAX_FILE_SIZE {
        return Err(VfsError::InvalidArgument);
    }
    let old = match &vfs.table.get(ino)?.kind {
        Kind::File(file) => file.len(),
        Kind::Dir(_) => return Err(VfsError::IsADirectory),
        Kind::Symlink(_) => return Err(VfsError::BadHandle),
        Kind::Device(_) => return Err(VfsError::InvalidArgument),
    };
    readonly::writable(vfs, ino)?;
    vfs.check_growth(old, len)?;
    let now = vfs.stamp();
    let inode = vfs.table.get_mut(ino)?;
    if let Kind::File(file) = &mut inode.kind {
        file.set_len(len);
    }
    inode.touch_modified(now);
    vfs.table.account(old, len);
    Ok(())
}

pub(crate) fn allocate(vfs: &mut Vfs, ino: Ino, offset: u64, len: u64) -> Result<()> {
    check_offset(offset)?;
    if len == 0 || len > MAX_FILE_SIZE {
        return Err(VfsError::InvalidArgument);
    }
    let end = end_of(offset, len)?;
    let old = match &vfs.table.get(ino)?.kind {
        Kind::File(file) => file.len(),
        Kind::Dir(_) => return Err(VfsError::IsADirectory),
        Kind::Symlink(_) => return Err(VfsError::BadHandle),
        Kind::Device(_) => return Err(VfsError::InvalidArgument),
    };
    if end <= old {
        return Ok(());
    }
    set_len(vfs, ino, end)
}

pub(crate) fn contents(vfs: &Vfs, ino: Ino) -> Result<Bytes> {
    match &vfs.table.get(ino)?.kind {
        Kind::File(file) => file.contents(),
        Kind::Dir(_) => Err(VfsError::IsADirectory),
        _ => Err(VfsError::BadHandle),
    }
}

pub(crate) fn set_times(vfs: &mut Vfs, ino: Ino, atime: SetTime, mtime: SetTime) -> Result<()> {
    readonly::writable(vfs, ino)?;
    let now = vfs.stamp();
    let inode = vfs.table.get_mut(ino)?;
    let pick = |t: SetTime, old: u64| match t {
        SetTime::Keep => old,
        SetTime::Now => now,
        SetTime::At(ns) => ns,
    };
    inode.atime = pick(atime, inode.atime);
    inode.mtime = pick(mtime, inode.mtime);
    inode.ctime = now;
    Ok(())
}

pub(crate) fn set_mode(vfs: &mut Vfs, ino: Ino, mode: u32) -> Result<()> {
    readonly::writable(vfs, ino)?;
    let now = vfs.stamp();
    let inode = vfs.table.get_mut(ino)?;
    inode.mode = mode & 0o7777;
    inode.ctime = now;
    Ok(())
}
