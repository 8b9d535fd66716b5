//! `fd_*`: stdio streams, the preopened root, files and devices.

use crate::harness::{le32, le64, none, unchanged, Case, Env, F, FILL, T0};
use crate::state::{Opened, State};
use wasiland_wasi_host::abi::{fdflags, oflags, rights};
use wasiland_wasi_host::Errno;

/// An `fdstat` as the witx lays it out (24 bytes): filetype u8 at 0,
/// flags u16 at 2, rights u64 at 8 and 16.
const fn fdstat(filetype: u8, flags: u16, base: u64, inheriting: u64) -> [u8; 24] {
    let mut b = [0u8; 24];
    b[0] = filetype;
    let f = flags.to_le_bytes();
    b[2] = f[0];
    b[3] = f[1];
    let (r, i) = (base.to_le_bytes(), inheriting.to_le_bytes());
    let mut k = 0;
    while k < 8 {
        b[8 + k] = r[k];
        b[16 + k] = i[k];
        k += 1;
    }
    b
}

/// A `filestat` (64 bytes): dev, ino, filetype u8 at 16, nlink, size,
/// atim, mtim, ctim.
fn filestat(m: &wasiland_vfs::Metadata, filetype: u8) -> [u8; 64] {
    let mut b = [0u8; 64];
    b[0..8].copy_from_slice(&m.dev.to_le_bytes());
    b[8..16].copy_from_slice(&m.ino.to_le_bytes());
    b[16] = filetype;
    b[24..32].copy_from_slice(&m.nlink.to_le_bytes());
    b[32..40].copy_from_slice(&m.size.to_le_bytes());
    b[40..48].copy_from_slice(&m.atime.to_le_bytes());
    b[48..56].copy_from_slice(&m.mtime.to_le_bytes());
    b[56..64].copy_from_slice(&m.ctime.to_le_bytes());
    b
}

/// Two iovecs at 0x100: 3 bytes at 0x200, 10 bytes at 0x300.
fn two_iovecs(env: &mut Env) {
    env.put_iovecs(0x100, &[(0x200, 3), (0x300, 10)]);
}

/// `/f` opened read-write as fd 4, two iovecs at 0x100.
fn file_rw(env: &mut Env) {
    let fd = env.open("f", 0, rights::REGULAR_FILE, 0);
    assert_eq!(fd, 4);
    two_iovecs(env);
}

/// `/f` opened read-only as fd 4.
fn file_ro(env: &mut Env) {
    let fd = env.open("f", 0, rights::REGULAR_FILE & !rights::FD_WRITE, 0);
    assert_eq!(fd, 4);
    two_iovecs(env);
}

/// `/d` as fd 4.
fn d_open(env: &mut Env) {
    assert_eq!(env.open("d", oflags::DIRECTORY, rights::DIRECTORY, 0), 4);
}

/// `/dev/zero` as fd 4.
fn zero(env: &mut Env) {
    assert_eq!(env.open("dev/zero", 0, rights::REGULAR_FILE, 0), 4);
    two_iovecs(env);
}

/// `/f` opened for appending as fd 4; "XY" at 0x200 named by one iovec.
fn append(env: &mut Env) {
    let fd = env.open("f", 0, rights::REGULAR_FILE, fdflags::APPEND);
    assert_eq!(fd, 4);
    env.put(0x200, b"XY");
    env.put_iovecs(0x100, &[(0x200, 2)]);
}

/// `/f` read-write as fd 4, two iovecs at 0x100 naming "abc" and
/// "defghijklm".
fn file_rw_data(env: &mut Env) {
    file_rw(env);
    env.put(0x200, b"abc");
    env.put(0x300, b"defghijklm");
}

/// fd 4 is `/f`, opened without `fd_advise`, `fd_allocate`,
/// `fd_filestat_set_times` or `fd_sync` (and read-only).
fn file_few_rights(env: &mut Env) {
    let asked = rights::FD_READ | rights::FD_SEEK | rights::FD_TELL;
    assert_eq!(env.open("f", 0, asked, 0), 4);
}

fn fd3_closed(s: &mut State) {
    s.fds.remove(&3);
}

fn fd1_moved_onto_2(s: &mut State) {
    let stdout = s.fds.remove(&1).expect("fd 1");
    s.fds.insert(2, stdout);
}

