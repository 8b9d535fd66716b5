//! `wasiland shell`: an interactive session with line editing and history.

use super::common::SandboxArgs;
use clap::Args;
use rustyline::error::ReadlineError;
use std::io::IsTerminal;
use std::sync::Arc;
use wasiland_wasi_host::{ReaderInput, Stdio, WriterOutput};

#[derive(Args)]
pub struct ShellArgs {
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// History file (default: ~/.wasiland_history).
    #[arg(long, value_name = "FILE")]
    history: Option<std::path::PathBuf>,
}

pub fn run(args: ShellArgs) -> i32 {
    let mut sb = match args.sandbox.sandbox() {
        Ok(sb) => sb,
        Err(e) => {
            eprintln!("wasiland: {e}");
            return 2;
        }
    };
    let mut editor = match rustyline::DefaultEditor::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("wasiland: cannot start line editing: {e}");
            return 1;
        }
    };
    let history = args.history.or_else(|| {
        std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".wasiland_history"))
    });
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    let mut status = 0;
    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() {
            format!("user@wasiland:{}$ ", sb.shell().cwd())
        } else {
            "> ".to_string()
        };
        match editor.readline(&prompt) {
            Ok(line) => {
                pending.push_str(&line);
                pending.push('\n');
                if wasiland::shell::needs_more_input(&pending) {
                    continue;
                }
                let script = std::mem::take(&mut pending);
                let _ = editor.add_history_entry(script.trim_end());
                let stdio = [
                    Stdio::Input(Arc::new(ReaderInput::new(
                        std::io::stdin(),
                        std::io::stdin().is_terminal(),
                    ))),
                    Stdio::Output(Arc::new(WriterOutput::new(
                        std::io::stdout(),
                        std::io::stdout().is_terminal(),
                    ))),
                    Stdio::Output(Arc::new(WriterOutput::new(
                        std::io::stderr(),
                        std::io::stderr().is_terminal(),
                    ))),
                ];
                status = sb.run_stdio(&script, stdio);
                for hit in sb.take_hits() {
                    eprintln!("wasiland: {} limit hit by {}", hit.kind.name(), hit.process);
                }
                if sb.shell().exit_requested() {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {
                pending.clear();
                status = 130;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("wasiland: {e}");
                status = 1;
                break;
            }
        }
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    status
}
