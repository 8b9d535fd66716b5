//! Shared by the Python test suites: find the built fixtures, make
//! sandboxes, run CPython on the host for comparison.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use wasiland::{RunOptions, RunResult, Sandbox};

/// The fixtures directory: `$WASILAND_FIXTURES` or `<repo>/fixtures/out`.
/// Panics (the tests must not pass silently) when rustpython.wasm is missing.
pub fn fixtures() -> PathBuf {
    let dir = std::env::var_os("WASILAND_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/out"));
    assert!(
        dir.join("rustpython.wasm").is_file(),
        "{} has no rustpython.wasm: build the fixtures (fixtures/build.sh) or set WASILAND_FIXTURES",
        dir.display()
    );
    dir
}

/// A fresh sandbox with the fixtures (cwd: the sandbox default).
pub fn sandbox() -> Sandbox {
    Sandbox::builder()
        .fixtures(fixtures())
        .build()
        .expect("sandbox")
}

/// A fresh sandbox whose working directory is `cwd` (created).
pub fn sandbox_in(cwd: &str) -> Sandbox {
    Sandbox::builder()
        .fixtures(fixtures())
        .cwd(cwd)
        .build()
        .expect("sandbox")
}

/// Run `cmd` with `stdin`.
pub fn run(sb: &mut Sandbox, cmd: &str, stdin: &[u8]) -> RunResult {
    sb.run_with(cmd, RunOptions::with_stdin(stdin.to_vec()))
}

/// The CPython the suites compare with: `$WASILAND_CPYTHON`, else `python3`
/// on PATH. Panics if it cannot be run.
pub fn cpython() -> String {
    let py = std::env::var("WASILAND_CPYTHON").unwrap_or_else(|_| "python3".to_owned());
    let ok = Command::new(&py)
        .args([
            "-c",
            "import sys; assert sys.implementation.name == 'cpython'",
        ])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "no CPython 3 as `{py}` (set WASILAND_CPYTHON)");
    py
}

/// What a host run produced.
pub struct HostResult {
    pub exit_code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Run the shell command line `cmd` under bash in `dir` with `python3` and
/// `python` meaning `cpython` and the given environment.
pub fn run_host(
    cpython: &str,
    dir: &Path,
    cmd: &str,
    stdin: &[u8],
    env: &[(&str, &str)],
) -> HostResult {
    use std::io::Write;
    let bin = dir.parent().expect("work dir has a parent").join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let real = which(cpython).unwrap_or_else(|| PathBuf::from(cpython));
    for name in ["python3", "python"] {
        let link = bin.join(name);
        if !link.exists() {
            std::os::unix::fs::symlink(&real, &link).expect("python symlink");
        }
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("bash")
        .args(["-c", cmd])
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bash");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    HostResult {
        exit_code: out.status.code().unwrap_or(128),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn which(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        return Some(PathBuf::from(name));
    }
    // Resolve pyenv-style shims to the interpreter itself, so the symlink
    // named python3 runs CPython rather than a shim that dispatches on its
    // own name.
    let out = Command::new(name)
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    let exe = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!exe.is_empty()).then(|| PathBuf::from(exe))
}
