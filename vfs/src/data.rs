//! Copy-on-write contents of a regular file.
//!
//! A file is a sparse map from chunk index to a [`Bytes`] of at most
//! [`CHUNK`] bytes. Chunk `i` covers the file range `[i * CHUNK, (i + 1) *
//! CHUNK)`; a chunk shorter than that, or a missing chunk, reads as zeros up to
//! the file length. So extending a file (truncate up, `allocate`, a write far
//! past the end) costs nothing per chunk: holes are implicit.
//!
//! The map sits behind an [`Arc`], so cloning a [`FileData`] (which is what a
//! filesystem fork does) copies one pointer. The first write after a fork
//! copies the map of chunk handles (not the data); a chunk's bytes are copied
//! only when that very chunk is written and still shared. A chunk that is
//! uniquely owned is written in place.
//!
//! Invariants (checked by `debug_check` in tests):
//! * every stored chunk is non-empty and at most `CHUNK` long;
//! * no stored byte lies at or past `len` (shrinking truncates chunks), so a
//!   later extension reads zeros, never stale data.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

use crate::{Result, VfsError};

/// Size of one chunk of file contents.
pub(crate) const CHUNK: usize = 64 * 1024;
const CHUNK_U64: u64 = CHUNK as u64;

/// Largest file size (and largest `offset + length`), as on Linux tmpfs.
pub(crate) const MAX_FILE_SIZE: u64 = i64::MAX as u64;

/// Contents of one regular file.
#[derive(Clone, Default)]
pub(crate) struct FileData {
    len: u64,
    chunks: Arc<BTreeMap<u64, Bytes>>,
    /// The whole contents as one buffer, when known without copying (set by
    /// [`FileData::from_bytes`], dropped by any change). Lets
    /// [`FileData::contents`] hand back an embedder's buffer unchanged.
    whole: Option<Bytes>,
}

impl FileData {
    /// Contents taken from `data` without copying it: the chunks are slices
    /// of `data`.
    pub(crate) fn from_bytes(data: Bytes) -> FileData {
        let mut chunks = BTreeMap::new();
        let mut start = 0usize;
        let mut index = 0u64;
        while start < data.len() {
            let end = data.len().min(start + CHUNK);
            chunks.insert(index, data.slice(start..end));
            start = end;
            index += 1;
        }
        FileData {
            len: data.len() as u64,
            chunks: Arc::new(chunks),
            whole: if data.is_empty() { None } else { Some(data) },
        }
    }

