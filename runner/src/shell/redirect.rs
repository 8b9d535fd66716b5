//! Redirections: opening files in the VFS as shared open file
//! descriptions, duplicating and closing descriptors, here-documents and
//! here-strings.

use super::exec::{RedirError, Shell};
use crate::exec::absolute;
use brush_parser::ast::{self, IoFileRedirectKind as K, IoFileRedirectTarget as T};
use std::sync::Arc;
use wasiland_vfs::{FileType, OpenOptions, VfsError};
use wasiland_wasi_host::{BytesInput, OpenFile, Stdio};

/// bash's wording of a filesystem error.
pub(crate) fn vfs_message(e: VfsError) -> &'static str {
    match e {
        VfsError::NotFound => "No such file or directory",
        VfsError::AlreadyExists => "File exists",
        VfsError::NotADirectory => "Not a directory",
        VfsError::IsADirectory => "Is a directory",
        VfsError::DirectoryNotEmpty => "Directory not empty",
        VfsError::SymlinkLoop => "Too many levels of symbolic links",
        VfsError::NameTooLong => "File name too long",
        VfsError::NoSpace => "No space left on device",
        VfsError::QuotaExceeded => "Disk quota exceeded",
        VfsError::FileTooLarge => "File too large",
        VfsError::Busy => "Device or resource busy",
        VfsError::ReadOnly => "Read-only file system",
        _ => "Permission denied",
    }
}

impl<'a> Shell<'a> {
    /// Open `path` (relative to the cwd) for a redirection.
    pub(crate) fn open_path(
        &self,
        path: &str,
        read: bool,
        write: bool,
        create: bool,
        truncate: bool,
        append: bool,
    ) -> Result<Stdio, String> {
        // The descriptors bash knows by name.
        match path {
            "/dev/stdin" => return Ok(self.fds.get(0).cloned().unwrap_or(Stdio::Null)),
            "/dev/stdout" => return Ok(self.fds.get(1).cloned().unwrap_or(Stdio::Null)),
            "/dev/stderr" => return Ok(self.fds.get(2).cloned().unwrap_or(Stdio::Null)),
            _ => {}
        }
        if let Some(n) = path
            .strip_prefix("/dev/fd/")
            .and_then(|n| n.parse::<usize>().ok())
        {
            return self
                .fds
                .get(n)
                .cloned()
                .ok_or_else(|| format!("{path}: Bad file descriptor"));
        }
        if path.is_empty() {
            return Err(": No such file or directory".to_string());
        }
        let abs = absolute(self.st.cwd(), path);
        let rel = abs.trim_start_matches('/').to_string();
        // Opened and held under one lock: an unlink or rename between the
        // lookup and the hold would leave a descriptor to a freed inode.
        let ino = {
            let mut vfs = self.exec.vfs.lock();
            let root = vfs.root();
            if rel.is_empty() {
                if write {
                    return Err(format!("{path}: Is a directory"));
                }
                vfs.retain(root);
                root
            } else {
                let opts = OpenOptions {
                    create,
                    exclusive: false,
                    truncate: false,
                    directory: false,
                    follow: true,
                    mode: 0o644,
                };
                let (ino, meta) = vfs
                    .open_retained(root, &rel, &opts)
                    .map_err(|e| format!("{path}: {}", vfs_message(e)))?;
                let refused = if meta.file_type == FileType::Directory && write {
                    Some("Is a directory")
                } else if truncate && meta.file_type == FileType::Regular {
                    vfs.set_len(ino, 0).err().map(vfs_message)
                } else {
                    None
                };
                if let Some(why) = refused {
                    vfs.release(ino);
                    return Err(format!("{path}: {why}"));
                }
                ino
            }
        };
        Ok(Stdio::File(OpenFile::adopt(
            &self.exec.vfs,
            ino,
            read,
            write,
            append,
        )))
    }

    fn noclobber_check(&self, path: &str) -> Result<(), String> {
        if !self.st.options.noclobber {
            return Ok(());
        }
        let abs = absolute(self.st.cwd(), path);
        let vfs = self.exec.vfs.lock();
        if let Ok(m) = vfs.metadata(&abs, true) {
            if m.file_type == FileType::Regular {
                return Err(format!("{path}: cannot overwrite existing file"));
            }
        }
        Ok(())
    }

    /// Expand a redirection target word (one field).
    fn redirect_target(&mut self, w: &ast::Word) -> Result<String, RedirError> {
        let fields = self.expand_word_fields(w)?;
        if fields.len() != 1 {
            return Err(RedirError::Msg(format!("{}: ambiguous redirect", w.value)));
        }
        Ok(fields.into_iter().next().unwrap_or_default())
    }

    /// Apply redirections to this shell's fds, in order.
    pub(crate) fn apply_redirects(&mut self, redirs: &[ast::IoRedirect]) -> Result<(), RedirError> {
        for r in redirs {
            self.apply_redirect(r)?;
        }
        Ok(())
    }

