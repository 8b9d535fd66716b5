//! Running one case through the real runner (a `Sandbox` with its own
//! `Runtime`, the module as a registered tool or a file run by path) under
//! small limits, and the checks made in the process that ran it.

use crate::child_support::{peak_rss, reset_peak_rss};
use crate::generate::{Case, Launch};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasiland::{Limits, RunOptions, Runtime, Sandbox, ToolRegistry};
use wasiland_wasi_host::TraceSink;

/// The limits every case runs under.
pub fn limits() -> Limits {
    Limits {
        timeout: Some(Duration::from_secs(1)),
        fuel: Some(5_000_000),
        memory: Some(16 << 20),
        sandbox_memory: Some(32 << 20),
        fs_bytes: Some(4 << 20),
        fs_inodes: Some(1000),
        output: Some(1 << 20),
        open_files: 64,
        args_bytes: 64 << 10,
        pipeline_stages: 16,
        shell_depth: 16,
    }
}

/// How much later than its deadline a run may end.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(2);

/// Host memory a case may use beyond what its limits allow (sandbox
/// memory, file bytes, captured output): the test process itself, the
/// engine, the compiled module, wasm-smith. Measured: see the README.
pub const RSS_OVERHEAD: u64 = 64 << 20;

/// The most resident memory a case may reach.
pub fn rss_bound() -> u64 {
    let l = limits();
    [l.sandbox_memory, l.fs_bytes, l.output]
        .iter()
        .map(|v| v.unwrap_or(0))
        .sum::<u64>()
        + RSS_OVERHEAD
}

/// Counts syscalls by name through the sandbox's trace hook.
#[derive(Default)]
pub struct CallCounter {
    total: AtomicU64,
    by_name: Mutex<BTreeMap<String, u64>>,
}

impl TraceSink for CallCounter {
    fn record(&self, line: &str) {
        self.total.fetch_add(1, Ordering::Relaxed);
        let name = line.split('(').next().unwrap_or(line);
        let mut map = self.by_name.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(name) {
            Some(n) => *n += 1,
            None => {
                map.insert(name.to_string(), 1);
            }
        }
    }
}

impl CallCounter {
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    pub fn by_name(&self) -> BTreeMap<String, u64> {
        self.by_name
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// What one case did.
pub struct Outcome {
    pub status: i32,
    pub duration: Duration,
    /// Peak resident memory of this process during the case.
    pub peak_rss: Option<u64>,
    pub calls: u64,
    /// A check that failed (the host is fine but misbehaved).
    pub problem: Option<String>,
    /// The peak went past the bound: memory the case left behind would
    /// count against every later case of this process.
    pub over_rss: bool,
}

/// Run `case` in a fresh sandbox and check what the host can promise.
pub fn run(case: &Case, seed: u64, counter: &Arc<CallCounter>) -> Outcome {
    let before = counter.total();
    reset_peak_rss();
    let mut tools = ToolRegistry::new();
    tools.register_bytes("fuzz", case.wasm.clone());
    let trace: Arc<dyn TraceSink> = counter.clone();
    let mut sb = Sandbox::builder()
        .runtime(Runtime::new())
        .tools(tools)
        .limits(limits())
        .random_seed(seed)
        .trace(trace)
        .build()
        .expect("a sandbox");
    let command = match case.launch {
        Launch::Tool => "fuzz",
        Launch::Path => "/tmp/fuzz.wasm",
    };
    // Also there for spawn requests naming it.
    sb.write_file("/tmp/fuzz.wasm", case.wasm.clone())
        .expect("module written");
    {
        let vfs = sb.vfs().lock();
        let mut vfs = vfs;
        let root = vfs.root();
        let ino = vfs.resolve(root, "tmp/fuzz.wasm", true).expect("written");
        vfs.set_mode(ino, 0o755).expect("chmod");
    }
    let started = Instant::now();
    let r = sb.run_with(command, RunOptions::with_stdin(case.stdin.clone()));
    let duration = started.elapsed();
    let mut problem = None;
    let deadline = limits().timeout.unwrap_or_default() + DEADLINE_MARGIN;
    if duration > deadline {
        problem = Some(format!(
            "the run took {duration:?}, past its deadline + margin"
        ));
    }
    let stderr = r.stderr_str();
    if stderr.contains("invalid WebAssembly") {
        problem = Some(format!("the runner refused a generated module: {stderr}"));
    }
    let again = sb.run("echo ok");
    if again.stdout != b"ok\n" {
        problem = Some(format!(
            "the sandbox did not work after the case: status {}, stderr {}",
            again.exit_code,
            again.stderr_str()
        ));
    }
    drop(sb);
    let peak = peak_rss();
    let over_rss = peak.is_some_and(|p| p > rss_bound());
    if let Some(p) = peak.filter(|_| over_rss) {
        problem = Some(format!(
            "peak RSS {} MiB over the bound of {} MiB",
            p >> 20,
            rss_bound() >> 20
        ));
    }
    Outcome {
        status: r.exit_code,
        duration,
        peak_rss: peak,
        calls: counter.total() - before,
        problem,
        over_rss,
    }
}
