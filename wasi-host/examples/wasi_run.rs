//! The smallest embedder of `wasiland-wasi-host`: a stock `wasmi` engine,
//! the preview1 table from [`add_to_linker`], and an in-memory filesystem
//! holding copies of host directories. No runner, no shell, no limits: it
//! shows what the library alone gives a program that embeds it, and is how
//! the conformance matrix rates the library (`conformance/matrix.sh`).
//!
//! ```text
//! cargo run -p wasiland-wasi-host --example wasi_run -- \
//!     [--env NAME=VALUE]... [--dir HOST::GUEST]... MODULE.wasm [ARG]...
//! ```
//!
//! argv is `[MODULE, ARG...]`, the environment exactly the given one, each
//! `--dir` copied into the filesystem at GUEST and preopened from fd 3 in
//! the order given; stdin/stdout/stderr are the host's. The exit status is
//! the guest's (134 after a trap, 2 for a bad command line).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use wasiland_vfs::Vfs;
use wasiland_wasi_host::{add_to_linker, ReaderInput, SharedVfs, Stdio, WasiCtx, WriterOutput};

struct Command {
    env: Vec<(String, String)>,
    dirs: Vec<(String, String)>,
    argv: Vec<String>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut cmd = Command {
        env: Vec::new(),
        dirs: Vec::new(),
        argv: Vec::new(),
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--env" | "--dir" => {
                let value = args.next().ok_or(format!("{arg} needs a value"))?;
                if arg == "--env" {
                    let (k, v) = value
                        .split_once('=')
                        .ok_or(format!("--env wants NAME=VALUE, got {value:?}"))?;
                    cmd.env.push((k.into(), v.into()));
                } else {
                    let (host, guest) = value.split_once("::").unwrap_or((&value, &value));
                    cmd.dirs.push((host.into(), guest.into()));
                }
            }
            "--" => {}
            flag if flag.starts_with("--") && cmd.argv.is_empty() => {
                return Err(format!("unknown flag {flag}"))
            }
            _ => {
                cmd.argv.push(arg);
                cmd.argv.extend(args.by_ref());
            }
        }
    }
    if cmd.argv.is_empty() {
        return Err("missing MODULE".into());
    }
    Ok(cmd)
}

/// Build the guest's context: the copied directories, preopened in order.
fn context(cmd: &Command) -> Result<WasiCtx, String> {
    let mut vfs = Vfs::new();
    let mut preopens = Vec::new();
    for (host, guest) in &cmd.dirs {
        let at = format!("/{}", guest.trim_matches('/'));
        vfs.import_host_dir(Path::new(host), &at)
            .map_err(|e| format!("cannot copy {host}: {e}"))?;
        let ino = vfs.lookup(&at).map_err(|e| format!("{at}: {e}"))?;
        preopens.push((guest.clone(), ino));
    }
    let mut builder = WasiCtx::builder(SharedVfs::new(vfs))
        .args(&cmd.argv)
        .stdin(Stdio::Input(Arc::new(ReaderInput::new(
            std::io::stdin(),
            false,
        ))))
        .stdout(Stdio::Output(Arc::new(WriterOutput::new(
            std::io::stdout(),
            false,
        ))))
        .stderr(Stdio::Output(Arc::new(WriterOutput::new(
            std::io::stderr(),
            false,
        ))));
    for (k, v) in &cmd.env {
        builder = builder.env(k, v);
    }
    for (name, ino) in preopens {
        builder = builder.preopen(name, ino);
    }
    Ok(builder.build())
}

/// Run `_start`; the guest's exit status.
fn run(cmd: &Command) -> Result<i32, String> {
    let wasm = std::fs::read(&cmd.argv[0]).map_err(|e| format!("{}: {e}", cmd.argv[0]))?;
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, &wasm[..]).map_err(|e| e.to_string())?;
    let mut linker = wasmi::Linker::<WasiCtx>::new(&engine);
    add_to_linker(&mut linker).map_err(|e| e.to_string())?;
    let mut store = wasmi::Store::new(&engine, context(cmd)?);
    let outcome = linker
        .instantiate_and_start(&mut store, &module)
        .and_then(|instance| {
            instance
                .get_typed_func::<(), ()>(&store, "_start")?
                .call(&mut store, ())
        });
    match wasiland_wasi_host::run::exit_status(outcome) {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("wasi_run: {e}");
            Ok(134)
        }
    }
}

fn main() -> ExitCode {
    let status = parse(std::env::args().skip(1)).and_then(|cmd| run(&cmd));
    match status {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("wasi_run: {e}");
            ExitCode::from(2)
        }
    }
}
