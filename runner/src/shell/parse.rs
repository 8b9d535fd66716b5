//! Adapter over `brush-parser`: parse programs and words with bash's
//! defaults (no extglob), and word syntax errors like bash.

use brush_parser::ast;
use brush_parser::word::{self, WordPieceWithSource};
use brush_parser::{ParseError, ParserOptions, TokenizerError};

/// Parser options matching a non-interactive bash (extglob off).
pub(crate) fn options() -> ParserOptions {
    ParserOptions {
        enable_extended_globbing: false,
        posix_mode: false,
        sh_mode: false,
        tilde_expansion_at_word_start: true,
        tilde_expansion_after_colon: false,
        parser_impl: Default::default(),
    }
}

/// A syntax error, with the line it was found on (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub message: String,
}

/// Parse a whole program.
pub(crate) fn parse_program(src: &str) -> Result<ast::Program, SyntaxError> {
    let mut parser = brush_parser::Parser::new(std::io::BufReader::new(src.as_bytes()), &options());
    parser.parse_program().map_err(|e| describe(src, e))
}

/// Is `src` an unfinished command (open quote, compound command,
/// here-document, trailing `|` or `&&`)? For interactive continuation lines.
pub(crate) fn is_incomplete(src: &str) -> bool {
    let mut parser = brush_parser::Parser::new(std::io::BufReader::new(src.as_bytes()), &options());
    match parser.parse_program() {
        Ok(_) => false,
        Err(ParseError::ParsingAtEndOfInput) => true,
        Err(ParseError::Tokenizing { inner, .. }) => !matches!(
            inner,
            TokenizerError::ReadError(_) | TokenizerError::FailedDecoding
        ),
        Err(ParseError::ParsingNear(_)) => false,
    }
}

/// Like bash, which reads and runs one command at a time: when `src` has
/// a syntax error on line `error_line`, the longest run of whole lines
/// before it that parses on its own (to run before reporting the error).
pub(crate) fn parse_prefix(src: &str, error_line: usize) -> Option<ast::Program> {
    let lines: Vec<&str> = src.split_inclusive('\n').collect();
    let mut k = error_line.saturating_sub(1).min(lines.len());
    while k > 0 {
        let prefix: String = lines[..k].concat();
        if let Ok(p) = parse_program(&prefix) {
            if !p.complete_commands.is_empty() {
                return Some(p);
            }
            return None;
        }
        k -= 1;
    }
    None
}

fn describe(src: &str, e: ParseError) -> SyntaxError {
    let last_line = src.lines().count().max(1);
    match e {
        ParseError::ParsingNear(pos) => {
            let token = token_at(src, pos.index);
            if token.is_empty() || token == "\n" {
                SyntaxError {
                    line: pos.line,
                    message: "syntax error near unexpected token `newline'".into(),
                }
            } else {
                SyntaxError {
                    line: pos.line,
                    message: format!("syntax error near unexpected token `{token}'"),
                }
            }
        }
        ParseError::ParsingAtEndOfInput => SyntaxError {
            line: last_line + 1,
            message: "syntax error: unexpected end of file".into(),
        },
        ParseError::Tokenizing { inner, position } => {
            let line = position.map(|p| p.line).unwrap_or(last_line);
            let message = match inner {
                TokenizerError::UnterminatedSingleQuote(_) => {
                    "unexpected EOF while looking for matching `''".to_string()
                }
                TokenizerError::UnterminatedAnsiCQuote(_) => {
                    "unexpected EOF while looking for matching `''".to_string()
                }
                TokenizerError::UnterminatedDoubleQuote(_) => {
                    "unexpected EOF while looking for matching `\"'".to_string()
                }
                TokenizerError::UnterminatedBackquote(_) => {
                    "unexpected EOF while looking for matching ``'".to_string()
                }
                TokenizerError::UnterminatedCommandSubstitution => {
                    "unexpected EOF while looking for matching `)'".to_string()
                }
                TokenizerError::UnterminatedVariable | TokenizerError::UnterminatedExpansion => {
                    "unexpected EOF while looking for matching `}'".to_string()
                }
                TokenizerError::UnterminatedHereDocuments(tag, _) => {
                    format!("here-document delimited by end-of-file (wanted `{tag}')")
                }
                other => format!("syntax error: {other}"),
            };
            SyntaxError { line, message }
        }
    }
}

/// The shell token starting at char index `index` of `src`.
fn token_at(src: &str, index: usize) -> String {
    let rest: String = src.chars().skip(index).collect();
    let ops = [
        ";;", "&&", "||", ">>", "<<", "<&", ">&", "&>", "|&", ";", "&", "|", "(", ")", "<", ">",
        "\n",
    ];
    for op in ops {
        if rest.starts_with(op) {
            return op.to_string();
        }
    }
    rest.chars()
        .take_while(|c| !c.is_whitespace() && !";&|()<>".contains(*c))
        .collect()
}

/// Parse a word into pieces.
pub(crate) fn parse_word(text: &str) -> Result<Vec<WordPieceWithSource>, String> {
    word::parse(text, &options()).map_err(|_| format!("{text}: bad substitution"))
}

/// Parse a here-document body (quotes are literal).
pub(crate) fn parse_heredoc(text: &str) -> Result<Vec<WordPieceWithSource>, String> {
    word::parse_heredoc(text, &options()).map_err(|_| format!("{text}: bad substitution"))
}

/// Brace expansion of a raw word: the alternatives, or the word itself.
pub(crate) fn brace_expand(text: &str) -> Vec<String> {
    if !text.contains('{') {
        return vec![text.to_string()];
    }
    match word::parse_brace_expansions(text, &options()) {
        Ok(Some(pieces)) => {
            let pads = zero_pads(text);
            let mut out = Vec::new();
            expand_brace_pieces(&pieces, String::new(), &mut out, &pads);
            if out.len() > 100_000 {
                out.truncate(100_000);
            }
            out
        }
        _ => vec![text.to_string()],
    }
}

