//! Unit tests of the public API. The randomized comparison with Linux lives
//! in `tests/linux_model.rs`.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use crate::*;

struct T {
    fs: Vfs,
    clock: Arc<ManualClock>,
}

fn setup() -> T {
    let clock = Arc::new(ManualClock::new(1_000));
    let fs = Vfs::with_clock(clock.clone());
    T { fs, clock }
}

const R: Ino = ROOT_INO;

fn create() -> OpenOptions {
    OpenOptions {
        create: true,
        follow: true,
        ..Default::default()
    }
}

fn plain() -> OpenOptions {
    OpenOptions {
        follow: true,
        ..Default::default()
    }
}

impl T {
    fn file(&mut self, path: &str, data: &[u8]) -> Ino {
        let ino = self.fs.open(R, path, &create()).unwrap();
        self.fs.set_len(ino, 0).unwrap();
        self.fs.write_at(ino, 0, data).unwrap();
        self.ok();
        ino
    }

    fn read(&self, path: &str) -> Vec<u8> {
        let ino = self.fs.resolve(R, path, true).unwrap();
        self.fs.contents(ino).unwrap().to_vec()
    }

    fn names(&self, path: &str) -> Vec<String> {
        let ino = self.fs.resolve(R, path, true).unwrap();
        self.fs
            .read_dir(ino, 0)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect()
    }

    fn ok(&self) {
        if let Err(e) = self.fs.check_consistency() {
            panic!("inconsistent: {e}");
        }
    }
}

#[test]
fn fresh_root() {
    let t = setup();
    let m = t.fs.stat(t.fs.root()).unwrap();
    assert_eq!(m.ino, ROOT_INO);
    assert_eq!(m.file_type, FileType::Directory);
    assert_eq!(m.nlink, 2);
    assert_eq!(m.mode, 0o755);
    assert_eq!(m.dev, t.fs.device_id());
    assert_eq!((m.atime, m.mtime, m.ctime), (1_000, 1_000, 1_000));
    assert_eq!(
        t.fs.usage(),
        Usage {
            bytes: 0,
            inodes: 1
        }
    );
    assert_eq!(t.names("."), [".", ".."]);
    t.ok();
}

#[test]
fn zero_clock_never_gives_zero_times() {
    struct Zero;
    impl Clock for Zero {
        fn now_ns(&self) -> u64 {
            0
        }
    }
    let mut fs = Vfs::with_clock(Arc::new(Zero));
    let f = fs.open(R, "f", &create()).unwrap();
    let m = fs.stat(f).unwrap();
    assert!(m.atime > 0 && m.mtime > 0 && m.ctime > 0);
}

#[test]
fn create_exclusive_truncate() {
    let mut t = setup();
    let a = t.file("a", b"hello");
    let excl = OpenOptions {
        exclusive: true,
        ..create()
    };
    assert_eq!(t.fs.open(R, "a", &excl), Err(VfsError::AlreadyExists));
    assert_eq!(t.fs.open(R, "a", &create()), Ok(a));
    assert_eq!(t.read("a"), b"hello");
    let trunc = OpenOptions {
        truncate: true,
        ..plain()
    };
    assert_eq!(t.fs.open(R, "a", &trunc), Ok(a));
    assert_eq!(t.read("a"), b"");
    assert_eq!(t.fs.open(R, "missing", &plain()), Err(VfsError::NotFound));
    assert_eq!(t.fs.open(R, "a/", &plain()), Err(VfsError::NotADirectory));
    assert_eq!(t.fs.open(R, "new/", &create()), Err(VfsError::IsADirectory));
    assert_eq!(t.fs.open(R, ".", &create()), Err(VfsError::IsADirectory));
    assert_eq!(t.fs.open(R, ".", &excl), Err(VfsError::AlreadyExists));
    let dir_create = OpenOptions {
        directory: true,
        ..create()
    };
    assert_eq!(
        t.fs.open(R, "b", &dir_create),
        Err(VfsError::InvalidArgument)
    );
    // Exclusive create through a dangling symlink fails.
    t.fs.symlink("target", R, "dangling").unwrap();
    assert_eq!(
        t.fs.open(R, "dangling", &excl),
        Err(VfsError::AlreadyExists)
    );
    // Non-exclusive create through it creates the target.
    let made = t.fs.open(R, "dangling", &create()).unwrap();
    assert_eq!(t.fs.resolve(R, "target", false), Ok(made));
    let m = t.fs.stat(made).unwrap();
    assert_eq!(
        (m.mode, m.file_type, m.nlink),
        (0o644, FileType::Regular, 1)
    );
    t.ok();
}

#[test]
fn open_directories_and_symlinks() {
    let mut t = setup();
    let d = t.fs.mkdir(R, "d", 0).unwrap();
    let f = t.file("f", b"x");
    t.fs.symlink("d", R, "ld").unwrap();
    t.fs.symlink("f", R, "lf").unwrap();
    let dir = OpenOptions {
        directory: true,
        ..plain()
    };
    assert_eq!(t.fs.open(R, "d", &dir), Ok(d));
    assert_eq!(t.fs.open(R, "ld", &dir), Ok(d));
    assert_eq!(t.fs.open(R, "f", &dir), Err(VfsError::NotADirectory));
    let nofollow = OpenOptions::default();
    assert_eq!(t.fs.open(R, "lf", &nofollow), Err(VfsError::SymlinkLoop));
    let nofollow_dir = OpenOptions {
        directory: true,
        ..Default::default()
    };
    assert_eq!(
        t.fs.open(R, "ld", &nofollow_dir),
        Err(VfsError::NotADirectory)
    );
    // A trailing slash follows even without `follow`.
    assert_eq!(t.fs.open(R, "ld/", &nofollow), Ok(d));
    assert_eq!(t.fs.open(R, "lf", &plain()), Ok(f));
    let trunc = OpenOptions {
        truncate: true,
        ..plain()
    };
    assert_eq!(t.fs.open(R, "d", &trunc), Err(VfsError::IsADirectory));
    assert_eq!(t.fs.open(R, "d", &create()), Err(VfsError::IsADirectory));
    // Custom mode for a new file.
    let m = OpenOptions {
        mode: 0o600,
        ..create()
    };
    let g = t.fs.open(R, "g", &m).unwrap();
    assert_eq!(t.fs.stat(g).unwrap().mode, 0o600);
}

#[test]
fn read_write_append_extend() {
    let mut t = setup();
    let f = t.file("f", b"");
    assert_eq!(t.fs.write_at(f, 3, b"abc"), Ok(3));
    assert_eq!(t.read("f"), b"\0\0\0abc");
    assert_eq!(t.fs.append(f, b"de"), Ok(6));
    assert_eq!(t.read("f"), b"\0\0\0abcde");
    let mut buf = [9u8; 4];
    assert_eq!(t.fs.read_at(f, 6, &mut buf), Ok(2));
    assert_eq!(&buf[..2], b"de");
    assert_eq!(t.fs.read_at(f, 8, &mut buf), Ok(0));
    assert_eq!(t.fs.read_at(f, 1_000_000, &mut buf), Ok(0));
    t.fs.set_len(f, 10).unwrap();
    assert_eq!(t.read("f"), b"\0\0\0abcde\0\0");
    t.fs.set_len(f, 4).unwrap();
    assert_eq!(t.read("f"), b"\0\0\0a");
    t.fs.set_len(f, 6).unwrap();
    assert_eq!(t.read("f"), b"\0\0\0a\0\0");
    t.fs.allocate(f, 2, 10).unwrap();
    assert_eq!(t.fs.stat(f).unwrap().size, 12);
    t.fs.allocate(f, 0, 1).unwrap();
    assert_eq!(t.fs.stat(f).unwrap().size, 12);
    assert_eq!(t.fs.allocate(f, 0, 0), Err(VfsError::InvalidArgument));
    assert_eq!(t.fs.usage().bytes, 12);
    // Empty write changes nothing, even past the end.
    assert_eq!(t.fs.write_at(f, 100, b""), Ok(0));
    assert_eq!(t.fs.stat(f).unwrap().size, 12);
    t.ok();
}

