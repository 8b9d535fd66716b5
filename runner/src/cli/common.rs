//! Flags shared by `wasiland run` and `wasiland shell`: the sandbox's
//! contents, environment and limits.

use clap::Args;
use std::path::PathBuf;
use std::time::Duration;
use wasiland::{Limits, Sandbox};

#[derive(Args, Clone, Debug)]
pub struct SandboxArgs {
    /// Copy host directory HOST into the sandbox at GUEST before running.
    #[arg(long = "mount", value_name = "HOST:GUEST")]
    pub mounts: Vec<String>,
    /// Working directory inside the sandbox (created if missing).
    #[arg(long, value_name = "DIR", default_value = "/home/user")]
    pub workdir: String,
    /// Set an environment variable in the sandbox's shell.
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = super::parse_env)]
    pub env: Vec<(String, String)>,
    /// Directory of built fixtures (default: $WASILAND_FIXTURES or the source tree's fixtures/out).
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Print every syscall of every process on stderr.
    #[arg(long)]
    pub trace: bool,
    /// Seed for a deterministic random source (`random_get`, /dev/urandom).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Do not keep python3's start-up image on disk between runs (default:
    /// kept in $WASILAND_CACHE/images, else ~/.cache/wasiland/images).
    #[arg(long)]
    pub no_image_cache: bool,
}

/// The limit flags (names are part of the interface scripts rely on).
#[derive(Args, Clone, Debug)]
pub struct LimitArgs {
    /// Wall-clock limit in seconds for the command (exit status 124).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Instruction budget (wasmi fuel) per process (exit status 137 when spent).
    #[arg(long, value_name = "N")]
    pub fuel: Option<u64>,
    /// Linear memory limit per process in bytes (K/M/G suffixes allowed).
    #[arg(long = "memory-limit", value_name = "BYTES", value_parser = super::parse_bytes)]
    pub memory_limit: Option<u64>,
    /// Limit on file bytes in the sandbox filesystem (ENOSPC past it).
    #[arg(long = "fs-limit", value_name = "BYTES", value_parser = super::parse_bytes)]
    pub fs_limit: Option<u64>,
    /// Limit on captured stdout+stderr bytes (the rest is dropped).
    #[arg(long = "output-limit", value_name = "BYTES", value_parser = super::parse_bytes)]
    pub output_limit: Option<u64>,
    /// Limit on the number of files and directories in the sandbox (EDQUOT past it).
    #[arg(long = "fs-inodes", value_name = "N")]
    pub fs_inodes: Option<u64>,
    /// Open descriptors per process (EMFILE past it).
    #[arg(long = "open-files", value_name = "N")]
    pub open_files: Option<usize>,
    /// Bytes of argv + environment per process (exit status 126 past it).
    #[arg(long = "args-limit", value_name = "BYTES", value_parser = super::parse_bytes)]
    pub args_limit: Option<u64>,
    /// Stages in one pipeline.
    #[arg(long = "pipeline-limit", value_name = "N")]
    pub pipeline_limit: Option<usize>,
    /// Nesting of shell functions, `source`, `$(...)` and subshells.
    #[arg(long = "depth-limit", value_name = "N")]
    pub depth_limit: Option<usize>,
}

impl LimitArgs {
    /// The limits these flags give, on top of the defaults.
    pub fn limits(&self) -> Result<Limits, String> {
        let mut l = Limits::default();
        if let Some(secs) = self.timeout {
            if !(secs.is_finite() && secs > 0.0) {
                return Err(format!(
                    "--timeout wants a positive number of seconds, got {secs}"
                ));
            }
            l.timeout = Some(Duration::from_secs_f64(secs));
        }
        if self.fuel.is_some() {
            l.fuel = self.fuel;
        }
        if self.memory_limit.is_some() {
            l.memory = self.memory_limit;
        }
        if self.fs_limit.is_some() {
            l.fs_bytes = self.fs_limit;
        }
        if self.output_limit.is_some() {
            l.output = self.output_limit;
        }
        if self.fs_inodes.is_some() {
            l.fs_inodes = self.fs_inodes;
        }
        if let Some(n) = self.open_files {
            l.open_files = n;
        }
        if let Some(n) = self.args_limit {
            l.args_bytes =
                usize::try_from(n).map_err(|_| format!("--args-limit {n} is too large"))?;
        }
        if let Some(n) = self.pipeline_limit {
            l.pipeline_stages = n;
        }
        if let Some(n) = self.depth_limit {
            l.shell_depth = n;
        }
        Ok(l)
    }
}

impl SandboxArgs {
    /// Build the sandbox these flags describe; errors are messages for the user.
    pub fn sandbox(&self) -> Result<Sandbox, String> {
        let mut b = Sandbox::builder()
            .limits(self.limits.limits()?)
            .cwd(&self.workdir);
        if !self.no_image_cache {
            if let Some(dir) = image_cache_dir() {
                b = b.runtime(wasiland::Runtime::with_image_cache(dir));
            }
        }
        if let Some(dir) = &self.fixtures {
            b = b.fixtures(dir);
        }
        for (k, v) in &self.env {
            b = b.env(k, v);
        }
        if let Some(seed) = self.seed {
            b = b.random_seed(seed);
        }
        if self.trace {
            b = b.trace(std::sync::Arc::new(|line: &str| {
                eprintln!("[trace] {line}")
            }));
        }
        let mut sb = b
            .build()
            .map_err(|e| format!("cannot create the sandbox: {e}"))?;
        for m in &self.mounts {
            let (host, guest) = m
                .rsplit_once(':')
                .ok_or_else(|| format!("--mount wants HOST:GUEST, got {m:?}"))?;
            sb.import_host_dir(std::path::Path::new(host), guest)
                .map_err(|e| format!("cannot mount {host} at {guest}: {e}"))?;
        }
        Ok(sb)
    }
}

/// Where the CLI keeps start-up images: `$WASILAND_CACHE/images` (the cache
/// the build scripts use), else `$XDG_CACHE_HOME/wasiland/images`, else
/// `~/.cache/wasiland/images`.
fn image_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("WASILAND_CACHE")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("wasiland")))
        .or_else(|| var("HOME").map(|d| d.join(".cache/wasiland")))
        .map(|d| d.join("images"))
}
