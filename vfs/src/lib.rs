//! `wasiland-vfs`: the in-memory filesystem every wasiland guest sees.
//!
//! The public API below is the contract the syscall layer (`wasi-host`) is
//! written against; the layering and the reasons for it are in the
//! repository's `ARCHITECTURE.md` and `RATIONALE.md` (section `vfs`).
//!
//! * An inode table indexed by [`Ino`]; directories map names to inodes.
//! * File contents are copy-on-write chunks of [`bytes::Bytes`], so
//!   [`Vfs::fork`] shares data with the original.
//! * Every path operation takes a *base* directory inode and a relative
//!   path, and never resolves above `base` ([`VfsError::NotCapable`]).
//!   The embedder API (`write_file`, `read_file`, ...) takes absolute paths
//!   from the root.
//! * No host filesystem access except the explicit `import_host_dir` /
//!   `export_to_host` embedder calls (feature `std`).
//! * Errors and edge cases follow Linux (tmpfs); a property test compares
//!   the two. The deliberate differences are listed in `RATIONALE.md`
//!   (section `vfs`) and in `tests/linux_model.rs`.
//!
//! Inside, one module per responsibility; this file is the façade:
//!
//! | module | owns |
//! |---|---|
//! | `inode` | the inode arena, link and handle counts, usage counters |
//! | `data` | a regular file's sparse, copy-on-write chunked contents |
//! | `dir` | a directory's entries and its stable readdir cookies |
//! | `path` | the one path-resolution walk |
//! | `ns` | namespace calls: open/create, mkdir, rmdir, unlink, rename, link, symlink |
//! | `io` | contents and metadata calls: read, write, append, resize, times, mode |
//! | `embed` | the embedder's whole-file and whole-tree calls |
//! | `host` | import from and export to the host filesystem (`std`) |
//! | `check` | the `fsck`-style consistency check |
//! | `readonly` | read-only subtrees (EROFS), as read-only mounts |
//! | `clock`, `error` | clocks; error display and conversions |
//!
//! Without the default `std` feature the crate is `#![no_std]` + `alloc`
//! (no system clock, no host import/export).
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

mod check;
mod clock;
mod data;
mod dir;
mod embed;
mod error;
#[cfg(feature = "std")]
mod host;
mod inode;
mod into_bytes;
mod io;
mod ns;
mod path;
mod readonly;
#[cfg(test)]
mod tests;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::Bytes;
use core::sync::atomic::{AtomicUsize, Ordering};

pub use clock::ManualClock;
#[cfg(feature = "std")]
pub use clock::SystemClock;
#[cfg(feature = "std")]
pub use host::{CopyStats, Skipped, SkippedKind, MAX_LISTED_SKIPS};
pub use into_bytes::IntoBytes;
use path::Final;

/// Inode number. Stable for the life of the inode and unique within a [`Vfs`]
/// (never reused while the filesystem lives).
pub type Ino = u64;

/// Result of every VFS operation.
pub type Result<T> = core::result::Result<T, VfsError>;

/// Error kinds, each corresponding to one POSIX errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VfsError {
    /// ENOENT
    NotFound,
    /// EEXIST
    AlreadyExists,
    /// ENOTDIR
    NotADirectory,
    /// EISDIR
    IsADirectory,
    /// ENOTEMPTY
    DirectoryNotEmpty,
    /// ELOOP: too many symlinks, or a final symlink where following was refused.
    SymlinkLoop,
    /// EINVAL (e.g. renaming a directory into its own subtree, readlink of a non-symlink)
    InvalidArgument,
    /// ENAMETOOLONG (component > 255 bytes, or a path or symlink target of
    /// 4096 bytes or more: Linux `PATH_MAX` counts the terminating NUL)
    NameTooLong,
    /// ENOSPC: the byte quota would be exceeded.
    NoSpace,
    /// EDQUOT: the inode quota would be exceeded.
    QuotaExceeded,
    /// EPERM (e.g. hard link to a directory)
    NotPermitted,
    /// ENOTCAPABLE: the path would leave the directory the lookup is rooted at
    /// (`..` above the base, an absolute path or absolute symlink target).
    NotCapable,
    /// EBUSY (e.g. removing or renaming the root)
    Busy,
    /// EFBIG: offset + length beyond the maximum file size.
    FileTooLarge,
    /// EBADF-like: the inode does not exist (stale handle) or has the wrong type for the call.
    BadHandle,
    /// EXDEV: link/rename across filesystems: a hard link or a rename
    /// between a read-only subtree and the rest (as across Linux mounts).
    CrossDevice,
    /// EROFS: the object is in a read-only subtree ([`Vfs::set_read_only`]).
    ReadOnly,
}