#[test]
fn huge_offsets_never_panic() {
    let mut t = setup();
    let f = t.file("f", b"abc");
    let mut buf = [0u8; 8];
    assert_eq!(
        t.fs.read_at(f, u64::MAX, &mut buf),
        Err(VfsError::InvalidArgument)
    );
    assert_eq!(
        t.fs.read_at(f, i64::MAX as u64, &mut buf),
        Err(VfsError::InvalidArgument)
    );
    assert_eq!(t.fs.read_at(f, i64::MAX as u64 - 8, &mut buf), Ok(0));
    assert_eq!(
        t.fs.write_at(f, u64::MAX, b"x"),
        Err(VfsError::InvalidArgument)
    );
    assert_eq!(
        t.fs.write_at(f, i64::MAX as u64, b"x"),
        Err(VfsError::InvalidArgument)
    );
    assert_eq!(t.fs.write_at(f, i64::MAX as u64 - 1, b"x"), Ok(1));
    assert_eq!(t.fs.stat(f).unwrap().size, i64::MAX as u64);
    let mut tail = [7u8; 3];
    assert_eq!(t.fs.read_at(f, i64::MAX as u64 - 3, &mut tail), Ok(3));
    assert_eq!(&tail[..3], b"\0\0x");
    assert_eq!(t.fs.append(f, b"y"), Err(VfsError::FileTooLarge));
    assert_eq!(t.fs.set_len(f, u64::MAX), Err(VfsError::InvalidArgument));
    assert_eq!(
        t.fs.allocate(f, i64::MAX as u64, 1),
        Err(VfsError::FileTooLarge)
    );
    assert_eq!(
        t.fs.allocate(f, 1, u64::MAX),
        Err(VfsError::InvalidArgument)
    );
    // A file too big for memory cannot be returned whole, but that is an error.
    assert!(t.fs.contents(f).is_err());
    t.fs.set_len(f, 2).unwrap();
    assert_eq!(t.read("f"), b"ab");
    assert_eq!(t.fs.usage().bytes, 2);
    t.ok();
}

#[test]
fn type_errors_of_inode_calls() {
    let mut t = setup();
    let d = t.fs.mkdir(R, "d", 0).unwrap();
    let l = t.fs.symlink("d", R, "l").unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(t.fs.read_at(d, 0, &mut buf), Err(VfsError::IsADirectory));
    assert_eq!(t.fs.write_at(d, 0, b"x"), Err(VfsError::IsADirectory));
    assert_eq!(t.fs.set_len(d, 0), Err(VfsError::IsADirectory));
    assert_eq!(t.fs.contents(d), Err(VfsError::IsADirectory));
    assert_eq!(t.fs.read_at(l, 0, &mut buf), Err(VfsError::BadHandle));
    assert_eq!(t.fs.read_at(9999, 0, &mut buf), Err(VfsError::BadHandle));
    assert_eq!(t.fs.stat(9999), Err(VfsError::BadHandle));
    assert_eq!(t.fs.read_dir(l, 0), Err(VfsError::NotADirectory));
    assert_eq!(t.fs.resolve(l, "x", true), Err(VfsError::NotADirectory));
    assert_eq!(t.fs.resolve(9999, "x", true), Err(VfsError::BadHandle));
}

#[test]
fn mkdir_rmdir_rules() {
    let mut t = setup();
    let d = t.fs.mkdir(R, "d", 0).unwrap();
    assert_eq!(t.fs.stat(d).unwrap().mode, 0o755);
    assert_eq!(t.fs.stat(R).unwrap().nlink, 3);
    assert_eq!(t.fs.mkdir(R, "d", 0), Err(VfsError::AlreadyExists));
    assert_eq!(t.fs.mkdir(R, "d/", 0), Err(VfsError::AlreadyExists));
    assert_eq!(t.fs.mkdir(R, ".", 0), Err(VfsError::AlreadyExists));
    assert_eq!(t.fs.mkdir(R, "x/y", 0), Err(VfsError::NotFound));
    let e = t.fs.mkdir(R, "d/e/", 0o700).unwrap();
    assert_eq!(t.fs.stat(e).unwrap().mode, 0o700);
    assert_eq!(t.fs.stat(d).unwrap().nlink, 3);
    t.file("f", b"");
    assert_eq!(t.fs.mkdir(R, "f/x", 0), Err(VfsError::NotADirectory));
    assert_eq!(t.fs.rmdir(R, "d"), Err(VfsError::DirectoryNotEmpty));
    assert_eq!(t.fs.rmdir(R, "f"), Err(VfsError::NotADirectory));
    assert_eq!(t.fs.rmdir(R, "d/e/."), Err(VfsError::InvalidArgument));
    assert_eq!(t.fs.rmdir(R, "d/e/.."), Err(VfsError::DirectoryNotEmpty));
    assert_eq!(t.fs.rmdir(R, "nope"), Err(VfsError::NotFound));
    t.fs.symlink("d/e", R, "le").unwrap();
    assert_eq!(t.fs.rmdir(R, "le"), Err(VfsError::NotADirectory));
    assert_eq!(t.fs.rmdir(R, "le/"), Err(VfsError::NotADirectory));
    t.fs.rmdir(R, "d/e/").unwrap();
    assert_eq!(t.fs.stat(d).unwrap().nlink, 2);
    assert_eq!(t.fs.stat(e), Err(VfsError::BadHandle));
    t.fs.rmdir(R, "d").unwrap();
    assert_eq!(t.fs.stat(R).unwrap().nlink, 2);
    t.ok();
}

#[test]
fn removed_directory_held_open() {
    let mut t = setup();
    let d = t.fs.mkdir(R, "d", 0).unwrap();
    t.fs.retain(d);
    t.fs.rmdir(R, "d").unwrap();
    let m = t.fs.stat(d).unwrap();
    assert_eq!((m.nlink, m.file_type), (0, FileType::Directory));
    assert_eq!(t.fs.read_dir(d, 0), Err(VfsError::NotFound));
    assert_eq!(t.fs.open(d, "x", &create()), Err(VfsError::NotFound));
    assert_eq!(t.fs.mkdir(d, "x", 0), Err(VfsError::NotFound));
    assert_eq!(t.fs.resolve(d, ".", true), Ok(d));
    assert_eq!(t.fs.resolve(d, "..", true), Err(VfsError::NotCapable));
    t.ok();
    t.fs.release(d);
    assert_eq!(t.fs.stat(d), Err(VfsError::BadHandle));
    assert_eq!(t.fs.usage().inodes, 1);
    t.ok();
}

