//! Messages the host prints. Anything a guest can choose (file names,
//! process names, trace arguments, a module's import names) is escaped
//! before it reaches the host's terminal, so a guest cannot move the cursor,
//! retitle the window, forge a line of ours or reverse the text direction.
//! The guests' own stdout and stderr are their output and are not touched.

use std::borrow::Cow;
use std::fmt::Write;

/// `s` with every control character (C0, DEL, C1, including newline and
/// tab) and every invisible bidirectional-formatting character written as
/// an escape (`\n`, `\x1b`, `\u{202e}`). Plain text is returned unchanged.
/// (Backslashes stay as they are: text that is already escaped, such as a
/// trace line's `{:?}` strings, must not be escaped twice.)
///
/// ```ignore
/// assert_eq!(escape("a\x1b[2Jb"), "a\\x1b[2Jb");
/// ```
pub(crate) fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && needs_escape(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        // Bidirectional overrides, embeddings, isolates and marks.
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Print `wasiland: MESSAGE` on stderr, the message escaped.
pub(crate) fn error(message: &str) {
    eprintln!("wasiland: {}", escape(message));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(escape("héllo wörld /tmp/x.txt"), Cow::Borrowed(_)));
    }

    #[test]
    fn terminal_controls_are_escaped() {
        assert_eq!(escape("a\x1b]0;pwned\x07b"), "a\\x1b]0;pwned\\x07b");
        assert_eq!(escape("x\nwasiland: fake"), "x\\nwasiland: fake");
        assert_eq!(escape("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape("abc\u{202e}txt.exe"), "abc\\u{202e}txt.exe");
        assert_eq!(escape("a\\x1b"), "a\\x1b");
        assert_eq!(escape("\x7f\t\r"), "\\x7f\\t\\r");
    }
}
