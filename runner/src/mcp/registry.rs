//! The server's sandboxes: the handles it mints, the default sandbox, the
//! snapshots of each, and the limits on how many live and how long they
//! idle.
//!
//! A handle is `sb-` and 96 random bits (unguessable, so one is as good as
//! a capability); the default sandbox's is `default`. Each sandbox sits
//! behind an async mutex held for the length of a run or another whole-
//! sandbox operation; file tools go to its filesystem directly, so they
//! answer while a command runs.

use super::render::ToolError;
use super::ServerConfig;
use crate::sandbox::{CancelHandle, Sandbox, Snapshot};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};
use wasiland_wasi_host::SharedVfs;

/// The handle of the sandbox used when a call names none.
pub(crate) const DEFAULT_ID: &str = "default";

/// One sandbox and what the server keeps about it.
pub(crate) struct Entry {
    pub id: String,
    pub label: Option<String>,
    /// Seconds since the epoch at creation.
    pub created: u64,
    /// The sandbox, held for a whole run (or save, load, snapshot...).
    pub sandbox: Arc<tokio::sync::Mutex<Sandbox>>,
    /// Its filesystem, for file tools that need not wait for a run.
    pub vfs: SharedVfs,
    /// The shell's cwd after the last operation, for relative paths.
    pub cwd: Mutex<String>,
    /// Stops the run in progress.
    pub cancel: CancelHandle,
    last_used: Mutex<Instant>,
    /// (handle, snapshot, bytes of files in it), oldest first.
    snapshots: Mutex<VecDeque<(String, Snapshot, u64)>>,
}

impl Entry {
    fn new(id: String, label: Option<String>, sandbox: Sandbox) -> Entry {
        let created = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Entry {
            id,
            label,
            created,
            vfs: sandbox.vfs().clone(),
            cwd: Mutex::new(sandbox.shell().cwd().to_string()),
            cancel: sandbox.cancel_handle(),
            sandbox: Arc::new(tokio::sync::Mutex::new(sandbox)),
            last_used: Mutex::new(Instant::now()),
            snapshots: Mutex::new(VecDeque::new()),
        }
    }

    /// Marks the sandbox as used now (idle expiry counts from here).
    pub fn touch(&self) {
        *lock(&self.last_used) = Instant::now();
    }

    pub fn idle_for(&self) -> Duration {
        lock(&self.last_used).elapsed()
    }

    pub fn cwd(&self) -> String {
        lock(&self.cwd).clone()
    }

    pub fn set_cwd(&self, cwd: &str) {
        *lock(&self.cwd) = cwd.to_string();
    }

    /// Keeps a snapshot holding `bytes` of files; returns its handle and
    /// the handles of the oldest ones dropped to stay within `max` of them
    /// and `max_bytes` in all (counted by logical size, so data snapshots
    /// share counts once per snapshot: a bound, not a measure).
    pub fn add_snapshot(
        &self,
        snapshot: Snapshot,
        bytes: u64,
        max: usize,
        max_bytes: u64,
    ) -> (String, Vec<String>) {
        let id = mint("snap");
        let mut snapshots = lock(&self.snapshots);
        let mut evicted = Vec::new();
        while !snapshots.is_empty()
            && (snapshots.len() >= max.max(1)
                || snapshots
                    .iter()
                    .map(|s| s.2)
                    .sum::<u64>()
                    .saturating_add(bytes)
                    > max_bytes)
        {
            if let Some((old, _, _)) = snapshots.pop_front() {
                evicted.push(old);
            }
        }
        snapshots.push_back((id.clone(), snapshot, bytes));
        (id, evicted)
    }

    pub fn snapshot(&self, id: &str) -> Option<Snapshot> {
        lock(&self.snapshots)
            .iter()
            .find(|(s, _, _)| s == id)
            .map(|(_, snap, _)| snap.clone())
    }

    pub fn snapshot_ids(&self) -> Vec<String> {
        lock(&self.snapshots)
            .iter()
            .map(|(id, _, _)| id.clone())
            .collect()
    }
}

/// Every sandbox of the server.
pub(crate) struct Registry {
    pub config: ServerConfig,
    /// What new sandboxes are forked from.
    template: Mutex<Sandbox>,
    entries: Mutex<HashMap<String, Arc<Entry>>>,
    /// Sandboxes being made (a fork or an import under way): they count
    /// against `max_sandboxes` from the start, so concurrent imports cannot
    /// all load their states before the count is checked.
    reserved: AtomicUsize,
    /// One permit per tool call in progress (`max_calls` of them).
    calls: Arc<tokio::sync::Semaphore>,
}

/// Room for one more sandbox, taken by [`Registry::reserve`] and given
/// back when dropped unless [`Slot::fill`] used it.
pub(crate) struct Slot<'a> {
    registry: &'a Registry,
}

