//! Commands served by the shell itself although they are programs
//! elsewhere: `sh`/`bash` (a child shell of ours), and, when no such tool
//! is installed, `env`, `chmod` (uutils' does not build for WASI),
//! `timeout` (needs to run a command: no process creation in WASI),
//! `whoami`, `id`, `hostname`, `logname`.

use super::super::exec::{Shell, R};
use super::super::Options;
use crate::exec::absolute;
use wasiland_wasi_host::{Interrupt, InterruptReason};

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
                        'o' => {
                            i += 1;
                            match argv.get(i).map(String::as_str) {
                                Some("pipefail") => opts.pipefail = true,
                                Some("errexit") => opts.errexit = true,
                                Some("nounset") => opts.nounset = true,
                                Some("xtrace") => opts.xtrace = true,
                                Some("noglob") => opts.noglob = true,
                                _ => {}
                            }
                        }
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
        // The lock is released before the match: stderr may be a file.
        let read = sh.exec.vfs.lock().read_file(&path);
        let text = match read {
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
    let Some(mut st) = sh.child_state(&name) else {
        return Ok(1);
    };
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
    let Some(mut st) = sh.fork_state() else {
        return Ok(1);
    };
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
    sub.run_external(argv[i..].to_vec(), Vec::new())
}

/// Apply a symbolic (`u+x,go-w`, `+x`, `a=r`) or octal mode to `old`.
pub(crate) fn apply_mode(spec: &str, old: u32, is_dir: bool) -> Option<u32> {
    if !spec.is_empty() && spec.chars().all(|c| c.is_digit(8)) {
        return u32::from_str_radix(spec, 8).ok().filter(|m| *m <= 0o7777);
    }
    let mut mode = old;
    for clause in spec.split(',') {
        let who_len = clause.chars().take_while(|c| "ugoa".contains(*c)).count();
        let who = &clause[..who_len];
        let mut rest = &clause[who_len..];
        if rest.is_empty() {
            return None;
        }
        let mask_who = if who.is_empty() || who.contains('a') {
            0o7777
        } else {
            let mut m = 0;
            if who.contains('u') {
                m |= 0o4700;
            }
            if who.contains('g') {
                m |= 0o2070;
            }
            if who.contains('o') {
                m |= 0o1007;
            }
            m
        };
        while !rest.is_empty() {
            let op = rest.chars().next()?;
            if !"+-=".contains(op) {
                return None;
            }
            rest = &rest[1..];
            let perm_len = rest.chars().take_while(|c| "rwxXst".contains(*c)).count();
            let perms = &rest[..perm_len];
            rest = &rest[perm_len..];
            let mut bits = 0;
            for p in perms.chars() {
                bits |= match p {
                    'r' => 0o444,
                    'w' => 0o222,
                    'x' => 0o111,
                    'X' if is_dir || old & 0o111 != 0 => 0o111,
                    's' => 0o6000,
                    't' => 0o1000,
                    _ => 0,
                };
            }
            // Without "who", + and = respect the umask (022) for w.
            let bits = if who.is_empty() && op != '-' {
                bits & !0o022 | (bits & 0o200)
            } else {
                bits
            };
            let bits = bits & mask_who;
            match op {
                '+' => mode |= bits,
                '-' => mode &= !bits,
                _ => mode = (mode & !(mask_who & 0o777)) | bits,
            }
        }
    }
    Some(mode)
}

/// `chmod [-R] MODE FILE...` over the VFS.
pub(crate) fn chmod(sh: &mut Shell<'_>, argv: &[String], _temp: &[(String, String)]) -> R {
    let mut recursive = false;
    let mut args: Vec<&String> = Vec::new();
    for a in &argv[1..] {
        match a.as_str() {
            "-R" | "--recursive" => recursive = true,
            "-v" | "-c" | "-f" | "--" => {}
            _ => args.push(a),
        }
    }
    if args.len() < 2 {
        sh.err("chmod: missing operand");
        return Ok(1);
    }
    let spec = args[0].clone();
    let mut status = 0;
    for f in &args[1..] {
        let abs = absolute(sh.st.cwd(), f);
        let mut todo = vec![abs];
        while let Some(path) = todo.pop() {
            let mut vfs = sh.exec.vfs.lock();
            let meta = match vfs.metadata(&path, true) {
                Ok(m) => m,
                Err(e) => {
                    drop(vfs);
                    sh.err(format!(
                        "chmod: cannot access '{f}': {}",
                        super::super::redirect::vfs_message(e)
                    ));
                    status = 1;
                    continue;
                }
            };
            let is_dir = meta.file_type == wasiland_vfs::FileType::Directory;
            let Some(mode) = apply_mode(&spec, meta.mode, is_dir) else {
                drop(vfs);
                sh.err(format!("chmod: invalid mode: '{spec}'"));
                return Ok(1);
            };
            let _ = vfs.set_mode(meta.ino, mode);
            if recursive && is_dir {
                if let Ok(entries) = vfs.list_dir(&path) {
                    for e in entries {
                        if e.name != "."
                            && e.name != ".."
                            && e.file_type != wasiland_vfs::FileType::Symlink
                        {
                            todo.push(format!("{}/{}", path.trim_end_matches('/'), e.name));
                        }
                    }
                }
            }
        }
    }
    Ok(status)
}

