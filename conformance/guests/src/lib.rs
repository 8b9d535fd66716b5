//! Shared helpers for the conformance guests.
//!
//! Every guest prints one line per check: `<check-name> <observed>`. The
//! observed value is a compact, deterministic rendering (`ok`,
//! `errno=noent`, `size=5`, `same`...). Guests never panic on an unexpected
//! result: every helper returns a `Result` and the check prints what it saw.
//!
//! The driver runs every guest with two preopens, in this order:
//! fd 3 = `/sandbox` (a fresh fixture tree, see `conformance/README.md`) and
//! fd 4 = `/scratch` (a fresh empty directory).

pub use wasi;
use wasi::{Errno, Fd, Filestat, Lookupflags};

/// The fixture tree, preopened as `/sandbox`.
pub const SANDBOX: Fd = 3;
/// An empty directory, preopened as `/scratch`.
pub const SCRATCH: Fd = 4;

pub const FOLLOW: Lookupflags = wasi::LOOKUPFLAGS_SYMLINK_FOLLOW;
pub const NOFOLLOW: Lookupflags = 0;

/// Contents of the fixture file `hello.txt`.
pub const HELLO: &[u8] = b"hello world\n";

/// Every right defined by preview1 (bits 0..=29).
pub const RIGHTS_ALL: u64 = (1 << 30) - 1;

/// The rights wasi-libc leaves out of a read-only open (they make hosts
/// that derive the access mode from the rights open for writing).
pub const RIGHTS_WRITE: u64 = wasi::RIGHTS_FD_DATASYNC
    | wasi::RIGHTS_FD_WRITE
    | wasi::RIGHTS_FD_ALLOCATE
    | wasi::RIGHTS_FD_FILESTAT_SET_SIZE;

/// The rights a regular file descriptor can use.
pub const RIGHTS_FILE: u64 = wasi::RIGHTS_FD_DATASYNC
    | wasi::RIGHTS_FD_READ
    | wasi::RIGHTS_FD_SEEK
    | wasi::RIGHTS_FD_FDSTAT_SET_FLAGS
    | wasi::RIGHTS_FD_SYNC
    | wasi::RIGHTS_FD_TELL
    | wasi::RIGHTS_FD_WRITE
    | wasi::RIGHTS_FD_ADVISE
    | wasi::RIGHTS_FD_ALLOCATE
    | wasi::RIGHTS_FD_FILESTAT_GET
    | wasi::RIGHTS_FD_FILESTAT_SET_SIZE
    | wasi::RIGHTS_FD_FILESTAT_SET_TIMES
    | wasi::RIGHTS_POLL_FD_READWRITE;

/// Print one check result.
pub fn check(name: &str, observed: impl core::fmt::Display) {
    println!("{name} {observed}");
}

/// Lower-case witx name of an errno value.
pub fn errno_name(raw: u16) -> String {
    const NAMES: [&str; 77] = [
        "success",
        "2big",
        "acces",
        "addrinuse",
        "addrnotavail",
        "afnosupport",
        "again",
        "already",
        "badf",
        "badmsg",
        "busy",
        "canceled",
        "child",
        "connaborted",
        "connrefused",
        "connreset",
        "deadlk",
        "destaddrreq",
        "dom",
        "dquot",
        "exist",
        "fault",
        "fbig",
        "hostunreach",
        "idrm",
        "ilseq",
        "inprogress",
        "intr",
        "inval",
        "io",
        "isconn",
        "isdir",
        "loop",
        "mfile",
        "mlink",
        "msgsize",
        "multihop",
        "nametoolong",
        "netdown",
        "netreset",
        "netunreach",
        "nfile",
        "nobufs",
        "nodev",
        "noent",
        "noexec",
        "nolck",
        "nolink",
        "nomem",
        "nomsg",
        "noprotoopt",
        "nospc",
        "nosys",
        "notconn",
        "notdir",
        "notempty",
        "notrecoverable",
        "notsock",
        "notsup",
        "notty",
        "nxio",
        "overflow",
        "ownerdead",
        "perm",
        "pipe",
        "proto",
        "protonosupport",
        "prototype",
        "range",
        "rofs",
        "spipe",
        "srch",
        "stale",
        "timedout",
        "txtbsy",
        "xdev",
        "notcapable",
    ];
    match NAMES.get(raw as usize) {
        Some(n) => (*n).to_string(),
        None => format!("{raw}"),
    }
}

