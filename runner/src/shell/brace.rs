//! Brace expansion (`a{b,c}d`, `{1..10..2}`, `{a..z}`, `{01..10}`), as
//! bash does it, in two steps: [`parse`] finds the brace groups of a word
//! (without expanding anything), then the caller can ask how many words
//! and bytes the expansion will make ([`Braces::count`],
//! [`Braces::bytes`]) before [`Braces::expand`] builds them.
//!
//! brush-parser's brace grammar was used before: it panics on numbers past
//! 64 bits (`{1..99999999999999999999}`), backtracks exponentially on
//! unclosed braces (`{a,{a,{a,...` for 14 levels took 12 s), and the words
//! had to be capped silently. Here a sequence whose bounds or length do not
//! fit 64 bits stays literal (bash), and the size is the caller's to check.

/// The brace structure of one word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Braces {
    segs: Vec<Seg>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Text(String),
    /// `{x,y,...}`: each alternative is a word of its own.
    Alts(Vec<Braces>),
    /// `{start..end..step}`: `count` numbers, zero-padded to `width`.
    Ints {
        start: i64,
        step: i64,
        count: u64,
        width: usize,
    },
    /// `{a..z..step}`: `count` characters.
    Chars {
        start: u32,
        step: i64,
        count: u64,
    },
}

/// Braces nested deeper than [`super::parse::MAX_NESTING`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TooDeep;

/// The brace groups of `word`, or `None` if it has none (the word expands
/// to itself). Quoted text, escapes, `${...}`, `$(...)`, backquotes and
/// `<(...)` are opaque, as in bash.
pub(crate) fn parse(word: &str) -> Result<Option<Braces>, TooDeep> {
    if !word.contains('{') {
        return Ok(None);
    }
    let groups = Groups::scan(word);
    let b = groups.parse(word, 0, word.len(), 0)?;
    if b.segs.iter().all(|s| matches!(s, Seg::Text(_))) {
        return Ok(None);
    }
    Ok(Some(b))
}

/// Every `{` of a word that has a matching `}`, found in one pass.
struct Groups {
    /// Positions of the opening braces that close, ascending.
    opens: Vec<usize>,
    /// For each of `opens`: what is inside up to its `}`.
    info: Vec<Group>,
}

/// A brace group: its closing brace, its top-level commas (absolute
/// positions) and whether a top-level `..` occurs.
type Group = (usize, Vec<usize>, bool);

