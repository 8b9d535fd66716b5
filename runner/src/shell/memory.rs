//! Host memory the shell holds for a script, charged to the sandbox's
//! budget ([`crate::exec::ExecEnv::budget`], `Limits::sandbox_memory`).
//!
//! The meters:
//! - a session's state (variables, arrays, positional parameters,
//!   functions) is charged by [`StateMemory`]: every write grows the charge
//!   by what it stores before it stores it, and the exact size is
//!   recounted when the growth since the last count reaches the size
//!   counted (replaced values are released then), so the meter costs O(1)
//!   per byte written. A copy of the state (a subshell, a pipeline stage,
//!   a background job) is charged again;
//! - what one command builds while it runs (expansion results, fields,
//!   `$(...)` output, here-document bodies, lines read) is charged by the
//!   running shell's scratch meter ([`Shell::reserve`]) before it is
//!   built, and released when the command ends; `$(...)` output through a
//!   [`ChargedCapture`]; long loops over one string through
//!   [`Shell::metered`], which also checks the deadline;
//! - each shell thread's stack, by what it has touched ([`ThreadStack`],
//!   [`charge_stack`]).
//!
//! A refusal is bash's "cannot allocate memory" naming the limit, status 1,
//! and a `SandboxMemory` limit hit.

use super::exec::{interrupted, Flow, Shell};
use super::pattern::Meter;
use super::{ShellState, Value, Var};
use crate::limits::LimitKind;
use wasiland_wasi_host::budget::{BudgetExceeded, Charge, MemoryBudget};
use wasiland_wasi_host::stream::{Interrupt, OutputBudget, OutputStream, StreamError};

/// Bookkeeping bytes per variable, element or string beyond its text.
const ENTRY: u64 = 64;

/// Growth between two exact counts, at least.
const RECOUNT_MIN: u64 = 1 << 20;

/// The charge of one shell state.
#[derive(Debug, Default)]
pub(crate) struct StateMemory {
    charge: Option<Charge>,
    /// Bytes charged: an upper bound of the state's size.
    bytes: u64,
    /// Charged since the last exact count.
    since_count: u64,
    /// A write was refused since the last [`ShellState::take_memory_refusal`].
    refused: Option<BudgetExceeded>,
}

impl Clone for StateMemory {
    /// A copy is charged when it is attached to a budget.
    fn clone(&self) -> Self {
        StateMemory {
            charge: None,
            bytes: self.bytes,
            since_count: self.since_count,
            refused: None,
        }
    }
}

/// Bytes a value takes in the host.
pub(crate) fn value_size(v: &Value) -> u64 {
    match v {
        Value::Str(s) => s.len() as u64 + ENTRY,
        Value::Array(a) => a.values().map(|s| s.len() as u64 + ENTRY).sum::<u64>() + ENTRY,
        Value::Assoc(m) => {
            m.iter()
                .map(|(k, s)| (k.len() + s.len()) as u64 + ENTRY)
                .sum::<u64>()
                + ENTRY
        }
    }
}

fn var_size(name: &str, v: &Var) -> u64 {
    name.len() as u64 + ENTRY + v.value.as_ref().map_or(0, value_size)
}

fn strings_size(v: &[String]) -> u64 {
    v.iter().map(|s| s.len() as u64 + ENTRY).sum()
}

impl ShellState {
    /// Charge this state to `budget` (a new session, or a copy made for a
    /// subshell). Refused: the state stays unmetered.
    pub(crate) fn attach_memory(&mut self, budget: &MemoryBudget) -> Result<(), BudgetExceeded> {
        self.mem.charge = None;
        self.mem.charge = Some(budget.try_charge(self.mem.bytes)?);
        Ok(())
    }

