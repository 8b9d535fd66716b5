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

/// A stand-in for a program the guests do not provide (`sh`, `env`,
/// `chmod`, ...): gets argv and the command's prefix assignments, which
/// it treats as the program's environment.
pub(crate) type Fallback = fn(&mut Shell<'_>, &[String], &[(String, String)]) -> R;

/// How a command name finds its implementation.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// POSIX's special builtins (`export`, `set`, `eval`, ...): found
    /// before `PATH`, after functions (bash's non-POSIX order).
    Special(Builtin),
    /// The other builtins: found the same way.
    Regular(Builtin),
    /// Only when no program of that name is found (a `PATH` entry, a
    /// guest tool): the name stays a program as far as `type` and
    /// `command -v` know. `by_path`: also for a path ending in the name
    /// (`/bin/sh` in a sandbox without one).
    Fallback { run: Fallback, by_path: bool },
}

/// Every name the shell implements itself, in one place: dispatch, the
/// `builtin` builtin, `type`, `command`, shebang interpreters and the
/// fallbacks for missing programs all read it. Adding a builtin is one
/// line here plus its function.
pub(crate) const REGISTRY: &[(&str, Kind)] = &[
    (".", Kind::Special(flow::source)),
    (":", Kind::Special(flow::true_)),
    ("[", Kind::Regular(test_builtin)),
    ("alias", Kind::Regular(flow::noop)),
    ("break", Kind::Special(flow::break_)),
    ("builtin", Kind::Regular(flow::builtin)),
    ("cd", Kind::Regular(dirs::cd)),
    ("command", Kind::Regular(lookup::command)),
    ("continue", Kind::Special(flow::continue_)),
    ("declare", Kind::Regular(vars::declare)),
    ("dirs", Kind::Regular(dirs::dirs)),
    ("echo", Kind::Regular(io::echo)),
    ("eval", Kind::Special(flow::eval)),
    ("exec", Kind::Special(flow::exec)),
    ("exit", Kind::Special(flow::exit)),
    ("export", Kind::Special(vars::export)),
    ("false", Kind::Regular(flow::false_)),
    ("getopts", Kind::Regular(vars::getopts)),
    ("hash", Kind::Regular(flow::noop)),
    ("jobs", Kind::Regular(flow::jobs)),
    ("kill", Kind::Regular(flow::kill)),
    ("let", Kind::Regular(vars::let_)),
    ("local", Kind::Regular(vars::local)),
    ("mapfile", Kind::Regular(io::mapfile)),
    ("popd", Kind::Regular(dirs::popd)),
    ("printf", Kind::Regular(io::printf)),
    ("pushd", Kind::Regular(dirs::pushd)),
    ("pwd", Kind::Regular(dirs::pwd)),
    ("read", Kind::Regular(io::read)),
    ("readarray", Kind::Regular(io::mapfile)),
    ("readonly", Kind::Special(vars::readonly)),
    ("return", Kind::Special(flow::return_)),
    ("set", Kind::Special(vars::set)),
    ("shift", Kind::Special(vars::shift)),
    ("shopt", Kind::Regular(vars::shopt)),
    ("source", Kind::Regular(flow::source)),
    ("test", Kind::Regular(test_builtin)),
    ("times", Kind::Special(flow::times)),
    ("trap", Kind::Special(flow::trap)),
    ("true", Kind::Regular(flow::true_)),
    ("type", Kind::Regular(lookup::type_)),
    ("typeset", Kind::Regular(vars::declare)),
    ("ulimit", Kind::Regular(flow::noop)),
    ("umask", Kind::Regular(flow::umask)),
    ("unalias", Kind::Regular(flow::noop)),
    ("unset", Kind::Special(vars::unset)),
    ("wait", Kind::Regular(flow::wait)),
    ("which", Kind::Regular(lookup::which)),
    // Programs a sandbox may lack.
    (
        "bash",
        Kind::Fallback {
            run: shell_cmd::run_shell_command,
            by_path: true,
        },
    ),
    (
        "chmod",
        Kind::Fallback {
            run: shell_cmd::chmod,
            by_path: false,
        },
    ),
    (
        "env",
        Kind::Fallback {
            run: shell_cmd::env_builtin,
            by_path: false,
        },
    ),
    (
        "hostname",
        Kind::Fallback {
            run: shell_cmd::identity,
            by_path: false,
        },
    ),
    (
        "id",
        Kind::Fallback {
            run: shell_cmd::identity,
            by_path: false,
        },
    ),
    (
        "logname",
        Kind::Fallback {
            run: shell_cmd::identity,
            by_path: false,
        },
    ),
    (
        "sh",
        Kind::Fallback {
            run: shell_cmd::run_shell_command,
            by_path: true,
        },
    ),
    (
        "timeout",
        Kind::Fallback {
            run: shell_cmd::timeout,
            by_path: false,
        },
    ),
    (
        "whoami",
        Kind::Fallback {
            run: shell_cmd::identity,
            by_path: false,
        },
    ),
];

fn test_builtin(sh: &mut Shell<'_>, argv: &[String]) -> R {
    sh.test_builtin(argv)
}

fn kind(name: &str) -> Option<Kind> {
    REGISTRY.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// The builtin called `name` (special or regular).
pub(crate) fn lookup(name: &str) -> Option<Builtin> {
    match kind(name)? {
        Kind::Special(b) | Kind::Regular(b) => Some(b),
        Kind::Fallback { .. } => None,
    }
}

/// The stand-in for a program `name` (a bare name or a path) that was not
/// found.
pub(crate) fn fallback(name: &str) -> Option<Fallback> {
    let (base, is_path) = match name.rsplit_once('/') {
        Some((_, base)) => (base, true),
        None => (name, false),
    };
    match kind(base)? {
        Kind::Fallback { run, by_path } if by_path || !is_path => Some(run),
        _ => None,
    }
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

#[cfg(test)]
mod registry_tests {
    use super::*;

    #[test]
    fn each_name_is_registered_once() {
        let mut names: Vec<&str> = REGISTRY.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a name registered twice");
    }

    #[test]
    fn fallbacks_answer_for_paths_only_where_registered() {
        assert!(fallback("sh").is_some() && fallback("/bin/sh").is_some());
        assert!(fallback("env").is_some() && fallback("/usr/bin/env").is_none());
        assert!(fallback("echo").is_none() && lookup("echo").is_some());
        assert!(lookup("sh").is_none());
    }
}
