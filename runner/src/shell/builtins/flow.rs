//! Control flow and the shell itself: `:`, `true`, `false`, `exit`,
//! `return`, `break`, `continue`, `eval`, `source`/`.`, `trap`, `wait`,
//! `exec`, `builtin`, `times`, `umask`.

use super::super::exec::{Flow, Shell, R};
use crate::exec::absolute;

pub(crate) fn true_(_: &mut Shell<'_>, _: &[String]) -> R {
    Ok(0)
}

pub(crate) fn false_(_: &mut Shell<'_>, _: &[String]) -> R {
    Ok(1)
}

pub(crate) fn noop(_: &mut Shell<'_>, _: &[String]) -> R {
    Ok(0)
}

fn status_arg(sh: &mut Shell<'_>, cmd: &str, arg: Option<&String>) -> Result<i32, i32> {
    match arg {
        None => Ok(sh.st.last_status),
        Some(a) => match a.trim().parse::<i64>() {
            Ok(n) => Ok((n & 0xff) as i32),
            Err(_) => {
                sh.err(format!("{cmd}: {a}: numeric argument required"));
                Err(2)
            }
        },
    }
}

pub(crate) fn exit(sh: &mut Shell<'_>, argv: &[String]) -> R {
    if argv.len() > 2 {
        sh.err("exit: too many arguments");
        return Ok(1);
    }
    match status_arg(sh, "exit", argv.get(1)) {
        Ok(n) => Err(Flow::Exit(n)),
        Err(n) => Err(Flow::Exit(n)),
    }
}

pub(crate) fn return_(sh: &mut Shell<'_>, argv: &[String]) -> R {
    if sh.func_depth == 0 && sh.source_depth == 0 {
        sh.err("return: can only `return' from a function or sourced script");
        return Ok(1);
    }
    match status_arg(sh, "return", argv.get(1)) {
        Ok(n) => Err(Flow::Return(n)),
        Err(n) => Err(Flow::Return(n)),
    }
}

fn loop_count(sh: &mut Shell<'_>, cmd: &str, argv: &[String]) -> Result<usize, i32> {
    match argv.get(1) {
        None => Ok(1),
        Some(a) => match a.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(n as usize),
            Ok(_) => {
                sh.err(format!("{cmd}: {a}: loop count out of range"));
                Err(1)
            }
            Err(_) => {
                sh.err(format!("{cmd}: {a}: numeric argument required"));
                Err(128)
            }
        },
    }
}

pub(crate) fn break_(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let n = match loop_count(sh, "break", argv) {
        Ok(n) => n,
        Err(s) => return Ok(s),
    };
    if sh.loop_depth == 0 {
        sh.err("break: only meaningful in a `for', `while', or `until' loop");
        return Ok(0);
    }
    Err(Flow::Break(n.min(sh.loop_depth)))
}

pub(crate) fn continue_(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let n = match loop_count(sh, "continue", argv) {
        Ok(n) => n,
        Err(s) => return Ok(s),
    };
    if sh.loop_depth == 0 {
        sh.err("continue: only meaningful in a `for', `while', or `until' loop");
        return Ok(0);
    }
    Err(Flow::Continue(n.min(sh.loop_depth)))
}

pub(crate) fn eval(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let len: usize = argv[1..].iter().map(|a| a.len() + 1).sum();
    sh.reserve(len as u64, "eval")?;
    let text = argv[1..].join(" ");
    if text.trim().is_empty() {
        return Ok(0);
    }
    sh.check_depth("eval")?;
    sh.depth += 1;
    let r = sh.eval_text(&text);
    sh.depth -= 1;
    r
}

