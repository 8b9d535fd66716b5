//! The interpreter: runs brush-parser's AST. Lists, and-or lists,
//! pipelines (stages on their own threads), compound commands, functions,
//! simple commands, and starting programs through the process manager.

use super::builtins;
use super::memory;
use super::parse::{self, SyntaxError};
use super::script::Script;
use super::{Function, ShellState, Value, Var};
use crate::exec::{
    guard_shell, ExecEnv, Program, ResolveError, SpawnRequest, INTERNAL_ERROR_STATUS,
};
use crate::limits::LimitKind;
use brush_parser::ast;
use std::sync::Arc;
use std::thread::JoinHandle;
use wasiland_wasi_host::stream::{pipe_in, PIPE_CAPACITY};
use wasiland_wasi_host::{InterruptReason, Stdio, StreamError};

/// How control leaves a command other than by finishing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// `exit N` (or a fatal signal such as SIGPIPE): leave the (sub)shell.
    Exit(i32),
    /// `return N` from a function or sourced file.
    Return(i32),
    /// `break N`.
    Break(usize),
    /// `continue N`.
    Continue(usize),
    /// An expansion error: abandon the current top-level command.
    Abort(i32),
    /// A fatal error of a non-interactive shell (`${x:?}`, `set -u`).
    Fatal,
}

/// Result of running something: its status, or a change of control flow.
pub(crate) type R = Result<i32, Flow>;

/// The descriptors of the shell, by number (sparse: a redirection's
/// number is the script's choice, below the open-files limit).
#[derive(Clone, Default)]
pub(crate) struct Fds {
    slots: std::collections::BTreeMap<usize, Stdio>,
}

impl Fds {
    pub(crate) fn new(stdio: [Stdio; 3]) -> Fds {
        Fds {
            slots: stdio.into_iter().enumerate().collect(),
        }
    }

    pub(crate) fn get(&self, fd: usize) -> Option<&Stdio> {
        self.slots.get(&fd)
    }

    pub(crate) fn set(&mut self, fd: usize, s: Option<Stdio>) {
        match s {
            Some(s) => self.slots.insert(fd, s),
            None => self.slots.remove(&fd),
        };
    }

    /// fds 0, 1, 2 for a process (closed ones read as EOF / discard).
    pub(crate) fn stdio3(&self) -> [Stdio; 3] {
        [0, 1, 2].map(|i| self.get(i).cloned().unwrap_or(Stdio::Null))
    }
}

/// A background job (`cmd &`).
pub(crate) struct Job {
    pub pid: u32,
    pub handle: JoinHandle<i32>,
    /// Ends this job only (`kill`); carries the run's deadline.
    pub interrupt: wasiland_wasi_host::Interrupt,
}

impl Job {
    /// Wait for the job, passing a cancellation of the run on to it.
    pub(crate) fn join(self, run: &wasiland_wasi_host::Interrupt) -> i32 {
        while !self.handle.is_finished() {
            if run.check().is_err() {
                self.interrupt.trigger(InterruptReason::Cancelled);
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        self.handle.join().unwrap_or(INTERNAL_ERROR_STATUS)
    }
}

/// An executing shell: the session state plus what only lives while a
/// command runs (fds, nesting, loop and function depth).
pub(crate) struct Shell<'a> {
    pub st: &'a mut ShellState,
    pub exec: &'a ExecEnv,
    pub fds: Fds,
    /// Nesting of functions, `source`, `$(...)`, subshells.
    pub depth: usize,
    /// >0 while `set -e` is suspended (conditions, `!`, `&&`/`||` heads).
    pub errexit_off: usize,
    pub loop_depth: usize,
    pub func_depth: usize,
    pub source_depth: usize,
    /// This shell is a subshell (its `exit` leaves only it).
    pub subshell: bool,
    /// Current line, for `$LINENO` and messages.
    pub line: usize,
    /// Status of the last command substitution of the current command.
    pub subst_status: Option<i32>,
    pub jobs: Vec<Job>,
    /// Temporary files of process substitutions, removed after the command.
    pub temp_files: Vec<String>,
    /// Commands to run after the current one (`>(cmd)` readers).
    pub after: Vec<(String, ast::SubshellCommand)>,
    /// Array values of `declare name=(...)` arguments of the current command.
    pub decl_arrays: Vec<(String, Value)>,
    /// What the running command builds (see [`super::memory`]).
    pub scratch: wasiland_wasi_host::budget::Charge,
    /// Charges taken over from elsewhere (a `$(...)` capture) for what the
    /// running command holds; released with the scratch.
    pub held: Vec<wasiland_wasi_host::budget::Charge>,
}

/// Stack size of the threads that interpret shell code.
const SHELL_STACK: usize = 64 << 20;

/// Most shell threads (pipeline stages, background jobs) alive at once in
/// this process: a fork bomb (`f() { f | f; }; f`) fails to fork instead
/// of exhausting the host.
const MAX_SHELL_THREADS: usize = 2048;

static SHELL_THREADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A slot among [`MAX_SHELL_THREADS`], released on drop.
pub(crate) struct ThreadSlot;

impl ThreadSlot {
    pub(crate) fn take() -> Option<ThreadSlot> {
        use std::sync::atomic::Ordering;
        let n = SHELL_THREADS.fetch_add(1, Ordering::SeqCst);
        if n >= MAX_SHELL_THREADS {
            SHELL_THREADS.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(ThreadSlot)
    }
}

impl Drop for ThreadSlot {
    fn drop(&mut self) {
        SHELL_THREADS.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Run a script at top level: parse (running what precedes a syntax
/// error, as bash does), run every complete command, the EXIT trap, and
/// wait for background jobs.
pub(crate) fn run_toplevel(
    state: &mut ShellState,
    exec: &ExecEnv,
    script: &str,
    stdio: [Stdio; 3],
) -> i32 {
    let stderr = stdio[2].clone();
    let run = |state: &mut ShellState| {
        // A session over its budget runs unmetered rather than not at all.
        let _ = state.attach_memory(&exec.budget);
        let _stack = memory::ThreadStack::start(&exec.budget);
        let mut sh = Shell::new(state, exec, Fds::new(stdio), 0);
        sh.run_text_toplevel(script)
    };
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("wasiland:sh".into())
            .stack_size(SHELL_STACK)
            .spawn_scoped(scope, || guard_shell(Some(&stderr), || run(state)))
        {
            Ok(h) => h.join().unwrap_or(INTERNAL_ERROR_STATUS),
            Err(_) => 134,
        }
    })
}

/// Run one argv as a command (builtin or program, no functions).
pub(crate) fn run_argv(
    state: &mut ShellState,
    exec: &ExecEnv,
    argv: Vec<String>,
    stdio: [Stdio; 3],
) -> i32 {
    let stderr = stdio[2].clone();
    let run = |state: &mut ShellState| {
        let _ = state.attach_memory(&exec.budget);
        let _stack = memory::ThreadStack::start(&exec.budget);
        let mut sh = Shell::new(state, exec, Fds::new(stdio), 1);
        sh.subshell = true;
        let r = sh.dispatch(argv, Vec::new(), true);
        sh.finish_subshell(r)
    };
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("wasiland:sh".into())
            .stack_size(SHELL_STACK)
            .spawn_scoped(scope, || guard_shell(Some(&stderr), || run(state)))
        {
            Ok(h) => h.join().unwrap_or(INTERNAL_ERROR_STATUS),
            Err(_) => 134,
        }
    })
}

/// How an interrupted run ends: a timeout is recorded as a limit hit.
pub(crate) fn interrupted(exec: &ExecEnv, r: InterruptReason) -> Flow {
    match r {
        InterruptReason::Timeout => {
            let hits = exec.hits.lock().unwrap_or_else(|e| e.into_inner());
            let seen = hits.iter().any(|h| h.kind == LimitKind::Timeout);
            drop(hits);
            if !seen {
                exec.record_hit(LimitKind::Timeout, "sh");
            }
            Flow::Exit(LimitKind::Timeout.exit_status())
        }
        InterruptReason::Cancelled => Flow::Exit(130),
    }
}

impl<'a> Shell<'a> {
    pub(crate) fn new(
        st: &'a mut ShellState,
        exec: &'a ExecEnv,
        fds: Fds,
        depth: usize,
    ) -> Shell<'a> {
        Shell {
            st,
            exec,
            fds,
            depth,
            errexit_off: 0,
            loop_depth: 0,
            func_depth: 0,
            source_depth: 0,
            subshell: false,
            line: 1,
            subst_status: None,
            jobs: Vec::new(),
            temp_files: Vec::new(),
            after: Vec::new(),
            decl_arrays: Vec::new(),
            scratch: exec.budget.empty_charge(),
            held: Vec::new(),
        }
    }