/// `errno=<name>`.
pub fn en(err: Errno) -> String {
    format!("errno={}", errno_name(err.raw()))
}

/// `errno=<name>` for a raw errno returned by a raw import.
pub fn en_raw(ret: i32) -> String {
    if ret == 0 {
        "ok".to_string()
    } else {
        format!("errno={}", errno_name(ret as u16))
    }
}

/// `ok` or `errno=<name>`.
pub fn res<T>(r: &Result<T, Errno>) -> String {
    match r {
        Ok(_) => "ok".to_string(),
        Err(e) => en(*e),
    }
}

/// Render the outcome of a result with a formatter for the success value.
pub fn show<T>(r: &Result<T, Errno>, f: impl FnOnce(&T) -> String) -> String {
    match r {
        Ok(v) => f(v),
        Err(e) => en(*e),
    }
}

/// Lower-case witx name of a filetype.
pub fn filetype_name(raw: u8) -> String {
    match raw {
        0 => "unknown".into(),
        1 => "block_device".into(),
        2 => "character_device".into(),
        3 => "directory".into(),
        4 => "regular_file".into(),
        5 => "socket_dgram".into(),
        6 => "socket_stream".into(),
        7 => "symbolic_link".into(),
        n => format!("filetype{n}"),
    }
}

pub fn ftype(st: &Filestat) -> String {
    filetype_name(st.filetype.raw())
}

