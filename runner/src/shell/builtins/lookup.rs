//! How names resolve: `type`, `which`, `command`.

use super::super::exec::{Shell, R};
use crate::exec::absolute;
use wasiland_vfs::FileType;

/// Reserved words.
pub(crate) const KEYWORDS: &[&str] = &[
    "!", "[[", "]]", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for",
    "function", "if", "in", "select", "then", "time", "until", "while",
];

/// The executable files called `name` on PATH (all of them).
pub(crate) fn find_in_path(sh: &Shell<'_>, name: &str) -> Vec<String> {
    let vfs = sh.exec.vfs.lock();
    let ok = |p: &str| {
        vfs.metadata(p, true)
            .is_ok_and(|m| m.file_type == FileType::Regular && m.mode & 0o111 != 0)
    };
    if name.contains('/') {
        let p = absolute(sh.st.cwd(), name);
        return if ok(&p) {
            vec![name.to_string()]
        } else {
            vec![]
        };
    }
    let mut out = Vec::new();
    for dir in sh.st.var("PATH").unwrap_or("").split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let p = if dir.starts_with('/') {
            format!("{}/{name}", dir.trim_end_matches('/'))
        } else {
            absolute(sh.st.cwd(), &format!("{dir}/{name}"))
        };
        if ok(&p) && !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

#[derive(PartialEq)]
enum Kind {
    Keyword,
    Function,
    Builtin,
    File(String),
}

fn kinds(sh: &Shell<'_>, name: &str, all: bool, path_only: bool) -> Vec<Kind> {
    let mut v = Vec::new();
    if !path_only {
        if KEYWORDS.contains(&name) {
            v.push(Kind::Keyword);
        }
        if sh.st.functions.contains_key(name) {
            v.push(Kind::Function);
        }
        if super::lookup(name).is_some() {
            v.push(Kind::Builtin);
        }
    }
    if all || v.is_empty() {
        for p in find_in_path(sh, name) {
            v.push(Kind::File(p));
        }
    }
    if !all {
        v.truncate(1);
    }
    v
}

pub(crate) fn type_(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let mut terse = false;
    let mut path = false;
    let mut force_path = false;
    let mut all = false;
    let mut names = Vec::new();
    for a in &argv[1..] {
        if a.starts_with('-') && a.len() > 1 && names.is_empty() {
            for c in a[1..].chars() {
                match c {
                    't' => terse = true,
                    'p' => path = true,
                    'P' => force_path = true,
                    'a' => all = true,
                    'f' => {}
                    _ => {
                        sh.err(format!("type: -{c}: invalid option"));
                        return Ok(2);
                    }
                }
            }
        } else {
            names.push(a.clone());
        }
    }
    let mut status = 0;
    let mut out = String::new();
    for n in &names {
        let ks = kinds(sh, n, all, force_path);
        if ks.is_empty() {
            if !terse && !path && !force_path {
                sh.err(format!("type: {n}: not found"));
            }
            status = 1;
            continue;
        }
        for k in ks {
            match k {
                Kind::Keyword if terse => out.push_str("keyword\n"),
                Kind::Keyword if !path => out.push_str(&format!("{n} is a shell keyword\n")),
                Kind::Function if terse => out.push_str("function\n"),
                Kind::Function if !path => {
                    let body = sh
                        .st
                        .functions
                        .get(n)
                        .map(|f| f.0.to_string())
                        .unwrap_or_default();
                    out.push_str(&format!("{n} is a function\n{n} () \n{body}\n"));
                }
                Kind::Builtin if terse => out.push_str("builtin\n"),
                Kind::Builtin if !path => out.push_str(&format!("{n} is a shell builtin\n")),
                Kind::File(_) if terse => out.push_str("file\n"),
                Kind::File(p) if path || force_path => out.push_str(&format!("{p}\n")),
                Kind::File(p) => out.push_str(&format!("{n} is {p}\n")),
                _ => {}
            }
        }
    }
    sh.out(out)?;
    Ok(status)
}

pub(crate) fn which(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let mut all = false;
    let mut status = 0;
    let mut out = String::new();
    for a in &argv[1..] {
        if a == "-a" {
            all = true;
            continue;
        }
        let found = find_in_path(sh, a);
        if found.is_empty() {
            status = 1;
        }
        for p in found.iter().take(if all { usize::MAX } else { 1 }) {
            out.push_str(p);
            out.push('\n');
        }
    }
    sh.out(out)?;
    Ok(status)
}

pub(crate) fn command(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let mut i = 1;
    let mut verbose = 0;
    while i < argv.len() && argv[i].starts_with('-') && argv[i].len() > 1 {
        match argv[i].as_str() {
            "-v" => verbose = 1,
            "-V" => verbose = 2,
            "-p" => {}
            "--" => {
                i += 1;
                break;
            }
            other => {
                sh.err(format!("command: {other}: invalid option"));
                return Ok(2);
            }
        }
        i += 1;
    }
    if i >= argv.len() {
        return Ok(0);
    }
    if verbose == 2 {
        let mut v = vec!["type".to_string()];
        v.extend(argv[i..].iter().cloned());
        return type_(sh, &v);
    }
    if verbose == 1 {
        let mut status = 0;
        let mut out = String::new();
        for n in &argv[i..] {
            match kinds(sh, n, false, false).into_iter().next() {
                Some(Kind::File(p)) => out.push_str(&format!("{p}\n")),
                Some(_) => out.push_str(&format!("{n}\n")),
                None => status = 1,
            }
        }
        sh.out(out)?;
        return Ok(status);
    }
    sh.dispatch(argv[i..].to_vec(), Vec::new(), true)
}
