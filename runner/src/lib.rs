//! `wasiland`: a portable WASI sandbox. Runs `wasm32-wasip1` programs in
//! the `wasmi` interpreter over an in-memory filesystem, with processes,
//! pipes and a bash-style shell on top.

pub mod limits;
pub mod process;
pub mod runtime;

pub use limits::{LimitHit, LimitKind, Limits};
pub use process::{run_module, ProcessConfig, ProcessExit};
pub use runtime::{ModuleError, Runtime};
