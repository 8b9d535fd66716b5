//! Running the CLI as a child and measuring its peak RSS from the outside,
//! for the tests that bound the host's memory.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const MIB: u64 = 1 << 20;

/// Peak RSS of a CLI run that starts no python3 (measured: ~6 MiB idle,
/// ~30 MiB with a few coreutils processes).
pub const CLI_OVERHEAD: u64 = 64 * MIB;

pub struct Measured {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub peak_rss: u64,
    pub elapsed: Duration,
}

impl std::fmt::Debug for Measured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "status {:?}, peak {} MiB, {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.status,
            self.peak_rss / MIB,
            self.elapsed,
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }
}

fn tail(s: &str) -> &str {
    let start = s.len().saturating_sub(2000);
    let start = (start..s.len())
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0);
    &s[start..]
}

/// The variable that makes [`measure_helper`] run (holding its work dir).
const HELPER_DIR: &str = "WASILAND_MEASURE_DIR";

/// [`measure_helper`]'s name in every test binary that includes this module.
const HELPER_TEST: &str = "cli_support::measure::measure_helper";

/// Run the CLI with `args`, killed after `deadline`; its exit status,
/// output, peak RSS and duration.
///
/// A child's `ru_maxrss` includes the RSS of the process that forked it
/// (Linux records the old address space's peak at `exec`), and this test
/// process is large; so a fresh, small copy of this test binary
/// ([`measure_helper`]) starts the CLI and reports its rusage.
pub fn measure(args: &[&str], deadline: Duration) -> Measured {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = serde_json::json!({ "args": args, "deadline_ms": deadline.as_millis() as u64 });
    std::fs::write(dir.path().join("spec.json"), spec.to_string()).expect("write spec");
    let helper = Command::new(std::env::current_exe().expect("test binary"))
        .args([HELPER_TEST, "--exact", "--quiet", "--test-threads=1"])
        .env(HELPER_DIR, dir.path())
        .env(
            "WASILAND_FIXTURES",
            wasiland::sandbox::default_fixtures_dir(),
        )
        .stdin(Stdio::null())
        .output()
        .expect("run the measuring helper");
    assert!(helper.status.success(), "helper: {helper:?}");
    let read = |name: &str| {
        String::from_utf8_lossy(&std::fs::read(dir.path().join(name)).unwrap_or_default())
            .into_owned()
    };
    let report: serde_json::Value =
        serde_json::from_str(&read("report.json")).expect("helper report");
    let m = Measured {
        status: report["status"].as_i64().map(|s| s as i32),
        stdout: read("stdout"),
        stderr: read("stderr"),
        peak_rss: report["peak_rss"].as_u64().unwrap_or(u64::MAX),
        elapsed: started.elapsed(),
    };
    eprintln!(
        "wasiland {}: status {:?}, peak {} MiB, {:?}",
        args.join(" ").chars().take(100).collect::<String>(),
        m.status,
        m.peak_rss / MIB,
        m.elapsed
    );
    m
}

/// Not a test of its own: when [`measure`] starts this binary with
/// [`HELPER_DIR`] set, it runs the CLI as the spec there says, with its
/// stdout and stderr in files (it is compiled into each test binary that
/// uses `cli_support`, and does nothing there when run as a plain test), kills it at the deadline, and writes its
/// exit status and peak RSS (`wait4`) to `report.json`.
#[test]
fn measure_helper() {
    let Some(dir) = std::env::var_os(HELPER_DIR).map(std::path::PathBuf::from) else {
        return;
    };
    let spec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("spec.json")).expect("spec"))
            .expect("spec json");
    let args: Vec<String> = spec["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string arg").to_string())
        .collect();
    let deadline = Duration::from_millis(spec["deadline_ms"].as_u64().expect("deadline"));
    let file = |name: &str| std::fs::File::create(dir.join(name)).expect("output file");
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_wasiland"))
        .args(&args)
        .stdin(Stdio::null())
        .stdout(file("stdout"))
        .stderr(file("stderr"))
        .spawn()
        .expect("spawn wasiland");
    let pid = child.id() as libc::pid_t;
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            while started.elapsed() < deadline {
                if done.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if !done.load(Ordering::SeqCst) {
                // SAFETY: `pid` is our child, not yet reaped (`done` is
                // set only after wait4 returned).
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        })
    };
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid out-parameter for wait4.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; both pointers are valid.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    done.store(true, Ordering::SeqCst);
    assert_eq!(reaped, pid, "wait4");
    let _ = watchdog.join();
    // The child is reaped; std's handle must not wait for it again.
    drop(child);
    let report = serde_json::json!({
        "status": libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        "peak_rss": u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
    });
    std::fs::write(dir.join("report.json"), report.to_string()).expect("write report");
}
