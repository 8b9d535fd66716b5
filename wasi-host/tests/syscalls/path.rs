//! `path_*`: paths are relative to a directory descriptor (3 is `/`).
//! Path arguments live at 0x400 (see [`paths`]).

use crate::harness::{le32, unchanged, Case, Env, INO_F, INO_LINK, T0};
use crate::state::{Fd, Node, Opened, State};
use wasiland_vfs::DEVICE_ID;
use wasiland_wasi_host::abi::{oflags, rights};
use wasiland_wasi_host::Errno;

/// Path arguments, each at its own address.
fn paths(env: &mut Env) {
    for (at, p) in PATHS {
        env.put(*at, p);
    }
}

/// Path arguments, and `/d` open as fd 4.
fn paths_and_d(env: &mut Env) {
    paths(env);
    let fd = env.open("d", oflags::DIRECTORY, rights::DIRECTORY, 0);
    assert_eq!(fd, 4);
}

const PATHS: &[(u32, &[u8])] = &[
    (0x400, b"f"),
    (0x410, b"d"),
    (0x420, b"missing"),
    (0x430, b"link"),
    (0x440, b"new"),
    (0x450, b"/abs"),
    (0x460, b"d/g"),
    (0x470, b"../f"),
    (0x480, b"bad\xff"),
    (0x490, b"nul\0x"),
    (0x4A0, b"d/sub"),
    (0x4B0, b"/"),
    (0x4C0, b"f/"),
    (0x4D0, b"d/"),
    (0x4E0, b"missing/"),
    (0x4F0, b"g"),
];

const F: (u64, u64) = (0x400, 1);
const D: (u64, u64) = (0x410, 1);
const MISSING: (u64, u64) = (0x420, 7);
const LINK: (u64, u64) = (0x430, 4);
const NEW: (u64, u64) = (0x440, 3);
const ABS: (u64, u64) = (0x450, 4);
const D_G: (u64, u64) = (0x460, 3);
const ESCAPE: (u64, u64) = (0x470, 4);
const NOT_UTF8: (u64, u64) = (0x480, 4);
const WITH_NUL: (u64, u64) = (0x490, 5);
const D_SUB: (u64, u64) = (0x4A0, 5);
const SLASH: (u64, u64) = (0x4B0, 1);
const F_SLASH: (u64, u64) = (0x4C0, 2);
const D_SLASH: (u64, u64) = (0x4D0, 2);
const MISSING_SLASH: (u64, u64) = (0x4E0, 8);
const G: (u64, u64) = (0x4F0, 1);

/// Path arguments, and `/d` open as fd 4 asking for every right but
/// `fd_write` (which makes opening a directory `isdir`).
fn paths_and_d_every_right(env: &mut Env) {
    paths(env);
    let asked = rights::ALL & !rights::FD_WRITE;
    assert_eq!(env.open("d", oflags::DIRECTORY, asked, 0), 4);
}

/// Path arguments, and `/d` open as fd 4 without `path_filestat_set_size`.
fn paths_and_d_no_set_size(env: &mut Env) {
    paths(env);
    let base = rights::DIRECTORY & !rights::PATH_FILESTAT_SET_SIZE;
    assert_eq!(env.open("d", oflags::DIRECTORY, base, 0), 4);
}

/// `path_open(4, 0, "g", O_TRUNC, ...)`: truncate `/d/g` through fd 4.
const TRUNC_G: [u64; 9] = [
    4,
    0,
    G.0,
    G.1,
    oflags::TRUNC as u64,
    rights::REGULAR_FILE,
    0,
    0,
    0x80,
];

/// An `fdstat` of a directory (24 bytes): filetype 3, no flags, `base`,
/// no inheriting rights.
const fn dir_fdstat(base: u64) -> [u8; 24] {
    let mut b = [0u8; 24];
    b[0] = 3;
    let r = base.to_le_bytes();
    let mut k = 0;
    while k < 8 {
        b[8 + k] = r[k];
        k += 1;
    }
    b
}

/// `path_open(3, follow, path, oflags, rights, 0, fdflags, 0x80)`.
const fn open(path: (u64, u64), oflags: u16, fdflags: u16) -> [u64; 9] {
    [
        3,
        1,
        path.0,
        path.1,
        oflags as u64,
        rights::REGULAR_FILE,
        0,
        fdflags as u64,
        0x80,
    ]
}

