//! Flags shared by `wasiland run` and `wasiland shell` (the sandbox's
//! contents and environment), and the limit flags all three commands take.

use super::parse;
use super::text;
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Duration;
use wasiland::{Guests, Limits, Sandbox};

/// The sandbox's home and default working directory; relative `--workdir`
/// and mount paths are taken from here.
pub(crate) const HOME: &str = "/home/user";

#[derive(Args, Clone, Debug)]
pub struct SandboxArgs {
    /// Copy host directory HOST into the sandbox at GUEST before running
    /// (regular files, directories and symlinks; symlinks are copied as
    /// links, never followed; FIFOs, sockets and devices are skipped with a
    /// message). The host directory is only read.
    #[arg(long = "mount", value_name = "HOST:GUEST", value_parser = parse::parse_mount)]
    pub mounts: Vec<(String, String)>,
    /// Working directory inside the sandbox (created if missing). A relative
    /// DIR is taken from /home/user.
    #[arg(long, value_name = "DIR", default_value = HOME)]
    pub workdir: String,
    /// Set an environment variable in the sandbox's shell; `--env NAME`
    /// alone passes the host's value of NAME (if it has one).
    #[arg(long = "env", value_name = "NAME[=VALUE]", value_parser = parse::parse_env)]
    pub env: Vec<(String, Option<String>)>,
    /// Directory of guest programs (rustpython.wasm, coreutils.wasm, ...)
    /// [default: $WASILAND_FIXTURES, else the guests embedded in this
    /// build, else <prefix>/share/wasiland/guests beside <prefix>/bin/wasiland].
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Print every syscall of every process on stderr.
    #[arg(long)]
    pub trace: bool,
    /// Seed for a deterministic random source (`random_get`, /dev/urandom).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// Do not keep python3's start-up image on disk between runs [default:
    /// kept in $WASILAND_CACHE/images, else ~/.cache/wasiland/images].
    #[arg(long)]
    pub no_image_cache: bool,
}

/// The limit flags (names are part of the interface scripts rely on). The
/// defaults in the help texts are `Limits::default()`'s (a test checks).
/// Values may start with `-`, so `--timeout -1` is reported as a bad
/// timeout rather than as an unknown flag.
#[derive(Args, Clone, Debug)]
pub struct LimitArgs {
    /// Wall-clock limit in seconds, 0 for none (exit status 124). `run`: for
    /// the whole command line [default: 60]; `shell`: for each command
    /// [default: none]; `wasm`: for the module [default: none].
    #[arg(
        long,
        value_name = "SECONDS",
        value_parser = parse::parse_timeout,
        allow_hyphen_values = true
    )]
    pub timeout: Option<Duration>,
    /// Instruction budget (wasmi fuel) per process; exit status 137 when
    /// spent [default: unlimited].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub fuel: Option<u64>,
    /// Host memory per process in bytes: its linear memory, tables, stacks
    /// and instance (K/M/G/T suffixes) [default: 1G].
    #[arg(
        long = "memory-limit",
        value_name = "BYTES",
        value_parser = parse::parse_bytes,
        allow_hyphen_values = true
    )]
    pub memory_limit: Option<u64>,
    /// Host memory the whole sandbox may hold at once, all its processes
    /// together: linear memories, stacks, pipes, shell strings (K/M/G/T
    /// suffixes) [default: 2G].
    #[arg(
        long = "sandbox-memory",
        value_name = "BYTES",
        value_parser = parse::parse_bytes,
        allow_hyphen_values = true
    )]
    pub sandbox_memory: Option<u64>,
    /// File bytes in the sandbox filesystem; writes past it fail with
    /// ENOSPC [default: 1G].
    #[arg(
        long = "fs-limit",
        value_name = "BYTES",
        value_parser = parse::parse_bytes,
        allow_hyphen_values = true
    )]
    pub fs_limit: Option<u64>,
    /// Bytes of stdout+stderr a run may write; the rest is dropped and the
    /// writer ends with status 141 [default: 64M].
    #[arg(
        long = "output-limit",
        value_name = "BYTES",
        value_parser = parse::parse_bytes,
        allow_hyphen_values = true
    )]
    pub output_limit: Option<u64>,
    /// Files and directories in the sandbox; creation past it fails with
    /// EDQUOT [default: 1000000].
    #[arg(long = "fs-inodes", value_name = "N", allow_hyphen_values = true)]
    pub fs_inodes: Option<u64>,
    /// Open descriptors per process, 3 to 1048576; EMFILE past it
    /// [default: 1024].
    #[arg(
        long = "open-files",
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(3..=MAX_OPEN_FILES),
        allow_hyphen_values = true
    )]
    pub open_files: Option<u32>,
    /// Bytes of argv + environment per process, at most 1G; exit status 126
    /// past it [default: 2M].
    #[arg(
        long = "args-limit",
        value_name = "BYTES",
        value_parser = parse_args_limit,
        allow_hyphen_values = true
    )]
    pub args_limit: Option<u64>,
    /// Stages in one pipeline, 1 to 1024 [default: 256].
    #[arg(
        long = "pipeline-limit",
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(1..=MAX_PIPELINE_STAGES),
        allow_hyphen_values = true
    )]
    pub pipeline_limit: Option<u32>,
    /// Nesting of shell functions, `source`, `$(...)` and subshells, 1 to
    /// 1000 [default: 200].
    #[arg(
        long = "depth-limit",
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(1..=MAX_SHELL_DEPTH),
        allow_hyphen_values = true
    )]
    pub depth_limit: Option<u32>,
}

