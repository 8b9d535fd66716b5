//! Host memory under hostile guests, measured from the outside: each case
//! runs the `wasiland` CLI as a child process and reads its peak RSS (the
//! child's own `wait4` rusage). Every case must end with a clear error or
//! its limit's status, in bounded time, with the peak under the configured
//! limits plus a stated overhead:
//!
//! * [`CLI_OVERHEAD`]: the CLI itself with compiled coreutils;
//! * [`PYTHON_OVERHEAD`]: the same with python3 compiled, its functions
//!   translated and its start-up image (captured in a template, then kept).

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MIB: u64 = 1 << 20;

/// Peak RSS of a CLI run that starts no python3 (measured: ~6 MiB idle,
/// ~30 MiB with a few coreutils processes).
const CLI_OVERHEAD: u64 = 64 * MIB;

/// Peak RSS of a CLI run of python3 beyond its sandbox's charges
/// (measured: 88 MiB for `python3 -c pass` without an image on disk).
const PYTHON_OVERHEAD: u64 = 160 * MIB;

struct Measured {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    peak_rss: u64,
    elapsed: Duration,
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

/// Run the CLI with `args`, killed after `deadline`; its exit status,
/// output, peak RSS and duration.
///
/// A child's `ru_maxrss` includes the RSS of the process that forked it
/// (Linux records the old address space's peak at `exec`), and this test
/// process is large; so a fresh, small copy of this test binary
/// ([`measure_helper`]) starts the CLI and reports its rusage.
fn measure(args: &[&str], deadline: Duration) -> Measured {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = serde_json::json!({ "args": args, "deadline_ms": deadline.as_millis() as u64 });
    std::fs::write(dir.path().join("spec.json"), spec.to_string()).expect("write spec");
    let helper = Command::new(std::env::current_exe().expect("test binary"))
        .args(["measure_helper", "--exact", "--quiet", "--test-threads=1"])
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
/// stdout and stderr in files, kills it at the deadline, and writes its
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

#[track_caller]
fn assert_bounded(m: &Measured, status: i32, within: Duration, peak: u64) {
    assert_eq!(m.status, Some(status), "{m:?}");
    assert!(m.elapsed < within, "took too long: {m:?}");
    assert!(m.peak_rss < peak, "peak RSS over {} MiB: {m:?}", peak / MIB);
}

/// A temporary host directory holding the named hostile guests as `.wasm`
/// files (to `--mount` into a sandbox or run with `wasiland wasm`).
fn hostile_dir(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in names {
        let src =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../fixtures/hostile/{name}.wat"));
        let wasm = wat::parse_file(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        let dst = dir.path().join(format!("{name}.wasm"));
        std::fs::write(&dst, wasm).expect("write module");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    dir
}

#[test]
fn a_recursing_guest_value_stack_is_bounded() {
    let dir = hostile_dir(&["bigframes"]);
    let module = dir.path().join("bigframes.wasm");
    let module = module.to_str().expect("utf-8 path");
    // Before: 264 MiB (wasmi's value stack could grow to 256 MiB).
    let m = measure(&["wasm", module], Duration::from_secs(30));
    assert_bounded(&m, 134, Duration::from_secs(20), CLI_OVERHEAD);
    assert!(m.stderr.contains("stack"), "{m:?}");
    // The stack is part of the process's memory: under a 1 MiB limit the
    // process cannot even start, and says which limit it ran into.
    let m = measure(
        &["wasm", "--memory-limit", "1M", module],
        Duration::from_secs(30),
    );
    assert_bounded(&m, 137, Duration::from_secs(20), CLI_OVERHEAD);
    assert!(m.stderr.contains("--memory-limit"), "{m:?}");
    // The same module as a file inside a sandbox (a guest module).
    let mount = format!("{}:/w", dir.path().display());
    let m = measure(
        &[
            "run",
            "--mount",
            &mount,
            "/w/bigframes.wasm; /w/bigframes.wasm",
        ],
        Duration::from_secs(30),
    );
    assert_bounded(&m, 134, Duration::from_secs(20), CLI_OVERHEAD);
}

#[test]
fn background_pythons_share_the_sandbox_memory() {
    // Six processes of 100 MiB each under a 320 MiB sandbox: some get
    // MemoryError. Before: each only had its own 1 GiB limit (8 such
    // processes of 600 MiB reached 5 GB).
    let script = "for i in 1 2 3 4 5 6; do python3 -c 'x = bytearray(100 << 20); import time; time.sleep(1)' & done; wait";
    let m = measure(
        &["run", "--sandbox-memory", "320M", "--json", script],
        Duration::from_secs(120),
    );
    assert!(m.elapsed < Duration::from_secs(100), "{m:?}");
    let json: serde_json::Value = serde_json::from_str(&m.stdout).expect("json");
    assert!(
        json["stderr"]
            .as_str()
            .is_some_and(|e| e.contains("MemoryError")),
        "{json}"
    );
    assert_eq!(json["limit"]["kind"], "sandbox-memory", "{json}");
    assert!(m.peak_rss < 320 * MIB + PYTHON_OVERHEAD, "{m:?}");
}

#[test]
fn a_long_pipeline_is_bounded_by_the_sandbox_memory() {
    // 256 stages (the default pipeline limit). Before: 2.2 GB.
    let cats = vec!["cat"; 254].join(" | ");
    let script = format!("seq 1 10 | {cats} | wc -l");
    let m = measure(
        &["run", "--sandbox-memory", "256M", &script],
        Duration::from_secs(120),
    );
    // The last stage is refused a start (137) or, if the pipe before it
    // was refused, not started at all (126).
    let status = m.status.filter(|s| [126, 137].contains(s)).unwrap_or(-1);
    assert_bounded(
        &m,
        status,
        Duration::from_secs(100),
        256 * MIB + CLI_OVERHEAD,
    );
    assert!(
        m.stderr
            .contains("cannot start: sandbox memory limit (--sandbox-memory)"),
        "{m:?}"
    );
    assert!(
        m.stderr
            .contains("wasiland: cat hit the sandbox memory limit (--sandbox-memory)"),
        "{m:?}"
    );
}

#[test]
fn guest_written_modules_do_not_stay_compiled() {
    // 30 distinct modules written by a guest, each run once: an empty
    // `_start` and an 8 MiB function never called (wasmi keeps a copy of
    // it until it is translated). Before, every one stayed compiled (peak
    // 430 MiB); now guest modules are compiled on engines of their own and
    // the cache keeps at most 256 MiB of their estimated size (16x: two of
    // these). Measured after: 168 MiB.
    let gen = r#"
import sys
def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        if n == 0:
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)
def section(id, body):
    return bytes([id]) + leb(len(body)) + body
i = int(sys.argv[1])
body = b"\x00" + b"\x01" * (8 << 20) + b"\x41" + leb(i) + b"\x1a\x0b"
start = b"\x00\x0b"
wasm = (b"\x00asm\x01\x00\x00\x00"
    + section(1, b"\x01\x60\x00\x00")
    + section(3, b"\x02\x00\x00")
    + section(7, b"\x01\x06_start\x00\x00")
    + section(10, b"\x02" + leb(len(start)) + start + leb(len(body)) + body))
open("m.wasm", "wb").write(wasm)
"#;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("gen.py"), gen).expect("write gen.py");
    let mount = format!("{}:/w", dir.path().display());
    let script = "cd /w && for i in $(seq 30); do python3 gen.py $i && chmod +x m.wasm && ./m.wasm || exit 9; rm m.wasm; done; echo done";
    let m = measure(
        &["run", "--no-image-cache", "--mount", &mount, script],
        Duration::from_secs(300),
    );
    assert_bounded(&m, 0, Duration::from_secs(280), PYTHON_OVERHEAD + 128 * MIB);
    assert_eq!(m.stdout, "done\n", "{m:?}");
}

#[test]
fn module_files_must_be_regular() {
    // Before: `wasiland wasm /dev/zero` read 3 GB before failing.
    let m = measure(&["wasm", "/dev/zero"], Duration::from_secs(30));
    assert_bounded(&m, 126, Duration::from_secs(10), CLI_OVERHEAD);
    assert!(m.stderr.contains("not a regular file"), "{m:?}");
}
