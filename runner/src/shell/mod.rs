//! The bash-compatible shell: what scripts and LLM-written command lines
//! use, interpreted over the sandbox's processes and filesystem.
//!
//! Module map:
//! - [`parse`]: adapter over `brush-parser` (programs, syntax errors worded
//!   like bash's) and the entry to our own parsers of words ([`word`]) and
//!   brace expansions ([`brace`]).
//! - [`expand`]: word expansion: braces, tilde, parameters, `$(...)`,
//!   arithmetic, IFS splitting, globbing, quote removal.
//! - [`arith`]: `$((...))`, `((...))`, `let` evaluation.
//! - [`pattern`]: shell patterns (`case`, `${V#p}`, `[[ == ]]`) and globs
//!   against the VFS.
//! - [`redirect`]: the fd table of a command and `>`, `<`, `2>&1`, heredocs...
//! - [`exec`]: the interpreter of the AST: lists, pipelines, compound
//!   commands, functions, simple commands, starting processes.
//! - [`builtins`]: builtin commands, one file per family.
//! - [`test_cmd`]: `test`, `[` and `[[ ]]`.

mod arith;
mod brace;
mod builtins;
pub use builtins::dirs::normalize as normalize_path;
mod exec;
mod expand;
mod memory;
mod parse;
mod pattern;
mod redirect;
mod script;
mod test_cmd;
#[cfg(test)]
mod tests;
mod word;

use crate::exec::ExecEnv;
use std::collections::BTreeMap;
use std::sync::Arc;
use wasiland_wasi_host::Stdio;

/// The value of a shell variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// A plain string.
    Str(String),
    /// An indexed array (sparse).
    Array(BTreeMap<usize, String>),
    /// An associative array (`declare -A`).
    Assoc(BTreeMap<String, String>),
}

impl Value {
    /// The value as a scalar (`$a` of an array is `${a[0]}`).
    pub(crate) fn scalar(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Array(a) => a.get(&0).map(String::as_str),
            Value::Assoc(m) => m.get("0").map(String::as_str),
        }
    }

    /// All elements, in index order.
    pub(crate) fn elements(&self) -> Vec<String> {
        match self {
            Value::Str(s) => vec![s.clone()],
            Value::Array(a) => a.values().cloned().collect(),
            Value::Assoc(m) => m.values().cloned().collect(),
        }
    }

    /// All keys, in order.
    pub(crate) fn keys(&self) -> Vec<String> {
        match self {
            Value::Str(_) => vec!["0".into()],
            Value::Array(a) => a.keys().map(|k| k.to_string()).collect(),
            Value::Assoc(m) => m.keys().cloned().collect(),
        }
    }
}

/// A shell variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Var {
    /// `None`: declared (e.g. `local x`) but unset.
    pub value: Option<Value>,
    pub exported: bool,
    pub readonly: bool,
    /// `declare -i`: assignments are evaluated arithmetically.
    pub integer: bool,
}

impl Var {
    fn new(value: Value) -> Var {
        Var {
            value: Some(value),
            exported: false,
            readonly: false,
            integer: false,
        }
    }
}

/// Shell options (`set -e` ...).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Options {
    pub errexit: bool,
    pub nounset: bool,
    pub xtrace: bool,
    pub pipefail: bool,
    pub noglob: bool,
    pub noclobber: bool,
    pub allexport: bool,
    pub nullglob: bool,
    pub failglob: bool,
    pub dotglob: bool,
    pub nocasematch: bool,
    pub globstar: bool,
    pub inherit_errexit: bool,
}

/// A function definition.
pub(crate) type Function = Arc<brush_parser::ast::FunctionBody>;