fn stdin_nonblocking(s: &mut State) {
    s.fd(0).flags = fdflags::NONBLOCK;
}

fn f_appends(s: &mut State) {
    if let Opened::File { append, .. } = &mut s.fd(4).opened {
        *append = true;
    }
}

fn stdout_write_only(s: &mut State) {
    s.fd(1).rights_base = rights::FD_WRITE;
}

fn stdout_gets_13_fill_bytes(s: &mut State) {
    s.stdout.extend([FILL; 13]);
}

fn at_11(s: &mut State) {
    *s.position(4) = 11;
}

fn at_13(s: &mut State) {
    *s.position(4) = 13;
}

fn at_8(s: &mut State) {
    *s.position(4) = 8;
}

fn at_max(s: &mut State) {
    *s.position(4) = i64::MAX as u64;
}

fn f_written_from_0(s: &mut State) {
    *s.file("/f") = b"abcdefghijklm".to_vec();
    *s.position(4) = 13;
}

fn f_written_at_6(s: &mut State) {
    *s.file("/f") = b"hello abcdefghijklm".to_vec();
}

fn f_written_at_14_leaves_a_hole(s: &mut State) {
    let mut data = F.to_vec();
    data.extend_from_slice(&[0; 3]);
    data.extend_from_slice(b"abcdefghijklm");
    *s.file("/f") = data;
}

fn f_cut_to_3(s: &mut State) {
    *s.file("/f") = b"hel".to_vec();
}

fn f_grown_to_20(s: &mut State) {
    s.file("/f").resize(20, 0);
}

fn f_times_5_and_6(s: &mut State) {
    let e = s.at("/f");
    (e.atime, e.mtime) = (5, 6);
}

fn d_mtime_7(s: &mut State) {
    s.at("/d").mtime = 7;
}

const STREAM_STAT: [u8; 24] = fdstat(0, 0, rights::STREAM, 0);
const ROOT_STAT: [u8; 24] = fdstat(3, 0, rights::DIRECTORY, rights::DIRECTORY_INHERITING);

