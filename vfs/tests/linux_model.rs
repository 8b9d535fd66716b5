//! Differential property test: random sequences of filesystem operations are
//! applied to a [`Vfs`] and to a real directory on Linux (tmpfs under
//! `/dev/shm` when available), and every result, error kind and the final
//! trees must agree.
//!
//! Linux results come from the `*at` system calls (through `rustix`) on a
//! descriptor of the test directory, so the same relative paths are used on
//! both sides; io errors are mapped to [`VfsError`] kinds by errno.
//!
//! Deliberate deviations from Linux, handled here and listed in
//! `RATIONALE.md` (section `vfs`):
//!
//! * **Sandboxing.** A path that leaves the base directory (`..` above it, an
//!   absolute path, an absolute symlink target) is NotCapable in the VFS,
//!   where Linux would resolve it outside. Such operations are not run on
//!   Linux; instead `openat2(RESOLVE_BENEATH)` must confirm that the path does
//!   escape (EXDEV).
//! * **Listing order** is creation order in the VFS and hash/newest-first on
//!   Linux; listings are compared as sets.
//! * **Timestamps** come from the injected clock, and reads do not update
//!   atime (`noatime`); times are not compared with Linux (the unit tests
//!   check them against a manual clock).
//! * **Appends crossing the maximum file size** (`i64::MAX`) fail whole with
//!   FileTooLarge where Linux appends the part below the limit (a short
//!   write); such appends are checked on the VFS side only.
//! * **Directory sizes** follow tmpfs (20 bytes per entry); they are compared
//!   only when the Linux side is tmpfs.
//!
//! Run more cases with `VFS_MODEL_CASES=20000 cargo test -p wasiland-vfs --test linux_model`.
#![cfg(target_os = "linux")]

use std::collections::{BTreeMap, HashMap};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rustix::fs::{self as rfs, AtFlags, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use wasiland_vfs::{FileType, Ino, ManualClock, OpenOptions, Vfs, VfsError};

// ---------------------------------------------------------------- ops

#[derive(Clone, Debug)]
enum Op {
    Open {
        path: String,
        create: bool,
        exclusive: bool,
        truncate: bool,
        directory: bool,
        follow: bool,
    },
    Mkdir(String),
    Rmdir(String),
    Unlink(String),
    Rename(String, String),
    Symlink(String, String),
    Link(String, String, bool),
    /// Open read-write (creating the file if `create`), then pwrite.
    Write {
        path: String,
        offset: u64,
        data: Vec<u8>,
        create: bool,
    },
    Truncate {
        path: String,
        len: u64,
    },
    Read {
        path: String,
        offset: u64,
        len: usize,
    },
    Stat {
        path: String,
        follow: bool,
    },
    Readlink(String),
    ReadDir(String),
    /// Open a regular file read-write and keep the handle in a slot.
    Hold {
        path: String,
        slot: usize,
    },
    HWrite {
        slot: usize,
        offset: u64,
        data: Vec<u8>,
    },
    HAppend {
        slot: usize,
        data: Vec<u8>,
    },
    HRead {
        slot: usize,
        offset: u64,
        len: usize,
    },
    HStat {
        slot: usize,
    },
    HTruncate {
        slot: usize,
        len: u64,
    },
    Close {
        slot: usize,
    },
    /// Fork the VFS, mutate the fork, check the original is unaffected.
    Fork,
}

const SLOTS: usize = 3;

fn component() -> impl Strategy<Value = String> {
    prop_oneof![
        24 => prop::sample::select(vec!["a", "b", "c"]).prop_map(String::from),
        2 => Just(".".to_string()),
        2 => Just("..".to_string()),
        1 => Just("x".repeat(256)),
    ]
}

fn path() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(component(), 1..4),
        prop::sample::select(vec!["", "", "", "", "", "", "/", "//"]),
        prop::bool::weighted(0.02),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(parts, tail, absolute, doubled)| {
            let mut p = parts.join("/");
            if doubled {
                p = p.replacen('/', "//", 1);
            }
            p.push_str(tail);
            if absolute {
                p.insert(0, '/');
            }
            p
        })
}

/// A plain path of one or two names, for building an initial tree.
fn plain_path() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(vec!["a", "b", "c"]), 1..3)
        .prop_map(|parts| parts.join("/"))
}

/// Operations that build a starting tree (compared like the others).
fn setup_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => plain_path().prop_map(Op::Mkdir),
        3 => (plain_path(), data()).prop_map(|(path, data)| Op::Write { path, offset: 0, data, create: true }),
        1 => (plain_path(), plain_path()).prop_map(|(t, p)| Op::Symlink(t, p)),
        1 => (plain_path(), plain_path()).prop_map(|(a, b)| Op::Link(a, b, false)),
    ]
}

fn link_target() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => path(),
        1 => Just("/tmp".to_string()),
        1 => Just(String::new()),
    ]
}

fn offset() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => 0u64..40,
        2 => 65_530u64..65_545,
        1 => Just(1u64 << 40),
        1 => Just(i64::MAX as u64),
        1 => Just(i64::MAX as u64 - 1),
        1 => Just(u64::MAX),
    ]
}

