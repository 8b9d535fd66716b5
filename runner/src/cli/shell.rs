//! `wasiland shell`: an interactive session with line editing and history.
//!
//! Like bash at a prompt: Ctrl-C stops the running command (status 130)
//! and returns to the prompt; a limit hit ends the command, not the
//! session; `--timeout` bounds each command (none by default). The
//! session's files, variables and history survive all of these.

use super::common::SandboxArgs;
use super::{host_stdio, text};
use clap::Args;
use rustyline::error::ReadlineError;
use std::path::PathBuf;
use wasiland::{LimitKind, Sandbox};
use wasiland_wasi_host::Stdio;

#[derive(Args)]
#[command(after_help = "Examples:
  wasiland shell
  wasiland shell --mount .:/work --workdir /work --timeout 300

Ctrl-C stops the running command and returns to the prompt (pressed three
times while a command does not stop, it ends the session); Ctrl-D or `exit`
ends the session.")]
pub struct ShellArgs {
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// History file [default: ~/.wasiland_history].
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
}

pub fn run(args: ShellArgs) -> i32 {
    // An interactive command runs until the user stops it, unless asked.
    let mut sb = match args.sandbox.sandbox(super::common::untimed_defaults()) {
        Ok(sb) => sb,
        Err(e) => {
            text::error(&e);
            return 2;
        }
    };
    let mut editor = match rustyline::DefaultEditor::new() {
        Ok(e) => e,
        Err(e) => {
            text::error(&format!("cannot start line editing: {e}"));
            return 1;
        }
    };
    let history = args.history.or_else(|| {
        std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".wasiland_history"))
    });
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    let ctrl_c = match ctrl_c::CtrlC::install(sb.cancel_handle()) {
        Ok(c) => Some(c),
        Err(e) => {
            text::error(&format!("Ctrl-C will end the session: {e}"));
            None
        }
    };
    let mut status = 0;
    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() {
            // The directory's name is the guest's choice.
            format!("user@wasiland:{}$ ", text::escape(sb.shell().cwd()))
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
                // Saved now: the history survives however the session ends.
                if let Some(h) = &history {
                    let _ = editor.save_history(h);
                }
                let stopped;
                (status, stopped) = run_command(&mut sb, &script, ctrl_c.as_ref());
                if sb.shell().exit_requested() && !stopped {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {
                pending.clear();
                status = 130;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                text::error(&e.to_string());
                status = 1;
                break;
            }
        }
    }
    status
}

/// Runs one command on the terminal; returns its status and whether it
/// was stopped (Ctrl-C or its timeout) rather than ending by itself.
fn run_command(sb: &mut Sandbox, script: &str, ctrl_c: Option<&ctrl_c::CtrlC>) -> (i32, bool) {
    if let Some(c) = ctrl_c {
        c.arm();
    }
    let stdio = [
        host_stdio::stdin(),
        Stdio::Output(host_stdio::stdout()),
        Stdio::Output(host_stdio::stderr()),
    ];
    let status = sb.run_stdio(script, stdio);
    let hits = sb.take_hits();
    let cancelled = ctrl_c.is_some_and(|c| c.pressed());
    if cancelled {
        // The terminal echoed ^C; the prompt starts on a line of its own.
        eprintln!();
    }
    super::run::report_hits(&hits);
    let timed_out = hits.iter().any(|h| h.kind == LimitKind::Timeout);
    (status, cancelled || timed_out)
}

#[cfg(unix)]
mod ctrl_c {
    use signal_hook::consts::SIGINT;
    use signal_hook::iterator::Signals;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    use wasiland::CancelHandle;

    /// Presses of Ctrl-C during one command after which the session ends
    /// (a command that does not stop must not keep the terminal).
    const PRESSES_TO_QUIT: u32 = 3;

    /// SIGINT (Ctrl-C while a command has the terminal) cancels the
    /// sandbox's running command instead of ending the CLI. At the prompt
    /// the line editor reads Ctrl-C as a key, so no signal comes then.
    pub(super) struct CtrlC {
        presses: Arc<AtomicU32>,
    }

    impl CtrlC {
        pub(super) fn install(cancel: CancelHandle) -> std::io::Result<CtrlC> {
            let presses = Arc::new(AtomicU32::new(0));
            let mut signals = Signals::new([SIGINT])?;
            let counter = presses.clone();
            std::thread::Builder::new()
                .name("wasiland:ctrl-c".into())
                .spawn(move || {
                    for _ in signals.forever() {
                        cancel.cancel();
                        if counter.fetch_add(1, Ordering::SeqCst) + 1 >= PRESSES_TO_QUIT {
                            eprintln!("\nwasiland: the command does not stop; ending the session");
                            std::process::exit(130);
                        }
                    }
                })?;
            Ok(CtrlC { presses })
        }

        /// A new command starts: no presses yet.
        pub(super) fn arm(&self) {
            self.presses.store(0, Ordering::SeqCst);
        }

        /// Whether Ctrl-C was pressed since [`CtrlC::arm`].
        pub(super) fn pressed(&self) -> bool {
            self.presses.load(Ordering::SeqCst) > 0
        }
    }
}

#[cfg(not(unix))]
mod ctrl_c {
    /// Without Unix signals Ctrl-C keeps its default meaning (the CLI ends).
    pub(super) struct CtrlC;

    impl CtrlC {
        pub(super) fn install(_cancel: wasiland::CancelHandle) -> std::io::Result<CtrlC> {
            Err(std::io::Error::other("not supported on this system"))
        }
        pub(super) fn arm(&self) {}
        pub(super) fn pressed(&self) -> bool {
            false
        }
    }
}
