//! Shell patterns (`*`, `?`, `[...]`, `[[:class:]]`, `\x`) for `case`,
//! `[[ == ]]`, `${V#p}`, `${V/p/r}` and pathname expansion against the VFS.
//!
//! A pattern is translated by brush-parser's bash pattern grammar into a
//! regular expression (the `regex` crate): unlike glob libraries this
//! keeps bash's bracket expressions with POSIX classes and backslash
//! quoting, and the same engine serves `[[ =~ ]]`.

use super::exec::Flow;
use regex::Regex;
use wasiland_vfs::{FileType, Vfs};

/// Called by the long loops over a subject string: `meter(n)` before `n`
/// more bytes of a result are built, `meter(0)` at each step (so the
/// run's deadline is checked); an error stops the loop.
pub(crate) type Meter<'m> = &'m mut dyn FnMut(usize) -> Result<(), Flow>;

/// A compiled shell pattern.
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    /// Anchored at both ends.
    full: Regex,
    /// Anchored at the start only.
    start: Regex,
    /// Unanchored.
    any: Regex,
}

/// The longest pattern compiled. Compiling is linear but uninterruptible
/// (about 1.4 us per byte): a 781 KB pattern, `${y##$x}` in a loop, ran
/// 8 s past a 0.5 s deadline (shell fuzzer, seed 9200019274), and the
/// sandbox budget alone would allow minutes.
pub(crate) const MAX_PATTERN_LEN: usize = 64 << 10;

/// Quote every pattern character of `s` so it matches literally.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '*' | '?' | '[' | ']' | '\\' | '(' | ')' | '|' | '!' | '@' | '+'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Does `pat` contain an active (unquoted) glob character?
pub(crate) fn has_glob(pat: &str) -> bool {
    brush_parser::pattern::pattern_has_glob_metacharacters(pat, false)
}

/// Remove the backslash quoting of a pattern (for a pattern that matched
/// nothing and is kept literally).
pub(crate) fn unescape(pat: &str) -> String {
    let mut out = String::with_capacity(pat.len());
    let mut chars = pat.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
                continue;
            }
        }
        out.push(c);
    }
    out
}

impl Pattern {
    /// Compile; `nocase` for `shopt -s nocasematch`.
    pub(crate) fn new(pat: &str, nocase: bool) -> Pattern {
        let body = brush_parser::pattern::pattern_to_regex_str(pat, false)
            .unwrap_or_else(|_| regex::escape(&unescape(pat)));
        let flags = if nocase { "(?si)" } else { "(?s)" };
        let build = |prefix: &str, suffix: &str| {
            Regex::new(&format!("{flags}{prefix}(?:{body}){suffix}")).unwrap_or_else(|_| {
                Regex::new(&format!(
                    "{flags}{prefix}{}{suffix}",
                    regex::escape(&unescape(pat))
                ))
                .unwrap_or_else(|_| never())
            })
        };
        Pattern {
            full: build("^", "$"),
            start: build("^", ""),
            any: build("", ""),
        }
    }

    /// Does the whole of `s` match?
    pub(crate) fn matches(&self, s: &str) -> bool {
        self.full.is_match(s)
    }