/// What kind of object an inode is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// A character device; see [`Device`].
    CharDevice,
}

/// The behaviour behind a character-device inode. The VFS only records it;
/// the syscall layer implements reads and writes of devices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Device {
    /// `/dev/null`: reads give EOF, writes are discarded.
    Null,
    /// `/dev/zero`: reads give zeros, writes are discarded.
    Zero,
    /// `/dev/urandom` / `/dev/random`: reads give random bytes.
    Random,
}

/// `stat` of an inode. Times are nanoseconds since the Unix epoch taken from
/// the filesystem's [`Clock`]; never zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// Device number ([`DEVICE_ID`] for every inode).
    pub dev: u64,
    /// Inode number.
    pub ino: Ino,
    /// Kind of object.
    pub file_type: FileType,
    /// Number of names (hard links); directories: 2 + subdirectories, 0 once
    /// removed.
    pub nlink: u64,
    /// Bytes for files, target length for symlinks, an implementation-defined
    /// value for directories: 20 bytes per entry, `.` and `..` included, as
    /// Linux tmpfs reports. 0 for devices.
    pub size: u64,
    /// Last access (ns). Reads do not update it (`noatime`).
    pub atime: u64,
    /// Last modification of the contents (ns).
    pub mtime: u64,
    /// Last change of the inode: contents, links, mode or times (ns).
    pub ctime: u64,
    /// Permission bits (`0o7777` mask), as shown by `ls -l`.
    pub mode: u32,
}

/// How `open` treats the final object. Mirrors preview1's oflags/lookupflags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Create a regular file if missing (O_CREAT).
    pub create: bool,
    /// With `create`: fail with AlreadyExists if anything exists there, even a
    /// dangling symlink (O_EXCL).
    pub exclusive: bool,
    /// Truncate an existing regular file to 0 (O_TRUNC).
    pub truncate: bool,
    /// The target must be a directory (O_DIRECTORY) -> NotADirectory otherwise.
    pub directory: bool,
    /// Follow a symlink in the final component. When false and the final
    /// component is a symlink: SymlinkLoop (NotADirectory if `directory`).
    pub follow: bool,
    /// Permission bits for a newly created file (0 means the default 0o644).
    pub mode: u32,
}

/// A time to set with [`Vfs::set_times`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetTime {
    /// Leave unchanged.
    Keep,
    /// The clock's current time.
    Now,
    /// This many ns since the epoch.
    At(u64),
}

/// One directory entry as returned by [`Vfs::read_dir`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// Entry name (`.` and `..` included in [`Vfs::read_dir`]).
    pub name: String,
    /// Inode the name refers to (for `..` of the root, the root).
    pub ino: Ino,
    /// Kind of the object.
    pub file_type: FileType,
    /// Cookie that resumes the listing *after* this entry. `.` has next
    /// cookie 1, `..` has 2, the rest are > 2, increasing in listing order, and
    /// stay valid while other entries are added or removed.
    pub next_cookie: u64,
}

/// The filesystem's quotas. `None` = unlimited. (Not named `Limits`: the
/// sandbox's limits are `wasiland::Limits`, whose `fs_bytes`/`fs_inodes`
/// become these.)
///
/// ```
/// let mut vfs = wasiland_vfs::Vfs::new();
/// vfs.set_quotas(wasiland_vfs::Quotas { max_bytes: Some(4), max_inodes: None });
/// assert_eq!(vfs.write_file("/f", "12345"), Err(wasiland_vfs::VfsError::NoSpace));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quotas {
    /// Maximum total bytes of regular-file contents (logical sizes) -> NoSpace.
    pub max_bytes: Option<u64>,
    /// Maximum number of inodes, the root included -> QuotaExceeded.
    pub max_inodes: Option<u64>,
}

/// Current consumption, for quotas and reporting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Sum of the logical sizes of all live regular files.
    pub bytes: u64,
    /// Number of live inodes, the root included.
    pub inodes: u64,
}

