//! The harness runs end to end: `--quick` on two workloads (one Python
//! script, one pipeline), with whichever references this machine has, and
//! prints the tables with every output check passing. Skipped when the
//! fixtures are not built.

use std::path::Path;
use std::process::Command;

#[test]
fn quick_run_prints_the_tables() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let fixtures = std::env::var_os("WASILAND_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo.join("fixtures/out"));
    if !fixtures.join("rustpython.wasm").is_file() || !fixtures.join("coreutils.wasm").is_file() {
        eprintln!("skipped: fixtures not built (fixtures/build.sh)");
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_wasiland-bench"))
        .args(["--quick", "--only", "py-hello,seq-wc"])
        .arg("--fixtures")
        .arg(&fixtures)
        .output()
        .expect("run wasiland-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    for needle in [
        "## Medians (ms)",
        "| py-hello | `python3 hello.py` |",
        "| seq-wc | `seq 1 1000 \\| wc -l` |",
        "## Ratios",
        "## Memory",
        "one idle sandbox",
        "| one python3 process |",
    ] {
        assert!(stdout.contains(needle), "no {needle:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("## Failed runs"), "{stdout}");
    // The warm sandbox always runs, so its column has a number.
    let row = stdout
        .lines()
        .find(|l| l.starts_with("| py-hello | `"))
        .unwrap();
    let warm = row.split('|').nth(3).unwrap().trim();
    assert!(warm.parse::<f64>().is_ok(), "warm column {warm:?} in {row}");
}
