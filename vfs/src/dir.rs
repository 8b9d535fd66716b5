//! Directory contents: names to inodes, with stable readdir cookies.
//!
//! Every entry gets a per-directory sequence number when its name is
//! inserted; numbers only grow. The listing order is the order of sequence
//! numbers (insertion order), and the cookie that resumes a listing after an
//! entry is `seq + 3` (cookies 1 and 2 belong to `.` and `..`). Adding or
//! removing other entries never changes an entry's number, so a cookie handed
//! out earlier stays valid while the directory changes: a resumed listing
//! never repeats an entry it already returned and never skips an entry that
//! was present throughout. Resuming is a `BTreeMap` range query, O(log n).

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use hashbrown::HashMap;

use crate::Ino;

/// Cookie of the first real entry (after `.` = 1 and `..` = 2).
pub(crate) const FIRST_ENTRY_COOKIE: u64 = 2;

#[derive(Clone, Copy, Debug)]
struct Slot {
    ino: Ino,
    seq: u64,
}

/// One directory's entries (without `.` and `..`).
#[derive(Clone, Debug)]
pub(crate) struct Dir {
    by_name: HashMap<Box<str>, Slot>,
    by_seq: BTreeMap<u64, Box<str>>,
    next_seq: u64,
    /// The directory holding this one (the root's parent is itself).
    pub(crate) parent: Ino,
}

impl Dir {
    /// An empty directory inside `parent`.
    pub(crate) fn new(parent: Ino) -> Dir {
        Dir {
            by_name: HashMap::new(),
            by_seq: BTreeMap::new(),
            next_seq: 0,
            parent,
        }
    }

    /// The inode named `name`, if any. Allocation-free.
    pub(crate) fn get(&self, name: &str) -> Option<Ino> {
        self.by_name.get(name).map(|slot| slot.ino)
    }

    /// Number of entries, `.` and `..` excluded.
    pub(crate) fn len(&self) -> usize {
        self.by_name.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Points `name` at `ino`. A new name goes to the end of the listing; an
    /// existing name (rename over it) keeps its place and cookie.
    pub(crate) fn set(&mut self, name: &str, ino: Ino) {
        if let Some(slot) = self.by_name.get_mut(name) {
            slot.ino = ino;
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_name.insert(Box::from(name), Slot { ino, seq });
        self.by_seq.insert(seq, Box::from(name));
    }

    /// Removes `name`; returns the inode it named.
    pub(crate) fn remove(&mut self, name: &str) -> Option<Ino> {
        let slot = self.by_name.remove(name)?;
        self.by_seq.remove(&slot.seq);
        Some(slot.ino)
    }

    /// Entries whose cookie is greater than `cookie` (`cookie >= 2`), in
    /// listing order, as `(next_cookie, name, ino)`.
    pub(crate) fn entries_after(&self, cookie: u64) -> impl Iterator<Item = (u64, &str, Ino)> + '_ {
        // Entry with sequence number `s` has cookie `s + 3`; we want `s + 3 > cookie`.
        let from = cookie.saturating_sub(FIRST_ENTRY_COOKIE);
        self.by_seq.range(from..).filter_map(move |(&seq, name)| {
            let slot = self.by_name.get(&**name)?;
            Some((
                seq.saturating_add(FIRST_ENTRY_COOKIE + 1),
                &**name,
                slot.ino,
            ))
        })
    }

    /// All entries in listing order (test and embedder helper).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, Ino)> + '_ {
        self.entries_after(FIRST_ENTRY_COOKIE)
            .map(|(_, name, ino)| (name, ino))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    fn names_after(d: &Dir, cookie: u64) -> Vec<(u64, String)> {
        d.entries_after(cookie)
            .map(|(c, n, _)| (c, n.to_string()))
            .collect()
    }

    #[test]
    fn cookies_survive_changes() {
        let mut d = Dir::new(1);
        for (i, n) in ["a", "b", "c", "d"].iter().enumerate() {
            d.set(n, 10 + i as u64);
        }
        let all = names_after(&d, 2);
        assert_eq!(all.iter().map(|e| e.0).collect::<Vec<_>>(), [3, 4, 5, 6]);
        let after_b = all[1].0;
        d.remove("a");
        d.remove("c");
        d.set("e", 20);
        d.set("b", 30); // replace keeps place
        let rest = names_after(&d, after_b);
        assert_eq!(
            rest.iter().map(|e| e.1.as_str()).collect::<Vec<_>>(),
            ["d", "e"]
        );
        assert_eq!(d.get("b"), Some(30));
        assert_eq!(d.len(), 3);
        // Re-adding a removed name puts it at the end with a fresh cookie.
        d.set("a", 40);
        let all = names_after(&d, 2);
        assert_eq!(
            all.iter().map(|e| e.1.as_str()).collect::<Vec<_>>(),
            ["b", "d", "e", "a"]
        );
        assert_eq!(all[3].0, 3 + 5);
    }

    #[test]
    fn huge_cookie_is_end() {
        let mut d = Dir::new(1);
        d.set("x", 2);
        assert!(names_after(&d, u64::MAX).is_empty());
        assert_eq!(names_after(&d, 0).len(), 1);
    }
}
