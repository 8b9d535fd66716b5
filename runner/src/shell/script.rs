//! Reading a script like bash does: a piece of text at a time, one
//! top-level command at a time, each parsed by brush-parser's grammar just
//! before it runs.
//!
//! brush-parser is used through its token interface, with guards around
//! it that its own `Parser` lacks:
//! - its tokenizer recurses once per nested `$(`, `${`, `$[`: input with
//!   many of them is tokenized first in a pass that watches the stack;
//! - its PEG recurses once per nested compound command: the nesting is
//!   counted on the tokens ([`Scanner`]), refused past
//!   [`super::parse::MAX_NESTING`], and the parse runs on a stack big
//!   enough for the depth found;
//! - its grammar takes `( (` and `((`-without-`))` for arithmetic (bash:
//!   nested subshells) and backtracks exponentially on nested `case` items
//!   without `;;` and on unbalanced `((`: tokens are adjusted so the
//!   grammar sees what bash means (a newline between the parentheses,
//!   `;;` before `esac`);
//! - a redirection number past `int` panics it: such words are words, as
//!   in bash;
//! - it panics on a few other inputs: every call is guarded.
//!
//! Reading a piece of the text at a time (64 KiB, grown while a quote or
//! here-document spans its end) and parsing each command just before it
//! runs bound the time and memory between two interrupt checks, and run
//! the commands before a syntax error, as bash does.

use super::parse::{self, describe_tokenizer_error, options, SyntaxError, MAX_NESTING};
use brush_parser::{ast, ParseError, SourcePosition, SourceSpan, Token, TokenizerError};
use std::collections::VecDeque;
use std::sync::Arc;
use wasiland_wasi_host::budget::{Charge, MemoryBudget};

/// Text tokenized at once (the piece grows while a construct spans its end).
const PIECE: usize = 64 << 10;

/// Host stack the tokenizer may need for one nested `$(`/`${`/`$[`.
const TOKENIZER_STACK_PER_LEVEL: usize = 8 << 10;

/// Host stack brush's PEG may need per level of nesting (measured about
/// 8 KiB for nested `if` at opt-level 3).
const PARSER_STACK_PER_LEVEL: usize = 24 << 10;

/// Stack kept free below any parse.
const RED_ZONE: usize = 1 << 20;

/// Work bound for nested `case` (brush's grammar parses an item twice when
/// its body has an error, at every level): the sum over tokens of
/// 2^(case nesting) in one top-level command.
const CASE_COST_LIMIT: u64 = 1 << 22;

/// One top-level command (with whatever else is on its line), as tokens.
pub(crate) struct Chunk {
    tokens: Vec<Token>,
    /// Deepest nesting in it (sizes the parser's stack).
    depth: usize,
}

/// A script being read (see the module documentation).
pub(crate) struct Script<'a> {
    src: &'a str,
    /// Byte offset of the text not tokenized yet.
    pos: usize,
    /// Characters and lines before `pos` (token positions count chars).
    chars_before: usize,
    lines_before: usize,
    scan: Scanner,
    /// The error to report once the commands before it ran.
    error: Option<SyntaxError>,
    finished: bool,
    /// The tokens and syntax trees held, charged to the sandbox (a command
    /// of millions of words from `eval "$x"`).
    charge: Option<Charge>,
    /// Tokens already taken out of the scanner and still held by the
    /// caller ([`parse_all_charged`] keeps every chunk until the end).
    taken: usize,
    /// The charge was refused (the script ended there).
    refused: bool,
}

/// Host bytes held per token while a command is read, parsed and run: the
/// token and its share of the syntax tree.
const TOKEN_COST: u64 = 256;

