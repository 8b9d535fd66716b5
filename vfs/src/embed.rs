//! The embedder API: whole-file and whole-tree calls by absolute path from
//! the root, resolved in rooted (chroot-like) mode, symlinks followed.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::data::FileData;
use crate::inode::Kind;
use crate::ns::{self, FILE_MODE};
use crate::path::{self, Final, Last};
use crate::{DirEntry, Ino, Result, Vfs, VfsError, ROOT_INO};

/// Resolves an embedder path; `follow` applies to a final symlink.
pub(crate) fn lookup(vfs: &Vfs, path: &str, follow: bool) -> Result<Ino> {
    let fin = if follow {
        Final::Follow
    } else {
        Final::NoFollow
    };
    path::walk(&vfs.table, ROOT_INO, path, fin, true)?
        .ino
        .ok_or(VfsError::NotFound)
}

pub(crate) fn write_file(vfs: &mut Vfs, path: &str, data: Bytes) -> Result<()> {
    let found = path::walk(&vfs.table, ROOT_INO, path, Final::Follow, true)?;
    match found.ino {
        Some(ino) => {
            let old = match &vfs.table.get(ino)?.kind {
                Kind::File(file) => file.len(),
                Kind::Dir(_) => return Err(VfsError::IsADirectory),
                _ => return Err(VfsError::BadHandle),
            };
            crate::readonly::writable(vfs, ino)?;
            vfs.check_growth(old, data.len() as u64)?;
            let now = vfs.stamp();
            let new = data.len() as u64;
            let inode = vfs.table.get_mut(ino)?;
            inode.kind = Kind::File(FileData::from_bytes(data));
            inode.touch_modified(now);
            vfs.table.account(old, new);
            Ok(())
        }
        None => {
            if found.slash {
                return Err(VfsError::IsADirectory);
            }
            let name = found.name().ok_or(VfsError::NotFound)?;
            ns::create_node(
                vfs,
                found.dir,
                name,
                Kind::File(FileData::from_bytes(data)),
                FILE_MODE,
            )?;
            Ok(())
        }
    }
}

pub(crate) fn read_file(vfs: &Vfs, path: &str) -> Result<Bytes> {
    vfs.contents(lookup(vfs, path, true)?)
}

pub(crate) fn list_dir(vfs: &Vfs, path: &str) -> Result<Vec<DirEntry>> {
    let ino = lookup(vfs, path, true)?;
    Ok(vfs
        .read_dir_iter(ino, crate::dir::FIRST_ENTRY_COOKIE)?
        .collect())
}

pub(crate) fn create_dir_all(vfs: &mut Vfs, path: &str) -> Result<()> {
    path::check_path(path)?;
    // Refuse bad names before creating anything.
    if path.split('/').any(|c| c.len() > path::MAX_NAME) {
        return Err(VfsError::NameTooLong);
    }
    if vfs.quotas.max_inodes.is_none() {
        return make_dirs(vfs, path);
    }
    // Under an inode quota the walk may stop half-way: run it on a
    // copy-on-write copy and keep the result only if it all worked.
    let mut work = vfs.transaction_copy();
    make_dirs(&mut work, path)?;
    *vfs = work;
    Ok(())
}

fn make_dirs(vfs: &mut Vfs, path: &str) -> Result<()> {
    // Each prefix ending at a component boundary, shortest first.
    let bytes = path.as_bytes();
    let mut end = 0;
    while end < bytes.len() {
        while end < bytes.len() && bytes[end] == b'/' {
            end += 1;
        }
        if end == bytes.len() {
            break;
        }
        while end < bytes.len() && bytes[end] != b'/' {
            end += 1;
        }
        let prefix = &path[..end];
        let found = path::walk(&vfs.table, ROOT_INO, prefix, Final::Parent, true)?;
        if found.ino.is_none() {
            let name = found.name().ok_or(VfsError::NotFound)?;
            vfs.mkdir(found.dir, name, 0)?;
            continue;
        }
        // Something is there: it must be a directory (or a symlink to one).
        let is_dir = match path::walk(&vfs.table, ROOT_INO, prefix, Final::Follow, true) {
            Ok(f) => match f.ino {
                Some(ino) => vfs.table.get(ino)?.is_dir(),
                None => false,
            },
            Err(VfsError::NotADirectory) => false,
            Err(e) => return Err(e),
        };
        if !is_dir {
            return Err(if end == bytes.len() {
                VfsError::AlreadyExists
            } else {
                VfsError::NotADirectory
            });
        }
    }
    // The path may be "/" or all slashes: the root exists.
    Ok(())
}

pub(crate) fn remove_all(vfs: &mut Vfs, path: &str) -> Result<()> {
    let found = path::walk(&vfs.table, ROOT_INO, path, Final::Parent, true)?;
    let name = match &found.last {
        Last::Name(name) => name.as_str(),
        Last::Root => return Err(VfsError::Busy),
        Last::Dot | Last::DotDot => return Err(VfsError::InvalidArgument),
    };
    remove_tree(vfs, found.dir, name)
}

/// Removes `name` from directory `dir`: unlinks a non-directory, empties
/// and removes a directory (symlinks are removed, never followed).
pub(crate) fn remove_tree(vfs: &mut Vfs, parent: Ino, name: &str) -> Result<()> {
    let ino = vfs.table.dir(parent)?.get(name).ok_or(VfsError::NotFound)?;
    if !vfs.table.get(ino)?.is_dir() {
        return vfs.unlink(parent, name);
    }
    // Empty the tree depth-first with an explicit stack (no recursion, so a
    // deep tree cannot overflow the host stack), removing each directory once
    // it is empty. Stack entries: (parent, name in parent, directory).
    let mut stack: Vec<(Ino, String, Ino)> = alloc::vec![(parent, String::from(name), ino)];
    while let Some((parent, name, dir)) = stack.last() {
        let first = vfs
            .table
            .dir(*dir)?
            .iter()
            .next()
            .map(|(n, child)| (String::from(n), child));
        match first {
            None => {
                vfs.rmdir(*parent, name)?;
                stack.pop();
            }
            Some((child_name, child)) => {
                let dir = *dir;
                if vfs.table.get(child)?.is_dir() {
                    stack.push((dir, child_name, child));
                } else {
                    vfs.unlink(dir, &child_name)?;
                }
            }
        }
    }
    Ok(())
}
