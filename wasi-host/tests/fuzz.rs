//! Drives the syscall table with arbitrary call sequences, arguments and
//! memory contents, hostile shapes included: an iovec table of 100,000
//! entries naming one 1 MiB buffer (100 GB per call), lengths near 2^32,
//! descriptor numbers near 2^31 and 2^32, sizes and offsets near
//! `i64::MAX`, subscription counts past memory. Whatever a guest passes,
//! the host must not panic, abort, hang past the deadline, or hold more
//! memory than the limits in force allow plus a fixed overhead.
//!
//! Sequences run in batches, each batch in a child process (this test
//! binary again) that reports its call count and peak RSS (`VmHWM`); an
//! abort or a hang is a failed batch named by its seed, not a dead
//! harness. A host panic is caught by proptest, which shrinks it to a
//! minimal sequence.
//!
//! CI runs a fixed count; by hand, for long:
//!
//! ```text
//! WASILAND_FUZZ_CASES=1000000 WASILAND_FUZZ_SEED=7 \
//!     cargo test --release -p wasiland-wasi-host --test fuzz -- --nocapture
//! ```
//!
//! `WASILAND_FUZZ_CASES`: sequences in all (default 6,000);
//! `WASILAND_FUZZ_BATCH`: sequences per child (default 500);
//! `WASILAND_FUZZ_SEED`: the first batch's seed (default 1; batch `i` uses
//! seed + i, so one failed batch is replayed with its seed and size);
//! `WASILAND_FUZZ_JOBS`: children at once (default 1).

