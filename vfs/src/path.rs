//! Path resolution: the one routine every path operation goes through.
//!
//! [`walk`] processes a path component by component from a base directory:
//!
//! * repeated slashes collapse; `.` stays; `..` goes to the parent directory
//!   (directories have exactly one parent, so this is the same as popping the
//!   stack of resolved directories), and going above the base fails with
//!   [`VfsError::NotCapable`] (Linux `RESOLVE_BENEATH`);
//! * a symlink met before the last component is always followed: its target
//!   is read component by component before the rest of the path (no string is
//!   built). An absolute target is NotCapable. More than [`MAX_SYMLINKS`]
//!   expansions in one walk is [`VfsError::SymlinkLoop`];
//! * the last component is followed or not as the caller asks ([`Final`]);
//!   a trailing slash after it asks for a directory and, for lookups, forces
//!   following (Linux `lookup_last`);
//! * the result names the directory holding the last component, the last
//!   component itself (a name, `.`, `..`), and the object when it exists, so
//!   the same routine serves lookups (stat, open) and the calls that create
//!   or remove a name (mkdir, unlink, rename, ...).
//!
//! In *rooted* mode (the embedder API) the base is the root, a leading `/`
//! is allowed, `..` at the root stays at the root and an absolute symlink
//! target restarts at the root, as in a chroot. A walk whose base is the
//! root directory behaves the same way for `..` and symlink targets (it
//! cannot escape anything), but still refuses a leading `/` in the path.
//!
//! A walk over a path without symlinks allocates nothing, so failing lookups
//! (RustPython stats dozens of missing files at start-up) are cheap.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::inode::{Kind, Table};
use crate::{Ino, Result, VfsError};

/// Longest name of one directory entry, in bytes.
pub(crate) const MAX_NAME: usize = 255;
/// Longest path, in bytes (Linux `PATH_MAX` is 4096 including the NUL).
pub(crate) const MAX_PATH: usize = 4095;
/// Symlink expansions allowed in one walk (Linux `MAXSYMLINKS`).
pub(crate) const MAX_SYMLINKS: u32 = 40;

/// How the last component is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Final {
    /// Follow a final symlink (stat, open).
    Follow,
    /// Return a final symlink itself (lstat, open with nofollow) unless a
    /// trailing slash follows it.
    NoFollow,
    /// Never follow the last component, even with a trailing slash, and do
    /// not check its type: the caller creates or removes that name and
    /// applies its own rules (mkdir, rmdir, unlink, rename, link, symlink).
    Parent,
    /// For `open` with create: like `Parent`, but a final symlink is
    /// followed when no slash follows it (a dangling one then names the file
    /// to create).
    Create,
}

/// A component name borrowed from the caller's path or from a symlink target.
#[derive(Clone, Debug)]
pub(crate) enum Name<'p> {
    Path(&'p str),
    Link(Arc<str>, usize, usize),
}

impl Name<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Name::Path(s) => s,
            Name::Link(text, from, to) => text.get(*from..*to).unwrap_or(""),
        }
    }
}

/// The last component of a walked path.
#[derive(Clone, Debug)]
pub(crate) enum Last<'p> {
    /// An ordinary name.
    Name(Name<'p>),
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// No component at all: the path was `/` (rooted mode) or a symlink to it.
    Root,
}

/// What a walk found.
#[derive(Clone, Debug)]
pub(crate) struct Found<'p> {
    /// For a name: the directory holding it. For `.`, `..` and the root:
    /// the directory the component was applied to.
    pub(crate) dir: Ino,
    pub(crate) last: Last<'p>,
    /// The object, if it exists (for `..`, the parent).
    pub(crate) ino: Option<Ino>,
    /// A slash followed the last component (or the symlink that produced it).
    pub(crate) slash: bool,
}

impl<'p> Found<'p> {
    /// The object named by the last component, for callers of a
    /// [`Final::Parent`] or [`Final::Create`] walk: NameTooLong for an over-long name (Linux
    /// reports it at this point, after the checks on `.`/`..`).
    pub(crate) fn lookup(&self) -> Result<Option<Ino>> {
        if let Last::Name(name) = &self.last {
            if name.as_str().len() > MAX_NAME {
                return Err(VfsError::NameTooLong);
            }
        }
        Ok(self.ino)
    }

    /// The last component as a plain name, if it is one.
    pub(crate) fn name(&self) -> Option<&str> {
        match &self.last {
            Last::Name(name) => Some(name.as_str()),
            _ => None,
        }
    }
}

/// Text being read component by component.
struct Frame<'p> {
    text: Text<'p>,
    pos: usize,
    /// For a symlink's target: its last component must be a directory
    /// (the link itself was followed by a slash).
    slash: bool,
}

enum Text<'p> {
    Path(&'p str),
    Link(Arc<str>),
}

impl Frame<'_> {
    fn as_str(&self) -> &str {
        match &self.text {
            Text::Path(s) => s,
            Text::Link(s) => s,
        }
    }

    fn skip_slashes(&mut self) {
        let bytes = self.as_str().as_bytes();
        let mut pos = self.pos;
        while pos < bytes.len() && bytes[pos] == b'/' {
            pos += 1;
        }
        self.pos = pos;
    }

    fn done(&self) -> bool {
        self.pos >= self.as_str().len()
    }
}

/// Validates a path handed to a VFS call: non-empty, short enough, no NUL.
pub(crate) fn check_path(path: &str) -> Result<()> {
    if path.is_empty() {
        return Err(VfsError::NotFound);
    }
    if path.len() > MAX_PATH {
        return Err(VfsError::NameTooLong);
    }
    if path.as_bytes().contains(&0) {
        return Err(VfsError::InvalidArgument);
    }
    Ok(())
}

