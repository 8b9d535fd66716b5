//! `cd` and `pwd`.

use super::super::exec::{Shell, R};
use super::super::redirect::vfs_message;
use crate::exec::absolute;
use wasiland_vfs::FileType;

/// Normalise an absolute path logically (`.` and `..` by text, as bash's
/// `cd -L` does).
///
/// ```
/// assert_eq!(wasiland::shell::normalize_path("/home/user/../../tmp/./x"), "/tmp/x");
/// assert_eq!(wasiland::shell::normalize_path("/.."), "/");
/// ```
pub fn normalize(path: &str) -> String {
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

fn show_stack(sh: &Shell<'_>) -> String {
    let home = sh.st.var("HOME").unwrap_or("").to_string();
    let tilde = |d: &str| {
        if !home.is_empty() && (d == home || d.starts_with(&format!("{home}/"))) {
            format!("~{}", &d[home.len()..])
        } else {
            d.to_string()
        }
    };
    let mut parts = vec![tilde(sh.st.cwd())];
    parts.extend(sh.st.dir_stack.iter().map(|d| tilde(d)));
    parts.join(" ") + "\n"
}

pub(crate) fn dirs(sh: &mut Shell<'_>, argv: &[String]) -> R {
    if argv.iter().any(|a| a == "-c") {
        sh.st.dir_stack.clear();
        return Ok(0);
    }
    let s = show_stack(sh);
    sh.out(s)?;
    Ok(0)
}

pub(crate) fn pushd(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let old = sh.st.cwd().to_string();
    match argv.get(1) {
        Some(dir) => {
            let status = cd(sh, &["cd".to_string(), dir.clone()])?;
            if status != 0 {
                return Ok(status);
            }
            sh.st.dir_stack.insert(0, old);
        }
        None => {
            let Some(top) = sh.st.dir_stack.first().cloned() else {
                sh.err("pushd: no other directory");
                return Ok(1);
            };
            let status = cd(sh, &["cd".to_string(), top])?;
            if status != 0 {
                return Ok(status);
            }
            sh.st.dir_stack[0] = old;
        }
    }
    let s = show_stack(sh);
    sh.out(s)?;
    Ok(0)
}

pub(crate) fn popd(sh: &mut Shell<'_>, _argv: &[String]) -> R {
    if sh.st.dir_stack.is_empty() {
        sh.err("popd: directory stack empty");
        return Ok(1);
    }
    let top = sh.st.dir_stack.remove(0);
    let status = cd(sh, &["cd".to_string(), top])?;
    if status != 0 {
        return Ok(status);
    }
    let s = show_stack(sh);
    sh.out(s)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalizes() {
        assert_eq!(normalize("/a/b/../c/./d/"), "/a/c/d");
        assert_eq!(normalize("/.."), "/");
        assert_eq!(normalize("//x//y"), "/x/y");
    }
}
