//! The fixture every case runs in, and the table runner.
//!
//! Memory starts filled with [`FILL`], so a written zero is seen. After a
//! call, the bytes a case lists must be exactly there and every other
//! byte must be unchanged; a case without writes (a faulting call, say)
//! must leave memory as it found it. The rest of the process's state
//! (files, descriptors, output: [`State`]) must be exactly what the case's
//! effect makes of the state before the call; most errors change nothing.

use crate::state::State;
use std::sync::Arc;
use wasiland_vfs::{ManualClock, Vfs};
use wasiland_wasi_host::guest::GuestMemory;
use wasiland_wasi_host::syscalls::{self, SysError, SysResult};
use wasiland_wasi_host::{
    BytesInput, CaptureOutput, Errno, Interrupt, SeededRandom, SharedVfs, Stdio, WasiClock, WasiCtx,
};

/// Guest memory of a table case.
pub const MEM: usize = 64 * 1024;
/// What memory holds before a call.
pub const FILL: u8 = 0xAA;
/// The time of the filesystem's clock (2023-11-14T22:13:20Z).
pub const T0: u64 = 1_700_000_000_000_000_000;
/// The preopened root directory.
pub const ROOT: u64 = 3;
pub use crate::tree::F;

/// Inode numbers of `/f` and `/link` in the fixture, for the rows whose
/// expected bytes hold them (checked by a test in `main.rs`).
pub const INO_F: u64 = 4;
pub const INO_LINK: u64 = 6;

/// Clocks for the guest: realtime reads [`T0`], monotonic 5 s.
pub struct TestClock;

impl WasiClock for TestClock {
    fn realtime(&self) -> u64 {
        T0
    }
    fn monotonic(&self) -> u64 {
        5_000_000_000
    }
}

/// One process over the shared fixture tree (`tests/common/tree.rs`).
/// fd 0 reads `"input\n"`, fds 1 and 2 are captured, fd 3 is `/`.
pub struct Env {
    pub vfs: SharedVfs,
    pub ctx: WasiCtx,
    pub mem: Vec<u8>,
    pub stdin: Arc<BytesInput>,
    pub stdout: Arc<CaptureOutput>,
    pub stderr: Arc<CaptureOutput>,
    pub interrupt: Interrupt,
}

impl Env {
    pub fn new() -> Env {
        Env::with_memory(MEM)
    }

    pub fn with_memory(size: usize) -> Env {
        Env::build(size, |b| b)
    }

    /// An environment whose context builder `adjust` may change.
    pub fn build(
        size: usize,
        adjust: impl FnOnce(wasiland_wasi_host::WasiCtxBuilder) -> wasiland_wasi_host::WasiCtxBuilder,
    ) -> Env {
        let mut vfs = Vfs::with_clock(Arc::new(ManualClock::new(T0)));
        crate::tree::build(&mut vfs);
        let root = vfs.root();
        let vfs = SharedVfs::new(vfs);
        let stdin = Arc::new(BytesInput::new(&b"input\n"[..]));
        let stdout = CaptureOutput::new();
        let stderr = CaptureOutput::new();
        let interrupt = Interrupt::new();
        let builder = WasiCtx::builder(vfs.clone())
            .args(["prog", "a b"])
            .env("K", "V")
            .stdin(Stdio::Input(stdin.clone()))
            .stdout(Stdio::Output(stdout.clone()))
            .stderr(Stdio::Output(stderr.clone()))
            .preopen("/", root)
            .clock(Arc::new(TestClock))
            .random(Arc::new(SeededRandom::new(1)))
            .interrupt(interrupt.clone());
        let ctx = adjust(builder).build();
        Env {
            vfs,
            ctx,
            mem: vec![FILL; size],
            stdin,
            stdout,
            stderr,
            interrupt,
        }
    }

    /// Call `name` with raw arguments.
    pub fn raw(&mut self, name: &str, args: &[u64]) -> SysResult {
        let mut mem = GuestMemory::new(&mut self.mem);
        syscalls::call(&mut self.ctx, &mut mem, name, args)
            .unwrap_or_else(|| panic!("{name}: unknown function or wrong argument count"))
    }

    /// Call `name` and return its errno (`Success` for success).
    #[track_caller]
    pub fn errno(&mut self, name: &str, args: &[u64]) -> Errno {
        match self.raw(name, args) {
            Ok(()) => Errno::Success,
            Err(SysError::Errno(e)) => e,
            Err(other) => panic!("{name}({args:?}): {other:?}, not an errno"),
        }
    }