const OPEN_F: [u64; 9] = open(F, 0, 0);
const OPEN_MISSING: [u64; 9] = open(MISSING, 0, 0);
const CREATE_EXCL_F: [u64; 9] = open(F, oflags::CREAT | oflags::EXCL, 0);
const DIRECTORY_F: [u64; 9] = open(F, oflags::DIRECTORY, 0);
const BAD_OFLAGS: [u64; 9] = open(F, 0x10, 0);
const BAD_FDFLAGS: [u64; 9] = open(F, 0, 0x20);
const CREATE_NEW: [u64; 9] = open(NEW, oflags::CREAT, 0);
const OPEN_ESCAPE: [u64; 9] = {
    let mut a = open(ESCAPE, 0, 0);
    a[0] = 4;
    a
};
const OPEN_NOT_UTF8: [u64; 9] = open(NOT_UTF8, 0, 0);
const OPEN_WITH_NUL: [u64; 9] = open(WITH_NUL, 0, 0);
const CREATE_NEW_BAD_RESULT: [u64; 9] = {
    let mut a = open(NEW, oflags::CREAT, 0);
    a[8] = 0xFFFE;
    a
};
const OPEN_FROM_FILE: [u64; 9] = {
    let mut a = open(F, 0, 0);
    a[0] = 0;
    a
};

/// A `filestat` of a fixture inode (64 bytes): the filesystem's device,
/// `ino`, `filetype`, `nlink`, `size` and the fixture's time T0 thrice.
const fn filestat(ino: u64, filetype: u8, nlink: u64, size: u64) -> [u8; 64] {
    let mut b = [0u8; 64];
    let fields = [DEVICE_ID, ino, filetype as u64, nlink, size, T0, T0, T0];
    let mut i = 0;
    while i < fields.len() {
        let bytes = fields[i].to_le_bytes();
        let mut k = 0;
        while k < 8 {
            b[8 * i + k] = bytes[k];
            k += 1;
        }
        i += 1;
    }
    b
}

const F_LEN: u64 = crate::harness::F.len() as u64;

fn f_renamed_new(s: &mut State) {
    let f = s.remove("/f");
    s.tree.insert("/new".into(), f);
}

/// A descriptor as `path_open` makes it for a regular file.
fn file_fd(path: &str, rights_base: u64, readable: bool, writable: bool) -> Fd {
    Fd {
        opened: Opened::File {
            path: Some(path.into()),
            position: 0,
            append: false,
            readable,
            writable,
        },
        rights_base,
        rights_inheriting: 0,
        flags: 0,
    }
}

fn fd4_is_f(s: &mut State) {
    s.fds
        .insert(4, file_fd("/f", rights::REGULAR_FILE, true, true));
}

fn new_file_is_fd4(s: &mut State) {
    s.add("/new", Node::File(Vec::new()), 1);
    s.fds
        .insert(4, file_fd("/new", rights::REGULAR_FILE, true, true));
}

/// `/d/g` emptied, and open as fd 5 with the rights `/d` (fd 4, opened
/// with no inheriting rights) hands down: none.
fn g_truncated_as_fd5(s: &mut State) {
    s.file("/d/g").clear();
    s.fds.insert(5, file_fd("/d/g", 0, false, false));
}

fn new_directory(s: &mut State) {
    s.add("/new", Node::Dir, 2);
    s.at("/").nlink += 1;
}

fn g_unlinked(s: &mut State) {
    s.remove("/d/g");
}

fn sub_removed(s: &mut State) {
    s.remove("/d/sub");
    s.at("/d").nlink -= 1;
}

fn new_links_to_missing(s: &mut State) {
    s.add("/new", Node::Symlink("missing".into()), 1);
}

fn new_links_to_abs(s: &mut State) {
    s.add("/new", Node::Symlink("/abs".into()), 1);
}

fn new_is_a_link_of_f(s: &mut State) {
    let f = s.at("/f");
    f.nlink = 2;
    let f = f.clone();
    s.tree.insert("/new".into(), f);
}

fn f_times_5_and_6(s: &mut State) {
    let f = s.at("/f");
    (f.atime, f.mtime) = (5, 6);
}

