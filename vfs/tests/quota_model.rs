//! Quotas: random operation sequences run on a VFS with small limits and on
//! one without. Every operation the limited VFS refuses with NoSpace or
//! QuotaExceeded must leave it exactly as it was (tree, contents, usage);
//! every other operation must give the same result on both, so the two stay
//! identical; and usage never passes the limits.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use wasiland_vfs::{Device, FileType, ManualClock, OpenOptions, Quotas, Vfs, VfsError};

#[derive(Clone, Debug)]
enum Op {
    Create(String),
    Mkdir(String),
    Symlink(String),
    Mknod(String),
    Link(String, String),
    Write(String, u64, usize),
    Append(String, usize),
    Truncate(String, u64),
    Allocate(String, u64, u64),
    Unlink(String),
    Rmdir(String),
    Rename(String, String),
    WriteFile(String, usize),
    CreateDirAll(String),
    RemoveAll(String),
}

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(vec!["a", "b", "c", "d"]), 1..4)
        .prop_map(|p| p.join("/"))
}

fn size() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..100, 60_000u64..70_000, 100_000u64..300_000]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => name().prop_map(Op::Create),
        3 => name().prop_map(Op::Mkdir),
        1 => name().prop_map(Op::Symlink),
        1 => name().prop_map(Op::Mknod),
        1 => (name(), name()).prop_map(|(a, b)| Op::Link(a, b)),
        4 => (name(), size(), 0usize..5000).prop_map(|(p, o, n)| Op::Write(p, o, n)),
        2 => (name(), 0usize..50_000).prop_map(|(p, n)| Op::Append(p, n)),
        2 => (name(), size()).prop_map(|(p, n)| Op::Truncate(p, n)),
        1 => (name(), size(), 1u64..100_000).prop_map(|(p, o, n)| Op::Allocate(p, o, n)),
        2 => name().prop_map(Op::Unlink),
        1 => name().prop_map(Op::Rmdir),
        2 => (name(), name()).prop_map(|(a, b)| Op::Rename(a, b)),
        2 => (name(), 0usize..120_000).prop_map(|(p, n)| Op::WriteFile(p, n)),
        1 => name().prop_map(Op::CreateDirAll),
        1 => name().prop_map(Op::RemoveAll),
    ]
}

fn apply(fs: &mut Vfs, op: &Op) -> Result<(), VfsError> {
    let root = fs.root();
    let create = OpenOptions {
        create: true,
        follow: true,
        ..Default::default()
    };
    let open = |fs: &mut Vfs, p: &str| {
        fs.open(
            root,
            p,
            &OpenOptions {
                follow: true,
                ..Default::default()
            },
        )
    };
    match op {
        Op::Create(p) => fs.open(root, p, &create).map(|_| ()),
        Op::Mkdir(p) => fs.mkdir(root, p, 0).map(|_| ()),
        Op::Symlink(p) => fs.symlink("a", root, p).map(|_| ()),
        Op::Mknod(p) => fs.mknod(root, p, Device::Zero).map(|_| ()),
        Op::Link(a, b) => fs.link(root, a, false, root, b),
        Op::Write(p, off, n) => {
            let ino = open(fs, p)?;
            fs.write_at(ino, *off, &vec![0x5a; *n]).map(|_| ())
        }
        Op::Append(p, n) => {
            let ino = open(fs, p)?;
            fs.append(ino, &vec![0xa5; *n]).map(|_| ())
        }
        Op::Truncate(p, n) => {
            let ino = open(fs, p)?;
            fs.set_len(ino, *n)
        }
        Op::Allocate(p, off, n) => {
            let ino = open(fs, p)?;
            fs.allocate(ino, *off, *n)
        }
        Op::Unlink(p) => fs.unlink(root, p),
        Op::Rmdir(p) => fs.rmdir(root, p),
        Op::Rename(a, b) => fs.rename(root, a, root, b),
        Op::WriteFile(p, n) => fs.write_file(&format!("/{p}"), vec![7u8; *n]),
        Op::CreateDirAll(p) => fs.create_dir_all(&format!("/{p}")),
        Op::RemoveAll(p) => fs.remove_all(&format!("/{p}")),
    }
}