#[test]
fn unlink_rules_and_open_handles() {
    let mut t = setup();
    t.fs.mkdir(R, "d", 0).unwrap();
    let f = t.file("f", b"data");
    assert_eq!(t.fs.unlink(R, "d"), Err(VfsError::IsADirectory));
    assert_eq!(t.fs.unlink(R, "d/"), Err(VfsError::IsADirectory));
    assert_eq!(t.fs.unlink(R, "f/"), Err(VfsError::NotADirectory));
    assert_eq!(t.fs.unlink(R, "."), Err(VfsError::IsADirectory));
    assert_eq!(t.fs.unlink(R, "nope"), Err(VfsError::NotFound));
    t.fs.retain(f);
    t.fs.unlink(R, "f").unwrap();
    assert_eq!(t.fs.resolve(R, "f", true), Err(VfsError::NotFound));
    assert_eq!(t.fs.stat(f).unwrap().nlink, 0);
    assert_eq!(t.fs.contents(f).unwrap(), &b"data"[..]);
    t.fs.append(f, b"!").unwrap();
    assert_eq!(
        t.fs.usage(),
        Usage {
            bytes: 5,
            inodes: 3
        }
    );
    t.ok();
    // A fork does not carry the handle, so the orphan is not in it.
    let fork = t.fs.fork();
    assert_eq!(fork.stat(f), Err(VfsError::BadHandle));
    assert_eq!(
        fork.usage(),
        Usage {
            bytes: 0,
            inodes: 2
        }
    );
    fork.check_consistency().unwrap();
    t.fs.release(f);
    assert_eq!(t.fs.stat(f), Err(VfsError::BadHandle));
    assert_eq!(
        t.fs.usage(),
        Usage {
            bytes: 0,
            inodes: 2
        }
    );
    // Unlinking a symlink removes the link only.
    let g = t.file("g", b"");
    t.fs.symlink("g", R, "lg").unwrap();
    t.fs.unlink(R, "lg").unwrap();
    assert!(t.fs.stat(g).is_ok());
    t.ok();
}

#[test]
fn hard_links() {
    let mut t = setup();
    let f = t.file("f", b"one");
    t.fs.mkdir(R, "d", 0).unwrap();
    t.fs.link(R, "f", false, R, "d/g").unwrap();
    assert_eq!(t.fs.stat(f).unwrap().nlink, 2);
    assert_eq!(t.fs.resolve(R, "d/g", true), Ok(f));
    assert_eq!(
        t.fs.link(R, "f", false, R, "d/g"),
        Err(VfsError::AlreadyExists)
    );
    assert_eq!(
        t.fs.link(R, "d", false, R, "d2"),
        Err(VfsError::NotPermitted)
    );
    assert_eq!(t.fs.link(R, "nope", false, R, "x"), Err(VfsError::NotFound));
    assert_eq!(t.fs.link(R, "f", false, R, "new/"), Err(VfsError::NotFound));
    assert_eq!(
        t.fs.link(R, "f", false, R, "."),
        Err(VfsError::AlreadyExists)
    );
    // link of a symlink, followed or not.
    let l = t.fs.symlink("f", R, "l").unwrap();
    t.fs.link(R, "l", false, R, "l2").unwrap();
    assert_eq!(t.fs.resolve(R, "l2", false), Ok(l));
    t.fs.link(R, "l", true, R, "f3").unwrap();
    assert_eq!(t.fs.stat(f).unwrap().nlink, 3);
    t.fs.unlink(R, "f").unwrap();
    assert_eq!(t.read("d/g"), b"one");
    assert_eq!(t.fs.stat(f).unwrap().nlink, 2);
    t.ok();
}

#[test]
fn rename_rules() {
    let mut t = setup();
    let a = t.file("a", b"A");
    let b = t.file("b", b"B");
    let d = t.fs.mkdir(R, "d", 0).unwrap();
    let e = t.fs.mkdir(R, "e", 0).unwrap();
    t.fs.mkdir(R, "full", 0).unwrap();
    t.file("full/x", b"");
    // file over file
    t.fs.rename(R, "a", R, "b").unwrap();
    assert_eq!(t.fs.resolve(R, "b", true), Ok(a));
    assert_eq!(t.fs.stat(b), Err(VfsError::BadHandle));
    assert_eq!(t.fs.usage().bytes, 1);
    // file over dir, dir over file
    assert_eq!(t.fs.rename(R, "b", R, "d"), Err(VfsError::IsADirectory));
    assert_eq!(t.fs.rename(R, "d", R, "b"), Err(VfsError::NotADirectory));
    // dir over empty dir, over non-empty dir
    assert_eq!(
        t.fs.rename(R, "d", R, "full"),
        Err(VfsError::DirectoryNotEmpty)
    );
    t.fs.rename(R, "d", R, "e").unwrap();
    assert_eq!(t.fs.resolve(R, "e", true), Ok(d));
    assert_eq!(t.fs.stat(e), Err(VfsError::BadHandle));
    assert_eq!(t.fs.stat(R).unwrap().nlink, 4);
    // into own subtree
    t.fs.mkdir(R, "e/sub", 0).unwrap();
    assert_eq!(
        t.fs.rename(R, "e", R, "e/sub/x"),
        Err(VfsError::InvalidArgument)
    );
    assert_eq!(
        t.fs.rename(R, "e", R, "e/x"),
        Err(VfsError::InvalidArgument)
    );
    // over an ancestor of itself
    assert_eq!(
        t.fs.rename(R, "e/sub", R, "e"),
        Err(VfsError::DirectoryNotEmpty)
    );
    // same inode: no-op, both names stay
    t.fs.link(R, "b", false, R, "b2").unwrap();
    t.fs.rename(R, "b", R, "b2").unwrap();
    assert_eq!(t.fs.resolve(R, "b", true), Ok(a));
    assert_eq!(t.fs.resolve(R, "b2", true), Ok(a));
    t.fs.rename(R, "e", R, "e").unwrap();
    // dots and missing
    assert_eq!(t.fs.rename(R, ".", R, "z"), Err(VfsError::Busy));
    assert_eq!(t.fs.rename(R, "e/..", R, "z"), Err(VfsError::Busy));
    assert_eq!(t.fs.rename(R, "e", R, "."), Err(VfsError::Busy));
    assert_eq!(t.fs.rename(R, "nope", R, "z"), Err(VfsError::NotFound));
    assert_eq!(t.fs.rename(R, "b/", R, "z"), Err(VfsError::NotADirectory));
    assert_eq!(t.fs.rename(R, "b", R, "z/"), Err(VfsError::NotADirectory));
    assert_eq!(t.fs.rename(R, "b", R, "nodir/z"), Err(VfsError::NotFound));
    // directory move updates parents and link counts
    t.fs.rename(R, "e/sub", R, "full/sub/").unwrap();
    let sub = t.fs.resolve(R, "full/sub", true).unwrap();
    assert_eq!(
        t.fs.read_dir(sub, 1).unwrap()[0].ino,
        t.fs.resolve(R, "full", true).unwrap()
    );
    assert_eq!(t.fs.stat(d).unwrap().nlink, 2);
    assert_eq!(t.fs.stat_path(R, "full", true).unwrap().nlink, 3);
    assert_eq!(
        t.fs.resolve(R, "full/sub/../x", true),
        t.fs.resolve(R, "full/x", true)
    );
    t.ok();
}

#[test]
fn rename_keeps_open_files_and_replaced_names_listing_place() {
    let mut t = setup();
    t.file("a", b"");
    let b = t.file("b", b"");
    let c = t.file("c", b"");
    t.fs.retain(b);
    // "b" keeps its place in the listing when renamed over.
    t.fs.rename(R, "c", R, "b").unwrap();
    assert_eq!(t.names("."), [".", "..", "a", "b"]);
    assert_eq!(t.fs.resolve(R, "b", true), Ok(c));
    assert_eq!(t.fs.stat(b).unwrap().nlink, 0);
    t.fs.write_at(b, 0, b"still").unwrap();
    assert_eq!(t.fs.contents(b).unwrap(), &b"still"[..]);
    t.ok();
    t.fs.release(b);
    t.ok();
}