impl<'a> Script<'a> {
    pub(crate) fn new(src: &'a str) -> Script<'a> {
        Script {
            src,
            pos: 0,
            chars_before: 0,
            lines_before: 0,
            scan: Scanner::new(),
            error: None,
            finished: false,
            charge: None,
            taken: 0,
            refused: false,
        }
    }

    /// Did the script end because its tokens could not be charged?
    pub(crate) fn refused_memory(&self) -> bool {
        self.refused
    }

    /// A script whose tokens and syntax trees are charged to `budget`; past
    /// it the script ends with an error naming the limit.
    pub(crate) fn charged(src: &'a str, budget: &MemoryBudget) -> Script<'a> {
        let mut s = Script::new(src);
        s.charge = Some(budget.empty_charge());
        s
    }

    /// Charge the tokens now held; refused, the script stops there.
    fn charge_tokens(&mut self, extra: usize) -> Result<(), SyntaxError> {
        let Some(charge) = &mut self.charge else {
            return Ok(());
        };
        let held = self.scan.pending.len()
            + self
                .scan
                .ready
                .iter()
                .map(|c| c.tokens.len())
                .sum::<usize>()
            + self.taken
            + extra;
        let charged = charge.resize((held as u64).saturating_mul(TOKEN_COST));
        self.refused |= charged.is_err();
        charged.map_err(|e| SyntaxError {
            line: self.lines_before.max(1),
            message: super::memory::refusal_message("command too long", Some(e.limit)),
        })
    }

    /// The next top-level command (with whatever else is on its line),
    /// parsed; the syntax error that ends the script; or `None` at its end.
    pub(crate) fn next(&mut self) -> Option<Result<ast::Program, SyntaxError>> {
        let chunk = self.next_chunk()?;
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => return Some(Err(e)),
        };
        // The command's tokens, then its tree, stay charged until the next.
        if let Err(e) = self.charge_tokens(chunk.tokens.len()) {
            return Some(Err(e));
        }
        match parse_tokens_guarded(&chunk.tokens, chunk.depth) {
            Ok(p) => Some(Ok(p)),
            // The scanner split a command it should not have: parse the
            // rest of the script with it, at once.
            Err(Some(ParseError::ParsingAtEndOfInput))
                if !self.finished || !self.scan.ready.is_empty() =>
            {
                let mut rest = chunk;
                while let Some(c) = self.next_chunk() {
                    match c {
                        Ok(c) => {
                            rest.depth = rest.depth.max(c.depth);
                            rest.tokens.extend(c.tokens);
                        }
                        Err(e) => {
                            self.error = Some(e);
                            break;
                        }
                    }
                }
                Some(parse_chunk(rest, self.src))
            }
            Err(e) => Some(Err(chunk_error(e, &chunk, self.src))),
        }
    }

    /// The next top-level command as tokens, the syntax error that ends
    /// the script, or `None` at its end.
    fn next_chunk(&mut self) -> Option<Result<Chunk, SyntaxError>> {
        loop {
            if let Some(c) = self.scan.ready.pop_front() {
                return Some(Ok(c));
            }
            if self.finished {
                if let Some(e) = self.error.take() {
                    return Some(Err(e));
                }
                // A last command without a newline (or an unfinished one:
                // its parse reports the error).
                return self.scan.take_rest().map(Ok);
            }
            self.read_piece();
        }
    }

    /// Tokenize the next piece of text and scan its tokens.
    fn read_piece(&mut self) {
        let mut size = PIECE;
        loop {
            let end = piece_end(self.src, self.pos, size);
            let text = &self.src[self.pos..end];
            // A piece runs to the end of its line, which may be megabytes
            // long (`eval "$x"`): its tokens are charged before they exist.
            if let Err(e) = self.charge_tokens(token_bound(text)) {
                self.stop(e);
                return;
            }
            match tokenize(text) {
                Ok(tokens) => {
                    let base = (self.chars_before, self.lines_before);
                    self.advance(end);
                    if let Err(e) = self
                        .scan
                        .feed(tokens, base)
                        .and_then(|()| self.charge_tokens(0))
                    {
                        self.stop(e);
                    } else if end == self.src.len() {
                        self.finished = true;
                    }
                    return;
                }
                Err(e) if end < self.src.len() && e.unterminated => size = size.saturating_mul(2),
                Err(e) => {
                    // The lines before the one the error is on still run.
                    let line = e.line.unwrap_or_else(|| text.lines().count().max(1));
                    let prefix_end = nth_line_end(text, line.saturating_sub(1));
                    if prefix_end > 0 {
                        if let Ok(tokens) = tokenize(&text[..prefix_end]) {
                            let base = (self.chars_before, self.lines_before);
                            if let Err(e) = self.scan.feed(tokens, base) {
                                self.stop(e);
                                return;
                            }
                        }
                    }
                    let last_line = self.lines_before + text.lines().count().max(1);
                    let mut error = e.error;
                    error.line = match e.line {
                        Some(l) => self.lines_before + l,
                        None => last_line,
                    };
                    self.stop(error);
                    return;
                }
            }
        }
    }

    fn advance(&mut self, end: usize) {
        let text = &self.src[self.pos..end];
        self.chars_before += text.chars().count();
        self.lines_before += text.bytes().filter(|&b| b == b'\n').count();
        self.pos = end;
    }

    /// End the script after the commands already complete, with `e`.
    fn stop(&mut self, e: SyntaxError) {
        self.scan.drop_unfinished();
        self.error = Some(e);
        self.finished = true;
    }
}

/// Parse a whole text at once (command substitutions, traps, saved
/// function bodies), uncharged: for text the embedder gave.
pub(crate) fn parse_all(src: &str) -> Result<ast::Program, SyntaxError> {
    parse_whole(&mut Script::new(src)).map(|(program, _)| program)
}

/// [`parse_all`] for text a guest made (`$(...)`): its tokens and syntax
/// tree are charged to `budget`, and the charge is held by the caller while
/// the program runs. An error says whether the charge was refused.
pub(crate) fn parse_all_charged(
    src: &str,
    budget: &MemoryBudget,
) -> Result<(ast::Program, Option<Charge>), (SyntaxError, bool)> {
    let mut script = Script::charged(src, budget);
    parse_whole(&mut script).map_err(|e| (e, script.refused))
}

fn parse_whole(script: &mut Script<'_>) -> Result<(ast::Program, Option<Charge>), SyntaxError> {
    let src = script.src;
    let mut program = ast::Program {
        complete_commands: Vec::new(),
    };
    let mut chunks = Vec::new();
    while let Some(c) = script.next_chunk() {
        let c = c?;
        script.taken = script.taken.saturating_add(c.tokens.len());
        chunks.push(c);
    }
    if chunks.is_empty() {
        return Ok((program, script.charge.take()));
    }
    // One parse of the whole token list, so that an error anywhere
    // fails the whole text (bash parses these texts before running them).
    let depth = chunks.iter().map(|c| c.depth).max().unwrap_or(0);
    let tokens: Vec<Token> = chunks.into_iter().flat_map(|c| c.tokens).collect();
    let p = parse_chunk(Chunk { tokens, depth }, src)?;
    program.complete_commands = p.complete_commands;
    Ok((program, script.charge.take()))
}

/// At most how many tokens `text` can make: a word starts after each
/// blank, and each operator character may be a token of its own. Quoted
/// blanks and here-document bodies over-count, which only errs on the
/// safe side.
fn token_bound(text: &str) -> usize {
    let mut n = 0usize;
    let mut after_break = true;
    for b in text.bytes() {
        let blank = matches!(b, b' ' | b'\t');
        let operator = matches!(b, b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')');
        if operator || (!blank && after_break) {
            n = n.saturating_add(1);
        }
        after_break = blank || operator;
    }
    n
}

/// Is `src` an unfinished command (open quote, compound command,
/// here-document, trailing `|` or `&&`)? For interactive front ends.
pub(crate) fn is_incomplete(src: &str) -> bool {
    match tokenize(src) {
        Err(e) => e.unterminated,
        Ok(tokens) => {
            let mut scan = Scanner::new();
            if scan.feed(tokens, (0, 0)).is_err() {
                return false;
            }
            let mut tokens = Vec::new();
            let mut depth = 0;
            while let Some(c) = scan.ready.pop_front() {
                depth = depth.max(c.depth);
                tokens.extend(c.tokens);
            }
            if let Some(c) = scan.take_rest() {
                depth = depth.max(c.depth);
                tokens.extend(c.tokens);
            }
            matches!(
                parse_tokens_guarded(&tokens, depth),
                Err(Some(ParseError::ParsingAtEndOfInput))
            )
        }
    }
}

/// Parse one chunk into a program.
fn parse_chunk(chunk: Chunk, src: &str) -> Result<ast::Program, SyntaxError> {
    parse_tokens_guarded(&chunk.tokens, chunk.depth).map_err(|e| chunk_error(e, &chunk, src))
}

fn chunk_error(e: Option<ParseError>, chunk: &Chunk, src: &str) -> SyntaxError {
    match e {
        Some(e) => parse::describe(src, e),
        None => SyntaxError {
            line: chunk.tokens.first().map_or(1, |t| t.location().start.line),
            message: "syntax error: the parser failed on this input".into(),
        },
    }
}

/// brush's PEG over `tokens`, on a stack deep enough for `depth` levels,
/// with panics caught (`Err(None)`).
fn parse_tokens_guarded(
    tokens: &[Token],
    depth: usize,
) -> Result<ast::Program, Option<ParseError>> {
    let need = depth
        .saturating_add(2)
        .saturating_mul(PARSER_STACK_PER_LEVEL)
        .saturating_add(RED_ZONE);
    stacker::maybe_grow(need, need, || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            brush_parser::parse_tokens(tokens, &options())
        }))
        .map_err(|_| None)?
        .map_err(Some)
    })
}

