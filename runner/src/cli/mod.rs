//! Command-line front end: `wasiland wasm`, `wasiland run`, `wasiland shell`.

mod common;
mod run;
mod shell;
mod wasm;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "wasiland",
    version,
    about = "A portable WASI sandbox: wasm32-wasip1 programs in the wasmi interpreter over an in-memory filesystem"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a command line (bash syntax) in a fresh sandbox.
    Run(run::RunArgs),
    /// An interactive shell in a fresh sandbox.
    Shell(shell::ShellArgs),
    /// Run one WebAssembly module, with `wasmtime run`'s flags.
    Wasm(wasm::WasmArgs),
}

/// Parse the command line and run it; the exit code is the guest's.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let status = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Shell(args) => shell::run(args),
        Command::Wasm(args) => wasm::run(args),
    };
    ExitCode::from(status.clamp(0, 255) as u8)
}

/// Split `NAME=VALUE`.
pub(crate) fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got {s:?}")),
    }
}

/// Parse a byte count with an optional K/M/G suffix (powers of 1024).
pub(crate) fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.eq_ignore_ascii_case(&'k') => (&t[..i], 1u64 << 10),
        Some((i, c)) if c.eq_ignore_ascii_case(&'m') => (&t[..i], 1 << 20),
        Some((i, c)) if c.eq_ignore_ascii_case(&'g') => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("expected a byte count like 1048576, 512K, 64M or 2G, got {s:?}"))
}