#[test]
fn symlinks_and_resolution() {
    let mut t = setup();
    t.fs.mkdir(R, "a", 0).unwrap();
    let b = t.fs.mkdir(R, "a/b", 0).unwrap();
    let f = t.file("a/b/f", b"F");
    let l = t.fs.symlink("a/b", R, "l").unwrap();
    assert_eq!(t.fs.readlink(R, "l").unwrap(), "a/b");
    assert_eq!(t.fs.readlink(R, "a"), Err(VfsError::InvalidArgument));
    assert_eq!(t.fs.readlink(R, "l/"), Err(VfsError::InvalidArgument));
    assert_eq!(t.fs.readlink(R, "zz"), Err(VfsError::NotFound));
    let m = t.fs.stat(l).unwrap();
    assert_eq!((m.size, m.file_type, m.mode), (3, FileType::Symlink, 0o777));
    assert_eq!(t.fs.resolve(R, "l", true), Ok(b));
    assert_eq!(t.fs.resolve(R, "l", false), Ok(l));
    assert_eq!(t.fs.resolve(R, "l/", false), Ok(b));
    assert_eq!(t.fs.resolve(R, "l/f", false), Ok(f));
    assert_eq!(
        t.fs.resolve(R, "l/..", false),
        Ok(t.fs.resolve(R, "a", true).unwrap())
    );
    assert_eq!(t.fs.resolve(R, ".//a/./b///f", true), Ok(f));
    assert_eq!(
        t.fs.resolve(R, "a/b/f/", true),
        Err(VfsError::NotADirectory)
    );
    assert_eq!(
        t.fs.resolve(R, "a/b/f/x", true),
        Err(VfsError::NotADirectory)
    );
    assert_eq!(t.fs.resolve(R, "a/zz/f", true), Err(VfsError::NotFound));
    assert_eq!(t.fs.resolve(R, "", true), Err(VfsError::NotFound));
    // From the root nothing can escape: `..` stays at the root (as on
    // Linux), but an absolute path is still refused.
    assert_eq!(t.fs.resolve(R, "..", true), Ok(R));
    assert_eq!(t.fs.resolve(R, "a/../..", true), Ok(R));
    assert_eq!(t.fs.resolve(R, "/a", true), Err(VfsError::NotCapable));
    let a = t.fs.resolve(R, "a", true).unwrap();
    // Escapes from any other base are refused.
    assert_eq!(t.fs.resolve(a, "..", true), Err(VfsError::NotCapable));
    assert_eq!(t.fs.resolve(a, "b/../..", true), Err(VfsError::NotCapable));
    assert_eq!(t.fs.resolve(a, "b/..", true), Ok(a));
    t.fs.symlink("../..", R, "a/b/up").unwrap();
    assert_eq!(t.fs.resolve(R, "a/b/up", true), Ok(R));
    assert_eq!(t.fs.resolve(a, "b/up", true), Err(VfsError::NotCapable));
    assert!(t.fs.resolve(a, "b/up", false).is_ok());
    t.fs.symlink("/etc", R, "abs").unwrap();
    // From the root an absolute target is followed from the root (here: missing).
    assert_eq!(t.fs.resolve(R, "abs", true), Err(VfsError::NotFound));
    assert_eq!(t.fs.resolve(a, "../abs", true), Err(VfsError::NotCapable));
    t.fs.symlink("/etc", a, "abs").unwrap();
    assert_eq!(t.fs.resolve(a, "abs", true), Err(VfsError::NotCapable));
    assert!(t.fs.resolve(R, "abs", false).is_ok());
    // Loops
    t.fs.symlink("loop2", R, "loop1").unwrap();
    t.fs.symlink("loop1", R, "loop2").unwrap();
    assert_eq!(t.fs.resolve(R, "loop1", true), Err(VfsError::SymlinkLoop));
    assert_eq!(
        t.fs.resolve(R, "loop1/x", false),
        Err(VfsError::SymlinkLoop)
    );
    assert!(t.fs.resolve(R, "loop1", false).is_ok());
    t.fs.symlink("self/x", R, "self").unwrap();
    assert_eq!(t.fs.resolve(R, "self", true), Err(VfsError::SymlinkLoop));
    // A chain of exactly 40 links resolves; 41 do not.
    t.fs.symlink("a", R, "c0").unwrap();
    for i in 1..=40 {
        t.fs.symlink(&format!("c{}", i - 1), R, &format!("c{i}"))
            .unwrap();
    }
    assert_eq!(t.fs.resolve(R, "c39", true), Ok(a));
    assert_eq!(t.fs.resolve(R, "c40", true), Err(VfsError::SymlinkLoop));
    // Symlink with a trailing slash target must name a directory.
    t.fs.symlink("a/b/f/", R, "fslash").unwrap();
    assert_eq!(
        t.fs.resolve(R, "fslash", true),
        Err(VfsError::NotADirectory)
    );
    t.fs.symlink("a/b/", R, "dslash").unwrap();
    assert_eq!(t.fs.resolve(R, "dslash", true), Ok(b));
    // Symlink creation rules
    assert_eq!(t.fs.symlink("", R, "e"), Err(VfsError::NotFound));
    assert_eq!(t.fs.symlink("x", R, "l"), Err(VfsError::AlreadyExists));
    assert_eq!(t.fs.symlink("x", R, "new/"), Err(VfsError::NotFound));
    assert_eq!(t.fs.symlink("x\0y", R, "n"), Err(VfsError::InvalidArgument));
    t.ok();
}

#[test]
fn name_and_path_limits() {
    let mut t = setup();
    let long = "x".repeat(256);
    assert_eq!(t.fs.mkdir(R, &long, 0), Err(VfsError::NameTooLong));
    assert_eq!(t.fs.resolve(R, &long, true), Err(VfsError::NameTooLong));
    let ok = "y".repeat(255);
    t.fs.mkdir(R, &ok, 0).unwrap();
    let deep = "a/".repeat(2048);
    assert_eq!(t.fs.resolve(R, &deep, true), Err(VfsError::NameTooLong));
    assert_eq!(
        t.fs.resolve(R, "a\0b", true),
        Err(VfsError::InvalidArgument)
    );
    assert_eq!(
        t.fs.symlink(&"z".repeat(4096), R, "s"),
        Err(VfsError::NameTooLong)
    );
    // Unicode names are bytes like any other.
    t.file("é ü 🦀", b"x");
    assert_eq!(t.read("é ü 🦀"), b"x");
    t.ok();
}

