//! Child processes: the parent hands each a range of seeds, reads what it
//! reports line by line, and names the case that was running when a child
//! died or went quiet past the deadline. Also seeds to bytes, saving and
//! printing cases, and shrinking a failing one.

use crate::generate::{self, Kind};
use crate::run::{self, CallCounter};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Environment variable that makes the `child` test run cases.
const CHILD_ENV: &str = "WASILAND_MODFUZZ_CHILD";

/// Seeds handed to one child at a time.
const CHUNK: u64 = 250;

/// How long the parent waits for a case before it calls it a hang: the
/// run's deadline plus margin, plus time to generate, compile and check.
fn watchdog() -> Duration {
    run::limits().timeout.unwrap_or_default() + run::DEADLINE_MARGIN + Duration::from_secs(8)
}

/// What a child is asked to do.
#[derive(Clone, Debug, Default)]
pub struct Spec {
    /// Seeds `first..first+count`, or the one input in `file`.
    pub first: u64,
    pub count: u64,
    pub file: Option<PathBuf>,
    /// For testing the harness itself: abort or hang at this seed.
    pub abort_at: Option<u64>,
    pub hang_at: Option<u64>,
}

impl Spec {
    fn encode(&self) -> String {
        let opt = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
        match &self.file {
            Some(f) => format!("file {}", f.display()),
            None => format!(
                "seeds {} {} {} {}",
                self.first,
                self.count,
                opt(self.abort_at),
                opt(self.hang_at)
            ),
        }
    }

    fn decode(text: &str) -> Spec {
        if let Some(file) = text.strip_prefix("file ") {
            return Spec {
                file: Some(PathBuf::from(file)),
                count: 1,
                ..Spec::default()
            };
        }
        let words: Vec<&str> = text
            .strip_prefix("seeds ")
            .unwrap_or(text)
            .split(' ')
            .collect();
        let num = |i: usize| words.get(i).and_then(|w| w.parse::<u64>().ok());
        Spec {
            first: num(0).expect("first seed"),
            count: num(1).expect("count"),
            file: None,
            abort_at: num(2),
            hang_at: num(3),
        }
    }
}

/// The bytes of case `seed` (splitmix64): 1 to 32 KiB.
pub fn input(seed: u64) -> Vec<u8> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let len = 1024 + (next() % (31 * 1024)) as usize;
    let mut bytes: Vec<u8> = (0..len.div_ceil(8))
        .flat_map(|_| next().to_le_bytes())
        .collect();
    bytes.truncate(len);
    bytes
}

/// Where failing cases are saved.
fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("modfuzz")
}

/// A case the host did not survive or that broke a promise.
#[derive(Clone, Debug)]
pub struct Failure {
    pub seed: u64,
    pub what: String,
    /// Where the module and the report were saved.
    pub saved: Option<PathBuf>,
}

impl Failure {
    /// The class of failure, for the minimiser (the text before `:`).
    fn class(&self) -> &str {
        self.what.split(':').next().unwrap_or(&self.what)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed {}: {}", self.seed, self.what)?;
        if let Some(p) = &self.saved {
            write!(f, " (saved as {}.*)", p.display())?;
        }
        Ok(())
    }
}

/// What a fuzz run saw.
#[derive(Default)]
pub struct Summary {
    pub ran: u64,
    pub skipped: u64,
    pub failures: Vec<Failure>,
    pub calls: u64,
    pub calls_by_name: BTreeMap<String, u64>,
    pub cases_with_calls: u64,
    pub statuses: BTreeMap<i32, u64>,
    pub kinds: BTreeMap<String, u64>,
    pub max_rss: u64,
    pub max_duration: Duration,
    pub elapsed: Duration,
}

impl Summary {
    pub fn functions_reached(&self) -> usize {
        self.calls_by_name.len()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        writeln!(
            f,
            "modfuzz: {} modules ran ({} skipped) in {:.1}s ({:.1}/s), {} failures",
            self.ran,
            self.skipped,
            secs,
            self.ran as f64 / secs.max(0.001),
            self.failures.len()
        )?;
        writeln!(
            f,
            "  {} syscalls, {} of 47 functions, {} modules made at least one call; kinds {:?}",
            self.calls,
            self.functions_reached(),
            self.cases_with_calls,
            self.kinds
        )?;
        writeln!(f, "  exit statuses {:?}", self.statuses)?;
        write!(
            f,
            "  highest peak RSS of a passing case {} MiB (bound {} MiB), longest run {:?}",
            self.max_rss >> 20,
            run::rss_bound() >> 20,
            self.max_duration
        )
    }
}

