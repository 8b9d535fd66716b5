//! Copying between the VFS and the host filesystem (feature `std`).
//!
//! These are explicit embedder calls; nothing a guest does can reach them.
//!
//! * [`Vfs::import_host_dir`] copies a host tree in: directories, regular
//!   files and symlinks (as symlinks, target text verbatim, never followed).
//!   Other host objects (sockets, fifos, devices) are skipped and counted.
//!   The import is all or nothing: it runs on a copy-on-write fork and
//!   replaces the filesystem only when every entry was copied.
//! * [`Vfs::export_to_host`] copies a guest subtree out. It never writes
//!   outside the host directory it is given: guest names cannot contain `/`
//!   and are never `.` or `..` (checked again here), files are created with
//!   `create_new` (which does not follow a symlink planted at the final
//!   name), and an existing host symlink where a file or directory must go is
//!   refused rather than followed.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::inode::Kind;
use crate::{FileType, Ino, SetTime, Vfs};

/// What an import or export copied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CopyStats {
    /// Regular files copied.
    pub files: u64,
    /// Directories created (the top directory included when it was created).
    pub dirs: u64,
    /// Symlinks copied.
    pub symlinks: u64,
    /// Bytes of file contents copied.
    pub bytes: u64,
    /// Objects skipped: host sockets, fifos and devices on import; guest
    /// devices on export.
    pub skipped: u64,
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn utf8_name(name: &std::ffi::OsStr) -> io::Result<&str> {
    name.to_str()
        .ok_or_else(|| invalid(format!("host name {name:?} is not UTF-8")))
}

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

impl Vfs {
    /// Copies the host directory tree `host` into the directory `guest`
    /// (absolute guest path, created with its parents if missing). Host
    /// symlinks inside the tree become symlinks with the same target text and
    /// are never followed; `host` itself is followed if it is a symlink.
    /// Permission bits and modification times are copied. Existing guest
    /// files of the same names are replaced. All or nothing: on any error
    /// (unreadable host entry, non-UTF-8 name, a quota) the filesystem is
    /// left as it was.
    pub fn import_host_dir(&mut self, host: &Path, guest: &str) -> io::Result<CopyStats> {
        let mut work = self.transaction_copy();
        let stats = work.import_into(host, guest)?;
        *self = work;
        Ok(stats)
    }