/// Everything a shell session keeps between commands: variables (and
/// which are exported), functions, options, positional parameters, cwd,
/// last exit status. `Clone` gives a subshell's copy; `Send` so pipeline
/// stages can run it on other threads.
#[derive(Clone, Debug)]
pub struct ShellState {
    cwd: String,
    pub(crate) vars: BTreeMap<String, Var>,
    pub(crate) functions: BTreeMap<String, Function>,
    pub(crate) positional: Vec<String>,
    /// `$0`.
    pub(crate) arg0: String,
    pub(crate) options: Options,
    pub(crate) last_status: i32,
    /// `trap` actions by condition (`EXIT`, `ERR`, signal names).
    pub(crate) traps: BTreeMap<String, String>,
    /// Saved variables of the active `local` scopes (innermost last).
    pub(crate) local_frames: Vec<Vec<(String, Option<Var>)>>,
    /// `$!` (a fake pid: background jobs run to completion).
    pub(crate) last_bg_pid: Option<u32>,
    /// State of `$RANDOM`.
    pub(crate) random_seed: u64,
    /// `getopts` position inside a bundled option argument (`-abc`).
    pub(crate) getopts_char: usize,
    /// Fake process id of this (sub)shell for `$$`/`$BASHPID`.
    pub(crate) pid: u32,
    /// The last script ended by `exit` (or `set -e`) rather than running out.
    pub(crate) exited: bool,
    /// `pushd`/`popd` stack (below the cwd, most recent first).
    pub(crate) dir_stack: Vec<String>,
    /// Pids of the background jobs not yet waited for (seen by subshells).
    pub(crate) bg_pids: Vec<u32>,
    /// The host memory this state holds, charged to the sandbox.
    pub(crate) mem: memory::StateMemory,
}

/// The fake process id of the top-level shell (`$$`).
pub(crate) const SHELL_PID: u32 = 4242;

impl ShellState {
    /// A session in `cwd` with `env` as its exported variables.
    pub fn new(cwd: &str, env: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut st = ShellState {
            cwd: cwd.to_string(),
            vars: BTreeMap::new(),
            functions: BTreeMap::new(),
            positional: Vec::new(),
            arg0: "bash".into(),
            options: Options::default(),
            last_status: 0,
            traps: BTreeMap::new(),
            local_frames: Vec::new(),
            last_bg_pid: None,
            random_seed: 0x2545_f491_4f6c_dd1d,
            getopts_char: 0,
            pid: SHELL_PID,
            exited: false,
            dir_stack: Vec::new(),
            bg_pids: Vec::new(),
            mem: memory::StateMemory::default(),
        };
        for (k, v) in env {
            st.vars.insert(
                k,
                Var {
                    value: Some(Value::Str(v)),
                    exported: true,
                    readonly: false,
                    integer: false,
                },
            );
        }
        st.set_default("IFS", " \t\n");
        st.set_default("OPTIND", "1");
        st.set_default("PS4", "+ ");
        st.set_default("BASH_VERSION", "5.2.15(1)-release");
        st.set_default("BASH", "/bin/bash");
        st.set_default("HOSTNAME", "wasiland");
        st.set_default("OSTYPE", "linux-gnu");
        st.set_default("HOSTTYPE", "wasm32");
        st.set_default("MACHTYPE", "wasm32-unknown-wasi");
        st.set_default("UID", "1000");
        st.set_default("EUID", "1000");
        st.set_default("PPID", "1");
        st.set_default("SHLVL", "1");
        if !st.vars.contains_key("PWD") {
            st.export("PWD", cwd);
        }
        st
    }

    fn set_default(&mut self, name: &str, value: &str) {
        self.vars
            .entry(name.to_string())
            .or_insert_with(|| Var::new(Value::Str(value.to_string())));
    }

    /// The working directory (absolute).
    pub fn cwd(&self) -> &str {
        &self.cwd
    }

    /// Change the working directory without checks (embedders; `cd` checks).
    pub fn set_cwd(&mut self, cwd: &str) {
        self.cwd = cwd.to_string();
        let exported = self.vars.get("PWD").is_none_or(|v| v.exported);
        let var = self
            .vars
            .entry("PWD".into())
            .or_insert_with(|| Var::new(Value::Str(String::new())));
        var.value = Some(Value::Str(cwd.to_string()));
        var.exported = exported;
    }