pub const CASES: &[Case] = &[
    Case {
        name: "path_open takes the lowest free descriptor",
        setup: paths,
        call: "path_open",
        args: &OPEN_F,
        errno: Errno::Success,
        writes: &[(0x80, &le32(4))],
        effect: fd4_is_f,
    },
    Case {
        name: "path_open of a missing file",
        setup: paths,
        call: "path_open",
        args: &OPEN_MISSING,
        errno: Errno::NoEnt,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_open creates",
        setup: paths,
        call: "path_open",
        args: &CREATE_NEW,
        errno: Errno::Success,
        writes: &[(0x80, &le32(4))],
        effect: new_file_is_fd4,
    },
    Case {
        name: "path_open with a bad result pointer creates nothing",
        setup: paths,
        call: "path_open",
        args: &CREATE_NEW_BAD_RESULT,
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_open O_CREAT|O_EXCL of an existing file",
        setup: paths,
        call: "path_open",
        args: &CREATE_EXCL_F,
        errno: Errno::Exist,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_open O_DIRECTORY of a file",
        setup: paths,
        call: "path_open",
        args: &DIRECTORY_F,
        errno: Errno::NotDir,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_open with an unknown oflag",
        setup: paths,
        call: "path_open",
        args: &BAD_OFLAGS,
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_open with an unknown fdflag",
        setup: paths,
        call: "path_open",
        args: &BAD_FDFLAGS,
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_open cannot leave its directory",
        setup: paths_and_d,
        call: "path_open",
        args: &OPEN_ESCAPE,
        errno: Errno::NotCapable,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_open of a path that is not UTF-8",
        setup: paths,
        call: "path_open",
        args: &OPEN_NOT_UTF8,
        errno: Errno::Ilseq,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_open of a path with a NUL",
        setup: paths,
        call: "path_open",
        args: &OPEN_WITH_NUL,
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_open from a file descriptor",
        setup: paths,
        call: "path_open",
        args: &OPEN_FROM_FILE,
        errno: Errno::NotDir,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "a directory opened asking for every right gets directory rights only (no fd_seek/fd_tell/fd_read)",
        setup: paths_and_d_every_right,
        call: "fd_fdstat_get",
        args: &[4, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &dir_fdstat(rights::DIRECTORY))],
        effect: unchanged,
    },
    Case {
        name: "path_open O_TRUNC through a directory without path_filestat_set_size",
        setup: paths_and_d_no_set_size,
        call: "path_open",
        args: &TRUNC_G,
        errno: Errno::NotCapable,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_open O_TRUNC through a directory with path_filestat_set_size",
        setup: paths_and_d,
        call: "path_open",
        args: &TRUNC_G,
        errno: Errno::Success,
        writes: &[(0x80, &le32(5))],
        effect: g_truncated_as_fd5,
    },
    Case {
        name: "path_create_directory",
        setup: paths,
        call: "path_create_directory",
        args: &[3, NEW.0, NEW.1],
        errno: Errno::Success,
        writes: &[],
        effect: new_directory,
    },
    Case {
        name: "path_create_directory of an existing name",
        setup: paths,
        call: "path_create_directory",
        args: &[3, D.0, D.1],
        errno: Errno::Exist,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_create_directory of an absolute path",
        setup: paths,
        call: "path_create_directory",
        args: &[3, ABS.0, ABS.1],
        errno: Errno::NotCapable,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_create_directory, path past memory",
        setup: paths,
        call: "path_create_directory",
        args: &[3, 0xFFFF, 2],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_create_directory of an empty path",
        setup: paths,
        call: "path_create_directory",
        args: &[3, NEW.0, 0],
        errno: Errno::NoEnt,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_unlink_file of a directory",
        setup: paths,
        call: "path_unlink_file",
        args: &[3, D.0, D.1],
        errno: Errno::IsDir,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_unlink_file of a missing name",
        setup: paths,
        call: "path_unlink_file",
        args: &[3, MISSING.0, MISSING.1],
        errno: Errno::NoEnt,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_unlink_file",
        setup: paths,
        call: "path_unlink_file",
        args: &[3, D_G.0, D_G.1],
        errno: Errno::Success,
        writes: &[],
        effect: g_unlinked,
    },
    Case {
        name: "path_remove_directory of a non-empty directory",
        setup: paths,
        call: "path_remove_directory",
        args: &[3, D.0, D.1],
        errno: Errno::NotEmpty,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_remove_directory of a file",
        setup: paths,
        call: "path_remove_directory",
        args: &[3, F.0, F.1],
        errno: Errno::NotDir,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_remove_directory",
        setup: paths,
        call: "path_remove_directory",
        args: &[3, D_SUB.0, D_SUB.1],
        errno: Errno::Success,
        writes: &[],
        effect: sub_removed,
    },
    Case {
        name: "path_readlink",
        setup: paths,
        call: "path_readlink",
        args: &[3, LINK.0, LINK.1, 0x200, 16, 0x80],
        errno: Errno::Success,
        writes: &[(0x200, b"f"), (0x80, &le32(1))],
        effect: unchanged,
    },
    Case {
        name: "path_readlink into an empty buffer",
        setup: paths,
        call: "path_readlink",
        args: &[3, LINK.0, LINK.1, 0x200, 0, 0x80],
        errno: Errno::Success,
        writes: &[(0x80, &le32(0))],
        effect: unchanged,
    },
    Case {
        name: "path_readlink of a file",
        setup: paths,
        call: "path_readlink",
        args: &[3, F.0, F.1, 0x200, 16, 0x80],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_readlink, count past memory: nothing written",
        setup: paths,
        call: "path_readlink",
        args: &[3, LINK.0, LINK.1, 0x200, 16, 0xFFFD],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_symlink over an existing name",
        setup: paths,
        call: "path_symlink",
        args: &[MISSING.0, MISSING.1, 3, F.0, F.1],
        errno: Errno::Exist,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_symlink to a missing target",
        setup: paths,
        call: "path_symlink",
        args: &[MISSING.0, MISSING.1, 3, NEW.0, NEW.1],
        errno: Errno::Success,
        writes: &[],
        effect: new_links_to_missing,
    },
    Case {
        name: "path_symlink with an absolute target through a directory other than the root",
        setup: paths_and_d,
        call: "path_symlink",
        args: &[SLASH.0, SLASH.1, 4, NEW.0, NEW.1],
        errno: Errno::NotCapable,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_symlink with an absolute target through the root (followed as in a chroot)",
        setup: paths,
        call: "path_symlink",
        args: &[ABS.0, ABS.1, 3, NEW.0, NEW.1],
        errno: Errno::Success,
        writes: &[],
        effect: new_links_to_abs,
    },
    Case {
        name: "path_symlink onto file/ (an existing file with a trailing slash)",
        setup: paths,
        call: "path_symlink",
        args: &[MISSING.0, MISSING.1, 3, F_SLASH.0, F_SLASH.1],
        errno: Errno::NotDir,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_symlink onto dir/ (an existing directory with a trailing slash)",
        setup: paths,
        call: "path_symlink",
        args: &[MISSING.0, MISSING.1, 3, D_SLASH.0, D_SLASH.1],
        errno: Errno::Exist,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_symlink onto missing/ (a missing name with a trailing slash)",
        setup: paths,
        call: "path_symlink",
        args: &[MISSING.0, MISSING.1, 3, MISSING_SLASH.0, MISSING_SLASH.1],
        errno: Errno::NoEnt,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_link of a directory",
        setup: paths,
        call: "path_link",
        args: &[3, 0, D.0, D.1, 3, NEW.0, NEW.1],
        errno: Errno::Perm,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_link with an unknown lookup flag",
        setup: paths,
        call: "path_link",
        args: &[3, 2, F.0, F.1, 3, NEW.0, NEW.1],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_link",
        setup: paths,
        call: "path_link",
        args: &[3, 0, F.0, F.1, 3, NEW.0, NEW.1],
        errno: Errno::Success,
        writes: &[],
        effect: new_is_a_link_of_f,
    },
    Case {
        name: "path_rename of a missing name",
        setup: paths,
        call: "path_rename",
        args: &[3, MISSING.0, MISSING.1, 3, NEW.0, NEW.1],
        errno: Errno::NoEnt,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_rename of a directory into itself",
        setup: paths,
        call: "path_rename",
        args: &[3, D.0, D.1, 3, D_SUB.0, D_SUB.1],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_filestat_get of a missing name",
        setup: paths,
        call: "path_filestat_get",
        args: &[3, 1, MISSING.0, MISSING.1, 0x100],
        errno: Errno::NoEnt,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_filestat_get, result past memory",
        setup: paths,
        call: "path_filestat_get",
        args: &[3, 1, F.0, F.1, 0xFFC1],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_filestat_set_times with an unknown flag",
        setup: paths,
        call: "path_filestat_set_times",
        args: &[3, 0, F.0, F.1, 0, 0, 0x10],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_filestat_set_times",
        setup: paths,
        call: "path_filestat_set_times",
        args: &[3, 0, F.0, F.1, 5, 6, 0b0101],
        errno: Errno::Success,
        writes: &[],
        effect: f_times_5_and_6,
    },
    Case {
        name: "path_rename of a file to a new name",
        setup: paths,
        call: "path_rename",
        args: &[3, F.0, F.1, 3, NEW.0, NEW.1],
        errno: Errno::Success,
        writes: &[],
        effect: f_renamed_new,
    },
    Case {
        name: "path_rename of a file over a directory",
        setup: paths,
        call: "path_rename",
        args: &[3, F.0, F.1, 3, D.0, D.1],
        errno: Errno::IsDir,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_filestat_set_times of a missing name",
        setup: paths,
        call: "path_filestat_set_times",
        args: &[3, 0, MISSING.0, MISSING.1, 5, 6, 0b0101],
        errno: Errno::NoEnt,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "path_filestat_get of a file",
        setup: paths,
        call: "path_filestat_get",
        args: &[3, 1, F.0, F.1, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &filestat(INO_F, 4, 1, F_LEN))],
        effect: unchanged,
    },
    Case {
        name: "path_filestat_get of a symlink, not followed",
        setup: paths,
        call: "path_filestat_get",
        args: &[3, 0, LINK.0, LINK.1, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &filestat(INO_LINK, 7, 1, 1))],
        effect: unchanged,
    },
];

