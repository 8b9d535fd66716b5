//! Finding and starting programs: the process-manager half of the runner.
//! The shell decides *what* to run (builtins, functions, pipelines); this
//! module resolves a command name to a program and runs a WebAssembly
//! program as a process on its own thread.

use crate::image::{CaptureError, Image};
use crate::limits::{LimitHit, LimitKind, Limits};
use crate::process::{self, run_reserved, Entry, ProcessConfig, ProcessExit};
use crate::runtime::{CompiledModule, Runtime};
use crate::tools::{self, LazyModule, ModuleSource, Tool, ToolRegistry};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use wasiland_vfs::{FileType, VfsError};
use wasiland_wasi_host::{
    BudgetScope, Interrupt, MemoryBudget, RandomSource, SharedVfs, Stdio, TraceSink, WasiClock,
    WasiCtx,
};

/// Exit status of a run, job or process ended by an internal error of the
/// host (a panic; `EX_SOFTWARE`).
pub const INTERNAL_ERROR_STATUS: i32 = 70;

/// Run `f`, turning a panic in it into its message. The last line of
/// defence on every thread that runs guest work or shell text: a bug of
/// the host (or a panicking embedder callback) ends that run, not the
/// embedding process.
pub(crate) fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|payload| wasiland_wasi_host::panic_message(&*payload))
}

/// Run shell work `f` on the current thread; a panic in it becomes
/// [`INTERNAL_ERROR_STATUS`] and a message on `stderr`.
pub(crate) fn guard_shell(stderr: Option<&Stdio>, f: impl FnOnce() -> i32) -> i32 {
    catch_panic(f).unwrap_or_else(|message| {
        if let Some(stderr) = stderr {
            let line = format!("wasiland: internal error: {message}\n");
            // The stream may be what panicked (an embedder's callback).
            let _ = catch_panic(|| stderr.write_all(line.as_bytes(), &Interrupt::new()));
        }
        INTERNAL_ERROR_STATUS
    })
}

/// The most distinct limit hits one run records.
pub const MAX_LIMIT_HITS: usize = 32;

/// Everything the processes of one sandbox share.
#[derive(Clone)]
pub struct ExecEnv {
    pub runtime: Runtime,
    pub tools: ToolRegistry,
    pub vfs: SharedVfs,
    pub limits: Limits,
    /// Ends every process of the current run (deadline, cancellation).
    pub interrupt: Interrupt,
    /// Limits hit during the current run, in order.
    pub hits: Arc<Mutex<Vec<LimitHit>>>,
    /// Syscall trace for every process, if wanted.
    pub trace: Option<Arc<dyn TraceSink>>,
    /// Clock for guests.
    pub clock: Arc<dyn WasiClock>,
    /// Start modules that support it from a pre-initialised image
    /// (see [`crate::image`]).
    pub images: bool,
    /// How many `wasiland_v1.spawn` calls deep this environment runs
    /// (0 for commands of the shell itself).
    pub spawn_depth: usize,
    /// Source of `random_get` for guests (the OS generator unless a seeded
    /// one was asked for).
    pub random: Arc<dyn RandomSource>,
    /// Host memory the sandbox's guests hold (see
    /// [`wasiland_wasi_host::budget`]); each process charges a child of it.
    pub budget: MemoryBudget,
    /// The embedder's host functions, offered to every process.
    pub host_functions: crate::HostFunctions,
}

/// Deepest chain of guests spawning guests (`xargs` running `find -exec`
/// running `python3` running `subprocess` ...), whatever the shell depth.
const MAX_SPAWN_DEPTH: usize = 16;

impl crate::spawn::Spawner for ExecEnv {
    fn spawn(
        &self,
        argv: Vec<String>,
        env: Vec<(String, String)>,
        cwd: String,
        stdio: [Stdio; 3],
    ) -> Result<i32, wasiland_wasi_host::Errno> {
        if self.spawn_depth >= MAX_SPAWN_DEPTH.min(self.limits.shell_depth) {
            self.record_hit(
                LimitKind::ShellDepth,
                argv.first().map_or("", String::as_str),
            );
            return Err(wasiland_wasi_host::Errno::Again);
        }
        let mut child = self.clone();
        child.spawn_depth += 1;
        Ok(crate::shell::run_argv(&child, argv, env, &cwd, stdio))
    }

    fn max_request_bytes(&self) -> usize {
        self.limits
            .args_bytes
            .saturating_add(crate::spawn::MAX_CWD_BYTES)
    }
}