fn data() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..12),
        1 => prop::collection::vec(any::<u8>(), 0..70_000),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let slot = 0..SLOTS;
    prop_oneof![
        6 => (path(), any::<[bool; 5]>()).prop_map(|(path, b)| Op::Open {
            path,
            create: b[0] || b[1],
            exclusive: b[1] && b[2],
            truncate: b[3] && b[2],
            directory: b[4] && !(b[0] || b[1]),
            follow: !(b[2] && b[4]),
        }),
        5 => path().prop_map(Op::Mkdir),
        2 => path().prop_map(Op::Rmdir),
        2 => path().prop_map(Op::Unlink),
        4 => (path(), path()).prop_map(|(a, b)| Op::Rename(a, b)),
        3 => (link_target(), path()).prop_map(|(t, p)| Op::Symlink(t, p)),
        2 => (path(), path(), any::<bool>()).prop_map(|(a, b, f)| Op::Link(a, b, f)),
        4 => (path(), offset(), data(), any::<bool>())
            .prop_map(|(path, offset, data, create)| Op::Write { path, offset, data, create }),
        2 => (path(), offset()).prop_map(|(path, len)| Op::Truncate { path, len }),
        2 => (path(), offset(), 0usize..100).prop_map(|(path, offset, len)| Op::Read { path, offset, len }),
        3 => (path(), any::<bool>()).prop_map(|(path, follow)| Op::Stat { path, follow }),
        1 => path().prop_map(Op::Readlink),
        2 => path().prop_map(Op::ReadDir),
        5 => (path(), slot.clone()).prop_map(|(path, slot)| Op::Hold { path, slot }),
        3 => (slot.clone(), offset(), data()).prop_map(|(slot, offset, data)| Op::HWrite { slot, offset, data }),
        1 => (slot.clone(), data()).prop_map(|(slot, data)| Op::HAppend { slot, data }),
        2 => (slot.clone(), offset(), 0usize..100).prop_map(|(slot, offset, len)| Op::HRead { slot, offset, len }),
        2 => slot.clone().prop_map(|slot| Op::HStat { slot }),
        1 => (slot.clone(), offset()).prop_map(|(slot, len)| Op::HTruncate { slot, len }),
        1 => slot.prop_map(|slot| Op::Close { slot }),
        1 => Just(Op::Fork),
    ]
}

// ---------------------------------------------------------------- outcomes

#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Unit,
    /// Inode (Linux number, after mapping), type, size, nlink, mode.
    Stat(u64, FileType, Option<u64>, u64, u32),
    Bytes(Vec<u8>),
    Text(String),
    Names(Vec<(String, FileType)>),
    Count(u64),
}

type Outcome = Result<Value, VfsError>;

fn errno_kind(e: Errno) -> VfsError {
    match e {
        Errno::NOENT => VfsError::NotFound,
        Errno::EXIST => VfsError::AlreadyExists,
        Errno::NOTDIR => VfsError::NotADirectory,
        Errno::ISDIR => VfsError::IsADirectory,
        Errno::NOTEMPTY => VfsError::DirectoryNotEmpty,
        Errno::LOOP => VfsError::SymlinkLoop,
        Errno::INVAL => VfsError::InvalidArgument,
        Errno::NAMETOOLONG => VfsError::NameTooLong,
        Errno::NOSPC => VfsError::NoSpace,
        Errno::DQUOT => VfsError::QuotaExceeded,
        Errno::PERM => VfsError::NotPermitted,
        Errno::BUSY => VfsError::Busy,
        Errno::FBIG => VfsError::FileTooLarge,
        Errno::BADF => VfsError::BadHandle,
        Errno::XDEV => VfsError::CrossDevice,
        other => panic!("unexpected errno {other:?}"),
    }
}

fn linux_type(mode: u32) -> FileType {
    match rfs::FileType::from_raw_mode(mode) {
        rfs::FileType::Directory => FileType::Directory,
        rfs::FileType::Symlink => FileType::Symlink,
        rfs::FileType::CharacterDevice => FileType::CharDevice,
        _ => FileType::Regular,
    }
}

// ---------------------------------------------------------------- the two sides

struct World {
    vfs: Vfs,
    /// The directory the model works in (a subdirectory of the VFS root).
    base: Ino,
    _tmp: tempfile::TempDir,
    root: OwnedFd,
    /// Whether the Linux side is tmpfs (directory sizes comparable).
    tmpfs: bool,
    handles: Vec<Option<(OwnedFd, Ino)>>,
    /// Inode numbers seen: VFS -> Linux and Linux -> VFS.
    v2l: HashMap<Ino, u64>,
    l2v: HashMap<u64, Ino>,
}

fn scratch_parent() -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