#[test]
fn path_filestat_get_follows_or_not() {
    let mut env = Env::new();
    paths(&mut env);
    let f = env.vfs.lock().metadata("/f", true).expect("f");
    let link = env.vfs.lock().metadata("/link", false).expect("link");
    for (flags, meta, filetype) in [(1u64, f, 4u8), (0, link, 7)] {
        let e = env.errno("path_filestat_get", &[3, flags, LINK.0, LINK.1, 0x100]);
        assert_eq!(e, Errno::Success);
        assert_eq!(env.u64_at(0x108), meta.ino);
        assert_eq!(env.get(0x110, 1), [filetype]);
        assert_eq!(env.u64_at(0x120), meta.size);
    }
}

#[test]
fn set_times_are_stored() {
    let mut env = Env::new();
    paths(&mut env);
    let e = env.errno("path_filestat_set_times", &[3, 0, F.0, F.1, 5, 6, 0b0101]);
    assert_eq!(e, Errno::Success);
    let m = env.vfs.lock().metadata("/f", true).expect("f");
    assert_eq!((m.atime, m.mtime), (5, 6));
}

/// A descriptor holds its inode: unlinked by another process, the file
/// stays readable through it (and path_open took that hold under the same
/// lock as the lookup, see `Vfs::open_retained`).
#[test]
fn an_open_file_outlives_its_name() {
    let mut env = Env::new();
    paths(&mut env);
    assert_eq!(env.errno("path_open", &OPEN_F), Errno::Success);
    let fd = u64::from(env.u32_at(0x80));
    let vfs = env.vfs.clone();
    {
        let mut v = vfs.lock();
        let root = v.root();
        v.unlink(root, "f").expect("unlink");
    }
    env.put_iovecs(0x100, &[(0x200, 16)]);
    assert_eq!(env.errno("fd_read", &[fd, 0x100, 1, 0x180]), Errno::Success);
    assert_eq!(env.get(0x200, env.u32_at(0x180) as usize), b"hello world");
    assert_eq!(env.errno("fd_filestat_get", &[fd, 0x300]), Errno::Success);
    assert_eq!(env.u64_at(0x318), 0, "no links left");
}