/// A runnable program found for a command name.
#[derive(Clone)]
pub enum Program {
    /// A registered tool (also what `/usr/bin/NAME` stubs stand for).
    Tool(Arc<Tool>),
    /// A `.wasm` file inside the sandbox.
    Module {
        path: String,
        module: Arc<LazyModule>,
    },
    /// A script starting with `#!INTERPRETER [ARG]`; run as
    /// `INTERPRETER [ARG] PATH ARGS...`.
    Shebang {
        interpreter: String,
        arg: Option<String>,
        path: String,
    },
    /// A text file without `#!` (bash runs those as shell scripts), or a
    /// `#!/bin/sh`/`#!/bin/bash` script.
    ShellScript { path: String },
}

/// Why a command could not be started, with bash's wording and status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    /// `foo: command not found` (127)
    CommandNotFound,
    /// `./foo: No such file or directory` (127)
    NoSuchFile,
    /// `./dir: Is a directory` (126)
    IsDirectory,
    /// `./file: Permission denied` (126)
    PermissionDenied,
    /// `./bad.wasm: cannot execute binary file: ...` (126)
    CannotExecute(String),
}

impl ResolveError {
    pub fn exit_status(&self) -> i32 {
        match self {
            ResolveError::CommandNotFound | ResolveError::NoSuchFile => 127,
            _ => 126,
        }
    }

    /// The message bash prints (without the `bash: ` prefix).
    pub fn message(&self, name: &str) -> String {
        match self {
            ResolveError::CommandNotFound => format!("{name}: command not found"),
            ResolveError::NoSuchFile => format!("{name}: No such file or directory"),
            ResolveError::IsDirectory => format!("{name}: Is a directory"),
            ResolveError::PermissionDenied => format!("{name}: Permission denied"),
            ResolveError::CannotExecute(why) => {
                format!("{name}: cannot execute binary file: {why}")
            }
        }
    }
}

/// Join `path` onto `cwd` (both absolute results), without resolving `..`.
pub fn absolute(cwd: &str, path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else if cwd.ends_with('/') {
        format!("{cwd}{path}")
    } else {
        format!("{cwd}/{path}")
    }
}

/// A request to start a process.
pub struct SpawnRequest {
    /// argv; argv[0] is replaced by the tool's own argv0 for tools.
    pub argv: Vec<String>,
    /// The complete environment (PWD is set to `cwd` regardless).
    pub env: Vec<(String, String)>,
    /// Working directory (absolute).
    pub cwd: String,
    /// fds 0, 1, 2.
    pub stdio: [Stdio; 3],
}

/// A started process.
pub struct Child {
    name: String,
    thread: Option<JoinHandle<ProcessExit>>,
    done: Option<ProcessExit>,
}

impl Child {
    fn finished(name: String, exit: ProcessExit) -> Child {
        Child {
            name,
            thread: None,
            done: Some(exit),
        }
    }

    /// The command name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Wait for the process to end.
    pub fn wait(mut self) -> ProcessExit {
        if let Some(done) = self.done.take() {
            return done;
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(exit)) => exit,
            _ => ProcessExit::failed(
                INTERNAL_ERROR_STATUS,
                "internal error: process thread panicked",
            ),
        }
    }
}

