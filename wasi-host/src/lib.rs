//! `wasiland-wasi-host`: a hand-written `wasi_snapshot_preview1` for the
//! `wasmi` interpreter, over the in-memory [`wasiland_vfs`] filesystem.
//!
//! Link the whole table into any `wasmi::Linker<T>` with [`add_to_linker`]
//! (where `T: WasiView`), build a [`WasiCtx`] per process with
//! [`WasiCtx::builder`], and run the module's `_start`
//! ([`run::run_start`]: in fuel slices, under a deadline, giving the exit
//! status). Its rustdoc runs python3 from this crate alone.
//!
//! Layout: [`budget`] (host memory metered per sandbox and process), [`errno`] (the one errno table), [`abi`] (constants and struct
//! layouts), [`guest`] (bounds-checked guest memory), [`stream`] (pipes and
//! other stdio), [`file`] (open file descriptions), [`fd`] (descriptor
//! table), [`ctx`] (per-process state), `syscalls/*` (one module per
//! topic), [`linker`] (wasmi glue), [`spawn`] (wasiland's one extension
//! import, `wasiland_v1.spawn`) and [`run`] (`_start` in fuel slices under
//! a deadline, and its exit status).

// A lock guard in a `match` scrutinee lives through every arm (a deadlock
// when an arm takes the same lock; see the runner crate).
#![deny(clippy::significant_drop_in_scrutinee)]

pub mod abi;
pub mod budget;
pub mod clock;
pub mod ctx;
pub mod errno;
pub mod fd;
pub mod file;
pub mod guest;
pub mod linker;
pub mod run;
pub mod spawn;
pub mod stream;
pub mod syscalls;

pub use budget::{BudgetExceeded, BudgetScope, Charge, MemoryBudget};
pub use clock::{OsRandom, RandomSource, SeededRandom, SystemClock, WasiClock};
pub use ctx::{panic_message, Stdio, Termination, TraceSink, WasiCtx, WasiCtxBuilder, WasiView};
pub use errno::Errno;
pub use file::{OpenFile, SharedVfs};
pub use linker::{add_to_linker, FUNCTIONS, MODULE};
pub use stream::{
    pipe, pipe_in, BytesInput, CaptureOutput, InputStream, Interrupt, InterruptReason,
    LimitedOutput, NullStream, OutputBudget, OutputStream, PipeReader, PipeWriter, ReaderInput,
    Readiness, StreamError, WriterOutput,
};
pub use wasiland_vfs::IntoBytes;
