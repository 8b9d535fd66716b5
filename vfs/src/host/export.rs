//! VFS -> host ([`Vfs::export_to_host`]), atomically.
//!
//! Everything is first written into a staging directory that only this
//! export uses: beside the destination when it does not exist yet (then one
//! rename puts the whole tree in place), inside it when an existing host
//! directory is merged into (then each top-most new entry is renamed into
//! place, and each host file it replaces is first renamed into the staging
//! directory, so a failure can move everything back). Conflicts (a
//! directory where a file must go, a host symlink in the way) are found
//! while staging, before the host tree is touched.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{host_child, CopyStats, SkippedKind};
use crate::inode::Kind;
use crate::{FileType, Ino, Vfs};

/// The subdirectories of a merge's staging directory: the new entries, and
/// the host entries they replace (kept until the export is complete).
const STAGED_NEW: &str = "new";
const STAGED_OLD: &str = "old";

impl Vfs {
    /// Copies the guest object at `guest` (absolute guest path; a final
    /// symlink is followed) to `host`: a directory's contents are merged
    /// into the host directory `host` (created with its parents if
    /// missing), a file becomes the host file `host`. Existing host files
    /// and symlinks of the same names are replaced; host entries the guest
    /// tree does not name are left alone. Inside the tree, symlinks are
    /// copied as symlinks (target text verbatim) on Unix and skipped
    /// elsewhere; hard links stay hard links; devices are skipped.
    ///
    /// Atomic: on any error the host tree is as it was (see the module
    /// documentation). Nothing is ever written outside `host`, and an
    /// existing host symlink where a file or directory must go is an error.
    pub fn export_to_host(&self, guest: &str, host: &Path) -> io::Result<CopyStats> {
        let top = self.lookup(guest)?;
        let mut stager = Stager {
            vfs: self,
            stats: CopyStats::default(),
            linked: HashMap::new(),
            buf: Vec::new(),
        };
        match self.stat(top)?.file_type {
            FileType::Directory => stager.export_dir(top, host)?,
            FileType::Regular => stager.export_file(top, host)?,
            _ => stager
                .stats
                .skip(PathBuf::from(guest), SkippedKind::CharDevice),
        }
        Ok(stager.stats)
    }
}

/// One export in progress.
struct Stager<'a> {
    vfs: &'a Vfs,
    stats: CopyStats,
    /// Guest inode of a file with several names -> its first staged copy.
    linked: HashMap<Ino, PathBuf>,
    buf: Vec<u8>,
}

