//! Builtin commands, one file per family.

pub(crate) mod dirs;
pub(crate) mod flow;
pub(crate) mod io;
pub(crate) mod lookup;
pub(crate) mod shell_cmd;
pub(crate) mod vars;

use super::exec::{Shell, R};

/// A builtin: gets argv (with its name) and runs in the current shell.
pub(crate) type Builtin = fn(&mut Shell<'_>, &[String]) -> R;

/// Names of all builtins, sorted.
#[allow(dead_code)]
pub(crate) const NAMES: &[&str] = &[
    ".",
    ":",
    "[",
    "alias",
    "break",
    "builtin",
    "cd",
    "command",
    "continue",
    "declare",
    "echo",
    "eval",
    "exec",
    "exit",
    "export",
    "false",
    "getopts",
    "hash",
    "let",
    "local",
    "mapfile",
    "printf",
    "pwd",
    "read",
    "readarray",
    "readonly",
    "return",
    "set",
    "shift",
    "shopt",
    "source",
    "test",
    "times",
    "trap",
    "true",
    "type",
    "typeset",
    "ulimit",
    "umask",
    "unalias",
    "unset",
    "wait",
    "which",
];

/// The builtin called `name`.
pub(crate) fn lookup(name: &str) -> Option<Builtin> {
    Some(match name {
        ":" | "true" => flow::true_,
        "false" => flow::false_,
        "echo" => io::echo,
        "printf" => io::printf,
        "read" => io::read,
        "mapfile" | "readarray" => io::mapfile,
        "cd" => dirs::cd,
        "pwd" => dirs::pwd,
        "pushd" => dirs::pushd,
        "popd" => dirs::popd,
        "dirs" => dirs::dirs,
        "export" => vars::export,
        "unset" => vars::unset,
        "local" => vars::local,
        "declare" | "typeset" => vars::declare,
        "readonly" => vars::readonly,
        "shift" => vars::shift,
        "set" => vars::set,
        "shopt" => vars::shopt,
        "let" => vars::let_,
        "getopts" => vars::getopts,
        "exit" => flow::exit,
        "return" => flow::return_,
        "break" => flow::break_,
        "continue" => flow::continue_,
        "eval" => flow::eval,
        "source" | "." => flow::source,
        "trap" => flow::trap,
        "wait" => flow::wait,
        "kill" => flow::kill,
        "jobs" => flow::jobs,
        "exec" => flow::exec,
        "builtin" => flow::builtin,
        "times" => flow::times,
        "alias" | "unalias" | "hash" | "ulimit" => flow::noop,
        "umask" => flow::umask,
        "test" | "[" => |sh, argv| sh.test_builtin(argv),
        "type" => lookup::type_,
        "which" => lookup::which,
        "command" => lookup::command,
        _ => return None,
    })
}

/// Is `s` a valid variable name?
pub(crate) fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f == '_' || f.is_ascii_alphabetic())
        && c.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Quote `s` for reuse as shell input (`${v@Q}`, `printf %q`-like).
pub(crate) fn quote_single(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Quote a word the way `set -x` shows it.
pub(crate) fn quote_for_trace(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%^".contains(c))
    {
        s.to_string()
    } else {
        quote_single(s)
    }
}

/// `printf %q`: backslash-quote shell metacharacters.
pub(crate) fn quote_q(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    if s.chars().any(|c| c.is_control()) {
        let mut out = String::from("$'");
        for c in s.chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push_str(&format!("\\{:03o}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('\'');
        return out;
    }
    let mut out = String::new();
    for c in s.chars() {
        if !(c.is_alphanumeric() || "_-./=:,+@%^".contains(c)) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Quote a value for `declare -p` output.
pub(crate) fn quote_double(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
