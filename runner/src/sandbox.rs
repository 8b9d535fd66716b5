//! The library API: a [`Sandbox`] is a persistent shell session over its
//! own in-memory filesystem, running commands as WASI processes.

use crate::exec::ExecEnv;
use crate::guests::{Guests, GuestsNotFound};
use crate::host_functions::HostFunctions;
use crate::limits::{LimitHit, LimitKind, Limits};
use crate::runtime::Runtime;
use crate::shell::{self, ShellState};
use crate::tools::{self, ToolRegistry};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use wasiland_vfs::{CopyStats, Device, DirEntry, Vfs, VfsError};
use wasiland_wasi_host::{
    BudgetScope, BytesInput, CaptureOutput, Interrupt, MemoryBudget, OutputBudget, OutputStream,
    RandomSource, SharedVfs, Stdio, StreamError, SystemClock, TraceSink, WasiClock,
};

/// This repository's built fixtures, for its own tests and benchmarks:
/// `$WASILAND_FIXTURES`, else `fixtures/out` of the source tree. Sandboxes
/// never use it; they find their guests with [`crate::Guests::locate`].
///
/// ```
/// let dir = wasiland::sandbox::default_fixtures_dir();
/// println!("python3 is {}", dir.join("rustpython.wasm").display());
/// ```
pub fn default_fixtures_dir() -> PathBuf {
    match std::env::var_os("WASILAND_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/out"),
    }
}

/// The process-wide runtime used by sandboxes that are not given one: one
/// engine and one module cache for every sandbox of the process.
///
/// ```
/// let a = wasiland::sandbox::shared_runtime();
/// let b = wasiland::sandbox::shared_runtime();
/// assert_eq!(a.id(), b.id());
/// ```
pub fn shared_runtime() -> Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(Runtime::new).clone()
}

/// The outcome of [`Sandbox::run`].
///
/// ```
/// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
/// let r = sb.run("echo out; echo err >&2; exit 3");
/// assert_eq!((r.exit_code, r.stdout_str(), r.stderr_str()), (3, "out\n".into(), "err\n".into()));
/// assert!(!r.truncated && r.limit.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunResult {
    /// Exit status of the command line, as `$?` would show it.
    pub exit_code: i32,
    /// Everything written to stdout (up to the output limit).
    pub stdout: Vec<u8>,
    /// Everything written to stderr (up to the output limit).
    pub stderr: Vec<u8>,
    /// Output went past the output limit and was cut.
    pub truncated: bool,
    /// The first limit that was hit, if any.
    pub limit: Option<LimitHit>,
    /// Every limit hit during the run.
    pub limits_hit: Vec<LimitHit>,
    /// Wall time of the run.
    pub duration: Duration,
}

impl RunResult {
    /// stdout as UTF-8 (lossy).
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as UTF-8 (lossy).
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Which stream a chunk of streamed output came from (see
/// [`RunOptions::on_output`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// Written to fd 1.
    Stdout,
    /// Written to fd 2.
    Stderr,
}

/// Callback receiving output as it is produced.
pub type OutputCallback = Arc<dyn Fn(OutputKind, &[u8]) + Send + Sync>;

/// Options for [`Sandbox::run_with`].
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wasiland::{OutputKind, RunOptions};
/// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = seen.clone();
/// let options = RunOptions {
///     on_output: Some(Arc::new(move |kind, data: &[u8]| {
///         if kind == OutputKind::Stdout {
///             sink.lock().unwrap().extend_from_slice(data);
///         }
///     })),
///     ..RunOptions::with_stdin("streamed\n")
/// };
/// let r = sb.run_with("read line; echo \"got $line\"", options);
/// assert_eq!(r.stdout, b"got streamed\n");
/// assert_eq!(*seen.lock().unwrap(), b"got streamed\n");
/// ```
#[derive(Clone)]
pub struct RunOptions {
    /// The command's stdin (default: empty).
    pub stdin: Stdio,
    /// Called with every chunk of stdout/stderr as it is written.
    pub on_output: Option<OutputCallback>,
    /// Keep the output in the [`RunResult`] (default true). Turn off when
    /// streaming everything through `on_output` anyway.
    pub capture: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            stdin: Stdio::Null,
            on_output: None,
            capture: true,
        }
    }
}