    // ------------------------------------------------------------ output

    /// Write to descriptor `fd`. A reader-less pipe ends this shell like
    /// SIGPIPE; a full output budget is ignored (the run is truncated).
    pub(crate) fn write_fd(&mut self, fd: usize, data: &[u8]) -> Result<(), Flow> {
        let Some(s) = self.fds.get(fd) else {
            return Ok(());
        };
        match s.write_all(data, &self.exec.interrupt) {
            Ok(()) | Err(StreamError::LimitExceeded) => Ok(()),
            Err(StreamError::BrokenPipe) => Err(Flow::Exit(141)),
            Err(StreamError::Interrupted(r)) => Err(self.interrupted(r)),
            Err(_) => Ok(()),
        }
    }

    /// Write to stdout.
    pub(crate) fn out(&mut self, data: impl AsRef<[u8]>) -> Result<(), Flow> {
        self.write_fd(1, data.as_ref())
    }

    /// Print `bash: MSG` on stderr, or `SCRIPT: MSG` inside a script run
    /// as `bash script.sh` (bash names the script there).
    pub(crate) fn err_script(&mut self, msg: &str) {
        let name = if matches!(self.st.arg0.as_str(), "bash" | "sh" | "-bash") {
            "bash".to_string()
        } else {
            self.st.arg0.clone()
        };
        let line = format!("{name}: {msg}\n");
        let _ = self.write_fd(2, line.as_bytes());
    }

    /// Print `bash: MSG` on stderr.
    pub(crate) fn err(&mut self, msg: impl AsRef<str>) {
        let line = format!("bash: {}\n", msg.as_ref());
        let _ = self.write_fd(2, line.as_bytes());
    }

    // ------------------------------------------------------------ limits

    fn interrupted(&self, r: InterruptReason) -> Flow {
        interrupted(self.exec, r)
    }

    /// Stop if the run's deadline passed or it was cancelled.
    pub(crate) fn check_interrupt(&self) -> Result<(), Flow> {
        self.exec.interrupt.check().map_err(|r| self.interrupted(r))
    }

    /// Refuse to recurse further when the host stack is nearly used up
    /// (deep nesting that the depth limits allow in combination: functions
    /// whose bodies nest compound commands, expansions inside them...).
    pub(crate) fn check_stack(&mut self, what: &str) -> Result<(), Flow> {
        if stacker::remaining_stack().is_some_and(|r| r < parse::STACK_RESERVE) {
            self.exec.record_hit(LimitKind::ShellDepth, "sh");
            self.err(format!("{what}: nested too deeply for the host stack"));
            return Err(Flow::Abort(2));
        }
        if memory::charge_stack().is_err() {
            self.memory_refused(what);
            return Err(Flow::Abort(1));
        }
        Ok(())
    }

    /// Enter one more level of nesting (function, source, `$(...)`, subshell).
    pub(crate) fn check_depth(&mut self, what: &str) -> Result<(), Flow> {
        self.check_stack(what)?;
        if self.depth >= self.exec.limits.shell_depth {
            self.exec.record_hit(LimitKind::ShellDepth, "sh");
            self.err(format!(
                "{what}: maximum nesting level exceeded ({})",
                self.exec.limits.shell_depth
            ));
            return Err(Flow::Abort(2));
        }
        Ok(())
    }

