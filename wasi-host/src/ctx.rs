//! The per-process WASI state and its builder.

use crate::abi::rights;
use crate::budget::{BudgetScope, MemoryBudget};
use crate::clock::{OsRandom, RandomSource, SystemClock, WasiClock};
use crate::fd::{Descriptor, FdTable, Target};
use crate::file::{OpenDir, OpenFile, SharedVfs};
use crate::stream::{
    InputStream, Interrupt, InterruptReason, NullStream, OutputStream, StreamError,
};
use std::sync::Arc;
use wasiland_vfs::Ino;

/// Why the host ended a guest (returned as a wasmi host error; `proc_exit`
/// uses wasmi's own `i32_exit` instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Termination {
    /// The process was interrupted (deadline or cancellation) while in a syscall.
    #[error("interrupted ({0:?})")]
    Interrupted(InterruptReason),
    /// It wrote to a pipe nobody reads: ended as SIGPIPE would (status 141).
    #[error("write to a pipe with no reader")]
    BrokenPipe,
    /// Its captured output went past the output limit.
    #[error("output limit exceeded")]
    OutputLimit,
    /// A syscall panicked (a host bug or a panicking embedder callback such
    /// as a [`TraceSink`]); the process ends, the host goes on.
    #[error("internal error: {0}")]
    Panicked(String),
}

impl wasmi::errors::HostError for Termination {}

/// The message of a caught panic's payload.
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("at {}", 7)).unwrap_err();
/// assert_eq!(wasiland_wasi_host::panic_message(&*payload), "at 7");
/// ```
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// Receives one line per syscall when tracing is on.
pub trait TraceSink: Send + Sync {
    fn record(&self, line: &str);
}

impl<F: Fn(&str) + Send + Sync> TraceSink for F {
    fn record(&self, line: &str) {
        self(line)
    }
}

/// The state one guest process sees through `wasi_snapshot_preview1`.
pub struct WasiCtx {
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) fds: FdTable,
    pub(crate) vfs: SharedVfs,
    pub(crate) clock: Arc<dyn WasiClock>,
    pub(crate) random: Arc<dyn RandomSource>,
    pub(crate) interrupt: Interrupt,
    pub(crate) trace: Option<Arc<dyn TraceSink>>,
    /// Detail a syscall adds to its trace line (decoded paths).
    pub(crate) trace_detail: Option<String>,
    pub(crate) memory: Option<wasmi::Memory>,
    pub(crate) sigpipe_kills: bool,
    /// Host memory this process may use (its own limit, charging the
    /// sandbox's budget too).
    pub(crate) budget: MemoryBudget,
}

/// Access to the [`WasiCtx`] inside a store's data, so the syscall table can
/// be linked into any `wasmi::Linker<T>`.
pub trait WasiView {
    fn wasi(&mut self) -> &mut WasiCtx;
}

impl WasiView for WasiCtx {
    fn wasi(&mut self) -> &mut WasiCtx {
        self
    }
}

impl WasiCtx {
    /// Start building a context over `vfs`.
    pub fn builder(vfs: SharedVfs) -> WasiCtxBuilder {
        WasiCtxBuilder::new(vfs)
    }

    /// The filesystem this process sees.
    pub fn vfs(&self) -> &SharedVfs {
        &self.vfs
    }

    /// The interrupt that ends this process's blocking waits.
    pub fn interrupt(&self) -> &Interrupt {
        &self.interrupt
    }

    /// The host-memory budget this process charges.
    pub fn budget(&self) -> &MemoryBudget {
        &self.budget
    }

    /// The descriptor table.
    pub fn fds(&self) -> &FdTable {
        &self.fds
    }

    /// Mutable descriptor table (e.g. to close stdio after a run).
    pub fn fds_mut(&mut self) -> &mut FdTable {
        &mut self.fds
    }

    /// Replace argv (used when a pre-initialised image is reused).
    pub fn set_args(&mut self, args: Vec<Vec<u8>>) {
        self.args = args;
    }

    /// Replace the environment.
    pub fn set_env(&mut self, env: Vec<Vec<u8>>) {
        self.env = env;
    }

