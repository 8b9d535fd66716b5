//! The wasiland preview1 conformance driver.
//!
//! Runs the guest programs of `conformance/guests` (one per syscall area)
//! under one or more runtimes with a `wasmtime run`-style command line,
//! compares what they print with `conformance/expected/*.txt`, prints a
//! table and ends with `N passed, M failed` for the runtime under test.
//! See `conformance/README.md`.

mod exec;
mod fixture;
mod report;
mod spec;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;

use spec::Run;

#[derive(Parser, Debug)]
#[command(
    name = "wasiland-conformance",
    about = "Run the preview1 conformance suite against one or more runtimes",
    after_help = "Each runtime is invoked as COMMAND [--env NAME=VALUE]... [--dir HOST::GUEST]... MODULE.wasm [ARG]...\n\
                  Example: --runtime wasiland='target/release/wasiland wasm' \
                  --runtime wasmtime='python3 scripts/wasmtime-cli.py' --reference wasmtime"
)]
struct Cli {
    /// A runtime to rate: NAME=COMMAND, the command split like shell words.
    #[arg(
        long = "runtime",
        value_name = "NAME=COMMAND",
        required_unless_present = "adapters"
    )]
    runtimes: Vec<String>,

    /// A runtime to rate, named after its program: `--adapter 'wasmtime
    /// run'` is `--runtime wasmtime='wasmtime run'`.
    #[arg(long = "adapter", value_name = "COMMAND")]
    adapters: Vec<String>,

    /// Write the runtime matrix (matrix.json, matrix.md, failures.md) into
    /// DIR.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,

    /// Why runtimes fail checks, for the report: lines of `RUNTIME
    /// PATTERN TEXT` (default: the suite's explanations.txt).
    #[arg(long, value_name = "FILE")]
    explanations: Option<PathBuf>,

    /// The date of the run as the report shows it (default: the Unix
    /// time).
    #[arg(long, value_name = "TEXT")]
    report_date: Option<String>,

    /// The version of runtime NAME, as the report shows it.
    #[arg(long = "version-of", value_name = "NAME=TEXT")]
    versions: Vec<String>,

    /// The reference runtime (one of the --runtime names): a check whose
    /// reference result disagrees with its expectation is "unconfirmed" and
    /// counts as a failure.
    #[arg(long, value_name = "NAME")]
    reference: Option<String>,

    /// The runtime whose results make the last line. Default: the first
    /// runtime that is not the reference.
    #[arg(long, value_name = "NAME")]
    under_test: Option<String>,

    /// A directory holding prebuilt guest modules (<program>.wasm). Without
    /// it the driver builds conformance/guests with cargo.
    #[arg(long, value_name = "DIR")]
    guests: Option<PathBuf>,

    /// Cargo target directory for building the guests.
    #[arg(long, value_name = "DIR", env = "CONFORMANCE_GUESTS_TARGET_DIR")]
    guests_target_dir: Option<PathBuf>,

    /// The suite directory (holding expected/ and guests/).
    #[arg(long, value_name = "DIR", default_value = env!("CARGO_MANIFEST_DIR"))]
    suite: PathBuf,

    /// Run only these programs (repeatable).
    #[arg(long = "only", value_name = "PROGRAM")]
    only: Vec<String>,

    /// Seconds before one guest run is killed and counted as failed.
    #[arg(long, default_value_t = 60)]
    timeout: u64,

    /// A different --timeout for runtime NAME (one known to hang on some
    /// programs need not cost the full timeout each time).
    #[arg(long = "timeout-of", value_name = "NAME=SECS")]
    timeouts: Vec<String>,

    /// Guest runs at once.
    #[arg(long, default_value_t = 1)]
    jobs: usize,

    /// Print only the rows that are not a pass everywhere.
    #[arg(long)]
    failures_only: bool,

    /// Show the stderr of runs that failed a check.
    #[arg(short, long)]
    verbose: bool,
}

