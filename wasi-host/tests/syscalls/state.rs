//! Everything a call can change besides guest memory, as one comparable
//! value: the filesystem tree, the descriptor table and what the process
//! wrote to stdout and stderr. A table row names the change it expects as
//! a function on the state before the call; the runner checks that the
//! state after the call is exactly that.

use crate::harness::{Env, T0};
use std::collections::BTreeMap;
use std::sync::Arc;
use wasiland_vfs::{Device, FileType, Ino, Vfs};
use wasiland_wasi_host::fd::Target;

/// What a path names.
#[derive(Clone, PartialEq, Eq)]
pub enum Node {
    File(Vec<u8>),
    Dir,
    Symlink(String),
    Device(Device),
}

/// Files shown by size and first bytes (a fixture file has 5000).
impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::File(data) => {
                let shown = &data[..data.len().min(24)];
                write!(
                    f,
                    "File({} bytes: {:?}",
                    data.len(),
                    String::from_utf8_lossy(shown)
                )?;
                f.write_str(if shown.len() < data.len() {
                    "...)"
                } else {
                    ")"
                })
            }
            Node::Dir => f.write_str("Dir"),
            Node::Symlink(target) => write!(f, "Symlink({target:?})"),
            Node::Device(device) => write!(f, "Device({device:?})"),
        }
    }
}

/// One name of the tree, with the metadata a call may change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub node: Node,
    pub nlink: u64,
    pub atime: u64,
    pub mtime: u64,
}

/// What a descriptor refers to. Files and directories are named by their
/// first path in the tree (`None` once unlinked), streams by the
/// environment's name for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opened {
    File {
        path: Option<String>,
        position: u64,
        append: bool,
        readable: bool,
        writable: bool,
    },
    Dir {
        path: Option<String>,
        preopen: Option<String>,
    },
    Input(&'static str),
    Output(&'static str),
}

/// One open descriptor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fd {
    pub opened: Opened,
    pub rights_base: u64,
    pub rights_inheriting: u64,
    pub flags: u16,
}

/// The process's state outside guest memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// Every path (absolute), `/` included.
    pub tree: BTreeMap<String, Entry>,
    pub fds: BTreeMap<u32, Fd>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl State {
    /// The entry at `path`, which must exist.
    #[track_caller]
    pub fn at(&mut self, path: &str) -> &mut Entry {
        self.tree
            .get_mut(path)
            .unwrap_or_else(|| panic!("{path} not in the tree"))
    }

    /// The contents of the file at `path`.
    #[track_caller]
    pub fn file(&mut self, path: &str) -> &mut Vec<u8> {
        match &mut self.at(path).node {
            Node::File(data) => data,
            other => panic!("{path} is {other:?}, not a file"),
        }
    }

    /// A new name at the fixture's time T0.
    pub fn add(&mut self, path: &str, node: Node, nlink: u64) {
        let entry = Entry {
            node,
            nlink,
            atime: T0,
            mtime: T0,
        };
        assert!(
            self.tree.insert(path.into(), entry).is_none(),
            "{path} existed"
        );
    }

    /// Remove the name `path`, which must exist.
    #[track_caller]
    pub fn remove(&mut self, path: &str) -> Entry {
        self.tree
            .remove(path)
            .unwrap_or_else(|| panic!("{path} not in the tree"))
    }

    /// The descriptor `fd`, which must be open.
    #[track_caller]
    pub fn fd(&mut self, fd: u32) -> &mut Fd {
        self.fds
            .get_mut(&fd)
            .unwrap_or_else(|| panic!("fd {fd} not open"))
    }

    /// The position of file descriptor `fd`.
    #[track_caller]
    pub fn position(&mut self, fd: u32) -> &mut u64 {
        match &mut self.fd(fd).opened {
            Opened::File { position, .. } => position,
            other => panic!("fd {fd} is {other:?}, not a file"),
        }
    }

    /// How `found` differs from this expected state, one line per path,
    /// descriptor or stream.
    pub fn differences(&self, found: &State) -> Vec<String> {
        let mut out = Vec::new();
        compare(&mut out, "path", &self.tree, &found.tree);
        compare(&mut out, "fd", &self.fds, &found.fds);
        if self.stdout != found.stdout {
            out.push(format!(
                "stdout {:?}, expected {:?}",
                found.stdout, self.stdout
            ));
        }
        if self.stderr != found.stderr {
            out.push(format!(
                "stderr {:?}, expected {:?}",
                found.stderr, self.stderr
            ));
        }
        out
    }
}

