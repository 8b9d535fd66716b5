//! The Python differential suite: each program under `tests/python/cases/`
//! runs in wasiland (`python3` is RustPython) and under the machine's CPython
//! 3, with the same files, command line, stdin and environment, in a working
//! directory with the same absolute path. stdout and the exit status must be
//! equal, except for the cases in `tests/python/KNOWN_DIFFERENCES`, which
//! must still differ (so that list stays true).
//!
//! A case is a directory: `cmd` (optional; a bash command line, default
//! `python3 main.py`), `stdin` (optional) and any other files, which are
//! copied into the working directory. `WASILAND_PY_CASE=name[,name]` runs
//! only the named cases; `WASILAND_PY_JOBS` sets the parallelism (default 2).

mod python_support;

use python_support::{cpython, fixtures, run_host};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use wasiland::{RunOptions, Sandbox};

struct Case {
    name: String,
    cmd: String,
    stdin: Vec<u8>,
    /// Relative path -> contents.
    files: BTreeMap<String, Vec<u8>>,
}

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python")
}

fn collect_files(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read case dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let rel = path
            .strip_prefix(base)
            .expect("inside case")
            .to_string_lossy()
            .into_owned();
        if path.is_dir() {
            if entry.file_name() != "__pycache__" {
                collect_files(base, &path, out);
            }
        } else if rel != "cmd" && rel != "stdin" {
            out.insert(rel, std::fs::read(&path).expect("read case file"));
        }
    }
}

fn load_cases() -> Vec<Case> {
    let dir = suite_dir().join("cases");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/python/cases")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let case_dir = dir.join(&name);
            let cmd = std::fs::read_to_string(case_dir.join("cmd"))
                .map(|s| s.trim_end().to_owned())
                .unwrap_or_else(|_| "python3 main.py".to_owned());
            let stdin = std::fs::read(case_dir.join("stdin")).unwrap_or_default();
            let mut files = BTreeMap::new();
            collect_files(&case_dir, &case_dir, &mut files);
            Case {
                name,
                cmd,
                stdin,
                files,
            }
        })
        .collect()
}

/// `name: reason` lines; `#` comments.
fn known_differences() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(suite_dir().join("KNOWN_DIFFERENCES")).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(n, r)| (n.trim().to_owned(), r.trim().to_owned()))
        .collect()
}

const ENV: &[(&str, &str)] = &[
    ("LANG", "C.UTF-8"),
    ("TZ", "UTC"),
    ("PYTHONHASHSEED", "0"),
    ("USER", "user"),
    ("LOGNAME", "user"),
];

struct Outcome {
    name: String,
    ok: bool,
    report: String,
}

fn show(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    const MAX: usize = 3000;
    if s.len() > MAX {
        let mut cut = MAX;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}\n...[{} more bytes]", &s[..cut], s.len() - cut)
    } else {
        s.into_owned()
    }
}

fn run_case(case: &Case, py: &str, fixtures: &Path, known: Option<&String>) -> Outcome {
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path().join("work");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&work).expect("work dir");
    std::fs::create_dir_all(&home).expect("home dir");
    for (rel, data) in &case.files {
        let path = work.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("case subdir");
        }
        std::fs::write(&path, data).expect("write case file");
    }
    let work_str = work.to_string_lossy().into_owned();
    let home_str = home.to_string_lossy().into_owned();
    let mut host_env: Vec<(&str, &str)> = ENV.to_vec();
    host_env.push(("HOME", &home_str));
    let host = run_host(py, &work, &case.cmd, &case.stdin, &host_env);

    let mut builder = Sandbox::builder().fixtures(fixtures).cwd(&work_str);
    for (k, v) in ENV {
        builder = builder.env(k, v);
    }
    let mut sb = builder.build().expect("sandbox");
    for (rel, data) in &case.files {
        sb.write_file(&format!("{work_str}/{rel}"), data.clone())
            .expect("sandbox file");
    }
    let got = sb.run_with(&case.cmd, RunOptions::with_stdin(case.stdin.clone()));

    let same = got.stdout == host.stdout && got.exit_code == host.exit_code;
    let mut report = String::new();
    if !same || known.is_some() {
        report = format!(
            "--- case {} ($ {})\n[cpython exit {}] stdout:\n{}\n[cpython] stderr:\n{}\n[wasiland exit {}] stdout:\n{}\n[wasiland] stderr:\n{}\n",
            case.name,
            case.cmd,
            host.exit_code,
            show(&host.stdout),
            show(&host.stderr),
            got.exit_code,
            show(&got.stdout),
            show(&got.stderr),
        );
    }
    let ok = match known {
        None => same,
        Some(_) => !same,
    };
    if known.is_some() && same {
        report = format!(
            "--- case {} is listed in KNOWN_DIFFERENCES but now matches CPython: remove it from the list\n",
            case.name
        );
    }
    Outcome {
        name: case.name.clone(),
        ok,
        report,
    }
}

#[test]
fn programs_match_cpython() {
    let fixtures = fixtures();
    let py = cpython();
    let mut cases = load_cases();
    let known = known_differences();
    for name in known.keys() {
        assert!(
            cases.iter().any(|c| &c.name == name),
            "KNOWN_DIFFERENCES names a missing case {name}"
        );
    }
    let only: Option<Vec<String>> = std::env::var("WASILAND_PY_CASE")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect());
    if let Some(only) = &only {
        cases.retain(|c| only.contains(&c.name));
    } else {
        assert!(
            cases.len() >= 80,
            "the suite has {} programs, the minimum is 80",
            cases.len()
        );
    }
    let jobs: usize = std::env::var("WASILAND_PY_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let queue = Mutex::new(cases.iter());
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| loop {
                let Some(case) = queue.lock().expect("queue").next() else {
                    break;
                };
                let outcome = run_case(case, &py, &fixtures, known.get(&case.name));
                outcomes.lock().expect("outcomes").push(outcome);
            });
        }
    });
    let mut outcomes = outcomes.into_inner().expect("outcomes");
    outcomes.sort_by(|a, b| a.name.cmp(&b.name));
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.ok).collect();
    let known_run = outcomes
        .iter()
        .filter(|o| known.contains_key(&o.name))
        .count();
    eprintln!(
        "python programs: {} run, {} equal to CPython, {} known differences, {} failed",
        outcomes.len(),
        outcomes.len() - failed.len() - known_run,
        known_run,
        failed.len()
    );
    if !failed.is_empty() {
        let mut msg = String::new();
        for o in &failed {
            msg.push_str(&o.report);
        }
        let names: Vec<&str> = failed.iter().map(|o| o.name.as_str()).collect();
        panic!(
            "{msg}\n{} of {} programs differ from CPython: {}",
            failed.len(),
            outcomes.len(),
            names.join(", ")
        );
    }
}