impl RunOptions {
    /// Options with `bytes` as stdin (borrowed or owned: see
    /// [`IntoBytes`](wasiland_vfs::IntoBytes)).
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// let input = String::from("a b\n");
    /// let r = sb.run_with("read x y; echo $y", wasiland::RunOptions::with_stdin(&input));
    /// assert_eq!(r.stdout, b"b\n");
    /// ```
    pub fn with_stdin(bytes: impl wasiland_vfs::IntoBytes) -> Self {
        RunOptions {
            stdin: Stdio::Input(Arc::new(BytesInput::new(bytes))),
            ..Self::default()
        }
    }
}

/// Errors of the file-access API.
///
/// ```
/// # let sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
/// match sb.read_file("/no/such/file") {
///     Err(wasiland::FsError::Vfs { kind, .. }) => assert_eq!(kind, wasiland_vfs::VfsError::NotFound),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    /// The sandbox's filesystem refused the operation.
    #[error("{path}: {}", kind.message())]
    Vfs {
        /// The path as resolved in the sandbox.
        path: String,
        /// What went wrong.
        kind: VfsError,
    },
    /// Reading or writing the host side of an import or export failed.
    #[error("{0}")]
    Host(#[from] std::io::Error),
    /// No guest programs where the builder looked ([`crate::Guests`]).
    #[error("{0}")]
    Guests(#[from] GuestsNotFound),
}

/// A point-in-time copy of a sandbox's filesystem and shell session.
/// Shares file data with the sandbox (copy-on-write). See
/// [`Sandbox::snapshot`].
#[derive(Clone)]
pub struct Snapshot {
    vfs: Vfs,
    shell: ShellState,
}

/// A sandbox: an in-memory filesystem with the conventional tree, the
/// registered tools under `/usr/bin`, and a persistent shell session.
///
/// ```no_run
/// // With the built fixtures (python3, coreutils, grep, ...):
/// let mut sb = wasiland::Sandbox::builder().build().unwrap();
/// sb.write_file("/home/user/data.csv", "b,2\na,1\n").unwrap();
/// let r = sb.run("sort data.csv | head -n 1");
/// assert_eq!(r.stdout, b"a,1\n");
/// ```
///
/// Shell builtins need no tools at all:
///
/// ```
/// let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
/// assert_eq!(sb.run("x=41; echo $((x + 1))").stdout, b"42\n");
/// ```
pub struct Sandbox {
    exec: ExecEnv,
    shell: ShellState,
    /// The interrupt of the run in progress, for [`CancelHandle`]s.
    current: Arc<Mutex<Interrupt>>,
}

/// Cancels whatever command its sandbox is running (from another thread).
/// Obtained from [`Sandbox::cancel_handle`]; stays valid across runs.
#[derive(Clone)]
pub struct CancelHandle {
    current: Arc<Mutex<Interrupt>>,
}

impl CancelHandle {
    /// End every process of the current run; the run returns status 130.
    pub fn cancel(&self) {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .trigger(wasiland_wasi_host::InterruptReason::Cancelled);
    }
}

/// Builder for [`Sandbox`].
pub struct SandboxBuilder {
    runtime: Option<Runtime>,
    tools: Option<ToolRegistry>,
    fixtures: Option<PathBuf>,
    env: Vec<(String, String)>,
    cwd: String,
    limits: Limits,
    trace: Option<Arc<dyn TraceSink>>,
    clock: Option<Arc<dyn WasiClock>>,
    random: Option<Arc<dyn RandomSource>>,
    images: bool,
    host_functions: HostFunctions,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            runtime: None,
            tools: None,
            fixtures: None,
            env: Vec::new(),
            cwd: "/home/user".into(),
            limits: Limits::default(),
            trace: None,
            clock: None,
            random: None,
            // WASILAND_NO_IMAGES=1 turns start-up images off (to measure or
            // debug a plain start).
            images: std::env::var_os("WASILAND_NO_IMAGES").is_none(),
            host_functions: HostFunctions::new(),
        }
    }
}

