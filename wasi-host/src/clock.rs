//! Clocks and random sources, pluggable so embedders can make runs
//! deterministic.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The four preview1 clocks, in nanoseconds.
pub trait WasiClock: Send + Sync {
    /// Wall-clock time since the Unix epoch.
    fn realtime(&self) -> u64;
    /// A monotonic clock with an arbitrary origin.
    fn monotonic(&self) -> u64;
    /// CPU time of the process. The default counts wall time since
    /// [`WasiClock::monotonic`]'s origin, which bounds it from above.
    fn process_cputime(&self) -> u64 {
        self.monotonic()
    }
    /// Resolution reported by `clock_res_get`, in ns (non-zero).
    fn resolution(&self) -> u64 {
        1_000
    }
}

/// The host's clocks: [`wasiland_vfs::SystemClock`], the one system clock
/// of wasiland (the filesystem's and the guests'), re-exported here.
///
/// ```
/// use wasiland_wasi_host::{SystemClock, WasiClock};
/// let clock = SystemClock::new();
/// assert!(clock.realtime() > 1_600_000_000_000_000_000);
/// assert!(clock.monotonic() > 0);
/// ```
pub use wasiland_vfs::SystemClock;

impl WasiClock for SystemClock {
    fn realtime(&self) -> u64 {
        wasiland_vfs::Clock::now_ns(self)
    }

    fn monotonic(&self) -> u64 {
        self.monotonic_ns()
    }
}

/// Source of `random_get` bytes.
pub trait RandomSource: Send + Sync {
    /// Fill `buf` completely. Must not fail: guests (RustPython) abort if
    /// random_get does.
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's CSPRNG, through `getrandom`.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        if getrandom::fill(buf).is_err() {
            // The OS source is unavailable: fall back to a generator seeded
            // from the clock rather than failing the guest.
            let seed = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
                .unwrap_or(0);
            SeededRandom::new(seed).fill(buf);
        }
    }
}

/// A deterministic generator (SplitMix64) for reproducible runs. Not
/// cryptographic; use [`OsRandom`] unless determinism is the point.
#[derive(Debug)]
pub struct SeededRandom {
    state: Mutex<u64>,
}

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        SeededRandom {
            state: Mutex::new(seed),
        }
    }
}

impl RandomSource for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        let mut state = crate::stream::lock(&self.state);
        for chunk in buf.chunks_mut(8) {
            *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = *state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_random_is_reproducible() {
        let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
        SeededRandom::new(7).fill(&mut a);
        SeededRandom::new(7).fill(&mut b);
        assert_eq!(a, b);
        SeededRandom::new(8).fill(&mut b);
        assert_ne!(a, b);
    }

    #[test]
    fn system_clock_is_nonzero_and_monotonic() {
        let c = SystemClock::new();
        let t0 = c.monotonic();
        let t1 = c.monotonic();
        assert!(t0 > 0 && t1 >= t0);
        assert!(c.realtime() > 1_600_000_000_000_000_000);
    }
}
