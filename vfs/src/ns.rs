//! Namespace operations: the calls that look up, create, remove or move
//! names. Each resolves its path(s) with the one walk in [`crate::path`] and
//! then applies the rules of the matching Linux call, checking every error
//! (and the quotas) before changing anything.

use alloc::string::String;
use alloc::sync::Arc;

use crate::data::FileData;
use crate::dir::Dir;
use crate::inode::{Inode, Kind};
use crate::path::{self, Final, Found, Last};
use crate::readonly;
use crate::{Device, Ino, OpenOptions, Result, Vfs, VfsError};

/// Default permission bits.
pub(crate) const FILE_MODE: u32 = 0o644;
pub(crate) const DIR_MODE: u32 = 0o755;
pub(crate) const SYMLINK_MODE: u32 = 0o777;
pub(crate) const DEVICE_MODE: u32 = 0o666;

/// Adds a new inode named `name` in directory `dir`. Checks everything
/// first: the directory is alive, the name is free, the quotas allow it.
pub(crate) fn create_node(
    vfs: &mut Vfs,
    dir: Ino,
    name: &str,
    kind: Kind,
    mode: u32,
) -> Result<Ino> {
    let parent = vfs.table.get(dir)?;
    let entries = parent.dir().ok_or(VfsError::NotADirectory)?;
    if parent.nlink == 0 {
        return Err(VfsError::NotFound);
    }
    if entries.get(name).is_some() {
        return Err(VfsError::AlreadyExists);
    }
    readonly::writable(vfs, dir)?;
    vfs.check_new_inode()?;
    if let Kind::File(data) = &kind {
        vfs.check_growth(0, data.len())?;
    }
    let is_dir = matches!(kind, Kind::Dir(_));
    let now = vfs.stamp();
    let nlink = if is_dir { 2 } else { 1 };
    let ino = vfs
        .table
        .insert(Inode::new(kind, mode, nlink, now))
        .ok_or(VfsError::QuotaExceeded)?;
    let parent = vfs.table.get_mut(dir)?;
    if is_dir {
        parent.nlink += 1;
    }
    parent.touch_modified(now);
    if let Some(entries) = parent.dir_mut() {
        entries.set(name, ino);
    }
    Ok(ino)
}

/// The name a create-style call (mkdir, symlink, link, mknod) makes, after
/// the Linux `filename_create` checks: `.`/`..`/root or an existing name ->
/// AlreadyExists; a trailing slash on a missing name -> NotFound unless
/// `slash_ok` (mkdir).
fn new_name<'a>(found: &'a Found<'_>, slash_ok: bool) -> Result<&'a str> {
    let name = found.name().ok_or(VfsError::AlreadyExists)?;
    if found.lookup()?.is_some() {
        return Err(VfsError::AlreadyExists);
    }
    if found.slash && !slash_ok {
        return Err(VfsError::NotFound);
    }
    Ok(name)
}

pub(crate) fn open(vfs: &mut Vfs, base: Ino, path: &str, opts: &OpenOptions) -> Result<Ino> {
    if !opts.create {
        let fin = if opts.follow {
            Final::Follow
        } else {
            Final::NoFollow
        };
        let found = path::walk(&vfs.table, base, path, fin, false)?;
        let ino = found.ino.ok_or(VfsError::NotFound)?;
        return open_existing(vfs, ino, opts);
    }
    if opts.directory {
        // Linux >= 6.4: O_CREAT | O_DIRECTORY is EINVAL.
        return Err(VfsError::InvalidArgument);
    }
    // O_EXCL never follows; otherwise a final symlink is followed (unless
    // nofollow) and a dangling one names the file to create.
    let fin = if opts.exclusive || !opts.follow {
        Final::Parent
    } else {
        Final::Create
    };
    let found = path::walk(&vfs.table, base, path, fin, false)?;
    if found.name().is_none() {
        // ".", ".." or the root: an existing directory.
        return Err(if opts.exclusive {
            VfsError::AlreadyExists
        } else {
            VfsError::IsADirectory
        });
    }
    if found.slash {
        return Err(VfsError::IsADirectory);
    }
    match found.lookup()? {
        Some(_) if opts.exclusive => Err(VfsError::AlreadyExists),
        Some(ino) => open_existing(vfs, ino, opts),
        None => {
            let name = found.name().ok_or(VfsError::NotFound)?;
            create_file(vfs, found.dir, name, opts.mode)
        }
    }
}

fn create_file(vfs: &mut Vfs, dir: Ino, name: &str, mode: u32) -> Result<Ino> {
    let mode = if mode == 0 { FILE_MODE } else { mode };
    create_node(vfs, dir, name, Kind::File(FileData::default()), mode)
}

