//! The one errno table: preview1's `errno` enum with its wire numbers, and
//! the mapping from VFS error kinds.

use core::fmt;
use wasiland_vfs::VfsError;

macro_rules! errnos {
    ($($name:ident = $num:literal, $text:literal;)*) => {
        /// A preview1 `errno` (u16 on the wire). Numbers from
        /// `typenames.witx`; never write them by hand elsewhere.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Errno {
            $(#[doc = $text] $name = $num,)*
        }

        impl Errno {
            /// The witx name of this errno (`"noent"`, `"badf"`, ...).
            pub fn name(self) -> &'static str {
                match self { $(Errno::$name => $text,)* }
            }

            /// The errno with this wire number, if any.
            pub fn from_raw(raw: u16) -> Option<Errno> {
                match raw { $($num => Some(Errno::$name),)* _ => None }
            }
        }
    };
}

errnos! {
    Success = 0, "success";
    TooBig = 1, "2big";
    Acces = 2, "acces";
    AddrInUse = 3, "addrinuse";
    AddrNotAvail = 4, "addrnotavail";
    AfNoSupport = 5, "afnosupport";
    Again = 6, "again";
    Already = 7, "already";
    Badf = 8, "badf";
    BadMsg = 9, "badmsg";
    Busy = 10, "busy";
    Canceled = 11, "canceled";
    Child = 12, "child";
    ConnAborted = 13, "connaborted";
    ConnRefused = 14, "connrefused";
    ConnReset = 15, "connreset";
    Deadlk = 16, "deadlk";
    DestAddrReq = 17, "destaddrreq";
    Dom = 18, "dom";
    Dquot = 19, "dquot";
    Exist = 20, "exist";
    Fault = 21, "fault";
    Fbig = 22, "fbig";
    HostUnreach = 23, "hostunreach";
    Idrm = 24, "idrm";
    Ilseq = 25, "ilseq";
    InProgress = 26, "inprogress";
    Intr = 27, "intr";
    Inval = 28, "inval";
    Io = 29, "io";
    IsConn = 30, "isconn";
    IsDir = 31, "isdir";
    Loop = 32, "loop";
    Mfile = 33, "mfile";
    Mlink = 34, "mlink";
    MsgSize = 35, "msgsize";
    Multihop = 36, "multihop";
    NameTooLong = 37, "nametoolong";
    NetDown = 38, "netdown";
    NetReset = 39, "netreset";
    NetUnreach = 40, "netunreach";
    Nfile = 41, "nfile";
    NoBufs = 42, "nobufs";
    NoDev = 43, "nodev";
    NoEnt = 44, "noent";
    NoExec = 45, "noexec";
    NoLck = 46, "nolck";
    NoLink = 47, "nolink";
    NoMem = 48, "nomem";
    NoMsg = 49, "nomsg";
    NoProtoOpt = 50, "noprotoopt";
    NoSpc = 51, "nospc";
    NoSys = 52, "nosys";
    NotConn = 53, "notconn";
    NotDir = 54, "notdir";
    NotEmpty = 55, "notempty";
    NotRecoverable = 56, "notrecoverable";
    NotSock = 57, "notsock";
    NotSup = 58, "notsup";
    NoTty = 59, "notty";
    Nxio = 60, "nxio";
    Overflow = 61, "overflow";
    OwnerDead = 62, "ownerdead";
    Perm = 63, "perm";
    Pipe = 64, "pipe";
    Proto = 65, "proto";
    ProtoNoSupport = 66, "protonosupport";
    Prototype = 67, "prototype";
    Range = 68, "range";
    Rofs = 69, "rofs";
    Spipe = 70, "spipe";
    Srch = 71, "srch";
    Stale = 72, "stale";
    TimedOut = 73, "timedout";
    TxtBsy = 74, "txtbsy";
    Xdev = 75, "xdev";
    NotCapable = 76, "notcapable";
}

impl Errno {
    /// The wire value.
    pub fn raw(self) -> u16 {
        self as u16
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<VfsError> for Errno {
    fn from(e: VfsError) -> Errno {
        match e {
            VfsError::NotFound => Errno::NoEnt,
            VfsError::AlreadyExists => Errno::Exist,
            VfsError::NotADirectory => Errno::NotDir,
            VfsError::IsADirectory => Errno::IsDir,
            VfsError::DirectoryNotEmpty => Errno::NotEmpty,
            VfsError::SymlinkLoop => Errno::Loop,
            VfsError::InvalidArgument => Errno::Inval,
            VfsError::NameTooLong => Errno::NameTooLong,
            VfsError::NoSpace => Errno::NoSpc,
            VfsError::QuotaExceeded => Errno::Dquot,
            VfsError::NotPermitted => Errno::Perm,
            VfsError::NotCapable => Errno::NotCapable,
            VfsError::Busy => Errno::Busy,
            VfsError::FileTooLarge => Errno::Fbig,
            VfsError::BadHandle => Errno::Badf,
            VfsError::CrossDevice => Errno::Xdev,
            VfsError::ReadOnly => Errno::Rofs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_numbers_match_witx() {
        // Spot checks against typenames.witx; the table above is the source.
        assert_eq!(Errno::Badf.raw(), 8);
        assert_eq!(Errno::NoEnt.raw(), 44);
        assert_eq!(Errno::Spipe.raw(), 70);
        assert_eq!(Errno::NotCapable.raw(), 76);
        for raw in 0..=76u16 {
            let e = Errno::from_raw(raw).expect("every number 0..=76 is an errno");
            assert_eq!(e.raw(), raw);
        }
        assert_eq!(Errno::from_raw(77), None);
    }
}