    /// `${V#p}` / `${V##p}`: `s` without its shortest/longest matching
    /// prefix. Every candidate is a full match, so the loop is quadratic in
    /// the worst case: `step` is called for each (the deadline).
    pub(crate) fn strip_prefix<'a>(
        &self,
        s: &'a str,
        longest: bool,
        step: Meter<'_>,
    ) -> Result<&'a str, Flow> {
        let found = self.first_bound(s, !longest, step, |i| self.full.is_match(&s[..i]))?;
        Ok(found.map_or(s, |i| &s[i..]))
    }

    /// `${V%p}` / `${V%%p}`: `s` without its shortest/longest matching
    /// suffix.
    pub(crate) fn strip_suffix<'a>(
        &self,
        s: &'a str,
        longest: bool,
        step: Meter<'_>,
    ) -> Result<&'a str, Flow> {
        let found = self.first_bound(s, longest, step, |i| self.full.is_match(&s[i..]))?;
        Ok(found.map_or(s, |i| &s[..i]))
    }

    /// The first char boundary of `s` (from the start if `forward`, else
    /// from the end) where `hit` holds, calling `step(0)` before each.
    fn first_bound(
        &self,
        s: &str,
        forward: bool,
        step: Meter<'_>,
        hit: impl Fn(usize) -> bool,
    ) -> Result<Option<usize>, Flow> {
        let bounds = s
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(s.len()));
        let mut check = |i: usize| -> Result<bool, Flow> {
            step(0)?;
            Ok(hit(i))
        };
        if forward {
            for i in bounds {
                if check(i)? {
                    return Ok(Some(i));
                }
            }
        } else {
            let rev = std::iter::once(s.len()).chain(s.char_indices().rev().map(|(i, _)| i));
            for i in rev {
                if check(i)? {
                    return Ok(Some(i));
                }
            }
        }
        Ok(None)
    }

    /// The longest match starting exactly at byte `at` (its end), if any.
    fn longest_at(&self, s: &str, at: usize) -> Option<usize> {
        let rest = &s[at..];
        // Greedy translation: the leftmost-first match of a pattern made of
        // greedy stars is the longest; confirm with a full match scan when
        // it is cheap.
        let greedy = self.start.find(rest).map(|m| at + m.end());
        if rest.len() <= 256 {
            let bounds = char_bounds(rest);
            if let Some(&e) = bounds
                .iter()
                .rev()
                .find(|&&e| self.full.is_match(&rest[..e]))
            {
                return Some(at + e);
            }
            return None;
        }
        greedy
    }

    /// `${V/p/r}` family. `kind`: 0 first, 1 all, 2 prefix, 3 suffix.
    /// `meter(n)` is called before `n` more bytes of the result are built
    /// (and with 0 at each step of the search, for the deadline).
    pub(crate) fn replace(
        &self,
        s: &str,
        repl: &str,
        kind: u8,
        meter: Meter<'_>,
    ) -> Result<String, Flow> {
        match kind {
            2 => {
                let found = self.first_bound(s, false, meter, |i| self.full.is_match(&s[..i]))?;
                match found {
                    Some(i) => {
                        meter(repl.len() + s.len() - i)?;
                        Ok(format!("{repl}{}", &s[i..]))
                    }
                    None => Ok(s.to_string()),
                }
            }
            3 => {
                let found = self.first_bound(s, true, meter, |i| self.full.is_match(&s[i..]))?;
                match found {
                    Some(i) => {
                        meter(i + repl.len())?;
                        Ok(format!("{}{repl}", &s[..i]))
                    }
                    None => Ok(s.to_string()),
                }
            }
            _ => {
                let mut out = String::new();
                let mut pos = 0;
                while pos <= s.len() {
                    meter(0)?;
                    let Some(m) = self.any.find_at(s, pos) else {
                        break;
                    };
                    let start = m.start();
                    let end = self.longest_at(s, start).unwrap_or(m.end());
                    if end == start {
                        // An empty match: bash does not replace empty matches
                        // except for an empty string as a whole.
                        if s.is_empty() {
                            push_metered(&mut out, repl, meter)?;
                            return Ok(out);
                        }
                        let next = s[start..]
                            .chars()
                            .next()
                            .map_or(start + 1, |c| start + c.len_utf8());
                        let next = next.min(s.len());
                        push_metered(&mut out, &s[pos..next], meter)?;
                        pos = next;
                        continue;
                    }
                    push_metered(&mut out, &s[pos..start], meter)?;
                    push_metered(&mut out, repl, meter)?;
                    pos = end;
                    if kind == 0 {
                        break;
                    }
                }
                if pos < s.len() {
                    push_metered(&mut out, &s[pos..], meter)?;
                }
                Ok(out)
            }
        }
    }
}

/// Append `piece` to `out`, metering the bytes the string will really hold:
/// when it must grow, its new capacity (doubled, as `String` would) is
/// metered before it is allocated, so a result's slack is charged too.
fn push_metered(out: &mut String, piece: &str, meter: Meter<'_>) -> Result<(), Flow> {
    let needed = out.len().saturating_add(piece.len());
    if needed > out.capacity() {
        let capacity = needed.max(out.capacity().saturating_mul(2));
        meter(capacity - out.capacity())?;
        out.reserve_exact(capacity - out.len());
    }
    out.push_str(piece);
    Ok(())
}

fn never() -> Regex {
    Regex::new("[^\\s\\S]").expect("static regex")
}

/// Byte offsets of every char boundary of `s`, 0 and `len` included.
fn char_bounds(s: &str) -> Vec<usize> {
    let mut v: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
    v.push(s.len());
    v
}

