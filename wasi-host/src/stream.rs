//! Byte streams behind non-file descriptors: pipes, captured output, byte
//! slices, `/dev/null`-like sinks and adapters over std readers/writers.
//!
//! Streams block (a reader with no data waits, a writer to a full pipe
//! waits), but every wait also watches the process's [`Interrupt`], so a
//! killed or timed-out process never stays stuck in a pipe.

use crate::budget::{BudgetExceeded, Charge, MemoryBudget};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How often blocked operations re-check their [`Interrupt`].
const INTERRUPT_POLL: Duration = Duration::from_millis(20);

/// Why a process was interrupted from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterruptReason {
    /// Its wall-clock deadline passed.
    Timeout,
    /// The embedder (or the shell, e.g. after a limit) cancelled it.
    Cancelled,
}

/// A shared flag (plus optional deadline) that ends blocking waits and, in
/// the runner, execution. Cheap to clone; all clones see the same state.
#[derive(Clone, Debug, Default)]
pub struct Interrupt {
    inner: Arc<InterruptInner>,
}

#[derive(Debug, Default)]
struct InterruptInner {
    /// 0 = running, otherwise 1 + reason index.
    state: AtomicU8,
    deadline: Mutex<Option<Instant>>,
}

impl Interrupt {
    pub fn new() -> Self {
        Self::default()
    }

    /// Interrupt now (the first reason wins).
    pub fn trigger(&self, reason: InterruptReason) {
        let code = match reason {
            InterruptReason::Timeout => 1,
            InterruptReason::Cancelled => 2,
        };
        let _ = self
            .inner
            .state
            .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Interrupt with [`InterruptReason::Timeout`] once `deadline` passes.
    pub fn set_deadline(&self, deadline: Option<Instant>) {
        *lock(&self.inner.deadline) = deadline;
    }

    /// The deadline, if any.
    pub fn deadline(&self) -> Option<Instant> {
        *lock(&self.inner.deadline)
    }

    /// `Err(reason)` once interrupted (checking the deadline too).
    pub fn check(&self) -> Result<(), InterruptReason> {
        match self.inner.state.load(Ordering::SeqCst) {
            0 => {}
            1 => return Err(InterruptReason::Timeout),
            _ => return Err(InterruptReason::Cancelled),
        }
        if let Some(d) = self.deadline() {
            if Instant::now() >= d {
                self.trigger(InterruptReason::Timeout);
                return self.check();
            }
        }
        Ok(())
    }

    /// Sleep for `dur`, waking early (with the reason) if interrupted.
    pub fn sleep(&self, dur: Duration) -> Result<(), InterruptReason> {
        let end = Instant::now() + dur;
        loop {
            self.check()?;
            let now = Instant::now();
            if now >= end {
                return Ok(());
            }
            std::thread::sleep((end - now).min(INTERRUPT_POLL));
        }
    }
}

/// Lock a mutex, ignoring poisoning (a panicking holder cannot leave our
/// byte buffers in an unsafe state, only an incomplete one).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Why a stream operation did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamError {
    /// Non-blocking mode and nothing could be done now.
    WouldBlock,
    /// Writing with no reader left.
    BrokenPipe,
    /// The process was interrupted while waiting.
    Interrupted(InterruptReason),
    /// An output budget ran out; the bytes that fit were kept.
    LimitExceeded,
    /// The underlying reader or writer failed.
    Io,
    /// A filesystem error (for stdio redirected to files).
    Fs(crate::errno::Errno),
}

/// Readiness for `poll_oneoff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Ready; the number of bytes that can be read or written without blocking.
    Ready(u64),
    /// The other end is gone (EOF for readers, EPIPE for writers).
    Hangup,
    /// Not ready yet.
    Pending,
}

/// The read end of a stream descriptor.
pub trait InputStream: Send + Sync {
    /// Read up to `buf.len()` bytes; `Ok(0)` is end of file. Blocks until
    /// some data is there unless `nonblocking`.
    fn read(
        &self,
        buf: &mut [u8],
        nonblocking: bool,
        interrupt: &Interrupt,
    ) -> Result<usize, StreamError>;
    /// Readiness for `poll_oneoff`.
    fn poll_read(&self) -> Readiness {
        Readiness::Ready(1)
    }
    /// A terminal (reported as a character device without seek rights).
    fn is_terminal(&self) -> bool {
        false
    }
}