    /// A variable's value (the first element of an array).
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .and_then(|v| v.value.as_ref())
            .and_then(Value::scalar)
    }

    /// Set and export a variable.
    pub fn export(&mut self, name: &str, value: &str) {
        let var = self
            .vars
            .entry(name.to_string())
            .or_insert_with(|| Var::new(Value::Str(String::new())));
        var.value = Some(Value::Str(value.to_string()));
        var.exported = true;
    }

    /// Set a shell variable (not exported unless it already was). Fails
    /// on a readonly variable.
    pub fn set_var(&mut self, name: &str, value: &str) -> Result<(), String> {
        self.assign(name, Value::Str(value.to_string()))
    }

    /// Remove a variable. Fails on a readonly variable.
    pub fn unset_var(&mut self, name: &str) -> Result<(), String> {
        if self.vars.get(name).is_some_and(|v| v.readonly) {
            return Err(format!("{name}: cannot unset: readonly variable"));
        }
        self.vars.remove(name);
        Ok(())
    }

    /// The environment a child process gets.
    pub fn exported_env(&self) -> Vec<(String, String)> {
        self.vars
            .iter()
            .filter(|(_, v)| v.exported)
            .filter_map(|(k, v)| {
                v.value
                    .as_ref()
                    .and_then(Value::scalar)
                    .map(|s| (k.clone(), s.to_string()))
            })
            .collect()
    }

    /// Did the last [`run_script`] end with `exit` (or a `set -e`
    /// failure)? An interactive front end ends the session then.
    pub fn exit_requested(&self) -> bool {
        self.exited
    }

    /// `$?`.
    pub fn last_status(&self) -> i32 {
        self.last_status
    }

    /// Positional parameters `$1...`.
    pub fn positional(&self) -> &[String] {
        &self.positional
    }

    /// Replace the positional parameters (`set -- ...`).
    pub fn set_positional(&mut self, args: Vec<String>) {
        self.positional = args;
    }

    /// [`ShellState::set_positional`] for a script: what is stored is
    /// charged to the sandbox first.
    pub(crate) fn replace_positional(&mut self, args: Vec<String>) -> Result<(), String> {
        let size = args.iter().map(|a| a.len() as u64 + 64).sum();
        self.grow_memory(size)
            .map_err(|e| memory::refusal_message("positional parameters", Some(e.limit)))?;
        self.positional = args;
        Ok(())
    }

    /// Names of the defined functions.
    pub fn function_names(&self) -> impl Iterator<Item = &str> {
        self.functions.keys().map(String::as_str)
    }

    /// The body of function `name` as shell source (`{ ...; }`), which
    /// [`ShellState::define_function`] reads back (saved sessions).
    pub fn function_source(&self, name: &str) -> Option<String> {
        self.functions.get(name).map(|body| body.to_string())
    }

    /// Define (or replace) function `name` from the source of its body, as
    /// [`ShellState::function_source`] gives it. Nothing runs: text that is
    /// not exactly one definition of `name` is refused.
    pub fn define_function(&mut self, name: &str, body: &str) -> Result<(), String> {
        let program = parse::parse_program(&format!("{name} () {body}\n"))
            .map_err(|e| format!("function {name}: {}", e.message))?;
        let only = match program.complete_commands.as_slice() {
            [list] => match list.0.as_slice() {
                [item] if item.0.additional.is_empty() => match item.0.first.seq.as_slice() {
                    [brush_parser::ast::Command::Function(f)] if !item.0.first.bang => Some(f),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        match only {
            Some(f) if f.fname.value == name => {
                self.functions
                    .insert(name.to_string(), Arc::new(f.body.clone()));
                Ok(())
            }
            _ => Err(format!(
                "function {name}: the body is not one function definition"
            )),
        }
    }

    /// A fresh shell as a child process of this one would start: exported
    /// variables only, no functions, default options, same cwd.
    pub fn child_shell(&self) -> ShellState {
        let mut st = ShellState::new(&self.cwd, self.exported_env());
        st.random_seed = self
            .random_seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1);
        st.pid = self.pid.wrapping_add(1);
        if let Some(l) = self.var("SHLVL").and_then(|s| s.parse::<i64>().ok()) {
            st.export("SHLVL", &(l + 1).to_string());
        }
        st
    }

    /// Assign a value to a variable (honours readonly, `declare -i` is
    /// handled by the caller, allexport exports).
    pub(crate) fn assign(&mut self, name: &str, value: Value) -> Result<(), String> {
        if self.vars.get(name).is_some_and(|v| v.readonly) {
            return Err(format!("{name}: readonly variable"));
        }
        self.grow_memory(memory::value_size(&value) + name.len() as u64)
            .map_err(|e| memory::refusal_message(name, Some(e.limit)))?;
        let allexport = self.options.allexport;
        let var = self.vars.entry(name.to_string()).or_insert_with(|| Var {
            value: None,
            exported: false,
            readonly: false,
            integer: false,
        });
        if var.readonly {
            return Err(format!("{name}: readonly variable"));
        }
        var.value = Some(value);
        if allexport {
            var.exported = true;
        }
        if name == "PWD" {
            if let Some(Value::Str(s)) = &var.value {
                if s.starts_with('/') {
                    self.cwd = s.clone();
                }
            }
        }
        Ok(())
    }

    /// Declare `name` local to the innermost function scope, saving its
    /// current value to be restored on return.
    pub(crate) fn make_local(&mut self, name: &str) {
        let Some(frame) = self.local_frames.last_mut() else {
            return;
        };
        if frame.iter().any(|(n, _)| n == name) {
            return;
        }
        let old = self.vars.get(name).cloned();
        frame.push((name.to_string(), old.clone()));
        // A new local starts unset but keeps the export flag off.
        self.vars.insert(
            name.to_string(),
            Var {
                value: None,
                exported: false,
                readonly: false,
                integer: false,
            },
        );
    }

    /// Undo the innermost `local` scope.
    pub(crate) fn pop_locals(&mut self) {
        if let Some(frame) = self.local_frames.pop() {
            for (name, old) in frame.into_iter().rev() {
                match old {
                    Some(v) => {
                        self.vars.insert(name, v);
                    }
                    None => {
                        self.vars.remove(&name);
                    }
                }
            }
        }
    }

    /// Next `$RANDOM` (0..32768).
    pub(crate) fn next_random(&mut self) -> u32 {
        self.random_seed = self
            .random_seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.random_seed >> 33) % 32768) as u32
    }
}

