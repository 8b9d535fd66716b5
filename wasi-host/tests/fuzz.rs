//! Drives the syscall table with arbitrary call sequences, arguments and
//! memory contents; the host must never panic, whatever the guest passes.
//!
//! CI runs a fixed number of cases; run longer by hand with
//! `WASILAND_FUZZ_CASES=200000 cargo test -p wasiland-wasi-host --test fuzz --release -- --nocapture`.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasiland_vfs::Vfs;
use wasiland_wasi_host::guest::GuestMemory;
use wasiland_wasi_host::syscalls::{self, SysError};
use wasiland_wasi_host::{
    BytesInput, CaptureOutput, Interrupt, SeededRandom, SharedVfs, Stdio, WasiCtx, FUNCTIONS,
};

const MEMORY: usize = 64 * 1024;

fn fixture_vfs() -> SharedVfs {
    let mut vfs = Vfs::new();
    vfs.create_dir_all("/d/sub").expect("mkdir");
    vfs.write_file("/f", &b"hello world"[..]).expect("write");
    vfs.write_file("/d/g", vec![7u8; 5000]).expect("write");
    let root = vfs.root();
    vfs.symlink("f", root, "link").expect("symlink");
    vfs.symlink("loop", root, "loop").expect("symlink");
    vfs.symlink("../..", root, "d/up").expect("symlink");
    SharedVfs::new(vfs)
}

fn ctx(vfs: &SharedVfs, interrupt: Interrupt) -> WasiCtx {
    let root = vfs.lock().root();
    WasiCtx::builder(vfs.clone())
        .args(["prog", "a b", "ü"])
        .env("K", "V")
        .stdin(Stdio::Input(Arc::new(BytesInput::new(
            &b"input\nline two\n"[..],
        ))))
        .stdout(Stdio::Output(CaptureOutput::new()))
        .stderr(Stdio::Output(CaptureOutput::new()))
        .preopen("/", root)
        .random(Arc::new(SeededRandom::new(1)))
        .interrupt(interrupt)
        .max_fds(64)
        .build()
}

/// Arguments a guest is likely (or unlikely) to pass.
fn arg() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 0u64..16,
        3 => 0u64..(MEMORY as u64 + 64),
        1 => Just(u32::MAX as u64),
        1 => Just((MEMORY - 4) as u64),
        1 => Just(MEMORY as u64),
        1 => Just(u64::MAX),
        1 => Just(i64::MAX as u64),
        1 => any::<u64>(),
    ]
}

/// Memory: random bytes with some plausible iovecs and paths planted.
fn memory() -> impl Strategy<Value = Vec<u8>> {
    (proptest::collection::vec(any::<u8>(), 256), any::<u64>()).prop_map(|(head, seed)| {
        let mut mem = vec![0u8; MEMORY];
        mem[..head.len()].copy_from_slice(&head);
        // iovecs at 0x100: two buffers in bounds.
        for (i, (ptr, len)) in [(0x1000u32, 64u32), (0x2000, 4096)].iter().enumerate() {
            let at = 0x100 + i * 8;
            mem[at..at + 4].copy_from_slice(&ptr.to_le_bytes());
            mem[at + 4..at + 8].copy_from_slice(&len.to_le_bytes());
        }
        // Paths at 0x200.. (NUL-separated so lengths 1..20 hit prefixes).
        let paths = b"f\0d/sub\0link\0loop\0d/up/f\0../x\0d/g/\0new\0d/../f\0";
        mem[0x200..0x200 + paths.len()].copy_from_slice(paths);
        // A clock subscription at 0x400 (relative 1 ms) and an fd_read one at 0x430.
        mem[0x408] = 0;
        mem[0x410..0x414].copy_from_slice(&1u32.to_le_bytes());
        mem[0x418..0x420].copy_from_slice(&1_000_000u64.to_le_bytes());
        mem[0x438] = 1;
        mem[0x440..0x444].copy_from_slice(&(seed as u32 % 8).to_le_bytes());
        mem
    })
}

fn call() -> impl Strategy<Value = (usize, Vec<u64>)> {
    (0..FUNCTIONS.len(), proptest::collection::vec(arg(), 0..10))
}

#[test]
fn arbitrary_syscalls_never_panic() {
    let cases: u32 = std::env::var("WASILAND_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let calls = AtomicU64::new(0);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (memory(), proptest::collection::vec(call(), 1..40));
    let started = Instant::now();
    runner
        .run(&strategy, |(mut mem, seq)| {
            let vfs = fixture_vfs();
            let interrupt = Interrupt::new();
            let mut ctx = ctx(&vfs, interrupt.clone());
            for (index, args) in seq {
                let name = FUNCTIONS[index];
                // Calls may block (poll, reads); a short deadline ends them.
                interrupt.set_deadline(Some(Instant::now() + Duration::from_millis(2)));
                let mut guest = GuestMemory::new(&mut mem);
                // Use the real arity: pad or cut the random arguments.
                let arity = syscalls::arity(name).expect("a preview1 function");
                let mut a = args.clone();
                a.resize(arity, 7);
                let result = syscalls::call(&mut ctx, &mut guest, name, &a);
                prop_assert!(result.is_some(), "{name} with {arity} args not dispatched");
                calls.fetch_add(1, Ordering::Relaxed);
                if let Some(Err(SysError::Exit(_))) = result {
                    break;
                }
                if let Some(Err(SysError::Terminate(_))) = result {
                    // The deadline fired; a real process would end here.
                    break;
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "fuzz: {} syscalls in {cases} sequences without a host panic ({:.1}s)",
        calls.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
}
