//! Host memory spent on behalf of guests, metered where it is allocated.
//!
//! A [`MemoryBudget`] is a shared byte meter with an optional limit. Every
//! consumer of host memory that a guest or a command line controls (linear
//! memories, interpreter stacks, pipe buffers, host-side copies of iovecs,
//! shell strings, compiled guest modules) takes a [`Charge`] *before* it
//! allocates, and the charge is released when the memory is. A refusal is
//! a value ([`BudgetExceeded`]) that the consumer turns into an errno or a
//! shell error; nothing is allocated past the limit.
//!
//! Budgets nest: a process's budget ([`MemoryBudget::child`]) has its own
//! limit (`--memory-limit`) and charges its parent, the sandbox's budget
//! (`--sandbox-memory`), as well, so one charge is checked against both.
//!
//! ```
//! use wasiland_wasi_host::budget::{BudgetScope, MemoryBudget};
//! let sandbox = MemoryBudget::new(BudgetScope::Sandbox, Some(1000));
//! let process = sandbox.child(BudgetScope::Process, Some(600));
//! let mut a = process.try_charge(500).unwrap();
//! assert_eq!((process.used(), sandbox.used()), (500, 500));
//! // Past the process's own limit:
//! assert_eq!(process.try_charge(200).unwrap_err().scope, BudgetScope::Process);
//! // Past the sandbox's limit, though within the process's:
//! let other = sandbox.child(BudgetScope::Process, None);
//! assert_eq!(other.try_charge(600).unwrap_err().scope, BudgetScope::Sandbox);
//! a.resize(100).unwrap();
//! drop(a);
//! assert_eq!((process.used(), sandbox.used()), (0, 0));
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Which level of the hierarchy a budget meters (and so which limit a
/// refusal names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BudgetScope {
    /// One process (`--memory-limit`).
    Process,
    /// Everything one sandbox holds at once (`--sandbox-memory`).
    Sandbox,
}

/// A refused charge: which budget refused it, and its numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} memory limit of {limit} bytes reached ({requested} bytes more requested, {used} in use)", match .scope { BudgetScope::Process => "process", BudgetScope::Sandbox => "sandbox" })]
pub struct BudgetExceeded {
    pub scope: BudgetScope,
    pub requested: u64,
    pub used: u64,
    pub limit: u64,
}

/// A shared byte meter with an optional limit and an optional parent.
/// Cheap to clone; all clones are the same meter.
#[derive(Clone, Debug)]
pub struct MemoryBudget {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    scope: BudgetScope,
    /// `u64::MAX`: unlimited.
    limit: AtomicU64,
    used: AtomicU64,
    peak: AtomicU64,
    refusals: AtomicU64,
    /// Charges made through this budget that a budget of each scope
    /// (this one or an ancestor) refused, indexed by [`scope_index`].
    refused_through: [AtomicU64; 2],
    parent: Option<MemoryBudget>,
}

fn scope_index(scope: BudgetScope) -> usize {
    match scope {
        BudgetScope::Process => 0,
        BudgetScope::Sandbox => 1,
    }
}

impl MemoryBudget {
    /// A root budget (`None`: unlimited, but still counted).
    pub fn new(scope: BudgetScope, limit: Option<u64>) -> Self {
        Self::with_parent(scope, limit, None)
    }

    /// An unlimited root budget (for embedders that meter nothing).
    pub fn unlimited() -> Self {
        Self::new(BudgetScope::Sandbox, None)
    }

    /// A budget whose charges also count against `self`.
    pub fn child(&self, scope: BudgetScope, limit: Option<u64>) -> Self {
        Self::with_parent(scope, limit, Some(self.clone()))
    }