/// The write end of a stream descriptor.
pub trait OutputStream: Send + Sync {
    /// Write `data`. In blocking mode writes all of it (or fails); in
    /// non-blocking mode may write a prefix.
    fn write(
        &self,
        data: &[u8],
        nonblocking: bool,
        interrupt: &Interrupt,
    ) -> Result<usize, StreamError>;
    /// Readiness for `poll_oneoff`.
    fn poll_write(&self) -> Readiness {
        Readiness::Ready(65536)
    }
    /// A terminal (reported as a character device without seek rights).
    fn is_terminal(&self) -> bool {
        false
    }
}

// ---------------------------------------------------------------- pipes

struct PipeState {
    data: VecDeque<u8>,
    readers: usize,
    writers: usize,
}

struct PipeShared {
    state: Mutex<PipeState>,
    changed: Condvar,
    capacity: usize,
    /// The buffer's capacity, held against a memory budget for the pipe's
    /// whole life (None: unmetered).
    _charge: Option<Charge>,
}

/// The read end of a bounded in-memory pipe. Clones share the end; EOF is
/// seen once every writer is dropped.
pub struct PipeReader {
    shared: Arc<PipeShared>,
}

/// The write end of a bounded in-memory pipe. Writing when every reader is
/// dropped fails with [`StreamError::BrokenPipe`].
pub struct PipeWriter {
    shared: Arc<PipeShared>,
}

/// Default pipe capacity, as on Linux.
pub const PIPE_CAPACITY: usize = 64 * 1024;

/// Largest write a pipe performs atomically (POSIX `PIPE_BUF`, Linux's
/// value): a writer of at most this many bytes waits until all of them fit,
/// so writers sharing a pipe never interleave inside such a write.
pub const PIPE_BUF: usize = 4096;

/// A new pipe holding at most `capacity` bytes (at least 1), charged to no
/// budget (for embedders that meter nothing; see [`pipe_in`]).
pub fn pipe(capacity: usize) -> (PipeReader, PipeWriter) {
    new_pipe(capacity, None)
}

/// A new pipe whose buffer capacity is charged to `budget` for as long as
/// either end lives; refused, with nothing allocated, when the budget has
/// no room for it.
///
/// ```
/// use wasiland_wasi_host::budget::{BudgetScope, MemoryBudget};
/// use wasiland_wasi_host::stream::{pipe_in, PIPE_CAPACITY};
/// let budget = MemoryBudget::new(BudgetScope::Sandbox, Some(100_000));
/// let (r, w) = pipe_in(&budget, PIPE_CAPACITY).unwrap();
/// assert_eq!(budget.used(), PIPE_CAPACITY as u64);
/// assert!(pipe_in(&budget, PIPE_CAPACITY).is_err());
/// drop((r, w));
/// assert_eq!(budget.used(), 0);
/// ```
pub fn pipe_in(
    budget: &MemoryBudget,
    capacity: usize,
) -> Result<(PipeReader, PipeWriter), BudgetExceeded> {
    let capacity = capacity.max(1);
    let charge = budget.try_charge(capacity as u64)?;
    Ok(new_pipe(capacity, Some(charge)))
}

fn new_pipe(capacity: usize, charge: Option<Charge>) -> (PipeReader, PipeWriter) {
    let shared = Arc::new(PipeShared {
        state: Mutex::new(PipeState {
            data: VecDeque::new(),
            readers: 1,
            writers: 1,
        }),
        changed: Condvar::new(),
        capacity: capacity.max(1),
        _charge: charge,
    });
    (
        PipeReader {
            shared: shared.clone(),
        },
        PipeWriter { shared },
    )
}

impl PipeShared {
    fn wait<'a>(&self, guard: MutexGuard<'a, PipeState>) -> MutexGuard<'a, PipeState> {
        match self.changed.wait_timeout(guard, INTERRUPT_POLL) {
            Ok((g, _)) => g,
            Err(e) => e.into_inner().0,
        }
    }
}