    fn import_into(&mut self, host: &Path, guest: &str) -> io::Result<CopyStats> {
        let mut stats = CopyStats::default();
        let top = fs::metadata(host)?;
        if !top.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", host.display()),
            ));
        }
        if self.lookup(guest).is_err() {
            stats.dirs += 1;
        }
        self.create_dir_all(guest)?;
        let top_ino = self.lookup(guest)?;
        if !self.stat(top_ino)?.file_type.eq(&FileType::Directory) {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                guest.to_string(),
            ));
        }
        // Explicit stack of (host dir, guest dir inode).
        let mut stack: Vec<(PathBuf, Ino)> = vec![(host.to_path_buf(), top_ino)];
        while let Some((dir, ino)) = stack.pop() {
            let mut entries = fs::read_dir(&dir)?.collect::<io::Result<Vec<_>>>()?;
            // Deterministic order in the guest listing.
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                let name_os = entry.file_name();
                let name = utf8_name(&name_os)?;
                let path = entry.path();
                let meta = fs::symlink_metadata(&path)?;
                let kind = meta.file_type();
                if kind.is_symlink() {
                    let target = fs::read_link(&path)?;
                    let target = target.to_str().ok_or_else(|| {
                        invalid(format!("symlink {} is not UTF-8", path.display()))
                    })?;
                    self.replace_name(ino, name)?;
                    self.symlink(target, ino, name)?;
                    stats.symlinks += 1;
                } else if kind.is_dir() {
                    let child = match self.resolve(ino, name, false) {
                        Ok(child) if self.stat(child)?.file_type == FileType::Directory => child,
                        _ => {
                            self.replace_name(ino, name)?;
                            stats.dirs += 1;
                            self.mkdir(ino, name, host_mode(&meta))?
                        }
                    };
                    self.set_mode(child, host_mode(&meta))?;
                    stack.push((path, child));
                } else if kind.is_file() {
                    let data = bytes::Bytes::from(fs::read(&path)?);
                    stats.bytes += data.len() as u64;
                    stats.files += 1;
                    self.replace_name(ino, name)?;
                    let contents = Kind::File(crate::data::FileData::from_bytes(data));
                    let file = crate::ns::create_node(self, ino, name, contents, host_mode(&meta))?;
                    if let Some(mtime) = host_ns(meta.modified()) {
                        self.set_times(
                            file,
                            SetTime::At(host_ns(meta.accessed()).unwrap_or(mtime)),
                            SetTime::At(mtime),
                        )?;
                    }
                } else {
                    stats.skipped += 1;
                }
            }
        }
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

    /// Copies the guest object at `guest` (absolute guest path; a final
    /// symlink is followed) to `host`: a directory's contents go into the host
    /// directory `host` (created if missing), a file becomes the host file
    /// `host`. Inside the tree, symlinks are copied as symlinks (target text
    /// verbatim) on Unix and skipped elsewhere; devices are skipped. Nothing
    /// is ever written outside `host`: see the module documentation.
    /// Existing host files of the same names are replaced; an existing host
    /// symlink in the way is an error.
    pub fn export_to_host(&self, guest: &str, host: &Path) -> io::Result<CopyStats> {
        let mut stats = CopyStats::default();
        let top = self.lookup(guest)?;
        match self.stat(top)?.file_type {
            FileType::Directory => {
                if !host_is_real_dir(host)? {
                    fs::create_dir_all(host)?;
                    stats.dirs += 1;
                }
                self.export_dir(top, host, &mut stats)?;
            }
            FileType::Regular => self.export_file(top, host, &mut stats)?,
            _ => stats.skipped += 1,
        }
        Ok(stats)
    }

    fn export_dir(&self, top: Ino, host: &Path, stats: &mut CopyStats) -> io::Result<()> {
        let mut stack: Vec<(Ino, PathBuf)> = vec![(top, host.to_path_buf())];
        while let Some((dir, host_dir)) = stack.pop() {
            for entry in self.read_dir(dir, crate::dir::FIRST_ENTRY_COOKIE)? {
                let path = host_child(&host_dir, &entry.name)?;
                match entry.file_type {
                    FileType::Directory => {
                        if !host_is_real_dir(&path)? {
                            fs::create_dir(&path)?;
                            stats.dirs += 1;
                        }
                        stack.push((entry.ino, path));
                    }
                    FileType::Regular => self.export_file(entry.ino, &path, stats)?,
                    FileType::Symlink => {
                        let target = match &self.table.get(entry.ino)?.kind {
                            Kind::Symlink(t) => t.clone(),
                            _ => continue,
                        };
                        export_symlink(&target, &path, stats)?;
                    }
                    FileType::CharDevice => stats.skipped += 1,
                }
            }
        }
        Ok(())
    }

    fn export_file(&self, ino: Ino, path: &Path, stats: &mut CopyStats) -> io::Result<()> {
        use std::io::Write;
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("refusing to write through host symlink {}", path.display()),
                ));
            }
            Ok(meta) if meta.is_dir() => {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    format!("{} is a directory", path.display()),
                ));
            }
            Ok(_) => fs::remove_file(path)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        // create_new = O_CREAT | O_EXCL: fails on anything at `path`, a
        // symlink included, so it cannot be redirected.
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        let meta = self.stat(ino)?;
        let mut offset = 0u64;
        let mut buf = vec![0u8; crate::data::CHUNK];
        loop {
            let n = self.read_at(ino, offset, &mut buf)?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n])?;
            offset += n as u64;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            out.set_permissions(fs::Permissions::from_mode(meta.mode & 0o777))?;
        }
        let to_time = |ns: u64| std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns);
        let times = fs::FileTimes::new()
            .set_accessed(to_time(meta.atime))
            .set_modified(to_time(meta.mtime));
        out.set_times(times)?;
        stats.files += 1;
        stats.bytes += offset;
        Ok(())
    }
}

/// Whether `path` is an existing directory that is not a symlink. An
/// existing symlink or non-directory is an error (never followed).
fn host_is_real_dir(path: &Path) -> io::Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("refusing to follow host symlink {}", path.display()),
        )),
        Ok(meta) if meta.is_dir() => Ok(true),
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a directory", path.display()),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn export_symlink(target: &str, path: &Path, stats: &mut CopyStats) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!("{} is a directory", path.display()),
            ));
        }
        // Replacing a file or symlink only removes that name.
        Ok(_) => fs::remove_file(path)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::os::unix::fs::symlink(target, path)?;
    stats.symlinks += 1;
    Ok(())
}

#[cfg(not(unix))]
fn export_symlink(_target: &str, _path: &Path, stats: &mut CopyStats) -> io::Result<()> {
    stats.skipped += 1;
    Ok(())
}
