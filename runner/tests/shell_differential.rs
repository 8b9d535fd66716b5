//! Differential test of the shell: every case of `shell_cases.txt` runs in
//! a fresh wasiland sandbox and under the machine's `/bin/bash` (with GNU
//! coreutils) in a fresh temporary directory holding the same files; stdout
//! bytes and exit status must be equal.
//!
//! Case file format:
//!
//! ```text
//! === name
//! --- file PATH          (optional, repeatable: the lines up to the next
//! contents                `---`/`===` line are the file, newline-ended)
//! --- stdin              (optional: bytes given on stdin)
//! ...
//! --- known REASON       (optional: a known, reasoned difference; the case
//!                         runs and is reported but need not match)
//! --- script
//! the command line(s)
//! ```
//!
//! Both sides run with `LC_ALL=C` and cwd = the directory holding the
//! files (`/home/user` in the sandbox). Needs the built fixtures
//! (`WASILAND_FIXTURES` or `fixtures/out`): it fails, saying so, without them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use wasiland::{RunOptions, Sandbox};

#[derive(Clone, Debug, Default)]
struct Case {
    name: String,
    files: Vec<(String, Vec<u8>)>,
    stdin: Option<Vec<u8>>,
    known: Option<String>,
    script: String,
}

fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut cur: Option<Case> = None;
    // (section kind, file path)
    let mut section: Option<(String, String)> = None;
    let mut buf = String::new();
    fn flush(cur: &mut Option<Case>, section: &mut Option<(String, String)>, buf: &mut String) {
        if let (Some(c), Some((kind, arg))) = (cur.as_mut(), section.take()) {
            let body = std::mem::take(buf);
            match kind.as_str() {
                "file" => c.files.push((arg, body.into_bytes())),
                "stdin" => c.stdin = Some(body.into_bytes()),
                "script" => c.script = body,
                _ => {}
            }
        }
        buf.clear();
    }
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches('\n');
        if let Some(name) = trimmed.strip_prefix("=== ") {
            flush(&mut cur, &mut section, &mut buf);
            if let Some(c) = cur.take() {
                cases.push(c);
            }
            cur = Some(Case {
                name: name.trim().to_string(),
                ..Case::default()
            });
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("--- ") {
            flush(&mut cur, &mut section, &mut buf);
            let (kind, arg) = rest.split_once(' ').unwrap_or((rest, ""));
            if kind == "known" {
                if let Some(c) = cur.as_mut() {
                    c.known = Some(arg.to_string());
                }
                continue;
            }
            section = Some((kind.to_string(), arg.trim().to_string()));
            continue;
        }
        if section.is_some() {
            buf.push_str(line);
        }
    }
    flush(&mut cur, &mut section, &mut buf);
    if let Some(c) = cur.take() {
        cases.push(c);
    }
    cases
}

fn fixtures_dir() -> PathBuf {
    match std::env::var_os("WASILAND_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/out"),
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    status: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p =
            std::env::temp_dir().join(format!("wasiland-shell-diff-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run_bash(case: &Case) -> Outcome {
    let dir = TempDir::new();
    for (path, data) in &case.files {
        let p = dir.path().join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, data).expect("write fixture file");
    }
    let mut child = Command::new("/bin/bash")
        .args(["--norc", "--noprofile", "-c", &case.script])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", dir.path())
        .env("USER", "user")
        .env("LC_ALL", "C")
        .env("TMPDIR", "/tmp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run /bin/bash");
    let stdin = case.stdin.clone().unwrap_or_default();
    let mut pipe = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(p) = pipe.as_mut() {
            use std::io::Write;
            let _ = p.write_all(&stdin);
        }
        drop(pipe);
    });
    let out = child.wait_with_output().expect("bash output");
    let _ = writer.join();
    Outcome {
        status: out.status.code().unwrap_or(128),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn run_wasiland(case: &Case, fixtures: &Path) -> Outcome {
    let mut sb = Sandbox::builder()
        .fixtures(fixtures)
        .env("LC_ALL", "C")
        .build()
        .expect("sandbox");
    for (path, data) in &case.files {
        sb.write_file(path, data.clone())
            .expect("write file into sandbox");
    }
    let options = match &case.stdin {
        Some(bytes) => RunOptions::with_stdin(bytes.clone()),
        None => RunOptions::default(),
    };
    let r = sb.run_with(&case.script, options);
    Outcome {
        status: r.exit_code,
        stdout: r.stdout,
        stderr: r.stderr,
    }
}

fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    if s.len() > 400 {
        format!(
            "{:?}...",
            &s[..s.char_indices().nth(400).map_or(s.len(), |(i, _)| i)]
        )
    } else {
        format!("{s:?}")
    }
}

