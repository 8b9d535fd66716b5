//! Clocks: the system clock (std) and a manual clock for tests and
//! deterministic runs.

#[cfg(target_has_atomic = "64")]
use core::sync::atomic::{AtomicU64, Ordering};

use crate::Clock;

/// Wall-clock time from [`std::time::SystemTime`].
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

#[cfg(feature = "std")]
impl Clock for SystemClock {
    fn now_ns(&self) -> u64 {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX).max(1)
    }
}

/// A clock that only moves when told to. Shared through an `Arc`, so a test
/// can keep one handle and give another to the [`crate::Vfs`].
#[cfg(target_has_atomic = "64")]
#[derive(Debug)]
pub struct ManualClock {
    now: AtomicU64,
}

#[cfg(target_has_atomic = "64")]
impl ManualClock {
    /// A clock showing `start_ns` (0 is taken as 1: times are never zero).
    pub fn new(start_ns: u64) -> ManualClock {
        ManualClock {
            now: AtomicU64::new(start_ns.max(1)),
        }
    }

    /// Sets the time (0 is taken as 1).
    pub fn set(&self, ns: u64) {
        self.now.store(ns.max(1), Ordering::SeqCst);
    }

    /// Moves the time forward by `ns` (saturating).
    pub fn advance(&self, ns: u64) {
        let _ = self
            .now
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(ns))
            });
    }
}

#[cfg(target_has_atomic = "64")]
impl Default for ManualClock {
    /// Starts at 1 s after the epoch.
    fn default() -> ManualClock {
        ManualClock::new(1_000_000_000)
    }
}

#[cfg(target_has_atomic = "64")]
impl Clock for ManualClock {
    fn now_ns(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}
