//! Commands served by the shell itself although they are programs
//! elsewhere: `sh`/`bash` (a child shell of ours) and `env` when no
//! `env` tool is installed.

use super::super::exec::{Shell, R};
use super::super::{Options, Value};
use crate::exec::absolute;

/// `bash [options] [-c CMD [NAME [ARGS...]] | SCRIPT [ARGS...]]`, or the
/// script read from stdin.
pub(crate) fn run_shell_command(
    sh: &mut Shell<'_>,
    argv: &[String],
    temp: &[(String, String)],
) -> R {
    let mut opts = Options::default();
    let mut command: Option<String> = None;
    let mut i = 1;
    let mut c_mode = false;
    while i < argv.len() {
        let a = argv[i].as_str();
        match a {
            "--" => {
                i += 1;
                break;
            }
            "-c" => c_mode = true,
            "--norc" | "--noprofile" | "--posix" | "-l" | "--login" | "-i" | "-s" | "-p"
            | "--noediting" => {}
            "-o" | "+o" => {
                i += 1;
                if let Some(name) = argv.get(i) {
                    let on = a == "-o";
                    match name.as_str() {
                        "pipefail" => opts.pipefail = on,
                        "errexit" => opts.errexit = on,
                        "nounset" => opts.nounset = on,
                        "xtrace" => opts.xtrace = on,
                        "noglob" => opts.noglob = on,
                        _ => {}
                    }
                }
            }
            "-O" | "+O" => i += 1,
            s if s.starts_with('-') && s.len() > 1 && !s.starts_with("--") => {
                for c in s[1..].chars() {
                    match c {
                        'c' => c_mode = true,
                        'e' => opts.errexit = true,
                        'u' => opts.nounset = true,
                        'x' => opts.xtrace = true,
                        'f' => opts.noglob = true,
                        _ => {}
                    }
                }
            }
            s if s.starts_with("--") => {}
            _ => break,
        }
        i += 1;
    }
    let name = argv[0].rsplit('/').next().unwrap_or("bash").to_string();
    let (text, arg0, args) = if c_mode {
        let Some(cmd) = argv.get(i) else {
            sh.err(format!("{name}: -c: option requires an argument"));
            return Ok(2);
        };
        command = Some(cmd.clone());
        let arg0 = argv.get(i + 1).cloned().unwrap_or_else(|| name.clone());
        let args = argv
            .get(i + 2..)
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        (cmd.clone(), arg0, args)
    } else if let Some(script) = argv.get(i) {
        let path = absolute(sh.st.cwd(), script);
        let text = match sh.exec.vfs.lock().read_file(&path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                let msg = super::super::redirect::vfs_message(e);
                sh.err(format!("{script}: {msg}"));
                return Ok(127);
            }
        };
        (text, script.clone(), argv[i + 1..].to_vec())
    } else {
        // The script comes from stdin.
        let mut data = Vec::new();
        if let Some(s) = sh.fds.get(0).cloned() {
            let mut buf = vec![0u8; 65536];
            loop {
                match s.read(&mut buf, &sh.exec.interrupt) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => data.extend_from_slice(&buf[..n]),
                }
            }
        }
        (
            String::from_utf8_lossy(&data).into_owned(),
            name.clone(),
            Vec::new(),
        )
    };
    let _ = command;
    sh.check_depth(&name)?;
    let mut st = sh.st.child_shell();
    for (k, v) in temp {
        st.export(k, v);
    }
    st.arg0 = arg0;
    st.positional = args;
    st.options = opts;
    let mut sub = Shell::new(&mut st, sh.exec, sh.fds.clone(), sh.depth + 1);
    sub.subshell = true;
    let status = sub.run_text_toplevel(&text);
    drop(sub);
    sh.check_interrupt()?;
    Ok(status)
}

/// `env [-i] [-u NAME]... [NAME=VALUE]... [COMMAND [ARGS...]]`.
pub(crate) fn env_builtin(sh: &mut Shell<'_>, argv: &[String], temp: &[(String, String)]) -> R {
    let mut st = sh.st.clone();
    for (k, v) in temp {
        st.export(k, v);
    }
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        if a == "-i" || a == "-" || a == "--ignore-environment" {
            for v in st.vars.values_mut() {
                v.exported = false;
            }
        } else if a == "-u" {
            i += 1;
            if let Some(n) = argv.get(i) {
                st.vars.remove(n);
            }
        } else if a == "--" {
            i += 1;
            break;
        } else if let Some((k, v)) = a.split_once('=') {
            if k.is_empty() {
                break;
            }
            st.export(k, v);
        } else {
            break;
        }
        i += 1;
    }
    if i >= argv.len() {
        let mut out = String::new();
        for (k, v) in st.exported_env() {
            out.push_str(&format!("{k}={v}\n"));
        }
        sh.out(out)?;
        return Ok(0);
    }
    let fds = sh.fds.clone();
    let mut sub = Shell::new(&mut st, sh.exec, fds, sh.depth + 1);
    sub.subshell = true;
    let _ = Value::Str(String::new());
    sub.run_external(argv[i..].to_vec(), Vec::new())
}
