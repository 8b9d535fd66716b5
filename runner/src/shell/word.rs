//! Our parser of shell words into brush-parser's word AST
//! ([`WordPiece`]): quotes, escapes, tilde prefixes, `${...}` with every
//! operator, `$(...)`, backquotes, `$((...))` and here-document bodies.
//!
//! brush-parser has a word grammar too, but its PEG backtracks: every
//! `${...}` alternative re-parses the parameter, so five nested array
//! subscripts (`${a[${a[${a[${a[${a[0]}]}]}]}]}`) take seconds and six
//! take minutes, unbalanced `$((` and `${` are exponential as well, and
//! it caches every word it saw in a global table. This parser reads each
//! character once (the only retry is bash's own: `$((` that does not
//! close with `))` is a command substitution), counts its nesting, and
//! stops after a fixed number of steps per input byte, so hostile words
//! fail fast with an error instead of running the host out of time or
//! stack.

use brush_parser::ast::UnexpandedArithmeticExpr;
use brush_parser::word::{
    Parameter, ParameterExpr, ParameterTestType, ParameterTransformOp, SpecialParameter,
    SubstringMatchKind, TildeExpr, WordPiece, WordPieceWithSource,
};

/// Why a word could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WordError {
    /// Not valid syntax (an unterminated quote or `${`, an unknown operator).
    Syntax,
    /// Nested deeper than [`super::parse::MAX_NESTING`].
    TooDeep,
    /// More work than a linear parse of the input can need (a retry
    /// pattern repeated to make parsing slow).
    TooComplex,
}

type R<T> = Result<T, WordError>;

/// Steps allowed per input byte (and a floor for short inputs).
const STEPS_PER_BYTE: u64 = 64;
const MIN_STEPS: u64 = 1 << 16;

/// Where a sub-word ends (the terminator is not consumed).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// End of input only.
    End,
    /// `}` of a parameter operator word.
    Brace,
    /// `}` or `/` (the pattern of `${v/pat/rep}`).
    BraceOrSlash,
    /// `)` of `$(...)` or a parenthesised group.
    Paren,
    /// `))` of `$((...))`.
    DoubleParen,
    /// `]` of `$[...]` or an array subscript.
    Bracket,
    /// `:` or `}` (substring offset and length).
    ColonOrBrace,
}

struct P<'a> {
    s: &'a str,
    pos: usize,
    depth: usize,
    steps: u64,
    max_steps: u64,
}

/// Parse a word (as it appears in a command) into pieces.
pub(crate) fn parse(text: &str) -> R<Vec<WordPieceWithSource>> {
    let mut p = P::new(text);
    let mut pieces = Vec::new();
    if let Some(t) = p.tilde_prefix() {
        pieces.push(t);
    }
    p.pieces(Stop::End, &mut pieces)?;
    if !p.at_end() {
        return Err(WordError::Syntax);
    }
    Ok(pieces)
}

/// Parse a here-document body: like double-quoted text, but `"` and `'`
/// are ordinary characters.
pub(crate) fn parse_heredoc(text: &str) -> R<Vec<WordPieceWithSource>> {
    let mut p = P::new(text);
    let mut pieces = Vec::new();
    while !p.at_end() {
        p.step()?;
        let start = p.pos;
        let piece = if p.peek() == Some(b'\\') && matches!(p.peek_at(1), Some(b'$' | b'`' | b'\\'))
        {
            p.pos += 2;
            WordPiece::EscapeSequence(p.s[start..p.pos].to_string())
        } else if p.starts_expansion() {
            p.dollar_or_backquote()?.ok_or(WordError::Syntax)?
        } else {
            if p.peek() == Some(b'`') {
                p.pos += 1; // an unterminated backquote is text
            }
            p.text_run(|p| p.heredoc_text_char())?;
            WordPiece::Text(p.s[start..p.pos].to_string())
        };
        pieces.push(with_source(piece, start, p.pos));
    }
    Ok(pieces)
}

/// Parse the whole of `text` as a parameter (`name`, `name[i]`, `3`,
/// `@`...): the target of an indirect expansion `${!v}`.
pub(crate) fn parse_parameter(text: &str) -> R<Parameter> {
    let mut p = P::new(text);
    let param = p.parameter()?.ok_or(WordError::Syntax)?;
    if !p.at_end() {
        return Err(WordError::Syntax);
    }
    Ok(param)
}

