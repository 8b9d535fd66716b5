//! Clocks: the system clock (std) and a manual clock for tests and
//! deterministic runs.

#[cfg(target_has_atomic = "64")]
use core::sync::atomic::{AtomicU64, Ordering};

use crate::Clock;

/// The host's clocks: wall-clock time from [`std::time::SystemTime`] for
/// file times, and a monotonic clock from [`std::time::Instant`] (counted
/// from the clock's creation). The one system clock of wasiland: the
/// filesystem's [`Clock`] here, and `wasiland_wasi_host` implements its
/// guest clocks (`WasiClock`) on the same type.
///
/// ```
/// use wasiland_vfs::{Clock, SystemClock};
/// let clock = SystemClock::new();
/// assert!(clock.now_ns() > 1_600_000_000_000_000_000);
/// let t0 = clock.monotonic_ns();
/// assert!(t0 > 0 && clock.monotonic_ns() >= t0);
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug)]
pub struct SystemClock {
    origin: std::time::Instant,
}

#[cfg(feature = "std")]
impl SystemClock {
    /// A system clock whose monotonic time starts now.
    pub fn new() -> SystemClock {
        SystemClock {
            origin: std::time::Instant::now(),
        }
    }

    /// Nanoseconds since this clock was made, plus one (never zero).
    pub fn monotonic_ns(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .saturating_add(1)
    }
}

#[cfg(feature = "std")]
impl Default for SystemClock {
    fn default() -> SystemClock {
        SystemClock::new()
    }
}

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