impl Slot<'_> {
    /// Registers `sandbox` under a new handle, in the room reserved.
    pub fn fill(self, sandbox: Sandbox, label: Option<String>) -> Arc<Entry> {
        let entry = Arc::new(Entry::new(mint("sb"), label, sandbox));
        lock(&self.registry.entries).insert(entry.id.clone(), entry.clone());
        entry
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.registry.reserved.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Registry {
    pub fn new(mut template: Sandbox, config: ServerConfig) -> Registry {
        template.set_limits(config.limits.clone());
        Registry {
            calls: Arc::new(tokio::sync::Semaphore::new(config.max_calls.max(1))),
            config,
            template: Mutex::new(template),
            entries: Mutex::new(HashMap::new()),
            reserved: AtomicUsize::new(0),
        }
    }

    /// A permit for one tool call, or `None` when `max_calls` are already
    /// in progress.
    pub fn start_call(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.calls.clone().try_acquire_owned().ok()
    }

    /// Compiles the tools and builds python3's start-up image in the
    /// background (on a throwaway fork), so an agent's first call does not
    /// pay for them.
    pub fn prewarm(&self) {
        let mut scratch = self.fresh();
        let spawned = std::thread::Builder::new()
            .name("wasiland:prewarm".into())
            .spawn(move || {
                scratch.run("/usr/bin/true; python3 -c pass");
            });
        if let Err(e) = spawned {
            eprintln!("wasiland mcp: no prewarm thread: {e}");
        }
    }

    /// A fresh sandbox (not yet registered), forked from the template.
    pub fn fresh(&self) -> Sandbox {
        lock(&self.template).fork()
    }

    /// The sandbox named by `id`, or the default one (created on first
    /// use) when `id` is `None`.
    pub fn get(&self, id: Option<&str>) -> Result<Arc<Entry>, ToolError> {
        let mut entries = lock(&self.entries);
        let id = id.unwrap_or(DEFAULT_ID);
        if let Some(entry) = entries.get(id) {
            entry.touch();
            return Ok(entry.clone());
        }
        if id != DEFAULT_ID {
            return Err(ToolError::unknown_sandbox(id));
        }
        self.check_room(entries.len())?;
        let entry = Arc::new(Entry::new(id.to_string(), None, self.fresh()));
        entries.insert(id.to_string(), entry.clone());
        Ok(entry)
    }

    /// Room for one more sandbox, counted from now until it is filled or
    /// dropped; refused beyond `max_sandboxes`.
    pub fn reserve(&self) -> Result<Slot<'_>, ToolError> {
        let entries = lock(&self.entries);
        self.check_room(entries.len())?;
        self.reserved.fetch_add(1, Ordering::SeqCst);
        Ok(Slot { registry: self })
    }

    /// Refuses one more sandbox beyond `max_sandboxes` (those being made
    /// count).
    fn check_room(&self, live: usize) -> Result<(), ToolError> {
        let reserved = self.reserved.load(Ordering::SeqCst);
        if live.saturating_add(reserved) >= self.config.max_sandboxes {
            Err(ToolError::limit(format!(
                "the server already holds its maximum of {} sandboxes; destroy one \
                 (destroy_sandbox) before creating another",
                self.config.max_sandboxes
            )))
        } else {
            Ok(())
        }
    }

    /// Unregisters a sandbox and stops what it runs.
    pub fn remove(&self, id: &str) -> Result<Arc<Entry>, ToolError> {
        let entry = lock(&self.entries)
            .remove(id)
            .ok_or_else(|| ToolError::unknown_sandbox(id))?;
        entry.cancel.cancel();
        Ok(entry)
    }

    /// Every sandbox, oldest first.
    pub fn list(&self) -> Vec<Arc<Entry>> {
        let mut all: Vec<Arc<Entry>> = lock(&self.entries).values().cloned().collect();
        all.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        all
    }

    /// Destroys the sandboxes idle for longer than the idle timeout (not
    /// the ones running something); returns how many.
    pub fn expire_idle(&self) -> usize {
        let Some(limit) = self.config.idle_timeout else {
            return 0;
        };
        let mut entries = lock(&self.entries);
        let before = entries.len();
        entries.retain(|_, e| e.idle_for() < limit || e.sandbox.try_lock().is_err());
        before - entries.len()
    }

    /// Stops every run (the server is going away).
    pub fn cancel_all(&self) {
        for entry in lock(&self.entries).values() {
            entry.cancel.cancel();
        }
    }
}

/// A new handle: `prefix-` and 24 hex digits of OS randomness.
pub(crate) fn mint(prefix: &str) -> String {
    let mut bytes = [0u8; 12];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: still unique within the process.
        use std::sync::atomic::AtomicU64;
        static COUNTER: AtomicU64 = AtomicU64::new(1);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let t = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        bytes[..8].copy_from_slice(&t.to_le_bytes());
        bytes[8..].copy_from_slice(&(n as u32).to_le_bytes());
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}-{hex}")
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
