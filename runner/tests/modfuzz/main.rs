//! The module fuzzer: random valid modules (wasm-smith) that import
//! preview1 functions and `wasiland_v1.spawn` and call them with random
//! arguments and memory, run through the real runner under small limits.
//!
//! Cases run in child processes (this test binary re-executed), so a host
//! abort, stack overflow or OOM kill is seen by the parent, which names
//! the case and saves its module. Each case must end within its deadline
//! plus [`run::DEADLINE_MARGIN`], keep the process's peak RSS under
//! [`run::rss_bound`], and leave its sandbox working.
//!
//! A case is its seed: the seed gives the bytes, the bytes the module.
//!
//! ```text
//! WASILAND_MODFUZZ_CASES=N     how many cases (CI runs a fixed count)
//! WASILAND_MODFUZZ_SEED=S      first seed (default 0); case i has seed S+i
//! WASILAND_MODFUZZ_JOBS=J      child processes at once (default 1)
//! ```
//!
//! Long runs: `WASILAND_MODFUZZ_CASES=100000 WASILAND_MODFUZZ_JOBS=2 cargo
//! test --release -p wasiland --test modfuzz -- --nocapture`. A failing
//! case is saved as `seed-S.{wasm,wat,txt}` under
//! `target/*/tmp/modfuzz/`; `WASILAND_MODFUZZ_SEED=S cargo test -p wasiland
//! --test modfuzz -- --ignored --nocapture print_case` prints one case as
//! text, and `WASILAND_MODFUZZ_MINIMIZE=S ... minimize` shrinks it.

#[path = "../child_support/mod.rs"]
mod child_support;
mod generate;
mod harness;
mod imports;
mod run;

use child_support::env_u64;
use harness::Summary;

#[test]
fn generated_modules_never_take_the_host_down() {
    let cases = env_u64("WASILAND_MODFUZZ_CASES", 1000);
    let first = env_u64("WASILAND_MODFUZZ_SEED", 0);
    let jobs = env_u64("WASILAND_MODFUZZ_JOBS", 1).max(1);
    let summary: Summary = harness::fuzz(first, cases, jobs);
    eprintln!("{summary}");
    assert!(
        summary.failures.is_empty(),
        "{} failing case(s):\n{}",
        summary.failures.len(),
        summary
            .failures
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(
        summary.ran + summary.skipped,
        cases,
        "every case accounted for"
    );
    // A generator whose modules never reach the syscall table would pass
    // without testing anything.
    if cases >= 200 {
        assert!(
            summary.functions_reached() >= 40,
            "only {} distinct functions were called: {:?}",
            summary.functions_reached(),
            summary.calls_by_name
        );
        assert!(
            summary.cases_with_calls * 2 > summary.ran,
            "fewer than half the cases made a call"
        );
    }
}

/// The harness itself: a case whose child aborts and one whose child goes
/// quiet are each named by seed and saved, and the cases around them
/// still run.
#[test]
fn the_harness_names_a_crashing_and_a_hanging_case() {
    let spec = harness::Spec {
        first: 1_000_000,
        count: 4,
        abort_at: Some(1_000_001),
        hang_at: Some(1_000_002),
        ..harness::Spec::default()
    };
    let summary = harness::fuzz_with(&spec, 1, std::time::Duration::from_secs(3));
    let failed: Vec<(u64, &str)> = summary
        .failures
        .iter()
        .map(|f| (f.seed, f.what.split(':').next().unwrap_or("")))
        .collect();
    assert_eq!(
        failed,
        [(1_000_001, "crash"), (1_000_002, "hang")],
        "{summary}"
    );
    assert_eq!(summary.ran + summary.skipped, 2, "{summary}");
    for f in &summary.failures {
        let saved = f.saved.as_ref().expect("saved");
        assert!(saved.with_extension("wat").is_file(), "{}", saved.display());
    }
}

/// The child side: runs the cases named in its environment. Does nothing
/// when run by hand.
#[test]
#[ignore = "run by the fuzzer in its child processes"]
fn child() {
    harness::child_main();
}

/// Prints the case `WASILAND_MODFUZZ_SEED` as WebAssembly text.
#[test]
#[ignore = "a tool for reports"]
fn print_case() {
    let seed = env_u64("WASILAND_MODFUZZ_SEED", 0);
    println!("{}", harness::describe(&harness::input(seed)));
}

/// Shrinks the failing case `WASILAND_MODFUZZ_MINIMIZE` while it still
/// fails the same way, and saves the result beside it.
#[test]
#[ignore = "a tool for reports"]
fn minimize() {
    let Ok(seed) = std::env::var("WASILAND_MODFUZZ_MINIMIZE") else {
        return;
    };
    let seed: u64 = seed.parse().expect("a seed");
    harness::minimize(seed);
}

/// Runs the module in the file `WASILAND_MODFUZZ_WAT` (text or binary) as
/// a case, under the same limits and checks, and prints what happened:
/// for checking a reproduction. Also writes the binary beside it
/// (`FILE.wasm`), for the CLI.
#[test]
#[ignore = "a tool for reports"]
fn run_wat() {
    let Ok(path) = std::env::var("WASILAND_MODFUZZ_WAT") else {
        return;
    };
    let wasm = wat::parse_file(&path).expect("a module");
    let _ = std::fs::write(format!("{path}.wasm"), &wasm);
    let case = generate::Case {
        wasm,
        kind: generate::Kind::Spliced,
        launch: generate::Launch::Tool,
        stdin: Vec::new(),
    };
    let counter = std::sync::Arc::new(run::CallCounter::default());
    let o = run::run(&case, 0, &counter);
    println!(
        "status {} in {:?}, peak RSS {} MiB, {} syscalls; problem: {}",
        o.status,
        o.duration,
        o.peak_rss.unwrap_or(0) >> 20,
        o.calls,
        o.problem.as_deref().unwrap_or("none")
    );
}