#[test]
fn times_and_modes() {
    let mut t = setup();
    t.clock.set(5_000);
    let f = t.file("f", b"x");
    assert_eq!(t.fs.stat(R).unwrap().mtime, 5_000);
    t.clock.set(6_000);
    t.fs.write_at(f, 0, b"y").unwrap();
    let m = t.fs.stat(f).unwrap();
    assert_eq!((m.atime, m.mtime, m.ctime), (5_000, 6_000, 6_000));
    t.clock.set(7_000);
    let mut buf = [0u8; 1];
    t.fs.read_at(f, 0, &mut buf).unwrap();
    assert_eq!(t.fs.stat(f).unwrap().atime, 5_000);
    t.fs.set_times(f, SetTime::At(42), SetTime::Keep).unwrap();
    let m = t.fs.stat(f).unwrap();
    assert_eq!((m.atime, m.mtime, m.ctime), (42, 6_000, 7_000));
    t.clock.set(8_000);
    t.fs.set_times(f, SetTime::Keep, SetTime::Now).unwrap();
    let m = t.fs.stat(f).unwrap();
    assert_eq!((m.atime, m.mtime, m.ctime), (42, 8_000, 8_000));
    t.clock.set(9_000);
    t.fs.set_mode(f, 0o100_755).unwrap();
    let m = t.fs.stat(f).unwrap();
    assert_eq!((m.mode, m.ctime, m.mtime), (0o755, 9_000, 8_000));
    t.clock.set(10_000);
    t.fs.link(R, "f", true, R, "g").unwrap();
    assert_eq!(t.fs.stat(f).unwrap().ctime, 10_000);
    t.clock.set(11_000);
    t.fs.rename(R, "g", R, "h").unwrap();
    assert_eq!(t.fs.stat(f).unwrap().ctime, 11_000);
    assert_eq!(t.fs.stat(R).unwrap().mtime, 11_000);
    t.clock.set(12_000);
    t.fs.set_len(f, 0).unwrap();
    assert_eq!(t.fs.stat(f).unwrap().mtime, 12_000);
}

#[test]
fn readdir_cookies_are_stable() {
    let mut t = setup();
    let d = t.fs.mkdir(R, "d", 0).unwrap();
    for i in 0..1000 {
        t.fs.open(d, &format!("f{i:04}"), &create()).unwrap();
    }
    let all = t.fs.read_dir(d, 0).unwrap();
    assert_eq!(all.len(), 1002);
    assert_eq!(
        (all[0].name.as_str(), all[0].ino, all[0].next_cookie),
        (".", d, 1)
    );
    assert_eq!(
        (all[1].name.as_str(), all[1].ino, all[1].next_cookie),
        ("..", R, 2)
    );
    assert_eq!(all[2].name, "f0000");
    assert!(all.windows(2).all(|w| w[0].next_cookie < w[1].next_cookie));
    assert_eq!(t.fs.stat(d).unwrap().size, 1002 * 20);
    // Read it 7 entries at a time while deleting entries already read and
    // adding new ones: every original entry still present is seen once.
    let mut seen = Vec::new();
    let mut cookie = 0;
    let mut round = 0;
    loop {
        let batch: Vec<DirEntry> = t.fs.read_dir_iter(d, cookie).unwrap().take(7).collect();
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            seen.push(e.name.clone());
        }
        cookie = batch.last().unwrap().next_cookie;
        // Remove one already-read entry and one not yet read, add one.
        if let Some(name) = seen.iter().rev().find(|n| n.starts_with('f')) {
            let name = name.clone();
            let _ = t.fs.unlink(d, &name);
        }
        let ahead = format!("f{:04}", 999 - round);
        if round < 100 && !seen.contains(&ahead) {
            t.fs.unlink(d, &ahead).unwrap();
        }
        if round < 50 {
            t.fs.open(d, &format!("new{round}"), &create()).unwrap();
        }
        round += 1;
    }
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), seen.len(), "an entry was listed twice");
    // Every fNNNN was seen unless removed before it was reached.
    let missing = (0..1000)
        .map(|i| format!("f{i:04}"))
        .filter(|n| !seen.contains(n))
        .count();
    assert_eq!(missing, 100);
    assert_eq!(seen.iter().filter(|n| n.starts_with("new")).count(), 50);
    // The root's ".." is itself; a cookie past the end gives nothing.
    assert_eq!(t.fs.read_dir(R, 1).unwrap()[0].ino, R);
    assert!(t.fs.read_dir(d, u64::MAX).unwrap().is_empty());
    t.ok();
}

#[test]
fn listing_order_is_deterministic() {
    let build = || {
        let mut t = setup();
        for n in ["zeta", "alpha", "mid", "beta"] {
            t.file(n, b"");
        }
        t.fs.unlink(R, "mid").unwrap();
        t.file("mid", b"");
        t.names(".")
    };
    let a = build();
    assert_eq!(a, [".", "..", "zeta", "alpha", "beta", "mid"]);
    assert_eq!(a, build());
}

#[test]
fn quotas_refuse_without_partial_state() {
    let mut t = setup();
    t.fs.set_quotas(Quotas {
        max_bytes: Some(10),
        max_inodes: Some(4),
    });
    assert_eq!(t.fs.quotas().max_bytes, Some(10));
    let f = t.file("f", b"12345678");
    let before = t.fs.contents(f).unwrap();
    assert_eq!(t.fs.write_at(f, 5, b"abcdef"), Err(VfsError::NoSpace));
    assert_eq!(t.fs.append(f, b"abc"), Err(VfsError::NoSpace));
    assert_eq!(t.fs.set_len(f, 11), Err(VfsError::NoSpace));
    assert_eq!(t.fs.allocate(f, 0, 11), Err(VfsError::NoSpace));
    assert_eq!(t.fs.contents(f).unwrap(), before);
    assert_eq!(t.fs.stat(f).unwrap().size, 8);
    // Overwrites within the size are fine; so is growing to the limit.
    t.fs.write_at(f, 0, b"AB").unwrap();
    t.fs.append(f, b"9!").unwrap();
    assert_eq!(t.fs.usage().bytes, 10);
    t.fs.mkdir(R, "d", 0).unwrap();
    t.fs.symlink("f", R, "l").unwrap();
    assert_eq!(t.fs.usage().inodes, 4);
    let listing = t.names(".");
    assert_eq!(t.fs.open(R, "g", &create()), Err(VfsError::QuotaExceeded));
    assert_eq!(t.fs.mkdir(R, "e", 0), Err(VfsError::QuotaExceeded));
    assert_eq!(t.fs.symlink("x", R, "m"), Err(VfsError::QuotaExceeded));
    // Every refusal is counted, by quota.
    assert_eq!(
        t.fs.quota_refusals(),
        crate::QuotaRefusals {
            bytes: 4,
            inodes: 3
        }
    );
    assert_eq!(
        t.fs.mknod(R, "n", Device::Null),
        Err(VfsError::QuotaExceeded)
    );
    assert_eq!(
        t.fs.write_file("/w", &b""[..]),
        Err(VfsError::QuotaExceeded)
    );
    assert_eq!(t.names("."), listing);
    // Links need no inode.
    t.fs.link(R, "f", false, R, "f2").unwrap();
    // Shrinking frees room.
    t.fs.set_len(f, 4).unwrap();
    assert_eq!(
        t.fs.write_file("/f", &b"12345678901"[..]),
        Err(VfsError::NoSpace)
    );
    t.fs.write_file("/f", &b"1234567890"[..]).unwrap();
    // Lowering the limit below usage keeps the data, refuses growth only.
    t.fs.set_quotas(Quotas {
        max_bytes: Some(5),
        max_inodes: None,
    });
    assert_eq!(t.read("f"), b"1234567890");
    assert_eq!(t.fs.append(f, b"x"), Err(VfsError::NoSpace));
    t.fs.set_len(f, 9).unwrap();
    assert!(t.fs.open(R, "g", &create()).is_ok());
    t.ok();
}

