//! The per-process descriptor table.

use crate::errno::Errno;
use crate::file::{OpenDir, OpenFile};
use crate::stream::{InputStream, OutputStream};
use std::collections::BTreeMap;
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

/// Descriptors by number, in a sparse map: a descriptor number (which a
/// guest chooses, e.g. for `fd_renumber`) never sizes an allocation. New
/// descriptors take the lowest free number.
///
/// ```
/// use wasiland_wasi_host::fd::FdTable;
/// let table = FdTable::new(1024);
/// assert_eq!(table.open_count(), 0);
/// assert!(table.get(2_147_483_647).is_err());
/// ```
pub struct FdTable {
    slots: BTreeMap<u32, Descriptor>,
    max_open: usize,
    /// Opens refused with `mfile` so far.
    refused: usize,
}

impl FdTable {
    /// An empty table that refuses more than `max_open` open descriptors.
    pub fn new(max_open: usize) -> Self {
        FdTable {
            slots: BTreeMap::new(),
            max_open,
            refused: 0,
        }
    }

    /// How many descriptors the limit refused (`mfile`) so far.
    pub fn refused(&self) -> usize {
        self.refused
    }

    pub fn open_count(&self) -> usize {
        self.slots.len()
    }

    /// The lowest number not in use (the table holds at most `max_open`
    /// entries, so this walks at most that many keys).
    fn lowest_free(&self) -> Option<u32> {
        let mut want = 0u32;
        for &fd in self.slots.keys() {
            if fd != want {
                break;
            }
            want = want.checked_add(1)?;
        }
        Some(want)
    }

    /// `mfile` (counted as a refusal) when the table is full: a caller
    /// refuses before doing work the new descriptor would hold (an open
    /// that creates a file), as Linux takes the descriptor number first.
    pub fn ensure_room(&mut self) -> Result<(), Errno> {
        if self.open_count() >= self.max_open {
            self.refused += 1;
            return Err(Errno::Mfile);
        }
        Ok(())
    }

    /// Insert at the lowest free number (`mfile` past the limit).
    pub fn insert(&mut self, desc: Descriptor) -> Result<u32, Errno> {
        self.ensure_room()?;
        let fd = self.lowest_free().ok_or(Errno::Mfile)?;
        self.slots.insert(fd, desc);
        Ok(fd)
    }

    /// Put `desc` at exactly `fd` (building the initial table), replacing
    /// what was there.
    pub fn insert_at(&mut self, fd: u32, desc: Descriptor) {
        self.slots.insert(fd, desc);
    }

    /// Every open descriptor with its number, lowest first.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Descriptor)> {
        self.slots.iter().map(|(fd, desc)| (*fd, desc))
    }

    pub fn get(&self, fd: u32) -> Result<&Descriptor, Errno> {
        self.slots.get(&fd).ok_or(Errno::Badf)
    }

    pub fn get_mut(&mut self, fd: u32) -> Result<&mut Descriptor, Errno> {
        self.slots.get_mut(&fd).ok_or(Errno::Badf)
    }

    pub fn remove(&mut self, fd: u32) -> Result<Descriptor, Errno> {
        self.slots.remove(&fd).ok_or(Errno::Badf)
    }

    /// Move `from` onto `to`, closing what `to` held. Both must be open.
    pub fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        self.get(from)?;
        self.get(to)?;
        if from == to {
            return Ok(());
        }
        let desc = self.remove(from)?;
        self.slots.insert(to, desc);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::NullStream;
    use std::sync::Arc;

    fn null() -> Descriptor {
        Descriptor {
            target: Target::Input(Arc::new(NullStream)),
            rights_base: 0,
            rights_inheriting: 0,
            flags: 0,
        }
    }

    #[test]
    fn lowest_free_number_and_limit() {
        let mut t = FdTable::new(3);
        assert_eq!(t.insert(null()), Ok(0));
        assert_eq!(t.insert(null()), Ok(1));
        assert_eq!(t.insert(null()), Ok(2));
        assert_eq!(t.insert(null()).err(), Some(Errno::Mfile));
        assert_eq!(t.refused(), 1);
        t.remove(1).expect("open");
        assert_eq!(t.insert(null()), Ok(1));
    }

    #[test]
    fn huge_numbers_are_sparse() {
        let mut t = FdTable::new(8);
        t.insert_at(0, null());
        t.insert_at(u32::MAX - 1, null());
        assert_eq!(t.open_count(), 2);
        assert_eq!(t.renumber(0, u32::MAX - 1), Ok(()));
        assert_eq!(t.open_count(), 1);
        assert_eq!(t.renumber(u32::MAX - 1, u32::MAX).err(), Some(Errno::Badf));
        assert_eq!(t.insert(null()), Ok(0));
        assert!(t.get(u32::MAX - 1).is_ok());
        assert_eq!(t.remove(u32::MAX).err(), Some(Errno::Badf));
        let open: Vec<u32> = t.iter().map(|(fd, _)| fd).collect();
        assert_eq!(open, [0, u32::MAX - 1]);
    }
}