    /// Forget the cached memory handle (after moving the ctx to a new instance).
    pub fn reset_memory(&mut self) {
        self.memory = None;
    }

    /// Drop every descriptor (closing pipe ends so readers see EOF).
    pub fn close_all(&mut self) {
        self.fds = FdTable::new(0);
    }

    pub(crate) fn tracing(&self) -> bool {
        self.trace.is_some()
    }

    pub(crate) fn note(&mut self, detail: impl FnOnce() -> String) {
        if self.tracing() {
            let d = detail();
            match &mut self.trace_detail {
                Some(s) => {
                    s.push_str(", ");
                    s.push_str(&d);
                }
                None => self.trace_detail = Some(d),
            }
        }
    }
}

/// What a standard descriptor (0, 1, 2) is connected to.
#[derive(Clone)]
pub enum Stdio {
    /// Reads give EOF, writes are discarded.
    Null,
    Input(Arc<dyn InputStream>),
    Output(Arc<dyn OutputStream>),
    /// A VFS file (redirections); shares position with other holders.
    File(Arc<OpenFile>),
}

impl Stdio {
    /// Write all of `data` (for host-side writers such as shell builtins).
    /// Writing to an input is `Io`.
    pub fn write_all(&self, data: &[u8], interrupt: &Interrupt) -> Result<(), StreamError> {
        match self {
            Stdio::Null => Ok(()),
            Stdio::Output(s) => s.write(data, false, interrupt).map(|_| ()),
            Stdio::File(f) => f.write(data, None).map(|_| ()).map_err(StreamError::Fs),
            Stdio::Input(_) => Err(StreamError::Io),
        }
    }

    /// Read some bytes (0 = end of file), blocking until there are some.
    /// Reading from an output is `Io`.
    pub fn read(&self, buf: &mut [u8], interrupt: &Interrupt) -> Result<usize, StreamError> {
        match self {
            Stdio::Null => Ok(0),
            Stdio::Input(s) => s.read(buf, false, interrupt),
            Stdio::File(f) => f.read(buf, None, &OsRandom).map_err(StreamError::Fs),
            Stdio::Output(_) => Err(StreamError::Io),
        }
    }

    fn into_descriptor(self, input: bool) -> Descriptor {
        let (target, rights_base) = match self {
            Stdio::Null if input => (Target::Input(Arc::new(NullStream)), rights::STREAM),
            Stdio::Null => (Target::Output(Arc::new(NullStream)), rights::STREAM),
            Stdio::Input(s) => {
                let r = if s.is_terminal() {
                    rights::STREAM & !rights::FD_WRITE
                } else {
                    rights::STREAM
                };
                (Target::Input(s), r)
            }
            Stdio::Output(s) => (Target::Output(s), rights::STREAM),
            Stdio::File(f) => {
                let mut r = rights::REGULAR_FILE;
                if !f.readable() {
                    r &= !rights::FD_READ;
                }
                if !f.writable() {
                    r &= !rights::FD_WRITE;
                }
                (Target::File(f), r)
            }
        };
        Descriptor {
            target,
            rights_base,
            rights_inheriting: 0,
            flags: 0,
        }
    }
}

/// Builder for [`WasiCtx`].
pub struct WasiCtxBuilder {
    vfs: SharedVfs,
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    stdio: [Stdio; 3],
    preopens: Vec<(String, Ino)>,
    clock: Arc<dyn WasiClock>,
    random: Arc<dyn RandomSource>,
    interrupt: Interrupt,
    trace: Option<Arc<dyn TraceSink>>,
    max_fds: usize,
    sigpipe_kills: bool,
    budget: Option<MemoryBudget>,
}

impl WasiCtxBuilder {
    fn new(vfs: SharedVfs) -> Self {
        WasiCtxBuilder {
            vfs,
            args: Vec::new(),
            env: Vec::new(),
            stdio: [Stdio::Null, Stdio::Null, Stdio::Null],
            preopens: Vec::new(),
            clock: Arc::new(SystemClock::new()),
            random: Arc::new(OsRandom),
            interrupt: Interrupt::new(),
            trace: None,
            max_fds: 1024,
            sigpipe_kills: true,
            budget: None,
        }
    }

