//! Resource limits and how a process that hit one is reported.

use std::time::Duration;

/// Limits for one run of a command line. `None` means unlimited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time for the whole run (exit status 124).
    pub timeout: Option<Duration>,
    /// Fuel (wasmi's instruction budget) per process (exit status 137).
    pub fuel: Option<u64>,
    /// Linear memory per process, in bytes (growth past it fails; 137 if the guest dies of it).
    pub memory: Option<u64>,
    /// Host memory the whole sandbox may hold at once for its guests
    /// (linear memories, interpreter stacks, pipes, shell strings, ...).
    pub sandbox_memory: Option<u64>,
    /// Bytes of file contents in the sandbox's filesystem (ENOSPC).
    pub fs_bytes: Option<u64>,
    /// Number of inodes in the sandbox's filesystem (EDQUOT).
    pub fs_inodes: Option<u64>,
    /// Captured stdout + stderr bytes of a run (the rest is dropped).
    pub output: Option<u64>,
    /// Open descriptors per process (EMFILE past it).
    pub open_files: usize,
    /// Total bytes of argv + environment per process (E2BIG / 126).
    pub args_bytes: usize,
    /// Stages in one pipeline.
    pub pipeline_stages: usize,
    /// Nesting of functions, `source`, `$(...)` and subshells.
    pub shell_depth: usize,
}

impl Default for Limits {
    /// Defaults that protect an unattended host.
    fn default() -> Self {
        Limits {
            timeout: Some(Duration::from_secs(60)),
            fuel: None,
            memory: Some(1 << 30),
            sandbox_memory: Some(2 << 30),
            fs_bytes: Some(1 << 30),
            fs_inodes: Some(1_000_000),
            output: Some(64 << 20),
            open_files: 1024,
            args_bytes: 2 << 20,
            pipeline_stages: 256,
            shell_depth: 200,
        }
    }
}

/// Which limit stopped a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LimitKind {
    Timeout,
    Fuel,
    Memory,
    FsBytes,
    FsInodes,
    Output,
    OpenFiles,
    ArgsBytes,
    PipelineStages,
    ShellDepth,
    /// Host memory of the whole sandbox (`Limits::sandbox_memory`).
    SandboxMemory,
}

impl LimitKind {
    /// The flag-style name (`timeout`, `fuel`, `memory`, ...).
    pub fn name(self) -> &'static str {
        match self {
            LimitKind::Timeout => "timeout",
            LimitKind::Fuel => "fuel",
            LimitKind::Memory => "memory",
            LimitKind::FsBytes => "fs-bytes",
            LimitKind::FsInodes => "fs-inodes",
            LimitKind::Output => "output",
            LimitKind::OpenFiles => "open-files",
            LimitKind::ArgsBytes => "args-bytes",
            LimitKind::PipelineStages => "pipeline-stages",
            LimitKind::ShellDepth => "shell-depth",
            LimitKind::SandboxMemory => "sandbox-memory",
        }
    }

    /// The conventional exit status of a process stopped by this limit.
    pub fn exit_status(self) -> i32 {
        match self {
            LimitKind::Timeout => 124,
            LimitKind::Output => 141,
            _ => 137,
        }
    }
}

/// A limit that was hit, and by which process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitHit {
    pub kind: LimitKind,
    /// The command name of the process (or `sh` for the shell itself).
    pub process: String,
}