/// How one case ended, as its child reported it.
struct Finished {
    seed: u64,
    status: i32,
    ms: u64,
    rss: u64,
    calls: u64,
    kind: String,
}

impl Summary {
    /// Counts a finished case; `rss_counts` is false for a case that
    /// broke a promise (its RSS is not a passing case's).
    fn record(&mut self, f: &Finished, rss_counts: bool) {
        self.ran += 1;
        self.calls += f.calls;
        self.cases_with_calls += u64::from(f.calls > 0);
        *self.statuses.entry(f.status).or_insert(0) += 1;
        *self.kinds.entry(f.kind.clone()).or_insert(0) += 1;
        if rss_counts {
            self.max_rss = self.max_rss.max(f.rss);
        }
        self.max_duration = self.max_duration.max(Duration::from_millis(f.ms));
        if self.ran.is_multiple_of(1000) {
            // Long runs: a sign of life, with the failures so far.
            eprintln!("modfuzz: {} ran, {} failed", self.ran, self.failures.len());
        }
    }
}

/// One line a child reports.
enum Report {
    Start(u64),
    Problem(u64, String),
    Done(Finished),
    Skip(u64),
    Calls(BTreeMap<String, u64>),
}

fn parse(line: &str) -> Option<Report> {
    // libtest may have begun the line ("test child ... ").
    let rest = &line[line.find("modfuzz ")? + "modfuzz ".len()..];
    let mut words = rest.split(' ');
    let tag = words.next()?;
    if tag == "calls" {
        let map = words
            .filter_map(|w| w.split_once('='))
            .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
            .collect();
        return Some(Report::Calls(map));
    }
    let seed: u64 = words.next()?.parse().ok()?;
    Some(match tag {
        "start" => Report::Start(seed),
        "skip" => Report::Skip(seed),
        "problem" => Report::Problem(seed, words.collect::<Vec<_>>().join(" ")),
        "done" => {
            let mut n = || words.next().and_then(|w| w.parse::<i64>().ok());
            let status = n()? as i32;
            let ms = n()? as u64;
            let rss = n()? as u64;
            let calls = n()? as u64;
            let kind = words.next()?.to_string();
            Report::Done(Finished {
                seed,
                status,
                ms,
                rss,
                calls,
                kind,
            })
        }
        _ => return None,
    })
}

/// The child's side: run the seeds `first..first+count` from the
/// environment, reporting each on stdout.
pub fn child_main() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let counter = Arc::new(CallCounter::default());
    let out = std::io::stdout();
    let say = |line: String| {
        let mut out = out.lock();
        let _ = writeln!(out, "modfuzz {line}");
        let _ = out.flush();
    };
    let spec = Spec::decode(&spec);
    let cases: Vec<(u64, Vec<u8>)> = match &spec.file {
        Some(path) => vec![(0, std::fs::read(path).expect("case input"))],
        None => (spec.first..spec.first.saturating_add(spec.count))
            .map(|s| (s, Vec::new()))
            .collect(),
    };
    for (seed, given) in cases {
        say(format!("start {seed}"));
        if spec.abort_at == Some(seed) {
            std::process::abort();
        }
        if spec.hang_at == Some(seed) {
            std::thread::sleep(Duration::from_secs(3600));
        }
        let bytes = if given.is_empty() { input(seed) } else { given };
        let Ok(case) = generate::case(&bytes) else {
            say(format!("skip {seed}"));
            continue;
        };
        let outcome = run::run(&case, seed, &counter);
        if let Some(p) = &outcome.problem {
            say(format!("problem {seed} {}", p.replace('\n', " ")));
        }
        let kind = match case.kind {
            Kind::Smith => "smith",
            Kind::Spliced => "spliced",
        };
        say(format!(
            "done {seed} {} {} {} {} {kind}",
            outcome.status,
            outcome.duration.as_millis(),
            outcome.peak_rss.unwrap_or(0),
            outcome.calls
        ));
        if outcome.over_rss {
            // What it left resident would fail the next cases too: the
            // parent goes on in a fresh process.
            break;
        }
    }
    let calls: Vec<String> = counter
        .by_name()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    say(format!("calls {}", calls.join(" ")));
}