/// A tokenizer failure.
struct TokError {
    error: SyntaxError,
    /// 1-based line (relative to the text) it points at, if known.
    line: Option<usize>,
    /// The text ended inside a quote, expansion or here-document: more
    /// text may complete it.
    unterminated: bool,
}

/// brush's tokenizer over `text`, guarded: input with many nested
/// expansions is first tokenized by a pass that stops before the stack
/// runs out, and panics are caught.
fn tokenize(text: &str) -> Result<Vec<Token>, TokError> {
    let openers =
        text.matches("$(").count() + text.matches("${").count() + text.matches("$[").count();
    let need = openers
        .saturating_mul(TOKENIZER_STACK_PER_LEVEL)
        .saturating_add(RED_ZONE);
    if stacker::remaining_stack().is_none_or(|r| r < need) {
        depth_probe(text)?;
    }
    let opts = options().tokenizer_options();
    match std::panic::catch_unwind(|| brush_parser::uncached_tokenize_str(text, &opts)) {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(tok_error(e)),
        Err(_) => Err(TokError {
            error: SyntaxError {
                line: 0,
                message: "syntax error: the tokenizer failed on this input".into(),
            },
            line: None,
            unterminated: false,
        }),
    }
}

fn tok_error(e: TokenizerError) -> TokError {
    let unterminated = !matches!(
        e,
        TokenizerError::ReadError(_) | TokenizerError::FailedDecoding
    );
    let line = match &e {
        TokenizerError::UnterminatedSingleQuote(p)
        | TokenizerError::UnterminatedAnsiCQuote(p)
        | TokenizerError::UnterminatedDoubleQuote(p)
        | TokenizerError::UnterminatedBackquote(p) => Some(p.line),
        _ => None,
    };
    TokError {
        error: describe_tokenizer_error(e, 0),
        line,
        unterminated,
    }
}

