//! `fd_*`: stdio streams, the preopened root, files and devices.

use crate::harness::{le32, le64, none, Case, Env, F, T0};
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
    },
    Case {
        name: "fd_fdstat_get on the preopened root",
        setup: none,
        call: "fd_fdstat_get",
        args: &[3, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &ROOT_STAT)],
    },
    Case {
        name: "fd_fdstat_get on a device: character device, seekable",
        setup: zero,
        call: "fd_fdstat_get",
        args: &[4, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &fdstat(2, 0, rights::REGULAR_FILE, 0))],
    },
    Case {
        name: "fd_fdstat_get shows append",
        setup: append,
        call: "fd_fdstat_get",
        args: &[4, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &fdstat(4, fdflags::APPEND, rights::REGULAR_FILE, 0))],
    },
    Case {
        name: "fd_fdstat_get on a closed descriptor",
        setup: none,
        call: "fd_fdstat_get",
        args: &[0x7FFF_FFFF, 0x100],
        errno: Errno::Badf,
        writes: &[],
    },
    Case {
        name: "fd_fdstat_get past memory",
        setup: none,
        call: "fd_fdstat_get",
        args: &[0, 0xFFE9],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "fd_prestat_get",
        setup: none,
        call: "fd_prestat_get",
        args: &[3, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &[0, 0, 0, 0, 1, 0, 0, 0])],
    },
    Case {
        name: "fd_prestat_get on stdio",
        setup: none,
        call: "fd_prestat_get",
        args: &[2, 0x100],
        errno: Errno::Badf,
        writes: &[],
    },
    Case {
        name: "fd_prestat_dir_name",
        setup: none,
        call: "fd_prestat_dir_name",
        args: &[3, 0x100, 1],
        errno: Errno::Success,
        writes: &[(0x100, b"/")],
    },
    Case {
        name: "fd_prestat_dir_name, buffer too short",
        setup: none,
        call: "fd_prestat_dir_name",
        args: &[3, 0x100, 0],
        errno: Errno::NameTooLong,
        writes: &[],
    },
    Case {
        name: "fd_prestat_dir_name past memory",
        setup: none,
        call: "fd_prestat_dir_name",
        args: &[3, 0x1_0000, 1],
        errno: Errno::Fault,
        writes: &[],
    },
    // ----- reads
    Case {
        name: "fd_read from stdin fills the iovecs in order",
        setup: two_iovecs,
        call: "fd_read",
        args: &[0, 0x100, 2, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(6)), (0x200, b"inp"), (0x300, b"ut\n")],
    },
    Case {
        name: "fd_read from a file stops at the end",
        setup: file_rw,
        call: "fd_read",
        args: &[4, 0x100, 2, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(11)), (0x200, b"hel"), (0x300, b"lo world")],
    },
    Case {
        name: "fd_read from /dev/zero",
        setup: zero,
        call: "fd_read",
        args: &[4, 0x100, 2, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(13)), (0x200, &[0; 3]), (0x300, &[0; 10])],
    },
    Case {
        name: "fd_read with no iovecs",
        setup: file_rw,
        call: "fd_read",
        args: &[4, 0x100, 0, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(0))],
    },
    Case {
        name: "fd_read from a directory",
        setup: two_iovecs,
        call: "fd_read",
        args: &[3, 0x100, 2, 0x80],
        errno: Errno::IsDir,
        writes: &[],
    },
    Case {
        name: "fd_read from stdout",
        setup: two_iovecs,
        call: "fd_read",
        args: &[1, 0x100, 2, 0x80],
        errno: Errno::Badf,
        writes: &[],
    },
    Case {
        name: "fd_read, iovec table past memory",
        setup: none,
        call: "fd_read",
        args: &[0, 0xFFF8, 2, 0x80],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "fd_read, count past memory: nothing read",
        setup: two_iovecs,
        call: "fd_read",
        args: &[0, 0x100, 2, 0xFFFE],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "fd_pread at an offset leaves the position",
        setup: file_rw,
        call: "fd_pread",
        args: &[4, 0x100, 2, 6, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(5)), (0x200, b"wor"), (0x300, b"ld")],
    },
    Case {
        name: "fd_pread past the end",
        setup: file_rw,
        call: "fd_pread",
        args: &[4, 0x100, 2, 1 << 40, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(0))],
    },
    Case {
        name: "fd_pread at an offset above i64::MAX",
        setup: file_rw,
        call: "fd_pread",
        args: &[4, 0x100, 2, 1 << 63, 0x80],
        errno: Errno::Inval,
        writes: &[],
    },
    Case {
        name: "fd_pread on stdin",
        setup: two_iovecs,
        call: "fd_pread",
        args: &[0, 0x100, 2, 0, 0x80],
        errno: Errno::Spipe,
        writes: &[],
    },
    // ----- writes
    Case {
        name: "fd_write to stdout",
        setup: two_iovecs,
        call: "fd_write",
        args: &[1, 0x100, 2, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(13))],
    },
    Case {
        name: "fd_write without the write right",
        setup: file_ro,
        call: "fd_write",
        args: &[4, 0x100, 2, 0x80],
        errno: Errno::NotCapable,
        writes: &[],
    },
    Case {
        name: "fd_write to stdin",
        setup: two_iovecs,
        call: "fd_write",
        args: &[0, 0x100, 2, 0x80],
        errno: Errno::Badf,
        writes: &[],
    },
    Case {
        name: "fd_write to the root directory",
        setup: two_iovecs,
        call: "fd_write",
        args: &[3, 0x100, 2, 0x80],
        errno: Errno::IsDir,
        writes: &[],
    },
    Case {
        name: "fd_pwrite to stdout",
        setup: two_iovecs,
        call: "fd_pwrite",
        args: &[1, 0x100, 2, 0, 0x80],
        errno: Errno::Spipe,
        writes: &[],
    },
    Case {
        name: "fd_pwrite ending past i64::MAX",
        setup: file_rw,
        call: "fd_pwrite",
        args: &[4, 0x100, 2, i64::MAX as u64 - 5, 0x80],
        errno: Errno::Inval,
        writes: &[],
    },
    // ----- positions
    Case {
        name: "fd_seek from the end",
        setup: file_rw,
        call: "fd_seek",
        args: &[4, (-3i64) as u64, 2, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le64(8))],
    },
    Case {
        name: "fd_seek before the start",
        setup: file_rw,
        call: "fd_seek",
        args: &[4, (-1i64) as u64, 0, 0x80],
        errno: Errno::Inval,
        writes: &[],
    },
    Case {
        name: "fd_seek past i64::MAX",
        setup: file_rw,
        call: "fd_seek",
        args: &[4, i64::MAX as u64, 1, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le64(i64::MAX as u64))],
    },
    Case {
        name: "fd_seek with a bad whence",
        setup: file_rw,
        call: "fd_seek",
        args: &[4, 0, 3, 0x80],
        errno: Errno::Inval,
        writes: &[],
    },
    Case {
        name: "fd_seek on a pipe",
        setup: none,
        call: "fd_seek",
        args: &[0, 0, 0, 0x80],
        errno: Errno::Spipe,
        writes: &[],
    },
    Case {
        name: "fd_seek on a directory",
        setup: none,
        call: "fd_seek",
        args: &[3, 0, 0, 0x80],
        errno: Errno::Badf,
        writes: &[],
    },
    Case {
        name: "fd_seek, result past memory",
        setup: file_rw,
        call: "fd_seek",
        args: &[4, 5, 0, 0xFFFC],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "fd_tell",
        setup: file_rw,
        call: "fd_tell",
        args: &[4, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le64(0))],
    },
    Case {
        name: "fd_tell on stdout",
        setup: none,
        call: "fd_tell",
        args: &[1, 0x80],
        errno: Errno::Spipe,
        writes: &[],
    },
    // ----- descriptors
    Case {
        name: "fd_close",
        setup: none,
        call: "fd_close",
        args: &[3],
        errno: Errno::Success,
        writes: &[],
    },
    Case {
        name: "fd_close of a closed descriptor",
        setup: none,
        call: "fd_close",
        args: &[4],
        errno: Errno::Badf,
        writes: &[],
    },
    Case {
        name: "fd_renumber",
        setup: none,
        call: "fd_renumber",
        args: &[1, 2],
        errno: Errno::Success,
        writes: &[],
    },
    Case {
        name: "fd_renumber to a closed descriptor",
        setup: none,
        call: "fd_renumber",
        args: &[1, 4],
        errno: Errno::Badf,
        writes: &[],
    },
    Case {
        name: "fd_fdstat_set_flags with an unknown bit",
        setup: none,
        call: "fd_fdstat_set_flags",
        args: &[1, 0x20],
        errno: Errno::Inval,
        writes: &[],
    },
    Case {
        name: "fd_fdstat_set_flags nonblock",
        setup: none,
        call: "fd_fdstat_set_flags",
        args: &[0, fdflags::NONBLOCK as u64],
        errno: Errno::Success,
        writes: &[],
    },
    Case {
        name: "fd_fdstat_set_rights cannot add rights",
        setup: none,
        call: "fd_fdstat_set_rights",
        args: &[1, rights::ALL, 0],
        errno: Errno::NotCapable,
        writes: &[],
    },
    Case {
        name: "fd_fdstat_set_rights drops rights",
        setup: none,
        call: "fd_fdstat_set_rights",
        args: &[1, rights::FD_WRITE, 0],
        errno: Errno::Success,
        writes: &[],
    },
    // ----- metadata and sizes
    Case {
        name: "fd_filestat_get on a stream: zeros, one link",
        setup: none,
        call: "fd_filestat_get",
        args: &[1, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &[0; 24]), (0x118, &le64(1)), (0x120, &[0; 32])],
    },
    Case {
        name: "fd_filestat_get past memory",
        setup: none,
        call: "fd_filestat_get",
        args: &[3, 0xFFC1],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "fd_filestat_set_size on a stream",
        setup: none,
        call: "fd_filestat_set_size",
        args: &[1, 0],
        errno: Errno::Inval,
        writes: &[],
    },
    Case {
        name: "fd_filestat_set_size on a directory",
        setup: none,
        call: "fd_filestat_set_size",
        args: &[3, 0],
        errno: Errno::IsDir,
        writes: &[],
    },
    Case {
        name: "fd_filestat_set_size past i64::MAX",
        setup: file_rw,
        call: "fd_filestat_set_size",
        args: &[4, 1 << 63],
        errno: Errno::Fbig,
        writes: &[],
    },
    Case {
        name: "fd_filestat_set_size of a read-only file",
        setup: file_ro,
        call: "fd_filestat_set_size",
        args: &[4, 0],
        errno: Errno::Badf,
        writes: &[],
    },
    Case {
        name: "fd_filestat_set_size on a device",
        setup: zero,
        call: "fd_filestat_set_size",
        args: &[4, 0],
        errno: Errno::Inval,
        writes: &[],
    },
    Case {
        name: "fd_allocate past i64::MAX",
        setup: file_rw,
        call: "fd_allocate",
        args: &[4, i64::MAX as u64, 1],
        errno: Errno::Fbig,
        writes: &[],
    },
    Case {
        name: "fd_allocate on a pipe",
        setup: none,
        call: "fd_allocate",
        args: &[0, 0, 1],
        errno: Errno::Spipe,
        writes: &[],
    },
    Case {
        name: "fd_filestat_set_times with an unknown flag",
        setup: none,
        call: "fd_filestat_set_times",
        args: &[3, 0, 0, 0x10],
        errno: Errno::Inval,
        writes: &[],
    },
    Case {
        name: "fd_filestat_set_times with a time and now",
        setup: none,
        call: "fd_filestat_set_times",
        args: &[3, 0, 0, 3],
        errno: Errno::Inval,
        writes: &[],
    },
    Case {
        name: "fd_advise with an unknown advice",
        setup: file_rw,
        call: "fd_advise",
        args: &[4, 0, 0, 6],
        errno: Errno::Inval,
        writes: &[],
    },
    Case {
        name: "fd_advise on a pipe",
        setup: none,
        call: "fd_advise",
        args: &[0, 0, 0, 0],
        errno: Errno::Spipe,
        writes: &[],
    },
    Case {
        name: "fd_sync on a stream",
        setup: none,
        call: "fd_sync",
        args: &[1],
        errno: Errno::Inval,
        writes: &[],
    },
    Case {
        name: "fd_datasync on a directory",
        setup: none,
        call: "fd_datasync",
        args: &[3],
        errno: Errno::Success,
        writes: &[],
    },
    Case {
        name: "fd_readdir on a file",
        setup: file_rw,
        call: "fd_readdir",
        args: &[4, 0x100, 0x100, 0, 0x80],
        errno: Errno::NotDir,
        writes: &[],
    },
    Case {
        name: "fd_readdir, buffer past memory",
        setup: none,
        call: "fd_readdir",
        args: &[3, 0xFF00, 0x101, 0, 0x80],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "fd_readdir, count past memory: nothing written",
        setup: none,
        call: "fd_readdir",
        args: &[3, 0x100, 0x100, 0, 0xFFFF],
        errno: Errno::Fault,
        writes: &[],
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
