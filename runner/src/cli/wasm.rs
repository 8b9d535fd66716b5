//! `wasiland wasm`: run one module like `wasmtime run` does, over a fresh
//! in-memory filesystem into which each `--dir` is copied.

use super::{common, host_stdio, parse, text};
use clap::Args;
use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;
use wasiland::{run_module, ProcessConfig, Runtime};
use wasiland_vfs::Vfs;
use wasiland_wasi_host::{
    BudgetScope, LimitedOutput, MemoryBudget, OutputBudget, OutputStream, SharedVfs, Stdio, WasiCtx,
};

#[derive(Args)]
#[command(after_help = "Examples:
  wasiland wasm hello.wasm
  wasiland wasm --dir ./data::/data --env LANG=C.UTF-8 grep.wasm -r pattern /data
  wasiland wasm --timeout 5 --fuel 1000000000 untrusted.wasm --help

Everything after MODULE is the guest's (its --help included). The exit
status is the guest's (134 for a trap, 137 when killed by a limit, 124 for
--timeout, 126 when the module cannot be loaded or linked).")]
pub struct WasmArgs {
    /// Add NAME=VALUE to the guest's environment (the guest sees only
    /// these); `--env NAME` alone passes the host's value of NAME, if any.
    #[arg(long = "env", value_name = "NAME[=VALUE]", value_parser = parse::parse_env)]
    env: Vec<(String, Option<String>)>,
    /// Copy host directory HOST into the sandbox at GUEST and preopen it
    /// (the host directory is only read; `--dir DIR` is `DIR::DIR`).
    #[arg(long = "dir", value_name = "HOST::GUEST")]
    dirs: Vec<String>,
    /// Print every syscall with its arguments and result on stderr.
    #[arg(long)]
    trace: bool,
    /// Seed for a deterministic random source (`random_get`).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    seed: Option<u64>,
    #[command(flatten)]
    limits: common::LimitArgs,
    /// The module file, then the guest's arguments (argv[1..]).
    #[arg(required = true, trailing_var_arg = true, value_name = "MODULE [ARGS]")]
    module_and_args: Vec<OsString>,
}

/// Exit status when the module cannot be run at all (as a shell's 126).
const CANNOT_RUN: i32 = 126;

/// Where a `--dir` guest path lives in the VFS: absolute paths as given,
/// relative ones (`.`, `data`) under the root.
fn vfs_location(guest: &str) -> String {
    parse::sandbox_path("/", guest)
}

/// A module that cannot be loaded, in plain words: the parser's message
/// for a file that is not WebAssembly at all (a text file, say) lists
/// both magic numbers as multi-line arrays.
fn module_error(e: &wasiland::ModuleError) -> String {
    match e {
        wasiland::ModuleError::Invalid { name, message }
            if message.starts_with("magic header not detected") =>
        {
            format!("{name}: not a WebAssembly module (it does not start with the WebAssembly magic number; text format is not accepted)")
        }
        e => e.to_string(),
    }
}

pub fn run(args: WasmArgs) -> i32 {
    // Only an explicit --timeout bounds a single module run, as in wasmtime.
    let limits = args.limits.limits(common::untimed_defaults());
    let Some(module_path) = args.module_and_args.first() else {
        text::error("no module given");
        return 2;
    };
    let module_path = Path::new(module_path);
    let runtime = Runtime::new();
    let module = match runtime.compile_file(module_path) {
        Ok(m) => m,
        Err(e) => {
            text::error(&module_error(&e));
            return CANNOT_RUN;
        }
    };
    let mut vfs = Vfs::new();
    vfs.set_quotas(limits.quotas());
    let mut preopens = Vec::new();
    for spec in &args.dirs {
        let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
        let location = vfs_location(guest);
        match vfs.import_host_dir(Path::new(host), &location) {
            Ok(stats) => common::report_skipped("--dir", &stats),
            Err(e) => {
                text::error(&format!("cannot copy {host} into the sandbox: {e}"));
                return 1;
            }
        }
        preopens.push((guest.to_string(), location));
    }
    let shared = SharedVfs::new(vfs);
    let argv: Vec<&[u8]> = args
        .module_and_args
        .iter()
        .map(|a| a.as_encoded_bytes())
        .collect();
    let env: Vec<(&String, &String)> = args
        .env
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
    // Each string with its NUL, as the guest's args_sizes_get counts them.
    let argv_size = argv
        .iter()
        .map(|a| a.len())
        .chain(env.iter().map(|(k, v)| k.len() + v.len() + 1))
        .try_fold(0usize, |sum, n| sum.checked_add(n)?.checked_add(1));
    if argv_size.is_none_or(|n| n > limits.args_bytes) {
        text::error(&format!(
            "argument list too long (more than the limit of {} bytes)",
            limits.args_bytes
        ));
        return CANNOT_RUN;
    }
    let budget = OutputBudget::new(limits.output.unwrap_or(u64::MAX));
    let limited = |stream: Arc<dyn OutputStream>| -> Stdio {
        Stdio::Output(Arc::new(LimitedOutput::new(stream, budget.clone())))
    };
    // One process: the sandbox's budget and the process's, as a sandbox
    // gives each process it starts.
    let sandbox = MemoryBudget::new(BudgetScope::Sandbox, limits.sandbox_memory);
    let mut builder = WasiCtx::builder(shared.clone())
        .budget(sandbox.child(BudgetScope::Process, limits.memory))
        .args(argv)
        .max_fds(limits.open_files)
        .stdin(host_stdio::stdin())
        .stdout(limited(host_stdio::stdout()))
        .stderr(limited(host_stdio::stderr()));
    for (k, v) in env {
        builder = builder.env(k, v);
    }
    for (name, location) in &preopens {
        let ino = {
            let vfs = shared.lock();
            let relative = location.trim_start_matches('/');
            if relative.is_empty() {
                Ok(vfs.root())
            } else {
                vfs.resolve(vfs.root(), relative, true)
            }
        };
        let ino = match ino {
            Ok(ino) => ino,
            Err(e) => {
                text::error(&format!("cannot preopen {location}: {}", e.message()));
                return 1;
            }
        };
        builder = builder.preopen(name.clone(), ino);
    }
    if let Some(seed) = args.seed {
        builder = builder.random(Arc::new(wasiland_wasi_host::SeededRandom::new(seed)));
    }
    if args.trace {
        builder = builder.trace(Arc::new(|line: &str| {
            eprintln!("[trace] {}", text::escape(line))
        }));
    }
    let wasi = builder.build();
    if let Some(t) = limits.timeout {
        wasi.interrupt()
            .set_deadline(Some(std::time::Instant::now() + t));
    }
    let exit = run_module(
        &module,
        wasi,
        &ProcessConfig {
            fuel: limits.fuel,
            ..Default::default()
        },
    );
    if let Some(msg) = &exit.message {
        text::error(&format!("{}: {msg}", module_path.display()));
    }
    exit.status
}
