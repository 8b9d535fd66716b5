//! The per-process descriptor table.

use crate::errno::Errno;
use crate::file::{OpenDir, OpenFile};
use crate::stream::{InputStream, OutputStream};
use std::sync::Arc;

/// What a descriptor refers to.
#[derive(Clone)]
pub enum Target {
    /// A regular file or a device node.
    File(Arc<OpenFile>),
    /// A directory; `preopen` is its guest-visible name if it was preopened.
    Dir {
        dir: Arc<OpenDir>,
        preopen: Option<String>,
    },
    /// The read end of a stream (stdin, a pipe).
    Input(Arc<dyn InputStream>),
    /// The write end of a stream (stdout, stderr, a pipe).
    Output(Arc<dyn OutputStream>),
}

/// One entry of the table: a target, its rights and its descriptor flags.
#[derive(Clone)]
pub struct Descriptor {
    pub target: Target,
    pub rights_base: u64,
    pub rights_inheriting: u64,
    /// fdflags kept per descriptor (NONBLOCK and the sync flags). APPEND of a
    /// file lives in its shared [`OpenFile`] cursor.
    pub flags: u16,
}

impl Descriptor {
    /// `Err(notcapable)` unless every bit of `rights` is held.
    pub fn require(&self, rights: u64) -> Result<(), Errno> {
        if self.rights_base & rights == rights {
            Ok(())
        } else {
            Err(Errno::NotCapable)
        }
    }

    pub fn nonblocking(&self) -> bool {
        self.flags & crate::abi::fdflags::NONBLOCK != 0
    }
}

/// Descriptors by number. New descriptors take the lowest free number.
pub struct FdTable {
    slots: Vec<Option<Descriptor>>,
    max_open: usize,
    /// Opens refused with `mfile` so far.
    refused: usize,
}

impl FdTable {
    /// An empty table that refuses more than `max_open` open descriptors.
    pub fn new(max_open: usize) -> Self {
        FdTable {
            slots: Vec::new(),
            max_open,
            refused: 0,
        }
    }

    /// How many descriptors the limit refused (`mfile`) so far.
    pub fn refused(&self) -> usize {
        self.refused
    }

    pub fn open_count(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// Insert at the lowest free number (`mfile` past the limit).
    pub fn insert(&mut self, desc: Descriptor) -> Result<u32, Errno> {
        if self.open_count() >= self.max_open {
            self.refused += 1;
            return Err(Errno::Mfile);
        }
        let fd = match self.slots.iter().position(|s| s.is_none()) {
            Some(i) => {
                self.slots[i] = Some(desc);
                i
            }
            None => {
                self.slots.push(Some(desc));
                self.slots.len() - 1
            }
        };
        u32::try_from(fd).map_err(|_| Errno::Mfile)
    }

    /// Put `desc` at exactly `fd` (building the initial table).
    pub fn insert_at(&mut self, fd: u32, desc: Descriptor) {
        let i = fd as usize;
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i] = Some(desc);
    }

    pub fn get(&self, fd: u32) -> Result<&Descriptor, Errno> {
        self.slots
            .get(fd as usize)
            .and_then(|s| s.as_ref())
            .ok_or(Errno::Badf)
    }

    pub fn get_mut(&mut self, fd: u32) -> Result<&mut Descriptor, Errno> {
        self.slots
            .get_mut(fd as usize)
            .and_then(|s| s.as_mut())
            .ok_or(Errno::Badf)
    }

    pub fn remove(&mut self, fd: u32) -> Result<Descriptor, Errno> {
        let desc = self
            .slots
            .get_mut(fd as usize)
            .and_then(|s| s.take())
            .ok_or(Errno::Badf)?;
        while matches!(self.slots.last(), Some(None)) {
            self.slots.pop();
        }
        Ok(desc)
    }

    /// Move `from` onto `to`, closing what `to` held. Both must be open.
    pub fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        self.get(from)?;
        self.get(to)?;
        if from == to {
            return Ok(());
        }
        let desc = self.remove(from)?;
        self.insert_at(to, desc);
        Ok(())
    }
}
