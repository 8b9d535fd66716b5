//! Bounds-checked access to a guest's linear memory. Every pointer and
//! length a guest passes goes through here; out-of-range access is
//! [`Errno::Fault`], never a panic.

use crate::abi::{le_u32, le_u64};
use crate::errno::Errno;

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

    /// Decode an iovec array; every buffer is checked to be in bounds.
    pub fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<IoVec>, Errno> {
        let table_len = count.checked_mul(8).ok_or(Errno::Fault)?;
        let table = self.slice(ptr, table_len)?;
        let mut out = Vec::with_capacity(count as usize);
        for entry in table.chunks_exact(8) {
            let v = IoVec {
                ptr: le_u32(&entry[0..4]),
                len: le_u32(&entry[4..8]),
            };
            self.range(v.ptr, v.len)?;
            out.push(v);
        }
        Ok(out)
    }

    /// Total length of iovecs, saturating at u32::MAX (a guest cannot have more).
    pub fn iovecs_total(iovs: &[IoVec]) -> u64 {
        iovs.iter().map(|v| v.len as u64).sum()
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
        assert_eq!(m.iovecs(0, u32::MAX).err(), Some(Errno::Fault));
    }

    #[test]
    fn iovec_buffers_are_checked() {
        let mut buf = vec![0u8; 64];
        buf[0..4].copy_from_slice(&32u32.to_le_bytes());
        buf[4..8].copy_from_slice(&33u32.to_le_bytes()); // 32+33 > 64
        let m = GuestMemory::new(&mut buf);
        assert_eq!(m.iovecs(0, 1).err(), Some(Errno::Fault));
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