/// Source of timestamps. Injectable so tests and deterministic runs control time.
pub trait Clock: Send + Sync {
    /// Nanoseconds since the Unix epoch. Must be non-zero.
    fn now_ns(&self) -> u64;
}

/// The device number every [`Metadata`] of a [`Vfs`] reports ("wasi" in ASCII).
pub const DEVICE_ID: u64 = 0x7761_7369;

/// The root directory's inode number.
pub const ROOT_INO: Ino = 1;

/// The filesystem. `Clone` is the same as [`Vfs::fork`]: cheap, data shared
/// copy-on-write.
pub struct Vfs {
    clock: Arc<dyn Clock>,
    table: inode::Table,
    quotas: Quotas,
    /// Operations refused by the byte quota and by the inode quota (for
    /// reporting which limit a process hit; not carried over by a fork).
    refused_bytes: AtomicUsize,
    refused_inodes: AtomicUsize,
}

/// How many operations the quotas have refused so far (see
/// [`Vfs::quota_refusals`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuotaRefusals {
    /// Refused by the byte quota (NoSpace).
    pub bytes: usize,
    /// Refused by the inode quota (QuotaExceeded).
    pub inodes: usize,
}

impl Clone for Vfs {
    fn clone(&self) -> Vfs {
        self.fork()
    }
}

impl core::fmt::Debug for Vfs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Vfs")
            .field("usage", &self.usage())
            .field("quotas", &self.quotas)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "std")]
impl Default for Vfs {
    fn default() -> Vfs {
        Vfs::new()
    }
}

impl Vfs {
    /// A filesystem holding only an empty root directory (mode 0o755), with the
    /// system clock.
    #[cfg(feature = "std")]
    pub fn new() -> Vfs {
        Vfs::with_clock(Arc::new(SystemClock::new()))
    }

