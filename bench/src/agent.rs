//! Issue 13's measurements: the programs of the kind agents write
//! (`shared/bench/agent/*.py`), each under wasiland warm (one sandbox,
//! repeated runs), as a one-shot `wasiland run` and under the machine's
//! CPython, in the same run and checked to print the same; the import time
//! of the standard modules generated code uses; and what an uncaught
//! exception's traceback costs over a clean exit.

use crate::measure::{median, Spawner, Spec};
use crate::{fmt_ms, ratio};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use wasiland::Sandbox;

/// The modules whose import time is reported (issue 13's list).
pub const IMPORTED_MODULES: &[&str] = &[
    "asyncio",
    "logging",
    "subprocess",
    "traceback",
    "zoneinfo",
    "dataclasses",
    "typing",
    "re",
    "json",
    "csv",
    "datetime",
    "collections",
    "pathlib",
    "argparse",
    "statistics",
    "decimal",
    "random",
    "itertools",
    "functools",
    "textwrap",
    "hashlib",
    "shutil",
    "tempfile",
    "glob",
    "uuid",
    "urllib.parse",
    "xml.etree.ElementTree",
    "sqlite3",
];

/// Arguments a program is run with (the rest take none).
fn program_args(file: &str) -> &'static [&'static str] {
    match file {
        "argparse_cli.py" => &["--top", "3", "alpha", "beta", "gamma", "beta"],
        _ => &[],
    }
}

/// Where the programs live and how to run the three runners.
pub struct Setup<'a> {
    pub dir: &'a Path,
    pub cpython: &'a Path,
    pub wasiland_bin: Option<&'a Path>,
    pub fixtures: &'a Path,
    pub scratch: &'a Path,
    pub runs: usize,
    pub warmup: usize,
}

struct Program {
    file: String,
    args: Vec<String>,
    source: Vec<u8>,
}

impl Program {
    fn command(&self) -> String {
        let mut cmd = format!("python3 {}", self.file);
        for a in &self.args {
            cmd.push(' ');
            cmd.push_str(a);
        }
        cmd
    }
}

fn load_programs(dir: &Path) -> Result<Vec<Program>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let file = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let source = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let args = program_args(&file).iter().map(|s| s.to_string()).collect();
            Ok(Program { file, args, source })
        })
        .collect()
}

/// Samples of one runner: times in ms, and the first output seen.
#[derive(Default)]
struct Series {
    ms: Vec<f64>,
    output: Option<(i32, Vec<u8>)>,
    error: Option<String>,
}

impl Series {
    /// Record a run; a run whose output differs from the first is an error.
    fn add(&mut self, ms: f64, status: i32, stdout: Vec<u8>, measured: bool) {
        match &self.output {
            None => self.output = Some((status, stdout)),
            Some((s, o)) if (*s, o.as_slice()) != (status, stdout.as_slice()) => {
                self.error
                    .get_or_insert_with(|| "output changed between runs".into());
            }
            Some(_) => {}
        }
        if measured {
            self.ms.push(ms);
        }
    }
}

/// A ratio as "3.4x".
fn fmt_times(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{r:.1}x"))
}

