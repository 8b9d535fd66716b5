//! Pure-Python packages from PyPI, made importable in a sandbox the way
//! docs/python.md says: wheels unpacked into one host directory (or zipped
//! into one file), copied into the sandbox, named by `PYTHONPATH`, imported
//! with `-B` so nothing is written next to them.
//!
//! The package is fetched at test time with the machine's CPython
//! (`pip download`), so the test needs PyPI; `packaging` is a real
//! multi-module package (version, specifiers, markers, tags modules) with
//! no dependencies.

mod python_support;

use python_support::{cpython, fixtures};
use std::path::Path;
use std::process::Command;
use wasiland::Sandbox;

const PACKAGE: &str = "packaging==24.2";

/// `pip download` the wheel into `dir` and unpack it into `dir/site`;
/// returns the wheel's path.
fn fetch_and_unpack(py: &str, dir: &Path) -> std::path::PathBuf {
    let wheels = dir.join("wheels");
    checked(
        Command::new(py)
            .args(["-m", "pip", "download", "--quiet"])
            .args(["--disable-pip-version-check", "--no-deps"])
            .args(["--only-binary=:all:", "-d"])
            .arg(&wheels)
            .arg(PACKAGE),
        "pip download (this test needs PyPI)",
    );
    let wheel = std::fs::read_dir(&wheels)
        .expect("wheels dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .expect("a .whl was downloaded");
    // A wheel is a zip file; unpacking it is all a pure-Python install does
    // that matters for importing.
    let site = dir.join("site");
    checked(
        Command::new(py)
            .args(["-m", "zipfile", "-e"])
            .arg(&wheel)
            .arg(&site),
        "unpack the wheel",
    );
    wheel
}

/// A sandbox whose runs may take longer than the default minute: the first
/// python3 of a runtime also builds its start-up image, which is slow on a
/// loaded machine.
fn sandbox() -> Sandbox {
    let limits = wasiland::Limits {
        timeout: Some(std::time::Duration::from_secs(600)),
        ..wasiland::Limits::default()
    };
    Sandbox::builder()
        .fixtures(fixtures())
        .limits(limits)
        .build()
        .expect("sandbox")
}

/// Every file under `guest` in the sandbox, recursively.
fn tree(sb: &Sandbox, guest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![guest.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in sb.list_dir(&dir).expect("list dir") {
            let path = format!("{dir}/{}", entry.name);
            if entry.file_type == wasiland_vfs::FileType::Directory {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out.sort();
    out
}

const PROGRAM: &str = "from packaging.version import Version\n\
from packaging.specifiers import SpecifierSet\n\
from packaging.requirements import Requirement\n\
import packaging\n\
versions = sorted(['1.10', '1.2', '1.2rc1', '2.0.post1', '1.9.9'], key=Version)\n\
print(versions)\n\
print([v for v in versions if v in SpecifierSet('>=1.2,<2')])\n\
r = Requirement('requests[socks]>=2.8; python_version >= \"3\"')\n\
print(r.name, sorted(r.extras), str(r.specifier))\n\
print(packaging.__file__)\n";

#[test]
fn a_pypi_package_imports_from_an_unpacked_wheel_directory() {
    let py = cpython();
    let tmp = tempfile::tempdir().expect("tempdir");
    fetch_and_unpack(&py, tmp.path());
    let host = run_cpython(&py, &tmp.path().join("site"));

    let mut sb = sandbox();
    sb.import_host_dir(&tmp.path().join("site"), "/opt/python")
        .expect("copy packages in");
    let before = tree(&sb, "/opt/python");
    let cmd = format!("PYTHONPATH=/opt/python python3 -B - <<'EOF'\n{PROGRAM}EOF");
    let r = sb.run(&cmd);
    assert_eq!(r.exit_code, 0, "{}", r.stderr_str());
    let expected = host.replace(
        &tmp.path().join("site").display().to_string(),
        "/opt/python",
    );
    assert_eq!(r.stdout_str(), expected);
    // Read-only in use: nothing was written among the packages.
    assert_eq!(tree(&sb, "/opt/python"), before);
}

#[test]
fn a_pypi_package_imports_from_a_zip_file() {
    let py = cpython();
    let tmp = tempfile::tempdir().expect("tempdir");
    let wheel = fetch_and_unpack(&py, tmp.path());
    let mut sb = sandbox();
    // The wheel itself is a zip with the packages at its root: zipimport
    // reads it in place, and a zip file cannot be written to by an import.
    sb.write_file(
        "/opt/packages.zip",
        std::fs::read(&wheel).expect("read wheel"),
    )
    .expect("copy wheel in");
    let cmd = format!("PYTHONPATH=/opt/packages.zip python3 - <<'EOF'\n{PROGRAM}EOF");
    let r = sb.run(&cmd);
    assert_eq!(r.exit_code, 0, "{}", r.stderr_str());
    let out = r.stdout_str();
    assert!(
        out.ends_with("/opt/packages.zip/packaging/__init__.py\n"),
        "{out}"
    );
    assert_eq!(tree(&sb, "/opt"), vec!["/opt/packages.zip".to_owned()]);
}

fn run_cpython(py: &str, site: &Path) -> String {
    let out = checked(
        Command::new(py)
            .args(["-B", "-c", PROGRAM])
            .env("PYTHONPATH", site),
        "the program under CPython",
    );
    String::from_utf8(out).expect("utf-8")
}

/// Run `cmd`; its stdout, or a panic saying that `what` failed and why.
fn checked(cmd: &mut Command, what: &str) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