/// Find the file for `source NAME`: a name without `/` is searched in
/// PATH, then the cwd.
fn source_path(sh: &Shell<'_>, name: &str) -> Option<String> {
    if name.contains('/') {
        return Some(absolute(sh.st.cwd(), name));
    }
    let vfs = sh.exec.vfs.lock();
    for dir in sh
        .st
        .var("PATH")
        .unwrap_or("")
        .split(':')
        .filter(|d| !d.is_empty())
    {
        let p = absolute(&absolute(sh.st.cwd(), dir), name);
        if vfs
            .metadata(&p, true)
            .is_ok_and(|m| m.file_type == wasiland_vfs::FileType::Regular)
        {
            return Some(p);
        }
    }
    Some(absolute(sh.st.cwd(), name))
}

pub(crate) fn source(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let Some(name) = argv.get(1) else {
        sh.err(format!("{}: filename argument required", argv[0]));
        return Ok(2);
    };
    let path = source_path(sh, name).unwrap_or_default();
    let data = sh.exec.vfs.lock().read_file(&path);
    let text = match data {
        Ok(b) => {
            // The file's bytes and its text.
            sh.reserve((b.len() as u64).saturating_mul(2), name)?;
            String::from_utf8_lossy(&b).into_owned()
        }
        Err(e) => {
            let msg = super::super::redirect::vfs_message(e);
            sh.err(format!("{name}: {msg}"));
            return Ok(1);
        }
    };
    sh.check_depth("source")?;
    let saved_pos = if argv.len() > 2 {
        Some(std::mem::replace(&mut sh.st.positional, argv[2..].to_vec()))
    } else {
        None
    };
    sh.depth += 1;
    sh.source_depth += 1;
    let r = sh.run_text(&text, &format!("{name}: "));
    sh.source_depth -= 1;
    sh.depth -= 1;
    if let Some(p) = saved_pos {
        sh.st.positional = p;
    }
    match r {
        Err(Flow::Return(s)) => Ok(s),
        other => other,
    }
}

pub(crate) fn trap(sh: &mut Shell<'_>, argv: &[String]) -> R {
    if argv.len() == 1 || argv[1] == "-p" {
        let mut out = String::new();
        for (sig, action) in &sh.st.traps {
            out.push_str(&format!("trap -- {} {sig}\n", super::quote_single(action)));
        }
        sh.out(out)?;
        return Ok(0);
    }
    if argv[1] == "-l" {
        sh.out("1) SIGHUP\t2) SIGINT\t3) SIGQUIT\t9) SIGKILL\t13) SIGPIPE\t15) SIGTERM\n")?;
        return Ok(0);
    }
    let (action, sigs): (Option<String>, &[String]) = if argv.len() == 2 {
        (None, &argv[1..])
    } else if argv[1] == "-" {
        (None, &argv[2..])
    } else {
        (Some(argv[1].clone()), &argv[2..])
    };
    for s in sigs {
        let name = s.trim_start_matches("SIG").to_uppercase();
        let name = match name.as_str() {
            "0" => "EXIT".to_string(),
            "1" => "HUP".into(),
            "2" => "INT".into(),
            "15" => "TERM".into(),
            _ => name,
        };
        match &action {
            Some(a) => {
                sh.st.traps.insert(name, a.clone());
            }
            None => {
                sh.st.traps.remove(&name);
            }
        }
    }
    Ok(0)
}