    // ------------------------------------------------------------ top level

    /// Parse and run `text` as a top-level script of this shell, a
    /// command at a time as bash does: the commands before a syntax error
    /// run, then the error is reported (status 2).
    pub(crate) fn run_text_toplevel(&mut self, text: &str) -> i32 {
        let mut script = Script::charged(text, &self.exec.budget);
        let mut status = self.st.last_status;
        let mut exited = false;
        'script: loop {
            if let Err(Flow::Exit(s)) = self.check_interrupt() {
                status = s;
                exited = true;
                break;
            }
            let program = match script.next() {
                None => break,
                Some(Ok(p)) => p,
                Some(Err(e)) => {
                    self.syntax_error(&e);
                    self.note_script_refusal(&script);
                    status = 2;
                    break;
                }
            };
            for cc in &program.complete_commands {
                match self.run_list(cc) {
                    Ok(s) => status = s,
                    Err(Flow::Exit(s)) => {
                        status = s;
                        exited = true;
                    }
                    Err(Flow::Abort(s)) => status = s,
                    Err(Flow::Fatal) => {
                        status = if self.subshell { 1 } else { 127 };
                        exited = true;
                    }
                    Err(Flow::Return(s)) => status = s,
                    Err(Flow::Break(_)) | Err(Flow::Continue(_)) => {}
                }
                self.st.last_status = status;
                if exited {
                    break 'script;
                }
            }
        }
        self.st.last_status = status;
        if exited && !self.subshell {
            self.st.exited = true;
        }
        status = self.run_exit_trap(status);
        self.wait_jobs();
        status
    }

    pub(crate) fn syntax_error(&mut self, e: &SyntaxError) {
        let msg = format!("-c: line {}: {}", e.line, e.message);
        self.err(msg);
    }

    /// Run the EXIT trap, if any (once).
    pub(crate) fn run_exit_trap(&mut self, status: i32) -> i32 {
        if let Some(action) = self.st.traps.remove("EXIT") {
            self.st.last_status = status;
            match self.eval_text(&action) {
                Err(Flow::Exit(s)) => return s,
                _ => return status,
            }
        }
        status
    }

    pub(crate) fn wait_jobs(&mut self) -> i32 {
        let mut status = 0;
        for job in std::mem::take(&mut self.jobs) {
            self.st.bg_pids.retain(|p| *p != job.pid);
            status = job.join(&self.exec.interrupt);
        }
        status
    }

    /// Parse and run `text` in this shell (eval, traps).
    pub(crate) fn eval_text(&mut self, text: &str) -> R {
        self.run_text(text, "eval: ")
    }

    /// Run `text` a command at a time (`eval`, `source`, traps): the
    /// commands before a syntax error run; the error is reported after
    /// `what` and the status is 2.
    pub(crate) fn run_text(&mut self, text: &str, what: &str) -> R {
        let mut script = Script::charged(text, &self.exec.budget);
        let mut status = 0;
        while let Some(next) = script.next() {
            match next {
                Ok(program) => {
                    for cc in &program.complete_commands {
                        status = self.run_list(cc)?;
                    }
                }
                Err(e) => {
                    self.err(format!("{what}line {}: {}", e.line, e.message));
                    self.note_script_refusal(&script);
                    return Ok(2);
                }
            }
            self.check_interrupt()?;
        }
        Ok(status)
    }

    /// Convert how a subshell ended into its exit status (running its EXIT trap).
    pub(crate) fn finish_subshell(&mut self, r: R) -> i32 {
        let status = match r {
            Ok(s) | Err(Flow::Exit(s)) | Err(Flow::Return(s)) | Err(Flow::Abort(s)) => s,
            Err(Flow::Fatal) => 1,
            Err(Flow::Break(_)) | Err(Flow::Continue(_)) => self.st.last_status,
        };
        let status = self.run_exit_trap(status);
        self.wait_jobs();
        status
    }

    /// Run `f` in a subshell: a copy of the state, on the current thread.
    pub(crate) fn subshell<F>(&mut self, fds: Fds, f: F) -> Result<i32, Flow>
    where
        F: FnOnce(&mut Shell<'_>) -> R,
    {
        self.check_depth("subshell")?;
        let Some(mut st) = self.fork_state() else {
            return Ok(1);
        };
        st.traps.clear();
        st.pid = st.pid.wrapping_add(1);
        let mut sub = Shell::new(&mut st, self.exec, fds, self.depth + 1);
        sub.subshell = true;
        sub.line = self.line;
        // A subshell in a condition (`(false; x) || y`) ignores set -e too.
        sub.errexit_off = self.errexit_off;
        let r = f(&mut sub);
        let status = sub.finish_subshell(r);
        drop(sub);
        self.check_interrupt()?;
        Ok(status)
    }

    // ------------------------------------------------------------ lists

    pub(crate) fn run_list(&mut self, list: &ast::CompoundList) -> R {
        let mut status = 0;
        for ast::CompoundListItem(and_or, sep) in &list.0 {
            status = match sep {
                ast::SeparatorOperator::Async => self.run_async(and_or)?,
                ast::SeparatorOperator::Sequence => self.run_and_or(and_or)?,
            };
            self.run_post_commands()?;
        }
        Ok(status)
    }

    fn run_async(&mut self, and_or: &ast::AndOrList) -> R {
        self.check_depth("background job")?;
        let Some(mut st) = self.fork_state() else {
            return Ok(1);
        };
        st.traps.clear();
        let pid = st.pid.wrapping_add(100 + self.jobs.len() as u32);
        st.pid = pid;
        let mut exec = self.exec.clone();
        let interrupt = wasiland_wasi_host::Interrupt::new();
        interrupt.set_deadline(self.exec.interrupt.deadline());
        exec.interrupt = interrupt.clone();
        let mut fds = self.fds.clone();
        fds.set(0, Some(Stdio::Null));
        let item = and_or.clone();
        let depth = self.depth + 1;
        let Some(slot) = ThreadSlot::take() else {
            self.err("fork: retry: Resource temporarily unavailable");
            return Ok(254);
        };
        let spawned = std::thread::Builder::new()
            .name("wasiland:sh-bg".into())
            .stack_size(SHELL_STACK)
            .spawn(move || {
                let _slot = slot;
                let mut st = st;
                let stderr = fds.get(2).cloned();
                let status = guard_shell(stderr.as_ref(), || {
                    let mut sh = Shell::new(&mut st, &exec, fds, depth);
                    sh.subshell = true;
                    let _stack = memory::ThreadStack::start(&exec.budget);
                    let r = sh.run_and_or(&item);
                    sh.finish_subshell(r)
                });
                match exec.interrupt.check() {
                    // `kill`: reported like SIGTERM.
                    Err(InterruptReason::Cancelled) => 143,
                    _ => status,
                }
            });
        match spawned {
            Ok(handle) => {
                self.jobs.push(Job {
                    pid,
                    handle,
                    interrupt,
                });
                self.st.bg_pids.push(pid);
                self.st.last_bg_pid = Some(pid);
                Ok(0)
            }
            Err(e) => {
                self.err(format!("fork: {e}"));
                Ok(1)
            }
        }
    }

    pub(crate) fn run_and_or(&mut self, list: &ast::AndOrList) -> R {
        let n = list.additional.len();
        let mut status = self.run_pipeline(&list.first, n > 0)?;
        for (i, next) in list.additional.iter().enumerate() {
            let is_final = i + 1 == n;
            match next {
                ast::AndOr::And(p) => {
                    if status == 0 {
                        status = self.run_pipeline(p, !is_final)?;
                    }
                }
                ast::AndOr::Or(p) => {
                    if status != 0 {
                        status = self.run_pipeline(p, !is_final)?;
                    }
                }
            }
        }
        Ok(status)
    }

    fn run_pipeline(&mut self, p: &ast::Pipeline, suppress_errexit: bool) -> R {
        if p.bang || suppress_errexit {
            self.errexit_off += 1;
        }
        let started = std::time::Instant::now();
        let result = if p.seq.len() == 1 {
            let r = self.run_command(&p.seq[0]);
            if let Ok(s) = r {
                self.set_pipestatus(vec![s]);
            }
            r
        } else {
            self.run_multi(&p.seq)
        };
        if p.bang || suppress_errexit {
            self.errexit_off -= 1;
        }
        let mut status = result?;
        if p.timed.is_some() {
            let secs = started.elapsed().as_secs_f64();
            let line = format!("\nreal\t0m{secs:.3}s\nuser\t0m0.000s\nsys\t0m0.000s\n");
            self.write_fd(2, line.as_bytes())?;
        }
        if p.bang {
            status = i32::from(status == 0);
        }
        self.st.last_status = status;
        self.check_interrupt()?;
        if status != 0 && !p.bang && !suppress_errexit && self.errexit_off == 0 {
            // The ERR trap runs where `set -e` would act, set or not.
            if let Some(action) = self.st.traps.get("ERR").cloned() {
                let saved = self.st.traps.remove("ERR");
                self.errexit_off += 1;
                let r = self.eval_text(&action);
                self.errexit_off -= 1;
                if let Some(a) = saved {
                    self.st.traps.insert("ERR".into(), a);
                }
                r?;
                self.st.last_status = status;
            }
            if self.st.options.errexit {
                return Err(Flow::Exit(status));
            }
        }
        Ok(status)
    }

    fn set_pipestatus(&mut self, statuses: Vec<i32>) {
        let arr = statuses
            .into_iter()
            .enumerate()
            .map(|(i, s)| (i, s.to_string()))
            .collect();
        self.st.vars.insert(
            "PIPESTATUS".into(),
            Var {
                value: Some(Value::Array(arr)),
                exported: false,
                readonly: false,
                integer: false,
            },
        );
    }

    /// A pipeline of several commands: every stage is a subshell on its
    /// own thread, connected by bounded pipes.
    fn run_multi(&mut self, cmds: &[ast::Command]) -> R {
        if cmds.len() > self.exec.limits.pipeline_stages {
            self.exec.record_hit(LimitKind::PipelineStages, "sh");
            self.err(format!(
                "pipeline: too many stages ({} > {})",
                cmds.len(),
                self.exec.limits.pipeline_stages
            ));
            return Ok(LimitKind::PipelineStages.exit_status());
        }
        self.check_depth("pipeline")?;
        let mut handles: Vec<Option<JoinHandle<i32>>> = Vec::new();
        let mut prev: Option<Stdio> = None;
        let n = cmds.len();
        for (i, cmd) in cmds.iter().enumerate() {
            let mut fds = self.fds.clone();
            if let Some(r) = prev.take() {
                fds.set(0, Some(r));
            }
            if i + 1 < n {
                // The buffer is charged to the sandbox's memory budget.
                let Ok((r, w)) = pipe_in(&self.exec.budget, PIPE_CAPACITY)
                    .inspect_err(|e| self.err(format!("pipe error: {e}")))
                else {
                    handles.push(None);
                    break;
                };
                fds.set(1, Some(Stdio::Output(Arc::new(w))));
                prev = Some(Stdio::Input(Arc::new(r)));
            }
            let Some(mut st) = self.fork_state() else {
                handles.push(None);
                continue;
            };
            st.traps.clear();
            st.pid = st.pid.wrapping_add(1 + i as u32);
            let exec = self.exec.clone();
            let cmd = cmd.clone();
            let depth = self.depth + 1;
            let line = self.line;
            let errexit_off = self.errexit_off;
            let Some(slot) = ThreadSlot::take() else {
                self.err("fork: retry: Resource temporarily unavailable");
                handles.push(None);
                continue;
            };
            let spawned = std::thread::Builder::new()
                .name("wasiland:sh-stage".into())
                .stack_size(SHELL_STACK)
                .spawn(move || {
                    let _slot = slot;
                    let mut st = st;
                    let stderr = fds.get(2).cloned();
                    guard_shell(stderr.as_ref(), || {
                        let mut sh = Shell::new(&mut st, &exec, fds, depth);
                        sh.subshell = true;
                        sh.line = line;
                        sh.errexit_off = errexit_off;
                        let _stack = memory::ThreadStack::start(&exec.budget);
                        let r = sh.run_command(&cmd);
                        sh.finish_subshell(r)
                    })
                });
            match spawned {
                Ok(h) => handles.push(Some(h)),
                Err(e) => {
                    self.err(format!("fork: {e}"));
                    handles.push(None);
                }
            }
        }
        drop(prev);
        let statuses: Vec<i32> = handles
            .into_iter()
            .map(|h| h.map_or(126, |h| h.join().unwrap_or(INTERNAL_ERROR_STATUS)))
            .collect();
        let status = if self.st.options.pipefail {
            statuses
                .iter()
                .rev()
                .find(|&&s| s != 0)
                .copied()
                .unwrap_or(0)
        } else {
            statuses.last().copied().unwrap_or(0)
        };
        self.set_pipestatus(statuses);
        Ok(status)
    }

    // ------------------------------------------------------------ commands

    pub(crate) fn run_command(&mut self, cmd: &ast::Command) -> R {
        self.check_interrupt()?;
        self.check_stack("command")?;
        // What the command builds is released when it ends.
        let mark = self.scratch.bytes();
        let held = self.held.len();
        let r = self.run_command_inner(cmd);
        let _ = self.scratch.resize(mark);
        self.held.truncate(held);
        self.note_state_refusal();
        r
    }

    fn run_command_inner(&mut self, cmd: &ast::Command) -> R {
        match cmd {
            ast::Command::Simple(s) => self.run_simple(s),
            ast::Command::Compound(c, redirs) => {
                let redirs: Vec<ast::IoRedirect> =
                    redirs.as_ref().map(|r| r.0.clone()).unwrap_or_default();
                self.with_redirects(&redirs, |sh| sh.run_compound(c))
            }
            ast::Command::Function(f) => {
                let name = f.fname.value.clone();
                let body = Arc::new(f.body.clone());
                let size = memory::function_size(&body) + name.len() as u64;
                if self.st.grow_memory(size).is_err() {
                    self.memory_refused(&name);
                    return Err(Flow::Abort(1));
                }
                self.st.functions.insert(name, body);
                Ok(0)
            }
            ast::Command::ExtendedTest(t, redirs) => {
                let redirs: Vec<ast::IoRedirect> =
                    redirs.as_ref().map(|r| r.0.clone()).unwrap_or_default();
                self.with_redirects(&redirs, |sh| sh.run_extended_test(&t.expr))
            }
        }
    }

    /// Run `f` with `redirs` applied to the fds, restoring them afterwards.
    pub(crate) fn with_redirects<F>(&mut self, redirs: &[ast::IoRedirect], f: F) -> R
    where
        F: FnOnce(&mut Shell<'a>) -> R,
    {
        if redirs.is_empty() {
            return f(self);
        }
        let saved = self.fds.clone();
        if let Err(e) = self.apply_redirects(redirs) {
            self.fds = saved;
            return match e {
                RedirError::Msg(m) => {
                    self.err(m);
                    Ok(1)
                }
                RedirError::Flow(fl) => Err(fl),
            };
        }
        let r = f(self);
        self.fds = saved;
        r
    }

    /// Remove process-substitution files, run `>(cmd)` readers.
    fn run_post_commands(&mut self) -> Result<(), Flow> {
        for (path, cmd) in std::mem::take(&mut self.after) {
            let mut fds = self.fds.clone();
            if let Ok(s) = self.open_path(&path, true, false, false, false, false) {
                fds.set(0, Some(s));
            }
            self.subshell(fds, |sh| sh.run_list(&cmd.list))?;
        }
        if !self.temp_files.is_empty() {
            let mut vfs = self.exec.vfs.lock();
            let root = vfs.root();
            for f in self.temp_files.drain(..) {
                let _ = vfs.unlink(root, f.trim_start_matches('/'));
            }
        }
        Ok(())
    }

    fn run_compound(&mut self, c: &ast::CompoundCommand) -> R {
        use ast::CompoundCommand as C;
        match c {
            C::BraceGroup(g) => self.run_list(&g.list),
            C::Subshell(s) => {
                let fds = self.fds.clone();
                let list = s.list.clone();
                self.subshell(fds, |sh| sh.run_list(&list))
            }
            C::ForClause(f) => self.run_for(f),
            C::ArithmeticForClause(f) => self.run_arith_for(f),
            C::CaseClause(c) => self.run_case(c),
            C::IfClause(i) => self.run_if(i),
            C::WhileClause(w) => self.run_while(w, false),
            C::UntilClause(w) => self.run_while(w, true),
            C::Arithmetic(a) => {
                let v = self.eval_arith_text(parse::arith_text(&a.expr))?;
                Ok(i32::from(v == 0))
            }
            C::Coprocess(_) => {
                self.err("coproc: not supported");
                Ok(2)
            }
        }
    }

    /// Run a condition list (errexit suspended).
    fn run_condition(&mut self, list: &ast::CompoundList) -> R {
        self.errexit_off += 1;
        let r = self.run_list(list);
        self.errexit_off -= 1;
        r
    }

    fn run_if(&mut self, i: &ast::IfClauseCommand) -> R {
        if self.run_condition(&i.condition)? == 0 {
            return self.run_list(&i.then);
        }
        if let Some(elses) = &i.elses {
            for e in elses {
                match &e.condition {
                    Some(c) => {
                        if self.run_condition(c)? == 0 {
                            return self.run_list(&e.body);
                        }
                    }
                    None => return self.run_list(&e.body),
                }
            }
        }
        Ok(0)
    }

    /// Run a loop body; `Ok(None)` to go on, `Ok(Some(s))` to leave the loop.
    fn loop_body(&mut self, body: &ast::CompoundList, status: &mut i32) -> Result<bool, Flow> {
        self.loop_depth += 1;
        let r = self.run_list(body);
        self.loop_depth -= 1;
        match r {
            Ok(s) => {
                *status = s;
                Ok(true)
            }
            Err(Flow::Break(n)) => {
                if n > 1 {
                    Err(Flow::Break(n - 1))
                } else {
                    Ok(false)
                }
            }
            Err(Flow::Continue(n)) => {
                if n > 1 {
                    Err(Flow::Continue(n - 1))
                } else {
                    Ok(true)
                }
            }
            Err(e) => Err(e),
        }
    }

    fn run_while(&mut self, w: &ast::WhileOrUntilClauseCommand, until: bool) -> R {
        let mut status = 0;
        loop {
            self.check_interrupt()?;
            self.loop_depth += 1;
            let c = self.run_condition(&w.0);
            self.loop_depth -= 1;
            let c = match c {
                Ok(c) => c,
                Err(Flow::Break(n)) => {
                    if n > 1 {
                        return Err(Flow::Break(n - 1));
                    }
                    break;
                }
                Err(Flow::Continue(n)) => {
                    if n > 1 {
                        return Err(Flow::Continue(n - 1));
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            if (c == 0) == until {
                break;
            }
            if !self.loop_body(&w.1.list, &mut status)? {
                break;
            }
        }
        Ok(status)
    }

    fn run_for(&mut self, f: &ast::ForClauseCommand) -> R {
        let values = match &f.values {
            Some(words) => {
                let mut v = Vec::new();
                for w in words {
                    v.extend(self.expand_word_fields(w)?);
                }
                v
            }
            None => self.st.positional.clone(),
        };
        let mut status = 0;
        for value in values {
            self.check_interrupt()?;
            if let Err(m) = self.st.assign(&f.variable_name, Value::Str(value)) {
                self.err(m);
                return Ok(1);
            }
            if !self.loop_body(&f.body.list, &mut status)? {
                break;
            }
        }
        Ok(status)
    }

    fn run_arith_for(&mut self, f: &ast::ArithmeticForClauseCommand) -> R {
        if let Some(init) = &f.initializer {
            self.eval_arith_text(parse::arith_text(init))?;
        }
        let mut status = 0;
        loop {
            self.check_interrupt()?;
            if let Some(c) = &f.condition {
                if self.eval_arith_text(parse::arith_text(c))? == 0 {
                    break;
                }
            }
            if !self.loop_body(&f.body.list, &mut status)? {
                break;
            }
            if let Some(u) = &f.updater {
                self.eval_arith_text(parse::arith_text(u))?;
            }
        }
        Ok(status)
    }

    fn run_case(&mut self, c: &ast::CaseClauseCommand) -> R {
        let value = self.expand_word_string(&c.value)?;
        let mut status = 0;
        let mut fallthrough = false;
        for item in &c.cases {
            let mut matched = fallthrough;
            if !matched {
                for p in &item.patterns {
                    let pat = self.expand_word_pattern(p)?;
                    if self
                        .pattern(&pat, self.st.options.nocasematch)?
                        .matches(&value)
                    {
                        matched = true;
                        break;
                    }
                }
            }
            if !matched {
                continue;
            }
            status = match &item.cmd {
                Some(list) => self.run_list(list)?,
                None => 0,
            };
            match item.post_action {
                ast::CaseItemPostAction::ExitCase => return Ok(status),
                ast::CaseItemPostAction::UnconditionallyExecuteNextCaseItem => fallthrough = true,
                ast::CaseItemPostAction::ContinueEvaluatingCases => fallthrough = false,
            }
        }
        Ok(status)
    }

    // ------------------------------------------------------------ simple commands

    fn run_simple(&mut self, cmd: &ast::SimpleCommand) -> R {
        use ast::CommandPrefixOrSuffixItem as I;
        self.subst_status = None;
        let mut assigns: Vec<&ast::Assignment> = Vec::new();
        let mut words: Vec<ArgWord> = Vec::new();
        let mut redirs: Vec<ast::IoRedirect> = Vec::new();
        if let Some(prefix) = &cmd.prefix {
            for item in &prefix.0 {
                match item {
                    I::IoRedirect(r) => redirs.push(r.clone()),
                    I::AssignmentWord(a, _) => assigns.push(a),
                    I::Word(w) => words.push(ArgWord::Word(w)),
                    I::ProcessSubstitution(k, s) => words.push(ArgWord::ProcSub(k, s)),
                }
            }
        }
        if let Some(w) = &cmd.word_or_name {
            if let Some(l) = parse::word_line(w) {
                self.line = l;
            }
            words.push(ArgWord::Word(w));
        }
        if let Some(suffix) = &cmd.suffix {
            for item in &suffix.0 {
                match item {
                    I::IoRedirect(r) => redirs.push(r.clone()),
                    I::AssignmentWord(a, w) => words.push(ArgWord::Assign(a, w)),
                    I::Word(w) => words.push(ArgWord::Word(w)),
                    I::ProcessSubstitution(k, s) => words.push(ArgWord::ProcSub(k, s)),
                }
            }
        }

        // Expand the words.
        let argv = match self.expand_args(&words) {
            Ok(a) => a,
            Err(e) => {
                self.run_post_commands()?;
                return Err(e);
            }
        };

        if argv.is_empty() {
            // Assignments (and redirections) only.
            for a in &assigns {
                if let Err(e) = self.do_assignment(a, false) {
                    return match e {
                        AssignError::Msg(m) => {
                            self.err(m);
                            if self.subshell {
                                Ok(1)
                            } else {
                                Err(Flow::Abort(1))
                            }
                        }
                        AssignError::Flow(f) => Err(f),
                    };
                }
                if self.st.options.xtrace {
                    if let ast::AssignmentName::VariableName(n) = &a.name {
                        let v = self.st.var(n).unwrap_or("").to_string();
                        let ps4 = self.st.var("PS4").unwrap_or("+ ").to_string();
                        let line = format!("{ps4}{n}={}\n", builtins::quote_for_trace(&v));
                        self.write_fd(2, line.as_bytes())?;
                    }
                }
            }
            let status = self.subst_status.unwrap_or(0);
            if !redirs.is_empty() {
                let r = self.with_redirects(&redirs, |_| Ok(status))?;
                return Ok(r);
            }
            return Ok(status);
        }

        // `exec` with only redirections makes them permanent.
        if argv[0] == "exec" && argv.len() == 1 {
            return match self.apply_redirects(&redirs) {
                Ok(()) => Ok(0),
                Err(RedirError::Msg(m)) => {
                    self.err(m);
                    Ok(1)
                }
                Err(RedirError::Flow(f)) => Err(f),
            };
        }

        // Prefix assignments: values now, applied around the command.
        let mut temp: Vec<(String, String)> = Vec::new();
        for a in &assigns {
            match self.assignment_value(a) {
                Ok((name, Value::Str(v))) => temp.push((name, v)),
                Ok((name, _)) => {
                    self.err(format!(
                        "{name}: cannot assign an array as a command prefix"
                    ));
                    return Ok(1);
                }
                Err(AssignError::Msg(m)) => {
                    self.err(m);
                    return Ok(1);
                }
                Err(AssignError::Flow(f)) => return Err(f),
            }
        }

        if self.st.options.xtrace {
            self.trace_command(&temp, &argv)?;
        }

        let r = self.with_redirects(&redirs, |sh| sh.dispatch(argv, temp, false));
        self.run_post_commands()?;
        r
    }

    fn trace_command(&mut self, temp: &[(String, String)], argv: &[String]) -> Result<(), Flow> {
        let ps4 = self.st.var("PS4").unwrap_or("+ ").to_string();
        let mut line = ps4;
        let mut parts: Vec<String> = temp
            .iter()
            .map(|(k, v)| format!("{k}={}", builtins::quote_for_trace(v)))
            .collect();
        parts.extend(argv.iter().map(|a| builtins::quote_for_trace(a)));
        line.push_str(&parts.join(" "));
        line.push('\n');
        self.write_fd(2, line.as_bytes())
    }

    /// Run an expanded command: function, builtin or program.
    pub(crate) fn dispatch(
        &mut self,
        argv: Vec<String>,
        temp: Vec<(String, String)>,
        skip_functions: bool,
    ) -> R {
        let name = argv[0].clone();
        if !skip_functions {
            if let Some(f) = self.st.functions.get(&name).cloned() {
                return self
                    .with_temp_vars(&temp, |sh| sh.call_function(&name, f, argv[1..].to_vec()));
            }
        }
        if let Some(b) = builtins::lookup(&name) {
            return self.with_temp_vars(&temp, |sh| b(sh, &argv));
        }
        let status = self.run_external(argv, temp)?;
        self.st.last_status = status;
        Ok(status)
    }

    /// Set `temp` as exported variables around `f` (prefix assignments of
    /// builtins and functions).
    fn with_temp_vars<F>(&mut self, temp: &[(String, String)], f: F) -> R
    where
        F: FnOnce(&mut Shell<'a>) -> R,
    {
        if temp.is_empty() {
            return f(self);
        }
        let mut saved = Vec::new();
        for (k, v) in temp {
            saved.push((k.clone(), self.st.vars.get(k).cloned()));
            if let Err(m) = self.st.assign(k, Value::Str(v.clone())) {
                self.err(m);
                continue;
            }
            if let Some(var) = self.st.vars.get_mut(k) {
                var.exported = true;
            }
        }
        let r = f(self);
        for (k, old) in saved.into_iter().rev() {
            match old {
                Some(v) => {
                    self.st.vars.insert(k, v);
                }
                None => {
                    self.st.vars.remove(&k);
                }
            }
        }
        r
    }

    pub(crate) fn call_function(&mut self, name: &str, f: Function, args: Vec<String>) -> R {
        self.check_depth(name)?;
        let saved_pos = std::mem::replace(&mut self.st.positional, args);
        self.st.local_frames.push(Vec::new());
        self.depth += 1;
        self.func_depth += 1;
        let saved_loop = std::mem::replace(&mut self.loop_depth, 0);
        let redirs: Vec<ast::IoRedirect> = f.1.as_ref().map(|r| r.0.clone()).unwrap_or_default();
        let fname = name.to_string();
        let funcname_saved = self.st.vars.get("FUNCNAME").cloned();
        self.push_funcname(&fname);
        let r = self.with_redirects(&redirs, |sh| sh.run_compound(&f.0));
        match funcname_saved {
            Some(v) => {
                self.st.vars.insert("FUNCNAME".into(), v);
            }
            None => {
                self.st.vars.remove("FUNCNAME");
            }
        }
        self.loop_depth = saved_loop;
        self.func_depth -= 1;
        self.depth -= 1;
        self.st.pop_locals();
        self.st.positional = saved_pos;
        match r {
            Err(Flow::Return(s)) => Ok(s),
            other => other,
        }
    }

    fn push_funcname(&mut self, name: &str) {
        let mut arr = match self.st.vars.get("FUNCNAME").and_then(|v| v.value.clone()) {
            Some(Value::Array(a)) => a.into_values().collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        arr.insert(0, name.to_string());
        let map = arr.into_iter().enumerate().collect();
        self.st.vars.insert(
            "FUNCNAME".into(),
            Var {
                value: Some(Value::Array(map)),
                exported: false,
                readonly: false,
                integer: false,
            },
        );
    }

    // ------------------------------------------------------------ programs

    fn child_env(&self, temp: &[(String, String)]) -> Vec<(String, String)> {
        let mut env = self.st.exported_env();
        for (k, v) in temp {
            env.retain(|(n, _)| n != k);
            env.push((k.clone(), v.clone()));
        }
        env
    }

    /// Find and run a program (not a function or builtin).
    pub(crate) fn run_external(&mut self, argv: Vec<String>, temp: Vec<(String, String)>) -> R {
        let name = argv[0].clone();
        let path_var = temp
            .iter()
            .rev()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| self.st.var("PATH").unwrap_or("").to_string());
        match self.exec.resolve(&name, self.st.cwd(), &path_var) {
            Ok((abs, prog)) => self.run_program(&name, &abs, prog, argv, &temp, 0),
            Err(e) => {
                if matches!(
                    e,
                    ResolveError::CannotExecute(_) | ResolveError::CommandNotFound
                ) {
                    if let Some(stand_in) = builtins::fallback(&name) {
                        return stand_in(self, &argv, &temp);
                    }
                }
                let msg = format!("line {}: {}", self.line, e.message(&name));
                self.err_script(&msg);
                Ok(e.exit_status())
            }
        }
    }

    /// Run a resolved program. `hops` counts shebang indirections.
    pub(crate) fn run_program(
        &mut self,
        name: &str,
        abs: &str,
        prog: Program,
        mut argv: Vec<String>,
        temp: &[(String, String)],
        hops: usize,
    ) -> R {
        match prog {
            Program::Tool(t) => {
                let req = SpawnRequest {
                    argv,
                    env: self.child_env(temp),
                    cwd: self.st.cwd().to_string(),
                    stdio: self.fds.stdio3(),
                };
                let child = self.exec.spawn(&t.name, &t.module, Some(&t.argv0), req);
                self.wait_child(name, child)
            }
            Program::Module { module, .. } => {
                let req = SpawnRequest {
                    argv,
                    env: self.child_env(temp),
                    cwd: self.st.cwd().to_string(),
                    stdio: self.fds.stdio3(),
                };
                let base = name.rsplit('/').next().unwrap_or(name).to_string();
                let child = self.exec.spawn(&base, &module, None, req);
                self.wait_child(name, child)
            }
            Program::Shebang {
                interpreter,
                arg,
                path,
            } => {
                if hops > 4 {
                    self.err(format!("{name}: too many levels of interpreters"));
                    return Ok(126);
                }
                let ibase = interpreter.rsplit('/').next().unwrap_or("").to_string();
                let (cmd_name, extra): (String, Vec<String>) = if ibase == "env" {
                    let words: Vec<String> = arg
                        .as_deref()
                        .unwrap_or("")
                        .split_whitespace()
                        .map(String::from)
                        .collect();
                    let words: Vec<String> = words.into_iter().filter(|w| w != "-S").collect();
                    match words.split_first() {
                        Some((c, rest)) => (c.clone(), rest.to_vec()),
                        None => {
                            self.err(format!(
                                "{name}: {interpreter}: bad interpreter: no program named"
                            ));
                            return Ok(126);
                        }
                    }
                } else {
                    (interpreter.clone(), arg.into_iter().collect())
                };
                let mut new_argv = vec![cmd_name.clone()];
                new_argv.extend(extra);
                new_argv.push(path);
                new_argv.extend(argv.drain(1..));
                let path_var = self.st.var("PATH").unwrap_or("").to_string();
                let resolved = self.exec.resolve(&cmd_name, self.st.cwd(), &path_var);
                let stand_in = match &resolved {
                    Err(ResolveError::CannotExecute(_)) | Err(ResolveError::CommandNotFound) => {
                        builtins::fallback(&cmd_name)
                    }
                    _ => None,
                };
                match (resolved, stand_in) {
                    (Ok((a, p)), _) => self.run_program(&cmd_name, &a, p, new_argv, temp, hops + 1),
                    (Err(_), Some(stand_in)) => stand_in(self, &new_argv, temp),
                    (Err(_), None) => {
                        self.err(format!(
                            "{name}: {interpreter}: bad interpreter: No such file or directory"
                        ));
                        Ok(126)
                    }
                }
            }
            Program::ShellScript { path } => {
                let _ = abs;
                // The lock is released before the match: stderr may be a file.
                let read = self.exec.vfs.lock().read_file(&path);
                let text = match read {
                    Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                    Err(_) => {
                        self.err(format!("{name}: Permission denied"));
                        return Ok(126);
                    }
                };
                self.run_script_child(name, &text, argv[1..].to_vec(), temp)
            }
        }
    }

    /// Run shell text as a child shell process would (`bash script`,
    /// `sh -c`): exported variables only, on this thread.
    pub(crate) fn run_script_child(
        &mut self,
        arg0: &str,
        text: &str,
        args: Vec<String>,
        temp: &[(String, String)],
    ) -> R {
        self.check_depth(arg0)?;
        let Some(mut st) = self.child_state(arg0) else {
            return Ok(1);
        };
        for (k, v) in temp {
            st.export(k, v);
        }
        st.arg0 = arg0.to_string();
        st.positional = args;
        let mut sub = Shell::new(&mut st, self.exec, self.fds.clone(), self.depth + 1);
        sub.subshell = true;
        let status = sub.run_text_toplevel(text);
        drop(sub);
        self.check_interrupt()?;
        Ok(status)
    }

    fn wait_child(&mut self, name: &str, child: crate::exec::Child) -> R {
        let exit = child.wait();
        if let Some(m) = &exit.message {
            if exit.status != 141 {
                self.err(format!("{name}: {m}"));
            }
        }
        self.check_interrupt()?;
        Ok(exit.status)
    }
}

/// A word of a simple command before expansion.
pub(crate) enum ArgWord<'w> {
    /// A word.
    Word(&'w ast::Word),
    /// A word with the form of an assignment (`a=b`, `a=(x y)`): an
    /// assignment for declaration builtins, a plain word otherwise.
    Assign(&'w ast::Assignment, &'w ast::Word),
    /// `<(cmd)` / `>(cmd)`.
    ProcSub(&'w ast::ProcessSubstitutionKind, &'w ast::SubshellCommand),
}

/// Why redirections could not be set up.
pub(crate) enum RedirError {
    Msg(String),
    Flow(Flow),
}

impl From<Flow> for RedirError {
    fn from(f: Flow) -> Self {
        RedirError::Flow(f)
    }
}

/// Why an assignment failed.
pub(crate) enum AssignError {
    Msg(String),
    Flow(Flow),
}

impl From<Flow> for AssignError {
    fn from(f: Flow) -> Self {
        AssignError::Flow(f)
    }
}