#[path = "common/tree.rs"]
mod tree;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::process::{Child, Command, Stdio as ProcessStdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasiland_vfs::{Quotas, Vfs};
use wasiland_wasi_host::abi::rights;
use wasiland_wasi_host::fd::{Descriptor, Target};
use wasiland_wasi_host::guest::GuestMemory;
use wasiland_wasi_host::syscalls::{self, ParamKind, SysError};
use wasiland_wasi_host::{
    pipe_in, BudgetScope, BytesInput, CaptureOutput, Interrupt, MemoryBudget, OpenFile,
    OutputBudget, PipeReader, PipeWriter, SeededRandom, SharedVfs, Stdio, WasiCtx, FUNCTIONS,
};

/// Guest memory of every sequence.
const MEMORY: usize = 2 << 20;
/// The bomb: `BOMB_ENTRIES` iovecs at `BOMB_TABLE`, each naming the
/// first MiB of memory.
const BOMB_TABLE: u32 = 1 << 20;
const BOMB_ENTRIES: u32 = 100_000;
/// iovecs with huge or edge lengths.
const WIDE_TABLE: u32 = 0x800;
/// Limits in force during a sequence: the filesystem's byte quota, the
/// process's memory budget, the captured output.
const FS_BYTES: u64 = 64 << 20;
const BUDGET: u64 = 16 << 20;
const OUTPUT: u64 = 1 << 20;
/// What the host may hold beyond those limits and the guest memory: the
/// test binary, proptest and the allocator's slack.
const OVERHEAD: u64 = 64 << 20;
/// How long one call may block.
const CALL_DEADLINE: Duration = Duration::from_millis(2);

const CHILD: &str = "WASILAND_FUZZ_CHILD";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The shared fixture tree, a symlink loop and a link upwards, under a
/// byte and inode quota.
fn fixture_vfs() -> SharedVfs {
    let mut vfs = Vfs::new();
    tree::build(&mut vfs);
    let root = vfs.root();
    vfs.symlink("loop", root, "loop").expect("symlink");
    vfs.symlink("../..", root, "d/up").expect("symlink");
    vfs.set_quotas(Quotas {
        max_bytes: Some(FS_BYTES),
        max_inodes: Some(10_000),
    });
    SharedVfs::new(vfs)
}

/// The process: stdio is a byte string or a pipe (whose other end nobody
/// serves: reads and writes block until the deadline), captured output
/// under a small budget, `/` preopened, a limited memory budget.
/// The other ends of the pipes, kept for as long as the process lives.
type PipeEnds = Option<(PipeWriter, PipeReader)>;

fn ctx(vfs: &SharedVfs, interrupt: Interrupt, piped: bool) -> (WasiCtx, PipeEnds) {
    let root = vfs.lock().root();
    let budget = MemoryBudget::new(BudgetScope::Process, Some(BUDGET));
    let output = OutputBudget::new(OUTPUT);
    let mut b = WasiCtx::builder(vfs.clone())
        .args(["prog", "a b", "ü"])
        .env("K", "V")
        .stdout(Stdio::Output(CaptureOutput::with_budget(output.clone())))
        .preopen("/", root)
        .random(Arc::new(SeededRandom::new(1)))
        .interrupt(interrupt)
        .max_fds(64);
    let mut kept = None;
    if piped {
        let (r, w_kept) = pipe_in(&budget, 4096).expect("budget");
        let (r_kept, w) = pipe_in(&budget, 4096).expect("budget");
        kept = Some((w_kept, r_kept));
        b = b
            .stdin(Stdio::Input(Arc::new(r)))
            .stderr(Stdio::Output(Arc::new(w)));
    } else {
        b = b
            .stdin(Stdio::Input(Arc::new(BytesInput::new(
                &b"input\nline two\n"[..],
            ))))
            .stderr(Stdio::Output(CaptureOutput::with_budget(output)));
    }
    let mut ctx = b.budget(budget).build();
    // fds 4-7: /dev/zero, /dev/null, /f (read-write), /d/g (read-only).
    for (path, writable) in [
        ("/dev/zero", true),
        ("/dev/null", true),
        ("/f", true),
        ("/d/g", false),
    ] {
        let ino = vfs.lock().lookup(path).expect("fixture");
        let mut rights = rights::REGULAR_FILE;
        if !writable {
            rights &= !rights::FD_WRITE;
        }
        ctx.fds_mut()
            .insert(Descriptor {
                target: Target::File(OpenFile::new(vfs, ino, true, writable, false)),
                rights_base: rights,
                rights_inheriting: 0,
                flags: 0,
            })
            .expect("a free descriptor");
    }
    (ctx, kept)
}

/// Arguments a guest is likely (or unlikely) to pass.
fn arg() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => 0u64..16,
        4 => 0u64..(MEMORY as u64 + 64),
        1 => Just(u64::from(BOMB_TABLE)),
        1 => Just(u64::from(BOMB_ENTRIES)),
        1 => Just(u64::from(WIDE_TABLE)),
        1 => prop::sample::select(vec![
            0x7fff_ffff,
            0x8000_0000,
            u64::from(u32::MAX),
            u64::from(u32::MAX) - 7,
            u64::from(u32::MAX / 8),
            u64::from(u32::MAX / 48),
            0x7fff_f000,
            1 << 32,
        ]),
        1 => prop::sample::select(vec![
            i64::MAX as u64,
            i64::MAX as u64 - 1,
            1 << 62,
            1 << 63,
            u64::MAX,
            FS_BYTES,
            FS_BYTES + 1,
        ]),
        1 => Just((MEMORY - 4) as u64),
        1 => Just(MEMORY as u64),
        1 => any::<u64>(),
    ]
}

fn put_iovecs(mem: &mut [u8], at: usize, iovs: &[(u32, u32)]) {
    for (i, (ptr, len)) in iovs.iter().enumerate() {
        let e = at + 8 * i;
        mem[e..e + 4].copy_from_slice(&ptr.to_le_bytes());
        mem[e + 4..e + 8].copy_from_slice(&len.to_le_bytes());
    }
}

