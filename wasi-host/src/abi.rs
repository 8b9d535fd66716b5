//! preview1 constants and struct layouts (from `typenames.witx` and the
//! preview1 `docs.md` size/offset tables). Encoders write into guest memory
//! through [`GuestMemory`], so every store is bounds-checked.

use crate::errno::Errno;
use crate::guest::GuestMemory;

/// `rights` bits (u64).
pub mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    pub const SOCK_SHUTDOWN: u64 = 1 << 28;
    pub const SOCK_ACCEPT: u64 = 1 << 29;
    /// Every defined right.
    pub const ALL: u64 = (1 << 30) - 1;

    /// Rights that make sense on a regular file.
    pub const REGULAR_FILE: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;

    /// Rights that make sense on a directory (as base rights).
    pub const DIRECTORY: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_ADVISE
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE
        | POLL_FD_READWRITE;

    /// What a directory hands down to what is opened through it.
    pub const DIRECTORY_INHERITING: u64 = DIRECTORY | REGULAR_FILE;

    /// Rights of a stream (pipe, terminal, captured buffer): no seek/tell, so
    /// wasi-libc's `isatty` can be true for terminals.
    pub const STREAM: u64 =
        FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE;
}

/// `filetype` (u8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Filetype {
    Unknown = 0,
    BlockDevice = 1,
    CharacterDevice = 2,
    Directory = 3,
    RegularFile = 4,
    SocketDgram = 5,
    SocketStream = 6,
    SymbolicLink = 7,
}

impl From<wasiland_vfs::FileType> for Filetype {
    fn from(t: wasiland_vfs::FileType) -> Filetype {
        match t {
            wasiland_vfs::FileType::Regular => Filetype::RegularFile,
            wasiland_vfs::FileType::Directory => Filetype::Directory,
            wasiland_vfs::FileType::Symlink => Filetype::SymbolicLink,
            wasiland_vfs::FileType::CharDevice => Filetype::CharacterDevice,
        }
    }
}

/// `fdflags` (u16).
pub mod fdflags {
    pub const APPEND: u16 = 1 << 0;
    pub const DSYNC: u16 = 1 << 1;
    pub const NONBLOCK: u16 = 1 << 2;
    pub const RSYNC: u16 = 1 << 3;
    pub const SYNC: u16 = 1 << 4;
    pub const ALL: u16 = APPEND | DSYNC | NONBLOCK | RSYNC | SYNC;
}

/// `oflags` (u16).
pub mod oflags {
    pub const CREAT: u16 = 1 << 0;
    pub const DIRECTORY: u16 = 1 << 1;
    pub const EXCL: u16 = 1 << 2;
    pub const TRUNC: u16 = 1 << 3;
    pub const ALL: u16 = CREAT | DIRECTORY | EXCL | TRUNC;
}

/// `lookupflags` (u32).
pub const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// `fstflags` (u16).
pub mod fstflags {
    pub const ATIM: u16 = 1 << 0;
    pub const ATIM_NOW: u16 = 1 << 1;
    pub const MTIM: u16 = 1 << 2;
    pub const MTIM_NOW: u16 = 1 << 3;
}

/// `clockid` (u32).
pub mod clockid {
    pub const REALTIME: u32 = 0;
    pub const MONOTONIC: u32 = 1;
    pub const PROCESS_CPUTIME: u32 = 2;
    pub const THREAD_CPUTIME: u32 = 3;
}

/// `whence` (u8).
pub mod whence {
    pub const SET: u8 = 0;
    pub const CUR: u8 = 1;
    pub const END: u8 = 2;
}

/// `eventtype` (u8).
pub mod eventtype {
    pub const CLOCK: u8 = 0;
    pub const FD_READ: u8 = 1;
    pub const FD_WRITE: u8 = 2;
}

/// `subclockflags::subscription_clock_abstime`.
pub const SUBCLOCK_ABSTIME: u16 = 1;
/// `eventrwflags::fd_readwrite_hangup`.
pub const EVENT_FD_READWRITE_HANGUP: u16 = 1;

/// `fdstat`: 24 bytes, align 8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fdstat {
    pub filetype: Filetype,
    pub flags: u16,
    pub rights_base: u64,
    pub rights_inheriting: u64,
}

impl Fdstat {
    pub const SIZE: u32 = 24;

    pub fn write(&self, mem: &mut GuestMemory<'_>, ptr: u32) -> Result<(), Errno> {
        let b = mem.slice_mut(ptr, Self::SIZE)?;
        b.fill(0);
        b[0] = self.filetype as u8;
        b[2..4].copy_from_slice(&self.flags.to_le_bytes());
        b[8..16].copy_from_slice(&self.rights_base.to_le_bytes());
        b[16..24].copy_from_slice(&self.rights_inheriting.to_le_bytes());
        Ok(())
    }
}

/// `filestat`: 64 bytes, align 8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filestat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: Filetype,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

