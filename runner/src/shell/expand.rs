//! Word expansion, in bash's order: brace expansion, then tilde,
//! parameters, command substitution and arithmetic (left to right), then
//! IFS field splitting of unquoted results, pathname expansion against the
//! VFS, and quote removal.

use super::arith::{self, ArithEnv};
use super::exec::{ArgWord, AssignError, Fds, Flow, Shell};
use super::memory::ChargedCapture;
use super::parse;
use super::pattern::{self, Pattern};
use super::Value;
use brush_parser::ast;
use brush_parser::word::{
    Parameter, ParameterExpr, ParameterTestType, ParameterTransformOp, SpecialParameter,
    SubstringMatchKind, TildeExpr, WordPiece, WordPieceWithSource,
};
use std::collections::BTreeMap;
use wasiland_wasi_host::budget::Charge;
use wasiland_wasi_host::Stdio;

/// How a piece of expanded text was quoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Unquoted text from the source: globbed, not split.
    Lit,
    /// Unquoted result of an expansion: split and globbed.
    Exp,
    /// Quoted: neither.
    Quoted,
}

/// Expanded text with its quoting, and field boundaries of `"$@"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Frag {
    Text(String, Kind),
    /// Boundary between two elements of `$@` / `${a[@]}`.
    Break,
    /// `"$@"` with no elements (the word vanishes if nothing else is in it).
    AtEmpty,
}

/// The value of a parameter before operators apply.
#[derive(Clone, Debug)]
enum PVal {
    Unset,
    Str(String),
    /// Several words (`$@`, `${a[*]}`); `true` for the `*` forms.
    Many(Vec<String>, bool),
}

impl PVal {
    fn is_unset(&self) -> bool {
        matches!(self, PVal::Unset)
    }

    fn is_null(&self) -> bool {
        match self {
            PVal::Unset => true,
            PVal::Str(s) => s.is_empty(),
            PVal::Many(v, _) => v.is_empty() || (v.len() == 1 && v[0].is_empty()),
        }
    }

    fn map(self, f: impl Fn(&str) -> String) -> PVal {
        match self {
            PVal::Unset => PVal::Unset,
            PVal::Str(s) => PVal::Str(f(&s)),
            PVal::Many(v, c) => PVal::Many(v.iter().map(|s| f(s)).collect(), c),
        }
    }

    /// [`PVal::map`] with a function that may stop the expansion.
    fn try_map(self, mut f: impl FnMut(&str) -> Result<String, Flow>) -> Result<PVal, Flow> {
        Ok(match self {
            PVal::Unset => PVal::Unset,
            PVal::Str(s) => PVal::Str(f(&s)?),
            PVal::Many(v, c) => PVal::Many(v.iter().map(|s| f(s)).collect::<Result<_, _>>()?, c),
        })
    }

    /// Bytes of text the value holds.
    fn len(&self) -> u64 {
        match self {
            PVal::Unset => 0,
            PVal::Str(s) => s.len() as u64,
            PVal::Many(v, _) => v.iter().map(|s| s.len() as u64 + 32).sum(),
        }
    }
}

/// One field being built during splitting.
#[derive(Default)]
struct FieldBuf {
    value: String,
    /// The same text with quoted glob characters escaped.
    pattern: String,
    glob: bool,
    exists: bool,
}

impl FieldBuf {
    fn push(&mut self, c: char, active: bool) {
        self.value.push(c);
        if active {
            if matches!(c, '*' | '?' | '[') {
                self.glob = true;
            }
            self.pattern.push(c);
        } else {
            self.pattern.push_str(&pattern::escape(&c.to_string()));
        }
        self.exists = true;
    }
}

/// Decode the escapes of `$'...'`.
pub(crate) fn ansi_c(s: &str) -> String {
    decode_escapes(s, EscapeMode::AnsiC).0
}

/// Escape dialects.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum EscapeMode {
    /// `$'...'`: `\nnn` octal, `\'`, `\"`, `\?`.
    AnsiC,
    /// `echo -e` / `printf %b`: `\0nnn` octal, `\c` stops output.
    Echo,
    /// printf format strings: `\nnn` octal.
    Printf,
}

/// Decode backslash escapes; returns the text and whether `\c` was seen.
pub(crate) fn decode_escapes(s: &str, mode: EscapeMode) -> (String, bool) {
    let bytes = decode_escape_bytes(s, mode);
    (String::from_utf8_lossy(&bytes.0).into_owned(), bytes.1)
}

/// Byte-level version of [`decode_escapes`] (`\xff` is one byte).
pub(crate) fn decode_escape_bytes(s: &str, mode: EscapeMode) -> (Vec<u8>, bool) {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let push_char = |out: &mut Vec<u8>, c: char| {
        let mut b = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 >= chars.len() {
            push_char(&mut out, c);
            i += 1;
            continue;
        }
        let n = chars[i + 1];
        i += 2;
        match n {
            'n' => out.push(b'\n'),
            't' => out.push(b'\t'),
            'r' => out.push(b'\r'),
            'a' => out.push(7),
            'b' => out.push(8),
            'f' => out.push(12),
            'v' => out.push(11),
            'e' | 'E' => out.push(27),
            '\\' => out.push(b'\\'),
            '\'' if mode == EscapeMode::AnsiC => out.push(b'\''),
            '"' if mode != EscapeMode::Echo => out.push(b'"'),
            '?' if mode == EscapeMode::AnsiC => out.push(b'?'),
            'c' if mode == EscapeMode::Echo => return (out, true),
            'c' if mode == EscapeMode::AnsiC && i < chars.len() => {
                let ctl = chars[i];
                i += 1;
                out.push((ctl as u32 & 0x1f) as u8);
            }
            'x' => {
                let mut v: u32 = 0;
                let mut k = 0;
                while k < 2 && i < chars.len() && chars[i].is_ascii_hexdigit() {
                    v = v * 16 + chars[i].to_digit(16).unwrap_or(0);
                    i += 1;
                    k += 1;
                }
                if k == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push(v as u8);
                }
            }
            'u' | 'U' => {
                let max = if n == 'u' { 4 } else { 8 };
                let mut v: u32 = 0;
                let mut k = 0;
                while k < max && i < chars.len() && chars[i].is_ascii_hexdigit() {
                    v = v * 16 + chars[i].to_digit(16).unwrap_or(0);
                    i += 1;
                    k += 1;
                }
                if k == 0 {
                    out.push(b'\\');
                    push_char(&mut out, n);
                } else if let Some(ch) = char::from_u32(v) {
                    push_char(&mut out, ch);
                }
            }
            '0'..='7' => {
                // Echo: \0nnn (up to 3 digits after the 0); others: \nnn.
                let mut v: u32;
                let mut k;
                if mode == EscapeMode::Echo {
                    if n != '0' {
                        out.push(b'\\');
                        push_char(&mut out, n);
                        continue;
                    }
                    v = 0;
                    k = 0;
                } else {
                    v = n.to_digit(8).unwrap_or(0);
                    k = 1;
                }
                let max = 3;
                while k < max && i < chars.len() && ('0'..='7').contains(&chars[i]) {
                    v = v * 8 + chars[i].to_digit(8).unwrap_or(0);
                    i += 1;
                    k += 1;
                }
                out.push((v & 0xff) as u8);
            }
            other => {
                out.push(b'\\');
                push_char(&mut out, other);
            }
        }
    }
    (out, false)
}

impl<'a> Shell<'a> {
    // ------------------------------------------------------------ entry points