impl SandboxBuilder {
    /// Share this runtime (engine + module cache) instead of the process-wide one.
    ///
    /// ```
    /// let rt = wasiland::Runtime::new();
    /// let a = wasiland::Sandbox::builder().runtime(rt.clone()).tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// let b = wasiland::Sandbox::builder().runtime(rt).tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// # drop((a, b));
    /// ```
    pub fn runtime(mut self, runtime: Runtime) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// Use exactly these tools.
    ///
    /// ```
    /// let mut tools = wasiland::ToolRegistry::new();
    /// tools.register_bytes("quit7", wat::parse_str(r#"(module
    ///     (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    ///     (memory (export "memory") 1)
    ///     (func (export "_start") (call $exit (i32.const 7))))"#).unwrap());
    /// let mut sb = wasiland::Sandbox::builder().tools(tools).build().unwrap();
    /// assert_eq!(sb.run("quit7").exit_code, 7);
    /// assert_eq!(sb.run("/usr/bin/quit7 || echo $?").stdout, b"7\n");
    /// ```
    pub fn tools(mut self, tools: ToolRegistry) -> Self {
        self.tools = Some(tools);
        self
    }

    /// Load the standard tools from this directory of built fixtures
    /// ([`crate::Guests::in_dir`]); [`build`](Self::build) fails with
    /// [`FsError::Guests`] if it holds none. Without this or
    /// [`tools`](Self::tools), the guests are [`crate::Guests::locate`]'s.
    ///
    /// ```no_run
    /// let sb = wasiland::Sandbox::builder().fixtures("/opt/wasiland/fixtures").build().unwrap();
    /// # drop(sb);
    /// ```
    pub fn fixtures(mut self, dir: impl Into<PathBuf>) -> Self {
        self.fixtures = Some(dir.into());
        self
    }

    /// Set an environment variable of the session (exported).
    ///
    /// ```
    /// let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).env("GREETING", "hi").build().unwrap();
    /// assert_eq!(sb.run("echo $GREETING $HOME").stdout, b"hi /home/user\n");
    /// ```
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Initial working directory (created if missing). Default `/home/user`.
    ///
    /// ```
    /// let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).cwd("/work").build().unwrap();
    /// assert_eq!(sb.run("pwd").stdout, b"/work\n");
    /// ```
    pub fn cwd(mut self, dir: &str) -> Self {
        self.cwd = dir.into();
        self
    }

    /// Resource limits.
    ///
    /// ```
    /// use std::time::Duration;
    /// let limits = wasiland::Limits { timeout: Some(Duration::from_millis(200)), ..Default::default() };
    /// let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).limits(limits).build().unwrap();
    /// let r = sb.run("while true; do :; done");
    /// assert_eq!(r.exit_code, 124);
    /// assert_eq!(r.limit.unwrap().kind, wasiland::LimitKind::Timeout);
    /// ```
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Trace every syscall of every process into `sink`.
    ///
    /// ```no_run
    /// let sb = wasiland::Sandbox::builder()
    ///     .trace(std::sync::Arc::new(|line: &str| eprintln!("[trace] {line}")))
    ///     .build()
    ///     .unwrap();
    /// # drop(sb);
    /// ```
    pub fn trace(mut self, sink: Arc<dyn TraceSink>) -> Self {
        self.trace = Some(sink);
        self
    }

