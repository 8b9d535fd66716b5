//! `wasiland-vfs`: the in-memory filesystem every wasiland guest sees.
//!
//! API CONTRACT (written before the implementation; keep these signatures,
//! fill in the bodies). See `../shared/DESIGN.md` section 3 and issue 3.
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
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::Bytes;

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
    /// ENAMETOOLONG (component > 255 bytes or path > 4096 bytes)
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
    /// EXDEV: link/rename across filesystems (never produced by a single Vfs,
    /// reserved for embedders that stack several).
    CrossDevice,
}

/// What kind of object an inode is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    Regular,
    Directory,
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
    pub dev: u64,
    pub ino: Ino,
    pub file_type: FileType,
    pub nlink: u64,
    /// Bytes for files, target length for symlinks, an implementation-defined
    /// value for directories (document it).
    pub size: u64,
    pub atime: u64,
    pub mtime: u64,
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
    pub name: String,
    pub ino: Ino,
    pub file_type: FileType,
    /// Cookie that resumes the listing *after* this entry. `.` has next
    /// cookie 1, `..` has 2, the rest are > 2, increasing in listing order, and
    /// stay valid while other entries are added or removed.
    pub next_cookie: u64,
}

/// Quotas. `None` = unlimited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Maximum total bytes of regular-file contents (logical sizes) -> NoSpace.
    pub max_bytes: Option<u64>,
    /// Maximum number of inodes, the root included -> QuotaExceeded.
    pub max_inodes: Option<u64>,
}

/// Current consumption, for quotas and reporting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub bytes: u64,
    pub inodes: u64,
}

/// Source of timestamps. Injectable so tests and deterministic runs control time.
pub trait Clock: Send + Sync {
    /// Nanoseconds since the Unix epoch. Must be non-zero.
    fn now_ns(&self) -> u64;
}

/// The filesystem. `Clone` is the same as [`Vfs::fork`]: cheap, data shared
/// copy-on-write.
#[derive(Clone)]
pub struct Vfs {
    clock: Arc<dyn Clock>,
    // implementation fields go here
}

#[allow(unused_variables)]
impl Vfs {
    /// A filesystem holding only an empty root directory (mode 0o755), with the
    /// system clock.
    #[cfg(feature = "std")]
    pub fn new() -> Vfs {
        unimplemented!()
    }