/// The keys whose values differ between two maps.
fn compare<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
    out: &mut Vec<String>,
    what: &str,
    expected: &BTreeMap<K, V>,
    found: &BTreeMap<K, V>,
) {
    for key in expected
        .keys()
        .chain(found.keys().filter(|k| !expected.contains_key(k)))
    {
        let (e, f) = (expected.get(key), found.get(key));
        if e != f {
            out.push(format!("{what} {key:?}: {f:?}, expected {e:?}"));
        }
    }
}

/// Walk the tree below `dir` (named `prefix`), recording each name and
/// the first path of each inode.
fn walk(vfs: &Vfs, dir: Ino, prefix: &str, state: &mut State, names: &mut BTreeMap<Ino, String>) {
    let entries = vfs.read_dir(dir, 0).expect("a directory of the tree");
    for e in entries.iter().filter(|e| e.name != "." && e.name != "..") {
        let path = format!("{prefix}/{}", e.name);
        let meta = vfs.stat(e.ino).expect("a listed inode");
        let node = match e.file_type {
            FileType::Regular => Node::File(vfs.contents(e.ino).expect("contents").to_vec()),
            FileType::Directory => Node::Dir,
            FileType::Symlink => Node::Symlink(vfs.readlink(dir, &e.name).expect("target")),
            FileType::CharDevice => Node::Device(vfs.device(e.ino).expect("a device")),
        };
        names.entry(e.ino).or_insert_with(|| path.clone());
        state.tree.insert(
            path.clone(),
            Entry {
                node,
                nlink: meta.nlink,
                atime: meta.atime,
                mtime: meta.mtime,
            },
        );
        if e.file_type == FileType::Directory {
            walk(vfs, e.ino, &path, state, names);
        }
    }
}

/// Whether `stream` is the very object `known`.
fn same_object<T: ?Sized, U>(stream: &Arc<T>, known: &Arc<U>) -> bool {
    std::ptr::addr_eq(Arc::as_ptr(stream), Arc::as_ptr(known))
}

impl Env {
    /// The state as it is now.
    pub fn state(&self) -> State {
        let mut state = State {
            tree: BTreeMap::new(),
            fds: BTreeMap::new(),
            stdout: self.stdout.contents(),
            stderr: self.stderr.contents(),
        };
        let mut names = BTreeMap::new();
        {
            let vfs = self.vfs.lock();
            let root = vfs.stat(vfs.root()).expect("the root");
            names.insert(vfs.root(), "/".to_string());
            state.tree.insert(
                "/".into(),
                Entry {
                    node: Node::Dir,
                    nlink: root.nlink,
                    atime: root.atime,
                    mtime: root.mtime,
                },
            );
            walk(&vfs, vfs.root(), "", &mut state, &mut names);
        }
        for (fd, desc) in self.ctx.fds().iter() {
            let opened = match &desc.target {
                Target::File(f) => {
                    let cursor = *f.cursor();
                    Opened::File {
                        path: names.get(&f.ino()).cloned(),
                        position: cursor.position,
                        append: cursor.append,
                        readable: f.readable(),
                        writable: f.writable(),
                    }
                }
                Target::Dir { dir, preopen } => Opened::Dir {
                    path: names.get(&dir.ino()).cloned(),
                    preopen: preopen.clone(),
                },
                Target::Input(s) if same_object(s, &self.stdin) => Opened::Input("stdin"),
                Target::Input(_) => Opened::Input("another stream"),
                Target::Output(s) if same_object(s, &self.stdout) => Opened::Output("stdout"),
                Target::Output(s) if same_object(s, &self.stderr) => Opened::Output("stderr"),
                Target::Output(_) => Opened::Output("another stream"),
            };
            state.fds.insert(
                fd,
                Fd {
                    opened,
                    rights_base: desc.rights_base,
                    rights_inheriting: desc.rights_inheriting,
                    flags: desc.flags,
                },
            );
        }
        state
    }
}
