//! `wasiland wasm`: run one module like `wasmtime run` does, over a fresh
//! in-memory filesystem into which each `--dir` is copied.

use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use wasiland::{run_module, ProcessConfig, Runtime};
use wasiland_vfs::Vfs;
use wasiland_wasi_host::{ReaderInput, SharedVfs, Stdio, WasiCtx, WriterOutput};

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
    /// Wall-clock limit in seconds (exit status 124).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Instruction budget (wasmi fuel); exit status 137 when spent.
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Linear memory limit in bytes (K/M/G suffixes allowed).
    #[arg(long = "memory-limit", value_name = "BYTES", value_parser = super::parse_bytes)]
    memory_limit: Option<u64>,
    /// Limit on file bytes in the sandbox filesystem.
    #[arg(long = "fs-limit", value_name = "BYTES", value_parser = super::parse_bytes)]
    fs_limit: Option<u64>,
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
    let runtime = Runtime::new();
    let module = match runtime.module_from_file(&args.module) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("wasiland: {e}");
            return 126;
        }
    };
    let mut vfs = Vfs::new();
    if let Some(bytes) = args.fs_limit {
        vfs.set_limits(wasiland_vfs::Limits {
            max_bytes: Some(bytes),
            max_inodes: None,
        });
    }
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
    let mut builder = WasiCtx::builder(shared.clone())
        .arg(args.module.to_string_lossy().as_bytes())
        .args(args.args.iter())
        .stdin(Stdio::Input(Arc::new(ReaderInput::new(
            std::io::stdin(),
            std::io::stdin().is_terminal(),
        ))))
        .stdout(Stdio::Output(Arc::new(WriterOutput::new(
            std::io::stdout(),
            std::io::stdout().is_terminal(),
        ))))
        .stderr(Stdio::Output(Arc::new(WriterOutput::new(
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
    if args.trace {
        builder = builder.trace(Arc::new(|line: &str| eprintln!("[trace] {line}")));
    }
    let wasi = builder.build();
    if let Some(secs) = args.timeout {
        if !(secs.is_finite() && secs >= 0.0) {
            eprintln!("wasiland: --timeout wants a number of seconds, got {secs}");
            return 2;
        }
        wasi.interrupt().set_deadline(Some(
            std::time::Instant::now() + std::time::Duration::from_secs_f64(secs),
        ));
    }
    let exit = run_module(
        &runtime,
        &module,
        wasi,
        &ProcessConfig {
            fuel: args.fuel,
            max_memory: args.memory_limit,
        },
    );
    if let Some(msg) = &exit.message {
        eprintln!("wasiland: {}: {msg}", args.module.display());
    }
    exit.status
}