/// Pathname expansion of `pat` (backslash-quoted where literal) relative
/// to `cwd`. Sorted matches, or an empty list. `step(n)` is called for
/// every entry looked at, with the bytes of each path kept (a directory
/// can hold as many names as the inode limit allows).
pub(crate) fn glob(
    vfs: &Vfs,
    cwd: &str,
    pat: &str,
    dotglob: bool,
    globstar: bool,
    step: Meter<'_>,
) -> Result<Vec<String>, Flow> {
    let absolute = pat.starts_with('/');
    let comps: Vec<&str> = pat.split('/').collect();
    // (display path, absolute path)
    let mut current: Vec<(String, String)> = if absolute {
        vec![(String::new(), String::new())]
    } else {
        vec![(String::new(), cwd.trim_end_matches('/').to_string())]
    };
    let start = usize::from(absolute);
    let n = comps.len();
    for (idx, comp) in comps.iter().enumerate().skip(start) {
        let last = idx == n - 1;
        let mut next = Vec::new();
        if comp.is_empty() {
            // `a//b` or a trailing slash: keep directories only.
            for (disp, abs) in current {
                if is_dir(vfs, &abs) {
                    next.push((format!("{disp}/"), abs));
                }
            }
            current = next;
            continue;
        }
        let join = |disp: &str, name: &str| {
            if disp.is_empty() && !absolute {
                name.to_string()
            } else if disp.ends_with('/') {
                format!("{disp}{name}")
            } else {
                format!("{disp}/{name}")
            }
        };
        if globstar && *comp == "**" {
            // Zero or more directory levels; as the last component, every
            // file and directory below.
            for (disp, abs) in current {
                let mut stack = vec![(disp.clone(), abs.clone())];
                if !last {
                    next.push((disp.clone(), abs.clone()));
                } else if !disp.is_empty() {
                    // `dir/**` matches `dir/` itself too.
                    next.push((format!("{}/", disp.trim_end_matches('/')), abs.clone()));
                }
                while let Some((d, a)) = stack.pop() {
                    let dir = if a.is_empty() { "/" } else { a.as_str() };
                    let Ok(entries) = vfs.list_dir(dir) else {
                        continue;
                    };
                    for e in entries {
                        if e.name == "." || e.name == ".." || (e.name.starts_with('.') && !dotglob)
                        {
                            continue;
                        }
                        step(2 * (d.len() + a.len() + e.name.len()) + PATH_COST)?;
                        let child = (join(&d, &e.name), format!("{a}/{}", e.name));
                        if e.file_type == FileType::Directory {
                            stack.push(child.clone());
                            next.push(child);
                        } else if last {
                            next.push(child);
                        }
                    }
                }
            }
            // `dir/**/` style joins need display paths without a trailing
            // empty prefix; an empty display is the cwd itself.
            next.retain(|(d, _)| !(d.is_empty() && last));
            current = next;
            continue;
        }
        if !has_glob(comp) {
            let name = unescape(comp);
            for (disp, abs) in current {
                let a = format!("{abs}/{name}");
                if last || is_dir(vfs, &a) {
                    if last && !exists(vfs, &a) {
                        continue;
                    }
                    next.push((join(&disp, &name), a));
                }
            }
        } else if comp.len() > MAX_PATTERN_LEN {
            // Longer than any name: it could only match through stars, and
            // is not compiled (the word stays as it is, as with no match).
            return Ok(Vec::new());
        } else {
            let p = Pattern::new(comp, false);
            let literal_dot = comp.starts_with('.') || comp.starts_with("\\.");
            for (disp, abs) in current {
                let dir = if abs.is_empty() { "/" } else { abs.as_str() };
                let Ok(entries) = vfs.list_dir(dir) else {
                    continue;
                };
                step(entries.len().saturating_mul(PATH_COST))?;
                let mut names: Vec<(String, FileType)> = entries
                    .into_iter()
                    .map(|e| (e.name, e.file_type))
                    .filter(|(n, _)| n != "." && n != "..")
                    .collect();
                names.sort_by(|a, b| a.0.cmp(&b.0));
                for (name, ft) in names {
                    step(0)?;
                    if name.starts_with('.') && !literal_dot && !dotglob {
                        continue;
                    }
                    if !p.matches(&name) {
                        continue;
                    }
                    step(2 * (disp.len() + abs.len() + name.len()) + PATH_COST)?;
                    let a = format!("{abs}/{name}");
                    let dir_like =
                        ft == FileType::Directory || (ft == FileType::Symlink && is_dir(vfs, &a));
                    if !last && !dir_like {
                        continue;
                    }
                    next.push((join(&disp, &name), a));
                }
            }
        }
        current = next;
        if current.is_empty() {
            break;
        }
    }
    let mut out: Vec<String> = current
        .into_iter()
        .map(|(d, _)| d)
        .filter(|d| !d.is_empty())
        .collect();
    out.sort();
    Ok(out)
}

/// What a path kept by [`glob`] costs beyond its text.
const PATH_COST: usize = 96;

fn is_dir(vfs: &Vfs, abs: &str) -> bool {
    let path = if abs.is_empty() { "/" } else { abs };
    vfs.metadata(path, true)
        .is_ok_and(|m| m.file_type == FileType::Directory)
}