#[test]
fn fork_shares_data_and_isolates_changes() {
    let mut t = setup();
    let big = Bytes::from(vec![7u8; 1 << 20]);
    t.fs.create_dir_all("/data").unwrap();
    t.fs.write_file("/data/big", big.clone()).unwrap();
    let f = t.file("small", b"abc");
    let mut fork = t.fs.fork();
    // Same data, same buffer.
    assert_eq!(fork.read_file("/data/big").unwrap().as_ptr(), big.as_ptr());
    // Changes on either side stay there.
    fork.write_at(f, 0, b"X").unwrap();
    t.fs.append(f, b"d").unwrap();
    let big_ino = fork.lookup("/data/big").unwrap();
    fork.write_at(big_ino, 100, b"changed").unwrap();
    fork.mkdir(R, "only-in-fork", 0).unwrap();
    t.fs.unlink(R, "data/big").unwrap();
    assert_eq!(t.read("small"), b"abcd");
    assert_eq!(fork.read_file("/small").unwrap(), &b"Xbc"[..]);
    assert_eq!(
        fork.read_file("/data/big").unwrap()[100..107],
        b"changed"[..]
    );
    assert_eq!(big[100], 7);
    assert_eq!(
        t.fs.resolve(R, "only-in-fork", true),
        Err(VfsError::NotFound)
    );
    assert_eq!(t.fs.read_file("/data/big"), Err(VfsError::NotFound));
    // Inode numbers stay unique in each.
    let n1 = t.fs.open(R, "n", &create()).unwrap();
    let n2 = fork.open(R, "n", &create()).unwrap();
    assert!(n1 > f && n2 > f);
    t.ok();
    fork.check_consistency().unwrap();
    // Clone is fork; snapshot too.
    let snap = t.fs.snapshot();
    t.fs.write_file("/small", &b"new"[..]).unwrap();
    assert_eq!(snap.read_file("/small").unwrap(), &b"abcd"[..]);
    let c = snap.clone();
    assert_eq!(c.read_file("/small").unwrap(), &b"abcd"[..]);
}

#[test]
fn devices() {
    let mut t = setup();
    t.fs.mkdir(R, "dev", 0).unwrap();
    let null = t.fs.mknod(R, "dev/null", Device::Null).unwrap();
    let zero = t.fs.mknod(R, "dev/zero", Device::Zero).unwrap();
    let rand = t.fs.mknod(R, "dev/urandom", Device::Random).unwrap();
    assert_eq!(
        t.fs.mknod(R, "dev/null", Device::Null),
        Err(VfsError::AlreadyExists)
    );
    assert_eq!(t.fs.device(null), Some(Device::Null));
    assert_eq!(t.fs.device(rand), Some(Device::Random));
    assert_eq!(t.fs.device(R), None);
    let m = t.fs.stat(zero).unwrap();
    assert_eq!(
        (m.file_type, m.size, m.mode),
        (FileType::CharDevice, 0, 0o666)
    );
    let mut buf = [5u8; 8];
    assert_eq!(t.fs.read_at(null, 0, &mut buf), Ok(0));
    assert_eq!(t.fs.read_at(zero, 0, &mut buf), Ok(8));
    assert_eq!(buf, [0; 8]);
    assert_eq!(t.fs.read_at(rand, 0, &mut buf), Err(VfsError::BadHandle));
    assert_eq!(t.fs.write_at(null, 0, b"gone"), Ok(4));
    let trunc = OpenOptions {
        truncate: true,
        create: true,
        follow: true,
        ..Default::default()
    };
    assert_eq!(t.fs.open(R, "dev/null", &trunc), Ok(null));
    assert_eq!(t.fs.set_len(null, 0), Err(VfsError::InvalidArgument));
    assert_eq!(t.fs.usage().bytes, 0);
    t.ok();
}

#[test]
fn embedder_api() {
    let mut t = setup();
    t.fs.create_dir_all("/a/b/c").unwrap();
    t.fs.create_dir_all("/a/b/c/").unwrap();
    t.fs.create_dir_all("a//b/d").unwrap();
    t.fs.write_file("/a/b/c/file.txt", "hello").unwrap();
    assert_eq!(t.fs.read_file("/a/b/c/file.txt").unwrap(), "hello");
    assert_eq!(
        t.fs.create_dir_all("/a/b/c/file.txt"),
        Err(VfsError::AlreadyExists)
    );
    assert_eq!(
        t.fs.create_dir_all("/a/b/c/file.txt/x"),
        Err(VfsError::NotADirectory)
    );
    assert_eq!(t.fs.write_file("/missing/x", "x"), Err(VfsError::NotFound));
    assert_eq!(t.fs.write_file("/a", "x"), Err(VfsError::IsADirectory));
    let names: Vec<String> =
        t.fs.list_dir("/a/b")
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
    assert_eq!(names, ["c", "d"]);
    // Rooted resolution: ".." of the root is the root, absolute symlinks
    // start at the root.
    assert_eq!(t.fs.read_file("/../../a/b/c/file.txt").unwrap(), "hello");
    t.fs.symlink("/a/b", R, "abs").unwrap();
    assert_eq!(t.fs.read_file("/abs/c/file.txt").unwrap(), "hello");
    // Absolute targets resolve from the root when the walk starts there,
    // and are refused from any other base.
    let abs_c = t.fs.resolve(R, "abs/c", true).unwrap();
    assert_eq!(t.fs.lookup("/a/b/c"), Ok(abs_c));
    let a = t.fs.resolve(R, "a", true).unwrap();
    t.fs.symlink("/a/b", a, "abs2").unwrap();
    assert_eq!(t.fs.resolve(a, "abs2/c", true), Err(VfsError::NotCapable));
    t.fs.symlink("/", R, "rootlink").unwrap();
    assert_eq!(t.fs.lookup("/rootlink"), Ok(R));
    assert_eq!(t.fs.lookup("/"), Ok(R));
    // write_file follows a final symlink and replaces contents in place.
    t.fs.symlink("a/b/c/file.txt", R, "lf").unwrap();
    let ino = t.fs.lookup("/a/b/c/file.txt").unwrap();
    t.fs.write_file("/lf", "bye").unwrap();
    assert_eq!(t.fs.contents(ino).unwrap(), "bye");
    assert_eq!(
        t.fs.metadata("/lf", false).unwrap().file_type,
        FileType::Symlink
    );
    assert_eq!(t.fs.metadata("/lf", true).unwrap().size, 3);
    // remove_all does not follow symlinks.
    t.fs.symlink("/a", R, "a/b/d/back").unwrap();
    t.fs.remove_all("/abs").unwrap();
    assert!(t.fs.lookup("/a/b/c/file.txt").is_ok());
    t.fs.remove_all("/a").unwrap();
    assert_eq!(t.fs.lookup("/a"), Err(VfsError::NotFound));
    assert_eq!(t.fs.remove_all("/a"), Err(VfsError::NotFound));
    assert_eq!(t.fs.remove_all("/"), Err(VfsError::Busy));
    t.fs.remove_all("/lf").unwrap();
    assert_eq!(t.fs.usage().bytes, 0);
    assert_eq!(t.fs.usage().inodes, 2);
    t.ok();
}

#[test]
fn deep_trees_remove_without_recursion() {
    let mut t = setup();
    let mut path = String::new();
    for _ in 0..1500 {
        path.push_str("/d");
    }
    // Build iteratively (paths longer than 4095 need a base).
    let mut cur = R;
    for _ in 0..5000 {
        cur = t.fs.mkdir(cur, "d", 0).unwrap();
    }
    t.fs.write_file(&(path.clone() + "/f"), "x").unwrap();
    t.fs.remove_all("/d").unwrap();
    assert_eq!(t.fs.usage().inodes, 1);
    t.ok();
}

#[test]
fn error_display_and_names() {
    assert_eq!(VfsError::NotFound.errno_name(), "ENOENT");
    assert_eq!(
        VfsError::DirectoryNotEmpty.to_string(),
        "directory not empty (ENOTEMPTY)"
    );
}