impl World {
    fn new() -> World {
        let tmp = tempfile::Builder::new()
            .prefix("vfs-model-")
            .tempdir_in(scratch_parent())
            .expect("tempdir");
        // Root two levels down, so even a bug that escapes stays inside tmp.
        let root_path = tmp.path().join("x").join("root");
        std::fs::create_dir_all(&root_path).expect("mkdir root");
        let root = rfs::open(
            &root_path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .expect("open root");
        let tmpfs = rfs::fstatfs(&root)
            // f_type's integer type differs between architectures.
            .map(|s| {
                #[allow(clippy::unnecessary_cast)]
                let kind = s.f_type as i64;
                kind == 0x0102_1994 // TMPFS_MAGIC
            })
            .unwrap_or(false);
        // The model works below a subdirectory: walks from the VFS root treat
        // `..` and absolute symlinks like a chroot, which a Linux directory
        // under /dev/shm cannot mirror.
        let mut vfs = Vfs::with_clock(Arc::new(ManualClock::new(1_000_000)));
        let base = vfs.mkdir(vfs.root(), "model", 0).expect("mkdir model");
        World {
            vfs,
            base,
            _tmp: tmp,
            root,
            tmpfs,
            handles: (0..SLOTS).map(|_| None).collect(),
            v2l: HashMap::new(),
            l2v: HashMap::new(),
        }
    }

    fn base(&self) -> Ino {
        self.base
    }

    /// Checks that VFS inode `v` and Linux inode `l` correspond, recording
    /// the pair the first time either is seen.
    fn same_inode(&mut self, v: Ino, l: u64) -> Result<(), TestCaseError> {
        match (self.v2l.get(&v), self.l2v.get(&l)) {
            (None, None) => {
                self.v2l.insert(v, l);
                self.l2v.insert(l, v);
                Ok(())
            }
            (Some(&l2), _) if l2 == l => Ok(()),
            _ => Err(TestCaseError::fail(format!(
                "inode mismatch: vfs {v} (known as linux {:?}), linux {l} (known as vfs {:?})",
                self.v2l.get(&v),
                self.l2v.get(&l)
            ))),
        }
    }

    /// Does Linux agree that `path` escapes the root (EXDEV under
    /// RESOLVE_BENEATH)? `follow` says whether a final symlink is followed.
    fn escapes(&self, path: &str, follow: bool) -> bool {
        let mut flags = OFlags::PATH | OFlags::CLOEXEC;
        if !follow {
            flags |= OFlags::NOFOLLOW;
        }
        matches!(
            rfs::openat2(
                &self.root,
                path,
                flags,
                Mode::empty(),
                ResolveFlags::BENEATH
            ),
            Err(Errno::XDEV)
        )
    }

    fn linux_stat(&self, path: &str, follow: bool) -> Result<rfs::Stat, Errno> {
        let flags = if follow {
            AtFlags::empty()
        } else {
            AtFlags::SYMLINK_NOFOLLOW
        };
        rfs::statat(&self.root, path, flags)
    }

    fn stat_value(&mut self, ino: Ino, st: &rfs::Stat) -> Result<Value, TestCaseError> {
        let m = self
            .vfs
            .stat(ino)
            .map_err(|e| TestCaseError::fail(format!("stat of live inode: {e}")))?;
        self.same_inode(ino, st.st_ino)?;
        let lt = linux_type(st.st_mode);
        let size_cmp = |size: u64, ft: FileType| {
            if ft == FileType::Directory && !self.tmpfs {
                None
            } else {
                Some(size)
            }
        };
        prop_assert_eq!(m.file_type, lt, "type of inode {}", ino);
        prop_assert_eq!(
            size_cmp(m.size, m.file_type),
            size_cmp(st.st_size as u64, lt),
            "size of inode {}",
            ino
        );
        prop_assert_eq!(m.nlink, st.st_nlink, "nlink of inode {}", ino);
        prop_assert_eq!(m.mode, st.st_mode & 0o7777, "mode of inode {}", ino);
        Ok(Value::Stat(
            st.st_ino,
            lt,
            size_cmp(st.st_size as u64, lt),
            st.st_nlink,
            st.st_mode & 0o7777,
        ))
    }

    /// Applies `op` to both sides and compares.
    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let base = self.base();
        macro_rules! both {
            ($vfs:expr, $linux:expr) => {{
                let v: Outcome = $vfs;
                let l: Outcome = $linux;
                prop_assert_eq!(&v, &l, "op {:?}", op);
                record(op, &v);
            }};
        }
        // Escapes: the VFS refuses, Linux must confirm, nothing runs there.
        macro_rules! sandboxed {
            ($v:expr, $checks:expr) => {{
                let v: Outcome = $v;
                if v == Err(VfsError::NotCapable) {
                    let checks: Vec<(&str, bool)> = $checks;
                    prop_assert!(
                        checks.iter().any(|(p, f)| self.escapes(p, *f)),
                        "VFS said NotCapable but Linux does not escape: {:?}",
                        op
                    );
                    return Ok(());
                }
                v
            }};
        }
        match op {
            Op::Open {
                path,
                create,
                exclusive,
                truncate,
                directory,
                follow,
            } => {
                let opts = OpenOptions {
                    create: *create,
                    exclusive: *exclusive,
                    truncate: *truncate,
                    directory: *directory,
                    follow: *follow,
                    mode: 0,
                };
                let v = sandboxed!(
                    self.vfs.open(base, path, &opts).map(|_| Value::Unit),
                    vec![(path.as_str(), *follow && !*exclusive)]
                );
                let mut flags = OFlags::RDONLY | OFlags::CLOEXEC;
                for (on, f) in [
                    (*create, OFlags::CREATE),
                    (*exclusive, OFlags::EXCL),
                    (*truncate, OFlags::TRUNC),
                    (*directory, OFlags::DIRECTORY),
                    (!*follow, OFlags::NOFOLLOW),
                ] {
                    if on {
                        flags |= f;
                    }
                }
                let l = rfs::openat(&self.root, path.as_str(), flags, Mode::from_raw_mode(0o644))
                    .map(|_| Value::Unit)
                    .map_err(errno_kind);
                both!(v, l);
            }
            Op::Mkdir(path) => {
                let v = sandboxed!(
                    self.vfs.mkdir(base, path, 0).map(|_| Value::Unit),
                    vec![(path.as_str(), false)]
                );
                let l = rfs::mkdirat(&self.root, path.as_str(), Mode::from_raw_mode(0o755))
                    .map(|_| Value::Unit)
                    .map_err(errno_kind);
                both!(v, l);
            }
            Op::Rmdir(path) => {
                let v = sandboxed!(
                    self.vfs.rmdir(base, path).map(|_| Value::Unit),
                    vec![(path.as_str(), false)]
                );
                let l = rfs::unlinkat(&self.root, path.as_str(), AtFlags::REMOVEDIR)
                    .map(|_| Value::Unit)
                    .map_err(errno_kind);
                both!(v, l);
            }
            Op::Unlink(path) => {
                let v = sandboxed!(
                    self.vfs.unlink(base, path).map(|_| Value::Unit),
                    vec![(path.as_str(), false)]
                );
                let l = rfs::unlinkat(&self.root, path.as_str(), AtFlags::empty())
                    .map(|_| Value::Unit)
                    .map_err(errno_kind);
                both!(v, l);
            }
            Op::Rename(a, b) => {
                let v = sandboxed!(
                    self.vfs.rename(base, a, base, b).map(|_| Value::Unit),
                    vec![(a.as_str(), false), (b.as_str(), false)]
                );
                let l = rfs::renameat(&self.root, a.as_str(), &self.root, b.as_str())
                    .map(|_| Value::Unit)
                    .map_err(errno_kind);
                both!(v, l);
            }
            Op::Symlink(target, path) => {
                let v = sandboxed!(
                    self.vfs.symlink(target, base, path).map(|_| Value::Unit),
                    vec![(path.as_str(), false)]
                );
                let l = rfs::symlinkat(target.as_str(), &self.root, path.as_str())
                    .map(|_| Value::Unit)
                    .map_err(errno_kind);
                both!(v, l);
            }
            Op::Link(a, b, follow) => {
                let v = sandboxed!(
                    self.vfs
                        .link(base, a, *follow, base, b)
                        .map(|_| Value::Unit),
                    vec![(a.as_str(), *follow), (b.as_str(), false)]
                );
                let flags = if *follow {
                    AtFlags::SYMLINK_FOLLOW
                } else {
                    AtFlags::empty()
                };
                let l = rfs::linkat(&self.root, a.as_str(), &self.root, b.as_str(), flags)
                    .map(|_| Value::Unit)
                    .map_err(errno_kind);
                both!(v, l);
            }
            Op::Write {
                path,
                offset,
                data,
                create,
            } => {
                let v = sandboxed!(
                    self.vfs_open_rw(path, *create).and_then(|ino| {
                        self.vfs
                            .write_at(ino, *offset, data)
                            .map(|n| Value::Count(n as u64))
                    }),
                    vec![(path.as_str(), true)]
                );
                let l = self
                    .linux_open_rw(path, *create)
                    .and_then(|fd| {
                        rustix::io::pwrite(&fd, data, *offset).map(|n| Value::Count(n as u64))
                    })
                    .map_err(errno_kind);
                both!(v, l);
            }
            Op::Truncate { path, len } => {
                let v = sandboxed!(
                    self.vfs_open_rw(path, false)
                        .and_then(|ino| self.vfs.set_len(ino, *len).map(|_| Value::Unit)),
                    vec![(path.as_str(), true)]
                );
                let l = self
                    .linux_open_rw(path, false)
                    .and_then(|fd| rfs::ftruncate(&fd, *len).map(|_| Value::Unit))
                    .map_err(errno_kind);
                both!(v, l);
            }
            Op::Read { path, offset, len } => {
                let v = sandboxed!(
                    self.vfs.open(base, path, &follow_opts()).and_then(|ino| {
                        let mut buf = vec![0u8; *len];
                        let n = self.vfs.read_at(ino, *offset, &mut buf)?;
                        buf.truncate(n);
                        Ok(Value::Bytes(buf))
                    }),
                    vec![(path.as_str(), true)]
                );
                let l = rfs::openat(
                    &self.root,
                    path.as_str(),
                    OFlags::RDONLY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .and_then(|fd| {
                    let mut buf = vec![0u8; *len];
                    let n = rustix::io::pread(&fd, &mut buf, *offset)?;
                    buf.truncate(n);
                    Ok(Value::Bytes(buf))
                })
                .map_err(errno_kind);
                both!(v, l);
            }
            Op::Stat { path, follow } => {
                let v = sandboxed!(
                    self.vfs.resolve(base, path, *follow).map(Value::Count),
                    vec![(path.as_str(), *follow)]
                );
                let l = self.linux_stat(path, *follow);
                match (v, l) {
                    (Ok(Value::Count(ino)), Ok(st)) => {
                        self.stat_value(ino, &st)?;
                    }
                    (v, l) => prop_assert_eq!(
                        v.map(|_| ()),
                        l.map(|_| ()).map_err(errno_kind),
                        "op {:?}",
                        op
                    ),
                }
            }
            Op::Readlink(path) => {
                let v = sandboxed!(
                    self.vfs.readlink(base, path).map(Value::Text),
                    vec![(path.as_str(), false)]
                );
                let l = rfs::readlinkat(&self.root, path.as_str(), Vec::new())
                    .map(|s| Value::Text(s.into_string().unwrap_or_default()))
                    .map_err(errno_kind);
                both!(v, l);
            }
            Op::ReadDir(path) => {
                let v = sandboxed!(
                    self.vfs.resolve(base, path, true).and_then(|ino| {
                        let mut names: Vec<(String, FileType)> = self
                            .vfs
                            .read_dir(ino, 0)?
                            .into_iter()
                            .map(|e| (e.name, e.file_type))
                            .collect();
                        names.sort_by(|a, b| a.0.cmp(&b.0));
                        Ok(Value::Names(names))
                    }),
                    vec![(path.as_str(), true)]
                );
                let l = rfs::openat(
                    &self.root,
                    path.as_str(),
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .and_then(|fd| {
                    let mut names = Vec::new();
                    for entry in rfs::Dir::read_from(&fd)? {
                        let entry = entry?;
                        let name = entry.file_name().to_string_lossy().into_owned();
                        let ft = match entry.file_type() {
                            rfs::FileType::Directory => FileType::Directory,
                            rfs::FileType::Symlink => FileType::Symlink,
                            _ => FileType::Regular,
                        };
                        names.push((name, ft));
                    }
                    names.sort_by(|a, b| a.0.cmp(&b.0));
                    Ok(Value::Names(names))
                })
                .map_err(errno_kind);
                both!(v, l);
            }
            Op::Hold { path, slot } => {
                self.close(*slot);
                let v = sandboxed!(
                    self.vfs_open_rw(path, false).map(Value::Count),
                    vec![(path.as_str(), true)]
                );
                let l = self.linux_open_rw(path, false).map_err(errno_kind);
                match (v, l) {
                    (Ok(Value::Count(ino)), Ok(fd)) => {
                        self.vfs.retain(ino);
                        let st = rfs::fstat(&fd)
                            .map_err(|e| TestCaseError::fail(format!("fstat {e}")))?;
                        self.stat_value(ino, &st)?;
                        self.handles[*slot] = Some((fd, ino));
                    }
                    (v, l) => prop_assert_eq!(v.map(|_| ()), l.map(|_| ()), "op {:?}", op),
                }
            }
            Op::HWrite { slot, offset, data } => {
                if let Some((fd, ino)) = &self.handles[*slot] {
                    let v = self
                        .vfs
                        .write_at(*ino, *offset, data)
                        .map(|n| Value::Count(n as u64));
                    let l = rustix::io::pwrite(fd, data, *offset)
                        .map(|n| Value::Count(n as u64))
                        .map_err(errno_kind);
                    both!(v, l);
                }
            }
            Op::HAppend { slot, data } => {
                if let Some((fd, ino)) = &self.handles[*slot] {
                    let size = rfs::fstat(fd)
                        .map_err(|e| TestCaseError::fail(format!("fstat {e}")))?
                        .st_size as u64;
                    let max = i64::MAX as u64;
                    if size < max && size.saturating_add(data.len() as u64) > max {
                        // Deviation: Linux appends the part below the limit
                        // (a short write); the VFS refuses the whole write.
                        prop_assert_eq!(self.vfs.append(*ino, data), Err(VfsError::FileTooLarge));
                        return Ok(());
                    }
                    let v = self.vfs.append(*ino, data).map(Value::Count);
                    // An O_APPEND write, as the syscall layer issues it.
                    let l = rustix::io::pwritev2(
                        fd,
                        &[std::io::IoSlice::new(data)],
                        0,
                        rustix::io::ReadWriteFlags::APPEND,
                    )
                    .map(|n| {
                        assert_eq!(n, data.len(), "short append");
                        Value::Count(size)
                    })
                    .map_err(errno_kind);
                    both!(v, l);
                }
            }
            Op::HRead { slot, offset, len } => {
                if let Some((fd, ino)) = &self.handles[*slot] {
                    let mut buf = vec![0u8; *len];
                    let v = self
                        .vfs
                        .read_at(*ino, *offset, &mut buf)
                        .map(|n| Value::Bytes(buf[..n].to_vec()));
                    let mut buf = vec![0u8; *len];
                    let l = rustix::io::pread(fd, &mut buf, *offset)
                        .map(|n| Value::Bytes(buf[..n].to_vec()))
                        .map_err(errno_kind);
                    both!(v, l);
                }
            }
            Op::HStat { slot } => {
                if let Some((fd, ino)) = &self.handles[*slot] {
                    let ino = *ino;
                    let st =
                        rfs::fstat(fd).map_err(|e| TestCaseError::fail(format!("fstat {e}")))?;
                    self.stat_value(ino, &st)?;
                }
            }
            Op::HTruncate { slot, len } => {
                if let Some((fd, ino)) = &self.handles[*slot] {
                    let v = self.vfs.set_len(*ino, *len).map(|_| Value::Unit);
                    let l = rfs::ftruncate(fd, *len)
                        .map(|_| Value::Unit)
                        .map_err(errno_kind);
                    both!(v, l);
                }
            }
            Op::Close { slot } => self.close(*slot),
            Op::Fork => {
                let mut fork = self.vfs.fork();
                fork.check_consistency().map_err(TestCaseError::fail)?;
                let before = dump_vfs(&self.vfs, self.base, self.tmpfs);
                prop_assert_eq!(
                    &dump_vfs(&fork, self.base, self.tmpfs),
                    &before,
                    "fork differs from original"
                );
                // Scribble over the fork; the original must not change.
                for entry in fork.list_dir("/").unwrap_or_default() {
                    let p = format!("/{}", entry.name);
                    if entry.file_type == FileType::Regular {
                        let ino = fork
                            .lookup(&p)
                            .map_err(|e| TestCaseError::fail(e.to_string()))?;
                        let _ = fork.write_at(ino, 0, b"FORK");
                        let _ = fork.set_len(ino, 3);
                    }
                }
                let _ = fork.remove_all("/a");
                let _ = fork.write_file("/b", &b"fork"[..]);
                fork.check_consistency().map_err(TestCaseError::fail)?;
                prop_assert_eq!(
                    &dump_vfs(&self.vfs, self.base, self.tmpfs),
                    &before,
                    "fork changed the original"
                );
            }
        }
        Ok(())
    }

    /// Opens `path` (following symlinks) for reading and writing: a
    /// directory is IsADirectory, as for `open(O_RDWR)`.
    fn vfs_open_rw(&mut self, path: &str, create: bool) -> Result<Ino, VfsError> {
        let opts = OpenOptions {
            create,
            ..follow_opts()
        };
        let ino = self.vfs.open(self.base(), path, &opts)?;
        match self.vfs.stat(ino)?.file_type {
            FileType::Directory => Err(VfsError::IsADirectory),
            _ => Ok(ino),
        }
    }

    fn linux_open_rw(&self, path: &str, create: bool) -> Result<OwnedFd, Errno> {
        let create = if create {
            OFlags::CREATE
        } else {
            OFlags::empty()
        };
        rfs::openat(
            &self.root,
            path,
            OFlags::RDWR | OFlags::CLOEXEC | create,
            Mode::from_raw_mode(0o644),
        )
    }

    fn close(&mut self, slot: usize) {
        if let Some((_fd, ino)) = self.handles[slot].take() {
            self.vfs.release(ino);
        }
    }

    /// Compares the whole trees.
    fn compare_trees(&mut self) -> Result<(), TestCaseError> {
        let v = dump_vfs(&self.vfs, self.base, self.tmpfs);
        let l = dump_linux(self.root.as_fd(), self.tmpfs);
        let v_shape: BTreeMap<_, _> = v
            .iter()
            .map(|(p, e)| (p.clone(), e.without_ino()))
            .collect();
        let l_shape: BTreeMap<_, _> = l
            .iter()
            .map(|(p, e)| (p.clone(), e.without_ino()))
            .collect();
        prop_assert_eq!(v_shape, l_shape, "trees differ");
        for (p, e) in &v {
            let le = &l[p];
            self.same_inode(e.ino, le.ino)?;
        }
        Ok(())
    }
}

/// Outcome counts per operation kind, to show (and assert) that the random
/// sequences reach successes and every interesting error.
static STATS: std::sync::Mutex<BTreeMap<String, u64>> = std::sync::Mutex::new(BTreeMap::new());

fn record(op: &Op, outcome: &Outcome) {
    let name = format!("{op:?}");
    let name = name.split([' ', '(']).next().unwrap_or("?");
    let result = match outcome {
        Ok(_) => "ok".to_string(),
        Err(e) => format!("{e:?}"),
    };
    if let Ok(mut stats) = STATS.lock() {
        *stats.entry(format!("{name} {result}")).or_default() += 1;
    }
}

fn follow_opts() -> OpenOptions {
    OpenOptions {
        follow: true,
        ..Default::default()
    }
}

// ---------------------------------------------------------------- tree dumps

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    ino: u64,
    kind: FileType,
    size: Option<u64>,
    nlink: u64,
    /// File contents (sampled for huge sparse files) or symlink target.
    content: Vec<u8>,
}

impl Entry {
    fn without_ino(&self) -> Entry {
        Entry {
            ino: 0,
            ..self.clone()
        }
    }
}

/// Reads the parts of a file that a comparison looks at: everything up to
/// 1 MiB, else 4 KiB windows at the start, middle and end.
fn sample(size: u64, mut read: impl FnMut(u64, &mut [u8]) -> usize) -> Vec<u8> {
    let windows: Vec<(u64, usize)> = if size <= 1 << 20 {
        vec![(0, size as usize)]
    } else {
        vec![(0, 4096), (size / 2, 4096), (size - 4096, 4096)]
    };
    let mut out = Vec::new();
    for (off, len) in windows {
        let mut buf = vec![0u8; len];
        let n = read(off, &mut buf);
        out.extend_from_slice(&buf[..n]);
    }
    out
}

fn dump_vfs(vfs: &Vfs, base: Ino, tmpfs: bool) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(String::new(), base)];
    while let Some((prefix, dir)) = stack.pop() {
        for e in vfs.read_dir(dir, 2).expect("read_dir") {
            let path = format!("{prefix}/{}", e.name);
            let m = vfs.stat(e.ino).expect("stat");
            let content = match m.file_type {
                FileType::Regular => sample(m.size, |off, buf| {
                    vfs.read_at(e.ino, off, buf).expect("read")
                }),
                FileType::Symlink => vfs.readlink(dir, &e.name).expect("readlink").into_bytes(),
                _ => Vec::new(),
            };
            if m.file_type == FileType::Directory {
                stack.push((path.clone(), e.ino));
            }
            let size = (tmpfs || m.file_type != FileType::Directory).then_some(m.size);
            out.insert(
                path,
                Entry {
                    ino: e.ino,
                    kind: m.file_type,
                    size,
                    nlink: m.nlink,
                    content,
                },
            );
        }
    }
    let m = vfs.stat(base).expect("stat root");
    out.insert(
        String::from("/"),
        Entry {
            ino: base,
            kind: FileType::Directory,
            size: tmpfs.then_some(m.size),
            nlink: m.nlink,
            content: Vec::new(),
        },
    );
    out
}