pub(crate) fn wait(sh: &mut Shell<'_>, argv: &[String]) -> R {
    if argv.len() > 1 {
        let mut status = 127;
        for a in &argv[1..] {
            let pid: Option<u32> = a.trim_start_matches('%').parse().ok();
            if let Some(idx) = sh.jobs.iter().position(|j| Some(j.pid) == pid) {
                let job = sh.jobs.remove(idx);
                sh.st.bg_pids.retain(|p| *p != job.pid);
                status = job.join(&sh.exec.interrupt);
            } else {
                sh.err(format!("wait: pid {a} is not a child of this shell"));
                status = 127;
            }
        }
        return Ok(status);
    }
    if argv.len() > 1 && argv[1] == "-n" {
        if sh.jobs.is_empty() {
            return Ok(127);
        }
        loop {
            if let Some(idx) = sh.jobs.iter().position(|j| j.handle.is_finished()) {
                let job = sh.jobs.remove(idx);
                sh.st.bg_pids.retain(|p| *p != job.pid);
                return Ok(job.join(&sh.exec.interrupt));
            }
            sh.check_interrupt()?;
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    sh.wait_jobs();
    Ok(0)
}

/// `kill [-SIG] PID|%N...`: ends background jobs of this shell (their
/// processes stop like a cancelled run; `wait` reports 143).
pub(crate) fn kill(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let mut check_only = false;
    let mut status = 0;
    let mut targets = Vec::new();
    for a in &argv[1..] {
        if a == "-l" || a == "-L" {
            sh.out("HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM\n")?;
            return Ok(0);
        }
        if a == "-0" {
            check_only = true;
        } else if a.starts_with('-') && targets.is_empty() {
            // a signal name or number: every signal ends the job
        } else {
            targets.push(a.clone());
        }
    }
    if targets.is_empty() {
        sh.err("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]");
        return Ok(2);
    }
    for t in targets {
        let job = if let Some(n) = t.strip_prefix('%') {
            n.parse::<usize>()
                .ok()
                .and_then(|n| sh.jobs.get(n.wrapping_sub(1)))
        } else {
            t.parse::<u32>()
                .ok()
                .and_then(|p| sh.jobs.iter().find(|j| j.pid == p))
        };
        match job {
            Some(j) if !j.handle.is_finished() => {
                if !check_only {
                    j.interrupt
                        .trigger(wasiland_wasi_host::InterruptReason::Cancelled);
                }
            }
            _ => {
                sh.err(format!("kill: ({t}) - No such process"));
                status = 1;
            }
        }
    }
    Ok(status)
}

/// `jobs`: the background jobs still running.
pub(crate) fn jobs(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let pids_only = argv.iter().any(|a| a == "-p");
    let mut out = String::new();
    // A subshell (`jobs | wc -l`) sees its parent's jobs by pid only.
    let listed: Vec<(u32, bool)> = if sh.jobs.is_empty() {
        sh.st.bg_pids.iter().map(|p| (*p, false)).collect()
    } else {
        sh.jobs
            .iter()
            .map(|j| (j.pid, j.handle.is_finished()))
            .collect()
    };
    for (i, (pid, done)) in listed.into_iter().enumerate() {
        let state = if done { "Done" } else { "Running" };
        if pids_only {
            out.push_str(&format!("{pid}\n"));
        } else {
            out.push_str(&format!("[{}]  {state}\n", i + 1));
        }
    }
    sh.out(out)?;
    Ok(0)
}

pub(crate) fn exec(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let mut i = 1;
    while i < argv.len() && argv[i].starts_with('-') && argv[i] != "-" {
        if argv[i] == "--" {
            i += 1;
            break;
        }
        i += 1;
    }
    if i >= argv.len() {
        return Ok(0);
    }
    let status = sh.dispatch(argv[i..].to_vec(), Vec::new(), true)?;
    Err(Flow::Exit(status))
}

pub(crate) fn builtin(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let Some(name) = argv.get(1) else {
        return Ok(0);
    };
    match super::lookup(name) {
        Some(b) => b(sh, &argv[1..]),
        None => {
            sh.err(format!("builtin: {name}: not a shell builtin"));
            Ok(1)
        }
    }
}

pub(crate) fn times(sh: &mut Shell<'_>, _: &[String]) -> R {
    sh.out("0m0.000s 0m0.000s\n0m0.000s 0m0.000s\n")?;
    Ok(0)
}

pub(crate) fn umask(sh: &mut Shell<'_>, argv: &[String]) -> R {
    if argv.len() == 1 {
        sh.out("0022\n")?;
    }
    Ok(0)
}