    /// Clock for guests and file timestamps.
    ///
    /// ```
    /// let clock = std::sync::Arc::new(wasiland_wasi_host::SystemClock::new());
    /// let sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).clock(clock).build().unwrap();
    /// # drop(sb);
    /// ```
    pub fn clock(mut self, clock: Arc<dyn WasiClock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Give guests a deterministic random source seeded with `seed`
    /// (`random_get`, `/dev/urandom`): runs repeat exactly. Not
    /// cryptographic.
    ///
    /// ```no_run
    /// let mut a = wasiland::Sandbox::builder().random_seed(7).build().unwrap();
    /// let mut b = wasiland::Sandbox::builder().random_seed(7).build().unwrap();
    /// let cmd = "head -c 8 /dev/urandom | od -An -tx1";
    /// assert_eq!(a.run(cmd).stdout, b.run(cmd).stdout);
    /// ```
    pub fn random_seed(mut self, seed: u64) -> Self {
        self.random = Some(Arc::new(wasiland_wasi_host::SeededRandom::new(seed)));
        self
    }

    /// Start tools that support it (python3) from a pre-initialised
    /// start-up image (default on; `WASILAND_NO_IMAGES=1` turns the default
    /// off).
    ///
    /// ```no_run
    /// // Every python3 pays the full interpreter start-up (for measurements).
    /// let sb = wasiland::Sandbox::builder().start_images(false).build().unwrap();
    /// # drop(sb);
    /// ```
    pub fn start_images(mut self, on: bool) -> Self {
        self.images = on;
        self
    }

    /// Offer the embedder's own host functions to every process of the
    /// sandbox, next to preview1 and `wasiland_v1.spawn`: guests import
    /// them by module and name (see [`HostFunctions`] for what a function
    /// gets and what happens when it fails).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wasiland::{HostFunctions, Sandbox, ToolRegistry};
    /// use wasmi::{FuncType, Val, ValType};
    ///
    /// // `host.log(ptr, len)`: the guest hands the embedder a message.
    /// let log = Arc::new(Mutex::new(Vec::<String>::new()));
    /// let sink = log.clone();
    /// let mut host = HostFunctions::new();
    /// host.define("host", "log", FuncType::new([ValType::I32, ValType::I32], []),
    ///     move |caller, params, _results| {
    ///         let (Val::I32(ptr), Val::I32(len)) = (&params[0], &params[1]) else { unreachable!() };
    ///         let memory = caller.get_export("memory").and_then(|e| e.into_memory())
    ///             .ok_or_else(|| wasmi::Error::new("no memory"))?;
    ///         let mut text = vec![0; *len as usize];
    ///         memory.read(&caller, *ptr as usize, &mut text).map_err(|e| wasmi::Error::new(e.to_string()))?;
    ///         sink.lock().unwrap().push(String::from_utf8_lossy(&text).into_owned());
    ///         Ok(())
    ///     })?;
    ///
    /// let mut tools = ToolRegistry::new();
    /// tools.register_bytes("hello", wat::parse_str(r#"(module
    ///     (import "host" "log" (func $log (param i32 i32)))
    ///     (memory (export "memory") 1)
    ///     (data (i32.const 8) "hello, host")
    ///     (func (export "_start") (call $log (i32.const 8) (i32.const 11))))"#)?);
    /// let mut sb = Sandbox::builder().tools(tools).host_functions(host).build()?;
    /// assert_eq!(sb.run("hello && hello").exit_code, 0);
    /// assert_eq!(*log.lock().unwrap(), ["hello, host", "hello, host"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn host_functions(mut self, functions: HostFunctions) -> Self {
        self.host_functions = functions;
        self
    }

    /// Create the sandbox with the conventional tree: `/home/user` (HOME and
    /// cwd), `/tmp`, `/usr/bin` (a stub per tool), `/bin` -> `usr/bin`,
    /// `/etc`, `/root`, `/dev/null`, `/dev/zero`, `/dev/urandom`.
    ///
    /// ```
    /// let sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// let names: Vec<String> = sb.list_dir("/").unwrap().into_iter().map(|e| e.name).collect();
    /// assert_eq!(names, ["home", "tmp", "usr", "etc", "root", "dev", "var", "bin"]);
    /// ```
    pub fn build(self) -> Result<Sandbox, FsError> {
        let tools = match (self.tools, self.fixtures) {
            (Some(t), _) => t,
            (None, Some(dir)) => Guests::in_dir(&dir)?.tools(),
            (None, None) => Guests::locate()?.tools(),
        };
        let clock: Arc<dyn WasiClock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock::new()));
        let mut vfs = Vfs::with_clock(Arc::new(VfsClock(clock.clone())));
        vfs.set_quotas(self.limits.quotas());
        conventional_tree(&mut vfs, &tools, &self.cwd)?;
        let mut env: Vec<(String, String)> = vec![
            ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
            ("HOME".into(), "/home/user".into()),
            ("USER".into(), "user".into()),
            ("LOGNAME".into(), "user".into()),
            ("SHELL".into(), "/bin/bash".into()),
            ("TMPDIR".into(), "/tmp".into()),
            ("LANG".into(), "C.UTF-8".into()),
        ];
        for (k, v) in self.env {
            env.retain(|(name, _)| *name != k);
            env.push((k, v));
        }
        let mut shell = ShellState::new(&self.cwd, env);
        shell.set_cwd(&self.cwd);
        let budget = MemoryBudget::new(BudgetScope::Sandbox, self.limits.sandbox_memory);
        let exec = ExecEnv {
            runtime: self.runtime.unwrap_or_else(shared_runtime),
            tools,
            vfs: SharedVfs::new(vfs),
            limits: self.limits,
            interrupt: Interrupt::new(),
            hits: Arc::new(Mutex::new(Vec::new())),
            trace: self.trace,
            clock,
            images: self.images,
            spawn_depth: 0,
            random: self
                .random
                .unwrap_or_else(|| Arc::new(wasiland_wasi_host::OsRandom)),
            budget,
            host_functions: self.host_functions,
        };
        Ok(Sandbox {
            exec,
            shell,
            current: Arc::new(Mutex::new(Interrupt::new())),
        })
    }
}

