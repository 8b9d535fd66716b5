//! A consistency check of the whole filesystem (like `fsck`), used by the
//! tests after every operation and available to embedders for debugging.

use alloc::format;
use alloc::string::String;
use hashbrown::HashMap;

use crate::inode::Kind;
use crate::{Ino, Vfs, ROOT_INO};

pub(crate) fn check(vfs: &Vfs) -> Result<(), String> {
    let table = &vfs.table;
    let root = table
        .get(ROOT_INO)
        .map_err(|_| String::from("no root inode"))?;
    match root.dir() {
        Some(dir) if dir.parent == ROOT_INO => {}
        _ => {
            return Err(String::from(
                "root is not a directory whose parent is itself",
            ))
        }
    }
    // Names pointing at each inode, and subdirectories of each directory.
    let mut names: HashMap<Ino, u64> = HashMap::new();
    let mut subdirs: HashMap<Ino, u64> = HashMap::new();
    let mut bytes = 0u128;
    for (ino, inode) in table.iter() {
        if let Kind::File(data) = &inode.kind {
            bytes += u128::from(data.len());
        }
        if inode.nlink == 0 && inode.handles == 0 {
            return Err(format!(
                "inode {ino} has no links and no handles but was not freed"
            ));
        }
        let Some(dir) = inode.dir() else { continue };
        if inode.nlink == 0 && !dir.is_empty() {
            return Err(format!("removed directory {ino} still has entries"));
        }
        for (name, child) in dir.iter() {
            if name.is_empty()
                || name == "."
                || name == ".."
                || name.contains('/')
                || name.contains('\0')
            {
                return Err(format!("bad name {name:?} in directory {ino}"));
            }
            let Ok(child_inode) = table.get(child) else {
                return Err(format!(
                    "entry {name:?} in {ino} points at missing inode {child}"
                ));
            };
            *names.entry(child).or_default() += 1;
            if let Some(child_dir) = child_inode.dir() {
                *subdirs.entry(ino).or_default() += 1;
                if child_dir.parent != ino {
                    return Err(format!(
                        "directory {child} ({name:?}) in {ino} has parent {}",
                        child_dir.parent
                    ));
                }
            }
        }
    }
    for (ino, inode) in table.iter() {
        let n = names.get(&ino).copied().unwrap_or(0);
        if inode.is_dir() {
            let expect_names = if ino == ROOT_INO || inode.nlink == 0 {
                0
            } else {
                1
            };
            if n != expect_names {
                return Err(format!("directory {ino} has {n} names"));
            }
            let expect = if inode.nlink == 0 {
                0
            } else {
                2 + subdirs.get(&ino).copied().unwrap_or(0)
            };
            if inode.nlink != expect {
                return Err(format!("directory {ino} nlink {} != {expect}", inode.nlink));
            }
            // Every live directory reaches the root through its parents.
            if inode.nlink > 0 {
                let mut cur = ino;
                let mut steps = 0u64;
                while cur != ROOT_INO {
                    cur = table
                        .dir(cur)
                        .map_err(|_| format!("broken parent chain from {ino}"))?
                        .parent;
                    steps += 1;
                    if steps > table.count() {
                        return Err(format!("parent cycle from {ino}"));
                    }
                }
            }
        } else if inode.nlink != n {
            return Err(format!("inode {ino} nlink {} but {n} names", inode.nlink));
        }
        if inode.atime == 0 && inode.mtime == 0 && inode.ctime == 0 {
            return Err(format!("inode {ino} has zero times"));
        }
    }
    if bytes != table.bytes() {
        return Err(format!(
            "byte usage {} but files hold {bytes}",
            table.bytes()
        ));
    }
    Ok(())
}