impl Clone for PipeReader {
    fn clone(&self) -> Self {
        lock(&self.shared.state).readers += 1;
        PipeReader {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        lock(&self.shared.state).readers -= 1;
        self.shared.changed.notify_all();
    }
}

impl Clone for PipeWriter {
    fn clone(&self) -> Self {
        lock(&self.shared.state).writers += 1;
        PipeWriter {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        lock(&self.shared.state).writers -= 1;
        self.shared.changed.notify_all();
    }
}

impl InputStream for PipeReader {
    fn read(
        &self,
        buf: &mut [u8],
        nonblocking: bool,
        interrupt: &Interrupt,
    ) -> Result<usize, StreamError> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut st = lock(&self.shared.state);
        loop {
            if !st.data.is_empty() {
                let n = buf.len().min(st.data.len());
                let (a, b) = st.data.as_slices();
                let from_a = n.min(a.len());
                buf[..from_a].copy_from_slice(&a[..from_a]);
                buf[from_a..n].copy_from_slice(&b[..n - from_a]);
                st.data.drain(..n);
                drop(st);
                self.shared.changed.notify_all();
                return Ok(n);
            }
            if st.writers == 0 {
                return Ok(0);
            }
            if nonblocking {
                return Err(StreamError::WouldBlock);
            }
            interrupt.check().map_err(StreamError::Interrupted)?;
            st = self.shared.wait(st);
        }
    }

    fn poll_read(&self) -> Readiness {
        let st = lock(&self.shared.state);
        if !st.data.is_empty() {
            Readiness::Ready(st.data.len() as u64)
        } else if st.writers == 0 {
            Readiness::Hangup
        } else {
            Readiness::Pending
        }
    }
}

impl OutputStream for PipeWriter {
    fn write(
        &self,
        data: &[u8],
        nonblocking: bool,
        interrupt: &Interrupt,
    ) -> Result<usize, StreamError> {
        let mut written = 0;
        // A small write goes in whole or waits: no other writer's bytes
        // can land inside it.
        let atomic = data.len() <= PIPE_BUF.min(self.shared.capacity);
        let mut st = lock(&self.shared.state);
        while written < data.len() {
            if st.readers == 0 {
                return Err(StreamError::BrokenPipe);
            }
            let space = self.shared.capacity.saturating_sub(st.data.len());
            if space == 0 || (atomic && space < data.len()) {
                if nonblocking {
                    return if written > 0 {
                        Ok(written)
                    } else {
                        Err(StreamError::WouldBlock)
                    };
                }
                if let Err(reason) = interrupt.check() {
                    return Err(StreamError::Interrupted(reason));
                }
                st = self.shared.wait(st);
                continue;
            }
            let n = space.min(data.len() - written);
            st.data.extend(&data[written..written + n]);
            written += n;
            self.shared.changed.notify_all();
        }
        Ok(written)
    }

    fn poll_write(&self) -> Readiness {
        let st = lock(&self.shared.state);
        if st.readers == 0 {
            Readiness::Hangup
        } else {
            let space = self.shared.capacity.saturating_sub(st.data.len());
            if space > 0 {
                Readiness::Ready(space as u64)
            } else {
                Readiness::Pending
            }
        }
    }
}

// ---------------------------------------------------------------- simple streams

/// Reads from a fixed byte string, then EOF.
pub struct BytesInput {
    data: bytes::Bytes,
    pos: Mutex<usize>,
}

impl BytesInput {
    /// An input reading `data` (borrowed or owned, see [`IntoBytes`](wasiland_vfs::IntoBytes)).
    ///
    /// ```
    /// let input = wasiland_wasi_host::BytesInput::new("line\n");
    /// # drop(input);
    /// ```
    pub fn new(data: impl wasiland_vfs::IntoBytes) -> Self {
        BytesInput {
            data: data.into_bytes(),
            pos: Mutex::new(0),
        }
    }
}

impl InputStream for BytesInput {
    fn read(
        &self,
        buf: &mut [u8],
        _nonblocking: bool,
        _i: &Interrupt,
    ) -> Result<usize, StreamError> {
        let mut pos = lock(&self.pos);
        let rest = &self.data[(*pos).min(self.data.len())..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        *pos += n;
        Ok(n)
    }

    fn poll_read(&self) -> Readiness {
        let pos = *lock(&self.pos);
        match self.data.len().saturating_sub(pos) {
            0 => Readiness::Hangup,
            n => Readiness::Ready(n as u64),
        }
    }
}

/// Empty input and a sink that discards everything (`/dev/null` as stdio).
#[derive(Clone, Copy, Debug, Default)]
pub struct NullStream;

impl InputStream for NullStream {
    fn read(&self, _buf: &mut [u8], _nb: bool, _i: &Interrupt) -> Result<usize, StreamError> {
        Ok(0)
    }
    fn poll_read(&self) -> Readiness {
        Readiness::Hangup
    }
}

impl OutputStream for NullStream {
    fn write(&self, data: &[u8], _nb: bool, _i: &Interrupt) -> Result<usize, StreamError> {
        Ok(data.len())
    }
}

/// A byte budget shared by several captures (e.g. stdout + stderr of a run).
#[derive(Debug)]
pub struct OutputBudget {
    remaining: AtomicU64,
    exceeded: AtomicBool,
}

impl OutputBudget {
    pub fn new(limit: u64) -> Arc<Self> {
        Arc::new(OutputBudget {
            remaining: AtomicU64::new(limit),
            exceeded: AtomicBool::new(false),
        })
    }