/// Memory: random bytes with plausible and hostile structures planted.
fn memory() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(any::<u8>(), 256),
        proptest::collection::vec((0..MEMORY, any::<u64>()), 0..8),
        any::<u64>(),
    )
        .prop_map(|(head, scattered, seed)| {
            let mut mem = vec![0u8; MEMORY];
            mem[..head.len()].copy_from_slice(&head);
            // iovecs at 0x100: two buffers in bounds.
            put_iovecs(&mut mem, 0x100, &[(0x1000, 64), (0x2000, 4096)]);
            // Paths at 0x200.. (NUL-separated so lengths 1..20 hit prefixes).
            let paths = b"f\0d/sub\0link\0loop\0d/up/f\0../x\0d/g/\0new\0d/../f\0dev/zero\0";
            mem[0x200..0x200 + paths.len()].copy_from_slice(paths);
            // A clock subscription at 0x400 (relative 1 ms) and an fd_read one at 0x430.
            mem[0x408] = 0;
            mem[0x410..0x414].copy_from_slice(&1u32.to_le_bytes());
            mem[0x418..0x420].copy_from_slice(&1_000_000u64.to_le_bytes());
            mem[0x438] = 1;
            mem[0x440..0x444].copy_from_slice(&(seed as u32 % 8).to_le_bytes());
            // Wide iovecs: all of memory, a length near 2^32, a buffer
            // that wraps, one ending exactly at the top.
            let top = MEMORY as u32;
            put_iovecs(
                &mut mem,
                WIDE_TABLE as usize,
                &[
                    (0, top),
                    (0, u32::MAX),
                    (u32::MAX - 3, 8),
                    (top - 16, 16),
                    (0, 1 << 20),
                ],
            );
            // The bomb: 100,000 iovecs naming the first MiB.
            let bomb: Vec<(u32, u32)> = (0..BOMB_ENTRIES).map(|_| (0, 1 << 20)).collect();
            put_iovecs(&mut mem, BOMB_TABLE as usize, &bomb);
            for (at, v) in scattered {
                let at = at.min(MEMORY - 8);
                mem[at..at + 8].copy_from_slice(&v.to_le_bytes());
            }
            mem
        })
}

/// An argument shaped by the parameter's name: descriptors, iovec tables
/// and counts, pointers, lengths, paths and sizes each get the values that
/// stress them (edges, huge numbers, the bomb), and sometimes anything.
fn shaped(param: &'static str) -> BoxedStrategy<u64> {
    let edge_u64 = || {
        prop::sample::select(vec![
            0,
            1,
            4096,
            MEMORY as u64,
            FS_BYTES,
            u64::from(u32::MAX),
            i64::MAX as u64 - 1,
            i64::MAX as u64,
            1 << 63,
            u64::MAX,
        ])
    };
    let pointer = || {
        prop_oneof![
            4 => 0u64..(MEMORY as u64),
            1 => prop::sample::select(vec![
                (MEMORY - 4) as u64,
                (MEMORY - 8) as u64,
                MEMORY as u64,
                u64::from(u32::MAX),
            ]),
        ]
    };
    let s = match syscalls::param_kind(param) {
        ParamKind::Fd => prop_oneof![
            6 => 0u64..10,
            1 => prop::sample::select(vec![0x7fff_ffff, 0x8000_0000, u64::from(u32::MAX)]),
        ]
        .boxed(),
        ParamKind::Iovecs => prop_oneof![
            3 => Just(u64::from(BOMB_TABLE)),
            1 => prop::sample::select(vec![
                0x100,
                u64::from(WIDE_TABLE),
                u64::from(WIDE_TABLE) + 8,
                u64::from(WIDE_TABLE) + 24,
                (MEMORY - 8) as u64,
            ]),
        ]
        .boxed(),
        ParamKind::IovecCount => prop_oneof![
            3 => prop::sample::select(vec![u64::from(BOMB_ENTRIES), 65_536, 4096]),
            2 => prop::sample::select(vec![
                0,
                1,
                2,
                5,
                u64::from(u32::MAX / 8),
                u64::from(u32::MAX),
            ]),
        ]
        .boxed(),
        ParamKind::SubscriptionCount => prop::sample::select(vec![
            1,
            2,
            100_000,
            u64::from(u32::MAX / 48),
            u64::from(u32::MAX),
        ])
        .boxed(),
        ParamKind::Path => (0x200u64..0x240).boxed(),
        ParamKind::PathLen => prop_oneof![
            4 => 0u64..20,
            1 => prop::sample::select(vec![4095, 4096, MEMORY as u64, u64::from(u32::MAX)]),
        ]
        .boxed(),
        ParamKind::Length => prop_oneof![
            2 => 0u64..8192,
            1 => edge_u64(),
        ]
        .boxed(),
        ParamKind::Quantity => edge_u64().boxed(),
        ParamKind::Pointer | ParamKind::Subscriptions => pointer().boxed(),
        ParamKind::Other => arg().boxed(),
    };
    prop_oneof![4 => s, 1 => arg()].boxed()
}