struct Runtime {
    name: String,
    argv: Vec<String>,
}

/// What one runtime did for one check.
#[derive(Clone)]
struct Cell {
    observed: String,
    pass: bool,
}

/// One row of the table.
struct Row {
    program: String,
    id: String,
    expected: String,
    /// An expectation (a check or an exit status), not a stray line.
    counted: bool,
    cells: Vec<Option<Cell>>,
}

/// The output of one (program, run) under one runtime.
struct RunResult {
    outcome: Result<exec::Outcome, String>,
}

/// A run's stdout split into check lines.
struct Parsed<'a> {
    lines: BTreeMap<String, String>,
    order: Vec<String>,
    result: &'a RunResult,
}

impl<'a> Parsed<'a> {
    fn new(result: &'a RunResult) -> Parsed<'a> {
        let (lines, order) = match &result.outcome {
            Ok(o) => parse_output(&o.stdout),
            Err(_) => (BTreeMap::new(), Vec::new()),
        };
        Parsed {
            lines,
            order,
            result,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match drive(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("wasiland-conformance: {e}");
            ExitCode::from(2)
        }
    }
}

fn parse_runtime(s: &str) -> Result<Runtime, String> {
    let (name, command) = s
        .split_once('=')
        .ok_or_else(|| format!("--runtime wants NAME=COMMAND, got {s:?}"))?;
    let argv = spec::shell_words(command).map_err(|e| format!("--runtime {name}: {e}"))?;
    if name.is_empty() || argv.is_empty() {
        return Err(format!("--runtime wants NAME=COMMAND, got {s:?}"));
    }
    Ok(Runtime {
        name: name.to_string(),
        argv,
    })
}

/// `--adapter COMMAND`: the runtime is named after the command's program
/// (`wasmtime run` -> `wasmtime`, `node x/node-wasi.mjs` -> `node-wasi`:
/// an interpreter is skipped for the script it runs).
fn parse_adapter(command: &str) -> Result<Runtime, String> {
    let argv = spec::shell_words(command).map_err(|e| format!("--adapter {command:?}: {e}"))?;
    let stem = |w: &String| {
        Path::new(w)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let interpreters = ["node", "python", "python3", "bash", "sh"];
    let name = match argv.first().map(stem) {
        None => return Err("--adapter wants a command".into()),
        Some(first) if interpreters.contains(&first.as_str()) => argv
            .iter()
            .skip(1)
            .find(|w| !w.starts_with('-'))
            .map(stem)
            .unwrap_or(first),
        Some(first) => first,
    };
    Ok(Runtime { name, argv })
}

fn build_guests(cli: &Cli) -> Result<PathBuf, String> {
    let guests = cli.suite.join("guests");
    let target_dir = cli
        .guests_target_dir
        .clone()
        .unwrap_or_else(|| guests.join("target"));
    eprintln!(
        "building guest modules in {} (target dir {})",
        guests.display(),
        target_dir.display()
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .arg("build")
        .arg("--release")
        .arg("--locked")
        .arg("--target")
        .arg("wasm32-wasip1")
        .arg("--manifest-path")
        .arg(guests.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .stdin(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building the guests failed ({status}); is the wasm32-wasip1 target installed?"
        ));
    }
    Ok(target_dir.join("wasm32-wasip1").join("release"))
}

struct Program {
    name: String,
    runs: Vec<Run>,
}

fn load_programs(cli: &Cli) -> Result<Vec<Program>, String> {
    let dir = cli.suite.join("expected");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let name = f
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !cli.only.is_empty() && !cli.only.contains(&name) {
            continue;
        }
        let text = fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let runs = spec::parse_expectations(&text).map_err(|e| format!("{}: {e}", f.display()))?;
        out.push(Program { name, runs });
    }
    for o in &cli.only {
        if !out.iter().any(|p| &p.name == o) {
            return Err(format!("no expectations for program {o:?}"));
        }
    }
    Ok(out)
}

fn run_one(rt: &Runtime, module: &Path, run: &Run, timeout: Duration) -> RunResult {
    let fixture = match fixture::Fixture::create() {
        Ok(f) => f,
        Err(e) => {
            return RunResult {
                outcome: Err(format!("fixture: {e}")),
            }
        }
    };
    let host_time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string();
    let mut argv = rt.argv.clone();
    for e in &run.env {
        argv.push("--env".into());
        argv.push(String::from_utf8_lossy(e).replace("{host_time}", &host_time));
    }
    for (host, guest) in fixture.preopens() {
        argv.push("--dir".into());
        argv.push(format!("{}::{guest}", host.display()));
    }
    argv.push(module.display().to_string());
    for a in &run.args {
        argv.push(String::from_utf8_lossy(a).into_owned());
    }
    let outcome = exec::run(&argv, &run.stdin, timeout)
        .map_err(|e| format!("cannot start {}: {e}", rt.argv[0]));
    drop(fixture);
    RunResult { outcome }
}

/// Long values made of one repeated character print as `c*N`.
fn normalize(value: &str) -> String {
    let mut chars = value.chars();
    if value.len() > 200 {
        if let Some(first) = chars.next() {
            if chars.all(|c| c == first) {
                return format!("{first}*{}", value.chars().count());
            }
        }
    }
    value.to_string()
}

/// Split a guest's stdout into `name -> value`, flagging duplicates.
fn parse_output(stdout: &[u8]) -> (BTreeMap<String, String>, Vec<String>) {
    let text = String::from_utf8_lossy(stdout);
    let mut map = BTreeMap::new();
    let mut order = Vec::new();
    for line in text.split('\n') {
        if line.is_empty() {
            continue;
        }
        let (name, value) = line.split_once(' ').unwrap_or((line, ""));
        let value = normalize(value);
        if map.contains_key(name) {
            map.insert(name.to_string(), "duplicate-line".to_string());
        } else {
            map.insert(name.to_string(), value);
            order.push(name.to_string());
        }
    }
    (map, order)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let t: String = s.chars().take(max).collect();
        format!("{t}...")
    }
}

fn drive(cli: &Cli) -> Result<bool, String> {
    let mut runtimes: Vec<Runtime> = cli
        .runtimes
        .iter()
        .map(|s| parse_runtime(s))
        .collect::<Result<_, _>>()?;
    for a in &cli.adapters {
        runtimes.push(parse_adapter(a)?);
    }
    for (i, rt) in runtimes.iter().enumerate() {
        if runtimes[..i].iter().any(|r| r.name == rt.name) {
            return Err(format!("two runtimes are named {:?}", rt.name));
        }
    }
    let index = |name: &str| runtimes.iter().position(|r| r.name == name);
    let reference = match &cli.reference {
        Some(n) => Some(index(n).ok_or_else(|| format!("--reference {n}: no such --runtime"))?),
        None => None,
    };
    let under_test = match &cli.under_test {
        Some(n) => index(n).ok_or_else(|| format!("--under-test {n}: no such --runtime"))?,
        None => (0..runtimes.len())
            .find(|&i| Some(i) != reference)
            .unwrap_or(0),
    };

    let programs = load_programs(cli)?;
    let guests_dir = match &cli.guests {
        Some(d) => d.clone(),
        None => build_guests(cli)?,
    };
    let guests_dir = fs::canonicalize(&guests_dir)
        .map_err(|e| format!("guest directory {}: {e}", guests_dir.display()))?;

    // Every (program, run, runtime) is one job.
    let mut jobs = Vec::new();
    for (pi, p) in programs.iter().enumerate() {
        for (ri, _) in p.runs.iter().enumerate() {
            for ti in 0..runtimes.len() {
                jobs.push((pi, ri, ti));
            }
        }
    }
    let started = Instant::now();
    let mut timeouts = vec![Duration::from_secs(cli.timeout); runtimes.len()];
    for t in &cli.timeouts {
        let (name, secs) = t
            .split_once('=')
            .and_then(|(n, s)| Some((n, s.parse::<u64>().ok()?)))
            .ok_or_else(|| format!("--timeout-of wants NAME=SECS, got {t:?}"))?;
        let i = index(name).ok_or_else(|| format!("--timeout-of {name}: no such runtime"))?;
        timeouts[i] = Duration::from_secs(secs);
    }
    let results: Mutex<BTreeMap<(usize, usize, usize), RunResult>> = Mutex::new(BTreeMap::new());
    let queue = Mutex::new(jobs.into_iter());
    std::thread::scope(|s| {
        for _ in 0..cli.jobs.max(1) {
            s.spawn(|| loop {
                let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                let Some((pi, ri, ti)) = next else { break };
                let p = &programs[pi];
                let module = guests_dir.join(format!("{}.wasm", p.name));
                let r = if module.is_file() {
                    run_one(&runtimes[ti], &module, &p.runs[ri], timeouts[ti])
                } else {
                    RunResult {
                        outcome: Err(format!("no module {}", module.display())),
                    }
                };
                if let Ok(mut m) = results.lock() {
                    m.insert((pi, ri, ti), r);
                }
            });
        }
    });
    let results = results.into_inner().map_err(|_| "a worker panicked")?;

    // Build the rows.
    let mut rows: Vec<Row> = Vec::new();
    let mut stderr_notes: Vec<String> = Vec::new();
    for (pi, p) in programs.iter().enumerate() {
        for (ri, run) in p.runs.iter().enumerate() {
            let prefix = if run.name == "main" {
                p.name.clone()
            } else {
                format!("{}[{}]", p.name, run.name)
            };
            let parsed: Vec<Option<Parsed>> = (0..runtimes.len())
                .map(|ti| results.get(&(pi, ri, ti)).map(Parsed::new))
                .collect();
            let first_row = rows.len();
            for (name, expect) in &run.checks {
                let cells = parsed
                    .iter()
                    .map(|x| {
                        x.as_ref().map(|p| match p.lines.get(name) {
                            Some(v) => Cell {
                                observed: v.clone(),
                                pass: expect.accepts(v),
                            },
                            None => Cell {
                                observed: "missing".into(),
                                pass: false,
                            },
                        })
                    })
                    .collect();
                rows.push(Row {
                    program: p.name.clone(),
                    id: format!("{prefix}/{name}"),
                    expected: expect.to_string(),
                    counted: true,
                    cells,
                });
            }
            // The exit status is a check of every run.
            rows.push(Row {
                program: p.name.clone(),
                id: format!("{prefix}/exit"),
                expected: format!("exit={}", run.exit),
                counted: true,
                cells: parsed
                    .iter()
                    .map(|x| {
                        x.as_ref().map(|p| match &p.result.outcome {
                            Ok(o) => Cell {
                                observed: o.status_text(),
                                pass: !o.timed_out
                                    && o.status.is_some_and(|c| run.exit.accepts_status(c)),
                            },
                            Err(e) => Cell {
                                observed: e.clone(),
                                pass: false,
                            },
                        })
                    })
                    .collect(),
            });
            // Lines no expectation names are failures too (of the suite's
            // data or of the runtime).
            let mut extra: Vec<String> = Vec::new();
            for p in parsed.iter().flatten() {
                for n in &p.order {
                    if !run.checks.iter().any(|(c, _)| c == n) && !extra.contains(n) {
                        extra.push(n.clone());
                    }
                }
            }
            for n in extra {
                let cells = parsed
                    .iter()
                    .map(|x| {
                        x.as_ref().map(|p| match p.lines.get(&n) {
                            Some(v) => Cell {
                                observed: format!("unexpected line: {v}"),
                                pass: false,
                            },
                            None => Cell {
                                observed: "absent".into(),
                                pass: true,
                            },
                        })
                    })
                    .collect();
                rows.push(Row {
                    program: p.name.clone(),
                    id: format!("{prefix}/{n}"),
                    expected: "(no such check)".into(),
                    counted: false,
                    cells,
                });
            }
            if cli.verbose {
                for (ti, x) in parsed.iter().enumerate() {
                    let failed = rows[first_row..]
                        .iter()
                        .any(|r| r.cells[ti].as_ref().is_some_and(|c| !c.pass));
                    if let (true, Some(p)) = (failed, x) {
                        let err = match &p.result.outcome {
                            Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                            Err(e) => e.clone(),
                        };
                        if !err.trim().is_empty() {
                            stderr_notes.push(format!(
                                "--- stderr of {prefix} under {}:\n{}",
                                runtimes[ti].name,
                                truncate(err.trim_end(), 4000)
                            ));
                        }
                    }
                }
            }
        }
    }

    // Print the table.
    let id_w = rows.iter().map(|r| r.id.len()).max().unwrap_or(5).max(5);
    let cell_w = 44usize;
    let mut header = format!("{:id_w$}", "check");
    for (ti, rt) in runtimes.iter().enumerate() {
        let mut label = rt.name.clone();
        if Some(ti) == reference {
            label.push_str(" (reference)");
        }
        if ti == under_test {
            label.push_str(" (under test)");
        }
        header.push_str(&format!("  {label:cell_w$}"));
    }
    println!("{}", header.trim_end());
    println!("{}", "-".repeat(header.trim_end().len()));
    let mut passed = 0usize;
    let mut failed = 0usize;
    let mut unconfirmed = 0usize;
    let mut per_runtime = vec![(0usize, 0usize); runtimes.len()];
    let mut seconds = vec![0f64; runtimes.len()];
    for ((_, _, ti), r) in &results {
        if let Ok(o) = &r.outcome {
            seconds[*ti] += o.elapsed.as_secs_f64();
        }
    }
    for row in &rows {
        for (ti, c) in row.cells.iter().enumerate() {
            if let Some(c) = c {
                if c.pass {
                    per_runtime[ti].0 += 1;
                } else {
                    per_runtime[ti].1 += 1;
                }
            }
        }
        let ut_pass = row.cells[under_test].as_ref().is_some_and(|c| c.pass);
        let ref_pass = match reference {
            Some(r) => row.cells[r].as_ref().is_some_and(|c| c.pass),
            None => true,
        };
        if ut_pass && ref_pass {
            passed += 1;
        } else {
            failed += 1;
            if !ref_pass {
                unconfirmed += 1;
            }
        }
        let all_pass = row.cells.iter().all(|c| c.as_ref().is_some_and(|c| c.pass));
        if cli.failures_only && all_pass {
            continue;
        }
        let mut line = format!("{:id_w$}", row.id);
        for (ti, c) in row.cells.iter().enumerate() {
            let text = match c {
                Some(c) if c.pass => "PASS".to_string(),
                Some(c) => {
                    let tag = if Some(ti) == reference {
                        "FAIL (unconfirmed)"
                    } else {
                        "FAIL"
                    };
                    format!("{tag} {}", truncate(&c.observed, 60))
                }
                None => "not run".into(),
            };
            line.push_str(&format!("  {text:cell_w$}"));
        }
        if !all_pass {
            line = format!("{}  [expected {}]", line.trim_end(), row.expected);
        }
        println!("{}", line.trim_end());
    }
    for note in &stderr_notes {
        println!("{note}");
    }
    println!();
    for (ti, rt) in runtimes.iter().enumerate() {
        let (p, f) = per_runtime[ti];
        println!(
            "{}: {p} of {} checks as expected ({:.1}s in guest runs)",
            rt.name,
            p + f,
            seconds[ti]
        );
    }
    if reference.is_some() {
        println!("unconfirmed by the reference: {unconfirmed}");
    }
    println!(
        "runtime under test: {}; {} programs, {} checks, {:.1}s",
        runtimes[under_test].name,
        programs.len(),
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(dir) = &cli.report {
        write_report(cli, dir, &programs, &runtimes, &rows)?;
        println!("matrix written to {}", dir.display());
    }
    println!("{passed} passed, {failed} failed");
    Ok(failed == 0)
}

fn write_report(
    cli: &Cli,
    dir: &Path,
    programs: &[Program],
    runtimes: &[Runtime],
    rows: &[Row],
) -> Result<(), String> {
    let mut versions = BTreeMap::new();
    for v in &cli.versions {
        let (name, text) = v
            .split_once('=')
            .ok_or_else(|| format!("--version-of wants NAME=TEXT, got {v:?}"))?;
        versions.insert(name, text);
    }
    let commands: Vec<String> = runtimes.iter().map(|r| r.argv.join(" ")).collect();
    let report_runtimes: Vec<report::Runtime> = runtimes
        .iter()
        .zip(&commands)
        .map(|(r, command)| report::Runtime {
            name: &r.name,
            command,
            version: versions.get(r.name.as_str()).copied().unwrap_or(""),
        })
        .collect();
    let lines: Vec<report::Line> = rows
        .iter()
        .map(|r| report::Line {
            program: &r.program,
            id: &r.id,
            expected: &r.expected,
            counted: r.counted,
            outcomes: r
                .cells
                .iter()
                .map(|c| {
                    c.as_ref().map(|c| report::Outcome {
                        pass: c.pass,
                        observed: &c.observed,
                    })
                })
                .collect(),
        })
        .collect();
    let file = cli
        .explanations
        .clone()
        .unwrap_or_else(|| cli.suite.join("explanations.txt"));
    let explanations = match fs::read_to_string(&file) {
        Ok(text) => {
            report::parse_explanations(&text).map_err(|e| format!("{}: {e}", file.display()))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && cli.explanations.is_none() => {
            Vec::new()
        }
        Err(e) => return Err(format!("{}: {e}", file.display())),
    };
    let names: Vec<&str> = programs.iter().map(|p| p.name.as_str()).collect();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let when = cli
        .report_date
        .clone()
        .unwrap_or_else(|| format!("at Unix time {now}"));
    report::write(
        dir,
        now,
        &when,
        &names,
        &report_runtimes,
        &lines,
        &explanations,
    )
    .map_err(|e| format!("writing the report into {}: {e}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_runs_of_one_char_are_summarised() {
        assert_eq!(normalize(&"x".repeat(1000)), "x*1000");
        assert_eq!(normalize("ok"), "ok");
        let mixed = format!("{}y", "x".repeat(300));
        assert_eq!(normalize(&mixed), mixed);
    }

    #[test]
    fn output_lines_parse_and_duplicates_are_flagged() {
        let (m, order) = parse_output(b"a ok\nb errno=noent\na ok\nc\n");
        assert_eq!(m["a"], "duplicate-line");
        assert_eq!(m["b"], "errno=noent");
        assert_eq!(m["c"], "");
        assert_eq!(order, vec!["a", "b", "c"]);
    }

    #[test]
    fn adapters_are_named_after_their_program() {
        let name = |c: &str| parse_adapter(c).unwrap().name;
        assert_eq!(name("wasmtime run"), "wasmtime");
        assert_eq!(name("/opt/bin/wasmer run --quiet"), "wasmer");
        assert_eq!(
            name("node --no-warnings adapters/node-wasi.mjs"),
            "node-wasi"
        );
        assert_eq!(name("python3 scripts/wasmtime-cli.py"), "wasmtime-cli");
        assert!(parse_adapter("").is_err());
    }

    #[test]
    fn runtime_flag_splits_words() {
        let rt = parse_runtime("wt=python3 'my dir/cli.py'").unwrap();
        assert_eq!(rt.name, "wt");
        assert_eq!(rt.argv, vec!["python3", "my dir/cli.py"]);
        assert!(parse_runtime("nothing").is_err());
    }
}