    /// Take up to `want` bytes of budget; returns how many were granted.
    pub fn take(&self, want: u64) -> u64 {
        let mut cur = self.remaining.load(Ordering::SeqCst);
        loop {
            let grant = cur.min(want);
            match self.remaining.compare_exchange(
                cur,
                cur - grant,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => {
                    if grant < want {
                        self.exceeded.store(true, Ordering::SeqCst);
                    }
                    return grant;
                }
                Err(actual) => cur = actual,
            }
        }
    }

    /// Whether some output was dropped.
    pub fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::SeqCst)
    }
}

/// Collects everything written into memory, optionally under a shared
/// [`OutputBudget`]; past the budget the rest is dropped and the writer gets
/// [`StreamError::LimitExceeded`].
#[derive(Default)]
pub struct CaptureOutput {
    data: Mutex<Vec<u8>>,
    budget: Option<Arc<OutputBudget>>,
}

impl CaptureOutput {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn with_budget(budget: Arc<OutputBudget>) -> Arc<Self> {
        Arc::new(CaptureOutput {
            data: Mutex::new(Vec::new()),
            budget: Some(budget),
        })
    }

    /// Take what was captured so far, leaving the buffer empty.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *lock(&self.data))
    }

    /// A copy of what was captured so far.
    pub fn contents(&self) -> Vec<u8> {
        lock(&self.data).clone()
    }
}

impl OutputStream for CaptureOutput {
    fn write(&self, data: &[u8], _nb: bool, _i: &Interrupt) -> Result<usize, StreamError> {
        let allowed = match &self.budget {
            Some(b) => b.take(data.len() as u64) as usize,
            None => data.len(),
        };
        lock(&self.data).extend_from_slice(&data[..allowed]);
        if allowed < data.len() {
            Err(StreamError::LimitExceeded)
        } else {
            Ok(allowed)
        }
    }
}

/// Any output stream under an [`OutputBudget`]: bytes past the budget are
/// dropped and the writer gets [`StreamError::LimitExceeded`].
pub struct LimitedOutput {
    inner: Arc<dyn OutputStream>,
    budget: Arc<OutputBudget>,
}

impl LimitedOutput {
    pub fn new(inner: Arc<dyn OutputStream>, budget: Arc<OutputBudget>) -> Self {
        LimitedOutput { inner, budget }
    }
}

impl OutputStream for LimitedOutput {
    fn write(
        &self,
        data: &[u8],
        nonblocking: bool,
        interrupt: &Interrupt,
    ) -> Result<usize, StreamError> {
        let allowed = self.budget.take(data.len() as u64) as usize;
        if allowed > 0 {
            self.inner.write(&data[..allowed], nonblocking, interrupt)?;
        }
        if allowed < data.len() {
            Err(StreamError::LimitExceeded)
        } else {
            Ok(allowed)
        }
    }