fn dump_linux(root: std::os::fd::BorrowedFd<'_>, tmpfs: bool) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    let mut stack = vec![String::from(".")];
    while let Some(prefix) = stack.pop() {
        let dir = rfs::openat(
            root,
            prefix.as_str(),
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW,
            Mode::empty(),
        )
        .expect("open dir");
        for entry in rfs::Dir::read_from(&dir).expect("readdir") {
            let entry = entry.expect("entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "." || name == ".." {
                continue;
            }
            let path = format!("{prefix}/{name}");
            let st = rfs::statat(root, path.as_str(), AtFlags::SYMLINK_NOFOLLOW).expect("lstat");
            let kind = linux_type(st.st_mode);
            let size = st.st_size as u64;
            let content = match kind {
                FileType::Regular => {
                    let fd = rfs::openat(root, path.as_str(), OFlags::RDONLY, Mode::empty())
                        .expect("open file");
                    sample(size, |off, buf| {
                        rustix::io::pread(&fd, buf, off).expect("pread")
                    })
                }
                FileType::Symlink => rfs::readlinkat(root, path.as_str(), Vec::new())
                    .expect("readlink")
                    .into_bytes(),
                _ => Vec::new(),
            };
            if kind == FileType::Directory {
                stack.push(path.clone());
            }
            let key = path.strip_prefix('.').unwrap_or(&path).to_string();
            let size = (tmpfs || kind != FileType::Directory).then_some(size);
            out.insert(
                key,
                Entry {
                    ino: st.st_ino,
                    kind,
                    size,
                    nlink: st.st_nlink,
                    content,
                },
            );
        }
    }
    // The root itself: compare its link count too.
    let st = rfs::fstat(root).expect("fstat root");
    out.insert(
        String::from("/"),
        Entry {
            ino: st.st_ino,
            kind: FileType::Directory,
            size: tmpfs.then_some(st.st_size as u64),
            nlink: st.st_nlink,
            content: Vec::new(),
        },
    );
    out
}