    /// A filesystem holding only an empty root directory, with the given clock.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Vfs {
        unimplemented!()
    }

    /// The root directory's inode.
    pub fn root(&self) -> Ino {
        unimplemented!()
    }

    /// The single device number reported in every [`Metadata`].
    pub fn device_id(&self) -> u64 {
        unimplemented!()
    }

    /// Current time from this filesystem's clock (ns since the epoch).
    pub fn now(&self) -> u64 {
        self.clock.now_ns()
    }

    /// Set quotas. Existing contents above a new limit stay; only growth is refused.
    pub fn set_limits(&mut self, limits: Limits) {
        unimplemented!()
    }

    pub fn limits(&self) -> Limits {
        unimplemented!()
    }

    pub fn usage(&self) -> Usage {
        unimplemented!()
    }

    // ----- path operations: `base` is a directory inode, `path` is relative
    // (a leading '/' is NotCapable), never escaping `base`.

    /// Resolve `path` from `base`. `.`/`..`, repeated slashes, symlinks (up to
    /// 40 expansions -> SymlinkLoop). A trailing slash requires a directory.
    /// `follow_final = false` returns a final symlink itself. Empty path -> NotFound.
    pub fn resolve(&self, base: Ino, path: &str, follow_final: bool) -> Result<Ino> {
        unimplemented!()
    }

    /// Open (and maybe create/truncate) `path`; returns the inode. Opening a
    /// directory with `truncate` -> IsADirectory.
    pub fn open(&mut self, base: Ino, path: &str, opts: &OpenOptions) -> Result<Ino> {
        unimplemented!()
    }

    /// mkdir(2). `mode` 0 means 0o755.
    pub fn mkdir(&mut self, base: Ino, path: &str, mode: u32) -> Result<Ino> {
        unimplemented!()
    }

    /// rmdir(2): DirectoryNotEmpty, NotADirectory, InvalidArgument for a final `.`.
    pub fn rmdir(&mut self, base: Ino, path: &str) -> Result<()> {
        unimplemented!()
    }

    /// unlink(2): IsADirectory for directories; a symlink removes the link.
    /// The inode lives on while [`Vfs::retain`]ed.
    pub fn unlink(&mut self, base: Ino, path: &str) -> Result<()> {
        unimplemented!()
    }

    /// rename(2) with the full POSIX rules (replace file; dir over empty dir;
    /// DirectoryNotEmpty; NotADirectory dir->file; IsADirectory file->dir;
    /// InvalidArgument into own subtree; same inode is a no-op).
    pub fn rename(&mut self, old_base: Ino, old_path: &str, new_base: Ino, new_path: &str) -> Result<()> {
        unimplemented!()
    }

    /// symlink(2): create `path` containing `target` verbatim.
    pub fn symlink(&mut self, target: &str, base: Ino, path: &str) -> Result<Ino> {
        unimplemented!()
    }

    /// readlink(2) of the final component (never followed). InvalidArgument
    /// if not a symlink.
    pub fn readlink(&self, base: Ino, path: &str) -> Result<String> {
        unimplemented!()
    }

    /// link(2): new name for an existing non-directory (NotPermitted for
    /// directories). `follow` applies to a final symlink in `old_path`.
    pub fn link(&mut self, old_base: Ino, old_path: &str, follow: bool, new_base: Ino, new_path: &str) -> Result<()> {
        unimplemented!()
    }

    /// Create a character device node (for `/dev/null` and friends).
    pub fn mknod(&mut self, base: Ino, path: &str, device: Device) -> Result<Ino> {
        unimplemented!()
    }

    /// The device behind a CharDevice inode.
    pub fn device(&self, ino: Ino) -> Option<Device> {
        unimplemented!()
    }

    // ----- inode operations

    pub fn stat(&self, ino: Ino) -> Result<Metadata> {
        unimplemented!()
    }

    /// Resolve then stat.
    pub fn stat_path(&self, base: Ino, path: &str, follow: bool) -> Result<Metadata> {
        unimplemented!()
    }

    /// utimensat(2)-style; also sets ctime to now.
    pub fn set_times(&mut self, ino: Ino, atime: SetTime, mtime: SetTime) -> Result<()> {
        unimplemented!()
    }

    /// chmod(2): permission bits only.
    pub fn set_mode(&mut self, ino: Ino, mode: u32) -> Result<()> {
        unimplemented!()
    }

    /// pread: bytes read (0 at or past EOF). IsADirectory for directories.
    /// Does not update atime (the VFS behaves as mounted `noatime`).
    pub fn read_at(&self, ino: Ino, offset: u64, buf: &mut [u8]) -> Result<usize> {
        unimplemented!()
    }

    /// pwrite: writes all of `data` at `offset`, extending with zeros if the
    /// offset is past the end. Updates mtime/ctime. All or nothing under quota.
    pub fn write_at(&mut self, ino: Ino, offset: u64, data: &[u8]) -> Result<usize> {
        unimplemented!()
    }

    /// O_APPEND write: appends all of `data`; returns the offset it was written at.
    pub fn append(&mut self, ino: Ino, data: &[u8]) -> Result<u64> {
        unimplemented!()
    }

    /// truncate(2)/ftruncate: shrink, or extend with zeros.
    pub fn set_len(&mut self, ino: Ino, len: u64) -> Result<()> {
        unimplemented!()
    }

    /// posix_fallocate: size becomes at least `offset + len`.
    pub fn allocate(&mut self, ino: Ino, offset: u64, len: u64) -> Result<()> {
        unimplemented!()
    }

    /// The whole contents of a regular file, shared (no copy of the data).
    pub fn contents(&self, ino: Ino) -> Result<Bytes> {
        unimplemented!()
    }

    /// Directory listing starting at `cookie` (0 = from the start): `.` then
    /// `..` (the root's `..` is itself) then entries in a deterministic order.
    pub fn read_dir(&self, dir: Ino, cookie: u64) -> Result<Vec<DirEntry>> {
        unimplemented!()
    }

    /// Mark an inode as held open. An unlinked inode (nlink 0) stays alive,
    /// readable and writable while retained.
    pub fn retain(&mut self, ino: Ino) {
        unimplemented!()
    }

    /// Drop one hold; frees the inode if it was the last and nlink is 0.
    pub fn release(&mut self, ino: Ino) {
        unimplemented!()
    }

    /// A copy-on-write copy of the whole filesystem: O(number of inodes) in
    /// time, no file data copied. Open-handle counts are not carried over.
    pub fn fork(&self) -> Vfs {
        unimplemented!()
    }

    // ----- embedder API: absolute paths from the root ("/a/b"), symlinks followed.

    /// Create or replace a regular file with `data` (shared, not copied).
    /// The parent directory must exist.
    pub fn write_file(&mut self, path: &str, data: impl Into<Bytes>) -> Result<()> {
        unimplemented!()
    }

    pub fn read_file(&self, path: &str) -> Result<Bytes> {
        unimplemented!()
    }

    /// Entries of a directory, without `.` and `..`.
    pub fn list_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        unimplemented!()
    }

    /// mkdir -p.
    pub fn create_dir_all(&mut self, path: &str) -> Result<()> {
        unimplemented!()
    }

    /// rm -r (does not follow symlinks).
    pub fn remove_all(&mut self, path: &str) -> Result<()> {
        unimplemented!()
    }
}