/// Adapts a WASI clock to the VFS timestamp clock.
pub(crate) struct VfsClock(pub(crate) Arc<dyn WasiClock>);

impl wasiland_vfs::Clock for VfsClock {
    fn now_ns(&self) -> u64 {
        self.0.realtime().max(1)
    }
}

fn vfs_err(path: &str) -> impl Fn(VfsError) -> FsError + '_ {
    move |kind| FsError::Vfs {
        path: path.to_string(),
        kind,
    }
}

/// The directories and files every new sandbox has.
fn conventional_tree(vfs: &mut Vfs, tools: &ToolRegistry, cwd: &str) -> Result<(), FsError> {
    for dir in [
        "/home/user",
        "/tmp",
        "/usr/bin",
        "/usr/local/bin",
        "/etc",
        "/root",
        "/dev",
        "/var/tmp",
    ] {
        vfs.create_dir_all(dir).map_err(vfs_err(dir))?;
    }
    let root = vfs.root();
    for sticky in ["tmp", "var/tmp"] {
        let ino = vfs.resolve(root, sticky, true).map_err(vfs_err(sticky))?;
        vfs.set_mode(ino, 0o1777).map_err(vfs_err(sticky))?;
    }
    vfs.symlink("usr/bin", root, "bin")
        .map_err(vfs_err("/bin"))?;
    for (name, dev) in [
        ("null", Device::Null),
        ("zero", Device::Zero),
        ("urandom", Device::Random),
        ("random", Device::Random),
    ] {
        vfs.mknod(root, &format!("dev/{name}"), dev)
            .map_err(vfs_err(name))?;
    }
    vfs.write_file("/etc/hostname", &b"wasiland\n"[..])
        .map_err(vfs_err("/etc/hostname"))?;
    vfs.write_file(
        "/etc/passwd",
        &b"root:x:0:0:root:/root:/bin/bash\nuser:x:1000:1000:user:/home/user:/bin/bash\n"[..],
    )
    .map_err(vfs_err("/etc/passwd"))?;
    // After the files above, so a cwd naming one of them is refused.
    match vfs.create_dir_all(cwd) {
        Err(VfsError::AlreadyExists) => Err(VfsError::NotADirectory),
        other => other,
    }
    .map_err(vfs_err(cwd))?;
    let mut names: Vec<String> = tools.names().map(String::from).collect();
    // The shell itself answers to these.
    names.extend(["sh", "bash"].map(String::from));
    for name in names {
        let path = format!("/usr/bin/{name}");
        vfs.write_file(&path, tools::stub_contents(&name))
            .map_err(vfs_err(&path))?;
        let ino = vfs
            .resolve(root, &path[1..], true)
            .map_err(vfs_err(&path))?;
        vfs.set_mode(ino, 0o755).map_err(vfs_err(&path))?;
    }
    Ok(())
}

/// Captures one stream of a run under the run's output budget and
/// optionally forwards it as it comes.
struct RunOutput {
    capture: Arc<CaptureOutput>,
    budget: Arc<OutputBudget>,
    /// Keep bytes in `capture` (else they only go to the callback).
    keep: bool,
    kind: OutputKind,
    callback: Option<OutputCallback>,
}

impl OutputStream for RunOutput {
    fn write(
        &self,
        data: &[u8],
        nonblocking: bool,
        interrupt: &Interrupt,
    ) -> Result<usize, StreamError> {
        let allowed = &data[..self.budget.take(data.len() as u64) as usize];
        if self.keep && !allowed.is_empty() {
            self.capture.write(allowed, nonblocking, interrupt)?;
        }
        if let Some(cb) = &self.callback {
            if !allowed.is_empty() {
                cb(self.kind, allowed);
            }
        }
        if allowed.len() < data.len() {
            Err(StreamError::LimitExceeded)
        } else {
            Ok(data.len())
        }
    }
}

