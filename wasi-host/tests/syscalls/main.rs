//! Tests of the preview1 functions called directly, as the linker would,
//! with no wasm toolchain: each group has a table in the style of
//! wazero's (a call with raw arguments, the errno, the exact bytes left in
//! guest memory, nothing else touched), plus scenarios for what a table
//! cannot show (hostile iovecs, deadlines).

mod args;
mod clock;
mod fd;
mod harness;
mod io;
mod path;
mod poll;
mod proc;
mod sock;
mod state;
#[path = "../common/tree.rs"]
mod tree;

/// Every table, by group.
const TABLES: [(&str, &[harness::Case]); 8] = [
    ("args", args::CASES),
    ("clock", clock::CASES),
    ("fd", fd::CASES),
    ("io", io::CASES),
    ("path", path::CASES),
    ("poll", poll::CASES),
    ("proc", proc::CASES),
    ("sock", sock::CASES),
];

#[test]
fn every_table() {
    let mut failures = Vec::new();
    for (group, cases) in TABLES {
        eprintln!("{group}: {} cases", cases.len());
        failures.extend(
            harness::run(cases)
                .into_iter()
                .map(|f| format!("{group}: {f}")),
        );
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Functions that cannot succeed here: there are no signals and no
/// sockets.
const NEVER_SUCCEED: &[&str] = &[
    "proc_raise",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

/// Functions that cannot fail: no arguments to get wrong.
const NEVER_FAIL: &[&str] = &["sched_yield"];

/// Every function but `proc_exit` (which returns no errno; see
/// `proc.rs`) has a row that succeeds and two that fail, unless it cannot.
#[test]
fn the_tables_cover_every_function() {
    let rows = |name: &str, success: bool| {
        TABLES
            .iter()
            .flat_map(|(_, cases)| cases.iter())
            .filter(|c| {
                c.call == name && (c.errno == wasiland_wasi_host::Errno::Success) == success
            })
            .count()
    };
    let thin: Vec<String> = wasiland_wasi_host::syscalls::SIGNATURES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| *name != "proc_exit")
        .filter_map(|name| {
            let want_success = usize::from(!NEVER_SUCCEED.contains(&name));
            let want_errors = if NEVER_FAIL.contains(&name) { 0 } else { 2 };
            let (success, errors) = (rows(name, true), rows(name, false));
            (success < want_success || errors < want_errors)
                .then(|| format!("{name}: {success} successes, {errors} errors"))
        })
        .collect();
    assert!(thin.is_empty(), "too few rows: {thin:?}");
}

/// The inode numbers the tables' expected bytes name are the fixture's.
#[test]
fn the_fixture_has_the_inode_numbers_the_tables_name() {
    let env = harness::Env::new();
    let vfs = env.vfs.lock();
    let ino = |path: &str| vfs.metadata(path, false).expect(path).ino;
    assert_eq!(
        (ino("/f"), ino("/link")),
        (harness::INO_F, harness::INO_LINK)
    );
}