impl Groups {
    fn scan(word: &str) -> Groups {
        let b = word.as_bytes();
        // Open frames: (position, commas, dots).
        let mut stack: Vec<(usize, Vec<usize>, bool)> = Vec::new(); // open frames
        let mut found: Vec<(usize, Group)> = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if let Some(end) = skip_opaque(word, i) {
                i = end;
                continue;
            }
            match b[i] {
                b'{' => stack.push((i, Vec::new(), false)),
                b'}' => {
                    if let Some((open, commas, dots)) = stack.pop() {
                        found.push((open, (i, commas, dots)));
                    }
                }
                b',' => {
                    if let Some(top) = stack.last_mut() {
                        top.1.push(i);
                    }
                }
                b'.' if b.get(i + 1) == Some(&b'.') => {
                    if let Some(top) = stack.last_mut() {
                        top.2 = true;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        found.sort_by_key(|(open, _)| *open);
        let (opens, info) = found.into_iter().unzip();
        Groups { opens, info }
    }

    /// The brace structure of `word[lo..hi]`.
    fn parse(&self, word: &str, lo: usize, hi: usize, depth: usize) -> Result<Braces, TooDeep> {
        if depth > super::parse::MAX_NESTING {
            return Err(TooDeep);
        }
        let mut segs = Vec::new();
        let mut text_start = lo;
        let first = self.opens.partition_point(|&o| o < lo);
        for k in first..self.opens.len() {
            let open = self.opens[k];
            if open >= hi {
                break;
            }
            if open < text_start {
                continue; // inside a group already taken
            }
            let (close, commas, dots) = &self.info[k];
            if *close >= hi || (commas.is_empty() && !dots) {
                continue; // bash: not a brace expansion; try the next `{`
            }
            let seg = if !commas.is_empty() {
                let mut alts = Vec::with_capacity(commas.len() + 1);
                let mut start = open + 1;
                for &c in commas.iter().chain([close]) {
                    alts.push(self.parse(word, start, c, depth + 1)?);
                    start = c + 1;
                }
                Some(Seg::Alts(alts))
            } else {
                sequence(&word[open + 1..*close])
            };
            // `{1..a}`, `{1..99999999999999999999}`: literal, and expansion
            // goes on after it.
            if let Some(seg) = seg {
                if open > text_start {
                    segs.push(Seg::Text(word[text_start..open].to_string()));
                }
                segs.push(seg);
                text_start = close + 1;
            }
        }
        if text_start < hi || segs.is_empty() {
            segs.push(Seg::Text(word[text_start..hi].to_string()));
        }
        Ok(Braces { segs })
    }
}

/// Index past the quoted part or expansion starting at `i`, if one does
/// (the end of the word if it does not close).
fn skip_opaque(word: &str, i: usize) -> Option<usize> {
    let b = word.as_bytes();
    match b[i] {
        b'\\' => Some((i + 2).min(word.len())),
        b'\'' | b'"' | b'`' => Some(super::word::skip_piece(word, i)),
        b'$' if matches!(b.get(i + 1), Some(b'\'' | b'"' | b'(' | b'{' | b'[')) => {
            Some(super::word::skip_piece(word, i))
        }
        b'<' | b'>' if b.get(i + 1) == Some(&b'(') => Some(super::word::skip_group(word, i + 1)),
        _ => None,
    }
}

/// `x..y[..step]`: a sequence of integers or of single ASCII letters, or
/// `None` (then the group is literal).
fn sequence(amble: &str) -> Option<Seg> {
    let mut parts = amble.split("..");
    let (lhs, rhs) = (parts.next()?, parts.next()?);
    let step = match parts.next() {
        Some(s) => parse_int(s)?,
        None => 1,
    };
    if parts.next().is_some() {
        return None;
    }
    let letter = |s: &str| {
        let c = s.as_bytes();
        (c.len() == 1 && c[0].is_ascii_alphabetic()).then(|| u32::from(c[0]))
    };
    if let (Some(a), Some(z)) = (letter(lhs), letter(rhs)) {
        let (step, count) = steps(i64::from(a), i64::from(z), step)?;
        return Some(Seg::Chars {
            start: a,
            step,
            count,
        });
    }
    let (a, z) = (parse_int(lhs)?, parse_int(rhs)?);
    let (step, count) = steps(a, z, step)?;
    let padded = |s: &str| {
        s.trim_start_matches(['-', '+']).len() > 1
            && s.trim_start_matches(['-', '+']).starts_with('0')
    };
    let width = if padded(lhs) || padded(rhs) {
        lhs.len().max(rhs.len())
    } else {
        0
    };
    Some(Seg::Ints {
        start: a,
        step,
        count,
        width,
    })
}

/// A decimal integer with an optional sign that fits 64 bits.
fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

/// The signed step from `a` towards `z` and the number of terms, or
/// `None` when `z - a` does not fit 64 bits or the sequence is longer
/// than bash allows (bash leaves those literal).
fn steps(a: i64, z: i64, step: i64) -> Option<(i64, u64)> {
    let span = z.checked_sub(a)?;
    let magnitude = step.unsigned_abs().max(1);
    let count = span.unsigned_abs() / magnitude + 1;
    // bash leaves sequences of more than INT_MAX - 3 terms literal.
    if count > (i32::MAX - 3) as u64 {
        return None;
    }
    let magnitude = i64::try_from(magnitude).ok()?;
    Some((if span < 0 { -magnitude } else { magnitude }, count))
}

impl Seg {
    fn count(&self) -> u128 {
        match self {
            Seg::Text(_) => 1,
            Seg::Alts(alts) => alts.iter().fold(0u128, |n, a| n.saturating_add(a.count())),
            Seg::Ints { count, .. } | Seg::Chars { count, .. } => u128::from(*count),
        }
    }

    /// Total bytes of this segment's terms.
    fn bytes(&self) -> u128 {
        match self {
            Seg::Text(t) => t.len() as u128,
            Seg::Alts(alts) => alts.iter().fold(0u128, |n, a| n.saturating_add(a.bytes())),
            // At most 20 characters a number (or the padding width).
            Seg::Ints { count, width, .. } => u128::from(*count) * (*width).max(20) as u128,
            Seg::Chars { count, .. } => u128::from(*count),
        }
    }

    /// The terms, in order.
    fn terms<E>(&self, check: &mut dyn FnMut() -> Result<(), E>) -> Result<Vec<String>, E> {
        Ok(match self {
            Seg::Text(t) => vec![t.clone()],
            Seg::Alts(alts) => {
                let mut v = Vec::new();
                for a in alts {
                    a.expand(
                        &mut |s| {
                            v.push(s);
                            Ok(())
                        },
                        check,
                    )?;
                }
                v
            }
            Seg::Ints {
                start,
                step,
                count,
                width,
            } => {
                let mut v = Vec::new();
                let mut n = *start;
                for k in 0..*count {
                    if k.is_multiple_of(4096) {
                        check()?;
                    }
                    v.push(if n < 0 {
                        format!("-{:0>w$}", n.unsigned_abs(), w = width.saturating_sub(1))
                    } else {
                        format!("{n:0>width$}")
                    });
                    n = n.wrapping_add(*step);
                }
                v
            }
            Seg::Chars { start, step, count } => {
                let mut v = Vec::new();
                let mut c = i64::from(*start);
                for _ in 0..*count {
                    let ch = u32::try_from(c)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('?');
                    v.push(ch.to_string());
                    c += step;
                }
                v
            }
        })
    }
}

impl Braces {
    /// How many words the expansion makes (saturating).
    pub(crate) fn count(&self) -> u128 {
        self.segs
            .iter()
            .fold(1u128, |n, s| n.saturating_mul(s.count()))
    }

    /// Total bytes of the words the expansion makes (saturating; numbers
    /// are counted at their widest).
    pub(crate) fn bytes(&self) -> u128 {
        // Each term of a segment appears in (count / terms) words.
        let total = self.count();
        self.segs.iter().fold(0u128, |n, s| {
            let per_term = total / s.count().max(1);
            n.saturating_add(s.bytes().saturating_mul(per_term))
        })
    }

    /// Build the words in bash's order, passing each to `each`; `check`
    /// is called every few thousand words (the run's interrupt).
    pub(crate) fn expand<E>(
        &self,
        each: &mut dyn FnMut(String) -> Result<(), E>,
        check: &mut dyn FnMut() -> Result<(), E>,
    ) -> Result<(), E> {
        let mut lists = Vec::with_capacity(self.segs.len());
        for s in &self.segs {
            lists.push(s.terms(check)?);
        }
        if lists.iter().any(Vec::is_empty) {
            return Ok(());
        }
        // An odometer over the segments, the last one turning fastest.
        let mut idx = vec![0usize; lists.len()];
        let mut made = 0u64;
        loop {
            if made.is_multiple_of(4096) {
                check()?;
            }
            made += 1;
            let mut w = String::new();
            for (l, &i) in lists.iter().zip(&idx) {
                w.push_str(&l[i]);
            }
            each(w)?;
            let mut k = lists.len();
            loop {
                if k == 0 {
                    return Ok(());
                }
                k -= 1;
                idx[k] += 1;
                if idx[k] < lists[k].len() {
                    break;
                }
                idx[k] = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &str) -> Vec<String> {
        match parse(w).expect("not too deep") {
            None => vec![w.to_string()],
            Some(b) => {
                let mut v = Vec::new();
                let r: Result<(), ()> = b.expand(
                    &mut |s| {
                        v.push(s);
                        Ok(())
                    },
                    &mut || Ok(()),
                );
                r.expect("no error");
                assert_eq!(b.count(), v.len() as u128, "{w}");
                v
            }
        }
    }

    /// Each case was run through bash 5.2 (`printf '[%s]' WORD`); quote
    /// removal, which comes later, is not part of brace expansion.
    #[test]
    fn like_bash() {
        let cases: &[(&str, &[&str])] = &[
            ("{a}", &["{a}"]),
            ("{a}{b,c}", &["{a}b", "{a}c"]),
            ("x{a,b}y", &["xay", "xby"]),
            ("{a,b}{c,d}", &["ac", "ad", "bc", "bd"]),
            ("{a,{b,c}}", &["a", "b", "c"]),
            ("{a..c}", &["a", "b", "c"]),
            ("{1..3}", &["1", "2", "3"]),
            ("{1..a}", &["{1..a}"]),
            ("{}", &["{}"]),
            ("x{,}", &["x", "x"]),
            ("a{b,c", &["a{b,c"]),
            ("'{a,b}'", &["'{a,b}'"]),
            ("\\{a,b}", &["\\{a,b}"]),
            ("\"{a,b}\"", &["\"{a,b}\""]),
            ("${x}{b,c}", &["${x}b", "${x}c"]),
            ("{a,b}$(echo {c,d})", &["a$(echo {c,d})", "b$(echo {c,d})"]),
            ("{a,\"b,c\"}", &["a", "\"b,c\""]),
            ("{a,b\\,c}", &["a", "b\\,c"]),
            ("{1..10..3}", &["1", "4", "7", "10"]),
            ("{10..1..3}", &["10", "7", "4", "1"]),
            ("{a..e..2}", &["a", "c", "e"]),
            ("{01..10..4}", &["01", "05", "09"]),
            ("{-01..2}", &["-01", "000", "001", "002"]),
            ("{-0..3}", &["0", "1", "2", "3"]),
            ("{1..03}", &["01", "02", "03"]),
            ("{1..-1}", &["1", "0", "-1"]),
            ("{Z..a..3}", &["Z", "]", "`"]),
            ("a{b{c,d}e,f}g", &["abceg", "abdeg", "afg"]),
            ("{a,b}}", &["a}", "b}"]),
            ("{{a,b}", &["{a", "{b"]),
            ("{a{b,c}}", &["{ab}", "{ac}"]),
            ("{a,,b}", &["a", "", "b"]),
            (
                "{a..z..0}",
                &[
                    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
                    "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
                ],
            ),
            ("{1...3}", &["{1...3}"]),
            ("{1..3..}", &["{1..3..}"]),
            ("{+1..3}", &["1", "2", "3"]),
            ("{ba..c}", &["{ba..c}"]),
            ("{a,b}{", &["a{", "b{"]),
            ("{a,${b:-x,y}}", &["a", "${b:-x,y}"]),
            ("{a,$((1,2))}", &["a", "$((1,2))"]),
            ("{a,<(x,y)}", &["a", "<(x,y)"]),
            ("{a\\}b,c}", &["a\\}b", "c"]),
            ("{a'}'b,c}", &["a'}'b", "c"]),
            ("{1..99999999999999999999}", &["{1..99999999999999999999}"]),
            (
                "{1..10..-9223372036854775808}",
                &["{1..10..-9223372036854775808}"],
            ),
            (
                "{-9223372036854775808..9223372036854775807}",
                &["{-9223372036854775808..9223372036854775807}"],
            ),
            (
                "{9223372036854775806..9223372036854775807}",
                &["9223372036854775806", "9223372036854775807"],
            ),
            (
                "{-9223372036854775808..-9223372036854775807}",
                &["-9223372036854775808", "-9223372036854775807"],
            ),
            (
                "{0..9223372036854775807..4611686018427387904}",
                &["0", "4611686018427387904"],
            ),
            ("{1..3..9223372036854775807}", &["1"]),
        ];
        for (w, want) in cases {
            assert_eq!(words(w), *want, "{w}");
        }
    }

    #[test]
    fn sizes_are_known_before_expanding() {
        let b = parse("{1..1000000000}{1..1000000000}").unwrap().unwrap();
        assert_eq!(b.count(), 1_000_000_000_000_000_000);
        let b = parse("x{a,bb}{1..3}").unwrap().unwrap();
        assert_eq!(b.count(), 6);
        let exact: usize = words("x{a,bb}{1..3}").iter().map(String::len).sum();
        assert!(b.bytes() >= exact as u128);
    }

    #[test]
    fn hostile_words_are_fast() {
        let start = std::time::Instant::now();
        let w = format!("{}x", "{a,".repeat(100_000));
        assert_eq!(words(&w), vec![w.clone()]);
        let w = "{1..1}".repeat(100_000);
        assert_eq!(words(&w), vec!["1".repeat(100_000)]);
        let deep = format!("{}x{}", "{a,".repeat(5000), "}".repeat(5000));
        assert_eq!(parse(&deep), Err(TooDeep));
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
    }
}