/// Upper bounds of the count flags: each is a resource the host pays for
/// per unit (descriptor slots, a thread per stage, interpreter stack per
/// level), so "more" must still be safe for the host.
const MAX_OPEN_FILES: i64 = 1 << 20;
const MAX_PIPELINE_STAGES: i64 = 1024;
const MAX_SHELL_DEPTH: i64 = 1000;
const MAX_ARGS_BYTES: u64 = 1 << 30;

fn parse_args_limit(s: &str) -> Result<u64, String> {
    let n = parse::parse_bytes(s)?;
    if n > MAX_ARGS_BYTES {
        return Err(format!("{s} is more than the largest argument limit, 1G"));
    }
    Ok(n)
}

/// [`Limits::default`] without a wall-clock limit: `shell` (per command,
/// only when asked) and `wasm` (as in wasmtime).
pub fn untimed_defaults() -> Limits {
    Limits {
        timeout: None,
        ..Limits::default()
    }
}

impl LimitArgs {
    /// The limits these flags give on top of `base`, the command's own
    /// defaults (`run`'s, `shell`'s without a timeout, the MCP server's).
    pub fn limits(&self, base: Limits) -> Limits {
        let mut l = base;
        if let Some(t) = self.timeout {
            l.timeout = (!t.is_zero()).then_some(t);
        }
        if self.fuel.is_some() {
            l.fuel = self.fuel;
        }
        if self.memory_limit.is_some() {
            l.memory = self.memory_limit;
        }
        if self.sandbox_memory.is_some() {
            l.sandbox_memory = self.sandbox_memory;
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
        // The ranges above keep these within usize on every target.
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        if let Some(n) = self.open_files {
            l.open_files = count(n.into());
        }
        if let Some(n) = self.args_limit {
            l.args_bytes = count(n);
        }
        if let Some(n) = self.pipeline_limit {
            l.pipeline_stages = count(n.into());
        }
        if let Some(n) = self.depth_limit {
            l.shell_depth = count(n.into());
        }
        l
    }
}

impl SandboxArgs {
    /// The working directory as an absolute sandbox path.
    pub fn workdir(&self) -> String {
        parse::sandbox_path(HOME, &self.workdir)
    }

