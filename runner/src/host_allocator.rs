//! Freed sandbox memory goes back to the operating system.
//!
//! glibc's `malloc` raises its mmap threshold each time a large block is
//! freed (up to 32 MiB), after which blocks below it come from per-thread
//! arenas (up to eight per core) and stay resident when freed. A sandbox
//! whose shell strings, pipes and process states are charged and released
//! correctly still left the host holding them: a fork bomb carrying a
//! 1 MiB variable, run four times, kept 130 MiB resident after its sandbox
//! was dropped (18 MiB with the threshold fixed), and the shell fuzzer saw
//! a following program's peak pass its bound by that residue.
//!
//! So the first [`crate::Runtime`] fixes the threshold at 256 KiB: larger
//! blocks (variable values, pipe buffers, linear memories) are mapped on
//! their own and unmapped when freed. A host that already chose (the
//! `MALLOC_MMAP_THRESHOLD_` environment variable or the
//! `glibc.malloc.mmap_threshold` tunable) is left as it is. Other C
//! libraries (musl returns freed memory by itself) and other systems are
//! untouched.

/// The block size from which glibc maps each allocation on its own.
pub const MMAP_THRESHOLD: usize = 256 << 10;

/// Applies the setting once per process; later calls do nothing.
pub(crate) fn return_freed_memory() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(apply);
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn apply() {
    let chosen = std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_some()
        || std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("mmap_threshold"));
    if !chosen {
        // SAFETY: mallopt only changes a malloc parameter; glibc takes its
        // own lock. A zero return (refused) leaves the default.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn apply() {}
