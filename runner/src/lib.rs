//! `wasiland`: a portable WASI sandbox. Runs `wasm32-wasip1` programs in
//! the `wasmi` interpreter (no JIT) over an in-memory filesystem, with
//! processes, pipes and a bash-compatible shell on top.
//!
//! Most embedders need only [`Sandbox`]:
//!
//! ```
//! let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
//! let r = sb.run("for x in a b; do echo $x; done");
//! assert_eq!((r.exit_code, r.stdout.as_slice()), (0, &b"a\nb\n"[..]));
//! ```
//!
//! Every type the API's signatures use is re-exported here (and the lower
//! crates themselves, as [`wasiland_vfs`] and [`wasiland_wasi_host`]), so
//! `wasiland` is the only dependency an embedder needs:
//!
//! ```
//! use std::sync::Arc;
//! let mut sb = wasiland::Sandbox::builder()
//!     .tools(wasiland::ToolRegistry::new())
//!     .clock(Arc::new(wasiland::SystemClock::new()))
//!     .build()?;
//! match sb.read_file("/missing") {
//!     Err(wasiland::FsError::Vfs { kind: wasiland::VfsError::NotFound, .. }) => {}
//!     other => panic!("{other:?}"),
//! }
//! let options = wasiland::RunOptions { stdin: wasiland::Stdio::Null, ..Default::default() };
//! assert_eq!(sb.run_with("echo hi", options).stdout, b"hi\n");
//! # Ok::<(), wasiland::FsError>(())
//! ```
//!
//! Modules, from the outside in: [`sandbox`] (the API), [`shell`] (the
//! shell), [`exec`] (finding and starting programs), [`tools`] (the tool
//! registry), [`guests`] (where the standard tools come from),
//! [`host_functions`] (the embedder's own imports), [`host_allocator`]
//! (freed memory back to the OS),
//! [`process`] (one guest process), [`image`] (start-up images),
//! [`spawn`] (the `wasiland_v1.spawn` import), [`runtime`] (engine and
//! module cache), [`limits`], [`state`] (saved states), and
//! with the `mcp` feature `mcp` (the MCP server).

// A lock guard in a `match` scrutinee lives through every arm: an arm that
// writes to stderr, which may be a file in the same VFS, deadlocked the
// shell past its deadline (found by the shell fuzzer). The lint keeps that
// shape out.
#![deny(clippy::significant_drop_in_scrutinee)]

pub mod exec;
pub mod guests;
pub mod host_allocator;
pub mod host_functions;
pub mod image;
pub mod limits;
#[cfg(feature = "mcp")]
pub mod mcp;
pub mod process;
pub mod runtime;
pub mod sandbox;
pub mod shell;
pub mod spawn;
pub mod state;
pub mod tools;

pub use exec::{Child, ExecEnv, Program, ResolveError, SpawnRequest};
pub use guests::{GuestOrigin, Guests, GuestsNotFound};
pub use host_functions::{HostFunctionError, HostFunctions};
pub use limits::{LimitHit, LimitKind, Limits};
pub use process::{run_module, ProcessConfig, ProcessExit, ProcessState};
pub use runtime::{CompiledModule, ModuleError, Runtime};

// A panic in one sandbox must end that run, not the embedding process
// (see `exec::catch_panic`): that needs unwinding.
#[cfg(panic = "abort")]
compile_error!(
    "wasiland needs panic = \"unwind\": a panic must end one run, not every sandbox of the process"
);
pub use sandbox::{
    CancelHandle, FsError, OutputCallback, OutputKind, RunOptions, RunResult, Sandbox,
    SandboxBuilder, Snapshot,
};
pub use state::StateError;
pub use tools::{Tool, ToolKind, ToolRegistry};
pub use wasiland_vfs::{CopyStats, DirEntry, IntoBytes, Quotas, Skipped, SkippedKind, VfsError};
pub use wasiland_wasi_host::{
    BytesInput, RandomSource, SeededRandom, SharedVfs, Stdio, SystemClock, TraceSink, WasiClock,
};
// wasmi's types appear in `HostFunctions` and `Runtime`'s signatures.
pub use {wasiland_vfs, wasiland_wasi_host, wasmi};
