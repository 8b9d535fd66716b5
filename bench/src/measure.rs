//! Timing child processes (with their peak RSS) and talking to the warm
//! wasmtime reference.
//!
//! Child processes are started by a helper process (this binary with
//! `--spawn-helper`) that is itself started before the benchmark allocates
//! anything. Linux carries a process's peak RSS across `exec` from the
//! memory image it replaces, so a child forked straight from the
//! benchmark (hundreds of MiB by then) would report the benchmark's peak
//! as its own; children of the small helper report their own.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What one child process did.
pub struct ProcRun {
    /// From just before spawn to the moment it was reaped.
    pub elapsed: Duration,
    /// Exit status, or 128 + signal.
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Peak resident set of the child (for `bash -c` pipelines: of its
    /// largest process), KiB.
    pub maxrss_kib: u64,
}

fn drain(stream: Option<impl Read + Send + 'static>) -> Option<JoinHandle<Vec<u8>>> {
    stream.map(|mut s| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            buf
        })
    })
}

/// Run `cmd` to the end with empty stdin, stdout captured (or sent to
/// /dev/null) and stderr captured.
pub fn run_process(cmd: &mut Command, null_stdout: bool) -> std::io::Result<ProcRun> {
    cmd.stdin(Stdio::null())
        .stdout(if null_stdout {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let (status, maxrss_kib) = reap(&child)?;
    let elapsed = start.elapsed();
    let join = |h: Option<JoinHandle<Vec<u8>>>| h.and_then(|h| h.join().ok()).unwrap_or_default();
    Ok(ProcRun {
        elapsed,
        status,
        stdout: join(out),
        stderr: join(err),
        maxrss_kib,
    })
}

/// Wait for the child with wait4(2), which also reports its peak RSS.
/// (std's `Child::wait` would not; the `Child` is not waited on again.)
fn reap(child: &Child) -> std::io::Result<(i32, u64)> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; pid is our own unreaped child.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        -1
    };
    Ok((code, usage.ru_maxrss.max(0) as u64))
}

/// A command for the helper to run.
#[derive(Clone, Debug, Default)]
pub struct Spec {
    pub argv: Vec<String>,
    pub cwd: PathBuf,
    /// Added to the inherited environment.
    pub env: Vec<(String, String)>,
    pub null_stdout: bool,
}

impl Spec {
    pub fn new(argv: Vec<String>, cwd: &Path) -> Spec {
        Spec {
            argv,
            cwd: cwd.to_path_buf(),
            ..Spec::default()
        }
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "argv": self.argv,
            "cwd": self.cwd.display().to_string(),
            "env": self.env,
            "null_stdout": self.null_stdout,
        })
    }

    fn from_json(v: &serde_json::Value) -> Option<Spec> {
        let strings = |v: &serde_json::Value| -> Option<Vec<String>> {
            v.as_array()?
                .iter()
                .map(|s| s.as_str().map(String::from))
                .collect()
        };
        let env = v
            .get("env")?
            .as_array()?
            .iter()
            .map(|kv| match strings(kv)?.as_slice() {
                [k, v] => Some((k.clone(), v.clone())),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Spec {
            argv: strings(v.get("argv")?)?,
            cwd: PathBuf::from(v.get("cwd")?.as_str()?),
            env,
            null_stdout: v.get("null_stdout")?.as_bool()?,
        })
    }
}

/// The helper's loop: one JSON [`Spec`] per line on stdin, one JSON result
/// per line on stdout.
pub fn helper_main() {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let reply = match serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .as_ref()
            .and_then(Spec::from_json)
        {
            None => serde_json::json!({"error": format!("bad request {line:?}")}),
            Some(spec) if spec.argv.is_empty() => serde_json::json!({"error": "empty argv"}),
            Some(spec) => {
                let mut cmd = Command::new(&spec.argv[0]);
                cmd.args(&spec.argv[1..]).current_dir(&spec.cwd);
                for (k, v) in &spec.env {
                    cmd.env(k, v);
                }
                match run_process(&mut cmd, spec.null_stdout) {
                    Err(e) => serde_json::json!({"error": format!("{}: {e}", spec.argv[0])}),
                    Ok(r) => serde_json::json!({
                        "ms": r.elapsed.as_secs_f64() * 1e3,
                        "status": r.status,
                        "stdout": String::from_utf8_lossy(&r.stdout),
                        "stderr": String::from_utf8_lossy(&r.stderr),
                        "maxrss_kib": r.maxrss_kib,
                    }),
                }
            }
        };
        if writeln!(stdout, "{reply}")
            .and_then(|_| stdout.flush())
            .is_err()
        {
            break;
        }
    }
}

/// What one command run by the helper did.
pub struct SpawnRun {
    pub ms: f64,
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub maxrss_kib: u64,
}