fn open_existing(vfs: &mut Vfs, ino: Ino, opts: &OpenOptions) -> Result<Ino> {
    let inode = vfs.table.get(ino)?;
    match &inode.kind {
        Kind::Symlink(_) => Err(if opts.directory {
            VfsError::NotADirectory
        } else {
            VfsError::SymlinkLoop
        }),
        Kind::Dir(_) => {
            if opts.truncate || opts.create {
                Err(VfsError::IsADirectory)
            } else {
                Ok(ino)
            }
        }
        _ if opts.directory => Err(VfsError::NotADirectory),
        Kind::File(_) => {
            if opts.truncate {
                crate::io::set_len(vfs, ino, 0)?;
            }
            Ok(ino)
        }
        Kind::Device(_) => Ok(ino),
    }
}

pub(crate) fn mkdir(vfs: &mut Vfs, base: Ino, path: &str, mode: u32) -> Result<Ino> {
    let found = path::walk(&vfs.table, base, path, Final::Parent, false)?;
    let name = new_name(&found, true)?;
    let mode = if mode == 0 { DIR_MODE } else { mode };
    create_node(
        vfs,
        found.dir,
        name,
        Kind::Dir(Arc::new(Dir::new(found.dir))),
        mode,
    )
}

pub(crate) fn symlink(vfs: &mut Vfs, target: &str, base: Ino, path: &str) -> Result<Ino> {
    path::check_path(target)?;
    let found = path::walk(&vfs.table, base, path, Final::Parent, false)?;
    let name = new_name(&found, false)?;
    create_node(
        vfs,
        found.dir,
        name,
        Kind::Symlink(Arc::from(target)),
        SYMLINK_MODE,
    )
}

pub(crate) fn mknod(vfs: &mut Vfs, base: Ino, path: &str, device: Device) -> Result<Ino> {
    let found = path::walk(&vfs.table, base, path, Final::Parent, false)?;
    let name = new_name(&found, false)?;
    create_node(vfs, found.dir, name, Kind::Device(device), DEVICE_MODE)
}

pub(crate) fn readlink(vfs: &Vfs, base: Ino, path: &str) -> Result<String> {
    let found = path::walk(&vfs.table, base, path, Final::NoFollow, false)?;
    let ino = found.ino.ok_or(VfsError::NotFound)?;
    match &vfs.table.get(ino)?.kind {
        Kind::Symlink(target) => Ok(String::from(&**target)),
        _ => Err(VfsError::InvalidArgument),
    }
}

pub(crate) fn link(
    vfs: &mut Vfs,
    old_base: Ino,
    old_path: &str,
    follow: bool,
    new_base: Ino,
    new_path: &str,
) -> Result<()> {
    let fin = if follow {
        Final::Follow
    } else {
        Final::NoFollow
    };
    let old = path::walk(&vfs.table, old_base, old_path, fin, false)?;
    let ino = old.ino.ok_or(VfsError::NotFound)?;
    let new = path::walk(&vfs.table, new_base, new_path, Final::Parent, false)?;
    let name = new_name(&new, false)?;
    let inode = vfs.table.get(ino)?;
    if inode.is_dir() {
        return Err(VfsError::NotPermitted);
    }
    if inode.nlink == 0 {
        return Err(VfsError::NotFound);
    }
    let parent = vfs.table.get(new.dir)?;
    if parent.nlink == 0 {
        return Err(VfsError::NotFound);
    }
    readonly::writable(vfs, new.dir)?;
    if readonly::is_read_only(vfs, ino) {
        return Err(VfsError::CrossDevice);
    }
    let now = vfs.stamp();
    let inode = vfs.table.get_mut(ino)?;
    inode.nlink += 1;
    inode.ctime = now;
    let parent = vfs.table.get_mut(new.dir)?;
    parent.touch_modified(now);
    if let Some(entries) = parent.dir_mut() {
        entries.set(name, ino);
    }
    Ok(())
}

pub(crate) fn unlink(vfs: &mut Vfs, base: Ino, path: &str) -> Result<()> {
    let found = path::walk(&vfs.table, base, path, Final::Parent, false)?;
    let name = found.name().ok_or(VfsError::IsADirectory)?;
    let ino = found.lookup()?.ok_or(VfsError::NotFound)?;
    let is_dir = vfs.table.get(ino)?.is_dir();
    if is_dir {
        return Err(VfsError::IsADirectory);
    }
    if found.slash {
        return Err(VfsError::NotADirectory);
    }
    readonly::may_remove(vfs, found.dir, ino)?;
    remove_entry(vfs, found.dir, name, ino);
    Ok(())
}

pub(crate) fn rmdir(vfs: &mut Vfs, base: Ino, path: &str) -> Result<()> {
    let found = path::walk(&vfs.table, base, path, Final::Parent, false)?;
    let name = match &found.last {
        Last::Name(name) => name.as_str(),
        Last::Dot => return Err(VfsError::InvalidArgument),
        Last::DotDot => return Err(VfsError::DirectoryNotEmpty),
        Last::Root => return Err(VfsError::Busy),
    };
    let ino = found.lookup()?.ok_or(VfsError::NotFound)?;
    let entries = vfs.table.get(ino)?.dir().ok_or(VfsError::NotADirectory)?;
    if !entries.is_empty() {
        return Err(VfsError::DirectoryNotEmpty);
    }
    readonly::may_remove(vfs, found.dir, ino)?;
    remove_entry(vfs, found.dir, name, ino);
    Ok(())
}