/// Bytes as a quoted, escaped string: printable ASCII as is, the rest
/// escaped, so the value stays on one line and is exact.
pub fn q(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in bytes {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

pub fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

pub fn same_differs(b: bool) -> &'static str {
    if b {
        "same"
    } else {
        "differs"
    }
}

// ---------------------------------------------------------------- opening

/// Open like wasi-libc's `openat` does: the base rights requested are
/// `wanted & fs_rights_inheriting(dir)`, the inheriting rights are the
/// directory's inheriting rights.
pub fn open_with(
    dir: Fd,
    lookup: Lookupflags,
    path: &str,
    oflags: u16,
    wanted: u64,
    fdflags: u16,
) -> Result<Fd, Errno> {
    let inheriting = match unsafe { wasi::fd_fdstat_get(dir) } {
        Ok(st) => st.fs_rights_inheriting,
        Err(e) => return Err(e),
    };
    unsafe {
        wasi::path_open(
            dir,
            lookup,
            path,
            oflags,
            wanted & inheriting,
            inheriting,
            fdflags,
        )
    }
}

/// Open a file for reading and writing (following symlinks).
pub fn open_rw(dir: Fd, path: &str, oflags: u16) -> Result<Fd, Errno> {
    open_with(dir, FOLLOW, path, oflags, RIGHTS_FILE, 0)
}

/// Open a file for reading only.
pub fn open_ro(dir: Fd, path: &str) -> Result<Fd, Errno> {
    open_with(dir, FOLLOW, path, 0, RIGHTS_FILE & !RIGHTS_WRITE, 0)
}

/// Open a directory (O_DIRECTORY, following symlinks) with every right
/// but the write ones.
pub fn open_dir(dir: Fd, path: &str) -> Result<Fd, Errno> {
    open_with(
        dir,
        FOLLOW,
        path,
        wasi::OFLAGS_DIRECTORY,
        RIGHTS_ALL & !RIGHTS_WRITE,
        0,
    )
}

pub fn close(fd: Fd) {
    let _ = unsafe { wasi::fd_close(fd) };
}

// ---------------------------------------------------------------- data

/// Write all of `data` (looping over short writes; a zero-length write
/// counts as an error to avoid spinning).
pub fn write_all(fd: Fd, mut data: &[u8]) -> Result<(), Errno> {
    while !data.is_empty() {
        let iov = wasi::Ciovec {
            buf: data.as_ptr(),
            buf_len: data.len(),
        };
        let n = unsafe { wasi::fd_write(fd, &[iov]) }?;
        if n == 0 || n > data.len() {
            return Err(wasi::ERRNO_IO);
        }
        data = &data[n..];
    }
    Ok(())
}

/// Gathered write of all `parts`, resubmitting the rest after a short
/// write (preview1 allows a host to write less than asked, e.g. only the
/// first non-empty iovec). With `offset`, uses fd_pwrite from there.
pub fn writev_all(fd: Fd, parts: &[&[u8]], offset: Option<u64>) -> Result<(), Errno> {
    let mut rest: Vec<&[u8]> = parts.to_vec();
    let mut off = offset;
    for _ in 0..10_000 {
        while rest.first().is_some_and(|p| p.is_empty()) && rest.len() > 1 {
            rest.remove(0);
        }
        let total: usize = rest.iter().map(|p| p.len()).sum();
        if total == 0 {
            return Ok(());
        }
        let iovs: Vec<wasi::Ciovec> = rest
            .iter()
            .map(|p| wasi::Ciovec {
                buf: p.as_ptr(),
                buf_len: p.len(),
            })
            .collect();
        let n = match off {
            Some(o) => unsafe { wasi::fd_pwrite(fd, &iovs, o) }?,
            None => unsafe { wasi::fd_write(fd, &iovs) }?,
        };
        if n == 0 || n > total {
            return Err(wasi::ERRNO_IO);
        }
        if let Some(o) = off.as_mut() {
            *o += n as u64;
        }
        let mut left = n;
        while left > 0 {
            let first = rest[0];
            if first.len() <= left {
                left -= first.len();
                rest.remove(0);
            } else {
                rest[0] = &first[left..];
                left = 0;
            }
        }
    }
    Err(wasi::ERRNO_IO)
}

/// Read from the current offset to EOF.
pub fn read_to_end(fd: Fd) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let iov = wasi::Iovec {
            buf: buf.as_mut_ptr(),
            buf_len: buf.len(),
        };
        let n = unsafe { wasi::fd_read(fd, &[iov]) }?;
        if n == 0 {
            return Ok(out);
        }
        if n > buf.len() {
            return Err(wasi::ERRNO_IO);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Read up to `len` bytes with one `fd_read` call.
pub fn read_once(fd: Fd, len: usize) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; len];
    let iov = wasi::Iovec {
        buf: buf.as_mut_ptr(),
        buf_len: buf.len(),
    };
    let n = unsafe { wasi::fd_read(fd, &[iov]) }?;
    buf.truncate(n.min(len));
    Ok(buf)
}

/// The whole content of a file, by path.
pub fn read_path(dir: Fd, path: &str) -> Result<Vec<u8>, Errno> {
    let fd = open_ro(dir, path)?;
    let r = read_to_end(fd);
    close(fd);
    r
}

/// Create (or truncate) a file and write `data` into it.
pub fn write_path(dir: Fd, path: &str, data: &[u8]) -> Result<(), Errno> {
    let fd = open_rw(dir, path, wasi::OFLAGS_CREAT | wasi::OFLAGS_TRUNC)?;
    let r = write_all(fd, data);
    close(fd);
    r
}

pub fn stat(dir: Fd, path: &str) -> Result<Filestat, Errno> {
    unsafe { wasi::path_filestat_get(dir, FOLLOW, path) }
}

pub fn lstat(dir: Fd, path: &str) -> Result<Filestat, Errno> {
    unsafe { wasi::path_filestat_get(dir, NOFOLLOW, path) }
}

pub fn fstat(fd: Fd) -> Result<Filestat, Errno> {
    unsafe { wasi::fd_filestat_get(fd) }
}

pub fn tell(fd: Fd) -> Result<u64, Errno> {
    unsafe { wasi::fd_tell(fd) }
}