impl ExecEnv {
    /// Resolve a command name as bash would: a name with `/` is a path
    /// (relative to `cwd`), anything else is looked up in `path_var`.
    pub fn resolve(
        &self,
        name: &str,
        cwd: &str,
        path_var: &str,
    ) -> Result<(String, Program), ResolveError> {
        if name.is_empty() {
            return Err(ResolveError::CommandNotFound);
        }
        if name.contains('/') {
            let abs = absolute(cwd, name);
            return self.program_at(&abs, true).map(|p| (abs, p));
        }
        for dir in path_var.split(':') {
            let dir = if dir.is_empty() { "." } else { dir };
            let candidate = absolute(&absolute(cwd, dir), name);
            match self.program_at(&candidate, false) {
                Ok(p) => return Ok((candidate, p)),
                Err(ResolveError::NoSuchFile) | Err(ResolveError::IsDirectory) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(ResolveError::CommandNotFound)
    }

    /// What the file at absolute path `abs` runs as.
    pub fn program_at(&self, abs: &str, explicit: bool) -> Result<Program, ResolveError> {
        let vfs = self.vfs.lock();
        let rel = abs.trim_start_matches('/');
        let meta = if rel.is_empty() {
            vfs.stat(vfs.root()).map_err(|_| ResolveError::NoSuchFile)?
        } else {
            vfs.stat_path(vfs.root(), rel, true).map_err(|e| match e {
                VfsError::NotFound | VfsError::NotADirectory | VfsError::SymlinkLoop => {
                    ResolveError::NoSuchFile
                }
                _ => ResolveError::PermissionDenied,
            })?
        };
        if meta.file_type == FileType::Directory {
            return Err(ResolveError::IsDirectory);
        }
        if meta.mode & 0o111 == 0 || meta.file_type != FileType::Regular {
            return Err(ResolveError::PermissionDenied);
        }
        let data = vfs
            .contents(meta.ino)
            .map_err(|_| ResolveError::PermissionDenied)?;
        drop(vfs);
        let _ = explicit;
        if let Some(tool) = tools::stub_target(&data) {
            return self
                .tools
                .get(tool)
                .map(Program::Tool)
                .ok_or(ResolveError::CannotExecute(format!(
                    "tool {tool} is not installed"
                )));
        }
        if data.starts_with(b"\0asm") {
            return Ok(Program::Module {
                path: abs.to_string(),
                module: LazyModule::new(abs, ModuleSource::Guest(data)),
            });
        }
        if let Some(rest) = data.strip_prefix(b"#!") {
            let line_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let line = String::from_utf8_lossy(&rest[..line_end])
                .trim()
                .to_string();
            let mut parts = line.splitn(2, char::is_whitespace);
            let interpreter = parts.next().unwrap_or("").to_string();
            let arg = parts
                .next()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            let base = interpreter.rsplit('/').next().unwrap_or("");
            let shell_arg = arg.as_deref().is_none_or(|a| matches!(a, "sh" | "bash"));
            if matches!(base, "sh" | "bash")
                || (base == "env"
                    && arg.as_deref().is_some_and(|a| a == "sh" || a == "bash")
                    && shell_arg)
            {
                return Ok(Program::ShellScript {
                    path: abs.to_string(),
                });
            }
            return Ok(Program::Shebang {
                interpreter,
                arg,
                path: abs.to_string(),
            });
        }
        Ok(Program::ShellScript {
            path: abs.to_string(),
        })
    }

    /// Record a limit hit for the run's result: once per limit and
    /// process, and at most [`MAX_LIMIT_HITS`] of them (a loop refused
    /// a million times must not grow the list, nor the CLI's report).
    pub fn record_hit(&self, kind: LimitKind, process: &str) {
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        if hits.len() < MAX_LIMIT_HITS
            && !hits.iter().any(|h| h.kind == kind && h.process == process)
        {
            hits.push(LimitHit {
                kind,
                process: process.to_string(),
            });
        }
    }

    /// Start a WebAssembly program as a process on its own thread.
    pub fn spawn(
        &self,
        name: &str,
        module: &Arc<LazyModule>,
        argv0: Option<&str>,
        req: SpawnRequest,
    ) -> Child {
        let mut argv = req.argv;
        if let (Some(a0), Some(first)) = (argv0, argv.first_mut()) {
            *first = a0.to_string();
        }
        let mut env: Vec<(String, String)> =
            req.env.into_iter().filter(|(k, _)| k != "PWD").collect();
        env.push(("PWD".to_string(), req.cwd.clone()));
        let size: usize = argv.iter().map(|a| a.len() + 1).sum::<usize>()
            + env
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>();
        if size > self.limits.args_bytes {
            self.record_hit(LimitKind::ArgsBytes, name);
            return Child::finished(
                name.to_string(),
                ProcessExit {
                    limit: Some(LimitKind::ArgsBytes),
                    ..ProcessExit::failed(126, "Argument list too long")
                },
            );
        }
        // Everything the process holds for its life is reserved before it
        // is compiled or started; its memories grow against the rest.
        let budget = self.budget.child(BudgetScope::Process, self.limits.memory);
        let refused = |env: &ExecEnv, refusal: &wasiland_wasi_host::BudgetExceeded| {
            let exit = ProcessExit::not_started(refusal);
            env.record_hit(LimitKind::of_budget(refusal.scope), name);
            Child::finished(name.to_string(), exit)
        };
        let mut reserved = match process::reserve_before_compile(&budget, module.code_cost()) {
            Ok(c) => c,
            Err(e) => return refused(self, &e),
        };
        let lazy = module.clone();
        let module = match module.get(&self.runtime) {
            Ok(m) => m,
            Err(e) => {
                return Child::finished(name.to_string(), ProcessExit::failed(126, e));
            }
        };
        if let Err(e) = process::reserve_instance(&mut reserved, &module) {
            return refused(self, &e);
        }
        let root = self.vfs.lock().root();
        let [stdin, stdout, stderr] = req.stdio;
        let mut builder = WasiCtx::builder(self.vfs.clone())
            .args(argv.iter())
            .stdin(stdin)
            .stdout(stdout)
            .stderr(stderr)
            .preopen("/", root)
            .clock(self.clock.clone())
            .random(self.random.clone())
            .interrupt(self.interrupt.clone())
            .max_fds(self.limits.open_files)
            .budget(budget);
        for (k, v) in &env {
            builder = builder.env(k, v);
        }
        if let Some(t) = &self.trace {
            builder = builder.trace(t.clone());
        }
        let wasi = builder.build();
        let config = ProcessConfig {
            fuel: self.limits.fuel,
            spawner: Some(Arc::new(self.clone())),
            host_functions: self.host_functions.clone(),
        };
        let env = self.clone();
        let pname = name.to_string();
        let thread = std::thread::Builder::new()
            .name(format!("wasiland:{name}"))
            .stack_size(8 << 20)
            .spawn(move || {
                let exit = catch_panic(|| env.run_process(&lazy, &module, wasi, &config, reserved))
                    .unwrap_or_else(|message| {
                        ProcessExit::failed(
                            INTERNAL_ERROR_STATUS,
                            format!("internal error: {message}"),
                        )
                    });
                for kind in exit.limit.iter().chain(&exit.refused) {
                    env.record_hit(*kind, &pname);
                }
                exit
            });
        match thread {
            Ok(t) => Child {
                name: name.to_string(),
                thread: Some(t),
                done: None,
            },
            Err(e) => Child::finished(
                name.to_string(),
                ProcessExit::failed(126, format!("cannot start a thread: {e}")),
            ),
        }
    }

    /// The body of a process thread: its start-up image if it has one,
    /// the process itself, and the filesystem quotas it ran into.
    fn run_process(
        &self,
        lazy: &LazyModule,
        module: &CompiledModule,
        wasi: WasiCtx,
        config: &ProcessConfig,
        reserved: wasiland_wasi_host::Charge,
    ) -> ProcessExit {
        let before = self.vfs.lock().quota_refusals();
        let image = if self.images {
            lazy.image(&self.runtime, |m| capture_template(m, self, wasi.budget()))
        } else {
            None
        };
        let entry = match &image {
            Some(image) => Entry::Image(image),
            None => Entry::Start,
        };
        let mut exit = run_reserved(module, wasi, config, entry, reserved);
        // Quotas answer ENOSPC/EDQUOT and the guest decides how to fail;
        // the run still reports which limit was hit. (With several
        // processes writing at once the attribution is to whichever ran
        // while the refusal happened.)
        let after = self.vfs.lock().quota_refusals();
        if after.bytes != before.bytes {
            exit.refused.push(LimitKind::FsBytes);
        }
        if after.inodes != before.inodes {
            exit.refused.push(LimitKind::FsInodes);
        }
        exit
    }
}

/// Capture a module's start-up image in a template process: no arguments
/// but its name, an empty environment, null stdio and the same descriptor
/// layout every process has (stdio, then `/` preopened at fd 3), over an
/// empty filesystem of its own; bounded by the run's deadline (or
/// [`crate::image::IMAGE_TIME`]), [`crate::image::IMAGE_FUEL`] and
/// [`crate::image::MAX_IMAGE_MEMORY`], its memory charged to the process
/// that asked (`budget`).
fn capture_template(
    module: &CompiledModule,
    env: &ExecEnv,
    budget: &MemoryBudget,
) -> Result<Image, CaptureError> {
    let vfs = SharedVfs::new(wasiland_vfs::Vfs::with_clock(Arc::new(
        crate::sandbox::VfsClock(env.clock.clone()),
    )));
    let root = vfs.lock().root();
    let ctx = WasiCtx::builder(vfs)
        .arg("python3")
        .preopen("/", root)
        .clock(env.clock.clone())
        .interrupt(Image::template_interrupt(&env.interrupt))
        .budget(budget.child(BudgetScope::Process, Some(crate::image::MAX_IMAGE_MEMORY)))
        .build();
    Image::capture(module, ctx, &env.interrupt)
}
