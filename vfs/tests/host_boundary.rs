//! The host boundary under hostile or unusual trees: imports that must not
//! read what they cannot keep or block on what they cannot read, exports
//! that leave the host as it was when they fail, hard links both ways.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasiland_vfs::{FileType, Quotas, SkippedKind, Vfs, VfsError};

/// Every path under `root` with what it is and holds (contents, link
/// target, inode for files), to compare a host tree before and after.
fn host_tree(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            let meta = fs::symlink_metadata(&path).expect("lstat");
            let desc = if meta.file_type().is_symlink() {
                format!("link {:?}", fs::read_link(&path).expect("readlink"))
            } else if meta.is_dir() {
                stack.push(path.clone());
                "dir".to_string()
            } else if meta.is_file() {
                format!(
                    "file ino {} mtime {} {:?}",
                    meta.ino(),
                    meta.mtime_nsec(),
                    fs::read(&path).expect("read")
                )
            } else {
                "other".to_string()
            };
            out.insert(
                path.strip_prefix(root).expect("under root").to_path_buf(),
                desc,
            );
        }
    }
    out
}

fn limited(max_bytes: u64) -> Vfs {
    let mut vfs = Vfs::new();
    vfs.set_quotas(Quotas {
        max_bytes: Some(max_bytes),
        max_inodes: None,
    });
    vfs
}

#[test]
fn a_file_larger_than_the_quota_is_refused_before_it_is_read() {
    let tmp = tempfile::tempdir().expect("tmp");
    // 3 GiB, sparse: reading it would take seconds and 3 GiB of memory.
    let big = fs::File::create(tmp.path().join("big")).expect("create");
    big.set_len(3 << 30).expect("set_len");
    fs::write(tmp.path().join("small"), b"x").expect("write");
    let mut vfs = limited(1 << 20);
    let started = Instant::now();
    let err = vfs
        .import_host_dir(tmp.path(), "/in")
        .expect_err("over quota");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
    let msg = err.to_string();
    assert!(msg.contains("big") && msg.contains("3221225472"), "{msg}");
    assert_eq!(vfs.lookup("/in"), Err(VfsError::NotFound));
}

#[test]
fn sparse_files_within_the_quota_keep_their_holes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("sparse");
    let f = fs::File::create(&path).expect("create");
    f.set_len(64 << 20).expect("set_len");
    drop(f);
    // Data in the middle of the holes.
    use std::os::unix::fs::FileExt;
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open")
        .write_at(b"middle", 10 << 20)
        .expect("write_at");
    let mut vfs = limited(100 << 20);
    let stats = vfs.import_host_dir(tmp.path(), "/in").expect("import");
    assert_eq!((stats.files, stats.bytes), (1, 64 << 20));
    let ino = vfs.lookup("/in/sparse").expect("imported");
    assert_eq!(vfs.stat(ino).expect("stat").size, 64 << 20);
    let mut buf = [1u8; 8];
    vfs.read_at(ino, (10 << 20) - 1, &mut buf).expect("read");
    assert_eq!(&buf, b"\0middle\0");
    vfs.read_at(ino, 50 << 20, &mut buf).expect("read");
    assert_eq!(buf, [0u8; 8]);
}

#[test]
fn fifos_and_sockets_are_skipped_never_opened() {
    let tmp = tempfile::tempdir().expect("tmp");
    let fifo = tmp.path().join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let _listener = std::os::unix::net::UnixListener::bind(tmp.path().join("sock")).expect("bind");
    fs::write(tmp.path().join("file"), b"data").expect("write");
    let before = host_tree(tmp.path());
    let mut vfs = Vfs::new();
    // Opening the FIFO would block forever: the test would hang.
    let stats = vfs.import_host_dir(tmp.path(), "/in").expect("import");
    assert_eq!(stats.files, 1);
    assert_eq!(stats.skipped_count, 2);
    let kinds: Vec<(String, SkippedKind)> = stats
        .skipped
        .iter()
        .map(|s| {
            let name = s
                .path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, s.kind)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("pipe".to_string(), SkippedKind::Fifo),
            ("sock".to_string(), SkippedKind::Socket)
        ]
    );
    assert_eq!(vfs.read_file("/in/file").expect("read"), "data");
    assert_eq!(vfs.lookup("/in/pipe"), Err(VfsError::NotFound));
    // The host tree is only read.
    assert_eq!(host_tree(tmp.path()), before);
}

#[test]
fn symlinks_come_in_as_symlinks_and_lead_nowhere_outside() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("src");
    fs::create_dir(&src).expect("mkdir");
    fs::write(tmp.path().join("secret"), b"host secret").expect("write");
    std::os::unix::fs::symlink(tmp.path().join("secret"), src.join("abs")).expect("symlink");
    std::os::unix::fs::symlink("../secret", src.join("rel")).expect("symlink");
    let mut vfs = Vfs::new();
    let stats = vfs.import_host_dir(&src, "/in").expect("import");
    assert_eq!((stats.symlinks, stats.files), (2, 0));
    for name in ["abs", "rel"] {
        let meta = vfs.metadata(&format!("/in/{name}"), false).expect("lstat");
        assert_eq!(meta.file_type, FileType::Symlink);
        assert!(vfs.read_file(&format!("/in/{name}")).is_err());
    }
}