impl Sandbox {
    /// Start building a sandbox.
    ///
    /// ```no_run
    /// let sb = wasiland::Sandbox::builder().env("LANG", "C.UTF-8").cwd("/work").build().unwrap();
    /// # drop(sb);
    /// ```
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// Run a command line (bash syntax) with empty stdin. The session
    /// persists: cwd, variables and functions carry over to the next run.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.run("cd /tmp; greet() { echo \"hi $1\"; }");
    /// let r = sb.run("greet $(pwd)");
    /// assert_eq!(r.stdout, b"hi /tmp\n");
    /// ```
    pub fn run(&mut self, command: &str) -> RunResult {
        self.run_with(command, RunOptions::default())
    }

    /// Run a command line with options (stdin, streaming callback).
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// let r = sb.run_with("while read a b; do echo $b $a; done", wasiland::RunOptions::with_stdin("1 2\n3 4\n"));
    /// assert_eq!(r.stdout, b"2 1\n4 3\n");
    /// ```
    pub fn run_with(&mut self, command: &str, options: RunOptions) -> RunResult {
        let budget = OutputBudget::new(self.exec.limits.output.unwrap_or(u64::MAX));
        let out = CaptureOutput::new();
        let err = CaptureOutput::new();
        let stream = |capture: &Arc<CaptureOutput>, kind| {
            Stdio::Output(Arc::new(RunOutput {
                capture: capture.clone(),
                budget: budget.clone(),
                keep: options.capture,
                kind,
                callback: options.on_output.clone(),
            }))
        };
        let stdio = [
            options.stdin.clone(),
            stream(&out, OutputKind::Stdout),
            stream(&err, OutputKind::Stderr),
        ];
        let started = Instant::now();
        let exit_code = self.run_stdio(command, stdio);
        let mut limits_hit = self.take_hits();
        if budget.exceeded() && !limits_hit.iter().any(|h| h.kind == LimitKind::Output) {
            limits_hit.push(LimitHit {
                kind: LimitKind::Output,
                process: "sh".into(),
            });
        }
        RunResult {
            exit_code,
            stdout: out.take(),
            stderr: err.take(),
            truncated: budget.exceeded(),
            limit: limits_hit.first().cloned(),
            limits_hit,
            duration: started.elapsed(),
        }
    }

    /// Run a command line on the given fds 0, 1, 2 (e.g. the terminal);
    /// returns the exit status. Limits hit are available from
    /// [`Sandbox::take_hits`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use wasiland_wasi_host::{CaptureOutput, Stdio};
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// let out = CaptureOutput::new();
    /// let status = sb.run_stdio("echo to-fd-1", [Stdio::Null, Stdio::Output(out.clone()), Stdio::Null]);
    /// assert_eq!((status, out.contents()), (0, b"to-fd-1\n".to_vec()));
    /// ```
    pub fn run_stdio(&mut self, command: &str, stdio: [Stdio; 3]) -> i32 {
        let interrupt = Interrupt::new();
        interrupt.set_deadline(self.exec.limits.timeout.map(|t| Instant::now() + t));
        self.exec.interrupt = interrupt.clone();
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = interrupt;
        shell::run_script(&mut self.shell, &self.exec, command, stdio)
    }

