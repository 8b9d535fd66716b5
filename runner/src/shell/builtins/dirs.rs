//! `cd` and `pwd`.

use super::super::exec::{Shell, R};
use super::super::redirect::vfs_message;
use crate::exec::absolute;
use wasiland_vfs::FileType;

/// Normalise an absolute path logically (`.` and `..` by text, as bash's
/// `cd -L` does).
pub(crate) fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

pub(crate) fn cd(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let args: Vec<&String> = argv[1..]
        .iter()
        .filter(|a| !matches!(a.as_str(), "-L" | "-P" | "-e" | "--"))
        .collect();
    if args.len() > 1 {
        sh.err("cd: too many arguments");
        return Ok(1);
    }
    let mut print = false;
    let dir = match args.first() {
        None => match sh.st.var("HOME") {
            Some(h) => h.to_string(),
            None => {
                sh.err("cd: HOME not set");
                return Ok(1);
            }
        },
        Some(d) if d.as_str() == "-" => match sh.st.var("OLDPWD") {
            Some(o) => {
                print = true;
                o.to_string()
            }
            None => {
                sh.err("cd: OLDPWD not set");
                return Ok(1);
            }
        },
        Some(d) => d.to_string(),
    };
    if dir.is_empty() {
        return Ok(0);
    }
    let target = normalize(&absolute(sh.st.cwd(), &dir));
    let meta = sh.exec.vfs.lock().metadata(&target, true);
    match meta {
        Ok(m) if m.file_type == FileType::Directory => {}
        Ok(_) => {
            sh.err(format!("cd: {dir}: Not a directory"));
            return Ok(1);
        }
        Err(e) => {
            sh.err(format!("cd: {dir}: {}", vfs_message(e)));
            return Ok(1);
        }
    }
    let old = sh.st.cwd().to_string();
    let _ = sh.st.set_var("OLDPWD", &old);
    sh.st.set_cwd(&target);
    if print {
        sh.out(format!("{target}\n"))?;
    }
    Ok(0)
}

pub(crate) fn pwd(sh: &mut Shell<'_>, _argv: &[String]) -> R {
    let cwd = sh.st.cwd().to_string();
    sh.out(format!("{cwd}\n"))?;
    Ok(0)
}