    fn with_parent(scope: BudgetScope, limit: Option<u64>, parent: Option<MemoryBudget>) -> Self {
        MemoryBudget {
            inner: Arc::new(Inner {
                scope,
                limit: AtomicU64::new(limit.unwrap_or(u64::MAX)),
                used: AtomicU64::new(0),
                peak: AtomicU64::new(0),
                refusals: AtomicU64::new(0),
                refused_through: [AtomicU64::new(0), AtomicU64::new(0)],
                parent,
            }),
        }
    }

    pub fn scope(&self) -> BudgetScope {
        self.inner.scope
    }

    /// This budget's own limit.
    pub fn limit(&self) -> Option<u64> {
        match self.inner.limit.load(Ordering::SeqCst) {
            u64::MAX => None,
            l => Some(l),
        }
    }

    /// Change the limit for later charges (what is held stays held, even
    /// past a lowered limit).
    pub fn set_limit(&self, limit: Option<u64>) {
        self.inner
            .limit
            .store(limit.unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    /// Bytes currently charged.
    pub fn used(&self) -> u64 {
        self.inner.used.load(Ordering::SeqCst)
    }

    /// The most bytes ever charged at once.
    pub fn peak(&self) -> u64 {
        self.inner.peak.load(Ordering::SeqCst)
    }

    /// How many charges this budget itself refused.
    pub fn refusals(&self) -> u64 {
        self.inner.refusals.load(Ordering::SeqCst)
    }

    /// How many charges made through this budget were refused by a budget
    /// of `scope` (this one or an ancestor): which limit a process ran
    /// into, whoever made the charge for it.
    pub fn refusals_through(&self, scope: BudgetScope) -> u64 {
        self.inner.refused_through[scope_index(scope)].load(Ordering::SeqCst)
    }

    /// Bytes that could still be charged here and in every ancestor.
    pub fn available(&self) -> u64 {
        let own = self
            .limit()
            .map_or(u64::MAX, |l| l.saturating_sub(self.used()));
        match &self.inner.parent {
            Some(p) => own.min(p.available()),
            None => own,
        }
    }

    /// Charge `bytes` here and in every ancestor, or refuse with the
    /// innermost budget that has no room (nothing is charged then).
    pub fn try_charge(&self, bytes: u64) -> Result<Charge, BudgetExceeded> {
        self.add(bytes)?;
        Ok(Charge {
            budget: self.clone(),
            bytes,
        })
    }

    /// A charge of 0 bytes, to be grown with [`Charge::resize`].
    pub fn empty_charge(&self) -> Charge {
        Charge {
            budget: self.clone(),
            bytes: 0,
        }
    }

    fn add(&self, bytes: u64) -> Result<(), BudgetExceeded> {
        self.add_inner(bytes).inspect_err(|e| {
            self.inner.refused_through[scope_index(e.scope)].fetch_add(1, Ordering::SeqCst);
        })
    }

    fn add_inner(&self, bytes: u64) -> Result<(), BudgetExceeded> {
        if bytes == 0 {
            return Ok(());
        }
        let inner = &self.inner;
        let limit = self.limit();
        let mut current = inner.used.load(Ordering::SeqCst);
        loop {
            let new = current
                .checked_add(bytes)
                .filter(|n| limit.is_none_or(|l| *n <= l));
            let Some(new) = new else {
                inner.refusals.fetch_add(1, Ordering::SeqCst);
                return Err(BudgetExceeded {
                    scope: inner.scope,
                    requested: bytes,
                    used: current,
                    limit: limit.unwrap_or(u64::MAX),
                });
            };
            match inner
                .used
                .compare_exchange_weak(current, new, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => break,
                Err(seen) => current = seen,
            }
        }
        if let Some(parent) = &inner.parent {
            if let Err(e) = parent.add(bytes) {
                inner.used.fetch_sub(bytes, Ordering::SeqCst);
                return Err(e);
            }
        }
        inner
            .peak
            .fetch_max(inner.used.load(Ordering::SeqCst), Ordering::SeqCst);
        Ok(())
    }

    fn release(&self, bytes: u64) {
        if bytes == 0 {
            return;
        }
        // Saturating: a release never exceeds what was charged, but a
        // wrapped meter would refuse everything afterwards.
        let _ = self
            .inner
            .used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| {
                Some(u.saturating_sub(bytes))
            });
        if let Some(parent) = &self.inner.parent {
            parent.release(bytes);
        }
    }
}

/// Bytes held against a [`MemoryBudget`]; released when dropped.
#[derive(Debug)]
pub struct Charge {
    budget: MemoryBudget,
    bytes: u64,
}

impl Charge {
    /// Bytes this charge holds.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The budget charged.
    pub fn budget(&self) -> &MemoryBudget {
        &self.budget
    }