    pub fn put(&mut self, at: u32, bytes: &[u8]) {
        self.mem[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
    }

    /// Write an iovec table at `at`.
    pub fn put_iovecs(&mut self, at: u32, iovs: &[(u32, u32)]) {
        for (i, (ptr, len)) in iovs.iter().enumerate() {
            let e = at as usize + 8 * i;
            self.mem[e..e + 4].copy_from_slice(&ptr.to_le_bytes());
            self.mem[e + 4..e + 8].copy_from_slice(&len.to_le_bytes());
        }
    }

    pub fn get(&self, at: u32, len: usize) -> &[u8] {
        &self.mem[at as usize..at as usize + len]
    }

    pub fn u32_at(&self, at: u32) -> u32 {
        u32::from_le_bytes(self.get(at, 4).try_into().expect("4 bytes"))
    }

    pub fn u64_at(&self, at: u32) -> u64 {
        u64::from_le_bytes(self.get(at, 8).try_into().expect("8 bytes"))
    }

    /// Open `path` (relative to `/`) with the given oflags, base rights
    /// and fdflags; returns the new descriptor.
    #[track_caller]
    pub fn open(&mut self, path: &str, oflags: u16, rights: u64, fdflags: u16) -> u32 {
        let scratch = (self.mem.len() - 4096) as u32;
        self.put(scratch, path.as_bytes());
        let fd_ptr = scratch + 4092;
        let e = self.errno(
            "path_open",
            &[
                ROOT,
                1,
                scratch.into(),
                path.len() as u64,
                oflags.into(),
                rights,
                0,
                fdflags.into(),
                fd_ptr.into(),
            ],
        );
        assert_eq!(e, Errno::Success, "open {path}");
        let fd = self.u32_at(fd_ptr);
        self.mem[scratch as usize..].fill(FILL);
        fd
    }
}

/// Something a case prepares before its call.
pub type Setup = fn(&mut Env);

/// What a case's call must do to the [`State`] before it.
pub type Effect = fn(&mut State);

/// One row of a table: a call with raw arguments, the errno it must
/// return, the exact bytes it must leave in guest memory and its exact
/// effect on everything else.
pub struct Case {
    pub name: &'static str,
    pub setup: Setup,
    pub call: &'static str,
    pub args: &'static [u64],
    pub errno: Errno,
    pub writes: &'static [(u32, &'static [u8])],
    pub effect: Effect,
}

/// No preparation.
pub fn none(_: &mut Env) {}

/// No effect outside guest memory.
pub fn unchanged(_: &mut State) {}

/// Run every case of a table, each in a fresh [`Env`]; returns a line
/// for each case that went wrong.
pub fn run(cases: &[Case]) -> Vec<String> {
    cases.iter().filter_map(|c| check(c).err()).collect()
}

fn check(case: &Case) -> Result<(), String> {
    let mut env = Env::new();
    (case.setup)(&mut env);
    let mut expected = env.mem.clone();
    let mut state = env.state();
    let errno = env.errno(case.call, case.args);
    if errno != case.errno {
        return Err(format!(
            "{}: errno {errno:?}, expected {:?}",
            case.name, case.errno
        ));
    }
    (case.effect)(&mut state);
    let differences = state.differences(&env.state());
    if !differences.is_empty() {
        return Err(format!("{}: {}", case.name, differences.join("; ")));
    }
    for (at, bytes) in case.writes {
        expected[*at as usize..*at as usize + bytes.len()].copy_from_slice(bytes);
    }
    match (0..expected.len()).find(|&i| expected[i] != env.mem[i]) {
        None => Ok(()),
        Some(i) => {
            let from = i.saturating_sub(8);
            let to = (i + 24).min(expected.len());
            Err(format!(
                "{}: memory differs at {i:#x}\n  expected {:02x?}\n  found    {:02x?}",
                case.name,
                &expected[from..to],
                &env.mem[from..to]
            ))
        }
    }
}

/// Little-endian bytes of a u32 (for `writes`).
pub const fn le32(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

/// Little-endian bytes of a u64 (for `writes`).
pub const fn le64(v: u64) -> [u8; 8] {
    v.to_le_bytes()
}
