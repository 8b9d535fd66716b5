//! Copying between the VFS and the host filesystem (feature `std`).
//!
//! These are explicit embedder calls; nothing a guest does can reach them.
//!
//! * [`Vfs::import_host_dir`] copies a host tree in: directories, regular
//!   files and symlinks (as symlinks, target text verbatim, never followed).
//!   Other host objects (FIFOs, sockets, devices) are skipped and listed in
//!   [`CopyStats::skipped`]; none is ever opened, so a FIFO cannot block the
//!   copy. Files are streamed in chunks against the byte quota (a file
//!   larger than what is left is refused before a byte of it is read), zero
//!   chunks stay holes, and host hard links stay hard links. The import is
//!   all or nothing: it runs on a copy-on-write fork and replaces the
//!   filesystem only when every entry was copied. The host tree is only
//!   read.
//! * [`Vfs::export_to_host`] copies a guest subtree out, atomically: the
//!   tree is written into a staging directory beside its destination and
//!   then renamed into place, so on any failure the host tree is left as it
//!   was. Hard links stay hard links. It never writes outside the host path
//!   it is given: guest names cannot contain `/` and are never `.` or `..`
//!   (checked again here), and an existing host symlink where a file or
//!   directory must go is refused rather than followed.

mod export;
mod import;

use std::io;
use std::path::{Component, Path, PathBuf};

/// What an import or export copied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyStats {
    /// Regular files copied (each file once, whatever its number of names).
    pub files: u64,
    /// Further names of files already copied, made hard links again.
    pub hard_links: u64,
    /// Directories created (the top directory included when it was created).
    pub dirs: u64,
    /// Symlinks copied.
    pub symlinks: u64,
    /// Bytes of file contents copied (logical sizes; each file once).
    pub bytes: u64,
    /// Objects not copied: host FIFOs, sockets and devices on import; guest
    /// devices on export (the first [`MAX_LISTED_SKIPS`]; `skipped_count`
    /// counts them all).
    pub skipped: Vec<Skipped>,
    /// How many objects were skipped in all.
    pub skipped_count: u64,
}

/// How many skipped objects [`CopyStats::skipped`] lists by name.
pub const MAX_LISTED_SKIPS: usize = 100;

/// An object an import or export did not copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// Its path: on the host for an import, in the VFS for an export.
    pub path: PathBuf,
    /// What it is.
    pub kind: SkippedKind,
}

/// The kinds of objects that are not copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkippedKind {
    /// A named pipe.
    Fifo,
    /// A Unix socket.
    Socket,
    /// A character device (on export: a VFS device such as `/dev/null`).
    CharDevice,
    /// A block device.
    BlockDevice,
    /// Anything else the host reports.
    Other,
}

impl SkippedKind {
    /// "a FIFO", "a socket", ...
    pub fn describe(self) -> &'static str {
        match self {
            SkippedKind::Fifo => "a FIFO",
            SkippedKind::Socket => "a socket",
            SkippedKind::CharDevice => "a character device",
            SkippedKind::BlockDevice => "a block device",
            SkippedKind::Other => "not a regular file, directory or symlink",
        }
    }

    #[cfg(unix)]
    fn of(kind: std::fs::FileType) -> SkippedKind {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            SkippedKind::Fifo
        } else if kind.is_socket() {
            SkippedKind::Socket
        } else if kind.is_char_device() {
            SkippedKind::CharDevice
        } else if kind.is_block_device() {
            SkippedKind::BlockDevice
        } else {
            SkippedKind::Other
        }
    }

    #[cfg(not(unix))]
    fn of(_kind: std::fs::FileType) -> SkippedKind {
        SkippedKind::Other
    }
}

impl CopyStats {
    fn skip(&mut self, path: PathBuf, kind: SkippedKind) {
        self.skipped_count += 1;
        if self.skipped.len() < MAX_LISTED_SKIPS {
            self.skipped.push(Skipped { path, kind });
        }
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Joins a guest name onto a host directory, refusing anything that is not
/// one plain component.
fn host_child(dir: &Path, name: &str) -> io::Result<PathBuf> {
    let mut parts = Path::new(name).components();
    match (parts.next(), parts.next()) {
        (Some(Component::Normal(_)), None)
            if !name.contains('/') && (cfg!(unix) || !name.contains('\\')) =>
        {
            Ok(dir.join(name))
        }
        _ => Err(invalid(format!(
            "guest name {name:?} is not a single path component"
        ))),
    }
}