    /// Build the sandbox these flags describe (their limits on top of
    /// `base`) and copy the mounts in; errors are messages for the user.
    pub fn sandbox(&self, base: Limits) -> Result<Sandbox, String> {
        let workdir = self.workdir();
        let mut b = Sandbox::builder()
            .limits(self.limits.limits(base))
            .cwd(&workdir);
        if !self.no_image_cache {
            if let Some(dir) = image_cache_dir() {
                b = b.runtime(wasiland::Runtime::with_image_cache(dir));
            }
        }
        let guests = match &self.fixtures {
            Some(dir) => Guests::in_dir(dir).map_err(|e| format!("--fixtures: {e}"))?,
            None => Guests::locate().map_err(|e| e.to_string())?,
        };
        b = b.tools(guests.tools());
        for (k, v) in &self.env {
            if let Some(v) = v {
                b = b.env(k, v);
            }
        }
        if let Some(seed) = self.seed {
            b = b.random_seed(seed);
        }
        if self.trace {
            b = b.trace(std::sync::Arc::new(|line: &str| {
                eprintln!("[trace] {}", text::escape(line))
            }));
        }
        let mut sb = b.build().map_err(|e| match e {
            wasiland::FsError::Vfs { path, kind } if path == workdir => {
                format!("--workdir {workdir}: {}", kind.message())
            }
            e => format!("cannot create the sandbox: {e}"),
        })?;
        for (host, guest) in &self.mounts {
            let guest = parse::sandbox_path(&workdir, guest);
            let stats = sb
                .import_host_dir(Path::new(host), &guest)
                .map_err(|e| format!("cannot mount {host} at {guest}: {e}"))?;
            report_skipped("--mount", &stats);
        }
        Ok(sb)
    }
}

/// Tells the user which objects a copy left out (escaped: the names are
/// whatever the files are called).
pub(crate) fn report_skipped(flag: &str, stats: &wasiland_vfs::CopyStats) {
    for s in &stats.skipped {
        text::error(&format!(
            "{flag}: skipped {} ({}; only regular files, directories and symlinks are copied)",
            s.path.display(),
            s.kind.describe()
        ));
    }
    let unlisted = stats
        .skipped_count
        .saturating_sub(stats.skipped.len() as u64);
    if unlisted > 0 {
        text::error(&format!("{flag}: skipped {unlisted} more such objects"));
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[derive(clap::Parser)]
    struct Probe {
        #[command(flatten)]
        limits: LimitArgs,
    }

    /// The defaults the help texts state are the library's.
    #[test]
    fn help_states_the_real_defaults() {
        let d = Limits::default();
        let bytes = |n: Option<u64>| parse::show_bytes(n.expect("a default"));
        let expected = [
            ("timeout", "[default: 60]".to_string()),
            ("memory-limit", format!("[default: {}]", bytes(d.memory))),
            (
                "sandbox-memory",
                format!("[default: {}]", bytes(d.sandbox_memory)),
            ),
            ("fs-limit", format!("[default: {}]", bytes(d.fs_bytes))),
            ("output-limit", format!("[default: {}]", bytes(d.output))),
            (
                "fs-inodes",
                format!("[default: {}]", d.fs_inodes.expect("a default")),
            ),
            ("open-files", format!("[default: {}]", d.open_files)),
            (
                "args-limit",
                format!("[default: {}]", parse::show_bytes(d.args_bytes as u64)),
            ),
            (
                "pipeline-limit",
                format!("[default: {}]", d.pipeline_stages),
            ),
            ("depth-limit", format!("[default: {}]", d.shell_depth)),
        ];
        assert_eq!(d.timeout, Some(Duration::from_secs(60)));
        assert_eq!(d.fuel, None);
        let command = Probe::command();
        for (flag, default) in expected {
            let arg = command
                .get_arguments()
                .find(|a| a.get_long() == Some(flag))
                .expect(flag);
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            assert!(
                help.contains(&default),
                "--{flag}: {help:?} lacks {default}"
            );
        }
    }

    #[test]
    fn zero_timeout_means_none() {
        let probe = <Probe as clap::Parser>::parse_from(["x", "--timeout", "0"]);
        assert_eq!(probe.limits.limits(Limits::default()).timeout, None);
        let probe = <Probe as clap::Parser>::parse_from(["x"]);
        assert_eq!(
            probe.limits.limits(Limits::default()).timeout,
            Some(Duration::from_secs(60))
        );
    }
}
