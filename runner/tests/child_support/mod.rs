//! What the test harnesses that run cases in child processes share
//! (the module fuzzer, the shell fuzzer, the hostile syscall cases): a
//! count from the environment and the process's own peak RSS.
#![allow(dead_code)]

/// `name` from the environment as a number, `default` if unset.
pub fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

/// Resets the kernel's peak-RSS mark of this process, so the next
/// [`peak_rss`] is the peak of what follows (Linux `clear_refs` 5).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's peak resident memory (`VmHWM`) since the last reset,
/// in bytes; `None` where `/proc` does not say.
pub fn peak_rss() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// This process's resident memory now (`VmRSS`), in bytes.
pub fn current_rss() -> Option<u64> {
    status_bytes("VmRSS:")
}

fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib * 1024)
}
