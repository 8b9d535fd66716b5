//! The CLI's own stdin, stdout and stderr as a guest's fds 0, 1 and 2.
//!
//! A guest waiting on the host's streams must still end at its deadline or
//! on Ctrl-C: a host pipe that stays open with nothing to read, or a reader
//! that stops reading, must not hold a process past `--timeout`. So on Unix
//! the streams never block in the kernel: each wait is a `poll(2)` of at
//! most [`POLL_SLICE`], with the run's interrupt checked in between, and
//! only what the guest asked for is read (nothing is read ahead, so input a
//! command leaves unread stays for the next one, or for the shell's line
//! editor).

use std::io::IsTerminal;
use std::sync::Arc;
use wasiland_wasi_host::Stdio;

/// How long one wait on a host stream lasts before the interrupt is checked.
#[cfg(unix)]
const POLL_SLICE: std::time::Duration = std::time::Duration::from_millis(20);

/// Bytes written per readiness check: a pipe that polls writable takes this
/// many without blocking (POSIX `PIPE_BUF`).
#[cfg(unix)]
const WRITE_PIECE: usize = 4096;

/// fd 0 for a guest: the CLI's stdin.
pub(crate) fn stdin() -> Stdio {
    let terminal = std::io::stdin().is_terminal();
    #[cfg(unix)]
    {
        Stdio::Input(Arc::new(unix::HostStdin { terminal }))
    }
    #[cfg(not(unix))]
    {
        Stdio::Input(Arc::new(wasiland_wasi_host::ReaderInput::new(
            std::io::stdin(),
            terminal,
        )))
    }
}

/// fd 1 for a guest: the CLI's stdout.
pub(crate) fn stdout() -> Arc<dyn wasiland_wasi_host::OutputStream> {
    output(std::io::stdout(), std::io::stdout().is_terminal())
}

/// fd 2 for a guest: the CLI's stderr.
pub(crate) fn stderr() -> Arc<dyn wasiland_wasi_host::OutputStream> {
    output(std::io::stderr(), std::io::stderr().is_terminal())
}

#[cfg(unix)]
fn output<W: std::os::fd::AsFd + Send + Sync + 'static>(
    writer: W,
    terminal: bool,
) -> Arc<dyn wasiland_wasi_host::OutputStream> {
    Arc::new(unix::HostOutput { writer, terminal })
}

#[cfg(not(unix))]
fn output<W: std::io::Write + Send + 'static>(
    writer: W,
    terminal: bool,
) -> Arc<dyn wasiland_wasi_host::OutputStream> {
    Arc::new(wasiland_wasi_host::WriterOutput::new(writer, terminal))
}

#[cfg(unix)]
mod unix {
    use super::{POLL_SLICE, WRITE_PIECE};
    use rustix::event::{PollFd, PollFlags, Timespec};
    use rustix::io::Errno;
    use std::os::fd::{AsFd, BorrowedFd};
    use std::time::Duration;
    use wasiland_wasi_host::{InputStream, Interrupt, OutputStream, Readiness, StreamError};

    /// What a wait on a host descriptor found.
    #[derive(Debug, PartialEq, Eq)]
    enum Ready {
        /// An operation would not block (data, EOF, space, or an error the
        /// operation itself will report).
        Yes,
        /// Nothing yet.
        NotYet,
        /// The descriptor is not open: no stdin reads as EOF.
        Closed,
    }

    fn wait(fd: BorrowedFd<'_>, flags: PollFlags, timeout: Duration) -> Ready {
        let mut fds = [PollFd::new(&fd, flags)];
        let ts = Timespec {
            tv_sec: 0,
            tv_nsec: i64::from(timeout.subsec_nanos()),
        };
        match rustix::event::poll(&mut fds, Some(&ts)) {
            Ok(0) | Err(Errno::INTR) | Err(Errno::AGAIN) => Ready::NotYet,
            Ok(_) if fds[0].revents().contains(PollFlags::NVAL) => Ready::Closed,
            // Readable, writable, hung up or failed: the read or write
            // reports which without blocking.
            Ok(_) | Err(_) => Ready::Yes,
        }
    }