    /// A copy of this state (a subshell, pipeline stage or background
    /// job), charged to `budget` before anything is copied. Copying first
    /// and charging after let a loop of refused subshells over a 64 MiB
    /// variable copy 64 MiB each time, past its deadline (shell fuzzer).
    pub(crate) fn metered_copy(&self, budget: &MemoryBudget) -> Result<ShellState, BudgetExceeded> {
        let charge = budget.try_charge(self.mem.bytes)?;
        let mut st = self.clone();
        st.mem.charge = Some(charge);
        Ok(st)
    }

    /// [`ShellState::child_shell`] (a new `sh` process), charged to
    /// `budget` for the exported variables it copies before they are copied.
    pub(crate) fn metered_child_shell(
        &self,
        budget: &MemoryBudget,
    ) -> Result<ShellState, BudgetExceeded> {
        let exported: u64 = self
            .vars
            .iter()
            .filter(|(_, v)| v.exported)
            .map(|(k, v)| var_size(k, v))
            .sum();
        let charge = budget.try_charge(exported)?;
        let mut st = self.child_shell();
        st.mem.charge = Some(charge);
        st.mem.bytes = exported;
        Ok(st)
    }

    /// Charge `bytes` about to be stored; refused, nothing may be stored.
    pub(crate) fn grow_memory(&mut self, bytes: u64) -> Result<(), BudgetExceeded> {
        if let Some(c) = &mut self.mem.charge {
            if let Err(e) = c.grow(bytes) {
                self.mem.refused = Some(e);
                return Err(e);
            }
        }
        self.mem.bytes = self.mem.bytes.saturating_add(bytes);
        self.mem.since_count = self.mem.since_count.saturating_add(bytes);
        if self.mem.since_count
            >= self
                .mem
                .bytes
                .saturating_sub(self.mem.since_count)
                .max(RECOUNT_MIN)
        {
            // The bytes charged are about to be stored: not in the count.
            self.recount_memory(bytes);
        }
        Ok(())
    }

    /// Count the state exactly and charge that plus `pending` bytes (a
    /// write charged but not made yet), releasing what replaced and
    /// removed values held.
    pub(crate) fn recount_memory(&mut self, pending: u64) {
        let mut n: u64 = pending;
        n += self.vars.iter().map(|(k, v)| var_size(k, v)).sum::<u64>();
        n += strings_size(&self.positional);
        n += self
            .local_frames
            .iter()
            .flatten()
            .map(|(k, v)| v.as_ref().map_or(ENTRY, |v| var_size(k, v)))
            .sum::<u64>();
        n += self
            .functions
            .iter()
            .map(|(k, f)| k.len() as u64 + function_size(f))
            .sum::<u64>();
        n += self
            .traps
            .iter()
            .map(|(k, v)| (k.len() + v.len()) as u64 + ENTRY)
            .sum::<u64>();
        n += strings_size(&self.dir_stack);
        if let Some(c) = &mut self.mem.charge {
            // Shrinking always works; growing past the limit keeps the
            // old charge (the state is only over-counted less).
            let _ = c.resize(n);
        }
        self.mem.bytes = n;
        self.mem.since_count = 0;
    }

    /// The refusal of a write since the last call, if any (the running
    /// shell records it as a limit hit).
    pub(crate) fn take_memory_refusal(&mut self) -> Option<BudgetExceeded> {
        self.mem.refused.take()
    }
}

/// Bytes a function body holds: its syntax tree is several times its text.
pub(crate) fn function_size(f: &super::Function) -> u64 {
    (f.0.to_string().len() as u64).saturating_mul(8) + ENTRY
}

/// The message for a refusal: `what: cannot allocate memory (sandbox
/// memory limit 2 GiB, --sandbox-memory)`; it names the flag that raises
/// the limit.
pub(crate) fn refusal_message(what: &str, limit: Option<u64>) -> String {
    let limit = match limit {
        Some(l) if l != u64::MAX => {
            format!("sandbox memory limit {}, --sandbox-memory", human_bytes(l))
        }
        _ => "sandbox memory".to_string(),
    };
    format!("{what}: cannot allocate memory ({limit})")
}