    /// A filesystem holding only an empty root directory, with the given clock.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Vfs {
        let mut table = inode::Table::new(ROOT_INO);
        let now = clock.now_ns().max(1);
        let root = inode::Inode::new(
            inode::Kind::Dir(Arc::new(dir::Dir::new(ROOT_INO))),
            0o755,
            2,
            now,
        );
        let ino = table.insert(root);
        debug_assert_eq!(ino, Some(ROOT_INO));
        Vfs {
            clock,
            table,
            quotas: Quotas::default(),
            refused_bytes: AtomicUsize::new(0),
            refused_inodes: AtomicUsize::new(0),
        }
    }

    /// An empty filesystem (only the root) with this one's clock and
    /// quotas: what a saved tree is restored into.
    pub fn blank(&self) -> Vfs {
        let mut vfs = Vfs::with_clock(self.clock.clone());
        vfs.quotas = self.quotas;
        vfs
    }

    /// The root directory's inode ([`ROOT_INO`]).
    pub fn root(&self) -> Ino {
        ROOT_INO
    }

    /// The single device number reported in every [`Metadata`] ([`DEVICE_ID`]).
    pub fn device_id(&self) -> u64 {
        DEVICE_ID
    }

    /// Current time from this filesystem's clock (ns since the epoch).
    pub fn now(&self) -> u64 {
        self.clock.now_ns()
    }

    /// The clock's time as stored in metadata: never zero.
    fn stamp(&self) -> u64 {
        self.clock.now_ns().max(1)
    }

    /// Set quotas. Existing contents above a new limit stay; only growth is refused.
    pub fn set_quotas(&mut self, quotas: Quotas) {
        self.quotas = quotas;
    }

    /// The quotas in force.
    pub fn quotas(&self) -> Quotas {
        self.quotas
    }

    /// Bytes of regular-file contents (logical sizes, unlinked-but-open files
    /// included; `u64::MAX` if the sum of several huge sparse files is
    /// larger) and live inodes (the root included).
    pub fn usage(&self) -> Usage {
        Usage {
            bytes: u64::try_from(self.table.bytes()).unwrap_or(u64::MAX),
            inodes: self.table.count(),
        }
    }

    /// Refuses a new inode beyond the inode quota.
    fn check_new_inode(&self) -> Result<()> {
        match self.quotas.max_inodes {
            Some(max) if self.table.count() >= max => {
                self.refused_inodes.fetch_add(1, Ordering::Relaxed);
                Err(VfsError::QuotaExceeded)
            }
            _ => Ok(()),
        }
    }

    /// Operations refused by the quotas since this filesystem was created
    /// (wrapping counters): lets an embedder tell which limit a process hit.
    pub fn quota_refusals(&self) -> QuotaRefusals {
        QuotaRefusals {
            bytes: self.refused_bytes.load(Ordering::Relaxed),
            inodes: self.refused_inodes.load(Ordering::Relaxed),
        }
    }

    /// Refuses a file growing from `old` to `new` bytes beyond the byte quota.
    fn check_growth(&self, old: u64, new: u64) -> Result<()> {
        if new <= old {
            return Ok(());
        }
        match self.quotas.max_bytes {
            Some(max) => {
                let total = self.table.bytes() + u128::from(new - old);
                if total > u128::from(max) {
                    self.refused_bytes.fetch_add(1, Ordering::Relaxed);
                    Err(VfsError::NoSpace)
                } else {
                    Ok(())
                }
            }
            None => Ok(()),
        }
    }

    // ----- path operations: `base` is a directory inode, `path` is relative
    // (a leading '/' is NotCapable), never escaping `base`.

    /// Resolve `path` from `base`. `.`/`..`, repeated slashes, symlinks (up to
    /// 40 expansions -> SymlinkLoop). A trailing slash requires a directory
    /// (and follows a final symlink even when `follow_final` is false, as on
    /// Linux). `follow_final = false` returns a final symlink itself. Empty
    /// path -> NotFound. `base` not a directory -> NotADirectory; a stale
    /// `base` -> BadHandle.
    pub fn resolve(&self, base: Ino, path: &str, follow_final: bool) -> Result<Ino> {
        let fin = if follow_final {
            Final::Follow
        } else {
            Final::NoFollow
        };
        let found = path::walk(&self.table, base, path, fin, false)?;
        found.ino.ok_or(VfsError::NotFound)
    }

    /// Open (and maybe create/truncate) `path`; returns the inode. Opening a
    /// directory with `truncate` -> IsADirectory.
    ///
    /// As on Linux: `create` with a trailing slash, or naming an existing
    /// directory, -> IsADirectory; `create` + `directory` -> InvalidArgument;
    /// `create` without `exclusive` through a dangling symlink (with
    /// `follow`) creates the symlink's target; `truncate` on a device is
    /// ignored. A caller that keeps a handle uses [`Vfs::open_retained`]
    /// instead: on a shared filesystem, retaining after `open` under a
    /// second lock leaves a window for an unlink or rename to free the
    /// inode.
    pub fn open(&mut self, base: Ino, path: &str, opts: &OpenOptions) -> Result<Ino> {
        ns::open(self, base, path, opts)
    }

    /// [`Vfs::open`], then [`Vfs::retain`] the inode and return its
    /// metadata, in one call: under one lock of a shared filesystem nothing
    /// can remove the inode between the lookup and the hold. The caller
    /// [`Vfs::release`]s it when its handle goes.
    ///
    /// ```
    /// # use wasiland_vfs::{OpenOptions, Vfs, FileType};
    /// let mut vfs = Vfs::new();
    /// vfs.write_file("/f", &b"data"[..]).unwrap();
    /// let root = vfs.root();
    /// let (ino, meta) = vfs.open_retained(root, "f", &OpenOptions::default()).unwrap();
    /// assert_eq!((meta.file_type, meta.size), (FileType::Regular, 4));
    /// vfs.unlink(root, "f").unwrap();
    /// assert_eq!(vfs.stat(ino).unwrap().nlink, 0); // still alive: held
    /// vfs.release(ino);
    /// assert!(vfs.stat(ino).is_err());
    /// ```
    pub fn open_retained(
        &mut self,
        base: Ino,
        path: &str,
        opts: &OpenOptions,
    ) -> Result<(Ino, Metadata)> {
        let ino = self.open(base, path, opts)?;
        let meta = self.stat(ino)?;
        self.retain(ino);
        Ok((ino, meta))
    }

    /// mkdir(2). `mode` 0 means 0o755.
    pub fn mkdir(&mut self, base: Ino, path: &str, mode: u32) -> Result<Ino> {
        ns::mkdir(self, base, path, mode)
    }

    /// rmdir(2): DirectoryNotEmpty, NotADirectory, InvalidArgument for a final `.`.
    /// A final `..` -> DirectoryNotEmpty, the root -> Busy (as Linux).
    pub fn rmdir(&mut self, base: Ino, path: &str) -> Result<()> {
        ns::rmdir(self, base, path)
    }

    /// unlink(2): IsADirectory for directories; a symlink removes the link.
    /// The inode lives on while [`Vfs::retain`]ed. A trailing slash ->
    /// NotADirectory (IsADirectory for a directory).
    pub fn unlink(&mut self, base: Ino, path: &str) -> Result<()> {
        ns::unlink(self, base, path)
    }

    /// rename(2) with the full POSIX rules (replace file; dir over empty dir;
    /// DirectoryNotEmpty; NotADirectory dir->file; IsADirectory file->dir;
    /// InvalidArgument into own subtree; same inode is a no-op).
    /// A final `.` or `..` on either side -> Busy; a target that is an
    /// ancestor of the source -> DirectoryNotEmpty (as Linux).
    pub fn rename(
        &mut self,
        old_base: Ino,
        old_path: &str,
        new_base: Ino,
        new_path: &str,
    ) -> Result<()> {
        ns::rename(self, old_base, old_path, new_base, new_path)
    }

    /// symlink(2): create `path` containing `target` verbatim. An empty
    /// target -> NotFound (as Linux); an absolute one is stored but resolves
    /// to NotCapable.
    pub fn symlink(&mut self, target: &str, base: Ino, path: &str) -> Result<Ino> {
        ns::symlink(self, target, base, path)
    }

    /// readlink(2) of the final component (never followed). InvalidArgument
    /// if not a symlink.
    pub fn readlink(&self, base: Ino, path: &str) -> Result<String> {
        ns::readlink(self, base, path)
    }

    /// link(2): new name for an existing non-directory (NotPermitted for
    /// directories). `follow` applies to a final symlink in `old_path`.
    pub fn link(
        &mut self,
        old_base: Ino,
        old_path: &str,
        follow: bool,
        new_base: Ino,
        new_path: &str,
    ) -> Result<()> {
        ns::link(self, old_base, old_path, follow, new_base, new_path)
    }

    /// Create the regular file `name` in directory `dir` holding `data`
    /// (shared, not copied), with permission bits `mode` (0 means 0o644).
    /// `name` is one component; an existing name -> AlreadyExists. Quotas
    /// are checked first.
    pub fn create_file(&mut self, dir: Ino, name: &str, data: Bytes, mode: u32) -> Result<Ino> {
        path::check_name(name)?;
        let mode = if mode == 0 { ns::FILE_MODE } else { mode };
        ns::create_node(
            self,
            dir,
            name,
            inode::Kind::File(data::FileData::from_bytes(data)),
            mode,
        )
    }

    /// Create a character device node (for `/dev/null` and friends), mode 0o666.
    pub fn mknod(&mut self, base: Ino, path: &str, device: Device) -> Result<Ino> {
        ns::mknod(self, base, path, device)
    }

    /// The device behind a CharDevice inode.
    pub fn device(&self, ino: Ino) -> Option<Device> {
        match self.table.get(ino).ok()?.kind {
            inode::Kind::Device(device) => Some(device),
            _ => None,
        }
    }

    // ----- inode operations

    /// fstat. Directories report 20 bytes per entry, `.` and `..` included
    /// (as Linux tmpfs); devices report size 0.
    pub fn stat(&self, ino: Ino) -> Result<Metadata> {
        Ok(self.table.get(ino)?.metadata(DEVICE_ID, ino))
    }

    /// Resolve then stat.
    pub fn stat_path(&self, base: Ino, path: &str, follow: bool) -> Result<Metadata> {
        let ino = self.resolve(base, path, follow)?;
        self.stat(ino)
    }

    /// utimensat(2)-style; also sets ctime to now.
    pub fn set_times(&mut self, ino: Ino, atime: SetTime, mtime: SetTime) -> Result<()> {
        io::set_times(self, ino, atime, mtime)
    }

    /// Set all three times exactly (restoring a saved tree; any other
    /// change sets ctime from the clock). Values of 0 are stored as 1.
    pub fn restore_times(&mut self, ino: Ino, atime: u64, mtime: u64, ctime: u64) -> Result<()> {
        readonly::writable(self, ino)?;
        let inode = self.table.get_mut(ino)?;
        inode.atime = atime.max(1);
        inode.mtime = mtime.max(1);
        inode.ctime = ctime.max(1);
        Ok(())
    }

    /// chmod(2): permission bits only (`mode & 0o7777`); sets ctime.
    pub fn set_mode(&mut self, ino: Ino, mode: u32) -> Result<()> {
        io::set_mode(self, ino, mode)
    }

    /// pread: bytes read (0 at or past EOF). IsADirectory for directories.
    /// Does not update atime (the VFS behaves as mounted `noatime`).
    ///
    /// Devices: [`Device::Null`] reads 0 bytes, [`Device::Zero`] fills `buf`
    /// with zeros; [`Device::Random`] -> BadHandle (the VFS has no entropy:
    /// the syscall layer serves it). A symlink -> BadHandle. An offset, or
    /// `offset + buf.len()`, above `i64::MAX` -> InvalidArgument (as Linux,
    /// whose offsets are signed), checked before the type of the inode.
    pub fn read_at(&self, ino: Ino, offset: u64, buf: &mut [u8]) -> Result<usize> {
        io::read_at(self, ino, offset, buf)
    }

    /// pwrite: writes all of `data` at `offset`, extending with zeros if the
    /// offset is past the end. Updates mtime/ctime. All or nothing under quota.
    /// An empty `data` changes nothing. `offset > i64::MAX` or
    /// `offset + data.len() > i64::MAX` -> InvalidArgument (as Linux pwrite,
    /// whose offsets are signed).
    /// Devices discard the data and report it written.
    pub fn write_at(&mut self, ino: Ino, offset: u64, data: &[u8]) -> Result<usize> {
        io::write_at(self, ino, offset, data)
    }

    /// Checks what [`Vfs::write_at`] of `len` bytes at `offset` would check
    /// (the range, the kind of inode, a read-only tree, the byte quota)
    /// without writing, so a caller holding the lock can then write those
    /// bytes piece by piece knowing no piece will be refused. A refusal by
    /// the quota is counted as one.
    pub fn check_write(&self, ino: Ino, offset: u64, len: u64) -> Result<()> {
        io::check_write(self, ino, offset, len).map(|_| ())
    }

    /// O_APPEND write: appends all of `data`; returns the offset it was written at.
    /// An end past `i64::MAX` -> FileTooLarge (all or nothing, where Linux
    /// would write the part below the limit).
    pub fn append(&mut self, ino: Ino, data: &[u8]) -> Result<u64> {
        io::append(self, ino, data)
    }

    /// truncate(2)/ftruncate: shrink, or extend with zeros (a hole: no memory
    /// is used for it). `len > i64::MAX` -> InvalidArgument; a device ->
    /// InvalidArgument; a directory -> IsADirectory.
    pub fn set_len(&mut self, ino: Ino, len: u64) -> Result<()> {
        io::set_len(self, ino, len)
    }

    /// posix_fallocate: size becomes at least `offset + len`. `len == 0` ->
    /// InvalidArgument; past `i64::MAX` -> FileTooLarge.
    pub fn allocate(&mut self, ino: Ino, offset: u64, len: u64) -> Result<()> {
        io::allocate(self, ino, offset, len)
    }

    /// The whole contents of a regular file, shared (no copy of the data)
    /// when the file is still the buffer it was written from or fits one
    /// chunk; otherwise the chunks are concatenated into a new buffer.
    /// IsADirectory for directories, BadHandle for other non-files.
    pub fn contents(&self, ino: Ino) -> Result<Bytes> {
        io::contents(self, ino)
    }

    /// Directory listing starting at `cookie` (0 = from the start): `.` then
    /// `..` (the root's `..` is itself) then entries in a deterministic order
    /// (creation order). NotADirectory for non-directories; NotFound for a
    /// directory that was removed.
    pub fn read_dir(&self, dir: Ino, cookie: u64) -> Result<Vec<DirEntry>> {
        Ok(self.read_dir_iter(dir, cookie)?.collect())
    }

    /// Like [`Vfs::read_dir`] but lazy: entries are produced as the iterator
    /// is advanced, so a caller filling a small buffer pays only for what it
    /// takes.
    pub fn read_dir_iter(&self, dir: Ino, cookie: u64) -> Result<ReadDir<'_>> {
        ReadDir::new(self, dir, cookie)
    }

    /// Mark an inode as held open. An unlinked inode (nlink 0) stays alive,
    /// readable and writable while retained. A stale `ino` is ignored.
    pub fn retain(&mut self, ino: Ino) {
        if let Ok(inode) = self.table.get_mut(ino) {
            inode.handles = inode.handles.saturating_add(1);
        }
    }

    /// Drop one hold; frees the inode if it was the last and nlink is 0.
    /// Releasing an inode that is not held is ignored.
    pub fn release(&mut self, ino: Ino) {
        if let Ok(inode) = self.table.get_mut(ino) {
            inode.handles = inode.handles.saturating_sub(1);
            self.table.collect(ino);
        }
    }

    /// A copy-on-write copy of the whole filesystem: O(number of inodes) in
    /// time, no file data copied. Open-handle counts are not carried over
    /// (so files that were only alive through handles are not in the copy).
    pub fn fork(&self) -> Vfs {
        let mut table = self.table.clone();
        table.drop_handles();
        Vfs {
            clock: self.clock.clone(),
            table,
            quotas: self.quotas,
            refused_bytes: AtomicUsize::new(0),
            refused_inodes: AtomicUsize::new(0),
        }
    }

    /// A copy of the whole state, open handles included, to run a
    /// multi-step change on and swap in only if it all succeeds.
    pub(crate) fn transaction_copy(&self) -> Vfs {
        let refusals = self.quota_refusals();
        Vfs {
            clock: self.clock.clone(),
            table: self.table.clone(),
            quotas: self.quotas,
            refused_bytes: AtomicUsize::new(refusals.bytes),
            refused_inodes: AtomicUsize::new(refusals.inodes),
        }
    }

    /// Same as [`Vfs::fork`]: a point-in-time copy to keep (and later go back
    /// to with `*vfs = snapshot`), sharing all file data.
    pub fn snapshot(&self) -> Vfs {
        self.fork()
    }

    /// Checks the filesystem's internal consistency (link counts, parent
    /// pointers, usage counters, freed inodes), like `fsck`. For tests and
    /// debugging; an error describes the first problem found.
    pub fn check_consistency(&self) -> core::result::Result<(), String> {
        check::check(self)
    }

    /// Replaces the clock (e.g. after [`Vfs::fork`], to give the copy its own).
    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    // ----- embedder API: absolute paths from the root ("/a/b"), symlinks followed.
    // Paths are resolved as if the root were `/` of a chroot: `..` of the root
    // is the root and absolute symlink targets start at the root.

    /// Create or replace a regular file with `data` (owned buffers are
    /// shared, not copied: see [`IntoBytes`]). A final symlink is followed.
    ///
    /// The parent directory must exist (`NotFound` otherwise), as for
    /// `open(O_CREAT)`: this is the filesystem's primitive, and a missing
    /// parent is usually a wrong path. `wasiland::Sandbox::write_file`
    /// differs on purpose: it is the embedder's convenience and creates
    /// missing parents first (`mkdir -p`); here that is
    /// [`Vfs::create_dir_all`] before the write.
    ///
    /// ```
    /// let mut vfs = wasiland_vfs::Vfs::new();
    /// assert_eq!(vfs.write_file("/data/a.txt", "x"), Err(wasiland_vfs::VfsError::NotFound));
    /// vfs.create_dir_all("/data").unwrap();
    /// vfs.write_file("/data/a.txt", b"x").unwrap();
    /// assert_eq!(vfs.read_file("/data/a.txt").unwrap(), "x");
    /// ```
    pub fn write_file(&mut self, path: &str, data: impl IntoBytes) -> Result<()> {
        embed::write_file(self, path, data.into_bytes())
    }

    /// The contents of the regular file at `path` (see [`Vfs::contents`]).
    pub fn read_file(&self, path: &str) -> Result<Bytes> {
        embed::read_file(self, path)
    }

    /// Entries of a directory, without `.` and `..`.
    pub fn list_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        embed::list_dir(self, path)
    }

    /// mkdir -p. An existing directory (or symlink to one) is fine; an
    /// existing non-directory (or dangling symlink) -> AlreadyExists, or
    /// NotADirectory before the last component. All or nothing: names are
    /// checked first, and under an inode quota a refusal half-way leaves
    /// nothing created.
    pub fn create_dir_all(&mut self, path: &str) -> Result<()> {
        embed::create_dir_all(self, path)
    }

    /// rm -r (does not follow symlinks). Removing `/` -> Busy.
    pub fn remove_all(&mut self, path: &str) -> Result<()> {
        embed::remove_all(self, path)
    }

    /// Resolve an embedder path (absolute from the root, symlinks followed).
    pub fn lookup(&self, path: &str) -> Result<Ino> {
        embed::lookup(self, path, true)
    }

    /// Metadata of an embedder path; `follow` applies to a final symlink.
    pub fn metadata(&self, path: &str, follow: bool) -> Result<Metadata> {
        self.stat(embed::lookup(self, path, follow)?)
    }

    // ----- read-only subtrees

    /// Make the tree at embedder `path` read-only, as a read-only mount:
    /// nothing in it can be written, created, removed, renamed or have its
    /// metadata changed (ReadOnly, EROFS); moving or hard-linking across its
    /// edge is CrossDevice (EXDEV); its top directory cannot be removed or
    /// renamed away (Busy). Symlinks in the tree are not followed. Kept by
    /// [`Vfs::fork`]; there is no way back for guests.
    ///
    /// ```
    /// use wasiland_vfs::{Vfs, VfsError};
    /// let mut fs = Vfs::new();
    /// fs.create_dir_all("/data/in").unwrap();
    /// fs.write_file("/data/in/a.csv", "x,1\n").unwrap();
    /// fs.set_read_only("/data").unwrap();
    /// assert_eq!(fs.write_file("/data/in/a.csv", "changed"), Err(VfsError::ReadOnly));
    /// assert_eq!(fs.remove_all("/data/in"), Err(VfsError::ReadOnly));
    /// assert_eq!(&fs.read_file("/data/in/a.csv").unwrap()[..], b"x,1\n");
    /// ```
    pub fn set_read_only(&mut self, path: &str) -> Result<()> {
        let top = embed::lookup(self, path, true)?;
        readonly::mark_tree(self, top)
    }

    /// Set or clear the read-only flag of one inode (restoring a saved
    /// tree marks inodes one by one, after filling them).
    pub fn set_inode_read_only(&mut self, ino: Ino, read_only: bool) -> Result<()> {
        self.table.get_mut(ino)?.readonly = read_only;
        Ok(())
    }

    /// Whether `ino` is in a read-only tree ([`Vfs::set_read_only`]).
    pub fn is_read_only(&self, ino: Ino) -> bool {
        readonly::is_read_only(self, ino)
    }
}