    /// Waits until `fd` is ready for `flags`: one look when `nonblocking`
    /// (then `WouldBlock`), else until ready or interrupted.
    fn wait_ready(
        fd: BorrowedFd<'_>,
        flags: PollFlags,
        nonblocking: bool,
        interrupt: &Interrupt,
    ) -> Result<Ready, StreamError> {
        loop {
            let timeout = if nonblocking {
                Duration::ZERO
            } else {
                POLL_SLICE
            };
            match wait(fd, flags, timeout) {
                Ready::NotYet if nonblocking => return Err(StreamError::WouldBlock),
                Ready::NotYet => interrupt.check().map_err(StreamError::Interrupted)?,
                ready => return Ok(ready),
            }
        }
    }

    fn readiness(fd: BorrowedFd<'_>, flags: PollFlags, ready_bytes: u64) -> Readiness {
        match wait(fd, flags, Duration::ZERO) {
            Ready::Yes => Readiness::Ready(ready_bytes),
            Ready::NotYet => Readiness::Pending,
            Ready::Closed => Readiness::Hangup,
        }
    }

    /// The CLI's stdin, read only when ready.
    pub(super) struct HostStdin {
        pub(super) terminal: bool,
    }

    impl InputStream for HostStdin {
        fn read(
            &self,
            buf: &mut [u8],
            nonblocking: bool,
            interrupt: &Interrupt,
        ) -> Result<usize, StreamError> {
            if buf.is_empty() {
                return Ok(0);
            }
            let stdin = std::io::stdin();
            loop {
                if wait_ready(stdin.as_fd(), PollFlags::IN, nonblocking, interrupt)?
                    == Ready::Closed
                {
                    return Ok(0);
                }
                match rustix::io::read(stdin.as_fd(), &mut *buf) {
                    Ok(n) => return Ok(n),
                    // Another reader was first, or a signal came: wait again.
                    Err(Errno::AGAIN) | Err(Errno::INTR) => {}
                    Err(Errno::BADF) => return Ok(0),
                    Err(_) => return Err(StreamError::Io),
                }
            }
        }

        fn poll_read(&self) -> Readiness {
            readiness(std::io::stdin().as_fd(), PollFlags::IN, 1)
        }

        fn is_terminal(&self) -> bool {
            self.terminal
        }
    }

    /// The CLI's stdout or stderr, written only when it can take data.
    pub(super) struct HostOutput<W> {
        pub(super) writer: W,
        pub(super) terminal: bool,
    }

    impl<W: AsFd + Send + Sync> OutputStream for HostOutput<W> {
        fn write(
            &self,
            data: &[u8],
            nonblocking: bool,
            interrupt: &Interrupt,
        ) -> Result<usize, StreamError> {
            let fd = self.writer.as_fd();
            let mut written = 0;
            while written < data.len() {
                let ready = match wait_ready(fd, PollFlags::OUT, nonblocking, interrupt) {
                    Err(StreamError::WouldBlock) if written > 0 => return Ok(written),
                    other => other?,
                };
                if ready == Ready::Closed {
                    return Err(StreamError::BrokenPipe);
                }
                let end = data.len().min(written + WRITE_PIECE);
                match rustix::io::write(fd, &data[written..end]) {
                    Ok(n) => written += n,
                    Err(Errno::AGAIN) | Err(Errno::INTR) => {}
                    Err(Errno::PIPE) => return Err(StreamError::BrokenPipe),
                    Err(_) => return Err(StreamError::Io),
                }
            }
            Ok(written)
        }

        fn poll_write(&self) -> Readiness {
            readiness(self.writer.as_fd(), PollFlags::OUT, WRITE_PIECE as u64)
        }

        fn is_terminal(&self) -> bool {
            self.terminal
        }
    }
}
