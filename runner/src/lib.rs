//! `wasiland`: a portable WASI sandbox. Runs `wasm32-wasip1` programs in
//! the `wasmi` interpreter over an in-memory filesystem, with processes,
//! pipes and a bash-style shell on top.

pub mod limits;
pub mod process;
pub mod runtime;

pub use limits::{LimitHit, LimitKind, Limits};
pub use process::{run_module, ProcessConfig, ProcessExit};
pub use runtime::{ModuleError, Runtime};
pub mod exec;
pub mod image;
pub mod tools;

pub use exec::{Child, ExecEnv, Program, ResolveError, SpawnRequest};
pub use tools::{Tool, ToolKind, ToolRegistry};
pub mod sandbox;
pub mod shell;
pub mod spawn;

pub use sandbox::{CancelHandle, FsError, OutputKind, RunOptions, RunResult, Sandbox, SandboxBuilder, Snapshot};
