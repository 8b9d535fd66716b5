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
//! Modules, from the outside in: [`sandbox`] (the API), [`shell`] (the
//! shell), [`exec`] (finding and starting programs), [`tools`] (the tool
//! registry), [`guests`] (where the standard tools come from), [`process`] (one guest process), [`image`] (start-up
//! images), [`spawn`] (the `wasiland_v1.spawn` import), [`runtime`]
//! (engine and module cache), [`limits`], [`state`] (saved states).

pub mod exec;
pub mod guests;
pub mod image;
pub mod limits;
pub mod process;
pub mod runtime;
pub mod sandbox;
pub mod shell;
pub mod spawn;
pub mod state;
pub mod tools;

pub use exec::{Child, ExecEnv, Program, ResolveError, SpawnRequest};
pub use guests::{GuestOrigin, Guests, GuestsNotFound};
pub use limits::{LimitHit, LimitKind, Limits};
pub use process::{run_module, ProcessConfig, ProcessExit};
pub use runtime::{ModuleError, Runtime};
pub use sandbox::{
    CancelHandle, FsError, OutputKind, RunOptions, RunResult, Sandbox, SandboxBuilder, Snapshot,
};
pub use state::StateError;
pub use tools::{Tool, ToolKind, ToolRegistry};
pub use wasiland_vfs::{CopyStats, Skipped, SkippedKind};