/// Everything observable: paths, kinds, sizes, link counts, contents.
fn dump(fs: &Vfs) -> BTreeMap<String, (FileType, u64, u64, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(String::new(), fs.root())];
    while let Some((prefix, dir)) = stack.pop() {
        for e in fs.read_dir(dir, 2).expect("read_dir") {
            let path = format!("{prefix}/{}", e.name);
            let m = fs.stat(e.ino).expect("stat");
            let content = match m.file_type {
                FileType::Regular => fs.contents(e.ino).expect("contents").to_vec(),
                FileType::Directory => {
                    stack.push((path.clone(), e.ino));
                    Vec::new()
                }
                _ => Vec::new(),
            };
            out.insert(path, (m.file_type, m.size, m.nlink, content));
        }
    }
    out
}

static REFUSED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn run(limits: Quotas, ops: &[Op]) -> Result<(), TestCaseError> {
    let clock = Arc::new(ManualClock::default());
    let mut limited = Vfs::with_clock(clock.clone());
    limited.set_quotas(limits);
    let mut free = Vfs::with_clock(clock);
    let mut refused = 0;
    for op in ops {
        let before = dump(&limited);
        let usage = limited.usage();
        let got = apply(&mut limited, op);
        limited
            .check_consistency()
            .map_err(|e| TestCaseError::fail(format!("after {op:?}: {e}")))?;
        match got {
            Err(VfsError::NoSpace) | Err(VfsError::QuotaExceeded) => {
                refused += 1;
                prop_assert_eq!(limited.usage(), usage, "usage changed by refused {:?}", op);
                prop_assert!(
                    dump(&limited) == before,
                    "refused {:?} changed the tree",
                    op
                );
            }
            got => {
                let want = apply(&mut free, op);
                prop_assert_eq!(got, want, "{:?}", op);
            }
        }
        let u = limited.usage();
        prop_assert!(
            u.bytes <= limits.max_bytes.unwrap_or(u64::MAX),
            "bytes {} over {:?}",
            u.bytes,
            limits
        );
        prop_assert!(
            u.inodes <= limits.max_inodes.unwrap_or(u64::MAX),
            "inodes {} over {:?}",
            u.inodes,
            limits
        );
    }
    prop_assert!(
        dump(&limited) == dump(&free),
        "limited and free VFS diverged"
    );
    REFUSED.fetch_add(refused, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

#[test]
fn refused_operations_change_nothing() {
    let cases = std::env::var("VFS_QUOTA_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let limits = (
        prop::option::weighted(0.85, 0u64..200_000),
        prop::option::weighted(0.85, 1u64..10),
    )
        .prop_map(|(b, i)| Quotas {
            max_bytes: b,
            max_inodes: i,
        });
    let strategy = (limits, prop::collection::vec(op(), 1..40));
    if let Err(e) = runner.run(&strategy, |(limits, ops)| run(limits, &ops)) {
        panic!("{e}");
    }
    let refused = REFUSED.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("{refused} operations refused by a quota in {cases} sequences");
    assert!(
        refused > u64::from(cases) / 2,
        "too few refusals ({refused}) to test anything"
    );
}

#[test]
fn refusals_do_happen() {
    // Guard against a vacuous property: a fixed sequence that must be refused.
    let mut fs = Vfs::new();
    fs.set_quotas(Quotas {
        max_bytes: Some(10),
        max_inodes: Some(2),
    });
    fs.write_file("/a", vec![1u8; 10]).unwrap();
    assert_eq!(
        fs.write_file("/b", vec![1u8; 0]),
        Err(VfsError::QuotaExceeded)
    );
    assert_eq!(fs.write_file("/a", vec![1u8; 11]), Err(VfsError::NoSpace));
    assert_eq!(fs.read_file("/a").unwrap().len(), 10);
}