fn exists(vfs: &Vfs, abs: &str) -> bool {
    vfs.metadata(abs, false).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching() {
        assert!(Pattern::new("*.txt", false).matches("a.txt"));
        assert!(!Pattern::new("*.txt", false).matches("a.txt.bak"));
        assert!(Pattern::new("a?c", false).matches("abc"));
        assert!(Pattern::new("[a-c]x", false).matches("bx"));
        assert!(Pattern::new("[!a-c]x", false).matches("dx"));
        assert!(Pattern::new("[[:digit:]]*", false).matches("1abc"));
        assert!(Pattern::new("\\*", false).matches("*"));
        assert!(!Pattern::new("\\*", false).matches("a"));
        assert!(Pattern::new("{a}", false).matches("{a}"));
        assert!(Pattern::new("a.b", false).matches("a.b"));
        assert!(!Pattern::new("a.b", false).matches("axb"));
        assert!(Pattern::new("*", false).matches("line1\nline2"));
    }

    #[test]
    fn strip_and_replace() {
        let mut free = |_: usize| -> Result<(), Flow> { Ok(()) };
        let p = Pattern::new("*/", false);
        assert_eq!(
            p.strip_prefix("/a/b/c", false, &mut free).ok(),
            Some("a/b/c")
        );
        assert_eq!(p.strip_prefix("/a/b/c", true, &mut free).ok(), Some("c"));
        let p = Pattern::new(".*", false);
        assert_eq!(
            p.strip_suffix("f.tar.gz", false, &mut free).ok(),
            Some("f.tar")
        );
        assert_eq!(p.strip_suffix("f.tar.gz", true, &mut free).ok(), Some("f"));
        let mut replace = |p: &Pattern, s: &str, r: &str, kind: u8| {
            p.replace(s, r, kind, &mut free).ok().unwrap_or_default()
        };
        let p = Pattern::new("o", false);
        assert_eq!(replace(&p, "foo boo", "0", 0), "f0o boo");
        assert_eq!(replace(&p, "foo boo", "0", 1), "f00 b00");
        let p = Pattern::new("f", false);
        assert_eq!(replace(&p, "foo", "g", 2), "goo");
        assert_eq!(replace(&p, "off", "g", 3), "ofg");
        let p = Pattern::new("a*", false);
        assert_eq!(replace(&p, "xabab", "-", 0), "x-");
    }

    #[test]
    fn the_meter_sees_every_byte_of_a_replacement_and_can_stop_it() {
        let p = Pattern::new(" ", false);
        let mut metered = 0;
        let out = p
            .replace("a b c", "xyz", 1, &mut |n| {
                metered += n;
                Ok(())
            })
            .unwrap_or_default();
        assert_eq!(out, "axyzbxyzc");
        // What the string holds, its spare capacity included.
        assert_eq!(metered, out.capacity());
        assert!(metered >= 9);
        let mut left = 4usize;
        let stopped = p.replace("a b c", "xyz", 1, &mut |n| {
            left = left.checked_sub(n).ok_or(Flow::Abort(1))?;
            Ok(())
        });
        assert!(stopped.is_err());
    }

    fn glob_all(vfs: &Vfs, cwd: &str, pat: &str, dot: bool, star: bool) -> Vec<String> {
        glob(vfs, cwd, pat, dot, star, &mut |_| Ok(())).unwrap_or_default()
    }

    #[test]
    fn globbing() {
        let mut vfs = Vfs::new();
        vfs.create_dir_all("/w/d").unwrap();
        for f in [
            "/w/b.txt",
            "/w/a.txt",
            "/w/c.csv",
            "/w/.h.txt",
            "/w/d/x.txt",
        ] {
            vfs.write_file(f, &b"x"[..]).unwrap();
        }
        assert_eq!(
            glob_all(&vfs, "/w", "*.txt", false, false),
            vec!["a.txt", "b.txt"]
        );
        assert_eq!(
            glob_all(&vfs, "/w", "**/*.txt", false, true),
            vec!["a.txt", "b.txt", "d/x.txt"]
        );
        assert_eq!(
            glob_all(&vfs, "/w", "*/*.txt", false, false),
            vec!["d/x.txt"]
        );
        assert_eq!(
            glob_all(&vfs, "/", "/w/*.csv", false, false),
            vec!["/w/c.csv"]
        );
        assert_eq!(glob_all(&vfs, "/w", ".*.txt", false, false), vec![".h.txt"]);
        assert_eq!(glob_all(&vfs, "/w", "*/", false, false), vec!["d/"]);
        assert!(glob_all(&vfs, "/w", "*.none", false, false).is_empty());
    }
}