    /// Expand the words of a simple command into argv.
    pub(crate) fn expand_args(&mut self, words: &[ArgWord<'_>]) -> Result<Vec<String>, Flow> {
        let mut argv: Vec<String> = Vec::new();
        self.decl_arrays.clear();
        for w in words {
            match w {
                ArgWord::Word(word) => argv.extend(self.expand_word_fields(word)?),
                ArgWord::Assign(a, word) => {
                    // Declaration builtins take `name=value` words unsplit.
                    let decl = argv.first().is_some_and(|c| {
                        matches!(
                            c.as_str(),
                            "export" | "local" | "declare" | "typeset" | "readonly"
                        )
                    });
                    if !decl {
                        argv.extend(self.expand_word_fields(word)?);
                        continue;
                    }
                    let plus = if a.append { "+" } else { "" };
                    match &a.name {
                        ast::AssignmentName::ArrayElementName(n, idx) => {
                            let v = match &a.value {
                                ast::AssignmentValue::Scalar(w) => self.expand_word_string(w)?,
                                ast::AssignmentValue::Array(_) => String::new(),
                            };
                            argv.push(format!("{n}[{idx}]{plus}={v}"));
                        }
                        ast::AssignmentName::VariableName(n) => match &a.value {
                            ast::AssignmentValue::Scalar(w) => {
                                let v = self.expand_assignment_scalar(&w.value)?;
                                argv.push(format!("{n}{plus}={v}"));
                            }
                            ast::AssignmentValue::Array(_) => {
                                let value = match self.assignment_value(a) {
                                    Ok((_, v)) => v,
                                    Err(AssignError::Flow(f)) => return Err(f),
                                    Err(AssignError::Msg(m)) => {
                                        self.err(m);
                                        return Err(Flow::Abort(1));
                                    }
                                };
                                self.decl_arrays.push((n.clone(), value));
                                argv.push(format!("{n}={}", super::builtins::vars::ARRAY_MARKER));
                            }
                        },
                    }
                }
                ArgWord::ProcSub(kind, sub) => argv.push(self.process_substitution(kind, sub)?),
            }
        }
        Ok(argv)
    }

    /// Full expansion of a word into fields.
    pub(crate) fn expand_word_fields(&mut self, word: &ast::Word) -> Result<Vec<String>, Flow> {
        let mut out = Vec::new();
        for alt in self.brace_words(&word.value)? {
            let frags = self.expand_text_frags(&alt, false)?;
            out.extend(self.split_and_glob(frags)?);
        }
        Ok(out)
    }

    /// Brace expansion of a raw word. The words' size is known before they
    /// are built: past the memory the sandbox has left, the expansion is
    /// refused (bash's "failed to allocate memory") and the word is kept.
    fn brace_words(&mut self, text: &str) -> Result<Vec<String>, Flow> {
        let braces = match parse::braces(text) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(vec![text.to_string()]),
            Err(m) => return Err(self.bad_substitution(&m)),
        };
        let count = braces.count();
        // Each word also costs its `String` header and a slot in the list.
        let need = braces.bytes().saturating_add(count.saturating_mul(48));
        let need = u64::try_from(need).unwrap_or(u64::MAX);
        if self.scratch.grow(need).is_err() {
            self.memory_refused(&format!("brace expansion: {count} words"));
            return Ok(vec![text.to_string()]);
        }
        let mut words = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        braces.expand(
            &mut |w| {
                words.push(w);
                Ok(())
            },
            &mut || self.check_interrupt(),
        )?;
        Ok(words)
    }

    /// Expansion without splitting or globbing (assignments, `case` word,
    /// here-strings, `[[ ]]` operands).
    pub(crate) fn expand_word_string(&mut self, word: &ast::Word) -> Result<String, Flow> {
        self.expand_text_string(&word.value)
    }

    pub(crate) fn expand_text_string(&mut self, text: &str) -> Result<String, Flow> {
        let frags = self.expand_text_frags(text, false)?;
        self.joined(&frags)
    }

    /// The fragments as one string, its copy charged first.
    fn joined(&mut self, frags: &[Frag]) -> Result<String, Flow> {
        self.reserve(frags_len(frags), "expansion")?;
        Ok(frags_to_string(frags))
    }

    /// Expansion into a shell pattern: quoted parts match literally.
    pub(crate) fn expand_word_pattern(&mut self, word: &ast::Word) -> Result<String, Flow> {
        self.expand_text_pattern(&word.value, false)
    }

    pub(crate) fn expand_text_pattern(&mut self, text: &str, in_dq: bool) -> Result<String, Flow> {
        let frags = self.expand_text_frags(text, in_dq)?;
        // Quoted characters may each gain a backslash.
        self.reserve(frags_len(&frags).saturating_mul(2), "expansion")?;
        Ok(frags_to_pattern(&frags))
    }

    /// The right side of `[[ =~ ]]`: a regex whose quoted parts match literally.
    pub(crate) fn expand_word_regex(&mut self, word: &ast::Word) -> Result<String, Flow> {
        let frags = self.expand_text_frags(&word.value, false)?;
        let mut s = String::new();
        for f in &frags {
            match f {
                Frag::Text(t, Kind::Quoted) => s.push_str(&regex::escape(t)),
                Frag::Text(t, _) => s.push_str(t),
                Frag::Break => s.push(' '),
                Frag::AtEmpty => {}
            }
        }
        Ok(s)
    }

    /// Expand a here-document body.
    pub(crate) fn expand_heredoc(&mut self, text: &str) -> Result<String, Flow> {
        let pieces = match parse::parse_heredoc(text) {
            Ok(p) => p,
            Err(m) => return Err(self.bad_substitution(&m)),
        };
        let mut frags = Vec::new();
        self.expand_pieces(&pieces, true, &mut frags)?;
        self.joined(&frags)
    }

    /// Parse and expand `text` into fragments.
    fn expand_text_frags(&mut self, text: &str, in_dq: bool) -> Result<Vec<Frag>, Flow> {
        let pieces = match parse::parse_word(text) {
            Ok(p) => p,
            Err(m) => return Err(self.bad_substitution(&m)),
        };
        let mut frags = Vec::new();
        self.expand_pieces(&pieces, in_dq, &mut frags)?;
        Ok(frags)
    }

    fn bad_substitution(&mut self, msg: &str) -> Flow {
        self.err(msg);
        Flow::Abort(1)
    }

    /// A sub-word of a parameter operator (`${x:-WORD}`): its unquoted
    /// literal text is subject to splitting like an expansion result.
    fn expand_subword(&mut self, text: &str, in_dq: bool) -> Result<Vec<Frag>, Flow> {
        let pieces = match parse::parse_word(text) {
            Ok(p) => p,
            Err(m) => return Err(self.bad_substitution(&m)),
        };
        let mut frags = Vec::new();
        self.expand_pieces(&pieces, in_dq, &mut frags)?;
        Ok(frags
            .into_iter()
            .map(|f| match f {
                Frag::Text(t, Kind::Lit) => Frag::Text(t, Kind::Exp),
                other => other,
            })
            .collect())
    }

    // ------------------------------------------------------------ pieces

