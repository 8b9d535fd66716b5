//! Open file descriptions over the shared VFS.
//!
//! An [`OpenFile`] is what POSIX calls an open file description: an inode,
//! an access mode, a position and the append flag. Descriptors (and
//! processes) that share one `Arc<OpenFile>` share its position, which is
//! what `cmd > f 2>&1` needs. Holding one keeps the inode alive after it is
//! unlinked.

use crate::clock::RandomSource;
use crate::errno::Errno;
use crate::stream::lock;
use std::sync::{Arc, Mutex, MutexGuard};
use wasiland_vfs::{Device, Ino, Vfs};

/// The filesystem shared by every process of a sandbox.
#[derive(Clone)]
pub struct SharedVfs {
    inner: Arc<Mutex<Vfs>>,
}

impl SharedVfs {
    pub fn new(vfs: Vfs) -> Self {
        SharedVfs {
            inner: Arc::new(Mutex::new(vfs)),
        }
    }

    /// Lock the filesystem for one operation. Keep the guard short-lived.
    pub fn lock(&self) -> MutexGuard<'_, Vfs> {
        lock(&self.inner)
    }

    /// Whether two handles refer to the same filesystem.
    pub fn same(&self, other: &SharedVfs) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

/// Mutable state of an open file description.
#[derive(Debug, Clone, Copy)]
pub struct FileCursor {
    pub position: u64,
    pub append: bool,
}

/// An open regular file or device (see module docs).
pub struct OpenFile {
    vfs: SharedVfs,
    ino: Ino,
    readable: bool,
    writable: bool,
    cursor: Mutex<FileCursor>,
}

impl OpenFile {
    /// Open description of `ino`; the inode is retained until the last
    /// reference is dropped.
    pub fn new(
        vfs: &SharedVfs,
        ino: Ino,
        readable: bool,
        writable: bool,
        append: bool,
    ) -> Arc<OpenFile> {
        vfs.lock().retain(ino);
        Self::adopt(vfs, ino, readable, writable, append)
    }

    /// Like [`OpenFile::new`] for an inode the caller already retained
    /// (e.g. by [`wasiland_vfs::Vfs::open_retained`]): the new description
    /// takes that hold over and releases it when dropped.
    pub fn adopt(
        vfs: &SharedVfs,
        ino: Ino,
        readable: bool,
        writable: bool,
        append: bool,
    ) -> Arc<OpenFile> {
        Arc::new(OpenFile {
            vfs: vfs.clone(),
            ino,
            readable,
            writable,
            cursor: Mutex::new(FileCursor {
                position: 0,
                append,
            }),
        })
    }

    pub fn ino(&self) -> Ino {
        self.ino
    }

    pub fn vfs(&self) -> &SharedVfs {
        &self.vfs
    }

    pub fn readable(&self) -> bool {
        self.readable
    }

    pub fn writable(&self) -> bool {
        self.writable
    }

    /// Position and append flag, locked.
    pub fn cursor(&self) -> MutexGuard<'_, FileCursor> {
        lock(&self.cursor)
    }

    /// Start one read at `at` (pread) or at the cursor. The cursor stays
    /// locked until the [`FileReader`] is dropped, so descriptors sharing
    /// this description never interleave inside one read. `badf` if the
    /// file was not opened for reading.
    pub fn reader(&self, at: Option<u64>) -> Result<FileReader<'_>, Errno> {
        if !self.readable {
            return Err(Errno::Badf);
        }
        let cursor = self.cursor();
        let pos = at.unwrap_or(cursor.position);
        Ok(FileReader {
            file: self,
            cursor,
            advance: at.is_none(),
            pos,
        })
    }

    /// Start one write of exactly `len` bytes at `at` (pwrite) or at the
    /// cursor; with the append flag at the end, pwrite too (as on Linux).
    /// Everything the write could be refused for (range, file size, byte
    /// quota) is checked here, so a refused write changes nothing and an
    /// accepted one cannot fail half-way. The [`FileWriter`] holds the
    /// filesystem lock until dropped: the write is atomic to every other
    /// process. `badf` if the file was not opened for writing.
    pub fn writer(&self, at: Option<u64>, len: u64) -> Result<FileWriter<'_>, Errno> {
        if !self.writable {
            return Err(Errno::Badf);
        }
        let cursor = self.cursor();
        let vfs = self.vfs.lock();
        let device = vfs.device(self.ino).is_some();
        let pos = if device {
            0
        } else if cursor.append {
            let size = vfs.stat(self.ino)?.size;
            match size.checked_add(len) {
                Some(end) if end <= i64::MAX as u64 => size,
                _ => return Err(Errno::Fbig),
            }
        } else {
            let pos = at.unwrap_or(cursor.position);
            pos.checked_add(len).ok_or(Errno::Fbig)?;
            pos
        };
        if !device {
            vfs.check_write(self.ino, pos, len)?;
        }
        Ok(FileWriter {
            ino: self.ino,
            vfs,
            cursor,
            advance: at.is_none() && !device,
            pos,
            left: len,
            device,
        })
    }

    /// Read into `buf` at `at` (pread) or at the cursor, advancing it.
    /// Devices: `/dev/null` gives EOF, `/dev/zero` zeros, `/dev/urandom`
    /// bytes from `random`.
    pub fn read(
        &self,
        buf: &mut [u8],
        at: Option<u64>,
        random: &dyn RandomSource,
    ) -> Result<usize, Errno> {
        self.reader(at)?.read(buf, random)
    }

    /// Write all of `data` at `at` (pwrite) or at the cursor, advancing it
    /// (see [`OpenFile::writer`]). Devices swallow everything.
    pub fn write(&self, data: &[u8], at: Option<u64>) -> Result<usize, Errno> {
        self.writer(at, data.len() as u64)?.write(data)?;
        Ok(data.len())
    }
}

