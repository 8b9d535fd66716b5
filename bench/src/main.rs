//! `wasiland-bench`: runs each workload under wasiland (in-process warm,
//! and as a cold `wasiland` CLI process) and, in the same run, under the
//! references (the PyPI `wasmtime` package as a CLI process and warm
//! in-process, and the stock `wasmi` CLI when installed), then prints
//! medians, ratios, the targets and memory per sandbox/process.
//! Benchmarks are not tests: targets are printed, not asserted; the exit
//! status is non-zero only when a runner printed wrong output or failed.

mod agent;
mod breakdown;
mod configs;
mod heap;
mod mcp;
mod measure;
mod memory;
mod stub_imports;
mod workloads;

use clap::Parser;
use measure::{median, shell_quote, Spawner, Spec, WarmWasmtime};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use wasiland::{Runtime, Sandbox};
use workloads::{Check, CliForm, ModuleRef, Sizes, Target, Workload};

/// Counts live heap bytes for the memory section (see heap.rs).
#[global_allocator]
static ALLOCATOR: heap::Counting = heap::Counting;

#[derive(Parser, Debug)]
#[command(
    name = "wasiland-bench",
    about = "wasiland side by side with wasmtime and wasmi"
)]
struct Args {
    /// Measured runs per workload and runner (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Unmeasured runs first (module compile, caches, page cache).
    #[arg(long)]
    warmup: Option<usize>,
    /// CI smoke: 1 run, no warm-up, small inputs, short memory section.
    #[arg(long)]
    quick: bool,
    /// Only these workloads (comma-separated ids; see --list).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// List the workloads and exit.
    #[arg(long)]
    list: bool,
    /// The repository (default: this crate's parent).
    #[arg(long)]
    repo: Option<PathBuf>,
    /// Built fixtures (default: $WASILAND_FIXTURES, else REPO/fixtures/out).
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// The wasiland CLI binary (default: REPO/target/release/wasiland if it exists).
    #[arg(long)]
    wasiland_bin: Option<PathBuf>,
    /// A Python with the `wasmtime` package (default: $WASILAND_REFERENCE_PYTHON).
    #[arg(long)]
    python: Option<PathBuf>,
    /// The stock wasmi CLI (default: $WASMI_CLI, else `wasmi` on PATH,
    /// else $WASILAND_CACHE/wasmi-cli/bin/wasmi).
    #[arg(long)]
    wasmi: Option<PathBuf>,
    /// Skip the wasiland CLI runner.
    #[arg(long)]
    no_cli: bool,
    /// Skip the wasmtime runners.
    #[arg(long)]
    no_wasmtime: bool,
    /// Skip the wasmi CLI runner.
    #[arg(long)]
    no_wasmi: bool,
    /// Skip the memory section.
    #[arg(long)]
    no_memory: bool,
    /// The agent-style programs (default: REPO/../shared/bench/agent when
    /// it exists); `--only agent` runs only that section.
    #[arg(long)]
    agent_dir: Option<PathBuf>,
    /// The CPython the agent programs are compared with (default: python3).
    #[arg(long, default_value = "python3")]
    cpython: PathBuf,
    /// Skip the agent programs, import times and traceback cost.
    #[arg(long)]
    no_agent: bool,
    /// Skip the wasmi configuration comparison (it needs py-compute
    /// selected; --quick skips it).
    #[arg(long)]
    no_configs: bool,
    /// Size of the file `cat` reads, MiB (default 64; 1 with --quick).
    #[arg(long)]
    cat_mib: Option<usize>,
    /// Let every runner take turns run by run, the in-process ones too
    /// (by default those run their samples back to back, as an embedder
    /// running one command after another would).
    #[arg(long)]
    interleave: bool,
    /// Print every sample, not just medians.
    #[arg(long)]
    verbose: bool,
    /// Internal: run as the process-spawning helper.
    #[arg(long, hide = true)]
    spawn_helper: bool,
}

/// The runners, in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Runner {
    WlWarm,
    WlCli,
    WtCli,
    WtWarm,
    WasmiCli,
}

impl Runner {
    const ALL: [Runner; 5] = [
        Runner::WlWarm,
        Runner::WlCli,
        Runner::WtCli,
        Runner::WtWarm,
        Runner::WasmiCli,
    ];

    fn label(self) -> &'static str {
        match self {
            Runner::WlWarm => "wasiland warm",
            Runner::WlCli => "wasiland CLI",
            Runner::WtCli => "wasmtime CLI",
            Runner::WtWarm => "wasmtime warm",
            Runner::WasmiCli => "wasmi CLI",
        }
    }
}

/// Samples of one workload under one runner.
#[derive(Default)]
struct Series {
    ms: Vec<f64>,
    maxrss_kib: Vec<u64>,
    errors: Vec<String>,
}

