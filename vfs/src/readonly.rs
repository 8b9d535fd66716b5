//! Read-only subtrees, what a read-only mount is on Linux: every inode of
//! the tree carries a flag, and every call that would change such an inode
//! (its contents, metadata, or the names in it) fails with
//! [`VfsError::ReadOnly`] (EROFS). Moving a name into or out of a read-only
//! tree is [`VfsError::CrossDevice`] (EXDEV, as across mounts, so `mv`
//! falls back to copy and remove), and the tree's top directory cannot be
//! removed or renamed away ([`VfsError::Busy`], as a mount point).
//!
//! The flag is a property of the inode, so a fork or snapshot keeps it; a
//! hard link to a read-only file cannot be made from outside the tree.

use alloc::vec::Vec;

use crate::{Ino, Result, Vfs, VfsError};

/// ReadOnly if `ino` is in a read-only tree.
pub(crate) fn writable(vfs: &Vfs, ino: Ino) -> Result<()> {
    if vfs.table.get(ino)?.readonly {
        Err(VfsError::ReadOnly)
    } else {
        Ok(())
    }
}

/// Whether `ino` is in a read-only tree (a stale number is not).
pub(crate) fn is_read_only(vfs: &Vfs, ino: Ino) -> bool {
    vfs.table.get(ino).is_ok_and(|inode| inode.readonly)
}

/// Checks removing or renaming away the name of `ino` in `dir`: the
/// directory must be writable, and the top of a read-only tree (a read-only
/// directory in a writable one) stays where it is.
pub(crate) fn may_remove(vfs: &Vfs, dir: Ino, ino: Ino) -> Result<()> {
    writable(vfs, dir)?;
    let inode = vfs.table.get(ino)?;
    if inode.readonly && inode.is_dir() {
        return Err(VfsError::Busy);
    }
    Ok(())
}

/// Checks a rename from directory `from` to directory `to`: both writable,
/// or the move crosses the edge of a read-only tree.
pub(crate) fn may_move(vfs: &Vfs, from: Ino, to: Ino) -> Result<()> {
    match (is_read_only(vfs, from), is_read_only(vfs, to)) {
        (false, false) => Ok(()),
        (true, true) => Err(VfsError::ReadOnly),
        _ => Err(VfsError::CrossDevice),
    }
}

/// Sets the flag on `top` and everything below it (symlinks are not
/// followed). An explicit stack: a deep tree cannot overflow the host stack.
pub(crate) fn mark_tree(vfs: &mut Vfs, top: Ino) -> Result<()> {
    let mut stack: Vec<Ino> = alloc::vec![top];
    while let Some(ino) = stack.pop() {
        let inode = vfs.table.get_mut(ino)?;
        inode.readonly = true;
        if let Some(dir) = inode.dir() {
            stack.extend(dir.iter().map(|(_, child)| child));
        }
    }
    Ok(())
}