/// `whoami`, `logname`, `id [-u|-g|-n]`, `hostname` for the sandbox user.
pub(crate) fn identity(sh: &mut Shell<'_>, argv: &[String], _temp: &[(String, String)]) -> R {
    let base = argv[0].rsplit('/').next().unwrap_or("").to_string();
    let user = sh.st.var("USER").unwrap_or("user").to_string();
    let flags: String = argv[1..]
        .iter()
        .filter(|a| a.starts_with('-'))
        .map(|a| a.trim_start_matches('-'))
        .collect();
    let out = match base.as_str() {
        "whoami" | "logname" => format!("{user}\n"),
        "hostname" => {
            let h = sh
                .exec
                .vfs
                .lock()
                .read_file("/etc/hostname")
                .map(|b| String::from_utf8_lossy(&b).trim().to_string());
            format!(
                "{}\n",
                h.ok()
                    .filter(|h| !h.is_empty())
                    .unwrap_or_else(|| "wasiland".into())
            )
        }
        _ => {
            let (uid, gid) = if user == "root" { (0, 0) } else { (1000, 1000) };
            let name = flags.contains('n');
            if flags.contains('u') {
                if name {
                    format!("{user}\n")
                } else {
                    format!("{uid}\n")
                }
            } else if flags.contains('g') || flags.contains('G') {
                if name {
                    format!("{user}\n")
                } else {
                    format!("{gid}\n")
                }
            } else {
                format!("uid={uid}({user}) gid={gid}({user}) groups={gid}({user})\n")
            }
        }
    };
    sh.out(out)?;
    Ok(0)
}

/// A `timeout` duration: seconds with an optional s/m/h/d suffix.
fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let (num, mult) = match s.chars().last()? {
        's' => (&s[..s.len() - 1], 1.0),
        'm' => (&s[..s.len() - 1], 60.0),
        'h' => (&s[..s.len() - 1], 3600.0),
        'd' => (&s[..s.len() - 1], 86400.0),
        _ => (s, 1.0),
    };
    let v: f64 = num.parse().ok()?;
    // `timeout 1e100`: longer than any deadline (a Duration past 2^64 s
    // panics, and so would an Instant that far ahead).
    let most = std::time::Duration::from_secs(u64::from(u32::MAX));
    (v >= 0.0 && v.is_finite())
        .then(|| std::time::Duration::try_from_secs_f64(v * mult).map_or(most, |d| d.min(most)))
}

/// `timeout [-s SIG] [-k DUR] [--preserve-status] DURATION COMMAND...`:
/// runs the command with its own deadline; 124 when it expires.
pub(crate) fn timeout(sh: &mut Shell<'_>, argv: &[String], _temp: &[(String, String)]) -> R {
    let mut i = 1;
    let mut preserve = false;
    while i < argv.len() && argv[i].starts_with('-') && argv[i].len() > 1 {
        match argv[i].as_str() {
            "-s" | "-k" | "--signal" | "--kill-after" => i += 1,
            "--preserve-status" => preserve = true,
            "--" => {
                i += 1;
                break;
            }
            _ => {}
        }
        i += 1;
    }
    let Some(dur) = argv.get(i).and_then(|d| parse_duration(d)) else {
        sh.err(format!(
            "timeout: invalid time interval '{}'",
            argv.get(i).cloned().unwrap_or_default()
        ));
        return Ok(125);
    };
    let command: Vec<String> = argv.iter().skip(i + 1).cloned().collect();
    if command.is_empty() {
        sh.err("timeout: missing operand");
        return Ok(125);
    }
    sh.check_depth("timeout")?;
    let child = Interrupt::new();
    let own = std::time::Instant::now() + dur;
    let deadline = match sh.exec.interrupt.deadline() {
        Some(d) if d < own => d,
        _ => own,
    };
    child.set_deadline(Some(deadline));
    let mut exec = sh.exec.clone();
    exec.interrupt = child.clone();
    // Limits hit under the command's own deadline are not the run's.
    exec.hits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let parent = sh.exec.interrupt.clone();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (child, done) = (child.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                if parent.check().is_err() {
                    child.trigger(InterruptReason::Cancelled);
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        })
    };
    let Some(mut st) = sh.fork_state() else {
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = watcher.join();
        return Ok(1);
    };
    let status = {
        let mut sub = Shell::new(&mut st, &exec, sh.fds.clone(), sh.depth + 1);
        sub.subshell = true;
        let r = sub.dispatch(command, Vec::new(), true);
        sub.finish_subshell(r)
    };
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = watcher.join();
    sh.check_interrupt()?;
    let expired =
        child.check() == Err(InterruptReason::Timeout) && std::time::Instant::now() >= own;
    let others: Vec<_> = exec
        .hits
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .drain(..)
        .filter(|h| h.kind != crate::limits::LimitKind::Timeout)
        .collect();
    for h in others {
        sh.exec.record_hit(h.kind, &h.process);
    }
    Ok(if expired && !preserve { 124 } else { status })
}

#[cfg(test)]
mod tests {
    use super::apply_mode;

    #[test]
    fn modes() {
        assert_eq!(apply_mode("755", 0o644, false), Some(0o755));
        assert_eq!(apply_mode("+x", 0o644, false), Some(0o755));
        assert_eq!(apply_mode("u+x", 0o644, false), Some(0o744));
        assert_eq!(apply_mode("go-r", 0o644, false), Some(0o600));
        assert_eq!(apply_mode("a=r", 0o755, false), Some(0o444));
        assert_eq!(apply_mode("u=rwx,g=rx,o=", 0o600, false), Some(0o750));
        assert_eq!(apply_mode("zz", 0o600, false), None);
    }
}