    /// Limits hit since the last call (or run); [`Sandbox::run_with`]
    /// already collects them into its [`RunResult`].
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.run_stdio("true", [wasiland_wasi_host::Stdio::Null, wasiland_wasi_host::Stdio::Null, wasiland_wasi_host::Stdio::Null]);
    /// assert!(sb.take_hits().is_empty());
    /// ```
    pub fn take_hits(&self) -> Vec<LimitHit> {
        std::mem::take(&mut *self.exec.hits.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// A handle that cancels the command this sandbox is running, from
    /// another thread.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// let cancel = sb.cancel_handle();
    /// std::thread::spawn(move || {
    ///     std::thread::sleep(std::time::Duration::from_millis(100));
    ///     cancel.cancel();
    /// });
    /// assert_eq!(sb.run("while true; do :; done").exit_code, 130);
    /// assert_eq!(sb.run("echo next").stdout, b"next\n");
    /// ```
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle {
            current: self.current.clone(),
        }
    }

    /// The shell session (cwd, variables).
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.run("cd /tmp; export N=5");
    /// assert_eq!((sb.shell().cwd(), sb.shell().var("N")), ("/tmp", Some("5")));
    /// ```
    pub fn shell(&self) -> &ShellState {
        &self.shell
    }

    /// Mutable shell session.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.shell_mut().export("TOKEN", "abc");
    /// assert_eq!(sb.run("echo $TOKEN").stdout, b"abc\n");
    /// ```
    pub fn shell_mut(&mut self) -> &mut ShellState {
        &mut self.shell
    }

    /// The sandbox's filesystem, shared with its processes.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// let vfs = sb.vfs().lock();
    /// assert!(vfs.usage().inodes > 10);
    /// ```
    pub fn vfs(&self) -> &SharedVfs {
        &self.exec.vfs
    }

    /// The limits in force.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// assert_eq!(sb.limits().open_files, 1024);
    /// ```
    pub fn limits(&self) -> &Limits {
        &self.exec.limits
    }

    /// Change the limits for later runs.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.set_limits(wasiland::Limits { output: Some(4), ..Default::default() });
    /// let r = sb.run("echo 123456789");
    /// assert_eq!((r.stdout.as_slice(), r.truncated), (&b"1234"[..], true));
    /// ```
    pub fn set_limits(&mut self, limits: Limits) {
        self.exec.vfs.lock().set_quotas(limits.quotas());
        self.exec.budget.set_limit(limits.sandbox_memory);
        self.exec.limits = limits;
    }

    fn absolute(&self, path: &str) -> String {
        crate::exec::absolute(self.shell.cwd(), path)
    }

    /// Write a file. Relative paths are taken from the session's cwd.
    /// `data` may be borrowed (`&[u8]`, `&str`, `&Vec<u8>`: copied once) or
    /// owned (`Vec<u8>`, `String`, `Bytes`: shared, not copied); see
    /// [`IntoBytes`](wasiland_vfs::IntoBytes).
    ///
    /// Missing parent directories are created first (`mkdir -p`), unlike
    /// [`Vfs::write_file`](wasiland_vfs::Vfs::write_file), the
    /// filesystem's primitive, which wants the parent to exist as
    /// `open(O_CREAT)` does: an embedder putting input files in place
    /// should not have to make their directories one by one.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.write_file("/data/in.txt", "hello\n").unwrap();
    /// assert_eq!(sb.run("read x < /data/in.txt; echo $x").stdout, b"hello\n");
    /// let rows: Vec<u8> = b"b\na\n".to_vec();
    /// sb.write_file("rows.txt", &rows[..]).unwrap();      // borrowed slice
    /// sb.write_file("rows2.txt", rows).unwrap();          // moved Vec
    /// assert_eq!(sb.read_file("rows.txt").unwrap(), sb.read_file("rows2.txt").unwrap());
    /// ```
    pub fn write_file(
        &mut self,
        path: &str,
        data: impl wasiland_vfs::IntoBytes,
    ) -> Result<(), FsError> {
        let abs = self.absolute(path);
        let mut vfs = self.exec.vfs.lock();
        if let Some((parent, _)) = abs.rsplit_once('/') {
            if !parent.is_empty() {
                vfs.create_dir_all(parent).map_err(vfs_err(&abs))?;
            }
        }
        vfs.write_file(&abs, data).map_err(vfs_err(&abs))
    }

    /// Read a whole file.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.run("echo made-inside > out.txt");
    /// assert_eq!(sb.read_file("/home/user/out.txt").unwrap(), b"made-inside\n");
    /// ```
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>, FsError> {
        let abs = self.absolute(path);
        self.exec
            .vfs
            .lock()
            .read_file(&abs)
            .map(|b| b.to_vec())
            .map_err(vfs_err(&abs))
    }

    /// Names and types in a directory (without `.` and `..`), in creation order.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.write_file("d/a", "").unwrap();
    /// sb.run("echo > d/b");
    /// let names: Vec<String> = sb.list_dir("d").unwrap().into_iter().map(|e| e.name).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn list_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let abs = self.absolute(path);
        self.exec.vfs.lock().list_dir(&abs).map_err(vfs_err(&abs))
    }