/// Starts a child running `spec` (see [`CHILD_ENV`]); its stderr goes to
/// `log`.
fn spawn_child(spec: &str, log: &std::path::Path) -> Child {
    let exe = std::env::current_exe().expect("test binary");
    let log = std::fs::File::create(log).expect("child log");
    Command::new(exe)
        .args([
            "child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, spec)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("child process")
}

/// The last `n` bytes of a file, as text.
fn tail(path: &std::path::Path, n: usize) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    let from = bytes.len().saturating_sub(n);
    String::from_utf8_lossy(&bytes[from..]).into_owned()
}

/// How a child's run of one spec went, as the parent saw it.
struct ChildRun {
    /// Seeds that finished (done or skipped), in order.
    finished: Vec<u64>,
    failures: Vec<(u64, String)>,
}

/// Runs one child over `spec`, folding what it reports into `summary`;
/// stops at the first crash or hang (the caller restarts after it).
fn drive(
    spec: &Spec,
    log: &std::path::Path,
    summary: &Mutex<Summary>,
    patience: Duration,
) -> ChildRun {
    let mut child = spawn_child(&spec.encode(), log);
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(r) = parse(&line) {
                if tx.send(r).is_err() {
                    break;
                }
            }
        }
    });
    let mut result = ChildRun {
        finished: Vec::new(),
        failures: Vec::new(),
    };
    let mut current: Option<(u64, Instant)> = None;
    // The last case that broke a promise: its RSS is not a passing one's.
    let mut flagged = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Report::Start(seed)) => current = Some((seed, Instant::now())),
            Ok(Report::Problem(seed, text)) => {
                flagged = Some(seed);
                result.failures.push((seed, text));
            }
            Ok(Report::Skip(seed)) => {
                current = None;
                result.finished.push(seed);
                summary.lock().expect("summary").skipped += 1;
            }
            Ok(Report::Done(finished)) => {
                current = None;
                result.finished.push(finished.seed);
                let rss_counts = flagged != Some(finished.seed);
                summary
                    .lock()
                    .expect("summary")
                    .record(&finished, rss_counts);
            }
            Ok(Report::Calls(map)) => {
                let mut s = summary.lock().expect("summary");
                for (k, v) in map {
                    *s.calls_by_name.entry(k).or_insert(0) += v;
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Some((seed, since)) = current {
                    if since.elapsed() > patience {
                        let _ = child.kill();
                        let _ = child.wait();
                        result
                            .failures
                            .push((seed, format!("hang: no result after {:?}", since.elapsed())));
                        current = None;
                        result.finished.push(seed);
                        break;
                    }
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = reader.join();
    let status = child.wait().expect("child status");
    if let Some((seed, _)) = current {
        result.failures.push((
            seed,
            format!(
                "crash: the host process ended ({status}); its stderr ends with: {}",
                tail(log, 2000)
            ),
        ));
        result.finished.push(seed);
    } else if !status.success() && result.failures.is_empty() {
        result.failures.push((
            u64::MAX,
            format!(
                "the child failed between cases ({status}): {}",
                tail(log, 2000)
            ),
        ));
    }
    result
}

/// Runs `count` cases from seed `first` in `jobs` child processes at once.
pub fn fuzz(first: u64, count: u64, jobs: u64) -> Summary {
    fuzz_with(
        &Spec {
            first,
            count,
            ..Spec::default()
        },
        jobs,
        watchdog(),
    )
}

/// [`fuzz`] with the spec's sabotage and a given watchdog.
pub fn fuzz_with(spec: &Spec, jobs: u64, patience: Duration) -> Summary {
    let (first, count) = (spec.first, spec.count);
    std::fs::create_dir_all(out_dir()).expect("output directory");
    let summary = Mutex::new(Summary::default());
    let chunks: Mutex<Vec<(u64, u64)>> = Mutex::new(
        (0..count.div_ceil(CHUNK))
            .rev()
            .map(|i| {
                let start = first.wrapping_add(i * CHUNK);
                (start, CHUNK.min(count - i * CHUNK))
            })
            .collect(),
    );
    let started = Instant::now();
    std::thread::scope(|scope| {
        for job in 0..jobs {
            let (summary, chunks) = (&summary, &chunks);
            scope.spawn(move || {
                let log = out_dir().join(format!("child-{}-{job}.log", std::process::id()));
                loop {
                    let Some((mut next, mut left)) = chunks.lock().expect("chunks").pop() else {
                        break;
                    };
                    while left > 0 {
                        let chunk = Spec {
                            first: next,
                            count: left,
                            ..spec.clone()
                        };
                        let run = drive(&chunk, &log, summary, patience);
                        for (seed, what) in run.failures {
                            let saved = (seed != u64::MAX).then(|| save(seed, &what));
                            let first_line = what.lines().next().unwrap_or("");
                            eprintln!("modfuzz: seed {seed} failed: {first_line}");
                            summary.lock().expect("summary").failures.push(Failure {
                                seed,
                                what,
                                saved,
                            });
                        }
                        let done = run.finished.len() as u64;
                        if done == 0 {
                            // The child failed before its first case:
                            // nothing more will work.
                            break;
                        }
                        next = next.wrapping_add(done);
                        left -= done.min(left);
                    }
                }
                let _ = std::fs::remove_file(&log);
            });
        }
    });
    let mut summary = summary.into_inner().expect("summary");
    summary.elapsed = started.elapsed();
    summary.failures.sort_by_key(|f| f.seed);
    summary
}

/// [`generate::case`] for the parent, which must survive a generator
/// panic (the child that hit it reports it as its failure).
fn generated(bytes: &[u8]) -> Result<generate::Case, String> {
    match std::panic::catch_unwind(|| generate::case(bytes)) {
        Ok(Ok(case)) => Ok(case),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the generator panicked".into()),
    }
}

/// A case as text: how it is run, then its module as WebAssembly text.
pub fn describe(bytes: &[u8]) -> String {
    match generated(bytes) {
        Ok(case) => format!(
            ";; kind {:?}, launched as {:?}, {} bytes of stdin, {} bytes of module\n{}",
            case.kind,
            case.launch,
            case.stdin.len(),
            case.wasm.len(),
            wasmprinter::print_bytes(&case.wasm).unwrap_or_else(|e| format!(";; unprintable: {e}"))
        ),
        Err(e) => format!(";; no module: {e}"),
    }
}

/// Saves case `seed` (module, text, what happened); returns the path
/// without extension.
fn save(seed: u64, what: &str) -> PathBuf {
    save_bytes(&format!("seed-{seed}"), &input(seed), what)
}

fn save_bytes(name: &str, bytes: &[u8], what: &str) -> PathBuf {
    let base = out_dir().join(name);
    let with = |ext: &str| base.with_extension(ext);
    if let Ok(case) = generated(bytes) {
        let _ = std::fs::write(with("wasm"), &case.wasm);
        let _ = std::fs::write(with("stdin"), &case.stdin);
    }
    let _ = std::fs::write(with("input"), bytes);
    let _ = std::fs::write(with("wat"), describe(bytes));
    let _ = std::fs::write(with("txt"), format!("{what}\n"));
    base
}

/// How the input at `path` fails when run alone in a child, if it does.
fn failure_of(path: &std::path::Path) -> Option<Failure> {
    let summary = Mutex::new(Summary::default());
    let log = out_dir().join(format!("minimize-{}.log", std::process::id()));
    let spec = Spec {
        file: Some(path.to_path_buf()),
        ..Spec::default()
    };
    let run = drive(&spec, &log, &summary, watchdog());
    let _ = std::fs::remove_file(&log);
    run.failures.into_iter().next().map(|(seed, what)| Failure {
        seed,
        what,
        saved: None,
    })
}

/// Shrinks the input of failing case `seed` (halving, cutting chunks,
/// zeroing bytes: wasm-smith reads missing bytes as zeros, so shorter
/// inputs give smaller modules) while it fails the same way; saves the
/// smallest as `min-S.*`.
pub fn minimize(seed: u64) {
    std::fs::create_dir_all(out_dir()).expect("output directory");
    let path = out_dir().join(format!("min-{seed}.candidate"));
    let fails_as = |bytes: &[u8]| -> Option<Failure> {
        std::fs::write(&path, bytes).expect("candidate");
        failure_of(&path)
    };
    let mut best = input(seed);
    let Some(original) = fails_as(&best) else {
        println!("seed {seed} does not fail on its own");
        return;
    };
    let class = original.class().to_string();
    println!("seed {seed} fails: {}", original.what);
    let mut tries = 0;
    let mut chunk = best.len() / 2;
    while chunk >= 1 && tries < 400 {
        let mut improved = false;
        let mut at = 0;
        while at < best.len() && tries < 400 {
            let mut candidate = best.clone();
            let end = (at + chunk).min(candidate.len());
            if tries % 2 == 0 {
                candidate.drain(at..end);
            } else {
                candidate[at..end].fill(0);
            }
            tries += 1;
            if candidate != best && fails_as(&candidate).is_some_and(|f| f.class() == class) {
                best = candidate;
                improved = true;
            } else {
                at += chunk;
            }
        }
        if !improved {
            chunk /= 2;
        }
    }
    let _ = std::fs::remove_file(&path);
    let base = save_bytes(&format!("min-{seed}"), &best, &original.what);
    println!(
        "{} bytes of input after {tries} tries; saved as {}.*",
        best.len(),
        base.display()
    );
}