    /// Grow or shrink to `bytes` (growing may be refused; then the charge
    /// is unchanged).
    pub fn resize(&mut self, bytes: u64) -> Result<(), BudgetExceeded> {
        if bytes > self.bytes {
            self.budget.add(bytes - self.bytes)?;
        } else {
            self.budget.release(self.bytes - bytes);
        }
        self.bytes = bytes;
        Ok(())
    }

    /// Grow by `bytes` (refused: unchanged).
    pub fn grow(&mut self, bytes: u64) -> Result<(), BudgetExceeded> {
        let target = self.bytes.checked_add(bytes).ok_or(BudgetExceeded {
            scope: self.budget.scope(),
            requested: bytes,
            used: self.budget.used(),
            limit: self.budget.limit().unwrap_or(u64::MAX),
        })?;
        self.resize(target)
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.budget.release(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_changes_nothing() {
        let sb = MemoryBudget::new(BudgetScope::Sandbox, Some(100));
        let p = sb.child(BudgetScope::Process, Some(80));
        let _a = p.try_charge(80).expect("fits");
        assert!(p.try_charge(1).is_err());
        assert_eq!(
            (p.used(), sb.used(), p.refusals(), sb.refusals()),
            (80, 80, 1, 0)
        );
        let q = sb.child(BudgetScope::Process, None);
        let err = q.try_charge(21).expect_err("sandbox full");
        assert_eq!(err.scope, BudgetScope::Sandbox);
        assert_eq!((q.used(), sb.used(), sb.refusals()), (0, 80, 1));
        assert_eq!(q.available(), 20);
        // Each child knows which limit its own charges ran into.
        assert_eq!(
            (
                p.refusals_through(BudgetScope::Process),
                p.refusals_through(BudgetScope::Sandbox),
                q.refusals_through(BudgetScope::Process),
                q.refusals_through(BudgetScope::Sandbox),
            ),
            (1, 0, 0, 1)
        );
    }

    #[test]
    fn huge_requests_do_not_wrap() {
        let b = MemoryBudget::unlimited();
        let _a = b.try_charge(u64::MAX - 1).expect("unlimited");
        assert!(b.try_charge(2).is_err());
        let mut c = b.empty_charge();
        assert!(c.grow(u64::MAX).is_err());
        assert_eq!(c.bytes(), 0);
    }

    #[test]
    fn resize_and_drop_release() {
        let b = MemoryBudget::new(BudgetScope::Sandbox, Some(10));
        let mut c = b.try_charge(4).expect("fits");
        c.resize(10).expect("fits");
        assert!(c.resize(11).is_err());
        assert_eq!(c.bytes(), 10);
        c.resize(3).expect("shrink");
        assert_eq!(b.used(), 3);
        drop(c);
        assert_eq!((b.used(), b.peak()), (0, 10));
    }

    #[test]
    fn concurrent_charges_never_exceed_the_limit() {
        let b = MemoryBudget::new(BudgetScope::Sandbox, Some(1000));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let b = b.clone();
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        if let Ok(c) = b.try_charge(7) {
                            assert!(b.used() <= 1000);
                            drop(c);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("no panic");
        }
        assert_eq!(b.used(), 0);
        assert!(b.peak() <= 1000);
    }
}
