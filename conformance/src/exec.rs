//! Running one runtime command with stdin bytes, captured output and a
//! wall-clock timeout.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Output kept per stream; a runaway guest cannot fill the driver's memory.
const MAX_CAPTURE: usize = 16 << 20;

pub struct Outcome {
    /// `Some(code)` when the process exited; `None` on timeout or signal.
    pub status: Option<i32>,
    pub timed_out: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

impl Outcome {
    /// The exit status as shown in reports.
    pub fn status_text(&self) -> String {
        match (self.timed_out, self.status) {
            (true, _) => "timeout".into(),
            (false, Some(c)) => format!("exit={c}"),
            (false, None) => "killed-by-signal".into(),
        }
    }
}

fn capture(mut r: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if out.len() < MAX_CAPTURE {
                        let take = n.min(MAX_CAPTURE - out.len());
                        out.extend_from_slice(&buf[..take]);
                    }
                }
            }
        }
        out
    })
}

/// Run `argv` with `stdin` as its standard input; kill it (and its process
/// group) after `timeout`.
pub fn run(argv: &[String], stdin: &[u8], timeout: Duration) -> std::io::Result<Outcome> {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so a timeout also ends whatever a wrapper
        // script started.
        cmd.process_group(0);
    }
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let mut child_in = child.stdin.take();
    let input = stdin.to_vec();
    let feeder = thread::spawn(move || {
        if let Some(mut w) = child_in.take() {
            // A guest that never reads stdin makes this fail; that is fine.
            let _ = w.write_all(&input);
        }
    });
    let out = capture(child.stdout.take().expect("piped stdout"));
    let err = capture(child.stderr.take().expect("piped stderr"));

    let mut timed_out = false;
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break Some(st);
        }
        if start.elapsed() >= timeout {
            timed_out = true;
            kill_group(&mut child);
            break child.wait().ok();
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let _ = feeder.join();
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Ok(Outcome {
        status: status.and_then(|s| s.code()),
        timed_out,
        stdout,
        stderr,
        elapsed,
    })
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // The child leads its own process group (process_group(0) above):
        // signal that group by its id.
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg("--")
            .arg(format!("-{}", child.id()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}