    fn expand_pieces(
        &mut self,
        pieces: &[WordPieceWithSource],
        in_dq: bool,
        out: &mut Vec<Frag>,
    ) -> Result<(), Flow> {
        self.check_stack("expansion")?;
        let kind_of = |in_dq: bool| if in_dq { Kind::Quoted } else { Kind::Exp };
        for p in pieces {
            match &p.piece {
                WordPiece::Text(s) => out.push(Frag::Text(
                    s.clone(),
                    if in_dq { Kind::Quoted } else { Kind::Lit },
                )),
                // Inside double quotes (an operator word of "${x:-'a'}")
                // single quotes are ordinary characters.
                WordPiece::SingleQuotedText(s) if in_dq => {
                    out.push(Frag::Text(format!("'{s}'"), Kind::Quoted))
                }
                WordPiece::SingleQuotedText(s) => out.push(Frag::Text(s.clone(), Kind::Quoted)),
                WordPiece::AnsiCQuotedText(s) => out.push(Frag::Text(ansi_c(s), Kind::Quoted)),
                WordPiece::DoubleQuotedSequence(inner)
                | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    let mut sub = Vec::new();
                    self.expand_pieces(inner, true, &mut sub)?;
                    if !sub.is_empty() && sub.iter().all(|f| matches!(f, Frag::AtEmpty)) {
                        out.push(Frag::AtEmpty);
                    } else {
                        out.push(Frag::Text(String::new(), Kind::Quoted));
                        out.extend(sub);
                    }
                }
                WordPiece::TildeExpansion(t) => {
                    let s = self.tilde(t);
                    out.push(Frag::Text(s, Kind::Quoted));
                }
                WordPiece::ParameterExpansion(pe) => {
                    let frags = self.expand_parameter(pe, in_dq)?;
                    out.extend(frags);
                }
                WordPiece::CommandSubstitution(cmd)
                | WordPiece::BackquotedCommandSubstitution(cmd) => {
                    let s = self.command_substitution(cmd)?;
                    out.push(Frag::Text(s, kind_of(in_dq)));
                }
                WordPiece::EscapeSequence(s) => {
                    let mut chars = s.chars();
                    chars.next();
                    let rest: String = chars.collect();
                    if rest != "\n" {
                        out.push(Frag::Text(rest, Kind::Quoted));
                    }
                }
                WordPiece::ArithmeticExpression(e) => {
                    let v = self.eval_arith_text(parse::arith_text(e))?;
                    out.push(Frag::Text(v.to_string(), kind_of(in_dq)));
                }
            }
        }
        Ok(())
    }

    fn tilde(&self, t: &TildeExpr) -> String {
        match t {
            TildeExpr::Home => self.st.var("HOME").unwrap_or("/home/user").to_string(),
            TildeExpr::UserHome(u) => match u.as_str() {
                "root" => "/root".into(),
                "user" => "/home/user".into(),
                _ => format!("~{u}"),
            },
            TildeExpr::WorkingDir => self.st.cwd().to_string(),
            TildeExpr::OldWorkingDir => self.st.var("OLDPWD").unwrap_or("~-").to_string(),
            TildeExpr::NthDirFromTopOfDirStack { n, plus_used } => {
                if *n == 0 {
                    self.st.cwd().to_string()
                } else {
                    format!("~{}{n}", if *plus_used { "+" } else { "" })
                }
            }
            TildeExpr::NthDirFromBottomOfDirStack { n } => format!("~-{n}"),
        }
    }

    // ------------------------------------------------------------ splitting

    fn ifs(&self) -> String {
        match self
            .st
            .vars
            .get("IFS")
            .and_then(|v| v.value.as_ref())
            .and_then(Value::scalar)
        {
            Some(s) => s.to_string(),
            None => " \t\n".into(),
        }
    }

    /// Field splitting and pathname expansion. A field holds its text
    /// twice (value and pattern) and costs its headers: charged as it is
    /// made, since a long expansion of separators makes millions.
    pub(crate) fn split_and_glob(&mut self, frags: Vec<Frag>) -> Result<Vec<String>, Flow> {
        self.reserve(frags_len(&frags).saturating_mul(3), "word splitting")?;
        let ifs = self.ifs();
        let is_ws = |c: char| ifs.contains(c) && matches!(c, ' ' | '\t' | '\n');
        let mut fields: Vec<FieldBuf> = Vec::new();
        let mut cur = FieldBuf::default();
        let mut after_ws = false;
        let mut counted = 0;
        // One long field makes no fields to count: the deadline is also
        // checked every CHARS_PER_CHECK characters (192 words of 1 MB each
        // ran 3 s past a 0.5 s deadline: shell fuzzer, seed 9200046684).
        let mut chars = 0usize;
        let mut tick = |sh: &Self| -> Result<(), Flow> {
            chars += 1;
            if chars >= CHARS_PER_CHECK {
                chars = 0;
                sh.check_interrupt()?;
            }
            Ok(())
        };
        for f in frags {
            // Each field made since the last look is charged its headers.
            if fields.len() - counted >= FIELDS_PER_CHECK {
                self.reserve(FIELD_COST * FIELDS_PER_CHECK as u64, "word splitting")?;
                self.check_interrupt()?;
                counted = fields.len();
            }
            match f {
                Frag::AtEmpty => {}
                Frag::Break => {
                    if cur.exists {
                        fields.push(std::mem::take(&mut cur));
                    }
                    after_ws = false;
                }
                Frag::Text(t, Kind::Lit) => {
                    for c in t.chars() {
                        tick(self)?;
                        cur.push(c, true);
                    }
                    after_ws = false;
                }
                Frag::Text(t, Kind::Quoted) => {
                    cur.exists = true;
                    for c in t.chars() {
                        tick(self)?;
                        cur.push(c, false);
                    }
                    after_ws = false;
                }
                Frag::Text(t, Kind::Exp) => {
                    for c in t.chars() {
                        tick(self)?;
                        if fields.len() - counted >= FIELDS_PER_CHECK {
                            self.reserve(FIELD_COST * FIELDS_PER_CHECK as u64, "word splitting")?;
                            self.check_interrupt()?;
                            counted = fields.len();
                        }
                        if ifs.contains(c) {
                            if is_ws(c) {
                                if cur.exists {
                                    fields.push(std::mem::take(&mut cur));
                                    after_ws = true;
                                }
                            } else {
                                if cur.exists || !after_ws {
                                    fields.push(std::mem::take(&mut cur));
                                }
                                after_ws = false;
                            }
                        } else {
                            cur.push(c, true);
                            after_ws = false;
                        }
                    }
                }
            }
        }
        if cur.exists {
            fields.push(cur);
        }
        self.reserve(
            FIELD_COST * (fields.len() - counted) as u64,
            "word splitting",
        )?;
        let mut out = Vec::new();
        for f in fields {
            if f.glob && !self.st.options.noglob && pattern::has_glob(&f.pattern) {
                let exec = self.exec;
                let vfs = exec.vfs.lock();
                let cwd = self.st.cwd().to_string();
                let (dotglob, globstar) = (self.st.options.dotglob, self.st.options.globstar);
                let matches = self.metered("pathname expansion", |meter| {
                    pattern::glob(&vfs, &cwd, &f.pattern, dotglob, globstar, meter)
                })?;
                drop(vfs);
                if !matches.is_empty() {
                    out.extend(matches);
                    continue;
                }
                if self.st.options.nullglob {
                    continue;
                }
            }
            out.push(f.value);
        }
        Ok(out)
    }

    // ------------------------------------------------------------ parameters

    fn nounset_error(&mut self, name: &str) -> Flow {
        self.err(format!("{name}: unbound variable"));
        Flow::Fatal
    }

    /// Look a variable up (with the dynamic ones).
    pub(crate) fn lookup_var(&mut self, name: &str) -> Option<Value> {
        if let Some(v) = self.dynamic_var(name) {
            return Some(Value::Str(v));
        }
        self.st.vars.get(name).and_then(|v| v.value.clone())
    }

    /// The value of a variable the shell computes when it is read
    /// (`$RANDOM`, `$LINENO`...); `None` for every other name.
    fn dynamic_var(&mut self, name: &str) -> Option<String> {
        Some(match name {
            "RANDOM" => self.st.next_random().to_string(),
            "LINENO" => self.line.to_string(),
            "BASHPID" => self.st.pid.to_string(),
            "SECONDS" if !self.st.vars.contains_key("SECONDS") => "0".into(),
            "PWD" => self.st.cwd().to_string(),
            _ => return None,
        })
    }

    /// `pat` compiled, after a deadline check; longer than
    /// [`pattern::MAX_PATTERN_LEN`], an error.
    pub(crate) fn pattern(&mut self, pat: &str, nocase: bool) -> Result<Pattern, Flow> {
        self.check_interrupt()?;
        if pat.len() > pattern::MAX_PATTERN_LEN {
            self.err(format!(
                "pattern too long: {} bytes (at most {})",
                pat.len(),
                pattern::MAX_PATTERN_LEN
            ));
            return Err(Flow::Abort(1));
        }
        Ok(Pattern::new(pat, nocase))
    }

    /// A variable's value for an expansion: the copy is charged first.
    fn expand_var(&mut self, name: &str) -> Result<Option<Value>, Flow> {
        if let Some(v) = self.st.vars.get(name).and_then(|v| v.value.as_ref()) {
            let n = super::memory::value_size(v);
            self.reserve(n, name)?;
        }
        Ok(self.lookup_var(name))
    }

    fn param_value(&mut self, p: &Parameter, indirect: bool) -> Result<PVal, Flow> {
        let v = self.param_value_direct(p)?;
        if !indirect {
            return Ok(v);
        }
        let target = match v {
            PVal::Str(s) => s,
            PVal::Many(v, _) => v.join(" "),
            PVal::Unset => return Ok(PVal::Unset),
        };
        match parse::parse_parameter(&target) {
            Ok(p2) => self.param_value_direct(&p2),
            Err(m) => Err(self.bad_substitution(&m)),
        }
    }

    fn param_value_direct(&mut self, p: &Parameter) -> Result<PVal, Flow> {
        Ok(match p {
            Parameter::Positional(n) => {
                let i = *n as usize;
                if i == 0 {
                    PVal::Str(self.st.arg0.clone())
                } else {
                    match self.st.positional.get(i - 1) {
                        Some(s) => PVal::Str(s.clone()),
                        None => PVal::Unset,
                    }
                }
            }
            Parameter::Special(s) => match s {
                SpecialParameter::AllPositionalParameters { concatenate } => {
                    let n = self.st.positional.iter().map(|s| s.len() as u64 + 64).sum();
                    self.reserve(n, "$@")?;
                    PVal::Many(self.st.positional.clone(), *concatenate)
                }
                SpecialParameter::PositionalParameterCount => {
                    PVal::Str(self.st.positional.len().to_string())
                }
                SpecialParameter::LastExitStatus => PVal::Str(self.st.last_status.to_string()),
                SpecialParameter::CurrentOptionFlags => {
                    let o = &self.st.options;
                    let mut f = String::from("h");
                    if o.errexit {
                        f.push('e');
                    }
                    if o.noglob {
                        f.push('f');
                    }
                    if o.nounset {
                        f.push('u');
                    }
                    if o.xtrace {
                        f.push('x');
                    }
                    f.push_str("Bc");
                    PVal::Str(f)
                }
                SpecialParameter::ProcessId => PVal::Str(super::SHELL_PID.to_string()),
                SpecialParameter::LastBackgroundProcessId => match self.st.last_bg_pid {
                    Some(p) => PVal::Str(p.to_string()),
                    None => PVal::Unset,
                },
                SpecialParameter::ShellName => PVal::Str(self.st.arg0.clone()),
            },
            Parameter::Named(name) => match self.expand_var(name)? {
                Some(v) => match v.scalar() {
                    Some(s) => PVal::Str(s.to_string()),
                    None => PVal::Unset,
                },
                None => PVal::Unset,
            },
            Parameter::NamedWithIndex { name, index } => {
                let value = self.expand_var(name)?;
                match value {
                    Some(Value::Assoc(m)) => {
                        let key = self.expand_text_string(index)?;
                        match m.get(&key) {
                            Some(s) => PVal::Str(s.clone()),
                            None => PVal::Unset,
                        }
                    }
                    Some(v) => {
                        let i = self.eval_arith_expanded(index)?;
                        let elems: BTreeMap<usize, String> = match v {
                            Value::Array(a) => a,
                            Value::Str(s) => BTreeMap::from([(0, s)]),
                            Value::Assoc(_) => BTreeMap::new(),
                        };
                        let Some(idx) = resolve_index(&elems, i) else {
                            return Err(
                                self.bad_substitution(&format!("{name}: bad array subscript"))
                            );
                        };
                        match elems.get(&idx) {
                            Some(s) => PVal::Str(s.clone()),
                            None => PVal::Unset,
                        }
                    }
                    None => PVal::Unset,
                }
            }
            Parameter::NamedWithAllIndices { name, concatenate } => match self.expand_var(name)? {
                Some(v) => PVal::Many(v.elements(), *concatenate),
                None => PVal::Many(Vec::new(), *concatenate),
            },
        })
    }

    fn param_name(p: &Parameter) -> String {
        match p {
            Parameter::Positional(n) => n.to_string(),
            Parameter::Special(s) => s.to_string(),
            Parameter::Named(n) => n.clone(),
            Parameter::NamedWithIndex { name, index } => format!("{name}[{index}]"),
            Parameter::NamedWithAllIndices { name, concatenate } => {
                format!("{name}[{}]", if *concatenate { "*" } else { "@" })
            }
        }
    }

    /// Turn a parameter's value into fragments.
    fn pval_frags(&self, v: PVal, in_dq: bool) -> Vec<Frag> {
        let kind = if in_dq { Kind::Quoted } else { Kind::Exp };
        match v {
            PVal::Unset => vec![],
            PVal::Str(s) => vec![Frag::Text(s, kind)],
            PVal::Many(items, concat) => {
                if concat && in_dq {
                    let ifs = self.ifs();
                    let sep = ifs.chars().next().map(String::from).unwrap_or_default();
                    return vec![Frag::Text(items.join(&sep), Kind::Quoted)];
                }
                if items.is_empty() {
                    return if in_dq { vec![Frag::AtEmpty] } else { vec![] };
                }
                let mut out = Vec::new();
                for (i, s) in items.into_iter().enumerate() {
                    if i > 0 {
                        out.push(Frag::Break);
                    }
                    out.push(Frag::Text(s, kind));
                }
                out
            }
        }
    }

    fn check_nounset(&mut self, p: &Parameter, v: &PVal) -> Result<(), Flow> {
        if self.st.options.nounset && v.is_unset() {
            let special_ok = matches!(
                p,
                Parameter::Special(SpecialParameter::AllPositionalParameters { .. })
            );
            if !special_ok {
                let name = Self::param_name(p);
                return Err(self.nounset_error(&name));
            }
        }
        Ok(())
    }

    fn expand_parameter(&mut self, pe: &ParameterExpr, in_dq: bool) -> Result<Vec<Frag>, Flow> {
        let cond = |v: &PVal, t: &ParameterTestType| match t {
            ParameterTestType::Unset => v.is_unset(),
            ParameterTestType::UnsetOrNull => v.is_null(),
        };
        match pe {
            ParameterExpr::Parameter {
                parameter,
                indirect,
            } => {
                let v = self.param_value(parameter, *indirect)?;
                self.check_nounset(parameter, &v)?;
                Ok(self.pval_frags(v, in_dq))
            }
            ParameterExpr::UseDefaultValues {
                parameter,
                indirect,
                test_type,
                default_value,
            } => {
                let v = self.param_value(parameter, *indirect)?;
                if cond(&v, test_type) {
                    self.expand_subword(default_value.as_deref().unwrap_or(""), in_dq)
                } else {
                    Ok(self.pval_frags(v, in_dq))
                }
            }
            ParameterExpr::AssignDefaultValues {
                parameter,
                indirect,
                test_type,
                default_value,
            } => {
                let v = self.param_value(parameter, *indirect)?;
                if cond(&v, test_type) {
                    let text = default_value.as_deref().unwrap_or("");
                    let frags = self.expand_subword(text, true)?;
                    let value = self.joined(&frags)?;
                    match parameter {
                        Parameter::Named(name) => {
                            if let Err(m) = self.set_scalar(name, &value) {
                                self.err(m);
                                return Err(Flow::Abort(1));
                            }
                        }
                        Parameter::NamedWithIndex { name, index } => {
                            let i = self.eval_arith_expanded(index)?;
                            if let Err(m) = self.set_element(name, &i.to_string(), value.clone()) {
                                self.err(m);
                                return Err(Flow::Abort(1));
                            }
                        }
                        other => {
                            let n = Self::param_name(other);
                            return Err(
                                self.bad_substitution(&format!("${n}: cannot assign in this way"))
                            );
                        }
                    }
                    Ok(vec![Frag::Text(
                        value,
                        if in_dq { Kind::Quoted } else { Kind::Exp },
                    )])
                } else {
                    Ok(self.pval_frags(v, in_dq))
                }
            }
            ParameterExpr::IndicateErrorIfNullOrUnset {
                parameter,
                indirect,
                test_type,
                error_message,
            } => {
                let v = self.param_value(parameter, *indirect)?;
                if cond(&v, test_type) {
                    let msg = match error_message {
                        Some(m) if !m.is_empty() => {
                            let frags = self.expand_subword(m, true)?;
                            self.joined(&frags)?
                        }
                        _ => {
                            if matches!(test_type, ParameterTestType::UnsetOrNull) {
                                "parameter null or not set".into()
                            } else {
                                "parameter not set".into()
                            }
                        }
                    };
                    let name = Self::param_name(parameter);
                    self.err(format!("{name}: {msg}"));
                    return Err(Flow::Fatal);
                }
                Ok(self.pval_frags(v, in_dq))
            }
            ParameterExpr::UseAlternativeValue {
                parameter,
                indirect,
                test_type,
                alternative_value,
            } => {
                let v = self.param_value(parameter, *indirect)?;
                if !cond(&v, test_type) {
                    self.expand_subword(alternative_value.as_deref().unwrap_or(""), in_dq)
                } else {
                    Ok(vec![])
                }
            }
            ParameterExpr::ParameterLength {
                parameter,
                indirect,
            } => {
                let v = self.param_value(parameter, *indirect)?;
                self.check_nounset(parameter, &v)?;
                let n = match (&v, parameter) {
                    (PVal::Many(items, _), _) => items.len(),
                    (PVal::Str(s), _) => s.chars().count(),
                    (PVal::Unset, _) => 0,
                };
                Ok(vec![Frag::Text(
                    n.to_string(),
                    if in_dq { Kind::Quoted } else { Kind::Exp },
                )])
            }
            ParameterExpr::RemoveSmallestSuffixPattern {
                parameter,
                indirect,
                pattern,
            }
            | ParameterExpr::RemoveLargestSuffixPattern {
                parameter,
                indirect,
                pattern,
            }
            | ParameterExpr::RemoveSmallestPrefixPattern {
                parameter,
                indirect,
                pattern,
            }
            | ParameterExpr::RemoveLargestPrefixPattern {
                parameter,
                indirect,
                pattern,
            } => {
                let v = self.param_value(parameter, *indirect)?;
                self.check_nounset(parameter, &v)?;
                // The pattern's own quoting decides; the double quotes around
                // the whole expansion do not quote it.
                let pat = self.expand_text_pattern(pattern.as_deref().unwrap_or(""), false)?;
                let p = self.pattern(&pat, false)?;
                // The result is at most a copy of the value.
                self.reserve(v.len(), "pattern removal")?;
                let (suffix, longest) = match pe {
                    ParameterExpr::RemoveSmallestSuffixPattern { .. } => (true, false),
                    ParameterExpr::RemoveLargestSuffixPattern { .. } => (true, true),
                    ParameterExpr::RemoveSmallestPrefixPattern { .. } => (false, false),
                    _ => (false, true),
                };
                let v = self.metered("pattern removal", |meter| {
                    v.try_map(|s| {
                        let kept = if suffix {
                            p.strip_suffix(s, longest, &mut *meter)?
                        } else {
                            p.strip_prefix(s, longest, &mut *meter)?
                        };
                        Ok(kept.to_string())
                    })
                })?;
                Ok(self.pval_frags(v, in_dq))
            }
            ParameterExpr::Substring {
                parameter,
                indirect,
                offset,
                length,
            } => {
                let v = self.param_value(parameter, *indirect)?;
                self.check_nounset(parameter, &v)?;
                let off = self.eval_arith_expanded(parse::arith_text(offset))?;
                let len = match length {
                    Some(l) => Some(self.eval_arith_expanded(parse::arith_text(l))?),
                    None => None,
                };
                let v = match v {
                    PVal::Unset => PVal::Unset,
                    PVal::Str(s) => {
                        // Char offsets to byte offsets, without a copy of
                        // the chars (4 bytes each).
                        let count = s.chars().count();
                        match slice_range(count, off, len) {
                            Some((a, b)) => {
                                let at =
                                    |k: usize| s.char_indices().nth(k).map_or(s.len(), |(i, _)| i);
                                let (a, b) = (at(a), at(b));
                                self.reserve((b - a) as u64, "substring")?;
                                PVal::Str(s[a..b].to_string())
                            }
                            None => {
                                if len.is_some_and(|l| l < 0) && slice_start(count, off).is_some() {
                                    self.err(format!(
                                        "{}: substring expression < 0",
                                        len.unwrap_or(0)
                                    ));
                                    return Err(Flow::Abort(1));
                                }
                                PVal::Str(String::new())
                            }
                        }
                    }
                    PVal::Many(items, concat) => {
                        // For $@ the offset counts $0 as 0.
                        let is_positional = matches!(
                            parameter,
                            Parameter::Special(SpecialParameter::AllPositionalParameters { .. })
                        );
                        let mut all = items;
                        if is_positional {
                            all.insert(0, self.st.arg0.clone());
                        }
                        match slice_range(all.len(), off, len) {
                            Some((a, b)) => PVal::Many(all[a..b].to_vec(), concat),
                            None => PVal::Many(vec![], concat),
                        }
                    }
                };
                Ok(self.pval_frags(v, in_dq))
            }
            ParameterExpr::Transform {
                parameter,
                indirect,
                op,
            } => {
                let v = self.param_value(parameter, *indirect)?;
                self.check_nounset(parameter, &v)?;
                // Quoting can make each byte four ('\''), case mapping
                // three.
                self.reserve(v.len().saturating_mul(4), "transformation")?;
                let v = match op {
                    ParameterTransformOp::ToUpperCase => v.map(|s| s.to_uppercase()),
                    ParameterTransformOp::ToLowerCase => v.map(|s| s.to_lowercase()),
                    ParameterTransformOp::CapitalizeInitial => {
                        v.map(|s| CaseChange::UpperFirst.apply(s, None))
                    }
                    ParameterTransformOp::Quoted => v.map(super::builtins::quote_single),
                    ParameterTransformOp::ExpandEscapeSequences => v.map(ansi_c),
                    ParameterTransformOp::ToAssignmentLogic => {
                        let name = Self::param_name(parameter);
                        v.map(|s| format!("{name}={}", super::builtins::quote_single(s)))
                    }
                    ParameterTransformOp::ToAttributeFlags => {
                        let name = Self::param_name(parameter);
                        let flags = self.attr_flags(&name);
                        v.map(|_| flags.clone())
                    }
                    _ => v,
                };
                Ok(self.pval_frags(v, in_dq))
            }
            ParameterExpr::UppercaseFirstChar {
                parameter,
                indirect,
                pattern,
            }
            | ParameterExpr::UppercasePattern {
                parameter,
                indirect,
                pattern,
            }
            | ParameterExpr::LowercaseFirstChar {
                parameter,
                indirect,
                pattern,
            }
            | ParameterExpr::LowercasePattern {
                parameter,
                indirect,
                pattern,
            } => {
                let v = self.param_value(parameter, *indirect)?;
                self.check_nounset(parameter, &v)?;
                let change = match pe {
                    ParameterExpr::UppercaseFirstChar { .. } => CaseChange::UpperFirst,
                    ParameterExpr::UppercasePattern { .. } => CaseChange::Upper,
                    ParameterExpr::LowercaseFirstChar { .. } => CaseChange::LowerFirst,
                    _ => CaseChange::Lower,
                };
                // No pattern (or an empty one) is `?`: every character.
                let only = match pattern.as_deref().filter(|p| !p.is_empty()) {
                    Some(p) => {
                        let pat = self.expand_text_pattern(p, false)?;
                        Some(self.pattern(&pat, false)?)
                    }
                    None => None,
                };
                // A character's case mapping is at most three characters.
                self.reserve(v.len().saturating_mul(3), "case modification")?;
                Ok(self.pval_frags(v.map(|s| change.apply(s, only.as_ref())), in_dq))
            }
            ParameterExpr::ReplaceSubstring {
                parameter,
                indirect,
                pattern,
                replacement,
                match_kind,
            } => {
                let v = self.param_value(parameter, *indirect)?;
                self.check_nounset(parameter, &v)?;
                let pat = self.expand_text_pattern(pattern, false)?;
                let repl = match replacement {
                    Some(r) => {
                        let frags = self.expand_subword(r, true)?;
                        self.joined(&frags)?
                    }
                    None => String::new(),
                };
                let p = self.pattern(&pat, false)?;
                let kind = match match_kind {
                    SubstringMatchKind::FirstOccurrence => 0,
                    SubstringMatchKind::Anywhere => 1,
                    SubstringMatchKind::Prefix => 2,
                    SubstringMatchKind::Suffix => 3,
                };
                // The result is charged as it grows: `${x// /$x}` squares.
                let v = self.metered("pattern substitution", |meter| {
                    v.try_map(|s| p.replace(s, &repl, kind, &mut *meter))
                })?;
                Ok(self.pval_frags(v, in_dq))
            }
            ParameterExpr::VariableNames {
                prefix,
                concatenate,
            } => {
                let names: Vec<String> = self
                    .st
                    .vars
                    .keys()
                    .filter(|k| k.starts_with(prefix.as_str()))
                    .cloned()
                    .collect();
                Ok(self.pval_frags(PVal::Many(names, *concatenate), in_dq))
            }
            ParameterExpr::MemberKeys {
                variable_name,
                concatenate,
            } => {
                let keys = match self.lookup_var(variable_name) {
                    Some(v) => v.keys(),
                    None => vec![],
                };
                Ok(self.pval_frags(PVal::Many(keys, *concatenate), in_dq))
            }
        }
    }

    fn attr_flags(&self, name: &str) -> String {
        let Some(v) = self.st.vars.get(name) else {
            return String::new();
        };
        let mut f = String::new();
        match v.value {
            Some(Value::Array(_)) => f.push('a'),
            Some(Value::Assoc(_)) => f.push('A'),
            _ => {}
        }
        if v.integer {
            f.push('i');
        }
        if v.readonly {
            f.push('r');
        }
        if v.exported {
            f.push('x');
        }
        f
    }

    // ------------------------------------------------------------ substitutions

    /// `$(...)`: run in a subshell, capture stdout, strip trailing newlines.
    pub(crate) fn command_substitution(&mut self, text: &str) -> Result<String, Flow> {
        // Held until the substitution has run.
        let (program, _parse_charge) = match parse::parse_program_charged(text, &self.exec.budget) {
            Ok(p) => p,
            Err((e, refused)) => {
                if refused {
                    self.exec.record_hit(crate::LimitKind::SandboxMemory, "sh");
                }
                self.syntax_error(&e);
                return Err(Flow::Abort(2));
            }
        };
        let limit = self.exec.limits.output.unwrap_or(64 << 20);
        let cap = ChargedCapture::new(&self.exec.budget, limit);
        let mut fds = self.fds.clone();
        fds.set(1, Some(Stdio::Output(cap.clone())));
        // `$(< file)` is bash's shorthand for the file's contents.
        if let Some(target) = input_redirect_only(&program) {
            let path = self.expand_word_string(&target)?;
            let data = match self.open_path(&path, true, false, false, false, false) {
                Ok(Stdio::File(f)) => {
                    let mut data = Vec::new();
                    let mut buf = vec![0u8; 65536];
                    loop {
                        self.check_interrupt()?;
                        self.reserve(buf.len() as u64, "command substitution")?;
                        match f.read(&mut buf, None, &wasiland_wasi_host::OsRandom) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => data.extend_from_slice(&buf[..n]),
                        }
                        if data.len() as u64 > limit {
                            break;
                        }
                    }
                    data
                }
                Ok(_) => Vec::new(),
                Err(m) => {
                    self.err(m);
                    self.subst_status = Some(1);
                    self.st.last_status = 1;
                    return Ok(String::new());
                }
            };
            self.subst_status = Some(0);
            self.st.last_status = 0;
            return Ok(captured_text(data));
        }
        let status = self.subshell(fds, |sh| {
            // bash does not pass `set -e` into $(...) unless inherit_errexit.
            if !sh.st.options.inherit_errexit {
                sh.st.options.errexit = false;
            }
            let mut status = 0;
            for cc in &program.complete_commands {
                status = sh.run_list(cc)?;
            }
            Ok(status)
        })?;
        self.subst_status = Some(status);
        self.st.last_status = status;
        let (out, charge) = cap.take();
        if cap.refused() {
            self.memory_refused("command substitution");
            return Err(Flow::Abort(1));
        }
        // The text stays charged until the command ends.
        self.held.push(charge);
        Ok(captured_text(out))
    }

    /// `<(cmd)` / `>(cmd)` through a temporary file.
    fn process_substitution(
        &mut self,
        kind: &ast::ProcessSubstitutionKind,
        sub: &ast::SubshellCommand,
    ) -> Result<String, Flow> {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = format!("/tmp/.wasiland-psub-{}-{n}", self.st.pid);
        match kind {
            ast::ProcessSubstitutionKind::Read => {
                let file = match self.open_path(&path, false, true, true, true, false) {
                    Ok(f) => f,
                    Err(m) => {
                        self.err(m);
                        return Err(Flow::Abort(1));
                    }
                };
                let mut fds: Fds = self.fds.clone();
                fds.set(1, Some(file));
                let list = sub.list.clone();
                self.subshell(fds, |sh| sh.run_list(&list))?;
            }
            ast::ProcessSubstitutionKind::Write => {
                if let Err(m) = self.open_path(&path, false, true, true, true, false) {
                    self.err(m);
                    return Err(Flow::Abort(1));
                }
                self.after.push((path.clone(), sub.clone()));
            }
        }
        self.temp_files.push(path.clone());
        Ok(path)
    }

    // ------------------------------------------------------------ arithmetic

    /// Evaluate arithmetic text after expanding `$x`, `$(...)` in it.
    pub(crate) fn eval_arith_text(&mut self, text: &str) -> Result<i64, Flow> {
        self.eval_arith_expanded(text)
    }

    pub(crate) fn eval_arith_expanded(&mut self, text: &str) -> Result<i64, Flow> {
        let expanded = if text.contains(['$', '`', '\'', '"', '\\']) {
            self.expand_heredoc(text)?
        } else {
            text.to_string()
        };
        self.eval_arith_plain(&expanded)
    }

    /// Evaluate already-expanded arithmetic text.
    pub(crate) fn eval_arith_plain(&mut self, text: &str) -> Result<i64, Flow> {
        let mut env = ShellArith {
            sh: self,
            error: None,
        };
        let r = arith::eval_str(&mut env, text);
        if let Some(f) = env.error.take() {
            return Err(f);
        }
        match r {
            Ok(v) => Ok(v),
            Err(m) => {
                self.err(m);
                Err(Flow::Abort(1))
            }
        }
    }

    // ------------------------------------------------------------ assignments

    /// Set a scalar variable, honouring `declare -i`.
    pub(crate) fn set_scalar(&mut self, name: &str, value: &str) -> Result<(), String> {
        let integer = self.st.vars.get(name).is_some_and(|v| v.integer);
        let value = if integer {
            match self.eval_arith_plain(value) {
                Ok(v) => v.to_string(),
                Err(_) => "0".into(),
            }
        } else {
            value.to_string()
        };
        // Assigning a scalar to an array sets element 0.
        if matches!(
            self.st.vars.get(name).and_then(|v| v.value.as_ref()),
            Some(Value::Array(_))
        ) {
            return self.set_element(name, "0", value);
        }
        self.st.assign(name, Value::Str(value))
    }

    /// Set `name[key]`.
    pub(crate) fn set_element(
        &mut self,
        name: &str,
        key: &str,
        value: String,
    ) -> Result<(), String> {
        if self.st.vars.get(name).is_some_and(|v| v.readonly) {
            return Err(format!("{name}: readonly variable"));
        }
        let size = (name.len() + key.len() + value.len()) as u64 + 64;
        self.st
            .grow_memory(size)
            .map_err(|e| super::memory::refusal_message(name, Some(e.limit)))?;
        let var = self
            .st
            .vars
            .entry(name.to_string())
            .or_insert_with(|| super::Var {
                value: None,
                exported: false,
                readonly: false,
                integer: false,
            });
        if var.readonly {
            return Err(format!("{name}: readonly variable"));
        }
        match &mut var.value {
            Some(Value::Assoc(m)) => {
                m.insert(key.to_string(), value);
            }
            Some(Value::Array(a)) => {
                let i = array_index(name, key)?;
                a.insert(i, value);
            }
            other => {
                let i = array_index(name, key)?;
                let mut a = BTreeMap::new();
                if let Some(Value::Str(s)) = other.take() {
                    a.insert(0, s);
                }
                a.insert(i, value);
                *other = Some(Value::Array(a));
            }
        }
        Ok(())
    }

    /// The name and value of an assignment word.
    pub(crate) fn assignment_value(
        &mut self,
        a: &ast::Assignment,
    ) -> Result<(String, Value), AssignError> {
        let name = match &a.name {
            ast::AssignmentName::VariableName(n) => n.clone(),
            ast::AssignmentName::ArrayElementName(n, _) => n.clone(),
        };
        match &a.value {
            ast::AssignmentValue::Scalar(w) => {
                let mut v = self.expand_assignment_scalar(&w.value)?;
                if a.append {
                    let old = self.st.var(&name).unwrap_or("").to_string();
                    let integer = self.st.vars.get(&name).is_some_and(|x| x.integer);
                    v = if integer {
                        let o = self.eval_arith_plain(&old)?;
                        let n = self.eval_arith_plain(&v)?;
                        (o + n).to_string()
                    } else {
                        format!("{old}{v}")
                    };
                }
                Ok((name, Value::Str(v)))
            }
            ast::AssignmentValue::Array(items) => {
                let assoc = matches!(
                    self.st.vars.get(&name).and_then(|v| v.value.as_ref()),
                    Some(Value::Assoc(_))
                );
                if assoc {
                    let mut m = match (
                        a.append,
                        self.st.vars.get(&name).and_then(|v| v.value.clone()),
                    ) {
                        (true, Some(Value::Assoc(m))) => m,
                        _ => BTreeMap::new(),
                    };
                    for (k, v) in items {
                        let key = match k {
                            Some(k) => self.expand_text_string(&k.value)?,
                            None => continue,
                        };
                        let val = self.expand_text_string(&v.value)?;
                        m.insert(key, val);
                    }
                    return Ok((name, Value::Assoc(m)));
                }
                let mut arr = match (
                    a.append,
                    self.st.vars.get(&name).and_then(|v| v.value.clone()),
                ) {
                    (true, Some(Value::Array(a))) => a,
                    (true, Some(Value::Str(s))) => BTreeMap::from([(0, s)]),
                    _ => BTreeMap::new(),
                };
                let mut next = end_index(&arr).min(i64::MAX as i128) as usize;
                for (k, v) in items {
                    match k {
                        Some(k) => {
                            let i = self.eval_arith_expanded(&k.value)?.max(0) as usize;
                            let val = self.expand_text_string(&v.value)?;
                            arr.insert(i, val);
                            next = i.saturating_add(1).min(i64::MAX as usize);
                        }
                        None => {
                            for f in self.expand_word_fields(v)? {
                                arr.insert(next, f);
                                next = next.saturating_add(1).min(i64::MAX as usize);
                            }
                        }
                    }
                }
                Ok((name, Value::Array(arr)))
            }
        }
    }

    /// Expand the value of `name=value` (tilde after `=` and `:`).
    fn expand_assignment_scalar(&mut self, text: &str) -> Result<String, Flow> {
        if text.contains('~') && !text.contains(['\'', '"', '\\']) {
            let home = self.st.var("HOME").unwrap_or("/home/user").to_string();
            let parts: Vec<String> = text
                .split(':')
                .map(|p| {
                    if p == "~" {
                        home.clone()
                    } else if let Some(rest) = p.strip_prefix("~/") {
                        format!("{home}/{rest}")
                    } else {
                        p.to_string()
                    }
                })
                .collect();
            let joined = parts.join(":");
            return self.expand_text_string(&joined);
        }
        self.expand_text_string(text)
    }

    /// Perform an assignment word in the shell (`local` for declarations
    /// is handled by the builtins).
    pub(crate) fn do_assignment(
        &mut self,
        a: &ast::Assignment,
        export: bool,
    ) -> Result<(), AssignError> {
        if let ast::AssignmentName::ArrayElementName(name, index) = &a.name {
            let assoc = matches!(
                self.st.vars.get(name).and_then(|v| v.value.as_ref()),
                Some(Value::Assoc(_))
            );
            let key = if assoc {
                self.expand_text_string(index)?
            } else {
                self.eval_arith_expanded(index)?.to_string()
            };
            let key = if !assoc && key.starts_with('-') {
                let max = match self.st.vars.get(name).and_then(|v| v.value.as_ref()) {
                    Some(Value::Array(arr)) => end_index(arr),
                    _ => 1,
                };
                (max + key.parse::<i64>().unwrap_or(0) as i128)
                    .clamp(0, i64::MAX as i128)
                    .to_string()
            } else {
                key
            };
            let value = match &a.value {
                ast::AssignmentValue::Scalar(w) => self.expand_text_string(&w.value)?,
                ast::AssignmentValue::Array(_) => {
                    return Err(AssignError::Msg(format!(
                        "{name}[{index}]: cannot assign list to array member"
                    )));
                }
            };
            let value = if a.append {
                let old = match self.st.vars.get(name).and_then(|v| v.value.as_ref()) {
                    Some(Value::Array(arr)) => key
                        .parse::<usize>()
                        .ok()
                        .and_then(|k| arr.get(&k).cloned())
                        .unwrap_or_default(),
                    Some(Value::Assoc(m)) => m.get(&key).cloned().unwrap_or_default(),
                    Some(Value::Str(s)) if key == "0" => s.clone(),
                    _ => String::new(),
                };
                format!("{old}{value}")
            } else {
                value
            };
            self.set_element(name, &key, value)
                .map_err(AssignError::Msg)?;
            return Ok(());
        }
        let (name, value) = self.assignment_value(a)?;
        match value {
            Value::Str(s) => self.set_scalar(&name, &s).map_err(AssignError::Msg)?,
            other => self.st.assign(&name, other).map_err(AssignError::Msg)?,
        }
        if export {
            if let Some(v) = self.st.vars.get_mut(&name) {
                v.exported = true;
            }
        }
        Ok(())
    }
}