/// Run everything and return the report (Markdown) and whether every
/// runner printed what CPython printed.
pub fn measure(
    setup: &Setup,
    sandbox: &mut Sandbox,
    spawner: &mut Spawner,
) -> Result<(String, bool), String> {
    let programs = load_programs(setup.dir)?;
    if programs.is_empty() {
        return Err(format!("no .py programs in {}", setup.dir.display()));
    }
    // CPython writes into its working directory (files_walk.py), and the
    // shared directory is read-only: each runner gets a copy.
    let work = setup.scratch.join("agent");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    for p in &programs {
        std::fs::write(work.join(&p.file), &p.source).map_err(|e| format!("{}: {e}", p.file))?;
        sandbox
            .write_file(&format!("/home/user/agent/{}", p.file), p.source.clone())
            .map_err(|e| e.to_string())?;
    }

    let mut out = String::new();
    let mut clean = true;
    let _ = writeln!(out, "## Agent programs ({})", setup.dir.display());
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Each program under wasiland warm (one sandbox, run after run), as a one-shot `wasiland run` (its own host process, python3 from the image on disk) and under the machine's CPython ({}), medians of {} runs after {} warm-up, ms.",
        setup.cpython.display(),
        setup.runs,
        setup.warmup
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| program | wasiland warm | wasiland CLI | CPython | warm / CPython | CLI / CPython |"
    );
    let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|");
    let mut warm_ratios = Vec::new();
    let mut cli_ratios = Vec::new();
    let mut problems = Vec::new();
    for p in &programs {
        eprintln!("[bench] agent {}", p.command());
        let (mut warm, mut cli, mut cpy) =
            (Series::default(), Series::default(), Series::default());
        let cmd = format!("cd /home/user/agent && {}", p.command());
        for i in 0..setup.warmup + setup.runs {
            let measured = i >= setup.warmup;
            let start = Instant::now();
            let r = sandbox.run(&cmd);
            warm.add(
                start.elapsed().as_secs_f64() * 1e3,
                r.exit_code,
                r.stdout,
                measured,
            );

            let mut argv = vec![setup.cpython.display().to_string(), p.file.clone()];
            argv.extend(p.args.iter().cloned());
            match spawner.run(&Spec::new(argv, &work)) {
                Ok(r) => cpy.add(r.ms, r.status, r.stdout, measured),
                Err(e) => cpy.error = Some(e),
            }

            if let Some(bin) = setup.wasiland_bin {
                let argv = vec![
                    bin.display().to_string(),
                    "run".into(),
                    "--mount".into(),
                    format!("{}:/home/user/agent", work.display()),
                    "--".into(),
                    cmd.clone(),
                ];
                let mut spec = Spec::new(argv, &work);
                spec.env.push((
                    "WASILAND_FIXTURES".into(),
                    setup.fixtures.display().to_string(),
                ));
                match spawner.run(&spec) {
                    Ok(r) => cli.add(r.ms, r.status, r.stdout, measured),
                    Err(e) => cli.error = Some(e),
                }
            }
        }
        let reference = cpy.output.clone();
        for (label, s) in [("warm", &mut warm), ("CLI", &mut cli)] {
            if s.output.is_some() && s.output != reference && s.error.is_none() {
                let (status, stdout) = s.output.clone().unwrap_or_default();
                s.error = Some(format!(
                    "exit {status}, stdout {:?} differs from CPython's",
                    String::from_utf8_lossy(&stdout)
                ));
            }
            if let Some(e) = &s.error {
                problems.push(format!("- {} under wasiland {label}: {e}", p.file));
            }
        }
        if let Some(e) = &cpy.error {
            problems.push(format!("- {} under CPython: {e}", p.file));
        }
        let med = |s: &Series| {
            if s.error.is_some() {
                None
            } else {
                median(&s.ms)
            }
        };
        let (w, c, py) = (med(&warm), med(&cli), med(&cpy));
        if let Some(r) = ratio(w, py) {
            warm_ratios.push(r);
        }
        if let Some(r) = ratio(c, py) {
            cli_ratios.push(r);
        }
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            p.command(),
            fmt_ms(w),
            fmt_ms(c),
            fmt_ms(py),
            fmt_times(ratio(w, py)),
            fmt_times(ratio(c, py))
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "- median ratio to CPython: warm {} (target at most 3x), CLI {}",
        fmt_times(median(&warm_ratios)),
        fmt_times(median(&cli_ratios))
    );
    if !problems.is_empty() {
        clean = false;
        let _ = writeln!(
            out,
            "- runs that failed or printed something else than CPython:"
        );
        for p in &problems {
            let _ = writeln!(out, "  {p}");
        }
    }
    let _ = writeln!(out);

    out.push_str(&traceback_cost(setup, sandbox, spawner, &work));
    out.push_str(&import_times(setup, sandbox, spawner, &work));
    Ok((out, clean))
}