    /// bash refuses descriptors at or past the open-files limit.
    fn check_fd(&self, fd: usize) -> Result<usize, RedirError> {
        if fd >= self.exec.limits.open_files {
            return Err(RedirError::Msg(format!("{fd}: Bad file descriptor")));
        }
        Ok(fd)
    }

    fn apply_redirect(&mut self, r: &ast::IoRedirect) -> Result<(), RedirError> {
        match r {
            ast::IoRedirect::File(fd, kind, target) => {
                let default_fd = match kind {
                    K::Read | K::ReadAndWrite | K::DuplicateInput => 0,
                    _ => 1,
                };
                let fd = self.check_fd(fd.map_or(default_fd, |f| f as usize))?;
                match (kind, target) {
                    (K::DuplicateInput | K::DuplicateOutput, T::Fd(src)) => {
                        self.dup_fd(*src as usize, fd)?;
                    }
                    (K::DuplicateInput | K::DuplicateOutput, T::Duplicate(w)) => {
                        let word = self.redirect_target(w)?;
                        if word == "-" {
                            self.fds.set(fd, None);
                        } else if let Ok(src) = word.parse::<usize>() {
                            self.dup_fd(src, fd)?;
                        } else if let Some(src) =
                            word.strip_suffix('-').and_then(|s| s.parse::<usize>().ok())
                        {
                            self.dup_fd(src, fd)?;
                            self.fds.set(src, None);
                        } else if matches!(kind, K::DuplicateOutput) && fd == 1 {
                            // `>&file` is `&>file`.
                            let f = self
                                .open_path(&word, false, true, true, true, false)
                                .map_err(RedirError::Msg)?;
                            self.fds.set(1, Some(f.clone()));
                            self.fds.set(2, Some(f));
                        } else {
                            return Err(RedirError::Msg(format!("{word}: ambiguous redirect")));
                        }
                    }
                    (_, T::Fd(src)) => self.dup_fd(*src as usize, fd)?,
                    (_, target) => {
                        let path = match target {
                            T::Filename(w) => self.redirect_target(w)?,
                            T::ProcessSubstitution(k, s) => {
                                let words = [super::exec::ArgWord::ProcSub(k, s)];
                                self.expand_args(&words)?
                                    .into_iter()
                                    .next()
                                    .unwrap_or_default()
                            }
                            T::Duplicate(w) => self.redirect_target(w)?,
                            T::Fd(_) => unreachable_fd(),
                        };
                        let f = match kind {
                            K::Read => self.open_path(&path, true, false, false, false, false),
                            K::Write => {
                                self.noclobber_check(&path).map_err(RedirError::Msg)?;
                                self.open_path(&path, false, true, true, true, false)
                            }
                            K::Clobber => self.open_path(&path, false, true, true, true, false),
                            K::Append => self.open_path(&path, false, true, true, false, true),
                            K::ReadAndWrite => {
                                self.open_path(&path, true, true, true, false, false)
                            }
                            K::DuplicateInput => {
                                self.open_path(&path, true, false, false, false, false)
                            }
                            K::DuplicateOutput => {
                                self.open_path(&path, false, true, true, true, false)
                            }
                        }
                        .map_err(RedirError::Msg)?;
                        self.fds.set(fd, Some(f));
                    }
                }
            }
            ast::IoRedirect::HereDocument(fd, doc) => {
                let fd = self.check_fd(fd.map_or(0, |f| f as usize))?;
                let mut body = if doc.requires_expansion {
                    self.expand_heredoc(&doc.doc.value)?
                } else {
                    doc.doc.value.clone()
                };
                if doc.remove_tabs {
                    body = body
                        .split_inclusive('\n')
                        .map(|l| l.trim_start_matches('\t'))
                        .collect();
                }
                self.fds.set(
                    fd,
                    Some(Stdio::Input(Arc::new(BytesInput::new(body.into_bytes())))),
                );
            }
            ast::IoRedirect::HereString(fd, w) => {
                let fd = self.check_fd(fd.map_or(0, |f| f as usize))?;
                let mut s = self.expand_word_string(w)?;
                s.push('\n');
                self.fds.set(
                    fd,
                    Some(Stdio::Input(Arc::new(BytesInput::new(s.into_bytes())))),
                );
            }
            ast::IoRedirect::OutputAndError(w, append) => {
                let path = self.redirect_target(w)?;
                if !append {
                    self.noclobber_check(&path).map_err(RedirError::Msg)?;
                }
                let f = self
                    .open_path(&path, false, true, true, !append, *append)
                    .map_err(RedirError::Msg)?;
                self.fds.set(1, Some(f.clone()));
                self.fds.set(2, Some(f));
            }
        }
        Ok(())
    }

    fn dup_fd(&mut self, src: usize, dst: usize) -> Result<(), RedirError> {
        match self.fds.get(src).cloned() {
            Some(s) => {
                self.fds.set(dst, Some(s));
                Ok(())
            }
            None => Err(RedirError::Msg(format!("{src}: Bad file descriptor"))),
        }
    }
}

fn unreachable_fd() -> String {
    String::new()
}
