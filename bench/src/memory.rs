//! Memory per sandbox and per process, from this process's resident set
//! (/proc/self/statm): RSS added by idle sandboxes, and the peak RSS added
//! while processes run (sampled every millisecond).
//!
//! RSS deltas are approximate: the allocator keeps and reuses freed memory,
//! so figures taken after other work can read low. Linear memory is a
//! zero-filled `Vec` in wasmi, so a process's whole linear memory is
//! resident while it runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use wasiland::{Runtime, Sandbox};

/// Resident set of this process, bytes.
pub fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    pages * page
}

/// Samples RSS on a thread until stopped; yields the maximum seen.
struct PeakSampler {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<u64>,
}

impl PeakSampler {
    fn start() -> PeakSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut peak = rss();
            while !flag.load(Ordering::Relaxed) {
                peak = peak.max(rss());
                std::thread::sleep(Duration::from_millis(1));
            }
            peak.max(rss())
        });
        PeakSampler { stop, handle }
    }

    fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or(0)
    }
}

/// One line of the memory report.
pub struct MemLine {
    pub what: String,
    /// Bytes.
    pub value: f64,
    pub note: String,
}

fn mib(b: f64) -> String {
    format!("{:.2} MiB", b / (1024.0 * 1024.0))
}

impl std::fmt::Display for MemLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "| {} | {} | {} |", self.what, mib(self.value), self.note)
    }
}

fn delta(after: u64, before: u64) -> f64 {
    after as f64 - before as f64
}

/// Peak RSS added while `command` runs in `sb`, in bytes; fails if the
/// command does.
fn peak_during(sb: &mut Sandbox, command: &str) -> Result<(f64, Duration), String> {
    let base = rss();
    let sampler = PeakSampler::start();
    let start = Instant::now();
    let r = sb.run(command);
    let took = start.elapsed();
    let peak = sampler.finish();
    if r.exit_code != 0 {
        return Err(format!(
            "`{command}` exited {}: {}",
            r.exit_code,
            r.stderr_str().trim()
        ));
    }
    Ok((delta(peak, base), took))
}

/// Measure. `sandboxes` idle sandboxes; `procs` concurrent processes
/// sleeping `sleep_s` seconds.
pub fn measure(
    fixtures: &std::path::Path,
    sandboxes: usize,
    procs: usize,
    sleep_s: f64,
) -> Result<Vec<MemLine>, String> {
    let mut lines = Vec::new();
    let start_rss = rss();
    let runtime = Runtime::new();
    let build = || {
        Sandbox::builder()
            .runtime(runtime.clone())
            .fixtures(fixtures)
            .build()
            .map_err(|e| e.to_string())
    };
    let mut sb = build()?;
    for cmd in ["python3 -c pass", "/usr/bin/true"] {
        let r = sb.run(cmd);
        if r.exit_code != 0 {
            return Err(format!(
                "`{cmd}` exited {}: {}",
                r.exit_code,
                r.stderr_str()
            ));
        }
    }
    let warm_rss = rss();
    lines.push(MemLine {
        what: "runtime after its first python3 and coreutils process".into(),
        value: delta(warm_rss, start_rss),
        note: "modules and translated code, shared by every sandbox of the runtime".into(),
    });

    let before = rss();
    let mut many: Vec<Sandbox> = (0..sandboxes).map(|_| build()).collect::<Result<_, _>>()?;
    let built = rss();
    lines.push(MemLine {
        what: "one idle sandbox".into(),
        value: delta(built, before) / sandboxes as f64,
        note: format!("{sandboxes} sandboxes built on one runtime, RSS delta / {sandboxes}"),
    });
    for s in &mut many {
        s.run("/usr/bin/true");
    }
    let used = rss();
    lines.push(MemLine {
        what: "one sandbox after running a process".into(),
        value: delta(used, before) / sandboxes as f64,
        note: format!("each of the {sandboxes} ran `/usr/bin/true`"),
    });
    drop(many);

    let sleep = format!("{sleep_s}");
    let py = format!("python3 -c 'import time; time.sleep({sleep})'");
    let core = format!("/usr/bin/sleep {sleep}");
    for (label, cmd) in [("python3", &py), ("coreutils", &core)] {
        // Once alone first: this also leaves the allocator in a steady state.
        let (one, _) = peak_during(&mut sb, cmd)?;
        let (one_again, _) = peak_during(&mut sb, cmd)?;
        lines.push(MemLine {
            what: format!("one {label} process (peak)"),
            value: one.max(one_again),
            note: format!("`{cmd}` alone: peak RSS while it runs minus before"),
        });
        let many_cmd = format!("for i in $(seq 1 {procs}); do {cmd} & done; wait");
        let (all, took) = peak_during(&mut sb, &many_cmd)?;
        lines.push(MemLine {
            what: format!("each of {procs} concurrent {label} processes"),
            value: all / procs as f64,
            note: format!(
                "{procs} sleeping in parallel, peak delta / {procs} (took {:.1} s{})",
                took.as_secs_f64(),
                if took.as_secs_f64() > 2.0 * sleep_s {
                    "; start-up longer than the sleep, they may not all have overlapped"
                } else {
                    ""
                }
            ),
        });
    }
    Ok(lines)
}
