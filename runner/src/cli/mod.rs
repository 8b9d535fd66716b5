//! Command-line front end: `wasiland wasm`, `wasiland run`, `wasiland shell`,
//! `wasiland mcp`.
//!
//! Flags come before the command (or module): the first word that is not a
//! flag starts it, and everything from there on belongs to it, so a typo in
//! a flag is an "unexpected argument" error rather than a command, and a
//! guest's own `--help` reaches the guest.

mod common;
mod host_stdio;
#[cfg(feature = "mcp")]
mod mcp;
mod parse;
mod run;
mod shell;
mod text;
mod version;
mod wasm;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "wasiland",
    version,
    about = "A portable WASI sandbox: wasm32-wasip1 programs in the wasmi interpreter over an in-memory filesystem",
    after_help = "Examples:
  wasiland run 'echo hello | tr a-z A-Z'
  wasiland run --mount ./data:/data --timeout 10 -- 'python3 /data/report.py'
  wasiland shell --mount .:/work --workdir /work
  wasiland wasm --dir .::/ program.wasm --its-own-flag"
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
    /// Serve MCP (stdio, or Streamable HTTP with --http): agents run commands and Python in sandboxes.
    #[cfg(feature = "mcp")]
    Mcp(mcp::McpArgs),
}

/// Parse the command line and run it; the exit code is the guest's.
pub fn main() -> ExitCode {
    if version::requested() {
        print!("{}", version::text());
        return ExitCode::SUCCESS;
    }
    let command = Cli::command();
    #[cfg(feature = "mcp")]
    let command = command.mut_subcommand("mcp", mcp::help_with_server_defaults);
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let status = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Shell(args) => shell::run(args),
        Command::Wasm(args) => wasm::run(args),
        #[cfg(feature = "mcp")]
        Command::Mcp(args) => mcp::run(args),
    };
    ExitCode::from(u8::try_from(status.clamp(0, 255)).unwrap_or(255))
}