fn run_sequence(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut world = World::new();
    for op in ops {
        world.apply(op)?;
        world
            .vfs
            .check_consistency()
            .map_err(|e| TestCaseError::fail(format!("after {op:?}: {e}")))?;
    }
    world.compare_trees()?;
    // Closing every handle frees every orphan.
    for slot in 0..SLOTS {
        world.close(slot);
    }
    world.vfs.check_consistency().map_err(TestCaseError::fail)?;
    let live = dump_vfs(&world.vfs, world.base, world.tmpfs);
    let inodes: std::collections::HashSet<u64> = live.values().map(|e| e.ino).collect();
    // Every live inode is in the model's tree, plus the VFS root above it.
    prop_assert_eq!(world.vfs.usage().inodes, inodes.len() as u64 + 1);
    Ok(())
}

fn cases() -> u32 {
    std::env::var("VFS_MODEL_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8000)
}

#[test]
fn vfs_matches_linux() {
    // Modes are compared: make the Linux side use the VFS defaults.
    rustix::process::umask(Mode::from_raw_mode(0o022));
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = (
        prop::collection::vec(setup_op(), 0..10),
        prop::collection::vec(op(), 1..40),
    )
        .prop_map(|(mut setup, ops)| {
            setup.extend(ops);
            setup
        });
    if let Err(e) = runner.run(&strategy, |ops| run_sequence(&ops)) {
        panic!("{e}");
    }
    let stats = STATS.lock().map(|s| s.clone()).unwrap_or_default();
    for (k, n) in &stats {
        eprintln!("{n:>8}  {k}");
    }
    // The comparison is only worth something if the sequences get far.
    for must in [
        "Open ok",
        "Mkdir ok",
        "Rename ok",
        "Rename DirectoryNotEmpty",
        "Rename InvalidArgument",
        "Rename IsADirectory",
        "Rename NotADirectory",
        "Rmdir ok",
        "Rmdir DirectoryNotEmpty",
        "Unlink ok",
        "Unlink IsADirectory",
        "Link ok",
        "Link NotPermitted",
        "Symlink ok",
        "Write ok",
        "Read ok",
        "Readlink ok",
        "ReadDir ok",
        "HWrite ok",
        "HAppend ok",
        "Open SymlinkLoop",
        "Open AlreadyExists",
        "Mkdir NameTooLong",
        "Truncate ok",
    ] {
        assert!(
            stats.get(must).copied().unwrap_or(0) > 0,
            "no {must:?} in {} cases",
            cases()
        );
    }
}

/// Some fixed sequences worth keeping whatever the random generator does.
#[test]
fn fixed_sequences() {
    rustix::process::umask(Mode::from_raw_mode(0o022));
    let s = |x: &str| x.to_string();
    let seqs: Vec<Vec<Op>> = vec![
        vec![
            Op::Mkdir(s("a")),
            Op::Mkdir(s("a/b")),
            Op::Rename(s("a"), s("a/b/c")),
            Op::Rename(s("a/b"), s("a")),
            Op::Symlink(s("a/b"), s("c")),
            Op::Rmdir(s("c/")),
            Op::Unlink(s("c/")),
            Op::Stat {
                path: s("c/"),
                follow: false,
            },
            Op::Open {
                path: s("c/"),
                create: true,
                exclusive: false,
                truncate: false,
                directory: false,
                follow: true,
            },
        ],
        vec![
            Op::Write {
                path: s("a"),
                offset: 0,
                data: b"x".to_vec(),
                create: true,
            },
            Op::Open {
                path: s("a"),
                create: true,
                exclusive: false,
                truncate: false,
                directory: false,
                follow: true,
            },
            Op::Hold {
                path: s("a"),
                slot: 0,
            },
            Op::Link(s("a"), s("b"), false),
            Op::Unlink(s("a")),
            Op::HStat { slot: 0 },
            Op::Unlink(s("b")),
            Op::HAppend {
                slot: 0,
                data: b"more".to_vec(),
            },
            Op::HStat { slot: 0 },
            Op::HRead {
                slot: 0,
                offset: 0,
                len: 10,
            },
            Op::HTruncate {
                slot: 0,
                len: 65_540,
            },
            Op::HRead {
                slot: 0,
                offset: 65_530,
                len: 20,
            },
        ],
        vec![
            Op::Symlink(s("b"), s("a")),
            Op::Open {
                path: s("a"),
                create: true,
                exclusive: false,
                truncate: false,
                directory: false,
                follow: true,
            },
            Op::Stat {
                path: s("b"),
                follow: false,
            },
            Op::Symlink(s("a"), s("c")),
            Op::Open {
                path: s("c"),
                create: true,
                exclusive: true,
                truncate: false,
                directory: false,
                follow: true,
            },
            Op::Link(s("c"), s("d"), true),
            Op::Stat {
                path: s("b"),
                follow: true,
            },
            Op::Write {
                path: s("c"),
                offset: i64::MAX as u64 - 1,
                data: b"z".to_vec(),
                create: false,
            },
            Op::Write {
                path: s("c"),
                offset: i64::MAX as u64,
                data: b"z".to_vec(),
                create: false,
            },
            Op::Write {
                path: s("c"),
                offset: u64::MAX,
                data: b"z".to_vec(),
                create: false,
            },
            Op::Truncate {
                path: s("d"),
                len: 3,
            },
        ],
    ];
    for ops in seqs {
        if let Err(e) = run_sequence(&ops) {
            panic!("{e}\nsequence: {ops:#?}");
        }
    }
}

#[test]
fn linux_side_is_usable() {
    // Guards against a vacuous comparison: the harness must see real errors.
    let w = World::new();
    assert_eq!(
        w.linux_stat("missing", true)
            .map(|_| ())
            .map_err(errno_kind),
        Err(VfsError::NotFound)
    );
    assert!(w.escapes("..", true));
    assert!(!w.escapes(".", true));
}
