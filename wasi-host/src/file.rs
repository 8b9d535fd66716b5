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

    /// Read at `at` (pread) or at the cursor, advancing it. Devices:
    /// `/dev/null` gives EOF, `/dev/zero` zeros, `/dev/urandom` bytes from
    /// `random`.
    pub fn read(
        &self,
        buf: &mut [u8],
        at: Option<u64>,
        random: &dyn RandomSource,
    ) -> Result<usize, Errno> {
        if !self.readable {
            return Err(Errno::Badf);
        }
        let mut cursor = self.cursor();
        let vfs = self.vfs.lock();
        let pos = at.unwrap_or(cursor.position);
        let n = match vfs.device(self.ino) {
            Some(Device::Null) => 0,
            Some(Device::Zero) => {
                buf.fill(0);
                buf.len()
            }
            Some(Device::Random) => {
                random.fill(buf);
                buf.len()
            }
            None => vfs.read_at(self.ino, pos, buf)?,
        };
        if at.is_none() {
            cursor.position = pos.saturating_add(n as u64);
        }
        Ok(n)
    }

    /// Write all of `data` at `at` (pwrite) or at the cursor, advancing it.
    /// With the append flag every write goes to the end, pwrite too (as on
    /// Linux). Devices swallow everything.
    pub fn write(&self, data: &[u8], at: Option<u64>) -> Result<usize, Errno> {
        if !self.writable {
            return Err(Errno::Badf);
        }
        let mut cursor = self.cursor();
        let mut vfs = self.vfs.lock();
        if vfs.device(self.ino).is_some() {
            return Ok(data.len());
        }
        if cursor.append {
            let start = vfs.append(self.ino, data)?;
            if at.is_none() {
                cursor.position = start + data.len() as u64;
            }
        } else {
            let pos = at.unwrap_or(cursor.position);
            pos.checked_add(data.len() as u64).ok_or(Errno::Fbig)?;
            vfs.write_at(self.ino, pos, data)?;
            if at.is_none() {
                cursor.position = pos + data.len() as u64;
            }
        }
        Ok(data.len())
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
