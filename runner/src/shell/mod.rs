//! The bash-compatible shell. INTERFACE STUB: the shell engineer replaces
//! the internals; `ShellState`'s public methods and `run_script` are the
//! contract with `sandbox.rs` and the CLI.

use crate::exec::ExecEnv;
use std::collections::BTreeMap;
use wasiland_wasi_host::Stdio;

/// Everything a shell session keeps between commands: variables (and
/// which are exported), functions, options, positional parameters, cwd,
/// last exit status. `Clone` gives a subshell's copy; `Send` so pipeline
/// stages can run it on other threads.
#[derive(Clone, Debug)]
pub struct ShellState {
    cwd: String,
    vars: BTreeMap<String, String>,
    last_status: i32,
}

impl ShellState {
    /// A session in `cwd` with `env` as its exported variables.
    pub fn new(cwd: &str, env: impl IntoIterator<Item = (String, String)>) -> Self {
        ShellState { cwd: cwd.to_string(), vars: env.into_iter().collect(), last_status: 0 }
    }

    /// The working directory (absolute).
    pub fn cwd(&self) -> &str {
        &self.cwd
    }

    /// Change the working directory without checks (embedders; `cd` checks).
    pub fn set_cwd(&mut self, cwd: &str) {
        self.cwd = cwd.to_string();
        self.vars.insert("PWD".into(), cwd.to_string());
    }

    /// A variable's value.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Set and export a variable.
    pub fn export(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_string(), value.to_string());
    }

    /// The environment a child process gets.
    pub fn exported_env(&self) -> Vec<(String, String)> {
        self.vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// `$?`.
    pub fn last_status(&self) -> i32 {
        self.last_status
    }

    /// Whether the session ran `exit` (the interactive shell then ends).
    pub fn exit_requested(&self) -> bool {
        false
    }
}

/// Whether `text` is an incomplete command (open quote, heredoc, `if`
/// without `fi`, trailing `|` or `\`): the interactive shell then reads
/// another line before running it.
pub fn needs_more_input(text: &str) -> bool {
    let _ = text;
    false
}

/// Run `script` (any bash text) in `state` with the given fds 0, 1, 2;
/// returns the exit status. Never panics on bad input: syntax errors are
/// reported on fd 2 with status 2, like bash.
pub fn run_script(state: &mut ShellState, exec: &ExecEnv, script: &str, stdio: [Stdio; 3]) -> i32 {
    let _ = (exec, script);
    let msg = b"wasiland: the shell is not implemented yet\n";
    let _ = stdio[2].write_all(msg, &exec.interrupt);
    state.last_status = 2;
    2
}
