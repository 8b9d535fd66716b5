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

/// Every table, by group.
const TABLES: [(&str, &[harness::Case]); 7] = [
    ("args", args::CASES),
    ("clock", clock::CASES),
    ("fd", fd::CASES),
    ("path", path::CASES),
    ("poll", poll::CASES),
    ("proc", proc::CASES),
    ("sock", sock::CASES),
];

#[test]
fn every_table() {
    for (group, cases) in TABLES {
        eprintln!("{group}: {} cases", cases.len());
        harness::run(cases);
    }
}

/// Every function but `proc_exit` (which returns no errno) has rows.
#[test]
fn the_tables_cover_every_function() {
    let missing: Vec<&str> = wasiland_wasi_host::syscalls::SIGNATURES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| *name != "proc_exit")
        .filter(|name| {
            !TABLES
                .iter()
                .flat_map(|(_, cases)| cases.iter())
                .any(|c| c.call == *name)
        })
        .collect();
    assert!(missing.is_empty(), "no table rows for {missing:?}");
}
