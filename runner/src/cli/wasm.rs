//! `wasiland wasm`: run one module like `wasmtime run` does, over a fresh
//! in-memory filesystem into which each `--dir` is copied.

use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use wasiland::{run_module, ProcessConfig, Runtime};
use wasiland_vfs::Vfs;
use wasiland_wasi_host::{
    LimitedOutput, OutputBudget, OutputStream, ReaderInput, SharedVfs, Stdio, WasiCtx, WriterOutput,
};

#[derive(Args)]
pub struct WasmArgs {
    /// Add NAME=VALUE to the guest's environment (the guest sees only these).
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = super::parse_env)]
    env: Vec<(String, String)>,
    /// Copy host directory HOST into the sandbox at GUEST and preopen it
    /// (the host directory is never modified).
    #[arg(long = "dir", value_name = "HOST::GUEST")]
    dirs: Vec<String>,
    /// Print every syscall with its arguments and result on stderr.
    #[arg(long)]
    trace: bool,
    /// Seed for a deterministic random source (`random_get`).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    #[command(flatten)]
    limits: super::common::LimitArgs,
    /// The module to run.
    module: PathBuf,
    /// Arguments passed to the guest (argv[1..]).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Where a `--dir` guest path lives in the VFS: absolute paths as given,
/// relative ones (`.`, `data`) under the root.
fn vfs_location(guest: &str) -> String {
    let trimmed = guest.trim_start_matches("./");
    if trimmed.starts_with('/') {
        trimmed.to_string()
    } else if trimmed.is_empty() || trimmed == "." {
        "/".to_string()
    } else {
        format!("/{trimmed}")
    }
}

pub fn run(args: WasmArgs) -> i32 {
    let limits = match args.limits.limits() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("wasiland: {e}");
            return 2;
        }
    };
    let runtime = Runtime::new();
    let module = match runtime.module_from_file(&args.module) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("wasiland: {e}");
            return 126;
        }
    };
    let mut vfs = Vfs::new();
    vfs.set_limits(wasiland_vfs::Limits {
        max_bytes: limits.fs_bytes,
        max_inodes: limits.fs_inodes,
    });
    let mut preopens = Vec::new();
    for spec in &args.dirs {
        let (host, guest) = match spec.split_once("::") {
            Some((h, g)) => (h, g),
            None => (spec.as_str(), spec.as_str()),
        };
        let location = vfs_location(guest);
        if let Err(e) = vfs.create_dir_all(&location) {
            eprintln!("wasiland: cannot create {location} in the sandbox: {e:?}");
            return 1;
        }
        if let Err(e) = vfs.import_host_dir(std::path::Path::new(host), &location) {
            eprintln!("wasiland: cannot copy {host} into the sandbox: {e}");
            return 1;
        }
        preopens.push((guest.to_string(), location));
    }
    let shared = SharedVfs::new(vfs);
    let argv_size: usize = std::iter::once(args.module.to_string_lossy().len())
        .chain(args.args.iter().map(String::len))
        .chain(args.env.iter().map(|(k, v)| k.len() + v.len() + 1))
        .map(|n| n + 1)
        .sum();
    if argv_size > limits.args_bytes {
        eprintln!(
            "wasiland: argument list too long ({argv_size} bytes, limit {})",
            limits.args_bytes
        );
        return 126;
    }
    let budget = OutputBudget::new(limits.output.unwrap_or(u64::MAX));
    let terminal_out = |stream: Arc<dyn OutputStream>| -> Stdio {
        Stdio::Output(Arc::new(LimitedOutput::new(stream, budget.clone())))
    };
    let mut builder = WasiCtx::builder(shared.clone())
        .arg(args.module.to_string_lossy().as_bytes())
        .args(args.args.iter())
        .max_fds(limits.open_files)
        .stdin(Stdio::Input(Arc::new(ReaderInput::new(
            std::io::stdin(),
            std::io::stdin().is_terminal(),
        ))))
        .stdout(terminal_out(Arc::new(WriterOutput::new(
            std::io::stdout(),
            std::io::stdout().is_terminal(),
        ))))
        .stderr(terminal_out(Arc::new(WriterOutput::new(
            std::io::stderr(),
            std::io::stderr().is_terminal(),
        ))));
    for (k, v) in &args.env {
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
                eprintln!("wasiland: cannot preopen {location}: {e:?}");
                return 1;
            }
        };
        builder = builder.preopen(name.clone(), ino);
    }
    if let Some(seed) = args.seed {
        builder = builder.random(Arc::new(wasiland_wasi_host::SeededRandom::new(seed)));
    }
    if args.trace {
        builder = builder.trace(Arc::new(|line: &str| eprintln!("[trace] {line}")));
    }
    let wasi = builder.build();
    // Only an explicit --timeout bounds a single module run.
    if let Some(t) = args.limits.timeout.and(limits.timeout) {
        wasi.interrupt()
            .set_deadline(Some(std::time::Instant::now() + t));
    }
    let exit = run_module(
        &runtime,
        &module,
        wasi,
        &ProcessConfig {
            fuel: limits.fuel,
            max_memory: limits.memory,
            ..Default::default()
        },
    );
    if let Some(msg) = &exit.message {
        eprintln!("wasiland: {}: {msg}", args.module.display());
    }
    exit.status
}