/// The arithmetic evaluator's view of the shell's variables.
struct ShellArith<'s, 'a> {
    sh: &'s mut Shell<'a>,
    error: Option<Flow>,
}

impl ArithEnv for ShellArith<'_, '_> {
    fn get(&mut self, name: &str, index: Option<i64>) -> Result<String, String> {
        if let Some(v) = self.sh.dynamic_var(name) {
            return Ok(if index.is_none_or(|i| i == 0) {
                v
            } else {
                String::new()
            });
        }
        // Borrowed, not copied: an element read must not copy its array.
        let v = self.sh.st.vars.get(name).and_then(|v| v.value.as_ref());
        match (v, index) {
            (None, _) => {
                if self.sh.st.options.nounset {
                    let f = self.sh.nounset_error(name);
                    self.error = Some(f);
                    return Err(String::new());
                }
                Ok(String::new())
            }
            (Some(v), None) => Ok(v.scalar().unwrap_or("").to_string()),
            (Some(Value::Array(a)), Some(i)) => Ok(resolve_index(a, i)
                .and_then(|k| a.get(&k).cloned())
                .unwrap_or_default()),
            (Some(Value::Assoc(m)), Some(i)) => {
                Ok(m.get(&i.to_string()).cloned().unwrap_or_default())
            }
            (Some(Value::Str(s)), Some(0)) => Ok(s.clone()),
            (Some(Value::Str(_)), Some(_)) => Ok(String::new()),
        }
    }