/// Bytes the probe's reader hands out at once: a level of nesting takes
/// at least two (`$(`), so the stack is checked at least every 32 levels,
/// well inside [`RED_ZONE`].
const PROBE_READ: usize = 64;

/// Tokenize `text` through brush's `Parser` over a reader that fails when
/// the stack is nearly used up: the tokenizer stops with an error instead
/// of overflowing. (The text is prefixed with `)` so the grammar fails at
/// once after tokenizing.)
fn depth_probe(text: &str) -> Result<(), TokError> {
    struct Guarded<'t> {
        data: &'t [u8],
        pos: usize,
        /// The stack ran low (brush reports it as a read or a decoding
        /// error, depending on where it was reading).
        tripped: bool,
    }
    impl std::io::Read for Guarded<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = std::io::BufRead::fill_buf(self)?.len().min(buf.len());
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
    impl std::io::BufRead for Guarded<'_> {
        fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
            if stacker::remaining_stack().is_none_or(|r| r < RED_ZONE) {
                self.tripped = true;
                return Err(std::io::Error::other("nesting too deep"));
            }
            // A little at a time, so the check above runs every few levels:
            // handed the whole text, the tokenizer never asked again and
            // 100,000 nested `$(` overflowed the host stack.
            let end = self.data.len().min(self.pos.saturating_add(PROBE_READ));
            Ok(&self.data[self.pos..end])
        }
        fn consume(&mut self, n: usize) {
            self.pos = (self.pos + n).min(self.data.len());
        }
    }
    let probe = format!(")\n{text}");
    let mut reader = Guarded {
        data: probe.as_bytes(),
        pos: 0,
        tripped: false,
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        brush_parser::Parser::new(&mut reader, &options()).parse_program()
    }));
    if !reader.tripped {
        return Ok(());
    }
    let position = match result {
        Ok(Err(ParseError::Tokenizing { position, .. })) => position,
        _ => None,
    };
    Err(TokError {
        error: SyntaxError {
            line: 0,
            message: "syntax error: expansions nested too deeply (more than the host stack allows)"
                .into(),
        },
        line: position.map(|p| p.line.saturating_sub(1).max(1)),
        unterminated: false,
    })
}