/// Run `script` (any bash text) in `state` with the given fds 0, 1, 2;
/// returns the exit status. Never panics on bad input: syntax errors are
/// reported on fd 2 with status 2, like bash.
pub fn run_script(state: &mut ShellState, exec: &ExecEnv, script: &str, stdio: [Stdio; 3]) -> i32 {
    state.exited = false;
    let status = exec::run_toplevel(state, exec, script, stdio);
    state.last_status = status;
    status
}

/// Run one command given as argv (a builtin such as `echo`, or a program
/// on PATH; `sh`/`bash` run this shell) as a process started by a guest
/// would be: environment `env`, working directory `cwd`, fds `stdio`.
/// This is the hook for a host "spawn" import (xargs, `find -exec`,
/// Python's `subprocess`); returns the exit status.
pub fn run_argv(
    exec: &ExecEnv,
    argv: Vec<String>,
    env: Vec<(String, String)>,
    cwd: &str,
    stdio: [Stdio; 3],
) -> i32 {
    if argv.is_empty() {
        return 0;
    }
    let mut state = ShellState::new(cwd, env);
    state.set_cwd(cwd);
    exec::run_argv(&mut state, exec, argv, stdio)
}

/// Is `text` an unfinished command that needs more lines (an open
/// quote, `if` without `fi`, a here-document without its end, a trailing
/// `|`)? For interactive front ends.
pub fn needs_more_input(text: &str) -> bool {
    parse::is_incomplete(text)
}

/// Run a script file's text as `bash PATH ARGS...` would: in a child shell
/// of `state` (exported variables only), with `$0` = `name`.
pub fn run_script_file(
    state: &ShellState,
    exec: &ExecEnv,
    name: &str,
    script: &str,
    args: Vec<String>,
    stdio: [Stdio; 3],
) -> i32 {
    let mut child = match state.metered_child_shell(&exec.budget) {
        Ok(child) => child,
        Err(_) => {
            let line = memory::refusal_message(name, exec.budget.limit()) + "\n";
            let _ = stdio[2].write_all(line.as_bytes(), &exec.interrupt);
            return 1;
        }
    };
    child.arg0 = name.to_string();
    child.positional = args;
    exec::run_toplevel(&mut child, exec, script, stdio)
}