pub const CASES: &[Case] = &[
    // ----- fdstat, prestat
    Case {
        name: "fd_fdstat_get on a pipe-like stdin",
        setup: none,
        call: "fd_fdstat_get",
        args: &[0, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &STREAM_STAT)],
        effect: unchanged,
    },
    Case {
        name: "fd_fdstat_get on the preopened root",
        setup: none,
        call: "fd_fdstat_get",
        args: &[3, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &ROOT_STAT)],
        effect: unchanged,
    },
    Case {
        name: "fd_fdstat_get on a device: character device, seekable",
        setup: zero,
        call: "fd_fdstat_get",
        args: &[4, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &fdstat(2, 0, rights::REGULAR_FILE, 0))],
        effect: unchanged,
    },
    Case {
        name: "fd_fdstat_get shows append",
        setup: append,
        call: "fd_fdstat_get",
        args: &[4, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &fdstat(4, fdflags::APPEND, rights::REGULAR_FILE, 0))],
        effect: unchanged,
    },
    Case {
        name: "fd_fdstat_get on a closed descriptor",
        setup: none,
        call: "fd_fdstat_get",
        args: &[0x7FFF_FFFF, 0x100],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_fdstat_get past memory",
        setup: none,
        call: "fd_fdstat_get",
        args: &[0, 0xFFE9],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_prestat_get",
        setup: none,
        call: "fd_prestat_get",
        args: &[3, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &[0, 0, 0, 0, 1, 0, 0, 0])],
        effect: unchanged,
    },
    Case {
        name: "fd_prestat_get on stdio",
        setup: none,
        call: "fd_prestat_get",
        args: &[2, 0x100],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_prestat_dir_name",
        setup: none,
        call: "fd_prestat_dir_name",
        args: &[3, 0x100, 1],
        errno: Errno::Success,
        writes: &[(0x100, b"/")],
        effect: unchanged,
    },
    Case {
        name: "fd_prestat_dir_name, buffer too short",
        setup: none,
        call: "fd_prestat_dir_name",
        args: &[3, 0x100, 0],
        errno: Errno::NameTooLong,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_prestat_dir_name past memory",
        setup: none,
        call: "fd_prestat_dir_name",
        args: &[3, 0x1_0000, 1],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    // ----- reads
    Case {
        name: "fd_read from stdin fills the iovecs in order",
        setup: two_iovecs,
        call: "fd_read",
        args: &[0, 0x100, 2, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(6)), (0x200, b"inp"), (0x300, b"ut\n")],
        effect: unchanged,
    },
    Case {
        name: "fd_read from a file stops at the end",
        setup: file_rw,
        call: "fd_read",
        args: &[4, 0x100, 2, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(11)), (0x200, b"hel"), (0x300, b"lo world")],
        effect: at_11,
    },
    Case {
        name: "fd_read from /dev/zero (the position counts what was read)",
        setup: zero,
        call: "fd_read",
        args: &[4, 0x100, 2, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(13)), (0x200, &[0; 3]), (0x300, &[0; 10])],
        effect: at_13,
    },
    Case {
        name: "fd_read with no iovecs",
        setup: file_rw,
        call: "fd_read",
        args: &[4, 0x100, 0, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(0))],
        effect: unchanged,
    },
    Case {
        name: "fd_read from a directory",
        setup: two_iovecs,
        call: "fd_read",
        args: &[3, 0x100, 2, 0x80],
        errno: Errno::IsDir,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_read from stdout",
        setup: two_iovecs,
        call: "fd_read",
        args: &[1, 0x100, 2, 0x80],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_read, iovec table past memory",
        setup: none,
        call: "fd_read",
        args: &[0, 0xFFF8, 2, 0x80],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_read, count past memory: nothing read",
        setup: two_iovecs,
        call: "fd_read",
        args: &[0, 0x100, 2, 0xFFFE],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_pread at an offset leaves the position",
        setup: file_rw,
        call: "fd_pread",
        args: &[4, 0x100, 2, 6, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(5)), (0x200, b"wor"), (0x300, b"ld")],
        effect: unchanged,
    },
    Case {
        name: "fd_pread past the end",
        setup: file_rw,
        call: "fd_pread",
        args: &[4, 0x100, 2, 1 << 40, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(0))],
        effect: unchanged,
    },
    Case {
        name: "fd_pread at an offset above i64::MAX",
        setup: file_rw,
        call: "fd_pread",
        args: &[4, 0x100, 2, 1 << 63, 0x80],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_pread on stdin",
        setup: two_iovecs,
        call: "fd_pread",
        args: &[0, 0x100, 2, 0, 0x80],
        errno: Errno::Spipe,
        writes: &[],
        effect: unchanged,
    },
    // ----- writes
    Case {
        name: "fd_write to stdout",
        setup: two_iovecs,
        call: "fd_write",
        args: &[1, 0x100, 2, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(13))],
        effect: stdout_gets_13_fill_bytes,
    },
    Case {
        name: "fd_write without the write right",
        setup: file_ro,
        call: "fd_write",
        args: &[4, 0x100, 2, 0x80],
        errno: Errno::NotCapable,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_write to stdin",
        setup: two_iovecs,
        call: "fd_write",
        args: &[0, 0x100, 2, 0x80],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_write to the root directory",
        setup: two_iovecs,
        call: "fd_write",
        args: &[3, 0x100, 2, 0x80],
        errno: Errno::IsDir,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_pwrite to stdout",
        setup: two_iovecs,
        call: "fd_pwrite",
        args: &[1, 0x100, 2, 0, 0x80],
        errno: Errno::Spipe,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_pwrite ending past i64::MAX",
        setup: file_rw,
        call: "fd_pwrite",
        args: &[4, 0x100, 2, i64::MAX as u64 - 5, 0x80],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    // ----- positions
    Case {
        name: "fd_seek from the end",
        setup: file_rw,
        call: "fd_seek",
        args: &[4, (-3i64) as u64, 2, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le64(8))],
        effect: at_8,
    },
    Case {
        name: "fd_seek before the start",
        setup: file_rw,
        call: "fd_seek",
        args: &[4, (-1i64) as u64, 0, 0x80],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_seek to i64::MAX",
        setup: file_rw,
        call: "fd_seek",
        args: &[4, i64::MAX as u64, 1, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le64(i64::MAX as u64))],
        effect: at_max,
    },
    Case {
        name: "fd_seek past i64::MAX",
        setup: file_rw,
        call: "fd_seek",
        args: &[4, i64::MAX as u64, 2, 0x80],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_seek with a bad whence",
        setup: file_rw,
        call: "fd_seek",
        args: &[4, 0, 3, 0x80],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_seek on a pipe",
        setup: none,
        call: "fd_seek",
        args: &[0, 0, 0, 0x80],
        errno: Errno::Spipe,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_seek on a directory",
        setup: none,
        call: "fd_seek",
        args: &[3, 0, 0, 0x80],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_seek, result past memory",
        setup: file_rw,
        call: "fd_seek",
        args: &[4, 5, 0, 0xFFFC],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_tell",
        setup: file_rw,
        call: "fd_tell",
        args: &[4, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le64(0))],
        effect: unchanged,
    },
    Case {
        name: "fd_tell on stdout",
        setup: none,
        call: "fd_tell",
        args: &[1, 0x80],
        errno: Errno::Spipe,
        writes: &[],
        effect: unchanged,
    },
    // ----- descriptors
    Case {
        name: "fd_close",
        setup: none,
        call: "fd_close",
        args: &[3],
        errno: Errno::Success,
        writes: &[],
        effect: fd3_closed,
    },
    Case {
        name: "fd_close of a closed descriptor",
        setup: none,
        call: "fd_close",
        args: &[4],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_renumber",
        setup: none,
        call: "fd_renumber",
        args: &[1, 2],
        errno: Errno::Success,
        writes: &[],
        effect: fd1_moved_onto_2,
    },
    Case {
        name: "fd_renumber to a closed descriptor",
        setup: none,
        call: "fd_renumber",
        args: &[1, 4],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_fdstat_set_flags with an unknown bit",
        setup: none,
        call: "fd_fdstat_set_flags",
        args: &[1, 0x20],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_fdstat_set_flags nonblock",
        setup: none,
        call: "fd_fdstat_set_flags",
        args: &[0, fdflags::NONBLOCK as u64],
        errno: Errno::Success,
        writes: &[],
        effect: stdin_nonblocking,
    },
    Case {
        name: "fd_fdstat_set_rights cannot add rights",
        setup: none,
        call: "fd_fdstat_set_rights",
        args: &[1, rights::ALL, 0],
        errno: Errno::NotCapable,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_fdstat_set_rights drops rights",
        setup: none,
        call: "fd_fdstat_set_rights",
        args: &[1, rights::FD_WRITE, 0],
        errno: Errno::Success,
        writes: &[],
        effect: stdout_write_only,
    },
    // ----- metadata and sizes
    Case {
        name: "fd_filestat_get on a stream: zeros, one link",
        setup: none,
        call: "fd_filestat_get",
        args: &[1, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &[0; 24]), (0x118, &le64(1)), (0x120, &[0; 32])],
        effect: unchanged,
    },
    Case {
        name: "fd_filestat_get past memory",
        setup: none,
        call: "fd_filestat_get",
        args: &[3, 0xFFC1],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_filestat_set_size on a stream",
        setup: none,
        call: "fd_filestat_set_size",
        args: &[1, 0],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_filestat_set_size on a directory",
        setup: none,
        call: "fd_filestat_set_size",
        args: &[3, 0],
        errno: Errno::IsDir,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_filestat_set_size past i64::MAX",
        setup: file_rw,
        call: "fd_filestat_set_size",
        args: &[4, 1 << 63],
        errno: Errno::Fbig,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_filestat_set_size of a read-only file",
        setup: file_ro,
        call: "fd_filestat_set_size",
        args: &[4, 0],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_filestat_set_size on a device",
        setup: zero,
        call: "fd_filestat_set_size",
        args: &[4, 0],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_allocate past i64::MAX",
        setup: file_rw,
        call: "fd_allocate",
        args: &[4, i64::MAX as u64, 1],
        errno: Errno::Fbig,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_allocate on a pipe",
        setup: none,
        call: "fd_allocate",
        args: &[0, 0, 1],
        errno: Errno::Spipe,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_filestat_set_times with an unknown flag",
        setup: none,
        call: "fd_filestat_set_times",
        args: &[3, 0, 0, 0x10],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_filestat_set_times with a time and now",
        setup: none,
        call: "fd_filestat_set_times",
        args: &[3, 0, 0, 3],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_advise with an unknown advice",
        setup: file_rw,
        call: "fd_advise",
        args: &[4, 0, 0, 6],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_advise on a pipe",
        setup: none,
        call: "fd_advise",
        args: &[0, 0, 0, 0],
        errno: Errno::Spipe,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_sync on a stream",
        setup: none,
        call: "fd_sync",
        args: &[1],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_datasync on a directory",
        setup: none,
        call: "fd_datasync",
        args: &[3],
        errno: Errno::Success,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_readdir on a file",
        setup: file_rw,
        call: "fd_readdir",
        args: &[4, 0x100, 0x100, 0, 0x80],
        errno: Errno::NotDir,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_readdir, buffer past memory",
        setup: none,
        call: "fd_readdir",
        args: &[3, 0xFF00, 0x101, 0, 0x80],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_readdir, count past memory: nothing written",
        setup: none,
        call: "fd_readdir",
        args: &[3, 0x100, 0x100, 0, 0xFFFF],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    // ----- rows that complete the table: a success for every function
    // that can succeed, two errors for every function that can fail
    Case {
        name: "fd_write to a file overwrites from the position and moves it",
        setup: file_rw_data,
        call: "fd_write",
        args: &[4, 0x100, 2, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(13))],
        effect: f_written_from_0,
    },
    Case {
        name: "fd_write to a file, a buffer past memory: the file stays",
        setup: file_rw_data,
        call: "fd_write",
        args: &[4, 0xFFF8, 1, 0x80],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_pwrite at 6 leaves the position",
        setup: file_rw_data,
        call: "fd_pwrite",
        args: &[4, 0x100, 2, 6, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(13))],
        effect: f_written_at_6,
    },
    Case {
        name: "fd_pwrite past the end leaves a hole of zeros",
        setup: file_rw_data,
        call: "fd_pwrite",
        args: &[4, 0x100, 2, 14, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(13))],
        effect: f_written_at_14_leaves_a_hole,
    },
    Case {
        name: "fd_pwrite of a read-only file",
        setup: file_ro,
        call: "fd_pwrite",
        args: &[4, 0x100, 2, 0, 0x80],
        errno: Errno::NotCapable,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_tell of a closed descriptor",
        setup: none,
        call: "fd_tell",
        args: &[9, 0x80],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_tell, result past memory",
        setup: file_rw,
        call: "fd_tell",
        args: &[4, 0xFFF9],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_close of the largest number",
        setup: none,
        call: "fd_close",
        args: &[0xFFFF_FFFF],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_renumber onto itself",
        setup: none,
        call: "fd_renumber",
        args: &[2, 2],
        errno: Errno::Success,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_renumber from a closed descriptor",
        setup: none,
        call: "fd_renumber",
        args: &[4, 1],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_fdstat_set_flags append on a file",
        setup: file_rw,
        call: "fd_fdstat_set_flags",
        args: &[4, fdflags::APPEND as u64],
        errno: Errno::Success,
        writes: &[],
        effect: f_appends,
    },
    Case {
        name: "fd_fdstat_set_flags on a closed descriptor",
        setup: none,
        call: "fd_fdstat_set_flags",
        args: &[8, 0],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_fdstat_set_rights cannot add inheriting rights",
        setup: none,
        call: "fd_fdstat_set_rights",
        args: &[1, 0, rights::FD_READ],
        errno: Errno::NotCapable,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_fdstat_set_rights on a closed descriptor",
        setup: none,
        call: "fd_fdstat_set_rights",
        args: &[5, 0, 0],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_filestat_get of a closed descriptor",
        setup: none,
        call: "fd_filestat_get",
        args: &[6, 0x100],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_filestat_set_size cuts",
        setup: file_rw,
        call: "fd_filestat_set_size",
        args: &[4, 3],
        errno: Errno::Success,
        writes: &[],
        effect: f_cut_to_3,
    },
    Case {
        name: "fd_filestat_set_size grows with zeros",
        setup: file_rw,
        call: "fd_filestat_set_size",
        args: &[4, 20],
        errno: Errno::Success,
        writes: &[],
        effect: f_grown_to_20,
    },
    Case {
        name: "fd_allocate grows with zeros",
        setup: file_rw,
        call: "fd_allocate",
        args: &[4, 15, 5],
        errno: Errno::Success,
        writes: &[],
        effect: f_grown_to_20,
    },
    Case {
        name: "fd_allocate inside the file changes nothing",
        setup: file_rw,
        call: "fd_allocate",
        args: &[4, 0, 11],
        errno: Errno::Success,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_allocate without the right",
        setup: file_few_rights,
        call: "fd_allocate",
        args: &[4, 0, 20],
        errno: Errno::NotCapable,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_filestat_set_times sets both times",
        setup: file_rw,
        call: "fd_filestat_set_times",
        args: &[4, 5, 6, 0b0101],
        errno: Errno::Success,
        writes: &[],
        effect: f_times_5_and_6,
    },
    Case {
        name: "fd_filestat_set_times of a directory",
        setup: d_open,
        call: "fd_filestat_set_times",
        args: &[4, 0, 7, 0b0100],
        errno: Errno::Success,
        writes: &[],
        effect: d_mtime_7,
    },
    Case {
        name: "fd_filestat_set_times without the right",
        setup: file_few_rights,
        call: "fd_filestat_set_times",
        args: &[4, 5, 6, 0b0101],
        errno: Errno::NotCapable,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_advise on a file",
        setup: file_rw,
        call: "fd_advise",
        args: &[4, 0, 11, 2],
        errno: Errno::Success,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_advise without the right",
        setup: file_few_rights,
        call: "fd_advise",
        args: &[4, 0, 11, 2],
        errno: Errno::NotCapable,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_sync on a file",
        setup: file_rw,
        call: "fd_sync",
        args: &[4],
        errno: Errno::Success,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_sync of a closed descriptor",
        setup: none,
        call: "fd_sync",
        args: &[4],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_datasync on stdin",
        setup: none,
        call: "fd_datasync",
        args: &[0],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_datasync of a closed descriptor",
        setup: none,
        call: "fd_datasync",
        args: &[0x7FFF_FFFF],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_prestat_get of a closed descriptor",
        setup: none,
        call: "fd_prestat_get",
        args: &[4, 0x100],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_prestat_get past memory",
        setup: none,
        call: "fd_prestat_get",
        args: &[3, 0xFFF9],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_prestat_get of a directory that is not a preopen",
        setup: d_open,
        call: "fd_prestat_get",
        args: &[4, 0x100],
        errno: Errno::Badf,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "fd_readdir into an empty buffer",
        setup: none,
        call: "fd_readdir",
        args: &[3, 0x100, 0, 0, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(0))],
        effect: unchanged,
    },
    Case {
        name: "fd_readdir into 8 bytes: the first record's cookie, cut",
        setup: none,
        call: "fd_readdir",
        args: &[3, 0x100, 8, 0, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(8)), (0x100, &le64(1))],
        effect: unchanged,
    },
];