/// Widths of zero-padded sequences (`{01..10}`) by their bounds: brush
/// parses the bounds as integers, bash pads every term to the wider bound.
fn zero_pads(text: &str) -> Vec<((i64, i64), usize)> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(re) =
        RE.get_or_init(|| regex::Regex::new(r"\{(-?[0-9]+)\.\.(-?[0-9]+)(\.\.-?[0-9]+)?\}").ok())
    else {
        return Vec::new();
    };
    let mut pads = Vec::new();
    for c in re.captures_iter(text) {
        let (a, b) = (&c[1], &c[2]);
        let padded = |s: &str| {
            s.trim_start_matches('-').len() > 1 && s.trim_start_matches('-').starts_with('0')
        };
        if padded(a) || padded(b) {
            if let (Ok(x), Ok(y)) = (a.parse::<i64>(), b.parse::<i64>()) {
                pads.push(((x, y), a.len().max(b.len())));
            }
        }
    }
    pads
}

type Pads = [((i64, i64), usize)];

fn expand_brace_pieces(
    pieces: &[word::BraceExpressionOrText],
    prefix: String,
    out: &mut Vec<String>,
    pads: &Pads,
) {
    let Some((first, rest)) = pieces.split_first() else {
        out.push(prefix);
        return;
    };
    if out.len() > 100_000 {
        return;
    }
    match first {
        word::BraceExpressionOrText::Text(t) => expand_brace_pieces(rest, prefix + t, out, pads),
        word::BraceExpressionOrText::Expr(members) => {
            for alt in brace_alternatives(members, pads) {
                // An alternative may itself hold nested brace expressions.
                let mut inner = Vec::new();
                expand_brace_pieces(&alt, String::new(), &mut inner, pads);
                for s in inner {
                    expand_brace_pieces(rest, format!("{prefix}{s}"), out, pads);
                }
            }
        }
    }
}

fn brace_alternatives(
    members: &[word::BraceExpressionMember],
    pads: &Pads,
) -> Vec<Vec<word::BraceExpressionOrText>> {
    use word::BraceExpressionMember as M;
    use word::BraceExpressionOrText as T;
    let mut alts = Vec::new();
    for m in members {
        match m {
            M::Child(pieces) => alts.push(pieces.clone()),
            M::NumberSequence {
                start,
                end,
                increment,
            } => {
                let step = increment.unsigned_abs().max(1) as i64;
                let width = pads
                    .iter()
                    .find(|(k, _)| *k == (*start, *end))
                    .map_or(0, |(_, w)| *w);
                let fmt = |n: i64| {
                    if n < 0 {
                        format!("-{:0>w$}", n.unsigned_abs(), w = width.saturating_sub(1))
                    } else {
                        format!("{n:0>width$}")
                    }
                };
                let mut n = *start;
                let mut count = 0;
                loop {
                    alts.push(vec![T::Text(fmt(n))]);
                    count += 1;
                    if n == *end || count > 100_000 {
                        break;
                    }
                    if start <= end {
                        n += step;
                        if n > *end {
                            break;
                        }
                    } else {
                        n -= step;
                        if n < *end {
                            break;
                        }
                    }
                }
            }
            M::CharSequence {
                start,
                end,
                increment,
            } => {
                let step = increment.unsigned_abs().max(1) as u32;
                let (s, e) = (*start as u32, *end as u32);
                let mut c = s;
                loop {
                    if let Some(ch) = char::from_u32(c) {
                        alts.push(vec![T::Text(ch.to_string())]);
                    }
                    if c == e {
                        break;
                    }
                    if s <= e {
                        c += step;
                        if c > e {
                            break;
                        }
                    } else {
                        if c < e + step {
                            break;
                        }
                        c -= step;
                    }
                }
            }
        }
    }
    alts
}

/// The text of an arithmetic expression as written.
pub(crate) fn arith_text(e: &ast::UnexpandedArithmeticExpr) -> &str {
    &e.value
}

/// 1-based line of a word, if known.
pub(crate) fn word_line(w: &ast::Word) -> Option<usize> {
    w.loc.as_ref().map(|l| l.start.line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces() {
        assert_eq!(brace_expand("a{b,c}d"), vec!["abd", "acd"]);
        assert_eq!(brace_expand("{1..3}"), vec!["1", "2", "3"]);
        assert_eq!(brace_expand("{3..1}"), vec!["3", "2", "1"]);
        assert_eq!(brace_expand("{a..c}"), vec!["a", "b", "c"]);
        assert_eq!(brace_expand("{1..10..3}"), vec!["1", "4", "7", "10"]);
        assert_eq!(brace_expand("x{a,b{1,2}}"), vec!["xa", "xb1", "xb2"]);
        assert_eq!(brace_expand("{a}"), vec!["{a}"]);
        assert_eq!(brace_expand("{01..3}"), vec!["01", "02", "03"]);
        assert_eq!(brace_expand("{8..010}"), vec!["008", "009", "010"]);
        assert_eq!(brace_expand("'{a,b}'"), vec!["'{a,b}'"]);
    }

    #[test]
    fn syntax_errors() {
        let e = parse_program("if then fi").unwrap_err();
        assert!(e.message.contains("unexpected token"), "{e:?}");
        let e = parse_program("echo 'abc").unwrap_err();
        assert!(e.message.contains("matching `''"), "{e:?}");
        assert!(parse_program("echo a; echo b | cat").is_ok());
    }
}