/// `2 GiB`, `512 MiB`, `1000 bytes`: a limit as people write it.
pub(crate) fn human_bytes(n: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

impl Shell<'_> {
    /// Charge `bytes` that the current command is about to build; refused,
    /// the command fails with bash's "cannot allocate memory".
    pub(crate) fn reserve(&mut self, bytes: u64, what: &str) -> Result<(), Flow> {
        if self.scratch.grow(bytes).is_err() {
            self.memory_refused(what);
            return Err(Flow::Abort(1));
        }
        Ok(())
    }

    /// Run `f` with a [`Meter`] that charges what it is told to the
    /// scratch meter and checks the run's deadline at every call (for the
    /// long loops over one string, which cannot reach the shell); a
    /// refusal is reported as `what`.
    pub(crate) fn metered<T>(
        &mut self,
        what: &str,
        f: impl FnOnce(Meter<'_>) -> Result<T, Flow>,
    ) -> Result<T, Flow> {
        let exec = self.exec;
        let mut refused = false;
        let result = {
            let scratch = &mut self.scratch;
            let mut meter = |n: usize| -> Result<(), Flow> {
                if let Err(reason) = exec.interrupt.check() {
                    return Err(interrupted(exec, reason));
                }
                if n > 0 && scratch.grow(n as u64).is_err() {
                    refused = true;
                    return Err(Flow::Abort(1));
                }
                Ok(())
            };
            f(&mut meter)
        };
        if refused {
            self.memory_refused(what);
        }
        result
    }

    /// Report that `what` was refused for lack of sandbox memory,
    /// recording the limit hit.
    /// [`ShellState::metered_copy`] of this shell's state; refused, bash's
    /// `fork: cannot allocate memory` and `None`.
    pub(crate) fn fork_state(&mut self) -> Option<ShellState> {
        if self.st.mem.since_count > 0 {
            // The charge is an upper bound until counted; a copy is charged
            // what the state holds, no more (counting costs what copying does).
            self.st.recount_memory(0);
        }
        let copy = self.st.metered_copy(&self.exec.budget);
        copy.inspect_err(|_| self.memory_refused("fork")).ok()
    }

    /// [`ShellState::metered_child_shell`] of this shell's state; refused,
    /// `NAME: cannot allocate memory` and `None`.
    pub(crate) fn child_state(&mut self, name: &str) -> Option<ShellState> {
        let child = self.st.metered_child_shell(&self.exec.budget);
        child.inspect_err(|_| self.memory_refused(name)).ok()
    }

    pub(crate) fn memory_refused(&mut self, what: &str) {
        self.exec.record_hit(LimitKind::SandboxMemory, "sh");
        let msg = refusal_message(what, self.exec.budget.limit());
        self.err(msg);
    }

    /// A script that ended for lack of memory is a limit hit.
    pub(crate) fn note_script_refusal(&mut self, script: &super::script::Script<'_>) {
        if script.refused_memory() {
            self.exec.record_hit(LimitKind::SandboxMemory, "sh");
        }
    }

    /// After a write to the state: a refused one is reported and recorded.
    pub(crate) fn note_state_refusal(&mut self) {
        if self.st.take_memory_refusal().is_some() {
            self.exec.record_hit(LimitKind::SandboxMemory, "sh");
        }
    }
}

/// The output of `$(...)`: kept in memory under the output limit, each
/// growth of its buffer charged to the sandbox before it is made. Past the
/// output limit the rest is dropped (`LimitExceeded`, as for a run's
/// output); refused memory is a closed pipe to the writer, and
/// [`ChargedCapture::refused`] tells the shell.
pub(crate) struct ChargedCapture {
    buf: std::sync::Mutex<(Vec<u8>, Charge)>,
    output: std::sync::Arc<OutputBudget>,
    refused: std::sync::atomic::AtomicBool,
}

impl ChargedCapture {
    pub(crate) fn new(budget: &MemoryBudget, output_limit: u64) -> std::sync::Arc<Self> {
        std::sync::Arc::new(ChargedCapture {
            buf: std::sync::Mutex::new((Vec::new(), budget.empty_charge())),
            output: OutputBudget::new(output_limit),
            refused: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Was a write refused for lack of sandbox memory?
    pub(crate) fn refused(&self) -> bool {
        self.refused.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// What was captured, and the charge that still covers it.
    pub(crate) fn take(&self) -> (Vec<u8>, Charge) {
        let mut g = self.buf.lock().unwrap_or_else(|e| e.into_inner());
        let empty = g.1.budget().empty_charge();
        let charge = std::mem::replace(&mut g.1, empty);
        (std::mem::take(&mut g.0), charge)
    }
}

impl OutputStream for ChargedCapture {
    fn write(&self, data: &[u8], _nb: bool, _i: &Interrupt) -> Result<usize, StreamError> {
        let allowed = self.output.take(data.len() as u64) as usize;
        let mut g = self.buf.lock().unwrap_or_else(|e| e.into_inner());
        let (buf, charge) = &mut *g;
        let need = buf.len().saturating_add(allowed);
        if need > buf.capacity() {
            // Grow by doubling, the new capacity charged first.
            let cap = need.max(buf.capacity().saturating_mul(2)).max(4096);
            if charge.resize(cap as u64).is_err() {
                // The writer stops as at a closed pipe: the text it would
                // write can never be held.
                self.refused
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                return Err(StreamError::BrokenPipe);
            }
            buf.reserve_exact(cap - buf.len());
        }
        buf.extend_from_slice(&data[..allowed]);
        if allowed < data.len() {
            Err(StreamError::LimitExceeded)
        } else {
            Ok(allowed)
        }
    }
}

/// A shell thread (the session's, a pipeline stage's, a background job's)
/// has its stack reserved large ([`super::exec`]'s `SHELL_STACK`), but only
/// what deep nesting touched is resident, and that stays resident while
/// the thread lives: past [`STACK_FREE`] it is charged, in [`STACK_STEP`]
/// steps. The free part is bounded by the number of shell threads.
const STACK_FREE: u64 = 256 << 10;
const STACK_STEP: u64 = 1 << 20;

struct StackMeter {
    charge: Charge,
    /// The stack left when the thread started.
    top: usize,
}

thread_local! {
    static STACK: std::cell::RefCell<Option<StackMeter>> = const { std::cell::RefCell::new(None) };
}

/// This thread's stack, metered for a sandbox until the guard drops.
pub(crate) struct ThreadStack(());

impl ThreadStack {
    /// Meter the current thread's stack against `budget`.
    pub(crate) fn start(budget: &MemoryBudget) -> ThreadStack {
        let meter = StackMeter {
            charge: budget.empty_charge(),
            top: stacker::remaining_stack().unwrap_or(0),
        };
        STACK.with(|s| *s.borrow_mut() = Some(meter));
        ThreadStack(())
    }
}

impl Drop for ThreadStack {
    fn drop(&mut self) {
        STACK.with(|s| s.borrow_mut().take());
    }
}

/// Grow this thread's stack charge to the stack it has used so far;
/// refused, the caller must not go deeper.
pub(crate) fn charge_stack() -> Result<(), BudgetExceeded> {
    STACK.with(|s| {
        let mut s = s.borrow_mut();
        let Some(m) = s.as_mut() else {
            return Ok(());
        };
        let left = stacker::remaining_stack().unwrap_or(m.top);
        let used = (m.top.saturating_sub(left) as u64).saturating_sub(STACK_FREE);
        if used > m.charge.bytes() {
            m.charge.resize(used.div_ceil(STACK_STEP) * STACK_STEP)?;
        }
        Ok(())
    })
}