pub fn seek(fd: Fd, off: i64, whence: wasi::Whence) -> Result<u64, Errno> {
    unsafe { wasi::fd_seek(fd, off, whence) }
}

/// `size=<n>` of a path, or its errno.
pub fn size_of(dir: Fd, path: &str) -> String {
    show(&stat(dir, path), |s| format!("size={}", s.size))
}

/// `exists` / `absent` / `errno=...` for a path (not following a final symlink).
pub fn exists(dir: Fd, path: &str) -> String {
    match lstat(dir, path) {
        Ok(_) => "exists".into(),
        Err(e) if e == wasi::ERRNO_NOENT => "absent".into(),
        Err(e) => en(e),
    }
}

/// The content of a file as a quoted string, or its errno.
pub fn content(dir: Fd, path: &str) -> String {
    show(&read_path(dir, path), |d| q(d))
}

// ---------------------------------------------------------------- readdir

#[derive(Clone, Debug)]
pub struct Entry {
    pub name: Vec<u8>,
    pub next: u64,
    pub ino: u64,
    pub ftype: u8,
}

/// One `fd_readdir` call parsed: complete entries, whether the buffer ended
/// in a truncated record, and bufused.
pub struct Chunk {
    pub entries: Vec<Entry>,
    pub truncated: bool,
    pub bufused: usize,
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_le_bytes(a)
}

/// Parse the records of a readdir buffer (the first `used` bytes).
pub fn parse_dirents(buf: &[u8], used: usize) -> (Vec<Entry>, bool) {
    let used = used.min(buf.len());
    let mut entries = Vec::new();
    let mut off = 0;
    while off < used {
        if used - off < 24 {
            return (entries, true);
        }
        let h = &buf[off..off + 24];
        let namlen = le_u32(&h[16..20]) as usize;
        if used - off - 24 < namlen {
            return (entries, true);
        }
        entries.push(Entry {
            next: le_u64(&h[0..8]),
            ino: le_u64(&h[8..16]),
            ftype: h[20],
            name: buf[off + 24..off + 24 + namlen].to_vec(),
        });
        off += 24 + namlen;
    }
    (entries, false)
}

pub fn readdir_chunk(fd: Fd, buf_len: usize, cookie: u64) -> Result<Chunk, Errno> {
    let mut buf = vec![0u8; buf_len];
    let used = unsafe { wasi::fd_readdir(fd, buf.as_mut_ptr(), buf_len, cookie) }?;
    let (entries, truncated) = parse_dirents(&buf, used);
    Ok(Chunk {
        entries,
        truncated,
        bufused: used,
    })
}

/// Read a whole directory with buffers of `buf_len` bytes, resuming from
/// the cookie of the last complete record, the way Rust std does. `Err`
/// carries a description when the host misbehaves (no progress, too many
/// calls).
pub fn readdir_all(fd: Fd, buf_len: usize) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    let mut cookie = 0u64;
    for _ in 0..100_000 {
        let chunk = readdir_chunk(fd, buf_len, cookie).map_err(en)?;
        let full = chunk.bufused >= buf_len;
        if let Some(last) = chunk.entries.last() {
            cookie = last.next;
        } else if full {
            return Err("no-progress".into());
        }
        out.extend(chunk.entries);
        if !full {
            return Ok(out);
        }
    }
    Err("too-many-calls".into())
}

pub fn names(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| String::from_utf8_lossy(&e.name).into_owned())
        .collect()
}

/// Sorted, comma-separated names.
pub fn sorted_names(entries: &[Entry]) -> String {
    let mut n = names(entries);
    n.sort();
    n.join(",")
}

// ---------------------------------------------------------------- clocks

pub fn now_mono() -> Result<u64, Errno> {
    unsafe { wasi::clock_time_get(wasi::CLOCKID_MONOTONIC, 1) }
}

pub fn now_real() -> Result<u64, Errno> {
    unsafe { wasi::clock_time_get(wasi::CLOCKID_REALTIME, 1) }
}

/// The guest's program arguments (via std).
pub fn args() -> Vec<String> {
    std::env::args().collect()
}