#[cfg(feature = "std")]
mod host {
    use super::*;
    use std::fs;

    #[test]
    fn import_and_export_round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        fs::create_dir_all(src.join("sub/deeper")).unwrap();
        fs::write(src.join("top.txt"), b"top").unwrap();
        fs::write(src.join("sub/deeper/data.bin"), vec![1u8; 200_000]).unwrap();
        std::os::unix::fs::symlink("../top.txt", src.join("sub/rel")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", src.join("abs")).unwrap();
        // A symlink to a directory outside the tree must not be followed.
        let outside = tmp.path().join("outside");
        fs::create_dir(&outside).unwrap();
        fs::write(outside.join("secret"), b"secret").unwrap();
        std::os::unix::fs::symlink(&outside, src.join("escape")).unwrap();

        let mut vfs = Vfs::new();
        let stats = vfs.import_host_dir(&src, "/imported/here").unwrap();
        assert_eq!((stats.files, stats.symlinks, stats.bytes), (2, 3, 200_003));
        assert_eq!(vfs.read_file("/imported/here/top.txt").unwrap(), "top");
        assert_eq!(vfs.read_file("/imported/here/sub/rel").unwrap(), "top");
        assert_eq!(
            vfs.readlink(vfs.lookup("/imported/here").unwrap(), "abs")
                .unwrap(),
            "/etc/passwd"
        );
        let escape = vfs.metadata("/imported/here/escape", false).unwrap();
        assert_eq!(escape.file_type, FileType::Symlink);
        assert_eq!(
            vfs.read_file("/imported/here/escape/secret"),
            Err(VfsError::NotFound)
        );
        assert_eq!(
            vfs.read_file("/imported/here/sub/deeper/data.bin")
                .unwrap()
                .len(),
            200_000
        );
        vfs.check_consistency().unwrap();

        // Export and compare.
        let dst = tmp.path().join("dst");
        vfs.write_file("/imported/here/new.txt", "new").unwrap();
        let out = vfs.export_to_host("/imported/here", &dst).unwrap();
        assert_eq!((out.files, out.symlinks), (3, 3));
        assert_eq!(fs::read(dst.join("top.txt")).unwrap(), b"top");
        assert_eq!(fs::read(dst.join("new.txt")).unwrap(), b"new");
        assert_eq!(
            fs::read(dst.join("sub/deeper/data.bin")).unwrap().len(),
            200_000
        );
        assert_eq!(
            fs::read_link(dst.join("abs")).unwrap().to_str(),
            Some("/etc/passwd")
        );
        assert_eq!(fs::read_link(dst.join("escape")).unwrap(), outside);
        // Exporting again over the result replaces files.
        vfs.write_file("/imported/here/top.txt", "changed").unwrap();
        vfs.export_to_host("/imported/here", &dst).unwrap();
        assert_eq!(fs::read(dst.join("top.txt")).unwrap(), b"changed");
        assert_eq!(fs::read(outside.join("secret")).unwrap(), b"secret");
    }

    #[test]
    fn export_never_writes_through_host_symlinks() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let dst = tmp.path().join("dst");
        fs::create_dir(&dst).unwrap();
        std::os::unix::fs::symlink(&outside, dst.join("d")).unwrap();
        std::os::unix::fs::symlink(outside.join("victim"), dst.join("f")).unwrap();
        let mut vfs = Vfs::new();
        vfs.create_dir_all("/t/d").unwrap();
        vfs.write_file("/t/d/x", "evil").unwrap();
        assert!(vfs.export_to_host("/t", &dst).is_err());
        let mut vfs = Vfs::new();
        vfs.create_dir_all("/t").unwrap();
        vfs.write_file("/t/f", "evil").unwrap();
        assert!(vfs.export_to_host("/t", &dst).is_err());
        assert!(!outside.join("victim").exists());
        assert!(!outside.join("x").exists());
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
    }

    #[test]
    fn export_keeps_unusual_but_valid_names() {
        let tmp = tempfile::tempdir().unwrap();
        let mut vfs = Vfs::new();
        vfs.create_dir_all("/t").unwrap();
        for name in ["back\\slash", "..dots", " space", "é"] {
            vfs.write_file(&format!("/t/{name}"), name.as_bytes().to_vec())
                .unwrap();
        }
        let stats = vfs.export_to_host("/t", tmp.path()).unwrap();
        assert_eq!(stats.files, 4);
        for name in ["back\\slash", "..dots", " space", "é"] {
            assert_eq!(fs::read(tmp.path().join(name)).unwrap(), name.as_bytes());
        }
        // A single file exports to a file path.
        let out = tmp.path().join("single");
        vfs.export_to_host("/t/é", &out).unwrap();
        assert_eq!(fs::read(&out).unwrap(), "é".as_bytes());
    }

    #[test]
    fn import_is_all_or_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("a"), vec![0u8; 100]).unwrap();
        fs::write(tmp.path().join("b"), vec![0u8; 100]).unwrap();
        let mut vfs = Vfs::new();
        vfs.set_quotas(Quotas {
            max_bytes: Some(150),
            max_inodes: None,
        });
        let err = vfs.import_host_dir(tmp.path(), "/in").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
        assert_eq!(vfs.lookup("/in"), Err(VfsError::NotFound));
        assert_eq!(
            vfs.usage(),
            Usage {
                bytes: 0,
                inodes: 1
            }
        );
    }
}

#[test]
fn vfs_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Vfs>();
    assert_send_sync::<VfsError>();
}

#[test]
fn read_dir_iter_is_lazy_and_resumable() {
    let mut t = setup();
    for n in ["x", "y", "z"] {
        t.file(n, b"");
    }
    let first: Vec<DirEntry> = t.fs.read_dir_iter(R, 0).unwrap().take(3).collect();
    assert_eq!(
        first.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        [".", "..", "x"]
    );
    let rest: Vec<String> =
        t.fs.read_dir_iter(R, first[2].next_cookie)
            .unwrap()
            .map(|e| e.name)
            .collect();
    assert_eq!(rest, ["y", "z"]);
    assert_eq!(t.fs.read_dir(R, 2).unwrap().len(), 3);
    assert_eq!(
        t.fs.read_dir(R, 1).unwrap()[0].file_type,
        FileType::Directory
    );
}

#[test]
fn create_dir_all_edge_cases() {
    let mut t = setup();
    t.fs.symlink("missing", R, "dangling").unwrap();
    assert_eq!(
        t.fs.create_dir_all("/dangling"),
        Err(VfsError::AlreadyExists)
    );
    assert_eq!(t.fs.lookup("/missing"), Err(VfsError::NotFound));
    t.fs.create_dir_all("/real").unwrap();
    t.fs.symlink("real", R, "toreal").unwrap();
    t.fs.create_dir_all("/toreal/sub/../sub2").unwrap();
    assert!(t.fs.lookup("/real/sub").is_ok());
    assert!(t.fs.lookup("/real/sub2").is_ok());
    // A bad name anywhere creates nothing.
    let long = format!("/new/{}", "n".repeat(256));
    assert_eq!(t.fs.create_dir_all(&long), Err(VfsError::NameTooLong));
    assert_eq!(t.fs.lookup("/new"), Err(VfsError::NotFound));
    t.fs.create_dir_all("/").unwrap();
    t.ok();
}

