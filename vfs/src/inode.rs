//! The inode table: an arena of inodes indexed by inode number.
//!
//! Inode numbers start at 1 (the root) and are never reused while the
//! filesystem lives, so a stale number can only miss (`BadHandle`), never hit
//! a different object. The table also keeps the usage counters that quotas
//! are checked against: the sum of the logical sizes of all live regular
//! files, and the number of live inodes.
//!
//! An inode is freed when it has no name left (`nlink == 0`) and nobody
//! holds it open (`handles == 0`).

use alloc::sync::Arc;
use hashbrown::HashMap;

use crate::data::FileData;
use crate::dir::Dir;
use crate::{Device, FileType, Ino, Metadata, Result, VfsError};

/// Bytes a directory entry adds to a directory's reported size (as tmpfs).
pub(crate) const DIRENT_SIZE: u64 = 20;

/// What an inode holds.
#[derive(Clone)]
pub(crate) enum Kind {
    File(FileData),
    /// Behind an `Arc` so a fork shares directory tables until one changes.
    Dir(Arc<Dir>),
    Symlink(Arc<str>),
    Device(Device),
}

/// One inode.
#[derive(Clone)]
pub(crate) struct Inode {
    /// Names pointing here. Directories: 2 + subdirectories while linked
    /// (the name in the parent, `.`, and each child's `..`), 0 once removed.
    pub(crate) nlink: u64,
    /// Open handles ([`crate::Vfs::retain`]); not carried over by a fork.
    pub(crate) handles: u64,
    pub(crate) mode: u32,
    /// Part of a read-only subtree ([`crate::Vfs::set_read_only`]): no
    /// change to its contents, names or metadata (ReadOnly, EROFS).
    pub(crate) readonly: bool,
    pub(crate) atime: u64,
    pub(crate) mtime: u64,
    pub(crate) ctime: u64,
    pub(crate) kind: Kind,
}

impl Inode {
    /// A fresh inode with all three times set to `now`.
    pub(crate) fn new(kind: Kind, mode: u32, nlink: u64, now: u64) -> Inode {
        Inode {
            nlink,
            handles: 0,
            mode: mode & 0o7777,
            readonly: false,
            atime: now,
            mtime: now,
            ctime: now,
            kind,
        }
    }

    pub(crate) fn file_type(&self) -> FileType {
        match self.kind {
            Kind::File(_) => FileType::Regular,
            Kind::Dir(_) => FileType::Directory,
            Kind::Symlink(_) => FileType::Symlink,
            Kind::Device(_) => FileType::CharDevice,
        }
    }

    pub(crate) fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }

    /// Reported size: file bytes, symlink target length, 20 bytes per entry
    /// (`.` and `..` included) for a directory, 0 for a device.
    pub(crate) fn size(&self) -> u64 {
        match &self.kind {
            Kind::File(data) => data.len(),
            Kind::Dir(dir) => (dir.len() as u64 + 2) * DIRENT_SIZE,
            Kind::Symlink(target) => target.len() as u64,
            Kind::Device(_) => 0,
        }
    }

    /// Logical bytes this inode counts against the byte quota.
    pub(crate) fn quota_bytes(&self) -> u64 {
        match &self.kind {
            Kind::File(data) => data.len(),
            _ => 0,
        }
    }

    /// The directory table, if this is a directory.
    pub(crate) fn dir(&self) -> Option<&Dir> {
        match &self.kind {
            Kind::Dir(dir) => Some(dir),
            _ => None,
        }
    }

    /// The directory table for changing, unshared from any fork first.
    pub(crate) fn dir_mut(&mut self) -> Option<&mut Dir> {
        match &mut self.kind {
            Kind::Dir(dir) => Some(Arc::make_mut(dir)),
            _ => None,
        }
    }

    /// Contents changed: mtime and ctime become `now`.
    pub(crate) fn touch_modified(&mut self, now: u64) {
        self.mtime = now;
        self.ctime = now;
    }

    pub(crate) fn metadata(&self, dev: u64, ino: Ino) -> Metadata {
        Metadata {
            dev,
            ino,
            file_type: self.file_type(),
            nlink: self.nlink,
            size: self.size(),
            atime: self.atime,
            mtime: self.mtime,
            ctime: self.ctime,
            mode: self.mode,
        }
    }
}

/// The arena.
#[derive(Clone)]
pub(crate) struct Table {
    map: HashMap<Ino, Inode>,
    next: Ino,
    /// Sum of logical file sizes. Several sparse files of up to `i64::MAX`
    /// bytes each can exceed `u64`, so the sum is kept exactly in `u128`.
    bytes: u128,
}

impl Table {
    /// An empty table whose first allocated number is `first`.
    pub(crate) fn new(first: Ino) -> Table {
        Table {
            map: HashMap::new(),
            next: first,
            bytes: 0,
        }
    }

    pub(crate) fn get(&self, ino: Ino) -> Result<&Inode> {
        self.map.get(&ino).ok_or(VfsError::BadHandle)
    }

    pub(crate) fn get_mut(&mut self, ino: Ino) -> Result<&mut Inode> {
        self.map.get_mut(&ino).ok_or(VfsError::BadHandle)
    }

    /// The directory table of `ino`: BadHandle if missing, NotADirectory if
    /// not a directory.
    pub(crate) fn dir(&self, ino: Ino) -> Result<&Dir> {
        self.get(ino)?.dir().ok_or(VfsError::NotADirectory)
    }

    pub(crate) fn dir_mut(&mut self, ino: Ino) -> Result<&mut Dir> {
        self.get_mut(ino)?.dir_mut().ok_or(VfsError::NotADirectory)
    }

    /// Number of live inodes.
    pub(crate) fn count(&self) -> u64 {
        self.map.len() as u64
    }

    /// Sum of the logical sizes of live regular files.
    pub(crate) fn bytes(&self) -> u128 {
        self.bytes
    }

    /// Adds an inode and returns its new number. Returns `None` only when the
    /// numbers ran out, which takes 2^64 creations.
    pub(crate) fn insert(&mut self, inode: Inode) -> Option<Ino> {
        let ino = self.next;
        self.next = ino.checked_add(1)?;
        self.bytes += u128::from(inode.quota_bytes());
        self.map.insert(ino, inode);
        Some(ino)
    }

    /// Changes the byte counter after a file of size `old` became size `new`.
    pub(crate) fn account(&mut self, old: u64, new: u64) {
        self.bytes = self.bytes.saturating_sub(u128::from(old)) + u128::from(new);
    }

    /// Frees `ino` if it has no names and no handles.
    pub(crate) fn collect(&mut self, ino: Ino) {
        let unused = match self.map.get(&ino) {
            Some(inode) => inode.nlink == 0 && inode.handles == 0,
            None => false,
        };
        if unused {
            if let Some(inode) = self.map.remove(&ino) {
                self.bytes = self.bytes.saturating_sub(u128::from(inode.quota_bytes()));
            }
        }
    }

    /// Forgets every open handle and frees the inodes only handles kept alive
    /// (what a fork sees).
    pub(crate) fn drop_handles(&mut self) {
        let mut freed = 0u128;
        self.map.retain(|_, inode| {
            inode.handles = 0;
            if inode.nlink == 0 {
                freed += u128::from(inode.quota_bytes());
                false
            } else {
                true
            }
        });
        self.bytes = self.bytes.saturating_sub(freed);
    }

    /// Iterates over all live inodes (for consistency checks).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Ino, &Inode)> + '_ {
        self.map.iter().map(|(&ino, inode)| (ino, inode))
    }
}
