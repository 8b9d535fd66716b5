//! Host tree -> VFS ([`Vfs::import_host_dir`]).

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::{invalid, CopyStats, SkippedKind};
use crate::data::{FileData, CHUNK};
use crate::inode::Kind;
use crate::{FileType, Ino, SetTime, Vfs};

/// Nanoseconds since the epoch of a host time, if representable.
fn host_ns(time: io::Result<std::time::SystemTime>) -> Option<u64> {
    let t = time.ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    u64::try_from(t.as_nanos()).ok().filter(|&ns| ns > 0)
}

#[cfg(unix)]
fn host_mode(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn host_mode(meta: &fs::Metadata) -> u32 {
    if meta.permissions().readonly() {
        0o444
    } else {
        0o644
    }
}

/// The identity of a host file with several names, to copy it once.
#[cfg(unix)]
fn link_key(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    (meta.nlink() > 1).then(|| (meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn link_key(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Opens the regular file that was listed at `path` as `listed`: never
/// following a symlink and never blocking (a FIFO swapped in after the
/// listing must not hang the copy), and only if it is still that file.
fn open_listed_file(path: &Path, listed: &fs::Metadata) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        // The flag bits are small constants: they fit an i32.
        options.custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32);
    }
    let file = options.open(path)?;
    let opened = file.metadata()?;
    #[cfg(unix)]
    let same = {
        use std::os::unix::fs::MetadataExt;
        (opened.dev(), opened.ino()) == (listed.dev(), listed.ino())
    };
    #[cfg(not(unix))]
    let same = listed.is_file();
    if !opened.is_file() || !same {
        return Err(io::Error::other(format!(
            "{} changed while it was being copied",
            path.display()
        )));
    }
    Ok(file)
}

/// Where the next data of `file` at or after `pos` may start: past a hole
/// the system reports (so a sparse file's holes are never read), `pos`
/// itself when it cannot tell. Only a hole left: the `reported` size.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn next_data(file: &fs::File, pos: u64, reported: u64) -> u64 {
    match rustix::fs::seek(file, rustix::fs::SeekFrom::Data(pos)) {
        Ok(start) => start.max(pos),
        Err(rustix::io::Errno::NXIO) => pos.max(reported),
        Err(_) => pos,
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn next_data(_file: &fs::File, pos: u64, _reported: u64) -> u64 {
    pos
}

/// Reads until `buf` is full or the end of the file.
fn read_full(file: &mut fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn no_space(path: &Path, size: u64, left: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::StorageFull,
        format!(
            "{} ({size} bytes) does not fit in the sandbox's filesystem limit ({left} bytes left)",
            path.display()
        ),
    )
}

/// One import in progress (on the transaction copy of the filesystem).
struct Importer<'a> {
    vfs: &'a mut Vfs,
    stats: CopyStats,
    /// Host (device, inode) of files with several names -> where the first
    /// copy went (guest directory, name).
    linked: HashMap<(u64, u64), (Ino, String)>,
    buf: Vec<u8>,
}

impl Vfs {
    /// Copies the host directory tree `host` into the directory `guest`
    /// (absolute guest path, created with its parents if missing). Host
    /// symlinks inside the tree become symlinks with the same target text and
    /// are never followed; `host` itself is followed if it is a symlink.
    /// FIFOs, sockets and devices are skipped (never opened) and listed in
    /// the result. Permission bits, modification times and hard links are
    /// kept. Existing guest files of the same names are replaced. All or
    /// nothing: on any error (unreadable host entry, non-UTF-8 name, a file
    /// larger than the byte quota leaves room for, which is refused before
    /// it is read) the filesystem is left as it was.
    pub fn import_host_dir(&mut self, host: &Path, guest: &str) -> io::Result<CopyStats> {
        let mut work = self.transaction_copy();
        let stats = Importer {
            vfs: &mut work,
            stats: CopyStats::default(),
            linked: HashMap::new(),
            buf: Vec::new(),
        }
        .run(host, guest)?;
        *self = work;
        Ok(stats)
    }

    /// Removes whatever `name` in `dir` is (a whole tree for a directory),
    /// so an import can put its own object there.
    fn replace_name(&mut self, dir: Ino, name: &str) -> io::Result<()> {
        match crate::embed::remove_tree(self, dir, name) {
            Ok(()) | Err(crate::VfsError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

impl Importer<'_> {
    fn run(mut self, host: &Path, guest: &str) -> io::Result<CopyStats> {
        let top = fs::metadata(host)?;
        if !top.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", host.display()),
            ));
        }
        if self.vfs.lookup(guest).is_err() {
            self.stats.dirs += 1;
        }
        self.vfs.create_dir_all(guest)?;
        let top_ino = self.vfs.lookup(guest)?;
        if self.vfs.stat(top_ino)?.file_type != FileType::Directory {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                guest.to_string(),
            ));
        }
        // Explicit stack of (host dir, guest dir inode): no recursion.
        let mut stack: Vec<(PathBuf, Ino)> = vec![(host.to_path_buf(), top_ino)];
        while let Some((dir, ino)) = stack.pop() {
            let mut entries = fs::read_dir(&dir)?.collect::<io::Result<Vec<_>>>()?;
            // Deterministic order in the guest listing.
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                let name_os = entry.file_name();
                let path = entry.path();
                let name = name_os
                    .to_str()
                    .ok_or_else(|| invalid(format!("host name {} is not UTF-8", path.display())))?;
                let meta = fs::symlink_metadata(&path)?;
                let kind = meta.file_type();
                if kind.is_symlink() {
                    self.symlink(&path, ino, name)?;
                } else if kind.is_dir() {
                    stack.push((path, self.dir(&meta, ino, name)?));
                } else if kind.is_file() {
                    self.file(&path, &meta, ino, name)?;
                } else {
                    self.stats.skip(path, SkippedKind::of(kind));
                }
            }
        }
        Ok(self.stats)
    }

    fn symlink(&mut self, path: &Path, dir: Ino, name: &str) -> io::Result<()> {
        let target = fs::read_link(path)?;
        let target = target
            .to_str()
            .ok_or_else(|| invalid(format!("symlink {} is not UTF-8", path.display())))?;
        self.vfs.replace_name(dir, name)?;
        self.vfs.symlink(target, dir, name)?;
        self.stats.symlinks += 1;
        Ok(())
    }

    /// The guest directory for a host one (an existing guest directory of
    /// that name is merged into).
    fn dir(&mut self, meta: &fs::Metadata, parent: Ino, name: &str) -> io::Result<Ino> {
        let child = match self.vfs.resolve(parent, name, false) {
            Ok(child) if self.vfs.stat(child)?.file_type == FileType::Directory => child,
            _ => {
                self.vfs.replace_name(parent, name)?;
                self.stats.dirs += 1;
                self.vfs.mkdir(parent, name, host_mode(meta))?
            }
        };
        self.vfs.set_mode(child, host_mode(meta))?;
        Ok(child)
    }

    fn file(&mut self, path: &Path, meta: &fs::Metadata, dir: Ino, name: &str) -> io::Result<()> {
        self.vfs.replace_name(dir, name)?;
        let key = link_key(meta);
        if let Some((first_dir, first_name)) = key.and_then(|k| self.linked.get(&k).cloned()) {
            self.vfs.link(first_dir, &first_name, false, dir, name)?;
            self.stats.hard_links += 1;
            return Ok(());
        }
        // Refuse a file that cannot fit before reading any of it.
        let left = match self.vfs.quotas().max_bytes {
            Some(max) => max.saturating_sub(self.vfs.usage().bytes),
            None => u64::MAX,
        };
        if meta.len() > left {
            return Err(no_space(path, meta.len(), left));
        }
        let mut host_file = open_listed_file(path, meta)?;
        let contents = Kind::File(FileData::default());
        let file = crate::ns::create_node(self.vfs, dir, name, contents, host_mode(meta))?;
        // Streamed a chunk at a time; the host's holes are skipped unread
        // and all-zero chunks are left as holes too. The file may grow
        // while it is read: the quota still bounds it.
        if self.buf.len() != CHUNK {
            self.buf = vec![0u8; CHUNK];
        }
        let mut size = 0u64;
        loop {
            let data = next_data(&host_file, size, meta.len());
            if data != size {
                if data > left {
                    return Err(no_space(path, data, left));
                }
                host_file.seek(SeekFrom::Start(data))?;
                size = data;
            }
            let n = read_full(&mut host_file, &mut self.buf)?;
            if n == 0 {
                break;
            }
            let end = size + n as u64;
            if end > left {
                return Err(no_space(path, end, left));
            }
            if self.buf[..n].iter().any(|&b| b != 0) {
                self.vfs.write_at(file, size, &self.buf[..n])?;
            }
            size = end;
        }
        self.vfs.set_len(file, size)?;
        if let Some(mtime) = host_ns(meta.modified()) {
            self.vfs.set_times(
                file,
                SetTime::At(host_ns(meta.accessed()).unwrap_or(mtime)),
                SetTime::At(mtime),
            )?;
        }
        if let Some(k) = key {
            self.linked.insert(k, (dir, name.to_string()));
        }
        self.stats.files += 1;
        self.stats.bytes += size;
        Ok(())
    }
}