/// A tree like a read-only mount: `/mnt/ro` (the top) with a file, a
/// subdirectory, a symlink and a device; `/mnt` and `/rw` stay writable.
fn read_only_tree() -> T {
    let mut t = setup();
    t.fs.create_dir_all("/mnt/ro/sub").unwrap();
    t.fs.create_dir_all("/rw").unwrap();
    t.file("mnt/ro/f", b"data");
    t.file("mnt/ro/sub/g", b"deep");
    t.file("rw/w", b"mine");
    t.fs.symlink("../../rw", R, "mnt/ro/out").unwrap();
    t.fs.mknod(R, "mnt/ro/null", Device::Null).unwrap();
    t.fs.set_read_only("/mnt/ro").unwrap();
    t
}

#[test]
fn read_only_trees_refuse_every_change() {
    let mut t = read_only_tree();
    let f = t.fs.resolve(R, "mnt/ro/f", true).unwrap();
    let sub = t.fs.resolve(R, "mnt/ro/sub", true).unwrap();
    let before = t.fs.stat(f).unwrap();
    let ro = Err(VfsError::ReadOnly);
    // Contents and metadata.
    assert_eq!(t.fs.write_at(f, 0, b"x"), ro.map(|()| 0));
    assert_eq!(t.fs.append(f, b"x"), ro.map(|()| 0));
    assert_eq!(t.fs.set_len(f, 0), ro);
    assert_eq!(t.fs.allocate(f, 0, 10), ro);
    assert_eq!(t.fs.set_times(f, SetTime::Now, SetTime::Now), ro);
    assert_eq!(t.fs.set_mode(f, 0o600), ro);
    assert_eq!(t.fs.write_file("/mnt/ro/f", "y"), ro);
    let trunc = OpenOptions {
        truncate: true,
        ..plain()
    };
    assert_eq!(t.fs.open(R, "mnt/ro/f", &trunc), ro.map(|()| 0));
    // Names inside the tree.
    assert_eq!(t.fs.open(R, "mnt/ro/new", &create()), ro.map(|()| 0));
    assert_eq!(t.fs.mkdir(R, "mnt/ro/sub/d", 0), ro.map(|()| 0));
    assert_eq!(t.fs.symlink("f", R, "mnt/ro/l"), ro.map(|()| 0));
    assert_eq!(t.fs.mknod(R, "mnt/ro/z", Device::Zero), ro.map(|()| 0));
    assert_eq!(t.fs.write_file("/mnt/ro/sub/new", "y"), ro);
    assert_eq!(t.fs.create_dir_all("/mnt/ro/a/b"), ro);
    assert_eq!(t.fs.unlink(R, "mnt/ro/f"), ro);
    assert_eq!(t.fs.unlink(R, "mnt/ro/out"), ro);
    assert_eq!(
        t.fs.rmdir(R, "mnt/ro/sub"),
        Err(VfsError::DirectoryNotEmpty)
    );
    assert_eq!(t.fs.remove_all("/mnt/ro/sub"), ro);
    assert_eq!(t.fs.rename(R, "mnt/ro/f", R, "mnt/ro/f2"), ro);
    assert_eq!(t.fs.link(R, "mnt/ro/f", true, R, "mnt/ro/f3"), ro);
    // Existing names still answer first, as on Linux.
    assert_eq!(t.fs.mkdir(R, "mnt/ro/sub", 0), Err(VfsError::AlreadyExists));
    t.fs.create_dir_all("/mnt/ro/sub").unwrap();
    assert_eq!(t.fs.unlink(R, "mnt/ro/missing"), Err(VfsError::NotFound));
    // Nothing changed; reading, listing and following symlinks work.
    assert_eq!(t.fs.stat(f).unwrap(), before);
    assert_eq!(t.read("mnt/ro/sub/g"), b"deep");
    assert_eq!(t.read("mnt/ro/out/w"), b"mine");
    assert_eq!(t.names("mnt/ro"), [".", "..", "sub", "f", "out", "null"]);
    assert!(t.fs.is_read_only(sub) && !t.fs.is_read_only(R));
    // A device in the tree still discards writes (the device is not the fs).
    let null = t.fs.resolve(R, "mnt/ro/null", true).unwrap();
    assert_eq!(t.fs.write_at(null, 0, b"gone"), Ok(4));
    t.ok();
}

#[test]
fn read_only_tree_edges_are_like_mounts() {
    let mut t = read_only_tree();
    // Moving or linking across the edge is EXDEV (mv copies instead).
    assert_eq!(
        t.fs.rename(R, "mnt/ro/f", R, "rw/f"),
        Err(VfsError::CrossDevice)
    );
    assert_eq!(
        t.fs.rename(R, "rw/w", R, "mnt/ro/w"),
        Err(VfsError::CrossDevice)
    );
    assert_eq!(
        t.fs.link(R, "mnt/ro/f", true, R, "rw/hard"),
        Err(VfsError::CrossDevice)
    );
    // The top of the tree is a mount point.
    assert_eq!(
        t.fs.rename(R, "mnt/ro", R, "mnt/moved"),
        Err(VfsError::Busy)
    );
    assert_eq!(t.fs.remove_all("/mnt/ro"), Err(VfsError::ReadOnly));
    t.fs.create_dir_all("/empty").unwrap();
    t.fs.set_read_only("/empty").unwrap();
    assert_eq!(t.fs.rmdir(R, "empty"), Err(VfsError::Busy));
    t.fs.create_dir_all("/other").unwrap();
    assert_eq!(t.fs.rename(R, "other", R, "empty"), Err(VfsError::Busy));
    // The writable rest is untouched by all this.
    t.fs.write_file("/rw/w", "still mine").unwrap();
    t.fs.rename(R, "rw/w", R, "mnt/w").unwrap();
    t.fs.remove_all("/rw").unwrap();
    // Forks and snapshots keep the flag.
    let mut copy = t.fs.fork();
    assert_eq!(copy.write_file("/mnt/ro/f", "z"), Err(VfsError::ReadOnly));
    // An embedder can clear it inode by inode.
    let f = copy.lookup("/mnt/ro/f").unwrap();
    copy.set_inode_read_only(f, false).unwrap();
    copy.write_file("/mnt/ro/f", "z").unwrap();
    assert_eq!(t.read("mnt/ro/f"), b"data");
    assert_eq!(VfsError::ReadOnly.errno_name(), "EROFS");
    t.ok();
}

#[test]
fn restoring_a_tree_piece_by_piece() {
    let mut t = setup();
    let copy = {
        t.fs.set_quotas(Quotas {
            max_bytes: Some(10),
            max_inodes: Some(4),
        });
        t.fs.blank()
    };
    let mut fs = copy;
    assert_eq!(fs.usage().inodes, 1);
    assert_eq!(fs.quotas().max_bytes, Some(10));
    let f = fs
        .create_file(R, "f", Bytes::from_static(b"hello"), 0o600)
        .unwrap();
    assert_eq!(fs.stat(f).unwrap().mode, 0o600);
    assert_eq!(
        fs.create_file(R, "g", Bytes::from_static(b"too long!!"), 0),
        Err(VfsError::NoSpace)
    );
    for bad in ["", ".", "..", "a/b", "a\0b"] {
        assert!(fs.create_file(R, bad, Bytes::new(), 0).is_err(), "{bad:?}");
    }
    assert_eq!(
        fs.create_file(R, "f", Bytes::new(), 0),
        Err(VfsError::AlreadyExists)
    );
    fs.restore_times(f, 5, 6, 7).unwrap();
    let m = fs.stat(f).unwrap();
    assert_eq!((m.atime, m.mtime, m.ctime), (5, 6, 7));
    t.clock.set(99);
    fs.restore_times(f, 0, 0, 0).unwrap();
    assert_eq!(fs.stat(f).unwrap().ctime, 1);
    fs.check_consistency().unwrap();
}