/// Removes `name` (naming `ino`) from `dir` and drops the link; frees the
/// inode if nothing holds it. The caller checked every rule.
fn remove_entry(vfs: &mut Vfs, dir: Ino, name: &str, ino: Ino) {
    let now = vfs.stamp();
    drop_link(vfs, dir, ino, now);
    if let Ok(entries) = vfs.table.dir_mut(dir) {
        entries.remove(name);
    }
    vfs.table.collect(ino);
}

/// Drops one link of `ino`, whose name in `dir` goes away (or is about to be
/// pointed elsewhere): a directory loses all its links and its parent one.
/// Does not touch the directory table and does not free the inode.
fn drop_link(vfs: &mut Vfs, dir: Ino, ino: Ino, now: u64) {
    let mut removed_dir = false;
    if let Ok(inode) = vfs.table.get_mut(ino) {
        if inode.is_dir() {
            inode.nlink = 0;
            removed_dir = true;
        } else {
            inode.nlink = inode.nlink.saturating_sub(1);
        }
        inode.ctime = now;
    }
    if let Ok(parent) = vfs.table.get_mut(dir) {
        if removed_dir {
            parent.nlink = parent.nlink.saturating_sub(1);
        }
        parent.touch_modified(now);
    }
}

/// Whether directory `ancestor` is `dir` or one of its ancestors.
fn is_ancestor_or_self(vfs: &Vfs, ancestor: Ino, mut dir: Ino) -> bool {
    loop {
        if dir == ancestor {
            return true;
        }
        let Ok(entries) = vfs.table.dir(dir) else {
            return false;
        };
        if entries.parent == dir {
            return false;
        }
        dir = entries.parent;
    }
}

pub(crate) fn rename(
    vfs: &mut Vfs,
    old_base: Ino,
    old_path: &str,
    new_base: Ino,
    new_path: &str,
) -> Result<()> {
    let old = path::walk(&vfs.table, old_base, old_path, Final::Parent, false)?;
    let new = path::walk(&vfs.table, new_base, new_path, Final::Parent, false)?;
    let (Some(old_name), Some(new_name)) = (old.name(), new.name()) else {
        return Err(VfsError::Busy);
    };
    let src = old.lookup()?.ok_or(VfsError::NotFound)?;
    let dst = new.lookup()?;
    let src_is_dir = vfs.table.get(src)?.is_dir();
    if !src_is_dir && (old.slash || new.slash) {
        return Err(VfsError::NotADirectory);
    }
    // The source may not contain the target's directory...
    if src_is_dir && old.dir != new.dir && is_ancestor_or_self(vfs, src, new.dir) {
        return Err(VfsError::InvalidArgument);
    }
    // ...and the target may not contain the source.
    if let Some(dst) = dst {
        if old.dir != new.dir
            && vfs.table.get(dst)?.is_dir()
            && is_ancestor_or_self(vfs, dst, old.dir)
        {
            return Err(VfsError::DirectoryNotEmpty);
        }
    }
    if dst == Some(src) {
        return Ok(());
    }
    if let Some(dst) = dst {
        let target = vfs.table.get(dst)?;
        match (src_is_dir, target.dir()) {
            (true, None) => return Err(VfsError::NotADirectory),
            (false, Some(_)) => return Err(VfsError::IsADirectory),
            (true, Some(entries)) if !entries.is_empty() => {
                return Err(VfsError::DirectoryNotEmpty)
            }
            _ => {}
        }
    }
    if vfs.table.get(new.dir)?.nlink == 0 {
        return Err(VfsError::NotFound);
    }
    readonly::may_move(vfs, old.dir, new.dir)?;
    readonly::may_remove(vfs, old.dir, src)?;
    if let Some(dst) = dst {
        readonly::may_remove(vfs, new.dir, dst)?;
    }

    // Every check passed: change things.
    let now = vfs.stamp();
    // A replaced target loses its link; its name keeps its place in the
    // listing and now names the source.
    if let Some(dst) = dst {
        drop_link(vfs, new.dir, dst, now);
    }
    {
        let parent = vfs.table.get_mut(old.dir)?;
        if src_is_dir {
            parent.nlink = parent.nlink.saturating_sub(1);
        }
        parent.touch_modified(now);
        if let Some(entries) = parent.dir_mut() {
            entries.remove(old_name);
        }
    }
    {
        let parent = vfs.table.get_mut(new.dir)?;
        if src_is_dir {
            parent.nlink += 1;
        }
        parent.touch_modified(now);
        if let Some(entries) = parent.dir_mut() {
            entries.set(new_name, src);
        }
    }
    let inode = vfs.table.get_mut(src)?;
    inode.ctime = now;
    if let Some(entries) = inode.dir_mut() {
        entries.parent = new.dir;
    }
    if let Some(dst) = dst {
        vfs.table.collect(dst);
    }
    Ok(())
}