/// End of the piece of `src` starting at `pos`: just after the first
/// newline at or past `pos + size` that is not escaped, or the end.
fn piece_end(src: &str, pos: usize, size: usize) -> usize {
    let b = src.as_bytes();
    let mut i = pos.saturating_add(size);
    while i < b.len() {
        if b[i] == b'\n' {
            let backslashes = b[pos..i].iter().rev().take_while(|&&c| c == b'\\').count();
            if backslashes % 2 == 0 {
                return i + 1;
            }
        }
        i += 1;
    }
    b.len()
}

/// Byte offset just past the first `n` lines of `text`.
fn nth_line_end(text: &str, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    text.match_indices('\n')
        .nth(n - 1)
        .map_or(text.len(), |(i, _)| i + 1)
}

// ---------------------------------------------------------------- scanner

/// A construct open at some point of the token stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    /// `{ ... }`
    Brace,
    /// `( ... )`; `arith` is the index (in the pending tokens) of the
    /// first `(` of a `((` this is the inner parenthesis of.
    Paren {
        arith: Option<usize>,
    },
    /// `if ... fi`
    If,
    /// `while`/`until`/`for`/`select` ... `done`
    Loop,
    Case(CaseState),
    /// `[[ ... ]]`, with the `!`, `&&`, `||` seen inside (they nest the
    /// expression tree).
    Test(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CaseState {
    /// The word after `case`.
    Subject,
    /// Waiting for `in`.
    In,
    /// Patterns up to `)`.
    Pattern,
    /// Commands of an item.
    Body,
}

/// The nesting of the token stream, tracked token by token: splits it into
/// top-level commands and adjusts tokens for brush's grammar (see the
/// module documentation).
#[derive(Default)]
struct Scanner {
    /// Tokens of the command being read.
    pending: Vec<Token>,
    /// Insertions into `pending`: (before this index, operator).
    inserts: Vec<(usize, &'static str)>,
    stack: Vec<Frame>,
    /// Deepest nesting of the command being read.
    depth: usize,
    /// At a position where a word would be a command name (and so a
    /// reserved word is one).
    cmd: bool,
    /// Words still to skip (redirection targets, here-document bodies).
    skip_words: usize,
    /// The next word is a function name (after `function`).
    func_name: bool,
    /// The last `)` closed the inner parenthesis of this `((` (index of
    /// its first `(`): arithmetic only if a `)` follows at once.
    closed_arith: Option<(usize, usize)>,
    /// Work estimate of nested `case` in the command being read.
    case_cost: u64,
    cases: usize,
    /// `!`, `&&`, `||` inside the open `[[ ]]`s.
    test_ops: usize,
    /// The line cannot end the command here: after `|`, `&&`, `||`, or a
    /// function name waiting for its body.
    continued: bool,
    /// Commands complete and ready to parse.
    ready: VecDeque<Chunk>,
}

fn op(t: &Token) -> Option<&str> {
    match t {
        Token::Operator(s, _) => Some(s),
        Token::Word(..) => None,
    }
}

fn contiguous(a: &Token, b: &Token) -> bool {
    a.location().end.index == b.location().start.index
}

fn is_assignment(w: &str) -> bool {
    let name_end = w
        .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
        .unwrap_or(w.len());
    if name_end == 0 || w.as_bytes()[0].is_ascii_digit() {
        return false;
    }
    let rest = &w[name_end..];
    let rest = match rest.strip_prefix('[') {
        Some(r) => match r.find(']') {
            Some(i) => &r[i + 1..],
            None => return false,
        },
        None => rest,
    };
    rest.starts_with('=') || rest.starts_with("+=")
}

fn shift(span: &SourceSpan, chars: usize, lines: usize) -> SourceSpan {
    let s = |p: &SourcePosition| {
        Arc::new(SourcePosition {
            index: p.index + chars,
            line: p.line + lines,
            column: p.column,
        })
    };
    SourceSpan {
        start: s(&span.start),
        end: s(&span.end),
    }
}

impl Scanner {
    fn new() -> Scanner {
        Scanner {
            cmd: true,
            ..Scanner::default()
        }
    }

    /// Scan tokens of the next piece of text; `base` is (chars, lines)
    /// before it.
    fn feed(&mut self, tokens: Vec<Token>, base: (usize, usize)) -> Result<(), SyntaxError> {
        for t in tokens {
            let t = if base == (0, 0) {
                t
            } else {
                match t {
                    Token::Word(w, l) => Token::Word(w, shift(&l, base.0, base.1)),
                    Token::Operator(o, l) => Token::Operator(o, shift(&l, base.0, base.1)),
                }
            };
            self.token(t)?;
        }
        Ok(())
    }

    fn line(&self) -> usize {
        self.pending.last().map_or(1, |t| t.location().start.line)
    }

    fn push(&mut self, f: Frame) -> Result<(), SyntaxError> {
        self.stack.push(f);
        self.note_depth()
    }

    fn note_depth(&mut self) -> Result<(), SyntaxError> {
        let d = self.stack.len() + self.test_ops;
        self.depth = self.depth.max(d);
        if d > MAX_NESTING {
            return Err(SyntaxError {
                line: self.line(),
                message: format!(
                    "syntax error: commands nested too deeply (more than {MAX_NESTING})"
                ),
            });
        }
        Ok(())
    }

    fn pop_if(&mut self, want: impl Fn(&Frame) -> bool) -> bool {
        if self.stack.last().is_some_and(want) {
            match self.stack.pop() {
                Some(Frame::Case(_)) => self.cases -= 1,
                Some(Frame::Test(n)) => self.test_ops -= n,
                _ => {}
            }
            true
        } else {
            false
        }
    }

    fn top(&self) -> Option<Frame> {
        self.stack.last().copied()
    }

    fn set_case(&mut self, s: CaseState) {
        if let Some(Frame::Case(c)) = self.stack.last_mut() {
            *c = s;
        }
    }

    fn token(&mut self, t: Token) -> Result<(), SyntaxError> {
        // A `((` whose inner `(` just closed is arithmetic only if this
        // token is the second `)`, right after the first.
        if let Some((first, close)) = self.closed_arith.take() {
            let arith = op(&t) == Some(")") && contiguous(&self.pending[close], &t);
            if !arith {
                self.inserts.push((first + 1, "\n"));
            }
        }
        let idx = self.pending.len();
        self.case_cost = self
            .case_cost
            .saturating_add(1u64.checked_shl(self.cases as u32).unwrap_or(u64::MAX));
        if self.case_cost > CASE_COST_LIMIT {
            return Err(SyntaxError {
                line: t.location().start.line,
                message: "syntax error: case statements nested too deeply for their size".into(),
            });
        }
        match &t {
            Token::Operator(o, _) => {
                let o = o.clone();
                self.pending.push(t);
                self.operator(&o, idx)?;
            }
            Token::Word(w, _) => {
                let w = w.clone();
                self.pending.push(t);
                self.word(&w, idx)?;
            }
        }
        Ok(())
    }

    fn operator(&mut self, o: &str, idx: usize) -> Result<(), SyntaxError> {
        let in_test = matches!(self.top(), Some(Frame::Test(_)));
        // A redirection followed by `(` is a process substitution.
        self.skip_words = 0;
        if o != "\n" {
            self.continued = matches!(o, "|" | "|&" | "&&" | "||");
        }
        match o {
            "(" => {
                if let Some(Frame::Case(CaseState::Pattern)) = self.top() {
                    return Ok(()); // `(pattern)`
                }
                let arith = if !in_test && idx > 0 && op(&self.pending[idx - 1]) == Some("(") {
                    let first = idx - 1;
                    if contiguous(&self.pending[first], &self.pending[idx]) {
                        Some(first)
                    } else {
                        // `( (`: nested subshells for bash.
                        self.inserts.push((idx, "\n"));
                        None
                    }
                } else {
                    None
                };
                self.push(Frame::Paren { arith })?;
                self.cmd = true;
            }
            ")" => {
                if let Some(Frame::Case(CaseState::Pattern)) = self.top() {
                    self.set_case(CaseState::Body);
                } else if let Some(Frame::Paren { arith }) = self.top() {
                    self.stack.pop();
                    if let Some(first) = arith {
                        self.closed_arith = Some((first, idx));
                    }
                    // `name ( )` then a newline: the body follows.
                    self.continued = idx >= 2
                        && op(&self.pending[idx - 1]) == Some("(")
                        && matches!(self.pending[idx - 2], Token::Word(..));
                }
                self.cmd = true;
            }
            ";;" | ";&" | ";;&" => {
                if let Some(Frame::Case(CaseState::Body)) = self.top() {
                    self.set_case(CaseState::Pattern);
                }
                self.cmd = false;
            }
            "&&" | "||" if in_test => {
                if let Some(Frame::Test(n)) = self.stack.last_mut() {
                    *n += 1;
                    self.test_ops += 1;
                }
                self.note_depth()?;
            }
            "\n" => {
                self.cmd = !matches!(
                    self.top(),
                    Some(Frame::Case(
                        CaseState::Pattern | CaseState::Subject | CaseState::In
                    )) | Some(Frame::Test(_))
                );
                if self.stack.is_empty() && self.skip_words == 0 && !self.continued {
                    self.finish_command();
                }
            }
            "<" | ">" | ">>" | "<&" | ">&" | "<>" | ">|" | "&>" | "&>>" | "<<<" => {
                if !in_test {
                    self.skip_words = 1;
                }
            }
            // The here-document's tag, body and closing tag follow.
            "<<" | "<<-" => self.skip_words = 3,
            _ => self.cmd = !in_test,
        }
        Ok(())
    }

    fn word(&mut self, w: &str, idx: usize) -> Result<(), SyntaxError> {
        self.continued = false;
        if self.skip_words > 0 {
            self.skip_words -= 1;
            return Ok(());
        }
        // A redirection number too big for bash (`exec 4294967297>f`) is
        // an ordinary word; brush would panic on it.
        if w.bytes().all(|b| b.is_ascii_digit()) && w.parse::<i32>().is_err() {
            if let Token::Word(text, loc) = &self.pending[idx] {
                let mut end = (*loc.end).clone();
                end.index = usize::MAX;
                self.pending[idx] = Token::Word(
                    text.clone(),
                    SourceSpan {
                        start: loc.start.clone(),
                        end: Arc::new(end),
                    },
                );
            }
        }
        match self.top() {
            Some(Frame::Test(_)) => {
                if w == "]]" {
                    self.pop_if(|f| matches!(f, Frame::Test(_)));
                    self.cmd = false;
                } else if w == "!" {
                    if let Some(Frame::Test(n)) = self.stack.last_mut() {
                        *n += 1;
                        self.test_ops += 1;
                    }
                    self.note_depth()?;
                }
                return Ok(());
            }
            Some(Frame::Case(CaseState::Subject)) => {
                self.set_case(CaseState::In);
                return Ok(());
            }
            Some(Frame::Case(CaseState::In)) => {
                if w == "in" {
                    self.set_case(CaseState::Pattern);
                }
                return Ok(());
            }
            Some(Frame::Case(CaseState::Pattern)) => {
                if w == "esac" && self.cmd_after_separator(idx) {
                    self.pop_if(|f| matches!(f, Frame::Case(_)));
                    self.cmd = true;
                }
                return Ok(());
            }
            _ => {}
        }
        if self.func_name {
            self.func_name = false;
            self.cmd = true;
            self.continued = true;
            return Ok(());
        }
        if !self.cmd {
            return Ok(());
        }
        match w {
            "{" => self.push(Frame::Brace)?,
            "}" => {
                self.pop_if(|f| *f == Frame::Brace);
            }
            "if" => self.push(Frame::If)?,
            "fi" => {
                self.pop_if(|f| *f == Frame::If);
            }
            "while" | "until" => self.push(Frame::Loop)?,
            "for" | "select" => {
                self.push(Frame::Loop)?;
                self.cmd = false;
            }
            "done" => {
                self.pop_if(|f| *f == Frame::Loop);
            }
            "case" => {
                self.push(Frame::Case(CaseState::Subject))?;
                self.cases += 1;
                self.cmd = false;
            }
            "esac" => {
                if let Some(Frame::Case(CaseState::Body)) = self.top() {
                    // The last item needs no `;;` in bash; brush backtracks
                    // exponentially without one.
                    self.inserts.push((idx, ";;"));
                    self.pop_if(|f| matches!(f, Frame::Case(_)));
                }
            }
            "[[" => {
                self.push(Frame::Test(0))?;
                self.cmd = false;
            }
            "function" => {
                self.func_name = true;
                self.cmd = false;
            }
            "then" | "else" | "elif" | "do" | "!" | "time" | "coproc" => {}
            _ if is_assignment(w) => {}
            _ => self.cmd = false,
        }
        Ok(())
    }

    /// Is the word at `idx` the first word of a case pattern list (after
    /// `in`, `;;` or a newline)?
    fn cmd_after_separator(&self, idx: usize) -> bool {
        idx == 0
            || matches!(
                &self.pending[idx - 1],
                Token::Operator(o, _) if matches!(o.as_str(), ";;" | ";&" | ";;&" | "\n")
            )
            || matches!(&self.pending[idx - 1], Token::Word(w, _) if w == "in")
    }

    /// The pending tokens are a complete command: hand them out.
    fn finish_command(&mut self) {
        if let Some(c) = self.take_rest() {
            self.ready.push_back(c);
        }
    }

    /// Everything pending, as a chunk (with the insertions applied).
    fn take_rest(&mut self) -> Option<Chunk> {
        if let Some((first, _)) = self.closed_arith.take() {
            self.inserts.push((first + 1, "\n"));
        }
        // `((` whose inner `(` never closed: not arithmetic either.
        for f in &self.stack {
            if let Frame::Paren { arith: Some(first) } = f {
                self.inserts.push((first + 1, "\n"));
            }
        }
        self.stack.clear();
        self.cases = 0;
        self.case_cost = 0;
        self.test_ops = 0;
        self.skip_words = 0;
        self.func_name = false;
        self.continued = false;
        self.cmd = true;
        let depth = std::mem::take(&mut self.depth);
        if self.pending.is_empty() {
            return None;
        }
        let pending = std::mem::take(&mut self.pending);
        let mut inserts = std::mem::take(&mut self.inserts);
        inserts.sort_by_key(|(i, _)| *i);
        let mut tokens = Vec::with_capacity(pending.len() + inserts.len());
        let mut ins = inserts.into_iter().peekable();
        for (i, t) in pending.into_iter().enumerate() {
            while let Some((at, o)) = ins.next_if(|(at, _)| *at <= i) {
                let _ = at;
                tokens.push(Token::Operator(o.to_string(), t.location().clone()));
            }
            tokens.push(t);
        }
        Some(Chunk { tokens, depth })
    }

    /// Forget a command left unfinished by an error.
    fn drop_unfinished(&mut self) {
        self.pending.clear();
        self.inserts.clear();
        self.closed_arith = None;
        let _ = self.take_rest();
    }
}