impl Series {
    fn median(&self) -> Option<f64> {
        if self.errors.is_empty() {
            median(&self.ms)
        } else {
            None
        }
    }
}

/// Everything the runners need.
struct Env {
    repo: PathBuf,
    fixtures: PathBuf,
    wasiland_bin: Option<PathBuf>,
    python: Option<PathBuf>,
    wasmi: Option<PathBuf>,
    /// Per-workload input directories for the CLI runners.
    scratch: tempfile::TempDir,
    files: BTreeMap<&'static str, Vec<u8>>,
    /// Fixtures the wasmi CLI gets as copies with wasiland's spawn import
    /// made internal (stub_imports.rs): name -> path of the copy.
    wasmi_copies: BTreeMap<&'static str, PathBuf>,
}

impl Env {
    fn input_dir(&self, w: &Workload) -> PathBuf {
        self.scratch.path().join(w.id)
    }

    fn module_path(&self, w: &Workload, m: ModuleRef) -> PathBuf {
        match m {
            ModuleRef::Fixture(name) => self.fixtures.join(name),
            ModuleRef::Input(name) => self.input_dir(w).join(name),
        }
    }

    /// The module a reference runner loads: the fixture itself, or for the
    /// wasmi CLI its copy without the spawn import.
    fn reference_module(&self, runner: Runner, w: &Workload, m: ModuleRef) -> PathBuf {
        match m {
            ModuleRef::Fixture(name) if runner == Runner::WasmiCli => self
                .wasmi_copies
                .get(name)
                .cloned()
                .unwrap_or_else(|| self.module_path(w, m)),
            _ => self.module_path(w, m),
        }
    }

    /// Write a workload's inputs into its own directory (fresh, so a
    /// workload that writes files, like io.py, starts clean each run).
    fn prepare_inputs(&self, w: &Workload) -> std::io::Result<PathBuf> {
        let dir = self.input_dir(w);
        if !dir.exists() {
            std::fs::create_dir_all(&dir)?;
            for name in &w.inputs {
                std::fs::write(dir.join(name), &self.files[name])?;
            }
        }
        Ok(dir)
    }

    /// The command line of one reference stage: PREFIX... MODULE ARGS...
    fn stage_argv(&self, runner: Runner, w: &Workload, st: &workloads::Stage) -> Vec<String> {
        let dir = self.input_dir(w).display().to_string();
        let mut argv: Vec<String> = match runner {
            Runner::WtCli => vec![
                self.python
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                self.repo
                    .join("scripts/wasmtime-cli.py")
                    .display()
                    .to_string(),
                "--env".into(),
                format!("PWD={dir}"),
                "--dir".into(),
                format!("{dir}::{dir}"),
            ],
            Runner::WasmiCli => vec![
                self.wasmi
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                "run".into(),
                "--dir".into(),
                dir.clone(),
                "--env".into(),
                format!("PWD={dir}"),
            ],
            _ => unreachable!("not a reference CLI"),
        };
        argv.push(
            self.reference_module(runner, w, st.module)
                .display()
                .to_string(),
        );
        argv.extend(st.args.iter().cloned());
        argv
    }