    fn hold(&mut self, bytes: usize) -> Result<Option<Charge>, String> {
        let held = self.sh.check_interrupt().and_then(|()| {
            match self.sh.exec.budget.try_charge(bytes as u64) {
                Ok(charge) => Ok(charge),
                Err(_) => {
                    self.sh.memory_refused("arithmetic");
                    Err(Flow::Abort(1))
                }
            }
        });
        held.map(Some).map_err(|flow| {
            self.error = Some(flow);
            String::new()
        })
    }

    fn set(&mut self, name: &str, index: Option<i64>, value: i64) -> Result<(), String> {
        match index {
            None => self.sh.set_scalar(name, &value.to_string()),
            Some(i) => self
                .sh
                .set_element(name, &i.max(0).to_string(), value.to_string()),
        }
    }
}

/// The file of `$(< file)`: a program that is one simple command made of
/// a single input redirection.
fn input_redirect_only(p: &ast::Program) -> Option<ast::Word> {
    let [cc] = p.complete_commands.as_slice() else {
        return None;
    };
    let [ast::CompoundListItem(and_or, _)] = cc.0.as_slice() else {
        return None;
    };
    if !and_or.additional.is_empty() || and_or.first.bang || and_or.first.seq.len() != 1 {
        return None;
    }
    let ast::Command::Simple(sc) = &and_or.first.seq[0] else {
        return None;
    };
    if sc.word_or_name.is_some() || sc.suffix.is_some() {
        return None;
    }
    let prefix = sc.prefix.as_ref()?;
    let [ast::CommandPrefixOrSuffixItem::IoRedirect(ast::IoRedirect::File(
        None | Some(0),
        ast::IoFileRedirectKind::Read,
        ast::IoFileRedirectTarget::Filename(w),
    ))] = prefix.0.as_slice()
    else {
        return None;
    };
    Some(w.clone())
}