/// Functions where a guest's numbers size work or memory; half of all
/// calls are one of them.
const PRONE: &[&str] = &[
    "fd_read",
    "fd_write",
    "fd_pread",
    "fd_pwrite",
    "random_get",
    "poll_oneoff",
    "fd_readdir",
    "fd_renumber",
    "fd_filestat_set_size",
    "fd_allocate",
    "path_open",
    "path_readlink",
    "args_get",
];

/// A call: a function (by index into [`FUNCTIONS`]) and raw arguments,
/// either shaped by the parameters' names or anything.
fn call() -> impl Strategy<Value = (usize, Vec<u64>)> {
    let prone: Vec<usize> = PRONE
        .iter()
        .map(|p| FUNCTIONS.iter().position(|f| f == p).expect("a function"))
        .collect();
    prop_oneof![0..FUNCTIONS.len(), prop::sample::select(prone)].prop_flat_map(|index| {
        let (_, params) = syscalls::SIGNATURES[index];
        let shaped: Vec<BoxedStrategy<u64>> = params.iter().map(|p| shaped(p)).collect();
        prop_oneof![
            2 => shaped.prop_map(move |args| (index, args)).boxed(),
            1 => proptest::collection::vec(arg(), 0..10)
                .prop_map(move |args| (index, args))
                .boxed(),
        ]
    })
}

/// Run `cases` sequences from `seed`; returns the calls made.
fn run_batch(seed: u64, cases: u32) -> u64 {
    let calls = AtomicU64::new(0);
    let mut seed_bytes = [0u8; 32];
    for chunk in seed_bytes.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let strategy = (
        memory(),
        any::<bool>(),
        proptest::collection::vec(call(), 1..40),
    );
    runner
        .run(&strategy, |(mut mem, piped, seq)| {
            let vfs = fixture_vfs();
            let interrupt = Interrupt::new();
            let (mut ctx, _pipe_ends) = ctx(&vfs, interrupt.clone(), piped);
            for (index, args) in seq {
                let name = FUNCTIONS[index];
                // Calls may block (poll, reads); a short deadline ends them.
                let started = Instant::now();
                interrupt.set_deadline(Some(started + CALL_DEADLINE));
                let mut guest = GuestMemory::new(&mut mem);
                // Use the real arity: pad or cut the random arguments.
                let arity = syscalls::arity(name).expect("a preview1 function");
                let mut a = args.clone();
                a.resize(arity, 7);
                let result = syscalls::call(&mut ctx, &mut guest, name, &a);
                prop_assert!(result.is_some(), "{name} with {arity} args not dispatched");
                // Nothing may outlive its deadline by much (a 1 MiB piece,
                // a sleep's 20 ms poll; seconds only on a starved machine).
                prop_assert!(
                    started.elapsed() < Duration::from_secs(5),
                    "{name}({a:?}) took {:?}",
                    started.elapsed()
                );
                calls.fetch_add(1, Ordering::Relaxed);
                if let Some(Err(SysError::Exit(_) | SysError::Terminate(_))) = result {
                    // A real process would end here.
                    break;
                }
            }
            prop_assert!(ctx.budget().used() <= BUDGET);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("seed {seed}, {cases} cases: {e}"));
    calls.load(Ordering::Relaxed)
}

/// Peak resident set of this process, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib << 10
}

/// The child's side: run one batch and report.
#[test]
fn fuzz_child() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let (seed, cases) = spec.split_once(':').expect("seed:cases");
    let (seed, cases) = (seed.parse().expect("seed"), cases.parse().expect("cases"));
    let calls = run_batch(seed, cases);
    println!("FUZZ calls={calls} peak={}", peak_rss());
}