#[test]
fn writes_land_in_the_file_and_the_position_moves() {
    let mut env = Env::new();
    file_rw(&mut env);
    env.put(0x200, b"HEL");
    env.put(0x300, b"LO");
    env.put_iovecs(0x100, &[(0x200, 3), (0x300, 2)]);
    assert_eq!(env.errno("fd_write", &[4, 0x100, 2, 0x80]), Errno::Success);
    assert_eq!(env.u32_at(0x80), 5);
    assert_eq!(env.errno("fd_tell", &[4, 0x88]), Errno::Success);
    assert_eq!(env.get(0x88, 8), le64(5));
    assert_eq!(
        &env.vfs.lock().read_file("/f").expect("read")[..],
        b"HELLO world"
    );
    // pwrite leaves the position; past the end it leaves a hole of zeros.
    assert_eq!(
        env.errno("fd_pwrite", &[4, 0x100, 1, 14, 0x80]),
        Errno::Success
    );
    assert_eq!(env.errno("fd_tell", &[4, 0x88]), Errno::Success);
    assert_eq!(env.get(0x88, 8), le64(5));
    assert_eq!(
        &env.vfs.lock().read_file("/f").expect("read")[..],
        b"HELLO world\0\0\0HEL"
    );
}

#[test]
fn append_writes_at_the_end_even_with_pwrite() {
    let mut env = Env::new();
    append(&mut env);
    assert_eq!(env.errno("fd_write", &[4, 0x100, 1, 0x80]), Errno::Success);
    assert_eq!(
        env.errno("fd_pwrite", &[4, 0x100, 1, 0, 0x80]),
        Errno::Success
    );
    let mut expected = F.to_vec();
    expected.extend_from_slice(b"XYXY");
    assert_eq!(&env.vfs.lock().read_file("/f").expect("read")[..], expected);
}

