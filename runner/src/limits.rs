//! Resource limits and how a process that hit one is reported.

use std::time::Duration;
use wasiland_wasi_host::BudgetScope;

/// The limits of a sandbox: every resource a guest or a command line can
/// consume, one field per CLI flag (the README's limits table; a hit is
/// reported as the [`LimitKind`] named after the flag). `None` means
/// unlimited. This is the one `Limits` type of wasiland: the filesystem's
/// share of it is [`Limits::quotas`] (`wasiland_vfs::Quotas`), the memory
/// budgets are made from `memory` and `sandbox_memory`.
///
/// ```
/// use std::time::Duration;
/// let limits = wasiland::Limits {
///     timeout: Some(Duration::from_secs(5)),
///     fs_bytes: Some(1 << 20),
///     ..Default::default()
/// };
/// assert_eq!(limits.quotas().max_bytes, Some(1 << 20));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time for the whole run (exit status 124).
    pub timeout: Option<Duration>,
    /// Fuel (wasmi's instruction budget) per process (exit status 137).
    pub fuel: Option<u64>,
    /// Host memory per process, in bytes: its linear memories and tables,
    /// its interpreter stacks and fixed overhead, and what its syscalls
    /// hold (growth past it fails; 137 if the guest dies of it).
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

impl Limits {
    /// The filesystem quotas these limits set (`fs_bytes`, `fs_inodes`).
    ///
    /// ```
    /// let mut vfs = wasiland::wasiland_vfs::Vfs::new();
    /// vfs.set_quotas(wasiland::Limits { fs_inodes: Some(1), ..Default::default() }.quotas());
    /// assert_eq!(vfs.create_dir_all("/a"), Err(wasiland::VfsError::QuotaExceeded));
    /// ```
    pub fn quotas(&self) -> wasiland_vfs::Quotas {
        wasiland_vfs::Quotas {
            max_bytes: self.fs_bytes,
            max_inodes: self.fs_inodes,
        }
    }
}

/// Which limit stopped or refused something. Each kind is named after its
/// CLI flag ([`LimitKind::name`]), which is also its name in `--json`
/// output.
///
/// ```
/// use wasiland::LimitKind;
/// assert_eq!(LimitKind::SandboxMemory.name(), "sandbox-memory");
/// assert_eq!(LimitKind::ALL.iter().find(|k| k.name() == "fs-limit"), Some(&LimitKind::FsBytes));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LimitKind {
    Timeout,
    Fuel,
    /// Host memory of one process (`--memory-limit`).
    Memory,
    /// Host memory of the whole sandbox (`--sandbox-memory`).
    SandboxMemory,
    FsBytes,
    FsInodes,
    Output,
    OpenFiles,
    ArgsBytes,
    PipelineStages,
    ShellDepth,
}

impl LimitKind {
    /// Every kind, in the order of the README's limits table.
    pub const ALL: [LimitKind; 11] = [
        LimitKind::Timeout,
        LimitKind::Fuel,
        LimitKind::Memory,
        LimitKind::SandboxMemory,
        LimitKind::FsBytes,
        LimitKind::FsInodes,
        LimitKind::Output,
        LimitKind::OpenFiles,
        LimitKind::ArgsBytes,
        LimitKind::PipelineStages,
        LimitKind::ShellDepth,
    ];

    /// The name of the CLI flag that sets this limit, without `--`.
    pub fn name(self) -> &'static str {
        match self {
            LimitKind::Timeout => "timeout",
            LimitKind::Fuel => "fuel",
            LimitKind::Memory => "memory-limit",
            LimitKind::SandboxMemory => "sandbox-memory",
            LimitKind::FsBytes => "fs-limit",
            LimitKind::FsInodes => "fs-inodes",
            LimitKind::Output => "output-limit",
            LimitKind::OpenFiles => "open-files",
            LimitKind::ArgsBytes => "args-limit",
            LimitKind::PipelineStages => "pipeline-limit",
            LimitKind::ShellDepth => "depth-limit",
        }
    }

    /// What the limit bounds, in words (for messages).
    pub fn description(self) -> &'static str {
        match self {
            LimitKind::Timeout => "time limit",
            LimitKind::Fuel => "fuel (instruction budget)",
            LimitKind::Memory => "process memory limit",
            LimitKind::SandboxMemory => "sandbox memory limit",
            LimitKind::FsBytes => "filesystem size limit",
            LimitKind::FsInodes => "filesystem inode limit",
            LimitKind::Output => "output limit",
            LimitKind::OpenFiles => "open files limit",
            LimitKind::ArgsBytes => "argument list limit",
            LimitKind::PipelineStages => "pipeline length limit",
            LimitKind::ShellDepth => "nesting depth limit",
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

    /// The kind a refused [`MemoryBudget`](wasiland_wasi_host::MemoryBudget)
    /// charge stands for.
    pub fn of_budget(scope: BudgetScope) -> LimitKind {
        match scope {
            BudgetScope::Process => LimitKind::Memory,
            BudgetScope::Sandbox => LimitKind::SandboxMemory,
        }
    }
}

impl std::fmt::Display for LimitKind {
    /// `output limit (--output-limit)`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (--{})", self.description(), self.name())
    }
}

/// A limit that was hit, and by which process.
///
/// ```
/// use wasiland::{LimitHit, LimitKind};
/// let hit = LimitHit { kind: LimitKind::Output, process: "yes".into() };
/// assert_eq!(hit.to_string(), "yes hit the output limit (--output-limit)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitHit {
    pub kind: LimitKind,
    /// The command name of the process (or `sh` for the shell itself).
    pub process: String,
}

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} hit the {}", self.process, self.kind)
    }
}
