//! [`IntoBytes`]: what the byte arguments of the embedder API accept.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

/// File contents and other byte arguments: owned buffers are taken without
/// a copy (`Bytes`, `Vec<u8>`, `String`, `Box<[u8]>`, `BytesMut`), borrowed
/// ones (`&[u8]`, `&str`, `&Vec<u8>`, `&String`, `&[u8; N]`, `Cow`) are
/// copied once, and `&Bytes` is shared. (`impl AsRef<[u8]>` would copy a
/// `Bytes` too; `impl Into<Bytes>` refuses borrowed data.)
///
/// ```
/// use wasiland_vfs::{IntoBytes, Vfs};
/// let mut vfs = Vfs::new();
/// let text = String::from("from a String");
/// vfs.write_file("/a", text.as_str()).unwrap();          // &str: copied
/// vfs.write_file("/b", &text).unwrap();                  // &String: copied
/// vfs.write_file("/c", text.into_bytes()).unwrap();      // Vec<u8>: moved
/// let shared = bytes::Bytes::from_static(b"shared");
/// vfs.write_file("/d", &shared).unwrap();                // &Bytes: shared
/// assert_eq!(vfs.read_file("/d").unwrap().as_ptr(), shared.as_ptr());
/// assert_eq!(b"xyz".into_bytes(), &b"xyz"[..]);
/// ```
pub trait IntoBytes {
    /// The bytes, as a (cheaply clonable) [`Bytes`].
    fn into_bytes(self) -> Bytes;
}

impl IntoBytes for Bytes {
    fn into_bytes(self) -> Bytes {
        self
    }
}

impl IntoBytes for &Bytes {
    fn into_bytes(self) -> Bytes {
        self.clone()
    }
}

impl IntoBytes for BytesMut {
    fn into_bytes(self) -> Bytes {
        self.freeze()
    }
}

impl IntoBytes for Vec<u8> {
    fn into_bytes(self) -> Bytes {
        Bytes::from(self)
    }
}

impl IntoBytes for Box<[u8]> {
    fn into_bytes(self) -> Bytes {
        Bytes::from(self)
    }
}

impl IntoBytes for String {
    fn into_bytes(self) -> Bytes {
        Bytes::from(self)
    }
}

impl IntoBytes for &[u8] {
    fn into_bytes(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl<const N: usize> IntoBytes for &[u8; N] {
    fn into_bytes(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl<const N: usize> IntoBytes for [u8; N] {
    fn into_bytes(self) -> Bytes {
        Bytes::copy_from_slice(&self)
    }
}

impl IntoBytes for &Vec<u8> {
    fn into_bytes(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl IntoBytes for &str {
    fn into_bytes(self) -> Bytes {
        Bytes::copy_from_slice(self.as_bytes())
    }
}

impl IntoBytes for &String {
    fn into_bytes(self) -> Bytes {
        Bytes::copy_from_slice(self.as_bytes())
    }
}

impl IntoBytes for Cow<'_, [u8]> {
    fn into_bytes(self) -> Bytes {
        match self {
            Cow::Borrowed(b) => Bytes::copy_from_slice(b),
            Cow::Owned(v) => Bytes::from(v),
        }
    }
}

impl IntoBytes for Cow<'_, str> {
    fn into_bytes(self) -> Bytes {
        match self {
            Cow::Borrowed(s) => Bytes::copy_from_slice(s.as_bytes()),
            Cow::Owned(s) => Bytes::from(s),
        }
    }
}