/// One batch running in a child process.
struct Batch {
    seed: u64,
    cases: u32,
    child: Option<Child>,
    started: Instant,
}

impl Batch {
    fn start(seed: u64, cases: u32) -> Batch {
        let exe = std::env::current_exe().expect("test binary");
        let child = Command::new(exe)
            .args(["--exact", "fuzz_child", "--nocapture", "--test-threads=1"])
            .env(CHILD, format!("{seed}:{cases}"))
            .stdout(ProcessStdio::piped())
            .stderr(ProcessStdio::piped())
            .spawn()
            .expect("start a batch");
        Batch {
            seed,
            cases,
            child: Some(child),
            started: Instant::now(),
        }
    }

    fn replay(&self) -> String {
        format!(
            "replay with WASILAND_FUZZ_SEED={} WASILAND_FUZZ_CASES={} WASILAND_FUZZ_BATCH={}",
            self.seed, self.cases, self.cases
        )
    }

    /// Generous: every call blocking for its whole deadline, plus start-up.
    fn time_limit(&self) -> Duration {
        Duration::from_secs(30) + CALL_DEADLINE * 50 * self.cases
    }

    /// `None` while running; then the calls made and the peak RSS.
    fn poll(&mut self) -> Option<(u64, u64)> {
        let limit = self.time_limit();
        let child = self.child.as_mut().expect("running");
        if child.try_wait().expect("wait").is_none() {
            if self.started.elapsed() > limit {
                let _ = child.kill();
                panic!(
                    "seed {}, {} cases: hung for {:?} ({})",
                    self.seed,
                    self.cases,
                    self.started.elapsed(),
                    self.replay()
                );
            }
            return None;
        }
        let out = self
            .child
            .take()
            .expect("running")
            .wait_with_output()
            .expect("output");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let Some(line) = stdout.lines().find_map(|l| Some(l.split_once("FUZZ ")?.1)) else {
            panic!(
                "seed {}, {} cases: the host died ({}; {})\n{stdout}\n{}",
                self.seed,
                self.cases,
                out.status,
                self.replay(),
                String::from_utf8_lossy(&out.stderr)
            )
        };
        let field = |key: &str| -> u64 {
            line.split(' ')
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {key} in {line}"))
        };
        Some((field("calls"), field("peak")))
    }
}

#[test]
fn arbitrary_syscalls_never_take_the_host_down() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let total = env_num("WASILAND_FUZZ_CASES", 6000);
    let batch = env_num("WASILAND_FUZZ_BATCH", 500).max(1);
    let first_seed = env_num("WASILAND_FUZZ_SEED", 1);
    let jobs = env_num("WASILAND_FUZZ_JOBS", 1).max(1) as usize;
    let bound = FS_BYTES + BUDGET + 2 * OUTPUT + MEMORY as u64 + OVERHEAD;
    let started = Instant::now();
    let (mut calls, mut peak, mut done) = (0u64, 0u64, 0u64);
    let mut next = 0u64;
    let mut running: Vec<Batch> = Vec::new();
    while done < total {
        while running.len() < jobs && next < total {
            let cases = batch.min(total - next);
            running.push(Batch::start(first_seed + next / batch, cases as u32));
            next += cases;
        }
        let mut i = 0;
        while i < running.len() {
            match running[i].poll() {
                Some((c, p)) => {
                    let b = running.swap_remove(i);
                    assert!(
                        p <= bound,
                        "seed {}: peak RSS {p} bytes over the bound of {bound}",
                        b.seed
                    );
                    calls += c;
                    peak = peak.max(p);
                    done += u64::from(b.cases);
                }
                None => i += 1,
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz: {calls} syscalls in {total} sequences (seeds {first_seed}..{}) without a host \
         panic, abort or hang; peak RSS {} MiB (bound {} MiB); {secs:.1}s, {:.0} calls/s",
        first_seed + total.div_ceil(batch) - 1,
        peak >> 20,
        bound >> 20,
        calls as f64 / secs
    );
}