    fn poll_write(&self) -> Readiness {
        self.inner.poll_write()
    }

    fn is_terminal(&self) -> bool {
        self.inner.is_terminal()
    }
}

/// Input from any std reader (the CLI's stdin, say).
pub struct ReaderInput<R> {
    reader: Mutex<R>,
    terminal: bool,
}

impl<R: Read + Send> ReaderInput<R> {
    /// `terminal`: whether to present it to the guest as a terminal.
    pub fn new(reader: R, terminal: bool) -> Self {
        ReaderInput {
            reader: Mutex::new(reader),
            terminal,
        }
    }
}

impl<R: Read + Send> InputStream for ReaderInput<R> {
    fn read(&self, buf: &mut [u8], _nb: bool, _i: &Interrupt) -> Result<usize, StreamError> {
        loop {
            let read = lock(&self.reader).read(buf);
            match read {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return Err(StreamError::Io),
            }
        }
    }

    fn is_terminal(&self) -> bool {
        self.terminal
    }
}

/// Output to any std writer (the CLI's stdout/stderr). Every write is
/// flushed at once: the host adds no buffering of its own.
pub struct WriterOutput<W> {
    writer: Mutex<W>,
    terminal: bool,
}

impl<W: Write + Send> WriterOutput<W> {
    /// `terminal`: whether to present it to the guest as a terminal.
    pub fn new(writer: W, terminal: bool) -> Self {
        WriterOutput {
            writer: Mutex::new(writer),
            terminal,
        }
    }
}

impl<W: Write + Send> OutputStream for WriterOutput<W> {
    fn write(&self, data: &[u8], _nb: bool, _i: &Interrupt) -> Result<usize, StreamError> {
        let mut w = lock(&self.writer);
        match w.write_all(data).and_then(|_| w.flush()) {
            Ok(()) => Ok(data.len()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(StreamError::BrokenPipe),
            Err(_) => Err(StreamError::Io),
        }
    }

    fn is_terminal(&self) -> bool {
        self.terminal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_eof_after_writers_drop() {
        let (r, w) = pipe(8);
        let i = Interrupt::new();
        assert_eq!(w.write(b"abc", false, &i), Ok(3));
        drop(w);
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf, false, &i), Ok(3));
        assert_eq!(&buf[..3], b"abc");
        assert_eq!(r.read(&mut buf, false, &i), Ok(0));
    }

    #[test]
    fn pipe_broken_without_reader() {
        let (r, w) = pipe(8);
        drop(r);
        assert_eq!(
            w.write(b"x", false, &Interrupt::new()),
            Err(StreamError::BrokenPipe)
        );
    }

    #[test]
    fn full_pipe_blocks_writer_until_read() {
        let (r, w) = pipe(4);
        let writer = std::thread::spawn(move || w.write(b"0123456789", false, &Interrupt::new()));
        let mut got = Vec::new();
        let mut buf = [0u8; 3];
        let i = Interrupt::new();
        loop {
            let n = r.read(&mut buf, false, &i).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(writer.join().unwrap(), Ok(10));
        assert_eq!(got, b"0123456789");
    }

    #[test]
    fn nonblocking_and_interrupt() {
        let (r, _w) = pipe(4);
        let mut buf = [0u8; 4];
        let i = Interrupt::new();
        assert_eq!(r.read(&mut buf, true, &i), Err(StreamError::WouldBlock));
        i.set_deadline(Some(Instant::now() + Duration::from_millis(30)));
        let t = Instant::now();
        assert_eq!(
            r.read(&mut buf, false, &i),
            Err(StreamError::Interrupted(InterruptReason::Timeout))
        );
        assert!(t.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn capture_budget_truncates() {
        let budget = OutputBudget::new(5);
        let a = CaptureOutput::with_budget(budget.clone());
        let b = CaptureOutput::with_budget(budget.clone());
        let i = Interrupt::new();
        assert_eq!(a.write(b"abc", false, &i), Ok(3));
        assert_eq!(b.write(b"defg", false, &i), Err(StreamError::LimitExceeded));
        assert_eq!(a.contents(), b"abc");
        assert_eq!(b.contents(), b"de");
        assert!(budget.exceeded());
    }
}