    /// The reference command of a workload: one process, or several glued
    /// by host bash.
    fn reference_command(&self, runner: Runner, w: &Workload) -> Spec {
        let stages: Vec<Vec<String>> = w
            .reference
            .iter()
            .map(|st| self.stage_argv(runner, w, st))
            .collect();
        let argv = if let [one] = stages.as_slice() {
            one.clone()
        } else {
            let line = stages
                .iter()
                .map(|s| {
                    s.iter()
                        .map(|a| shell_quote(a))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join(" | ");
            vec![
                "bash".into(),
                "-c".into(),
                format!("set -o pipefail; {line}"),
            ]
        };
        Spec {
            null_stdout: w.null_stdout,
            ..Spec::new(argv, &self.input_dir(w))
        }
    }

    fn wasiland_command(&self, w: &Workload) -> Option<Spec> {
        let bin = self.wasiland_bin.as_ref()?;
        let dir = self.input_dir(w);
        let mut argv = vec![bin.display().to_string()];
        match w.cli {
            CliForm::Wasm(file) => {
                argv.push("wasm".into());
                argv.push(dir.join(file).display().to_string());
            }
            CliForm::Run => {
                argv.push("run".into());
                if !w.inputs.is_empty() {
                    argv.push("--mount".into());
                    argv.push(format!("{}:/home/user", dir.display()));
                }
                argv.push("--".into());
                argv.push(w.command.clone());
            }
        }
        let mut spec = Spec::new(argv, &dir);
        spec.env.push((
            "WASILAND_FIXTURES".into(),
            self.fixtures.display().to_string(),
        ));
        Some(spec)
    }
}

/// One sample: time in ms, peak RSS (CLI runners), or why it failed.
type Sample = Result<(f64, Option<u64>), String>;

fn verify(check: &Check, exit: i32, stdout: &[u8], stderr: &[u8]) -> Result<(), String> {
    check.verify(exit, stdout).map_err(|e| {
        let err = String::from_utf8_lossy(stderr);
        let err = err.trim();
        if err.is_empty() {
            e
        } else {
            format!(
                "{e}; stderr: {}",
                err.lines().take(3).collect::<Vec<_>>().join(" / ")
            )
        }
    })
}

struct State {
    env: Env,
    spawner: Spawner,
    sandbox: Sandbox,
    wt_warm: Option<WarmWasmtime>,
    /// wasmtime warm: load time of each module (first use).
    wt_loads: BTreeMap<String, f64>,
}

impl State {
    /// Run `w` once under `runner`; None when the runner does not apply.
    fn sample(&mut self, runner: Runner, w: &Workload) -> Option<Sample> {
        let env = &self.env;
        match runner {
            Runner::WlWarm => {
                let start = Instant::now();
                let r = self.sandbox.run(&w.command);
                let ms = start.elapsed().as_secs_f64() * 1e3;
                Some(verify(&w.check, r.exit_code, &r.stdout, &r.stderr).map(|_| (ms, None)))
            }
            Runner::WlCli => {
                let spec = env.wasiland_command(w)?;
                Some(process_sample(&mut self.spawner, &spec, &w.check))
            }
            Runner::WtCli | Runner::WasmiCli => {
                let have = match runner {
                    Runner::WtCli => env.python.is_some(),
                    _ => env.wasmi.is_some(),
                };
                if !have || w.reference.is_empty() {
                    return None;
                }
                let spec = env.reference_command(runner, w);
                Some(process_sample(&mut self.spawner, &spec, &w.check))
            }
            Runner::WtWarm => {
                let [stage] = w.reference.as_slice() else {
                    return None;
                };
                let warm = self.wt_warm.as_mut()?;
                let module = env.module_path(w, stage.module);
                let r = warm.run(&module, &stage.args, &env.input_dir(w), w.null_stdout);
                Some(match r {
                    Err(e) => Err(format!("wasmtime-warm: {e}")),
                    Ok(r) => {
                        if r.load_ms > 0.0 {
                            self.wt_loads.insert(
                                module
                                    .file_name()
                                    .unwrap_or_default()
                                    .to_string_lossy()
                                    .into(),
                                r.load_ms,
                            );
                        }
                        verify(&w.check, r.exit, &r.stdout, &r.stderr).map(|_| (r.run_ms, None))
                    }
                })
            }
        }
    }
}

fn process_sample(spawner: &mut Spawner, spec: &Spec, check: &Check) -> Sample {
    let r = spawner.run(spec)?;
    verify(check, r.status, &r.stdout, &r.stderr)?;
    Ok((r.ms, Some(r.maxrss_kib)))
}

pub(crate) fn fmt_ms(ms: Option<f64>) -> String {
    match ms {
        None => "-".into(),
        Some(v) if v < 10.0 => format!("{v:.2}"),
        Some(v) if v < 100.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.0}"),
    }
}

pub(crate) fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{r:.2}"))
}

fn first_line(cmd: &mut Command) -> String {
    cmd.output()
        .ok()
        .map(|o| {
            let s = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&s)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<u64>().ok())
            })
        })
        .map_or(String::new(), |kib| {
            format!(", {} GiB RAM", kib / (1024 * 1024))
        });
    let kernel = first_line(Command::new("uname").args(["-sr"]));
    format!("{cores} cores, {cpu}{mem}, {kernel}")
}

fn find_wasmi(explicit: Option<PathBuf>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p);
    }
    if let Some(p) = std::env::var_os("WASMI_CLI") {
        return Some(PathBuf::from(p));
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join("wasmi");
            if p.is_file() {
                return Some(p);
            }
        }
    }
    let cache = std::env::var_os("WASILAND_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/wasiland")))?;
    let p = cache.join("wasmi-cli/bin/wasmi");
    p.is_file().then_some(p)
}

fn main() {
    let args = Args::parse();
    if args.spawn_helper {
        measure::helper_main();
        return;
    }
    match run(args) {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("wasiland-bench: {e}");
            std::process::exit(2);
        }
    }
}

/// The `--only` name of the agent section.
const AGENT_ID: &str = "agent";

