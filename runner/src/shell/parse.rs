//! Adapter over `brush-parser`: parse programs and words with bash's
//! defaults (no extglob), and word syntax errors like bash.

use super::{brace, word};
use brush_parser::ast;
use brush_parser::word::{self as word_ast, WordPieceWithSource};
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

/// Parse a whole text (a command substitution, a trap): an error
/// anywhere fails all of it. Scripts, `eval` and `source` are read a
/// command at a time instead ([`super::script::Script`]).
pub(crate) fn parse_program(src: &str) -> Result<ast::Program, SyntaxError> {
    super::script::parse_all(src)
}

/// [`parse_program`] for text a guest made, its tokens and tree charged to
/// `budget` (held by the caller while the program runs); an error says
/// whether the charge was refused.
pub(crate) fn parse_program_charged(
    src: &str,
    budget: &wasiland_wasi_host::budget::MemoryBudget,
) -> Result<(ast::Program, Option<wasiland_wasi_host::budget::Charge>), (SyntaxError, bool)> {
    super::script::parse_all_charged(src, budget)
}

/// Is `src` an unfinished command (open quote, compound command,
/// here-document, trailing `|` or `&&`)? For interactive continuation lines.
pub(crate) fn is_incomplete(src: &str) -> bool {
    super::script::is_incomplete(src)
}

/// bash's wording of a parse error of `src`.
pub(crate) fn describe(src: &str, e: ParseError) -> SyntaxError {
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
            describe_tokenizer_error(inner, line)
        }
    }
}

/// bash's wording of a tokenizer error found on `line`.
pub(crate) fn describe_tokenizer_error(e: TokenizerError, line: usize) -> SyntaxError {
    let message = match e {
        TokenizerError::UnterminatedSingleQuote(_) | TokenizerError::UnterminatedAnsiCQuote(_) => {
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

/// Deepest nesting of constructs in one piece of shell text (compound
/// commands, quotes and expansions inside words, brace groups,
/// arithmetic parentheses), and of the interpreter's own recursion. bash
/// has no fixed bound; real scripts stay far below it, and the host stack
/// needed at this depth is a few MiB.
pub(crate) const MAX_NESTING: usize = 1000;

/// Host stack that must be left for one more level of the interpreter's
/// own recursion; below it a construct is refused as nested too deeply.
pub(crate) const STACK_RESERVE: usize = 2 << 20;

/// Parse a word into pieces.
pub(crate) fn parse_word(text: &str) -> Result<Vec<WordPieceWithSource>, String> {
    word::parse(text).map_err(|e| word_error(text, e))
}

/// Parse a here-document body (quotes are literal).
pub(crate) fn parse_heredoc(text: &str) -> Result<Vec<WordPieceWithSource>, String> {
    word::parse_heredoc(text).map_err(|e| word_error(text, e))
}

/// Parse the target of an indirect expansion (`${!v}` where `v` holds
/// `name`, `a[1]`, `3`...).
pub(crate) fn parse_parameter(text: &str) -> Result<word_ast::Parameter, String> {
    word::parse_parameter(text).map_err(|_| format!("{text}: invalid indirect expansion"))
}

fn word_error(text: &str, e: word::WordError) -> String {
    match e {
        word::WordError::Syntax => format!("{text}: bad substitution"),
        word::WordError::TooDeep => format!(
            "{}: expansions nested too deeply (more than {MAX_NESTING})",
            abbreviate(text)
        ),
        word::WordError::TooComplex => format!("{}: word too complex to parse", abbreviate(text)),
    }
}

/// `text`, or its start and `...` when long (for messages).
pub(crate) fn abbreviate(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// The brace groups of a raw word (see [`brace`]); an error when they nest
/// deeper than [`MAX_NESTING`].
pub(crate) fn braces(text: &str) -> Result<Option<brace::Braces>, String> {
    brace::parse(text).map_err(|_| {
        format!(
            "{}: brace expansion nested too deeply (more than {MAX_NESTING})",
            abbreviate(text)
        )
    })
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
    fn syntax_errors() {
        let e = parse_program("if then fi").unwrap_err();
        assert!(e.message.contains("unexpected token"), "{e:?}");
        let e = parse_program("echo 'abc").unwrap_err();
        assert!(e.message.contains("matching `''"), "{e:?}");
        assert!(parse_program("echo a; echo b | cat").is_ok());
    }
}
