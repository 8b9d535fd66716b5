//! Memory per sandbox and per process inside one wasiland process, two
//! ways: heap bytes (exact, from the counting allocator in heap.rs: what
//! wasiland allocates, linear memories included, since wasmi keeps them in
//! a `Vec`) and resident set (/proc/self/statm: what the machine pays,
//! blurred by the allocator's reuse of freed memory and including thread
//! stacks touched). Peaks are sampled every millisecond while processes
//! sleep.

use crate::heap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use wasiland::{Runtime, Sandbox};

/// Resident set of this process, bytes.
pub fn rss() -> i64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: i64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as i64;
    pages * page
}

/// Heap and RSS at one moment.
#[derive(Clone, Copy, Debug, Default)]
struct Usage {
    heap: i64,
    rss: i64,
}

impl Usage {
    fn now() -> Usage {
        Usage {
            heap: heap::live(),
            rss: rss(),
        }
    }

    fn max(self, o: Usage) -> Usage {
        Usage {
            heap: self.heap.max(o.heap),
            rss: self.rss.max(o.rss),
        }
    }

    fn minus(self, o: Usage) -> Usage {
        Usage {
            heap: self.heap - o.heap,
            rss: self.rss - o.rss,
        }
    }

    fn per(self, n: usize) -> Usage {
        Usage {
            heap: self.heap / n as i64,
            rss: self.rss / n as i64,
        }
    }
}

/// Samples usage on a thread until stopped; yields the maxima seen.
struct PeakSampler {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Usage>,
}

impl PeakSampler {
    fn start() -> PeakSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut peak = Usage::now();
            while !flag.load(Ordering::Relaxed) {
                peak = peak.max(Usage::now());
                std::thread::sleep(Duration::from_millis(1));
            }
            peak.max(Usage::now())
        });
        PeakSampler { stop, handle }
    }

    fn finish(self) -> Usage {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or_default()
    }
}

/// One line of the memory report.
pub struct MemLine {
    pub what: String,
    heap: i64,
    rss: i64,
    pub how: String,
}

fn size(b: i64) -> String {
    if b.abs() < 1 << 20 {
        format!("{:.1} KiB", b as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
    }
}

impl std::fmt::Display for MemLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "| {} | {} | {} | {} |",
            self.what,
            size(self.heap),
            size(self.rss),
            self.how
        )
    }
}

fn line(what: impl Into<String>, u: Usage, how: impl Into<String>) -> MemLine {
    MemLine {
        what: what.into(),
        heap: u.heap,
        rss: u.rss,
        how: how.into(),
    }
}

/// Peak usage added while `command` runs in `sb`; fails if the command does.
fn peak_during(sb: &mut Sandbox, command: &str) -> Result<(Usage, Duration), String> {
    let base = Usage::now();
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
    Ok((peak.minus(base), took))
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
    let start = Usage::now();
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
    lines.push(line(
        "runtime after its first python3 and coreutils process",
        Usage::now().minus(start),
        "compiled modules, translated code, start-up images: shared by every sandbox of the runtime",
    ));

    let before = Usage::now();
    let mut many: Vec<Sandbox> = (0..sandboxes).map(|_| build()).collect::<Result<_, _>>()?;
    lines.push(line(
        "one idle sandbox",
        Usage::now().minus(before).per(sandboxes),
        format!("{sandboxes} sandboxes built on one runtime, delta / {sandboxes}"),
    ));
    for s in &mut many {
        s.run("/usr/bin/true");
    }
    lines.push(line(
        "one sandbox after running a process",
        Usage::now().minus(before).per(sandboxes),
        format!("then each of the {sandboxes} ran `/usr/bin/true`"),
    ));
    drop(many);

    let sleep = format!("{sleep_s}");
    let py = format!("python3 -c 'import time; time.sleep({sleep})'");
    let core = format!("/usr/bin/sleep {sleep}");
    for (label, cmd) in [("python3", &py), ("coreutils", &core)] {
        let (one, _) = peak_during(&mut sb, cmd)?;
        lines.push(line(
            format!("one {label} process"),
            one,
            format!("`{cmd}` alone: peak while it runs minus before"),
        ));
        let many_cmd = format!("for i in $(seq 1 {procs}); do {cmd} & done; wait");
        let (all, took) = peak_during(&mut sb, &many_cmd)?;
        let overlap = if took.as_secs_f64() > 2.0 * sleep_s {
            "; start-up longer than the sleep, they may not all have overlapped"
        } else {
            ""
        };
        lines.push(line(
            format!("each of {procs} concurrent {label} processes"),
            all.per(procs),
            format!(
                "{procs} sleeping in parallel: peak delta / {procs} (took {:.1} s{overlap})",
                took.as_secs_f64()
            ),
        ));
    }
    Ok(lines)
}