/// Ok(false): some run printed wrong output or failed.
fn run(args: Args) -> Result<bool, String> {
    // First, while this process is small (see measure.rs).
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let spawner = Spawner::start(&exe).map_err(|e| format!("spawn helper: {e}"))?;
    let runs = if args.quick { 1 } else { args.runs.max(1) };
    let warmup = args.warmup.unwrap_or(if args.quick { 0 } else { 1 });
    let sizes = Sizes {
        seq_n: if args.quick { 1000 } else { 100_000 },
        words_lines: if args.quick { 2000 } else { 200_000 },
        cat_bytes: args.cat_mib.unwrap_or(if args.quick { 1 } else { 64 }) << 20,
    };
    let all = workloads::all(sizes);
    if args.list {
        for w in &all {
            println!("{:<13} {}", w.id, w.command);
        }
        println!(
            "{:<13} shared/bench/agent/*.py, import times, traceback cost",
            AGENT_ID
        );
        return Ok(true);
    }
    for id in &args.only {
        if id != AGENT_ID && !all.iter().any(|w| w.id == id) {
            return Err(format!("unknown workload {id:?} (see --list)"));
        }
    }
    let selected: Vec<Workload> = all
        .into_iter()
        .filter(|w| args.only.is_empty() || args.only.iter().any(|o| o == w.id))
        .collect();

    let repo = args
        .repo
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    let repo = repo
        .canonicalize()
        .map_err(|e| format!("{}: {e}", repo.display()))?;
    let fixtures = args
        .fixtures
        .or_else(|| std::env::var_os("WASILAND_FIXTURES").map(PathBuf::from))
        .unwrap_or_else(|| repo.join("fixtures/out"));
    for needed in ["rustpython.wasm", "coreutils.wasm", "grep.wasm"] {
        if !fixtures.join(needed).is_file() {
            return Err(format!(
                "{} is missing: build the fixtures first (fixtures/build.sh)",
                fixtures.join(needed).display()
            ));
        }
    }
    let wasiland_bin = if args.no_cli {
        None
    } else {
        args.wasiland_bin
            .or_else(|| Some(repo.join("target/release/wasiland")))
            .filter(|p| p.is_file())
    };
    let python = if args.no_wasmtime {
        None
    } else {
        args.python
            .or_else(|| std::env::var_os("WASILAND_REFERENCE_PYTHON").map(PathBuf::from))
    };
    let wasmi = if args.no_wasmi {
        None
    } else {
        find_wasmi(args.wasmi)
    };
    let scratch = tempfile::Builder::new()
        .prefix("wasiland-bench-")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?;
    let files = workloads::inputs(&repo.join("bench/python"), sizes, &selected)
        .map_err(|e| e.to_string())?;

    // --- header -----------------------------------------------------------
    let mut out = String::new();
    let date = first_line(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]));
    let commit = first_line(
        Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["describe", "--always", "--dirty"]),
    );
    let _ = writeln!(out, "# wasiland-bench, {date}");
    let _ = writeln!(out);
    let _ = writeln!(out, "- machine: {}", machine());
    let _ = writeln!(out, "- load average at start: {}", loadavg());
    let _ = writeln!(out, "- wasiland: {commit}; fixtures {}", fixtures.display());
    let mut fixture_sizes = Vec::new();
    for f in ["rustpython.wasm", "coreutils.wasm", "grep.wasm"] {
        let len = std::fs::metadata(fixtures.join(f)).map_or(0, |m| m.len());
        fixture_sizes.push(format!("{f} {:.1} MB", len as f64 / 1e6));
    }
    let _ = writeln!(out, "- modules: {}", fixture_sizes.join(", "));
    // The harness does not care how python3 starts; the record says which
    // way it was.
    let runtime = Runtime::new();
    let rustpython = runtime
        .module_from_file(&fixtures.join("rustpython.wasm"))
        .map_err(|e| e.to_string())?;
    let image = ["wasiland_init", "wasiland_run"]
        .iter()
        .all(|name| rustpython.exports().any(|e| e.name() == *name));
    let _ = writeln!(
        out,
        "- rustpython.wasm {} the start-up image entry points (wasiland_init/wasiland_run)",
        if image { "exports" } else { "does not export" }
    );
    let _ = writeln!(
        out,
        "- wasiland CLI: {}",
        wasiland_bin
            .as_ref()
            .map_or("not measured".into(), |p| p.display().to_string())
    );
    let wt_version = python.as_ref().map(|py| {
        first_line(Command::new(py).args([
            "-c",
            "import importlib.metadata as m; print(m.version('wasmtime'))",
        ]))
    });
    let _ = writeln!(
        out,
        "- wasmtime: {}",
        match (&python, &wt_version) {
            (Some(py), Some(v)) if !v.is_empty() => format!("PyPI wasmtime {v} ({})", py.display()),
            (Some(py), _) => format!("{}: cannot import wasmtime", py.display()),
            _ => "not measured (no --python / $WASILAND_REFERENCE_PYTHON)".into(),
        }
    );
    let _ = writeln!(
        out,
        "- wasmi CLI: {}",
        wasmi.as_ref().map_or(
            "not installed (BENCH_INSTALL_WASMI=1 scripts/bench.sh installs it)".into(),
            |p| {
                format!(
                    "{} ({})",
                    first_line(Command::new(p).arg("--version")),
                    p.display()
                )
            }
        )
    );
    let _ = writeln!(
        out,
        "- {runs} measured run(s) after {warmup} warm-up run(s) per workload and runner; medians in ms; {}",
        if args.interleave {
            "every runner takes turns run by run"
        } else {
            "the warm (in-process) runners run back to back, the CLI runners take turns"
        }
    );
    let _ = writeln!(
        out,
        "- inputs: seq 1 {}, {} lines for the pipeline, {} MiB for cat",
        sizes.seq_n,
        sizes.words_lines,
        sizes.cat_bytes >> 20
    );
    let _ = writeln!(out);
    print!("{out}");
    out.clear();

    // --- memory -----------------------------------------------------------
    let mut memory_lines = Vec::new();
    if !args.no_memory {
        eprintln!("[bench] memory");
        let (n, procs, sleep) = if args.quick {
            (4, 2, 0.3)
        } else {
            (20, 4, 2.0)
        };
        match memory::measure(&fixtures, n, procs, sleep) {
            Ok(lines) => memory_lines = lines,
            Err(e) => {
                eprintln!("[bench] memory: {e}");
                return Err(format!("memory section failed: {e}"));
            }
        }
    }

    // --- set up the runners -------------------------------------------------
    let mut sandbox = Sandbox::builder()
        .runtime(runtime.clone())
        .fixtures(&fixtures)
        .build()
        .map_err(|e| format!("sandbox: {e}"))?;
    for w in &selected {
        for name in &w.inputs {
            sandbox
                .write_file(&format!("/home/user/{name}"), files[name].clone())
                .map_err(|e| e.to_string())?;
        }
    }
    if selected.iter().any(|w| w.inputs.contains(&"trivial.wasm")) {
        sandbox.run("chmod +x trivial.wasm");
    }
    let mut wasmi_copies = BTreeMap::new();
    if wasmi.is_some() {
        for name in ["rustpython.wasm", "coreutils.wasm", "grep.wasm"] {
            let wasm = std::fs::read(fixtures.join(name)).map_err(|e| format!("{name}: {e}"))?;
            if let Some(copy) = stub_imports::without_spawn_import(&wasm)
                .map_err(|e| format!("{name}: stubbing wasiland_v1.spawn: {e}"))?
            {
                let path = scratch.path().join(format!("wasmi-{name}"));
                std::fs::write(&path, copy).map_err(|e| format!("{}: {e}", path.display()))?;
                wasmi_copies.insert(name, path);
            }
        }
    }
    let wt_warm = match &python {
        Some(py) => Some(
            WarmWasmtime::start(py, &repo.join("bench/wasmtime-warm.py"), scratch.path())
                .map_err(|e| format!("wasmtime-warm.py: {e}"))?,
        ),
        None => None,
    };
    let mut state = State {
        env: Env {
            repo,
            fixtures,
            wasiland_bin,
            python,
            wasmi,
            scratch,
            files,
            wasmi_copies,
        },
        spawner,
        sandbox,
        wt_warm,
        wt_loads: BTreeMap::new(),
    };

    // --- run ----------------------------------------------------------------
    let mut results: Vec<BTreeMap<Runner, Series>> = Vec::new();
    for w in &selected {
        state
            .env
            .prepare_inputs(w)
            .map_err(|e| format!("{}: inputs: {e}", w.id))?;
        eprintln!("[bench] {} ({})", w.id, w.command);
        let mut series: BTreeMap<Runner, Series> = BTreeMap::new();
        // The in-process runners run their samples back to back (what an
        // embedder running one command after another sees); the CLI
        // runners take turns, so drift in the machine's load spreads over
        // them alike. --interleave makes everything take turns.
        let in_process = |r: Runner| matches!(r, Runner::WlWarm | Runner::WtWarm);
        let mut schedule: Vec<(usize, Runner)> = Vec::new();
        if !args.interleave {
            for runner in Runner::ALL.into_iter().filter(|r| in_process(*r)) {
                schedule.extend((0..warmup + runs).map(|i| (i, runner)));
            }
        }
        for i in 0..warmup + runs {
            for runner in Runner::ALL {
                if args.interleave || !in_process(runner) {
                    schedule.push((i, runner));
                }
            }
        }
        for (i, runner) in schedule {
            let Some(sample) = state.sample(runner, w) else {
                continue;
            };
            let s = series.entry(runner).or_default();
            match sample {
                Err(e) => {
                    eprintln!("[bench] {} under {}: {e}", w.id, runner.label());
                    s.errors.push(e);
                }
                Ok((ms, rss)) if i >= warmup => {
                    s.ms.push(ms);
                    s.maxrss_kib.extend(rss);
                }
                Ok(_) => {}
            }
        }
        if args.verbose {
            for (runner, s) in &series {
                let v: Vec<String> = s.ms.iter().map(|m| fmt_ms(Some(*m))).collect();
                eprintln!("[bench]   {:<14} {}", runner.label(), v.join(" "));
            }
        }
        results.push(series);
    }

    // --- where a process's time goes ------------------------------------------
    let mut phases = Vec::new();
    for (id, module, argv) in [
        (
            "trivial",
            ModuleRef::Input("trivial.wasm"),
            &["trivial"][..],
        ),
        (
            "true-proc",
            ModuleRef::Fixture("coreutils.wasm"),
            &["true"][..],
        ),
        (
            "echo-proc",
            ModuleRef::Fixture("coreutils.wasm"),
            &["echo", "x"][..],
        ),
        (
            "py-print1",
            ModuleRef::Fixture("rustpython.wasm"),
            &["python3", "-c", "print(1)"][..],
        ),
    ] {
        let Some(i) = selected.iter().position(|w| w.id == id) else {
            continue;
        };
        eprintln!("[bench] breakdown of {id}");
        let compiled = match module {
            ModuleRef::Input(name) => runtime.module(name, &state.env.files[name]),
            ModuleRef::Fixture(name) => runtime.module_from_file(&state.env.fixtures.join(name)),
        }
        .map_err(|e| e.to_string())?;
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        match breakdown::measure(
            runtime.engine(),
            true,
            &state.sandbox,
            &compiled,
            &argv,
            runs,
        ) {
            Ok(p) => phases.push((i, argv, p)),
            Err(e) => eprintln!("[bench] breakdown of {id}: {e}"),
        }
    }

    // --- report -------------------------------------------------------------
    let med = |i: usize, r: Runner| results[i].get(&r).and_then(Series::median);
    let trivial = selected.iter().position(|w| w.id == "trivial");
    let wt_startup = trivial.and_then(|t| med(t, Runner::WtCli));

    let _ = writeln!(out, "## Medians (ms)");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| workload | command | wasiland warm | wasiland CLI | wasmtime CLI | wasmtime CLI − start-up | wasmtime warm | wasmi CLI |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|");
    for (i, w) in selected.iter().enumerate() {
        let wt = med(i, Runner::WtCli);
        // Net of the fixed cost of one wasmtime-cli.py process, for
        // single-process references (pipelines start several in parallel).
        let net = match (wt, wt_startup) {
            (Some(a), Some(b)) if w.reference.len() == 1 && w.id != "trivial" => Some(a - b),
            _ => None,
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {} | {} |",
            w.id,
            w.command.replace('|', "\\|"),
            fmt_ms(med(i, Runner::WlWarm)),
            fmt_ms(med(i, Runner::WlCli)),
            fmt_ms(wt),
            fmt_ms(net),
            fmt_ms(med(i, Runner::WtWarm)),
            fmt_ms(med(i, Runner::WasmiCli)),
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "## Ratios (wasiland / reference; below 1 means wasiland is faster)"
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| workload | warm / wasmtime CLI | warm / wasmtime warm | CLI / wasmtime CLI | warm / wasmi CLI | CLI / wasmi CLI |"
    );
    let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|");
    for (i, w) in selected.iter().enumerate() {
        let (warm, cli) = (med(i, Runner::WlWarm), med(i, Runner::WlCli));
        let (wt, wtw, wi) = (
            med(i, Runner::WtCli),
            med(i, Runner::WtWarm),
            med(i, Runner::WasmiCli),
        );
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            w.id,
            fmt_ratio(ratio(warm, wt)),
            fmt_ratio(ratio(warm, wtw)),
            fmt_ratio(ratio(cli, wt)),
            fmt_ratio(ratio(warm, wi)),
            fmt_ratio(ratio(cli, wi)),
        );
    }
    let _ = writeln!(out);
    let notes: Vec<String> = selected
        .iter()
        .filter_map(|w| w.note.map(|n| format!("- {}: {n}", w.id)))
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "Notes:");
        for n in notes {
            let _ = writeln!(out, "{n}");
        }
        let _ = writeln!(
            out,
            "- wasmtime CLI is scripts/wasmtime-cli.py, a Python process: its fixed cost (the trivial row{}) is Python start-up, `import wasmtime`, engine creation and loading the cached compiled module; \"− start-up\" subtracts the trivial module's time",
            wt_startup.map_or(String::new(), |s| format!(", {} ms", fmt_ms(Some(s))))
        );
        if !state.wt_loads.is_empty() {
            let loads: Vec<String> = state
                .wt_loads
                .iter()
                .map(|(m, ms)| format!("{m} {}", fmt_ms(Some(*ms))))
                .collect();
            let _ = writeln!(
                out,
                "- wasmtime warm: one Python process, engine and modules loaded once (load of the cached compiled module, ms: {}); each run is a new store, WASI context and instance plus `_start`",
                loads.join(", ")
            );
        }
        let _ = writeln!(
            out,
            "- wasiland warm: one `Runtime` and one `Sandbox` reused, `Sandbox::run(command)` timed around the call; wasiland CLI: `wasiland run [--mount INPUTS:/home/user] -- COMMAND` as a new process"
        );
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "## Peak RSS of one CLI process (MiB, median)");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| workload | wasiland CLI | wasmtime CLI | wasmi CLI |"
    );
    let _ = writeln!(out, "|---|--:|--:|--:|");
    for (i, w) in selected.iter().enumerate() {
        let rss = |r: Runner| {
            results[i]
                .get(&r)
                .and_then(|s| median(&s.maxrss_kib.iter().map(|k| *k as f64).collect::<Vec<_>>()))
                .map_or("-".into(), |k| format!("{:.0}", k / 1024.0))
        };
        let multi = if w.reference.len() > 1 {
            " (largest process)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "| {}{multi} | {} | {} | {} |",
            w.id,
            rss(Runner::WlCli),
            rss(Runner::WtCli),
            rss(Runner::WasmiCli)
        );
    }
    let _ = writeln!(out);

    if !phases.is_empty() {
        let _ = writeln!(
            out,
            "## Where one process's time goes (wasiland engine, medians, ms)"
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| workload | guest argv | instantiate | `_start` to exit | teardown | sum | wasiland warm, whole command | rest: shell, WASI set-up, thread | linear memory at exit |"
        );
        let _ = writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|--:|");
        for (i, argv, p) in &phases {
            let sum = p.instantiate + p.start + p.teardown;
            let warm = med(*i, Runner::WlWarm);
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} | {} | {} | {} | {:.1} MiB |",
                selected[*i].id,
                argv.join(" "),
                fmt_ms(Some(p.instantiate)),
                fmt_ms(Some(p.start)),
                fmt_ms(Some(p.teardown)),
                fmt_ms(Some(sum)),
                fmt_ms(warm),
                fmt_ms(warm.map(|w| w - sum)),
                p.memory_bytes as f64 / (1024.0 * 1024.0),
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "The phases are timed with wasmi's API over wasiland's syscall table, engine and compiled modules, always from `_start` (no start-up image); instantiate includes allocating and zero-filling linear memory and copying the data segments, teardown is dropping the store. \"rest\" is the whole command in the warm sandbox minus the sum: shell, program lookup, WASI context, the process thread, fuel slicing; for python3 also any other start-up path the sandbox takes (a start-up image makes the whole command shorter than the plain `_start` phases, and \"rest\" negative).",
        );
        let _ = writeln!(out);
    }

    // --- wasmi configuration choices -----------------------------------------
    let has_compute = selected.iter().any(|w| w.id == "py-compute");
    if !args.no_configs && !args.quick && has_compute {
        let wasm = std::fs::read(state.env.fixtures.join("rustpython.wasm"))
            .map_err(|e| format!("rustpython.wasm: {e}"))?;
        match configs::measure(&wasm, &state.sandbox, runs.min(3)) {
            Ok(lines) => {
                let _ = writeln!(out, "## wasmi configuration choices (rustpython.wasm)");
                let _ = writeln!(out);
                for l in lines {
                    let _ = writeln!(out, "{l}");
                }
                let _ = writeln!(out);
            }
            Err(e) => eprintln!("[bench] engine configurations: {e}"),
        }
    }

    if !memory_lines.is_empty() {
        let _ = writeln!(out, "## Memory (wasiland, inside one process)");
        let _ = writeln!(out);
        let _ = writeln!(out, "| what | heap | RSS | how |");
        let _ = writeln!(out, "|---|--:|--:|---|");
        for l in &memory_lines {
            let _ = writeln!(out, "{l}");
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "heap: bytes allocated and not freed (exact; linear memories are heap allocations in wasmi); RSS: resident set, what the machine pays, blurred by the allocator reusing freed memory and including touched thread stacks."
        );
        let _ = writeln!(out);
    }

    if let Some(bin) = state.env.wasiland_bin.clone() {
        eprintln!("[bench] MCP round trip");
        let calls = (runs * 4).max(10);
        match mcp::measure(&bin, &state.env.fixtures, &mut state.sandbox, calls) {
            Ok(lines) => {
                let _ = writeln!(
                    out,
                    "## MCP server round trip (issue 14; ms, medians of {calls})"
                );
                let _ = writeln!(out);
                for l in &lines {
                    let _ = writeln!(out, "{l}");
                }
                let _ = writeln!(out);
                let _ = writeln!(
                    out,
                    "One `wasiland mcp` process over stdio, 2026-07-28 requests (no handshake), one JSON line out and the answer back, timed by the client; the library column runs the same command in a warm `Sandbox` in this process."
                );
                let _ = writeln!(out);
            }
            Err(e) => eprintln!("[bench] MCP round trip: {e}"),
        }
    }

    let print1 = selected.iter().position(|w| w.id == "py-print1");
    let _ = writeln!(out, "## Targets of issue 8 (printed, not asserted)");
    let _ = writeln!(out);
    for (i, w) in selected.iter().enumerate() {
        let Some(target) = w.target else { continue };
        let (warm, cli) = (med(i, Runner::WlWarm), med(i, Runner::WlCli));
        let (wt, wi) = (med(i, Runner::WtCli), med(i, Runner::WasmiCli));
        let verdict = |ok: Option<bool>| match ok {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "n/a",
        };
        match target {
            Target::PythonStart { max_ms } => {
                let ok = warm.map(|m| m <= max_ms);
                let _ = writeln!(
                    out,
                    "- {} `{}` warm at most {max_ms} ms: {} ms, {}",
                    verdict(ok),
                    w.command,
                    fmt_ms(warm),
                    fmt_ratio(ratio(warm, Some(max_ms))).to_string() + "x the limit"
                );
                let ok = ratio(warm, wt).map(|r| r < 1.0);
                let _ = writeln!(
                    out,
                    "- {} `{}` warm faster than the wasmtime CLI on the plain rustpython.wasm: {} vs {} ms ({}x; net of its start-up {} ms)",
                    verdict(ok),
                    w.command,
                    fmt_ms(warm),
                    fmt_ms(wt),
                    fmt_ratio(ratio(warm, wt)),
                    fmt_ms(match (wt, wt_startup) {
                        (Some(a), Some(b)) => Some(a - b),
                        _ => None,
                    })
                );
            }
            Target::Spawn { max_ms } => {
                let ok = warm.map(|m| m <= max_ms);
                let _ = writeln!(
                    out,
                    "- {} `{}` warm at most {max_ms} ms: {} ms",
                    verdict(ok),
                    w.command,
                    fmt_ms(warm)
                );
            }
            Target::NearWasmi { .. } | Target::FasterThanWasmi => {
                let (want, limit, strict) = match target {
                    Target::NearWasmi { tolerance } => (
                        format!("within {:.0} % of", tolerance * 100.0),
                        1.0 + tolerance,
                        false,
                    ),
                    _ => ("faster than".to_string(), 1.0, true),
                };
                let pass = |r: f64| if strict { r < limit } else { r <= limit };
                let mut rows = vec![("CLI (cold, like for like)", cli, wi), ("warm", warm, wi)];
                // The interpreter's own speed: Python's start-up taken out
                // on both sides (each runner's py-print1 median). Only where
                // the work is long next to the start-up's noise.
                if w.id.starts_with("py-") && !strict {
                    if let Some(p) = print1 {
                        let net = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
                        rows.push((
                            "warm, net of Python start-up (minus py-print1 on each side)",
                            net(warm, med(p, Runner::WlWarm)),
                            net(wi, med(p, Runner::WasmiCli)),
                        ));
                    }
                }
                for (label, ours, theirs) in rows {
                    let r = ratio(ours, theirs);
                    let ok = r.map(pass);
                    let _ = writeln!(
                        out,
                        "- {} `{}` {label} {want} the wasmi CLI: {} vs {} ms ({})",
                        verdict(ok),
                        w.command,
                        fmt_ms(ours),
                        fmt_ms(theirs),
                        r.map_or("no ratio".into(), |r| format!("{r:.2}x"))
                    );
                }
            }
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "- load average at end: {}", loadavg());

    let mut clean = true;
    let mut failures = String::new();
    for (i, w) in selected.iter().enumerate() {
        for (runner, s) in &results[i] {
            if let Some(e) = s.errors.first() {
                clean = false;
                let _ = writeln!(
                    failures,
                    "- {} under {}: {} of {} runs failed, first: {e}",
                    w.id,
                    runner.label(),
                    s.errors.len(),
                    s.errors.len() + s.ms.len()
                );
            }
        }
    }
    if !clean {
        let _ = writeln!(out);
        let _ = writeln!(out, "## Failed runs (their medians are not reported)");
        let _ = writeln!(out);
        out.push_str(&failures);
    }
    print!("{out}");
    out.clear();

    let agent_dir = args
        .agent_dir
        .clone()
        .unwrap_or_else(|| state.env.repo.join("../shared/bench/agent"));
    let want_agent =
        !args.no_agent && (args.only.is_empty() || args.only.iter().any(|o| o == AGENT_ID));
    if want_agent && agent_dir.is_dir() {
        let setup = agent::Setup {
            dir: &agent_dir,
            cpython: &args.cpython,
            wasiland_bin: state.env.wasiland_bin.as_deref(),
            fixtures: &state.env.fixtures,
            scratch: state.env.scratch.path(),
            runs,
            warmup,
        };
        let (report, agent_clean) = agent::measure(&setup, &mut state.sandbox, &mut state.spawner)?;
        println!();
        print!("{report}");
        clean &= agent_clean;
    } else if want_agent {
        println!(
            "\n(no agent programs: {} is not a directory)",
            agent_dir.display()
        );
    }
    Ok(clean)
}