    /// `mkdir -p`.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.create_dir_all("/srv/app/logs").unwrap();
    /// assert_eq!(sb.run("cd /srv/app/logs && pwd").stdout, b"/srv/app/logs\n");
    /// ```
    pub fn create_dir_all(&mut self, path: &str) -> Result<(), FsError> {
        let abs = self.absolute(path);
        self.exec
            .vfs
            .lock()
            .create_dir_all(&abs)
            .map_err(vfs_err(&abs))
    }

    /// `rm -r` (missing paths are an error).
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.write_file("/tmp/x/y.txt", "").unwrap();
    /// sb.remove("/tmp/x").unwrap();
    /// assert!(sb.read_file("/tmp/x/y.txt").is_err());
    /// ```
    pub fn remove(&mut self, path: &str) -> Result<(), FsError> {
        let abs = self.absolute(path);
        self.exec.vfs.lock().remove_all(&abs).map_err(vfs_err(&abs))
    }

    /// Copy a host directory tree into the sandbox at `guest` (files,
    /// directories and symlinks; symlinks are never followed out of the
    /// tree; FIFOs, sockets and devices are skipped and listed in the
    /// result). All or nothing; the host directory is only read. See
    /// [`Vfs::import_host_dir`].
    ///
    /// ```no_run
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.import_host_dir(std::path::Path::new("./project"), "/work").unwrap();
    /// ```
    pub fn import_host_dir(&mut self, host: &Path, guest: &str) -> Result<CopyStats, FsError> {
        let abs = self.absolute(guest);
        let mut vfs = self.exec.vfs.lock();
        vfs.create_dir_all(&abs).map_err(vfs_err(&abs))?;
        Ok(vfs.import_host_dir(host, &abs)?)
    }

    /// Copy a sandbox subtree out to a host directory (merged into it if it
    /// exists; never writing outside it), atomically: on failure the host
    /// is unchanged. See [`Vfs::export_to_host`].
    ///
    /// ```no_run
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.run("mkdir -p out && echo done > out/report.txt");
    /// sb.export("out", std::path::Path::new("/tmp/report")).unwrap();
    /// ```
    pub fn export(&self, guest: &str, host: &Path) -> Result<CopyStats, FsError> {
        let abs = self.absolute(guest);
        Ok(self.exec.vfs.lock().export_to_host(&abs, host)?)
    }

    /// A copy of the filesystem and session to [`Sandbox::restore`] later
    /// (copy-on-write: file data is shared, not copied).
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.run("echo v1 > f; X=1");
    /// let snap = sb.snapshot();
    /// sb.run("echo v2 > f; X=2; cd /tmp");
    /// sb.restore(&snap);
    /// assert_eq!(sb.run("read l < f; echo $l $X; pwd").stdout, b"v1 1\n/home/user\n");
    /// ```
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            vfs: self.exec.vfs.lock().fork(),
            shell: self.shell.clone(),
        }
    }

    /// Go back to a snapshot (of this or any sandbox); see [`Sandbox::snapshot`].
    pub fn restore(&mut self, snapshot: &Snapshot) {
        *self.exec.vfs.lock() = snapshot.vfs.fork();
        self.shell = snapshot.shell.clone();
    }

    /// An independent sandbox starting from this one's state, sharing the
    /// runtime, the tools and (copy-on-write) the file data.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.run("echo base > f");
    /// let mut other = sb.fork();
    /// other.run("echo changed > f");
    /// assert_eq!(sb.read_file("f").unwrap(), b"base\n");
    /// assert_eq!(other.read_file("f").unwrap(), b"changed\n");
    /// ```
    pub fn fork(&self) -> Sandbox {
        let mut exec = self.exec.clone();
        exec.vfs = SharedVfs::new(self.exec.vfs.lock().fork());
        exec.hits = Arc::new(Mutex::new(Vec::new()));
        exec.interrupt = Interrupt::new();
        exec.budget = MemoryBudget::new(BudgetScope::Sandbox, self.exec.limits.sandbox_memory);
        Sandbox {
            exec,
            shell: self.shell.clone(),
            current: Arc::new(Mutex::new(Interrupt::new())),
        }
    }
}