/// Index past the quoted part, escape or expansion that starts at byte
/// `i` of `text` (`"`, `'`, a backquote, `\\`, `$'`, `$"`, `$(`, `$((`,
/// `${`, `$[`): the end of `text` if it does not close.
pub(crate) fn skip_piece(text: &str, i: usize) -> usize {
    let mut p = P::new(text);
    p.pos = i;
    match p.piece(Stop::End, false) {
        Ok(Some(_)) if p.pos > i => p.pos,
        _ => text.len(),
    }
}

/// Index past the parenthesised command text whose `(` is at byte `i`
/// (`<(...)` inside a word): the end of `text` if it does not close.
pub(crate) fn skip_group(text: &str, i: usize) -> usize {
    let mut p = P::new(text);
    p.pos = i;
    match p.group() {
        Ok(()) => p.pos,
        Err(_) => text.len(),
    }
}

fn with_source(piece: WordPiece, start_index: usize, end_index: usize) -> WordPieceWithSource {
    WordPieceWithSource {
        piece,
        start_index,
        end_index,
    }
}

fn is_name_start(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn is_name_char(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

impl<'a> P<'a> {
    fn new(s: &'a str) -> P<'a> {
        P {
            s,
            pos: 0,
            depth: 0,
            steps: 0,
            max_steps: (s.len() as u64)
                .saturating_mul(STEPS_PER_BYTE)
                .max(MIN_STEPS),
        }
    }

    fn step(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > self.max_steps {
            return Err(WordError::TooComplex);
        }
        Ok(())
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > super::parse::MAX_NESTING {
            return Err(WordError::TooDeep);
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn peek_at(&self, k: usize) -> Option<u8> {
        self.s.as_bytes().get(self.pos + k).copied()
    }

    fn starts(&self, lit: &str) -> bool {
        self.s[self.pos..].starts_with(lit)
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.starts(lit) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    /// Move past one character (any length in UTF-8).
    fn bump(&mut self) {
        let len = self.s[self.pos..].chars().next().map_or(1, char::len_utf8);
        self.pos += len;
    }

    fn at_stop(&self, stop: Stop) -> bool {
        match stop {
            Stop::End => false,
            Stop::Brace => self.peek() == Some(b'}'),
            Stop::BraceOrSlash => matches!(self.peek(), Some(b'}' | b'/')),
            Stop::Paren => self.peek() == Some(b')'),
            Stop::DoubleParen => self.starts("))"),
            Stop::Bracket => self.peek() == Some(b']'),
            Stop::ColonOrBrace => matches!(self.peek(), Some(b':' | b'}')),
        }
    }

    // ------------------------------------------------------------ words

    /// `~`, `~user`, `~+`, `~-`, `~N` at the start of a word, when followed
    /// by `/`, `:`, `;`, `}` or the end.
    fn tilde_prefix(&mut self) -> Option<WordPieceWithSource> {
        if self.peek() != Some(b'~') {
            return None;
        }
        let rest = &self.s[1..];
        let end = rest.find(['/', ':', ';', '}']).unwrap_or(rest.len());
        let body = &rest[..end];
        let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        let expr = match body {
            "" => TildeExpr::Home,
            "+" => TildeExpr::WorkingDir,
            "-" => TildeExpr::OldWorkingDir,
            b if digits(b.strip_prefix('+').unwrap_or(b)) => {
                // Too big for a directory-stack index: a literal word, as in bash.
                let n = b.strip_prefix('+').unwrap_or(b).parse().ok()?;
                TildeExpr::NthDirFromTopOfDirStack {
                    n,
                    plus_used: b.starts_with('+'),
                }
            }
            b if b.strip_prefix('-').is_some_and(digits) => TildeExpr::NthDirFromBottomOfDirStack {
                n: b[1..].parse().ok()?,
            },
            b if b
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-')) =>
            {
                TildeExpr::UserHome(b.to_string())
            }
            _ => return None,
        };
        self.pos = 1 + end;
        Some(with_source(WordPiece::TildeExpansion(expr), 0, self.pos))
    }

    /// Pieces up to `stop` (not consumed) or the end.
    fn pieces(&mut self, stop: Stop, out: &mut Vec<WordPieceWithSource>) -> R<()> {
        while !self.at_end() {
            self.step()?;
            let start = self.pos;
            let Some(piece) = self.piece(stop, false)? else {
                break;
            };
            out.push(with_source(piece, start, self.pos));
        }
        Ok(())
    }

    /// Skip pieces up to `stop`; the text they cover. `in_command`: the
    /// body of `$(...)` (parenthesised groups, stray quotes).
    fn skip_pieces(&mut self, stop: Stop, in_command: bool) -> R<&'a str> {
        let start = self.pos;
        while !self.at_end() {
            self.step()?;
            if self.piece(stop, in_command)?.is_none() {
                break;
            }
        }
        Ok(&self.s[start..self.pos])
    }

    /// One piece of an unquoted word, or `None` at `stop`.
    fn piece(&mut self, stop: Stop, in_command: bool) -> R<Option<WordPiece>> {
        let start = self.pos;
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                let inner = self.double_quoted()?;
                return Ok(Some(WordPiece::DoubleQuotedSequence(inner)));
            }
            Some(b'\'') => {
                if let Some(end) = self.s[start + 1..].find('\'') {
                    self.pos = start + 1 + end + 1;
                    let text = self.s[start + 1..start + 1 + end].to_string();
                    return Ok(Some(WordPiece::SingleQuotedText(text)));
                }
                if !in_command {
                    return Err(WordError::Syntax);
                }
                // `$(echo don't)`: a stray quote is part of the command text.
                self.pos += 1;
                return Ok(Some(WordPiece::Text("'".into())));
            }
            Some(b'$') if self.peek_at(1) == Some(b'\'') => {
                self.pos += 2;
                let body_start = self.pos;
                loop {
                    self.step()?;
                    match self.peek() {
                        None => return Err(WordError::Syntax),
                        Some(b'\\') if matches!(self.peek_at(1), Some(b'\\' | b'\'')) => {
                            self.pos += 2
                        }
                        Some(b'\'') => break,
                        Some(_) => self.bump(),
                    }
                }
                let text = self.s[body_start..self.pos].to_string();
                self.pos += 1;
                return Ok(Some(WordPiece::AnsiCQuotedText(text)));
            }
            Some(b'$') if self.peek_at(1) == Some(b'"') => {
                self.pos += 2;
                let inner = self.double_quoted()?;
                return Ok(Some(WordPiece::GettextDoubleQuotedSequence(inner)));
            }
            Some(b'\\') if self.pos + 1 < self.s.len() => {
                self.pos += 1;
                self.bump();
                return Ok(Some(WordPiece::EscapeSequence(
                    self.s[start..self.pos].to_string(),
                )));
            }
            _ => {}
        }
        if let Some(piece) = self.dollar_or_backquote()? {
            return Ok(Some(piece));
        }
        if self.at_stop(stop) {
            return Ok(None);
        }
        // Unquoted literal text.
        while !self.at_end() && !self.at_stop(stop) {
            self.step()?;
            match self.peek() {
                Some(b'\'' | b'"' | b'$' | b'`') => break,
                Some(b'\\') if self.pos + 1 < self.s.len() => break,
                Some(b'(') if in_command => {
                    // A subshell or case pattern group inside `$(...)`.
                    self.group()?;
                }
                Some(b'@' | b'!' | b'?' | b'+' | b'*')
                    if in_command && self.peek_at(1) == Some(b'(') =>
                {
                    self.pos += 1;
                    self.group()?;
                }
                Some(_) | None => self.bump(),
            }
        }
        if self.pos == start {
            // A backquote that begins nothing is text.
            if matches!(self.peek(), Some(b'`')) {
                self.pos += 1;
                return Ok(Some(WordPiece::Text("`".into())));
            }
            return Err(WordError::Syntax);
        }
        Ok(Some(WordPiece::Text(self.s[start..self.pos].to_string())))
    }

    /// `(...)` inside a command substitution (the `(` is next).
    fn group(&mut self) -> R<()> {
        self.enter()?;
        self.pos += 1;
        self.skip_pieces(Stop::Paren, true)?;
        if !self.eat(")") {
            return Err(WordError::Syntax);
        }
        self.leave();
        Ok(())
    }

    /// The inside of `"..."` (the opening quote consumed); consumes the
    /// closing quote.
    fn double_quoted(&mut self) -> R<Vec<WordPieceWithSource>> {
        self.enter()?;
        let mut out = Vec::new();
        loop {
            self.step()?;
            let start = self.pos;
            match self.peek() {
                None => return Err(WordError::Syntax),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') if matches!(self.peek_at(1), Some(b'$' | b'`' | b'"' | b'\\')) => {
                    self.pos += 2;
                    out.push(with_source(
                        WordPiece::EscapeSequence(self.s[start..self.pos].to_string()),
                        start,
                        self.pos,
                    ));
                    continue;
                }
                _ => {}
            }
            if self.starts_expansion() {
                if let Some(piece) = self.dollar_or_backquote()? {
                    out.push(with_source(piece, start, self.pos));
                    continue;
                }
            }
            // Text up to the closing quote, an escape or an expansion; a
            // `$` or backquote that begins nothing is text.
            self.bump();
            self.text_run(|p| p.dq_text_char())?;
            out.push(with_source(
                WordPiece::Text(self.s[start..self.pos].to_string()),
                start,
                self.pos,
            ));
        }
        self.leave();
        Ok(out)
    }

    /// Extend a text run while `more` says the next character belongs.
    fn text_run(&mut self, more: impl Fn(&P<'a>) -> bool) -> R<()> {
        while !self.at_end() && more(self) {
            self.step()?;
            self.bump();
        }
        Ok(())
    }

    fn starts_expansion(&self) -> bool {
        match self.peek() {
            Some(b'`') => self.s[self.pos + 1..].contains('`'),
            Some(b'$') => match self.peek_at(1) {
                Some(b'(' | b'[' | b'{') => true,
                Some(c) => is_name_char(c) || b"@*#?-$!".contains(&c),
                None => false,
            },
            _ => false,
        }
    }

    fn dq_text_char(&self) -> bool {
        match self.peek() {
            Some(b'"') => false,
            Some(b'\\') => !matches!(self.peek_at(1), Some(b'$' | b'`' | b'"' | b'\\')),
            _ => !self.starts_expansion(),
        }
    }

    fn heredoc_text_char(&self) -> bool {
        match self.peek() {
            Some(b'\\') => !matches!(self.peek_at(1), Some(b'$' | b'`' | b'\\')),
            Some(b'`') => false,
            _ => !self.starts_expansion(),
        }
    }

    // ------------------------------------------------------------ expansions

    /// `$((...))`, `$[...]`, `$(...)`, `${...}`, `$name`, a lone `$`
    /// (text), or a backquoted command; `None` when the next character
    /// starts none of them (an unterminated backquote is text).
    fn dollar_or_backquote(&mut self) -> R<Option<WordPiece>> {
        match self.peek() {
            Some(b'`') => {
                let mut body = String::new();
                let mut i = self.pos + 1;
                let bytes = self.s.as_bytes();
                loop {
                    self.step()?;
                    match bytes.get(i) {
                        // Unterminated (a character of a brace sequence,
                        // `{Z..a}`): literal, as in bash.
                        None => return Ok(None),
                        Some(b'`') => break,
                        Some(b'\\') if bytes.get(i + 1) == Some(&b'`') => {
                            body.push('`');
                            i += 2;
                        }
                        Some(b'\\') if bytes.get(i + 1) == Some(&b'\\') => {
                            body.push_str("\\\\");
                            i += 2;
                        }
                        Some(_) => {
                            let c = self.s[i..].chars().next().unwrap_or('\u{fffd}');
                            body.push(c);
                            i += c.len_utf8();
                        }
                    }
                }
                self.pos = i + 1;
                Ok(Some(WordPiece::BackquotedCommandSubstitution(body)))
            }
            Some(b'$') => self.dollar().map(Some),
            _ => Ok(None),
        }
    }

    /// At a `$`.
    fn dollar(&mut self) -> R<WordPiece> {
        let start = self.pos;
        if self.starts("$((") {
            // bash: arithmetic only if the `((` closes with `))`; otherwise
            // a command substitution starting with a subshell.
            let depth = self.depth;
            self.pos += 3;
            self.enter()?;
            let body = self.arith_text(Stop::DoubleParen);
            self.depth = depth;
            if let Ok(body) = body {
                if self.eat("))") {
                    return Ok(WordPiece::ArithmeticExpression(UnexpandedArithmeticExpr {
                        value: body.to_string(),
                    }));
                }
            } else if let Err(e @ (WordError::TooDeep | WordError::TooComplex)) = body {
                return Err(e);
            }
            self.pos = start;
        }
        if self.eat("$[") {
            self.enter()?;
            let body = self.arith_text(Stop::Bracket)?;
            self.leave();
            if !self.eat("]") {
                return Err(WordError::Syntax);
            }
            return Ok(WordPiece::ArithmeticExpression(UnexpandedArithmeticExpr {
                value: body.to_string(),
            }));
        }
        if self.eat("$(") {
            self.enter()?;
            let body = self.skip_pieces(Stop::Paren, true)?;
            self.leave();
            if !self.eat(")") {
                return Err(WordError::Syntax);
            }
            return Ok(WordPiece::CommandSubstitution(body.to_string()));
        }
        if self.eat("${") {
            self.enter()?;
            let e = self.parameter_expr()?;
            self.leave();
            if !self.eat("}") {
                return Err(WordError::Syntax);
            }
            return Ok(WordPiece::ParameterExpansion(e));
        }
        self.pos += 1;
        let param = match self.peek() {
            Some(c @ b'1'..=b'9') => {
                self.pos += 1;
                Some(Parameter::Positional(u32::from(c - b'0')))
            }
            Some(c) if is_name_start(c) => Some(Parameter::Named(self.name().to_string())),
            Some(_) => self.special().map(Parameter::Special),
            None => None,
        };
        Ok(match param {
            Some(parameter) => WordPiece::ParameterExpansion(ParameterExpr::Parameter {
                parameter,
                indirect: false,
            }),
            None => WordPiece::Text("$".into()),
        })
    }

    /// A variable name (the first character is a letter or `_`).
    fn name(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(is_name_char) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    fn special(&mut self) -> Option<SpecialParameter> {
        let s = match self.peek()? {
            b'@' => SpecialParameter::AllPositionalParameters { concatenate: false },
            b'*' => SpecialParameter::AllPositionalParameters { concatenate: true },
            b'#' => SpecialParameter::PositionalParameterCount,
            b'?' => SpecialParameter::LastExitStatus,
            b'-' => SpecialParameter::CurrentOptionFlags,
            b'$' => SpecialParameter::ProcessId,
            b'!' => SpecialParameter::LastBackgroundProcessId,
            b'0' => SpecialParameter::ShellName,
            _ => return None,
        };
        self.pos += 1;
        Some(s)
    }

    /// A parameter inside `${...}`: digits, a special character, `name`,
    /// `name[@]`, `name[*]` or `name[index]`.
    fn parameter(&mut self) -> R<Option<Parameter>> {
        match self.peek() {
            Some(b'1'..=b'9') => {
                let start = self.pos;
                while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    self.pos += 1;
                }
                // Past u32: no such positional parameter exists (unset).
                let n = self.s[start..self.pos].parse().unwrap_or(u32::MAX);
                Ok(Some(Parameter::Positional(n)))
            }
            Some(c) if is_name_start(c) => {
                let name = self.name().to_string();
                if self.eat("[@]") {
                    return Ok(Some(Parameter::NamedWithAllIndices {
                        name,
                        concatenate: false,
                    }));
                }
                if self.eat("[*]") {
                    return Ok(Some(Parameter::NamedWithAllIndices {
                        name,
                        concatenate: true,
                    }));
                }
                if self.eat("[") {
                    self.enter()?;
                    let index = self.arith_text(Stop::Bracket)?.to_string();
                    self.leave();
                    if !self.eat("]") {
                        return Err(WordError::Syntax);
                    }
                    return Ok(Some(Parameter::NamedWithIndex { name, index }));
                }
                Ok(Some(Parameter::Named(name)))
            }
            _ => Ok(self.special().map(Parameter::Special)),
        }
    }

    /// The text of an arithmetic expression up to `stop`: parenthesised
    /// groups and array subscripts may contain the stop character.
    fn arith_text(&mut self, stop: Stop) -> R<&'a str> {
        let start = self.pos;
        while !self.at_end() {
            self.step()?;
            match self.peek() {
                Some(b'(') => {
                    self.enter()?;
                    self.pos += 1;
                    self.arith_text(Stop::Paren)?;
                    if !self.eat(")") {
                        return Err(WordError::Syntax);
                    }
                    self.leave();
                }
                Some(c) if is_name_start(c) => {
                    self.name();
                    if self.eat("[") {
                        self.enter()?;
                        self.arith_text(Stop::Bracket)?;
                        if !self.eat("]") {
                            return Err(WordError::Syntax);
                        }
                        self.leave();
                    }
                }
                _ => {
                    let here = self.pos;
                    if self.piece_in_arith(stop)?.is_none() {
                        break;
                    }
                    debug_assert!(self.pos > here);
                }
            }
        }
        Ok(&self.s[start..self.pos])
    }

    /// One non-name piece of arithmetic text: a quoted part, an expansion,
    /// an escape or one plain character; `None` at `stop`.
    fn piece_in_arith(&mut self, stop: Stop) -> R<Option<()>> {
        match self.peek() {
            Some(b'"' | b'\'' | b'\\' | b'$' | b'`') => {
                let here = self.pos;
                match self.piece(Stop::End, false)? {
                    Some(_) if self.pos > here => Ok(Some(())),
                    _ => Err(WordError::Syntax),
                }
            }
            _ if self.at_stop(stop) => Ok(None),
            Some(b')') if stop != Stop::Paren => {
                // An unbalanced `)`: not arithmetic.
                Err(WordError::Syntax)
            }
            _ => {
                self.bump();
                Ok(Some(()))
            }
        }
    }

    /// The inside of `${...}` up to (not including) the closing `}`.
    fn parameter_expr(&mut self) -> R<ParameterExpr> {
        // `${#}`, `${#name}`, `${##}`...: the length, unless `#` is the
        // parameter itself followed by an operator (`${#-x}`).
        if self.peek() == Some(b'#') {
            let save = self.pos;
            self.pos += 1;
            if self.peek() == Some(b'}') {
                return Ok(ParameterExpr::Parameter {
                    parameter: Parameter::Special(SpecialParameter::PositionalParameterCount),
                    indirect: false,
                });
            }
            if let Some(parameter) = self.parameter()? {
                if self.peek() == Some(b'}') {
                    return Ok(ParameterExpr::ParameterLength {
                        parameter,
                        indirect: false,
                    });
                }
            }
            self.pos = save;
        }
        let mut indirect = false;
        if self.peek() == Some(b'!') {
            let save = self.pos;
            self.pos += 1;
            if self.peek() == Some(b'}') {
                self.pos = save;
            } else if self.peek().is_some_and(is_name_start) {
                let name = self.name().to_string();
                for (suffix, which) in [("[*]}", 0), ("[@]}", 1), ("*}", 2), ("@}", 3)] {
                    if self.starts(suffix) {
                        self.pos += suffix.len() - 1;
                        let concatenate = which % 2 == 0;
                        return Ok(if which < 2 {
                            ParameterExpr::MemberKeys {
                                variable_name: name,
                                concatenate,
                            }
                        } else {
                            ParameterExpr::VariableNames {
                                prefix: name,
                                concatenate,
                            }
                        });
                    }
                }
                self.pos = save + 1;
                indirect = true;
            } else {
                indirect = true;
            }
        }
        let parameter = self.parameter()?.ok_or(WordError::Syntax)?;
        let word = |p: &mut P<'a>, stop: Stop| -> R<String> {
            p.enter()?;
            let w = p.skip_pieces(stop, false)?.to_string();
            p.leave();
            Ok(w)
        };
        let test_op = |p: &mut P<'a>| -> Option<(ParameterTestType, u8)> {
            let colon = p.peek() == Some(b':');
            let op = p.peek_at(usize::from(colon))?;
            if !matches!(op, b'-' | b'=' | b'?' | b'+') {
                return None;
            }
            p.pos += 1 + usize::from(colon);
            let t = if colon {
                ParameterTestType::UnsetOrNull
            } else {
                ParameterTestType::Unset
            };
            Some((t, op))
        };
        if let Some((test_type, op)) = test_op(self) {
            let value = Some(word(self, Stop::Brace)?);
            return Ok(match op {
                b'-' => ParameterExpr::UseDefaultValues {
                    parameter,
                    indirect,
                    test_type,
                    default_value: value,
                },
                b'=' => ParameterExpr::AssignDefaultValues {
                    parameter,
                    indirect,
                    test_type,
                    default_value: value,
                },
                b'?' => ParameterExpr::IndicateErrorIfNullOrUnset {
                    parameter,
                    indirect,
                    test_type,
                    error_message: value,
                },
                _ => ParameterExpr::UseAlternativeValue {
                    parameter,
                    indirect,
                    test_type,
                    alternative_value: value,
                },
            });
        }
        let Some(op) = self.peek() else {
            return Err(WordError::Syntax);
        };
        Ok(match op {
            b'}' => ParameterExpr::Parameter {
                parameter,
                indirect,
            },
            b':' => {
                self.pos += 1;
                self.enter()?;
                let offset = self.arith_text(Stop::ColonOrBrace)?.to_string();
                let length = if self.eat(":") {
                    Some(self.arith_text(Stop::ColonOrBrace)?.to_string())
                } else {
                    None
                };
                self.leave();
                ParameterExpr::Substring {
                    parameter,
                    indirect,
                    offset: UnexpandedArithmeticExpr { value: offset },
                    length: length.map(|value| UnexpandedArithmeticExpr { value }),
                }
            }
            b'%' | b'#' => {
                let longest = self.peek_at(1) == Some(op);
                self.pos += 1 + usize::from(longest);
                let pattern = Some(word(self, Stop::Brace)?);
                match (op, longest) {
                    (b'%', true) => ParameterExpr::RemoveLargestSuffixPattern {
                        parameter,
                        indirect,
                        pattern,
                    },
                    (b'%', false) => ParameterExpr::RemoveSmallestSuffixPattern {
                        parameter,
                        indirect,
                        pattern,
                    },
                    (_, true) => ParameterExpr::RemoveLargestPrefixPattern {
                        parameter,
                        indirect,
                        pattern,
                    },
                    (_, false) => ParameterExpr::RemoveSmallestPrefixPattern {
                        parameter,
                        indirect,
                        pattern,
                    },
                }
            }
            b'@' => {
                self.pos += 1;
                let op = match self.peek() {
                    Some(b'U') => ParameterTransformOp::ToUpperCase,
                    Some(b'u') => ParameterTransformOp::CapitalizeInitial,
                    Some(b'L') => ParameterTransformOp::ToLowerCase,
                    Some(b'Q') => ParameterTransformOp::Quoted,
                    Some(b'E') => ParameterTransformOp::ExpandEscapeSequences,
                    Some(b'P') => ParameterTransformOp::PromptExpand,
                    Some(b'A') => ParameterTransformOp::ToAssignmentLogic,
                    Some(b'K') => ParameterTransformOp::PossiblyQuoteWithArraysExpanded {
                        separate_words: false,
                    },
                    Some(b'a') => ParameterTransformOp::ToAttributeFlags,
                    Some(b'k') => ParameterTransformOp::PossiblyQuoteWithArraysExpanded {
                        separate_words: true,
                    },
                    _ => return Err(WordError::Syntax),
                };
                self.pos += 1;
                ParameterExpr::Transform {
                    parameter,
                    indirect,
                    op,
                }
            }
            b'/' => {
                self.pos += 1;
                let match_kind = match self.peek() {
                    Some(b'#') => SubstringMatchKind::Prefix,
                    Some(b'%') => SubstringMatchKind::Suffix,
                    Some(b'/') => SubstringMatchKind::Anywhere,
                    _ => SubstringMatchKind::FirstOccurrence,
                };
                if !matches!(match_kind, SubstringMatchKind::FirstOccurrence) {
                    self.pos += 1;
                }
                let pattern = word(self, Stop::BraceOrSlash)?;
                let replacement = if self.eat("/") {
                    Some(word(self, Stop::Brace)?)
                } else {
                    None
                };
                ParameterExpr::ReplaceSubstring {
                    parameter,
                    indirect,
                    pattern,
                    replacement,
                    match_kind,
                }
            }
            b'^' | b',' => {
                let all = self.peek_at(1) == Some(op);
                self.pos += 1 + usize::from(all);
                let pattern = Some(word(self, Stop::Brace)?);
                match (op, all) {
                    (b'^', true) => ParameterExpr::UppercasePattern {
                        parameter,
                        indirect,
                        pattern,
                    },
                    (b'^', false) => ParameterExpr::UppercaseFirstChar {
                        parameter,
                        indirect,
                        pattern,
                    },
                    (_, true) => ParameterExpr::LowercasePattern {
                        parameter,
                        indirect,
                        pattern,
                    },
                    (_, false) => ParameterExpr::LowercaseFirstChar {
                        parameter,
                        indirect,
                        pattern,
                    },
                }
            }
            _ => return Err(WordError::Syntax),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(s: &str) -> Vec<WordPiece> {
        parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e:?}"))
            .into_iter()
            .map(|p| p.piece)
            .collect()
    }

    /// Our parser gives the same pieces as brush-parser's on ordinary words.
    #[test]
    fn same_as_brush_on_ordinary_words() {
        let opts = super::super::parse::options();
        for w in [
            "plain",
            "a'b c'd",
            "\"x $y ${z:-d} $(echo \"q\") `b` \\$ \\q\"",
            "$'a\\tb\\'c'",
            "$\"gettext\"",
            "${x:-a b}${x-}${x:=v}${x?msg}${x:+alt}",
            "${#x}${#}${##}${#a[@]}${!x}${!a[@]}${!pre*}${!pre@}",
            "${x%.*}${x%%.*}${x#*/}${x##*/}",
            "${x:1}${x: -2:1}${x:a:b}",
            "${x/a/b}${x//a}${x/#a/b}${x/%a/b}${x/\\//-}",
            "${x^}${x^^}${x,}${x,,}${x@Q}${x@U}",
            "${a[1]}${a[i+1]}${a[@]}${a[*]}${a[$i]}",
            "$((1 + (2 * 3)))$[4]$((a[1] + 2))",
            "$(echo (a) b)$(echo 'x)' \")\")",
            "~",
            "~/x",
            "~user/x",
            "~+",
            "~-/y",
            "a\\ b",
            "$ $1 $12 $@ $* $# $? $- $$ $! $0 $_x",
            "x=$y:$z",
            "\"$\"",
            "${x:-\"}\"}",
            "${x:-$(echo })}",
            "`echo \\`x\\``",
        ] {
            let ours = parse(w).unwrap_or_else(|e| panic!("{w}: {e:?}"));
            let theirs = brush_parser::word::parse(w, &opts).unwrap_or_else(|e| panic!("{w}: {e}"));
            let o: Vec<_> = ours.into_iter().map(|p| format!("{:?}", p.piece)).collect();
            let t: Vec<_> = theirs
                .into_iter()
                .map(|p| format!("{:?}", p.piece))
                .collect();
            assert_eq!(o, t, "{w}");
        }
    }

    #[test]
    fn heredoc_bodies_match_brush() {
        for h in [
            "a \"b\" 'c' $x ${y:-z}\n",
            "\\$x \\` \\\\ \\n `echo hi` $(date)\n",
        ] {
            let ours: Vec<_> = parse_heredoc(h)
                .unwrap()
                .into_iter()
                .map(|p| format!("{:?}", p.piece))
                .collect();
            let theirs: Vec<_> =
                brush_parser::word::parse_heredoc(h, &super::super::parse::options())
                    .unwrap()
                    .into_iter()
                    .map(|p| format!("{:?}", p.piece))
                    .collect();
            assert_eq!(ours, theirs, "{h:?}");
        }
    }

    #[test]
    fn bash_forms_brush_gets_wrong() {
        // A positional parameter past u32 is unset, not literal text.
        assert!(matches!(
            pieces("${99999999999999999999}")[..],
            [WordPiece::ParameterExpansion(ParameterExpr::Parameter {
                parameter: Parameter::Positional(u32::MAX),
                ..
            })]
        ));
        // `~` with a huge number is a literal word (brush panics).
        assert!(matches!(
            pieces("~99999999999999999999")[..],
            [WordPiece::Text(_)]
        ));
        // `$((` not closed by `))` is a command substitution.
        assert!(matches!(
            pieces("$((echo a) )")[..],
            [WordPiece::CommandSubstitution(_)]
        ));
        // Nested subscripts parse in linear time.
        let deep = format!("{}0{}", "${a[".repeat(200), "]}".repeat(200));
        assert_eq!(pieces(&deep).len(), 1);
    }

    #[test]
    fn bad_words_are_errors() {
        for w in [
            "\"abc", "'abc", "${x", "${x:-", "$(echo", "$((1", "${x~}", "${}",
        ] {
            assert_eq!(parse(w).map(|_| ()), Err(WordError::Syntax), "{w}");
        }
    }

    #[test]
    fn hostile_words_fail_fast() {
        let start = std::time::Instant::now();
        for w in [
            format!("{}x", "${a:-".repeat(5000)),
            format!("{}x", "$((".repeat(5000)),
            format!("{}x", "\"${a:-".repeat(5000)),
            format!("{}0{}", "${a[".repeat(5000), "]}".repeat(5000)),
            format!("{}x{}", "$(".repeat(5000), ")".repeat(5000)),
        ] {
            assert!(parse(&w).is_err(), "{}", &w[..20]);
            assert!(parse_heredoc(&w).is_err(), "{}", &w[..20]);
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn parameters() {
        let show = |s: &str| format!("{:?}", parse_parameter(s));
        assert_eq!(
            show("a[1]"),
            "Ok(NamedWithIndex { name: \"a\", index: \"1\" })"
        );
        assert_eq!(show("12"), "Ok(Positional(12))");
        assert!(parse_parameter("a b").is_err());
        assert!(parse_parameter("").is_err());
    }
}