impl Filestat {
    pub const SIZE: u32 = 64;

    pub fn write(&self, mem: &mut GuestMemory<'_>, ptr: u32) -> Result<(), Errno> {
        let b = mem.slice_mut(ptr, Self::SIZE)?;
        b.fill(0);
        b[0..8].copy_from_slice(&self.dev.to_le_bytes());
        b[8..16].copy_from_slice(&self.ino.to_le_bytes());
        b[16] = self.filetype as u8;
        b[24..32].copy_from_slice(&self.nlink.to_le_bytes());
        b[32..40].copy_from_slice(&self.size.to_le_bytes());
        b[40..48].copy_from_slice(&self.atim.to_le_bytes());
        b[48..56].copy_from_slice(&self.mtim.to_le_bytes());
        b[56..64].copy_from_slice(&self.ctim.to_le_bytes());
        Ok(())
    }
}

impl From<wasiland_vfs::Metadata> for Filestat {
    fn from(m: wasiland_vfs::Metadata) -> Filestat {
        Filestat {
            dev: m.dev,
            ino: m.ino,
            filetype: m.file_type.into(),
            nlink: m.nlink,
            size: m.size,
            atim: m.atime,
            mtim: m.mtime,
            ctim: m.ctime,
        }
    }
}

/// `dirent` header: 24 bytes, followed by the name (no NUL).
pub const DIRENT_SIZE: usize = 24;

/// Encode a dirent header.
pub fn dirent_header(
    next_cookie: u64,
    ino: u64,
    name_len: u32,
    filetype: Filetype,
) -> [u8; DIRENT_SIZE] {
    let mut b = [0u8; DIRENT_SIZE];
    b[0..8].copy_from_slice(&next_cookie.to_le_bytes());
    b[8..16].copy_from_slice(&ino.to_le_bytes());
    b[16..20].copy_from_slice(&name_len.to_le_bytes());
    b[20] = filetype as u8;
    b
}

/// `prestat` size: 8 bytes (tag u8 at 0, name length u32 at 4).
pub const PRESTAT_SIZE: u32 = 8;
/// `subscription` size: 48 bytes.
pub const SUBSCRIPTION_SIZE: u32 = 48;
/// `event` size: 32 bytes.
pub const EVENT_SIZE: u32 = 32;

/// A decoded `subscription`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subscription {
    Clock {
        userdata: u64,
        id: u32,
        timeout: u64,
        precision: u64,
        flags: u16,
    },
    FdRead {
        userdata: u64,
        fd: u32,
    },
    FdWrite {
        userdata: u64,
        fd: u32,
    },
}

impl Subscription {
    /// Decode one subscription; an unknown tag is `inval`.
    pub fn read(mem: &GuestMemory<'_>, ptr: u32) -> Result<Subscription, Errno> {
        let b = mem.slice(ptr, SUBSCRIPTION_SIZE)?;
        let userdata = le_u64(&b[0..8]);
        match b[8] {
            eventtype::CLOCK => Ok(Subscription::Clock {
                userdata,
                id: le_u32(&b[16..20]),
                timeout: le_u64(&b[24..32]),
                precision: le_u64(&b[32..40]),
                flags: u16::from_le_bytes([b[40], b[41]]),
            }),
            eventtype::FD_READ => Ok(Subscription::FdRead {
                userdata,
                fd: le_u32(&b[16..20]),
            }),
            eventtype::FD_WRITE => Ok(Subscription::FdWrite {
                userdata,
                fd: le_u32(&b[16..20]),
            }),
            _ => Err(Errno::Inval),
        }
    }

    pub fn userdata(&self) -> u64 {
        match *self {
            Subscription::Clock { userdata, .. }
            | Subscription::FdRead { userdata, .. }
            | Subscription::FdWrite { userdata, .. } => userdata,
        }
    }

    pub fn event_type(&self) -> u8 {
        match self {
            Subscription::Clock { .. } => eventtype::CLOCK,
            Subscription::FdRead { .. } => eventtype::FD_READ,
            Subscription::FdWrite { .. } => eventtype::FD_WRITE,
        }
    }
}

/// An `event` to write back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub userdata: u64,
    pub error: Errno,
    pub event_type: u8,
    pub nbytes: u64,
    pub flags: u16,
}

impl Event {
    pub fn write(&self, mem: &mut GuestMemory<'_>, ptr: u32) -> Result<(), Errno> {
        let b = mem.slice_mut(ptr, EVENT_SIZE)?;
        b.fill(0);
        b[0..8].copy_from_slice(&self.userdata.to_le_bytes());
        b[8..10].copy_from_slice(&self.error.raw().to_le_bytes());
        b[10] = self.event_type;
        b[16..24].copy_from_slice(&self.nbytes.to_le_bytes());
        b[24..26].copy_from_slice(&self.flags.to_le_bytes());
        Ok(())
    }
}

pub(crate) fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_le_bytes(a)
}

pub(crate) fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}