    /// Append one argument (argv[0] first). Bytes up to the first NUL are kept.
    pub fn arg(mut self, arg: impl AsRef<[u8]>) -> Self {
        self.args.push(strip_nul(arg.as_ref()));
        self
    }

    pub fn args<I: IntoIterator<Item = A>, A: AsRef<[u8]>>(mut self, args: I) -> Self {
        for a in args {
            self = self.arg(a);
        }
        self
    }

    /// Add `NAME=VALUE` to the environment.
    pub fn env(mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Self {
        let mut e = strip_nul(name.as_ref());
        e.push(b'=');
        e.extend_from_slice(&strip_nul(value.as_ref()));
        self.env.push(e);
        self
    }

    pub fn stdin(mut self, s: Stdio) -> Self {
        self.stdio[0] = s;
        self
    }

    pub fn stdout(mut self, s: Stdio) -> Self {
        self.stdio[1] = s;
        self
    }

    pub fn stderr(mut self, s: Stdio) -> Self {
        self.stdio[2] = s;
        self
    }

    /// Preopen directory inode `dir` under the guest name `name` (fds 3, 4, ... in call order).
    pub fn preopen(mut self, name: impl Into<String>, dir: Ino) -> Self {
        self.preopens.push((name.into(), dir));
        self
    }

    pub fn clock(mut self, clock: Arc<dyn WasiClock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn random(mut self, random: Arc<dyn RandomSource>) -> Self {
        self.random = random;
        self
    }

    pub fn interrupt(mut self, interrupt: Interrupt) -> Self {
        self.interrupt = interrupt;
        self
    }

    /// Record every syscall (name, arguments, result) into `sink`.
    pub fn trace(mut self, sink: Arc<dyn TraceSink>) -> Self {
        self.trace = Some(sink);
        self
    }

    /// Most descriptors open at once (stdio and preopens included); more is `mfile`.
    pub fn max_fds(mut self, n: usize) -> Self {
        self.max_fds = n;
        self
    }

    /// Whether writing to a pipe without readers ends the process as SIGPIPE
    /// does (default) instead of returning `pipe`.
    pub fn sigpipe_kills(mut self, yes: bool) -> Self {
        self.sigpipe_kills = yes;
        self
    }

    /// The host-memory budget of this process (default: a fresh,
    /// unlimited one). See [`crate::budget`].
    pub fn budget(mut self, budget: MemoryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    pub fn build(self) -> WasiCtx {
        let mut fds = FdTable::new(self.max_fds.max(3 + self.preopens.len()));
        let [stdin, stdout, stderr] = self.stdio;
        fds.insert_at(0, stdin.into_descriptor(true));
        fds.insert_at(1, stdout.into_descriptor(false));
        fds.insert_at(2, stderr.into_descriptor(false));
        for (i, (name, ino)) in self.preopens.into_iter().enumerate() {
            let dir = OpenDir::new(&self.vfs, ino);
            fds.insert_at(
                3 + i as u32,
                Descriptor {
                    target: Target::Dir {
                        dir,
                        preopen: Some(name),
                    },
                    rights_base: rights::DIRECTORY,
                    rights_inheriting: rights::DIRECTORY_INHERITING,
                    flags: 0,
                },
            );
        }
        WasiCtx {
            args: self.args,
            env: self.env,
            fds,
            vfs: self.vfs,
            clock: self.clock,
            random: self.random,
            interrupt: self.interrupt,
            trace: self.trace,
            trace_detail: None,
            memory: None,
            sigpipe_kills: self.sigpipe_kills,
            budget: self
                .budget
                .unwrap_or_else(|| MemoryBudget::new(BudgetScope::Process, None)),
        }
    }
}

fn strip_nul(b: &[u8]) -> Vec<u8> {
    match b.iter().position(|&c| c == 0) {
        Some(i) => b[..i].to_vec(),
        None => b.to_vec(),
    }
}