/// One read from an [`OpenFile`], in as many pieces as the caller likes
/// (from [`OpenFile::reader`]).
pub struct FileReader<'a> {
    file: &'a OpenFile,
    cursor: MutexGuard<'a, FileCursor>,
    /// Whether the read is at the cursor (not a pread).
    advance: bool,
    pos: u64,
}

impl FileReader<'_> {
    /// Read the next bytes into `buf`; fewer than `buf.len()` means end of
    /// file. The filesystem is locked only for this piece.
    pub fn read(&mut self, buf: &mut [u8], random: &dyn RandomSource) -> Result<usize, Errno> {
        let ino = self.file.ino;
        let vfs = self.file.vfs.lock();
        let n = match vfs.device(ino) {
            Some(Device::Null) => 0,
            Some(Device::Zero) => {
                drop(vfs);
                buf.fill(0);
                buf.len()
            }
            Some(Device::Random) => {
                drop(vfs);
                random.fill(buf);
                buf.len()
            }
            None => vfs.read_at(ino, self.pos, buf)?,
        };
        self.pos = self.pos.saturating_add(n as u64);
        if self.advance {
            self.cursor.position = self.pos;
        }
        Ok(n)
    }
}

/// One write to an [`OpenFile`] whose size was checked in advance, in as
/// many pieces as the caller likes (from [`OpenFile::writer`]).
pub struct FileWriter<'a> {
    ino: Ino,
    vfs: MutexGuard<'a, Vfs>,
    cursor: MutexGuard<'a, FileCursor>,
    advance: bool,
    pos: u64,
    /// Bytes of the announced length not written yet.
    left: u64,
    device: bool,
}

impl FileWriter<'_> {
    /// Whether the target is a device (which discards what it is given:
    /// callers need not hand the bytes over).
    pub fn is_device(&self) -> bool {
        self.device
    }

    /// Write the next piece. More than the announced length in total is
    /// `inval` (it was not checked against the quota).
    pub fn write(&mut self, data: &[u8]) -> Result<(), Errno> {
        let len = data.len() as u64;
        self.left = self.left.checked_sub(len).ok_or(Errno::Inval)?;
        if self.device || data.is_empty() {
            return Ok(());
        }
        self.vfs.write_at(self.ino, self.pos, data)?;
        self.pos = self.pos.saturating_add(len);
        if self.advance {
            self.cursor.position = self.pos;
        }
        Ok(())
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        self.vfs.lock().release(self.ino);
    }
}

/// An open directory.
pub struct OpenDir {
    vfs: SharedVfs,
    ino: Ino,
}

impl OpenDir {
    pub fn new(vfs: &SharedVfs, ino: Ino) -> Arc<OpenDir> {
        vfs.lock().retain(ino);
        Self::adopt(vfs, ino)
    }

    /// Like [`OpenDir::new`] for an inode the caller already retained:
    /// the handle takes that hold over.
    pub fn adopt(vfs: &SharedVfs, ino: Ino) -> Arc<OpenDir> {
        Arc::new(OpenDir {
            vfs: vfs.clone(),
            ino,
        })
    }

    pub fn ino(&self) -> Ino {
        self.ino
    }

    pub fn vfs(&self) -> &SharedVfs {
        &self.vfs
    }
}

impl Drop for OpenDir {
    fn drop(&mut self) {
        self.vfs.lock().release(self.ino);
    }
}