impl Stager<'_> {
    fn export_file(&mut self, ino: Ino, host: &Path) -> io::Result<()> {
        check_replaceable_by_file(host)?;
        let (parent, name) = split_host_path(host)?;
        let created = create_parents(&parent)?;
        let result = (|| {
            let staged = unique_name(&parent, &name, |path| {
                fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(path)
            })?;
            let (file, staged_path) = staged;
            let done = self
                .write_file(ino, file)
                // Checked again: the host may have changed meanwhile.
                .and_then(|()| check_replaceable_by_file(host))
                .and_then(|()| fs::rename(&staged_path, host));
            if done.is_err() {
                let _ = fs::remove_file(&staged_path);
            }
            done
        })();
        if result.is_err() {
            remove_created(&created);
        }
        result
    }

    fn export_dir(&mut self, top: Ino, host: &Path) -> io::Result<()> {
        if host_is_real_dir(host)? {
            return self.merge_dir(top, host);
        }
        let (parent, name) = split_host_path(host)?;
        let created = create_parents(&parent)?;
        let result = (|| {
            let (_, staging) = unique_name(&parent, &name, |p| fs::create_dir(p))?;
            let done = self
                .stage_tree(top, &staging, None)
                .and_then(|()| fs::rename(&staging, host));
            if done.is_err() {
                let _ = fs::remove_dir_all(&staging);
            }
            done
        })();
        match result {
            Ok(()) => {
                self.stats.dirs += 1;
                Ok(())
            }
            Err(e) => {
                remove_created(&created);
                Err(e)
            }
        }
    }

    /// Merges the guest directory `top` into the existing host directory
    /// `host`.
    fn merge_dir(&mut self, top: Ino, host: &Path) -> io::Result<()> {
        // The staging directory must not collide with a guest name, which
        // will be renamed into the same directory.
        let guest_names: Vec<String> = self
            .vfs
            .read_dir(top, crate::dir::FIRST_ENTRY_COOKIE)?
            .into_iter()
            .map(|e| e.name)
            .collect();
        let (_, staging) = unique_name(host, "", |p| {
            let taken = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| guest_names.iter().any(|g| g == n));
            if taken {
                Err(io::Error::from(io::ErrorKind::AlreadyExists))
            } else {
                fs::create_dir(p)
            }
        })?;
        let new = staging.join(STAGED_NEW);
        let old = staging.join(STAGED_OLD);
        let staged = fs::create_dir(&new)
            .and_then(|()| fs::create_dir(&old))
            .and_then(|()| self.stage_tree(top, &new, Some(host)));
        if let Err(e) = staged {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        let mut journal = Vec::new();
        match commit(&new, &old, host, &mut journal) {
            Ok(()) => {
                // Only the replaced host files are left in there.
                let _ = fs::remove_dir_all(&staging);
                Ok(())
            }
            Err(e) => match roll_back(&journal) {
                Ok(()) => {
                    let _ = fs::remove_dir_all(&staging);
                    Err(e)
                }
                Err(undo) => Err(io::Error::new(
                    e.kind(),
                    format!(
                        "{e}; undoing the export also failed ({undo}): replaced files are kept in {}",
                        old.display()
                    ),
                )),
            },
        }
    }

    /// Writes the guest tree under `top` into the empty host directory
    /// `staging`. With `merge_into`, checks that each entry can replace what
    /// the host has at the same place there.
    fn stage_tree(
        &mut self,
        top: Ino,
        staging: &Path,
        merge_into: Option<&Path>,
    ) -> io::Result<()> {
        // (guest dir, its staged path, the host path it will merge into).
        let mut stack: Vec<(Ino, PathBuf, Option<PathBuf>)> = vec![(
            top,
            staging.to_path_buf(),
            merge_into.map(Path::to_path_buf),
        )];
        while let Some((dir, staged_dir, host_dir)) = stack.pop() {
            for entry in self.vfs.read_dir(dir, crate::dir::FIRST_ENTRY_COOKIE)? {
                let staged = host_child(&staged_dir, &entry.name)?;
                let host = match &host_dir {
                    Some(h) => Some(host_child(h, &entry.name)?),
                    None => None,
                };
                let existing = match &host {
                    Some(h) => existing_kind(h)?,
                    None => None,
                };
                match entry.file_type {
                    FileType::Directory => {
                        let merge = match existing {
                            None => None,
                            Some(Existing::Dir) => host,
                            Some(other) => {
                                return Err(other.conflict(host_or(&host, &staged), "a directory"))
                            }
                        };
                        fs::create_dir(&staged)?;
                        self.stats.dirs += 1;
                        stack.push((entry.ino, staged, merge));
                    }
                    FileType::Regular => {
                        if let Some(e @ (Existing::Dir | Existing::Symlink | Existing::Other)) =
                            existing
                        {
                            return Err(e.conflict(host_or(&host, &staged), "a file"));
                        }
                        self.stage_file(entry.ino, &staged)?;
                    }
                    FileType::Symlink => {
                        if let Some(e @ (Existing::Dir | Existing::Other)) = existing {
                            return Err(e.conflict(host_or(&host, &staged), "a symlink"));
                        }
                        self.stage_symlink(entry.ino, &staged)?;
                    }
                    FileType::CharDevice => {
                        let path = self.guest_path(&staged, staging);
                        self.stats.skip(path, SkippedKind::CharDevice);
                    }
                }
            }
        }
        Ok(())
    }

    /// A staged path shown as the guest-relative path it came from.
    fn guest_path(&self, staged: &Path, staging: &Path) -> PathBuf {
        staged.strip_prefix(staging).unwrap_or(staged).to_path_buf()
    }

    fn stage_file(&mut self, ino: Ino, staged: &Path) -> io::Result<()> {
        let several_names = self.vfs.stat(ino)?.nlink > 1;
        if several_names {
            if let Some(first) = self.linked.get(&ino) {
                fs::hard_link(first, staged)?;
                self.stats.hard_links += 1;
                return Ok(());
            }
        }
        // create_new = O_CREAT | O_EXCL in a directory only this export
        // uses: nothing can redirect it.
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(staged)?;
        self.write_file(ino, file)?;
        if several_names {
            self.linked.insert(ino, staged.to_path_buf());
        }
        Ok(())
    }

    /// Copies the contents, mode and times of the guest file `ino` into
    /// the new host file `out`.
    fn write_file(&mut self, ino: Ino, mut out: fs::File) -> io::Result<()> {
        let meta = self.vfs.stat(ino)?;
        if self.buf.len() != crate::data::CHUNK {
            self.buf = vec![0u8; crate::data::CHUNK];
        }
        let mut offset = 0u64;
        loop {
            let n = self.vfs.read_at(ino, offset, &mut self.buf)?;
            if n == 0 {
                break;
            }
            out.write_all(&self.buf[..n])?;
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
        self.stats.files += 1;
        self.stats.bytes += offset;
        Ok(())
    }

    #[cfg(unix)]
    fn stage_symlink(&mut self, ino: Ino, staged: &Path) -> io::Result<()> {
        let target = match &self.vfs.table.get(ino)?.kind {
            Kind::Symlink(t) => t.clone(),
            _ => return Ok(()),
        };
        std::os::unix::fs::symlink(&*target, staged)?;
        self.stats.symlinks += 1;
        Ok(())
    }

    #[cfg(not(unix))]
    fn stage_symlink(&mut self, _ino: Ino, staged: &Path) -> io::Result<()> {
        self.stats.skip(staged.to_path_buf(), SkippedKind::Other);
        Ok(())
    }
}