/// The client side of the helper.
pub struct Spawner {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Spawner {
    /// Start `exe --spawn-helper`.
    pub fn start(exe: &Path) -> std::io::Result<Spawner> {
        let mut child = Command::new(exe)
            .arg("--spawn-helper")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().ok_or(std::io::ErrorKind::BrokenPipe)?);
        Ok(Spawner {
            child,
            stdin,
            stdout,
        })
    }

    pub fn run(&mut self, spec: &Spec) -> Result<SpawnRun, String> {
        let stdin = self.stdin.as_mut().ok_or("spawn helper closed")?;
        writeln!(stdin, "{}", spec.to_json())
            .and_then(|_| stdin.flush())
            .map_err(|e| format!("spawn helper: {e}"))?;
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => return Err("spawn helper ended".into()),
            Err(e) => return Err(format!("spawn helper: {e}")),
            Ok(_) => {}
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("spawn helper: {e}: {line}"))?;
        if let Some(e) = v.get("error").and_then(|e| e.as_str()) {
            return Err(e.to_string());
        }
        let text = |k: &str| {
            v.get(k)
                .and_then(|s| s.as_str())
                .unwrap_or_default()
                .as_bytes()
                .to_vec()
        };
        Ok(SpawnRun {
            ms: v.get("ms").and_then(|m| m.as_f64()).unwrap_or(f64::NAN),
            status: v.get("status").and_then(|m| m.as_i64()).unwrap_or(-1) as i32,
            stdout: text("stdout"),
            stderr: text("stderr"),
            maxrss_kib: v.get("maxrss_kib").and_then(|m| m.as_u64()).unwrap_or(0),
        })
    }
}

impl Drop for Spawner {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// Quote a word for bash.
pub fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// One run of the warm wasmtime reference.
pub struct WarmRun {
    /// Load of the module on its first use (0 later), ms.
    pub load_ms: f64,
    /// Instantiation + `_start` + teardown, ms.
    pub run_ms: f64,
    pub exit: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// A long-lived `bench/wasmtime-warm.py` process.
pub struct WarmWasmtime {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    scratch: PathBuf,
}

impl WarmWasmtime {
    pub fn start(python: &Path, script: &Path, scratch: &Path) -> std::io::Result<WarmWasmtime> {
        let mut child = Command::new(python)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child.stdin.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
        let stdout = BufReader::new(child.stdout.take().ok_or(std::io::ErrorKind::BrokenPipe)?);
        Ok(WarmWasmtime {
            child,
            stdin: Some(stdin),
            stdout,
            scratch: scratch.to_path_buf(),
        })
    }

    /// Run `module ARGS` with `dir` preopened as itself and `PWD=dir`.
    pub fn run(
        &mut self,
        module: &Path,
        args: &[String],
        dir: &Path,
        null_stdout: bool,
    ) -> std::io::Result<WarmRun> {
        let out = if null_stdout {
            PathBuf::from("/dev/null")
        } else {
            self.scratch.join("wt-warm.stdout")
        };
        let err = self.scratch.join("wt-warm.stderr");
        let dir = dir.display().to_string();
        let req = serde_json::json!({
            "module": module.display().to_string(),
            "dirs": [[&dir, &dir]],
            "env": [["PWD", &dir]],
            "args": args,
            "stdout": out.display().to_string(),
            "stderr": err.display().to_string(),
        });
        let stdin = self.stdin.as_mut().ok_or(std::io::ErrorKind::BrokenPipe)?;
        writeln!(stdin, "{req}")?;
        stdin.flush()?;
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("wasmtime-warm.py ended"));
        }
        let reply: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| std::io::Error::other(format!("{e}: {line}")))?;
        let num = |k: &str| reply.get(k).and_then(|v| v.as_f64()).unwrap_or(f64::NAN);
        Ok(WarmRun {
            load_ms: num("load_ms"),
            run_ms: num("run_ms"),
            exit: num("exit") as i32,
            stdout: if null_stdout {
                Vec::new()
            } else {
                std::fs::read(&out)?
            },
            stderr: std::fs::read(&err).unwrap_or_default(),
        })
    }
}

impl Drop for WarmWasmtime {
    fn drop(&mut self) {
        // Closing its stdin ends its loop.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// Median of samples (mean of the middle two for an even count).
pub fn median(samples: &[f64]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut s = samples.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("/a/b.wasm"), "/a/b.wasm");
        assert_eq!(shell_quote("print(1)"), "'print(1)'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn process_status_and_output() {
        let r = run_process(Command::new("sh").args(["-c", "echo hi; exit 3"]), false).unwrap();
        assert_eq!((r.status, r.stdout.as_slice()), (3, &b"hi\n"[..]));
    }
}