/// Join fragments without splitting (`$@` elements joined by spaces).
/// The output of `$(...)` as a word: trailing newlines and NUL bytes
/// removed, invalid UTF-8 replaced (valid text is not copied).
fn captured_text(mut out: Vec<u8>) -> String {
    while out.last() == Some(&b'\n') {
        out.pop();
    }
    out.retain(|&b| b != 0);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Bytes of text in `frags`.
fn frags_len(frags: &[Frag]) -> u64 {
    frags
        .iter()
        .map(|f| match f {
            Frag::Text(t, _) => t.len() as u64,
            _ => 0,
        })
        .sum()
}

/// What a field costs beyond its text (its buffers' headers, a slot in
/// the list), and how many are made between two charges.
const FIELD_COST: u64 = 128;
const FIELDS_PER_CHECK: usize = 1024;

/// Characters field splitting goes through between two deadline checks.
const CHARS_PER_CHECK: usize = 64 << 10;

pub(crate) fn frags_to_string(frags: &[Frag]) -> String {
    let mut s = String::new();
    for f in frags {
        match f {
            Frag::Text(t, _) => s.push_str(t),
            Frag::Break => s.push(' '),
            Frag::AtEmpty => {}
        }
    }
    s
}

/// Join fragments as a pattern: quoted text is escaped.
pub(crate) fn frags_to_pattern(frags: &[Frag]) -> String {
    let mut s = String::new();
    for f in frags {
        match f {
            Frag::Text(t, Kind::Quoted) => s.push_str(&pattern::escape(t)),
            Frag::Text(t, _) => s.push_str(t),
            Frag::Break => s.push(' '),
            Frag::AtEmpty => {}
        }
    }
    s
}

/// `${x^}`, `${x^^}`, `${x,}`, `${x,,}`.
#[derive(Clone, Copy)]
enum CaseChange {
    UpperFirst,
    Upper,
    LowerFirst,
    Lower,
}

impl CaseChange {
    /// `s` with its characters changed (only the first for `*First`),
    /// each only if it matches `only` (bash matches the pattern against
    /// one character at a time).
    fn apply(self, s: &str, only: Option<&Pattern>) -> String {
        let (upper, first) = match self {
            CaseChange::UpperFirst => (true, true),
            CaseChange::Upper => (true, false),
            CaseChange::LowerFirst => (false, true),
            CaseChange::Lower => (false, false),
        };
        let mut ascii_verdicts = [None::<bool>; 128];
        let mut picked = |c: char| -> bool {
            let Some(p) = only else { return true };
            let test = |c: char| p.matches(c.encode_utf8(&mut [0u8; 4]));
            match ascii_verdicts.get_mut(c as usize) {
                Some(slot) => *slot.get_or_insert_with(|| test(c)),
                None => test(c),
            }
        };
        let mut out = String::with_capacity(s.len());
        for (i, c) in s.chars().enumerate() {
            if (first && i > 0) || !picked(c) {
                out.push(c);
            } else if upper {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
        }
        out
    }
}

/// A subscript of an indexed array: 0 to `i64::MAX`.
fn array_index(name: &str, key: &str) -> Result<usize, String> {
    key.parse::<i64>()
        .ok()
        .filter(|i| *i >= 0)
        .map(|i| i as usize)
        .ok_or_else(|| format!("{name}[{key}]: bad array subscript"))
}

/// One past the highest index of an array (where `a+=(x)` goes, what
/// negative subscripts count from); indices never pass `i64::MAX`.
fn end_index(a: &BTreeMap<usize, String>) -> i128 {
    a.keys().next_back().map_or(0, |&k| k as i128 + 1)
}

/// The element a subscript `i` names: negative ones count from the end.
fn resolve_index(a: &BTreeMap<usize, String>, i: i64) -> Option<usize> {
    let i = if i < 0 {
        end_index(a) + i as i128
    } else {
        i as i128
    };
    usize::try_from(i).ok()
}

fn slice_start(len: usize, off: i64) -> Option<usize> {
    let start = if off < 0 { len as i64 + off } else { off };
    if start < 0 || start as usize > len {
        None
    } else {
        Some(start as usize)
    }
}

/// `${s:off:len}` bounds.
fn slice_range(len: usize, off: i64, count: Option<i64>) -> Option<(usize, usize)> {
    let start = slice_start(len, off)?;
    let end = match count {
        None => len,
        Some(c) if c >= 0 => (start as i64).saturating_add(c).min(len as i64) as usize,
        Some(c) => {
            let e = len as i64 + c;
            if e < start as i64 {
                return None;
            }
            e as usize
        }
    };
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(decode_escapes("a\\tb\\n", EscapeMode::AnsiC).0, "a\tb\n");
        assert_eq!(
            decode_escapes("\\101\\x42\\u00e9", EscapeMode::AnsiC).0,
            "ABé"
        );
        assert_eq!(decode_escapes("\\0101x", EscapeMode::Echo).0, "Ax");
        assert_eq!(
            decode_escapes("a\\cb", EscapeMode::Echo),
            ("a".to_string(), true)
        );
        assert_eq!(
            decode_escape_bytes("\\xff", EscapeMode::Printf).0,
            vec![0xff]
        );
        assert_eq!(decode_escapes("\\q", EscapeMode::Printf).0, "\\q");
    }

    #[test]
    fn slices() {
        assert_eq!(slice_range(5, 1, Some(2)), Some((1, 3)));
        assert_eq!(slice_range(5, -2, None), Some((3, 5)));
        assert_eq!(slice_range(5, 1, Some(-1)), Some((1, 4)));
        assert_eq!(slice_range(5, 9, None), None);
        assert_eq!(slice_range(5, 3, Some(-3)), None);
    }

    #[test]
    fn joins() {
        let f = vec![
            Frag::Text("a*".into(), Kind::Quoted),
            Frag::Break,
            Frag::Text("b?".into(), Kind::Lit),
        ];
        assert_eq!(frags_to_string(&f), "a* b?");
        assert_eq!(frags_to_pattern(&f), "a\\* b?");
    }
}