fn host_or(host: &Option<PathBuf>, staged: &Path) -> PathBuf {
    host.clone().unwrap_or_else(|| staged.to_path_buf())
}

/// What the host has where an exported entry goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Existing {
    File,
    Dir,
    Symlink,
    Other,
}

impl Existing {
    fn conflict(self, path: PathBuf, wanted: &str) -> io::Error {
        let (kind, what) = match self {
            Existing::Dir => (io::ErrorKind::IsADirectory, "is a directory"),
            Existing::Symlink => (
                io::ErrorKind::AlreadyExists,
                "is a symlink (never followed or replaced)",
            ),
            Existing::File => (io::ErrorKind::AlreadyExists, "is a file"),
            Existing::Other => (
                io::ErrorKind::AlreadyExists,
                "is not a regular file, directory or symlink",
            ),
        };
        io::Error::new(
            kind,
            format!("cannot export {wanted} to {}: it {what}", path.display()),
        )
    }
}

/// What is at `path` on the host (never following a symlink).
fn existing_kind(path: &Path) -> io::Result<Option<Existing>> {
    match fs::symlink_metadata(path) {
        Ok(meta) => {
            let t = meta.file_type();
            Ok(Some(if t.is_symlink() {
                Existing::Symlink
            } else if t.is_dir() {
                Existing::Dir
            } else if t.is_file() {
                Existing::File
            } else {
                Existing::Other
            }))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether `path` is an existing directory that is not a symlink. An
/// existing symlink or non-directory is an error (never followed).
fn host_is_real_dir(path: &Path) -> io::Result<bool> {
    match existing_kind(path)? {
        None => Ok(false),
        Some(Existing::Dir) => Ok(true),
        Some(other) => Err(other.conflict(path.to_path_buf(), "a directory")),
    }
}

fn check_replaceable_by_file(path: &Path) -> io::Result<()> {
    match existing_kind(path)? {
        None | Some(Existing::File) => Ok(()),
        Some(other) => Err(other.conflict(path.to_path_buf(), "a file")),
    }
}

/// The directory `path` is in and its last component.
fn split_host_path(path: &Path) -> io::Result<(PathBuf, String)> {
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not end in a UTF-8 file name", path.display()),
        )
    })?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name.to_string()))
}

/// Creates the missing directories of `dir`; returns them, deepest first,
/// so a failed export can remove them again.
fn create_parents(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(p) = at {
        if p.as_os_str().is_empty() || existing_kind(p)?.is_some() {
            break;
        }
        missing.push(p.to_path_buf());
        at = p.parent();
    }
    let mut created = Vec::new();
    for p in missing.iter().rev() {
        if let Err(e) = fs::create_dir(p) {
            remove_created(&created);
            return Err(e);
        }
        created.insert(0, p.clone());
    }
    Ok(created)
}