#[test]
fn devices_swallow_writes_and_stay_empty() {
    let mut env = Env::new();
    assert_eq!(env.open("dev/null", 0, rights::REGULAR_FILE, 0), 4);
    two_iovecs(&mut env);
    assert_eq!(env.errno("fd_write", &[4, 0x100, 2, 0x80]), Errno::Success);
    assert_eq!(env.u32_at(0x80), 13);
    assert_eq!(env.errno("fd_read", &[4, 0x100, 2, 0x80]), Errno::Success);
    assert_eq!(env.u32_at(0x80), 0);
}

#[test]
fn filestat_of_files_directories_and_devices() {
    let mut env = Env::new();
    assert_eq!(env.open("f", 0, rights::REGULAR_FILE, 0), 4);
    assert_eq!(env.open("dev/null", 0, rights::REGULAR_FILE, 0), 5);
    for (fd, path, filetype) in [(3u32, "/", 3u8), (4, "/f", 4), (5, "/dev/null", 2)] {
        let meta = env.vfs.lock().metadata(path, true).expect("stat");
        assert_eq!(
            env.errno("fd_filestat_get", &[fd.into(), 0x100]),
            Errno::Success
        );
        assert_eq!(env.get(0x100, 64), filestat(&meta, filetype), "{path}");
        assert_eq!(meta.mtime, T0);
    }
}