/// Validates a single name for a new directory entry: not empty, `.` or
/// `..`, no `/` or NUL, at most [`MAX_NAME`] bytes.
pub(crate) fn check_name(name: &str) -> Result<()> {
    match name {
        "" => Err(VfsError::NotFound),
        "." | ".." => Err(VfsError::AlreadyExists),
        _ if name.len() > MAX_NAME => Err(VfsError::NameTooLong),
        _ if name.contains(['/', '\0']) => Err(VfsError::InvalidArgument),
        _ => Ok(()),
    }
}

/// Resolves `path` from directory `base`. See the module documentation.
pub(crate) fn walk<'p>(
    table: &Table,
    base: Ino,
    path: &'p str,
    fin: Final,
    rooted: bool,
) -> Result<Found<'p>> {
    check_path(path)?;
    table.dir(base)?;
    if path.starts_with('/') && !rooted {
        return Err(VfsError::NotCapable);
    }
    // A walk from the root cannot escape anything, so it treats `..` at the
    // root and absolute symlink targets as a chroot does: sandboxes preopen
    // the root as `/`, and `ln -s /tmp/x link` must work there.
    let chroot = rooted || base == crate::ROOT_INO;
    let mut first = Frame {
        text: Text::Path(path),
        pos: 0,
        slash: false,
    };
    first.skip_slashes();
    // Frames of symlink targets being read, innermost last. Only allocated
    // when a symlink is met.
    let mut links: Vec<Frame<'p>> = Vec::new();
    let mut expansions = 0u32;
    let mut cur = base;
    // How many directories below `base` the walk is.
    let mut depth = 0usize;

    loop {
        if first.done() && links.iter().all(Frame::done) {
            // Nothing left at all: the path was "/" (rooted), or the last
            // component was a symlink to "/".
            return Ok(Found {
                dir: cur,
                last: Last::Root,
                ino: Some(cur),
                slash: links.last().is_some_and(|f| f.slash),
            });
        }
        // Drop finished symlink frames; the component comes from the innermost
        // unfinished frame.
        while links.last().is_some_and(Frame::done) {
            links.pop();
        }
        let frame = match links.last_mut() {
            Some(frame) => frame,
            None => &mut first,
        };
        let start = frame.pos;
        let text_len = frame.as_str().len();
        let end = frame.as_str()[start..]
            .find('/')
            .map_or(text_len, |i| start + i);
        let followed_by_slash = end < text_len;
        frame.pos = end;
        frame.skip_slashes();
        let frame_slash = frame.slash;
        let name = match &frame.text {
            Text::Path(s) => {
                let s: &'p str = s;
                Name::Path(&s[start..end])
            }
            Text::Link(s) => Name::Link(s.clone(), start, end),
        };
        let is_last = first.done() && links.iter().all(Frame::done);
        // The last component's "must be a directory" flag: its own trailing
        // slash, or the slash after the symlink whose target it ends.
        let slash = followed_by_slash || (frame_slash && is_last);
        let comp = name.as_str();
        // Linux reports a too-long name when it looks the name up; in Parent
        // mode the caller does that last lookup (see `Found::lookup`).
        let lenient = matches!(fin, Final::Parent | Final::Create);
        if comp.len() > MAX_NAME && !(is_last && lenient) {
            return Err(VfsError::NameTooLong);
        }

        if comp == "." {
            if is_last {
                return Ok(Found {
                    dir: cur,
                    last: Last::Dot,
                    ino: Some(cur),
                    slash,
                });
            }
            continue;
        }
        if comp == ".." {
            let from = cur;
            if depth == 0 {
                if !chroot {
                    return Err(VfsError::NotCapable);
                }
                // Rooted mode: ".." of the root is the root.
            } else {
                cur = table.dir(cur)?.parent;
                depth -= 1;
            }
            if is_last {
                return Ok(Found {
                    dir: from,
                    last: Last::DotDot,
                    ino: Some(cur),
                    slash,
                });
            }
            continue;
        }

        let dir_inode = table.get(cur)?;
        let dir = dir_inode.dir().ok_or(VfsError::NotADirectory)?;
        let child = if dir_inode.nlink == 0 {
            // A removed directory has no entries and takes no new ones.
            return Err(VfsError::NotFound);
        } else {
            dir.get(comp)
        };
        let Some(child) = child else {
            if is_last {
                return Ok(Found {
                    dir: cur,
                    last: Last::Name(name),
                    ino: None,
                    slash,
                });
            }
            return Err(VfsError::NotFound);
        };
        let inode = table.get(child)?;
        match &inode.kind {
            Kind::Symlink(target)
                if !is_last
                    || fin == Final::Follow
                    || (fin == Final::NoFollow && slash)
                    || (fin == Final::Create && !slash) =>
            {
                expansions += 1;
                if expansions > MAX_SYMLINKS {
                    return Err(VfsError::SymlinkLoop);
                }
                if target.starts_with('/') {
                    if !chroot {
                        return Err(VfsError::NotCapable);
                    }
                    cur = base;
                    depth = 0;
                }
                let mut frame = Frame {
                    text: Text::Link(target.clone()),
                    pos: 0,
                    slash: is_last && slash,
                };
                frame.skip_slashes();
                links.push(frame);
            }
            Kind::Dir(_) => {
                if is_last {
                    return Ok(Found {
                        dir: cur,
                        last: Last::Name(name),
                        ino: Some(child),
                        slash,
                    });
                }
                cur = child;
                depth += 1;
            }
            _ => {
                if !is_last {
                    return Err(VfsError::NotADirectory);
                }
                if slash && !lenient {
                    return Err(VfsError::NotADirectory);
                }
                return Ok(Found {
                    dir: cur,
                    last: Last::Name(name),
                    ino: Some(child),
                    slash,
                });
            }
        }
    }
}
