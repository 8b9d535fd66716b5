//! `wasiland run`: run one command line in a fresh sandbox.

use super::common::SandboxArgs;
use clap::Args;
use std::io::{IsTerminal, Read, Write};
use std::sync::Arc;
use wasiland::{OutputKind, RunOptions};
use wasiland_wasi_host::{ReaderInput, Stdio};

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// After the run, copy sandbox directory GUEST out to host directory HOST.
    #[arg(long = "export", value_name = "GUEST:HOST")]
    exports: Vec<String>,
    /// Print {"exit_code", "stdout", "stderr", ...} as JSON instead of streaming.
    #[arg(long)]
    json: bool,
    /// The command line (bash syntax).
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

pub fn run(args: RunArgs) -> i32 {
    let mut sb = match args.sandbox.sandbox() {
        Ok(sb) => sb,
        Err(e) => {
            eprintln!("wasiland: {e}");
            return 2;
        }
    };
    let command = args.command.join(" ");
    let stdin_is_tty = std::io::stdin().is_terminal();
    let result = if args.json {
        // Whole stdin first (nothing when it is a terminal), output captured.
        let mut input = Vec::new();
        if !stdin_is_tty {
            if let Err(e) = std::io::stdin().read_to_end(&mut input) {
                eprintln!("wasiland: cannot read stdin: {e}");
                return 1;
            }
        }
        sb.run_with(&command, RunOptions::with_stdin(input))
    } else {
        let options = RunOptions {
            stdin: Stdio::Input(Arc::new(ReaderInput::new(std::io::stdin(), stdin_is_tty))),
            on_output: Some(Arc::new(|kind: OutputKind, data: &[u8]| {
                let _ = match kind {
                    OutputKind::Stdout => std::io::stdout()
                        .lock()
                        .write_all(data)
                        .and_then(|_| std::io::stdout().flush()),
                    OutputKind::Stderr => std::io::stderr().lock().write_all(data),
                };
            })),
            capture: false,
        };
        sb.run_with(&command, options)
    };
    for e in &args.exports {
        let Some((guest, host)) = e.split_once(':') else {
            eprintln!("wasiland: --export wants GUEST:HOST, got {e:?}");
            return 2;
        };
        if let Err(err) = sb.export(guest, std::path::Path::new(host)) {
            eprintln!("wasiland: cannot export {guest} to {host}: {err}");
            return 1;
        }
    }
    if args.json {
        let json = serde_json::json!({
            "exit_code": result.exit_code,
            "stdout": String::from_utf8_lossy(&result.stdout),
            "stderr": String::from_utf8_lossy(&result.stderr),
            "truncated": result.truncated,
            "limit": result.limit.as_ref().map(|h| serde_json::json!({"kind": h.kind.name(), "process": h.process})),
            "duration_ms": result.duration.as_secs_f64() * 1000.0,
        });
        println!("{json}");
    } else if let Some(hit) = &result.limit {
        eprintln!("wasiland: {} limit hit by {}", hit.kind.name(), hit.process);
    }
    result.exit_code
}