#[test]
fn readdir_lists_entries_and_cuts_the_last_one() {
    let mut env = Env::new();
    let d = env.open("d", oflags::DIRECTORY, rights::DIRECTORY, 0);
    let vfs = env.vfs.clone();
    let entries = {
        let vfs = vfs.lock();
        vfs.read_dir(vfs.lookup("/d").expect("d"), 0).expect("list")
    };
    let mut expected = Vec::new();
    for e in &entries {
        expected.extend_from_slice(&e.next_cookie.to_le_bytes());
        expected.extend_from_slice(&e.ino.to_le_bytes());
        expected.extend_from_slice(&(e.name.len() as u32).to_le_bytes());
        let filetype = match e.file_type {
            wasiland_vfs::FileType::CharDevice => 2,
            wasiland_vfs::FileType::Directory => 3,
            wasiland_vfs::FileType::Regular => 4,
            wasiland_vfs::FileType::Symlink => 7,
        };
        expected.extend_from_slice(&[filetype, 0, 0, 0]);
        expected.extend_from_slice(e.name.as_bytes());
    }
    assert_eq!(
        entries.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        [".", "..", "sub", "g"]
    );
    let a = env.errno("fd_readdir", &[d.into(), 0x100, 0x1000, 0, 0x80]);
    assert_eq!(
        (a, env.u32_at(0x80) as usize),
        (Errno::Success, expected.len())
    );
    assert_eq!(env.get(0x100, expected.len()), expected);
    // A buffer 5 bytes short: full (the guest asks again), the last
    // record cut, nothing written past the buffer.
    env.mem[0x100..0x1100].fill(crate::harness::FILL);
    let short = expected.len() as u64 - 5;
    let a = env.errno("fd_readdir", &[d.into(), 0x100, short, 0, 0x80]);
    assert_eq!((a, u64::from(env.u32_at(0x80))), (Errno::Success, short));
    assert_eq!(env.get(0x100, short as usize), &expected[..short as usize]);
    assert_eq!(env.get(0x100 + short as u32, 1), [crate::harness::FILL]);
    // From the last cookie: nothing more.
    let last = entries.last().expect("entries").next_cookie;
    let a = env.errno("fd_readdir", &[d.into(), 0x100, 0x1000, last, 0x80]);
    assert_eq!((a, env.u32_at(0x80)), (Errno::Success, 0));
    let a = env.errno("fd_readdir", &[d.into(), 0x100, 0x1000, u64::MAX, 0x80]);
    assert_eq!((a, env.u32_at(0x80)), (Errno::Success, 0));
}

#[test]
fn stdout_gets_the_gathered_bytes() {
    let mut env = Env::new();
    env.put(0x200, b"abc");
    env.put(0x300, b"defghijklm");
    two_iovecs(&mut env);
    assert_eq!(env.errno("fd_write", &[1, 0x100, 2, 0x80]), Errno::Success);
    assert_eq!(env.stdout.contents(), b"abcdefghijklm");
}