fn remove_created(created: &[PathBuf]) {
    for p in created {
        let _ = fs::remove_dir(p);
    }
}

/// Creates a staging object `DIR/.NAME.wasiland-export-PID-N` with `make`,
/// trying further numbers while the name is taken.
fn unique_name<T>(
    dir: &Path,
    name: &str,
    mut make: impl FnMut(&Path) -> io::Result<T>,
) -> io::Result<(T, PathBuf)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = if name.is_empty() {
        String::from(".")
    } else {
        format!(".{name}.")
    };
    let mut last = None;
    for _ in 0..1000 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(
            "{prefix}wasiland-export-{}-{n}",
            std::process::id()
        ));
        match make(&path) {
            Ok(made) => return Ok((made, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)))
}

/// One rename done while committing a merge, to undo it on failure.
struct Renamed {
    from: PathBuf,
    to: PathBuf,
}

/// Moves the staged tree `new` into `target`: an entry the host lacks is
/// renamed into place whole; a directory both have is descended into; a
/// host file or symlink is first renamed into `old`, then replaced.
fn commit(new: &Path, old: &Path, target: &Path, journal: &mut Vec<Renamed>) -> io::Result<()> {
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let mut entries = fs::read_dir(new.join(&rel))?.collect::<io::Result<Vec<_>>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let rel_name = rel.join(entry.file_name());
            let staged = entry.path();
            let dest = target.join(&rel_name);
            let staged_is_dir = entry.file_type()?.is_dir();
            match existing_kind(&dest)? {
                None => {}
                Some(Existing::Dir) if staged_is_dir => {
                    stack.push(rel_name);
                    continue;
                }
                Some(e @ (Existing::File | Existing::Symlink)) if !staged_is_dir => {
                    if e == Existing::Symlink && entry.file_type()?.is_file() {
                        return Err(e.conflict(dest, "a file"));
                    }
                    let backup = old.join(&rel_name);
                    if let Some(p) = backup.parent() {
                        fs::create_dir_all(p)?;
                    }
                    fs::rename(&dest, &backup)?;
                    journal.push(Renamed {
                        from: dest.clone(),
                        to: backup,
                    });
                }
                Some(e) => {
                    let wanted = if staged_is_dir {
                        "a directory"
                    } else {
                        "a file"
                    };
                    return Err(e.conflict(dest, wanted));
                }
            }
            fs::rename(&staged, &dest)?;
            journal.push(Renamed {
                from: staged,
                to: dest,
            });
        }
    }
    Ok(())
}

/// Undoes the renames of a failed commit, last first.
fn roll_back(journal: &[Renamed]) -> io::Result<()> {
    let mut first_error = None;
    for step in journal.iter().rev() {
        if let Err(e) = fs::rename(&step.to, &step.from) {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rename that fails half-way through a commit is undone: the entry
    /// already moved goes back, the host keeps what it had.
    #[test]
    fn a_commit_that_fails_half_way_is_rolled_back() {
        let tmp = tempfile::tempdir().expect("tmp");
        let (new, old, target) = (
            tmp.path().join("new"),
            tmp.path().join("old"),
            tmp.path().join("target"),
        );
        fs::create_dir(&new).expect("mkdir");
        fs::create_dir(&target).expect("mkdir");
        fs::write(new.join("a"), b"new a").expect("write");
        fs::write(new.join("b"), b"new b").expect("write");
        fs::write(target.join("b"), b"host b").expect("write");
        // Backing up `b` needs `old` to be a directory: make that fail.
        fs::write(&old, b"not a directory").expect("write");
        let mut journal = Vec::new();
        assert!(commit(&new, &old, &target, &mut journal).is_err());
        assert_eq!(journal.len(), 1, "a was moved before b failed");
        roll_back(&journal).expect("roll back");
        assert!(!target.join("a").exists());
        assert_eq!(fs::read(target.join("b")).expect("read"), b"host b");
        assert_eq!(fs::read(new.join("a")).expect("read"), b"new a");
    }
}