    /// Logical size in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Copies bytes at `offset` into `buf`; returns how many (0 at or past
    /// the end). Holes read as zeros.
    pub(crate) fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        if offset >= self.len || buf.is_empty() {
            return 0;
        }
        let avail = self.len - offset;
        let n = if (buf.len() as u64) < avail {
            buf.len()
        } else {
            avail as usize
        };
        let buf = &mut buf[..n];
        let end = offset + n as u64; // <= len, no overflow
        let first = offset / CHUNK_U64;
        let last = (end - 1) / CHUNK_U64;
        // `filled` is the number of leading bytes of `buf` already written.
        let mut filled = 0usize;
        for (&index, chunk) in self.chunks.range(first..=last) {
            let chunk_start = index * CHUNK_U64;
            let from = chunk_start.max(offset);
            let to = (chunk_start + CHUNK_U64).min(end);
            let dst_from = (from - offset) as usize;
            let dst_to = (to - offset) as usize;
            buf[filled..dst_from].fill(0);
            let in_chunk = (from - chunk_start) as usize;
            let have = chunk.len().saturating_sub(in_chunk).min(dst_to - dst_from);
            if have > 0 {
                buf[dst_from..dst_from + have].copy_from_slice(&chunk[in_chunk..in_chunk + have]);
            }
            buf[dst_from + have..dst_to].fill(0);
            filled = dst_to;
        }
        buf[filled..].fill(0);
        n
    }

    /// Writes all of `data` at `offset`, growing the file if needed. The
    /// caller has checked that `offset + data.len() <= MAX_FILE_SIZE`.
    pub(crate) fn write_at(&mut self, offset: u64, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        self.whole = None;
        let chunks = Arc::make_mut(&mut self.chunks);
        let mut pos = offset;
        let mut rest = data;
        while !rest.is_empty() {
            let index = pos / CHUNK_U64;
            let in_chunk = (pos % CHUNK_U64) as usize;
            let take = rest.len().min(CHUNK - in_chunk);
            let (piece, tail) = rest.split_at(take);
            let old = chunks.get_mut(&index).map(core::mem::take);
            let new = match old {
                // A whole-chunk overwrite: no need to look at the old bytes.
                _ if in_chunk == 0 && take == CHUNK => Bytes::copy_from_slice(piece),
                old => {
                    let mut buf = match old {
                        Some(bytes) => bytes
                            .try_into_mut()
                            .unwrap_or_else(|shared| BytesMut::from(&shared[..])),
                        None => BytesMut::new(),
                    };
                    let needed = in_chunk + take;
                    if buf.len() < needed {
                        buf.resize(needed, 0);
                    }
                    buf[in_chunk..needed].copy_from_slice(piece);
                    buf.freeze()
                }
            };
            chunks.insert(index, new);
            pos += take as u64;
            rest = tail;
        }
        if pos > self.len {
            self.len = pos;
        }
    }

    /// Sets the logical size: shrinking drops data past `len`, growing adds
    /// an implicit hole of zeros. The caller checked `len <= MAX_FILE_SIZE`.
    pub(crate) fn set_len(&mut self, len: u64) {
        if len == self.len {
            return;
        }
        self.whole = None;
        if len < self.len {
            let chunks = Arc::make_mut(&mut self.chunks);
            // Chunks starting at or after `len` go entirely.
            let keep = len.div_ceil(CHUNK_U64);
            let _dropped = chunks.split_off(&keep);
            // The chunk holding `len` (if any) loses its tail.
            if !len.is_multiple_of(CHUNK_U64) {
                let index = len / CHUNK_U64;
                let in_chunk = (len % CHUNK_U64) as usize;
                if let Some(chunk) = chunks.get_mut(&index) {
                    if chunk.len() > in_chunk {
                        chunk.truncate(in_chunk);
                    }
                }
            }
        }
        self.len = len;
    }

    /// The whole contents as one buffer: shared when the file is a single
    /// chunk or still the buffer it was created from, otherwise concatenated.
    /// Fails with [`VfsError::FileTooLarge`] when the size does not fit in
    /// memory's address space and [`VfsError::NoSpace`] when the allocation
    /// fails.
    pub(crate) fn contents(&self) -> Result<Bytes> {
        if let Some(whole) = &self.whole {
            return Ok(whole.clone());
        }
        if self.len == 0 {
            return Ok(Bytes::new());
        }
        if let Some(chunk) = self.chunks.get(&0) {
            if chunk.len() as u64 == self.len {
                return Ok(chunk.clone());
            }
        }
        let len = usize::try_from(self.len).map_err(|_| VfsError::FileTooLarge)?;
        if len > isize::MAX as usize {
            return Err(VfsError::FileTooLarge);
        }
        let mut out: Vec<u8> = Vec::new();
        out.try_reserve_exact(len).map_err(|_| VfsError::NoSpace)?;
        out.resize(len, 0);
        let n = self.read_at(0, &mut out);
        debug_assert_eq!(n, len);
        Ok(Bytes::from(out))
    }

    /// Bytes of real (non-hole) data held, for tests and reporting.
    #[cfg(test)]
    pub(crate) fn stored_bytes(&self) -> u64 {
        self.chunks.values().map(|c| c.len() as u64).sum()
    }

    /// Asserts the invariants listed in the module documentation.
    #[cfg(test)]
    pub(crate) fn debug_check(&self) {
        for (&index, chunk) in self.chunks.iter() {
            assert!(!chunk.is_empty(), "empty chunk {index}");
            assert!(chunk.len() <= CHUNK);
            assert!(
                index * CHUNK_U64 + chunk.len() as u64 <= self.len,
                "data past end"
            );
        }
        if let Some(whole) = &self.whole {
            assert_eq!(whole.len() as u64, self.len);
        }
    }

    /// Whether two files share the storage of chunk `index` (test helper).
    #[cfg(test)]
    pub(crate) fn shares_chunk(&self, other: &FileData, index: u64) -> bool {
        match (self.chunks.get(&index), other.chunks.get(&index)) {
            (Some(a), Some(b)) => a.as_ptr() == b.as_ptr(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn read_all(f: &FileData) -> Vec<u8> {
        let mut buf = vec![0xAAu8; f.len() as usize + 3];
        let n = f.read_at(0, &mut buf);
        buf.truncate(n);
        buf
    }

    #[test]
    fn write_read_across_chunks() {
        let mut f = FileData::default();
        let data: Vec<u8> = (0..3 * CHUNK + 17).map(|i| (i % 251) as u8).collect();
        f.write_at(5, &data);
        f.debug_check();
        assert_eq!(f.len(), 5 + data.len() as u64);
        let all = read_all(&f);
        assert_eq!(&all[..5], &[0; 5]);
        assert_eq!(&all[5..], &data[..]);
        // A read straddling a chunk boundary.
        let mut buf = [0u8; 10];
        assert_eq!(f.read_at(CHUNK as u64 - 3, &mut buf), 10);
        assert_eq!(&buf[..], &data[CHUNK - 8..CHUNK + 2]);
    }

    #[test]
    fn holes_read_as_zeros_and_cost_nothing() {
        let mut f = FileData::default();
        f.write_at(10 * CHUNK_U64 + 1, b"xy");
        f.debug_check();
        assert_eq!(f.stored_bytes(), 3);
        let mut buf = vec![7u8; 4];
        assert_eq!(f.read_at(10 * CHUNK_U64 - 2, &mut buf), 4);
        assert_eq!(buf, [0, 0, 0, b'x']);
        f.set_len(1 << 40);
        assert_eq!(f.stored_bytes(), 3);
        let mut buf = vec![7u8; 8];
        assert_eq!(f.read_at((1 << 40) - 4, &mut buf), 4);
        assert_eq!(&buf[..4], &[0; 4]);
    }

    #[test]
    fn shrink_then_grow_reads_zeros() {
        let mut f = FileData::default();
        f.write_at(0, &[9u8; CHUNK + 100]);
        f.set_len(CHUNK as u64 + 10);
        f.debug_check();
        f.set_len(10);
        f.debug_check();
        f.set_len(CHUNK as u64 * 2);
        f.debug_check();
        let all = read_all(&f);
        assert_eq!(&all[..10], &[9; 10]);
        assert!(all[10..].iter().all(|&b| b == 0));
    }

    #[test]
    fn clone_shares_until_written() {
        let mut a = FileData::from_bytes(Bytes::from(vec![1u8; 3 * CHUNK]));
        let mut b = a.clone();
        assert!(a.shares_chunk(&b, 1));
        b.write_at(CHUNK as u64 + 5, b"zz");
        assert!(a.shares_chunk(&b, 0));
        assert!(a.shares_chunk(&b, 2));
        assert!(!a.shares_chunk(&b, 1));
        assert_eq!(read_all(&a), vec![1u8; 3 * CHUNK]);
        let mut expect = vec![1u8; 3 * CHUNK];
        expect[CHUNK + 5..CHUNK + 7].copy_from_slice(b"zz");
        assert_eq!(read_all(&b), expect);
        a.set_len(0);
        assert_eq!(read_all(&b), expect);
    }

    #[test]
    fn contents_shares_the_original_buffer() {
        let data = Bytes::from(vec![3u8; 5 * CHUNK]);
        let f = FileData::from_bytes(data.clone());
        assert_eq!(f.contents().unwrap().as_ptr(), data.as_ptr());
        let mut g = f.clone();
        g.write_at(0, b"a");
        let c = g.contents().unwrap();
        assert_eq!(c.len(), 5 * CHUNK);
        assert_eq!(c[0], b'a');
        assert_eq!(c[1], 3);
    }

    #[test]
    fn small_appends_stay_in_one_chunk() {
        let mut f = FileData::default();
        for i in 0..1000u32 {
            let off = f.len();
            f.write_at(off, &i.to_le_bytes());
        }
        f.debug_check();
        assert_eq!(f.len(), 4000);
        assert_eq!(f.chunks.len(), 1);
        let all = read_all(&f);
        assert_eq!(&all[3996..], &999u32.to_le_bytes());
    }
}
