//! Host memory the shell holds for a script, charged to the sandbox's
//! budget ([`crate::exec::ExecEnv::budget`], `Limits::sandbox_memory`).
//!
//! Two meters:
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
//!   built, and released when the command ends.
//!
//! A refusal is bash's "cannot allocate memory" naming the limit, status 1,
//! and a `SandboxMemory` limit hit.

use super::exec::{Flow, Shell};
use super::{ShellState, Value, Var};
use crate::limits::LimitKind;
use wasiland_wasi_host::budget::{BudgetExceeded, Charge, MemoryBudget};

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
            self.recount_memory();
        }
        Ok(())
    }

    /// Count the state exactly and charge that (releasing what replaced
    /// and removed values held).
    pub(crate) fn recount_memory(&mut self) {
        let mut n: u64 = self.vars.iter().map(|(k, v)| var_size(k, v)).sum();
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
/// memory limit 2 GiB)`.
pub(crate) fn refusal_message(what: &str, limit: Option<u64>) -> String {
    let limit = match limit {
        Some(l) if l != u64::MAX => format!("sandbox memory limit {}", human_bytes(l)),
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

    /// Report that `what` was refused for lack of sandbox memory,
    /// recording the limit hit.
    pub(crate) fn memory_refused(&mut self, what: &str) {
        self.exec.record_hit(LimitKind::SandboxMemory, "sh");
        let msg = refusal_message(what, self.exec.budget.limit());
        self.err(msg);
    }

    /// After a write to the state: a refused one is reported and recorded.
    pub(crate) fn note_state_refusal(&mut self) {
        if self.st.take_memory_refusal().is_some() {
            self.exec.record_hit(LimitKind::SandboxMemory, "sh");
        }
    }
}