/// Iterator over a directory listing, from [`Vfs::read_dir_iter`].
pub struct ReadDir<'a> {
    vfs: &'a Vfs,
    dir: Ino,
    parent: Ino,
    /// Cookie of the last entry produced (resume point).
    cookie: u64,
}

impl<'a> ReadDir<'a> {
    fn new(vfs: &'a Vfs, dir: Ino, cookie: u64) -> Result<ReadDir<'a>> {
        let inode = vfs.table.get(dir)?;
        let table = inode.dir().ok_or(VfsError::NotADirectory)?;
        if inode.nlink == 0 {
            return Err(VfsError::NotFound);
        }
        Ok(ReadDir {
            vfs,
            dir,
            parent: table.parent,
            cookie,
        })
    }
}

impl Iterator for ReadDir<'_> {
    type Item = DirEntry;

    fn next(&mut self) -> Option<DirEntry> {
        let (name, ino, next_cookie) = match self.cookie {
            0 => (".", self.dir, 1),
            1 => ("..", self.parent, 2),
            cookie => {
                let dir = self.vfs.table.dir(self.dir).ok()?;
                let (next_cookie, name, ino) = dir.entries_after(cookie).next()?;
                (name, ino, next_cookie)
            }
        };
        let file_type = self
            .vfs
            .table
            .get(ino)
            .map_or(FileType::Regular, |i| i.file_type());
        self.cookie = next_cookie;
        Some(DirEntry {
            name: String::from(name),
            ino,
            file_type,
            next_cookie,
        })
    }
}