/// A refused truncation leaves the file as it was, and no symlink is left
/// behind by a refused absolute target.
#[test]
fn refused_truncation_and_symlink_change_nothing() {
    let mut env = Env::new();
    paths_and_d_no_set_size(&mut env);
    assert_eq!(env.errno("path_open", &TRUNC_G), Errno::NotCapable);
    assert_eq!(env.vfs.lock().metadata("/d/g", true).expect("g").size, 5000);
    let e = env.errno("path_symlink", &[SLASH.0, SLASH.1, 4, NEW.0, NEW.1]);
    assert_eq!(e, Errno::NotCapable);
    assert!(env.vfs.lock().metadata("/d/new", false).is_err());
}

/// Another thread replaces `/r` as fast as it can (writes `/r.new`,
/// renames it over `/r`, which frees the old inode unless it is held)
/// while this one opens `/r`: every open gives a descriptor to a whole,
/// live file (its size and contents one generation's), never to an inode
/// freed between the lookup and the hold.
#[test]
fn path_open_races_a_concurrent_replacement_safely() {
    const GENERATIONS: u32 = 20_000;
    /// Five digits, then 0-6 dots: sizes differ between generations, so a
    /// stat of another inode shows.
    fn contents(generation: u32) -> String {
        let dots = ".".repeat((generation % 7) as usize);
        format!("{generation:05}{dots}")
    }
    let mut env = Env::new();
    env.put(0x400, b"r");
    env.vfs
        .lock()
        .write_file("/r", contents(0))
        .expect("write /r");
    let vfs = env.vfs.clone();
    let churn = std::thread::spawn(move || {
        for generation in 1..GENERATIONS {
            vfs.lock()
                .write_file("/r.new", contents(generation))
                .expect("write /r.new");
            let mut v = vfs.lock();
            let root = v.root();
            v.rename(root, "r.new", root, "r").expect("rename");
        }
    });
    let open_r = [3, 1, 0x400, 1, 0, rights::REGULAR_FILE, 0, 0, 0x80];
    let mut opened = 0u32;
    while !churn.is_finished() {
        assert_eq!(env.errno("path_open", &open_r), Errno::Success);
        opened += 1;
        let fd = u64::from(env.u32_at(0x80));
        assert_eq!(env.errno("fd_filestat_get", &[fd, 0x100]), Errno::Success);
        let (nlink, size) = (env.u64_at(0x118), env.u64_at(0x120));
        assert!(
            nlink <= 1 && (5..=11).contains(&size),
            "nlink {nlink}, size {size}"
        );
        env.put_iovecs(0x200, &[(0x300, 16)]);
        assert_eq!(env.errno("fd_read", &[fd, 0x200, 1, 0x208]), Errno::Success);
        let data = env.get(0x300, env.u32_at(0x208) as usize).to_vec();
        let generation: u32 = std::str::from_utf8(&data)
            .ok()
            .and_then(|t| t.trim_end_matches('.').parse().ok())
            .unwrap_or_else(|| panic!("not a generation: {data:?}"));
        assert_eq!(data, contents(generation).as_bytes());
        assert_eq!(data.len() as u64, size, "{data:?}");
        assert_eq!(env.errno("fd_close", &[fd]), Errno::Success);
    }
    churn.join().expect("the churning thread");
    eprintln!("{opened} opens of /r");
    assert!(env.vfs.lock().check_consistency().is_ok());
}

/// With the descriptor table full, `path_open` is `mfile` before it
/// creates or truncates anything (Linux takes the number first).
#[test]
fn a_full_descriptor_table_creates_and_truncates_nothing() {
    let mut env = Env::build(crate::harness::MEM, |b| b.max_fds(5));
    paths(&mut env);
    assert_eq!(env.open("d", oflags::DIRECTORY, rights::DIRECTORY, 0), 4);
    let before = env.state();
    assert_eq!(env.errno("path_open", &CREATE_NEW), Errno::Mfile);
    let trunc_f = open(F, oflags::TRUNC, 0);
    assert_eq!(env.errno("path_open", &trunc_f), Errno::Mfile);
    assert_eq!(env.state(), before);
    assert_eq!(env.ctx.fds().refused(), 2);
}
