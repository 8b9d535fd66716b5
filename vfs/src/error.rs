//! Display, `std::error::Error` and conversion to `std::io::Error` for
//! [`VfsError`].

use core::fmt;

use crate::VfsError;

impl VfsError {
    /// The POSIX errno name this kind stands for (`"ENOENT"`, ...).
    pub fn errno_name(self) -> &'static str {
        match self {
            VfsError::NotFound => "ENOENT",
            VfsError::AlreadyExists => "EEXIST",
            VfsError::NotADirectory => "ENOTDIR",
            VfsError::IsADirectory => "EISDIR",
            VfsError::DirectoryNotEmpty => "ENOTEMPTY",
            VfsError::SymlinkLoop => "ELOOP",
            VfsError::InvalidArgument => "EINVAL",
            VfsError::NameTooLong => "ENAMETOOLONG",
            VfsError::NoSpace => "ENOSPC",
            VfsError::QuotaExceeded => "EDQUOT",
            VfsError::NotPermitted => "EPERM",
            VfsError::NotCapable => "ENOTCAPABLE",
            VfsError::Busy => "EBUSY",
            VfsError::FileTooLarge => "EFBIG",
            VfsError::BadHandle => "EBADF",
            VfsError::CrossDevice => "EXDEV",
            VfsError::ReadOnly => "EROFS",
        }
    }

    /// A short human-readable description.
    pub fn message(self) -> &'static str {
        match self {
            VfsError::NotFound => "no such file or directory",
            VfsError::AlreadyExists => "file exists",
            VfsError::NotADirectory => "not a directory",
            VfsError::IsADirectory => "is a directory",
            VfsError::DirectoryNotEmpty => "directory not empty",
            VfsError::SymlinkLoop => "too many levels of symbolic links",
            VfsError::InvalidArgument => "invalid argument",
            VfsError::NameTooLong => "file name too long",
            VfsError::NoSpace => "no space left on device",
            VfsError::QuotaExceeded => "inode quota exceeded",
            VfsError::NotPermitted => "operation not permitted",
            VfsError::NotCapable => "path escapes the directory it is resolved from",
            VfsError::Busy => "device or resource busy",
            VfsError::FileTooLarge => "file too large",
            VfsError::BadHandle => "bad file handle",
            VfsError::CrossDevice => "cross-device link",
            VfsError::ReadOnly => "read-only file system",
        }
    }
}

impl fmt::Display for VfsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message(), self.errno_name())
    }
}

impl core::error::Error for VfsError {}

#[cfg(feature = "std")]
impl From<VfsError> for std::io::Error {
    fn from(e: VfsError) -> std::io::Error {
        use std::io::ErrorKind as K;
        let kind = match e {
            VfsError::NotFound => K::NotFound,
            VfsError::AlreadyExists => K::AlreadyExists,
            VfsError::NotADirectory => K::NotADirectory,
            VfsError::IsADirectory => K::IsADirectory,
            VfsError::DirectoryNotEmpty => K::DirectoryNotEmpty,
            VfsError::SymlinkLoop => K::Other,
            VfsError::InvalidArgument => K::InvalidInput,
            VfsError::NameTooLong => K::InvalidFilename,
            VfsError::NoSpace => K::StorageFull,
            VfsError::QuotaExceeded => K::QuotaExceeded,
            VfsError::NotPermitted => K::PermissionDenied,
            VfsError::NotCapable => K::PermissionDenied,
            VfsError::Busy => K::ResourceBusy,
            VfsError::FileTooLarge => K::FileTooLarge,
            VfsError::BadHandle => K::InvalidInput,
            VfsError::CrossDevice => K::CrossesDevices,
            VfsError::ReadOnly => K::ReadOnlyFilesystem,
        };
        std::io::Error::new(kind, e)
    }
}