/// Median wall time of `cmd` in the warm sandbox, and its exit status.
fn warm_median(setup: &Setup, sandbox: &mut Sandbox, cmd: &str) -> (Option<f64>, i32) {
    let mut ms = Vec::new();
    let mut status = 0;
    for i in 0..setup.warmup + setup.runs {
        let start = Instant::now();
        let r = sandbox.run(cmd);
        status = r.exit_code;
        if i >= setup.warmup {
            ms.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    (median(&ms), status)
}

/// A program that prints how long `sys.excepthook` (what an uncaught
/// exception runs) takes on the first exception of its process, in ms.
const EXCEPTHOOK_PROBE: &str = "import sys, time
def f(): raise ValueError(\"bad value\")
try:
    f()
except ValueError as e:
    exc = e
t = time.perf_counter(); sys.excepthook(type(exc), exc, exc.__traceback__); print((time.perf_counter() - t) * 1e3)";

fn traceback_cost(
    setup: &Setup,
    sandbox: &mut Sandbox,
    spawner: &mut Spawner,
    work: &Path,
) -> String {
    let mut out = String::new();
    let (clean, s0) = warm_median(setup, sandbox, "python3 -c 'x = 1'");
    let (raise, s1) = warm_median(
        setup,
        sandbox,
        "python3 -c 'def f(): raise ValueError(\"bad value\")\nf()' 2>/dev/null",
    );
    let (hook, cpython_hook) = in_process_ms(setup, sandbox, spawner, work, EXCEPTHOOK_PROBE);
    let _ = writeln!(out, "## An uncaught exception (wasiland warm)");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "- clean exit `python3 -c 'x = 1'`: {} ms (status {s0}); uncaught ValueError with a traceback: {} ms (status {s1}); the traceback costs {} ms (target at most 30)",
        fmt_ms(clean),
        fmt_ms(raise),
        fmt_ms(match (raise, clean) {
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        })
    );
    let _ = writeln!(
        out,
        "- in-process (less noisy than a difference of two medians): `sys.excepthook` on a process's first exception {} ms (CPython {} ms)",
        fmt_ms(hook),
        fmt_ms(cpython_hook)
    );
    let _ = writeln!(out);
    out
}

/// Medians of the milliseconds `probe` (a `-c` program without single
/// quotes) prints about itself: in fresh python3 processes of the warm
/// sandbox (stderr dropped), and in fresh CPython processes.
fn in_process_ms(
    setup: &Setup,
    sandbox: &mut Sandbox,
    spawner: &mut Spawner,
    work: &Path,
    probe: &str,
) -> (Option<f64>, Option<f64>) {
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for i in 0..setup.warmup + setup.runs {
        let r = sandbox.run(&format!("python3 -c '{probe}' 2>/dev/null"));
        let cpy = spawner.run(&Spec::new(
            vec![
                setup.cpython.display().to_string(),
                "-c".into(),
                probe.to_owned(),
            ],
            work,
        ));
        if i < setup.warmup {
            continue;
        }
        if let Ok(ms) = r.stdout_str().trim().parse::<f64>() {
            ours.push(ms);
        }
        if let Some(ms) = cpy.ok().and_then(|r| {
            String::from_utf8_lossy(&r.stdout)
                .trim()
                .parse::<f64>()
                .ok()
        }) {
            theirs.push(ms);
        }
    }
    (median(&ours), median(&theirs))
}

fn import_times(
    setup: &Setup,
    sandbox: &mut Sandbox,
    spawner: &mut Spawner,
    work: &Path,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Import times (ms)");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "In-process: `import M` timed with time.perf_counter() inside a fresh process (python3 from the start-up image under wasiland, a new CPython process each run). Process: a warm-sandbox `python3 -c 'import M'` minus `python3 -c 'pass'` (target: at most 20 ms each)."
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| module | wasiland in-process | CPython in-process | wasiland process delta |"
    );
    let _ = writeln!(out, "|---|--:|--:|--:|");
    let (base, _) = warm_median(setup, sandbox, "python3 -c pass");
    for module in IMPORTED_MODULES {
        eprintln!("[bench] import {module}");
        let probe = format!(
            "import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1e3)"
        );
        let (ours, theirs) = in_process_ms(setup, sandbox, spawner, work, &probe);
        let (process, _) = warm_median(setup, sandbox, &format!("python3 -c 'import {module}'"));
        let delta = match (process, base) {
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        };
        let _ = writeln!(
            out,
            "| `{module}` | {} | {} | {} |",
            fmt_ms(ours),
            fmt_ms(theirs),
            fmt_ms(delta)
        );
    }
    let _ = writeln!(out);
    out
}