#[test]
fn shell_matches_bash() {
    let fixtures = fixtures_dir();
    let missing: Vec<&str> = [
        "coreutils.wasm",
        "grep.wasm",
        "sed.wasm",
        "xargs.wasm",
        "find.wasm",
    ]
    .into_iter()
    .filter(|f| !fixtures.join(f).is_file())
    .collect();
    assert!(
        missing.is_empty(),
        "fixtures missing in {} ({missing:?}): build them with fixtures/build.sh or set WASILAND_FIXTURES",
        fixtures.display()
    );
    assert!(
        Path::new("/bin/bash").exists(),
        "/bin/bash is needed for the differential shell test"
    );
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/shell_cases.txt"),
    )
    .expect("cases file");
    let mut cases = parse_cases(&text);
    if let Ok(filter) = std::env::var("SHELL_CASE") {
        cases.retain(|c| c.name.contains(&filter));
    }
    assert!(!cases.is_empty(), "no cases");
    let total = cases.len();
    let queue = Arc::new(Mutex::new(
        cases.into_iter().enumerate().collect::<Vec<_>>(),
    ));
    let results = Arc::new(Mutex::new(Vec::new()));
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let mut handles = Vec::new();
    for _ in 0..workers {
        let queue = queue.clone();
        let results = results.clone();
        let fixtures = fixtures.clone();
        handles.push(std::thread::spawn(move || loop {
            let next = queue.lock().unwrap().pop();
            let Some((i, case)) = next else { break };
            let started = std::time::Instant::now();
            let ours = run_wasiland(&case, &fixtures);
            let theirs = run_bash(&case);
            let secs = started.elapsed().as_secs_f64();
            results.lock().unwrap().push((i, case, ours, theirs, secs));
        }));
    }
    for h in handles {
        h.join().expect("worker");
    }
    let mut results = std::mem::take(&mut *results.lock().unwrap());
    results.sort_by_key(|r| r.0);
    let mut failed = Vec::new();
    let mut known = Vec::new();
    let mut passed = 0;
    for (_, case, ours, theirs, secs) in &results {
        let same = ours.status == theirs.status && ours.stdout == theirs.stdout;
        if secs > &5.0 {
            eprintln!("slow case {} ({secs:.1}s)", case.name);
        }
        if same {
            passed += 1;
            if case.known.is_some() {
                eprintln!("note: case {} is marked known but matches bash", case.name);
            }
            continue;
        }
        let report = format!(
            "--- {}\nscript: {:?}\nwasiland: status {} stdout {}\n          stderr {}\nbash:     status {} stdout {}\n          stderr {}",
            case.name,
            case.script,
            ours.status,
            show(&ours.stdout),
            show(&ours.stderr),
            theirs.status,
            show(&theirs.stdout),
            show(&theirs.stderr)
        );
        match &case.known {
            Some(reason) => known.push(format!("{report}\nknown difference: {reason}")),
            None => failed.push(report),
        }
    }
    for k in &known {
        eprintln!("{k}\n");
    }
    for f in &failed {
        eprintln!("{f}\n");
    }
    eprintln!("shell differential: {passed} of {total} cases equal to bash, {} known differences, {} failures", known.len(), failed.len());
    assert!(
        failed.is_empty(),
        "{} shell cases differ from bash (see above)",
        failed.len()
    );
}

#[test]
fn case_file_parses() {
    let cases = parse_cases("=== a\n--- file x/y.txt\nhello\n--- stdin\nin\n--- script\ncat x/y.txt\n=== b\n--- known why\n--- script\necho b\n");
    assert_eq!(cases.len(), 2);
    assert_eq!(
        cases[0].files,
        vec![("x/y.txt".to_string(), b"hello\n".to_vec())]
    );
    assert_eq!(cases[0].stdin.as_deref(), Some(&b"in\n"[..]));
    assert_eq!(cases[0].script, "cat x/y.txt\n");
    assert_eq!(cases[1].known.as_deref(), Some("why"));
}