#[test]
fn hard_links_stay_hard_links_both_ways() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("src");
    fs::create_dir_all(src.join("sub")).expect("mkdir");
    fs::write(src.join("a"), vec![7u8; 1 << 20]).expect("write");
    for i in 0..20 {
        fs::hard_link(src.join("a"), src.join(format!("sub/link{i}"))).expect("link");
    }
    // 21 names of 1 MiB: fits a 2 MiB quota only if counted once.
    let mut vfs = limited(2 << 20);
    let stats = vfs.import_host_dir(&src, "/in").expect("import");
    assert_eq!(
        (stats.files, stats.hard_links, stats.bytes),
        (1, 20, 1 << 20)
    );
    let a = vfs.metadata("/in/a", false).expect("stat");
    assert_eq!(a.nlink, 21);
    assert_eq!(
        vfs.metadata("/in/sub/link7", false).expect("stat").ino,
        a.ino
    );
    assert_eq!(vfs.usage().bytes, 1 << 20);

    let dst = tmp.path().join("dst");
    let out = vfs.export_to_host("/in", &dst).expect("export");
    assert_eq!((out.files, out.hard_links), (1, 20));
    let host_a = fs::metadata(dst.join("a")).expect("stat");
    assert_eq!(host_a.nlink(), 21);
    assert_eq!(
        fs::metadata(dst.join("sub/link3")).expect("stat").ino(),
        host_a.ino()
    );
    assert_eq!(
        fs::read(dst.join("sub/link19")).expect("read"),
        vec![7u8; 1 << 20]
    );
}

/// A guest tree whose export must fail part-way: a directory deep inside
/// where the host has a file.
fn tree_with_late_conflict(host: &Path) -> Vfs {
    fs::create_dir_all(host.join("keep/deep")).expect("mkdir");
    fs::write(host.join("keep/old.txt"), b"old").expect("write");
    fs::write(host.join("top.txt"), b"host top").expect("write");
    fs::write(host.join("keep/deep/clash"), b"a host file").expect("write");
    let mut vfs = Vfs::new();
    vfs.create_dir_all("/t/keep").expect("mkdir");
    vfs.write_file("/t/top.txt", "guest top").expect("write");
    vfs.create_dir_all("/t/keep/deep/clash").expect("mkdir");
    vfs.write_file("/t/keep/new.txt", "new").expect("write");
    vfs.write_file("/t/keep/old.txt", "replaced")
        .expect("write");
    vfs.create_dir_all("/t/fresh").expect("mkdir");
    vfs.write_file("/t/fresh/f", "fresh").expect("write");
    vfs
}

#[test]
fn a_failed_merge_leaves_the_host_tree_unchanged() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dst = tmp.path().join("dst");
    let vfs = tree_with_late_conflict(&dst);
    let before = host_tree(&dst);
    let err = vfs.export_to_host("/t", &dst).expect_err("conflict");
    assert!(err.to_string().contains("clash"), "{err}");
    assert_eq!(host_tree(&dst), before, "no staging left, nothing replaced");

    // Without the conflict the same export merges: new names added, same
    // names replaced, other host files kept.
    fs::remove_file(dst.join("keep/deep/clash")).expect("rm");
    vfs.export_to_host("/t", &dst).expect("export");
    assert_eq!(fs::read(dst.join("top.txt")).expect("read"), b"guest top");
    assert_eq!(
        fs::read(dst.join("keep/old.txt")).expect("read"),
        b"replaced"
    );
    assert_eq!(fs::read(dst.join("keep/new.txt")).expect("read"), b"new");
    assert_eq!(fs::read(dst.join("fresh/f")).expect("read"), b"fresh");
    assert!(dst.join("keep/deep/clash").is_dir());
    let names: Vec<String> = fs::read_dir(&dst)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("wasiland-export")),
        "{names:?}"
    );
}

#[test]
fn a_failed_export_to_a_new_place_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut vfs = Vfs::new();
    vfs.create_dir_all("/t").expect("mkdir");
    vfs.write_file("/t/first", "x").expect("write");
    // Deeper than the host's PATH_MAX once staged: fails while staging.
    let mut dir = vfs.lookup("/t").expect("lookup");
    for _ in 0..20 {
        dir = vfs.mkdir(dir, &"d".repeat(250), 0o755).expect("mkdir");
    }
    let before = host_tree(tmp.path());
    let dst = tmp.path().join("missing/parents/dst");
    assert!(vfs.export_to_host("/t", &dst).is_err());
    assert_eq!(host_tree(tmp.path()), before, "created parents removed too");
}

#[test]
fn a_file_export_replaces_by_rename() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dst = tmp.path().join("out.txt");
    fs::write(&dst, b"old").expect("write");
    let old_ino = fs::metadata(&dst).expect("stat").ino();
    let mut vfs = Vfs::new();
    vfs.write_file("/f", "new contents").expect("write");
    vfs.export_to_host("/f", &dst).expect("export");
    assert_eq!(fs::read(&dst).expect("read"), b"new contents");
    assert_ne!(fs::metadata(&dst).expect("stat").ino(), old_ino);
    assert_eq!(fs::read_dir(tmp.path()).expect("ls").count(), 1);
    // Never through a symlink: refused, the link and its target untouched.
    let victim = tmp.path().join("victim");
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    assert!(vfs.export_to_host("/f", &link).is_err());
    assert!(!victim.exists());
    assert!(fs::symlink_metadata(&link)
        .expect("lstat")
        .file_type()
        .is_symlink());
}
