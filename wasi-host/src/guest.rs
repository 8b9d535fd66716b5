//! Bounds-checked access to a guest's linear memory. Every pointer and
//! length a guest passes goes through here; out-of-range access is
//! [`Errno::Fault`], never a panic.

use crate::abi::{le_u32, le_u64};
use crate::errno::Errno;

/// An iovec table in guest memory whose bounds were checked (see
/// [`GuestMemory::iovec_table`]); its buffers are not checked yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoVecTable {
    ptr: u32,
    count: u32,
}

impl IoVecTable {
    /// Number of entries.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Entry `i` (`fault` past the end of the table).
    pub fn get(&self, mem: &GuestMemory<'_>, i: u32) -> Result<IoVec, Errno> {
        if i >= self.count {
            return Err(Errno::Fault);
        }
        let at = i
            .checked_mul(8)
            .and_then(|o| self.ptr.checked_add(o))
            .ok_or(Errno::Fault)?;
        let entry = mem.slice(at, 8)?;
        Ok(IoVec {
            ptr: le_u32(&entry[0..4]),
            len: le_u32(&entry[4..8]),
        })
    }
}

/// A guest's linear memory for the duration of one syscall.
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

/// One `iovec`/`ciovec`: a guest buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoVec {
    pub ptr: u32,
    pub len: u32,
}

impl<'a> GuestMemory<'a> {
    pub fn new(bytes: &'a mut [u8]) -> Self {
        GuestMemory { bytes }
    }

    fn range(&self, ptr: u32, len: u32) -> Result<core::ops::Range<usize>, Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        if end > self.bytes.len() {
            return Err(Errno::Fault);
        }
        Ok(start..end)
    }

    /// `len` bytes at `ptr`.
    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&self.bytes[r])
    }

    /// `len` writable bytes at `ptr`.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.bytes[r])
    }

    pub fn read_u32(&self, ptr: u32) -> Result<u32, Errno> {
        Ok(le_u32(self.slice(ptr, 4)?))
    }

    pub fn read_u64(&self, ptr: u32) -> Result<u64, Errno> {
        Ok(le_u64(self.slice(ptr, 8)?))
    }

    pub fn write_u8(&mut self, ptr: u32, v: u8) -> Result<(), Errno> {
        self.slice_mut(ptr, 1)?[0] = v;
        Ok(())
    }

    pub fn write_u16(&mut self, ptr: u32, v: u16) -> Result<(), Errno> {
        self.slice_mut(ptr, 2)?.copy_from_slice(&v.to_le_bytes());
        Ok(())
    }

    pub fn write_u32(&mut self, ptr: u32, v: u32) -> Result<(), Errno> {
        self.slice_mut(ptr, 4)?.copy_from_slice(&v.to_le_bytes());
        Ok(())
    }

    pub fn write_u64(&mut self, ptr: u32, v: u64) -> Result<(), Errno> {
        self.slice_mut(ptr, 8)?.copy_from_slice(&v.to_le_bytes());
        Ok(())
    }

    /// A guest string: must be in bounds and valid UTF-8 (`ilseq` otherwise);
    /// an embedded NUL is `inval`.
    pub fn read_str(&self, ptr: u32, len: u32) -> Result<&str, Errno> {
        let bytes = self.slice(ptr, len)?;
        let s = core::str::from_utf8(bytes).map_err(|_| Errno::Ilseq)?;
        if s.contains('\0') {
            return Err(Errno::Inval);
        }
        Ok(s)
    }

    /// The iovec table of `count` entries at `ptr`: the table must lie in
    /// memory (else `fault`). Entries are read as they are used
    /// ([`IoVecTable::get`]), so a guest-chosen count allocates nothing.
    pub fn iovec_table(&self, ptr: u32, count: u32) -> Result<IoVecTable, Errno> {
        let table_len = count.checked_mul(8).ok_or(Errno::Fault)?;
        self.range(ptr, table_len)?;
        Ok(IoVecTable { ptr, count })
    }

    /// The whole memory.
    pub fn bytes(&mut self) -> &mut [u8] {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_bounds_is_fault_not_panic() {
        let mut buf = vec![0u8; 16];
        let mut m = GuestMemory::new(&mut buf);
        assert_eq!(m.slice(10, 6).map(|s| s.len()), Ok(6));
        assert_eq!(m.slice(10, 7).err(), Some(Errno::Fault));
        assert_eq!(m.slice(u32::MAX, u32::MAX).err(), Some(Errno::Fault));
        assert_eq!(m.write_u64(9, 1).err(), Some(Errno::Fault));
        assert_eq!(m.iovec_table(0, u32::MAX).err(), Some(Errno::Fault));
        assert_eq!(m.iovec_table(8, 1).map(|t| t.count()), Ok(1));
        assert_eq!(m.iovec_table(9, 1).err(), Some(Errno::Fault));
    }

    #[test]
    fn iovec_entries_are_read_lazily() {
        let mut buf = vec![0u8; 64];
        buf[8..12].copy_from_slice(&32u32.to_le_bytes());
        buf[12..16].copy_from_slice(&33u32.to_le_bytes());
        let m = GuestMemory::new(&mut buf);
        let t = m.iovec_table(8, 2).expect("in bounds");
        assert_eq!(t.get(&m, 0), Ok(IoVec { ptr: 32, len: 33 }));
        assert_eq!(t.get(&m, 1), Ok(IoVec { ptr: 0, len: 0 }));
        assert_eq!(t.get(&m, 2).err(), Some(Errno::Fault));
    }

    #[test]
    fn strings_must_be_utf8_without_nul() {
        let mut buf = b"ok\xffa\0b".to_vec();
        let m = GuestMemory::new(&mut buf);
        assert_eq!(m.read_str(0, 2), Ok("ok"));
        assert_eq!(m.read_str(0, 3).err(), Some(Errno::Ilseq));
        assert_eq!(m.read_str(3, 3).err(), Some(Errno::Inval));
    }
}
