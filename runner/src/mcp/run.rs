//! Work on a sandbox goes to a blocking worker thread, never to the
//! protocol's threads, so a slow or hostile call holds up only its own
//! sandbox. A run ends at its deadline (the sandbox's timeout limit) or as
//! soon as the client cancels the request (or disconnects, over HTTP).

use super::registry::Entry;
use super::render::ToolError;
use crate::limits::Limits;
use crate::sandbox::{RunOptions, RunResult, Sandbox};
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::{Peer, RoleServer};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Grace after a deadline before a worker that has not come back is
/// reported as stuck (the run itself is interrupted at the deadline).
const GRACE: Duration = Duration::from_secs(5);

/// How often a run in progress is reported to a client that asked.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// How long a progress notification may wait for the client to read:
/// one that cannot be sent by then is dropped, never waited on.
const PROGRESS_SEND_WAIT: Duration = Duration::from_millis(100);

/// Where a call's progress goes: the request carried a `progressToken`
/// in its `_meta`, so the client wants `notifications/progress` (and some
/// clients keep a long call alive only while they arrive).
pub(crate) struct Progress {
    pub peer: Peer<RoleServer>,
    pub token: ProgressToken,
}

impl Progress {
    /// Seconds elapsed as the progress (it only grows), the deadline as
    /// the total when there is one.
    async fn report(&self, elapsed: Duration, deadline: Option<Duration>) {
        let seconds = (elapsed.as_secs_f64() * 10.0).round() / 10.0;
        let mut param = ProgressNotificationParam::new(self.token.clone(), seconds);
        param = match deadline {
            Some(d) => param.with_total(d.as_secs_f64()).with_message(format!(
                "running for {seconds:.0} s (timeout {:.0} s)",
                d.as_secs_f64()
            )),
            None => param.with_message(format!("running for {seconds:.0} s")),
        };
        let _ = tokio::time::timeout(PROGRESS_SEND_WAIT, self.peer.notify_progress(param)).await;
    }
}

/// Runs `work` on a worker thread with the sandbox locked. Waits at most
/// `wait` for a run already in progress on the same sandbox; gives up when
/// `ct` is cancelled, stopping the run it started, or when the work takes
/// longer than `deadline` (plus a grace period). Reports to `progress`
/// every second while the work goes on.
pub(crate) async fn with_sandbox<T: Send + 'static>(
    entry: &Arc<Entry>,
    ct: &CancellationToken,
    wait: Duration,
    deadline: Option<Duration>,
    progress: Option<&Progress>,
    work: impl FnOnce(&mut Sandbox) -> T + Send + 'static,
) -> Result<T, ToolError> {
    let guard = tokio::select! {
        guard = entry.sandbox.clone().lock_owned() => guard,
        _ = ct.cancelled() => return Err(ToolError::cancelled()),
        _ = tokio::time::sleep(wait) => return Err(ToolError::new(
            "busy",
            format!(
                "sandbox {:?} is still running an earlier command after {:.0} s; wait for it, or use another sandbox (fork_sandbox)",
                entry.id,
                wait.as_secs_f64()
            ),
        )),
    };
    entry.touch();
    let mut task = tokio::task::spawn_blocking(move || {
        let mut sandbox = guard;
        work(&mut sandbox)
    });
    let stuck = async {
        match deadline {
            Some(d) => tokio::time::sleep(d.saturating_add(GRACE)).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(stuck);
    let started = Instant::now();
    let mut ticks =
        tokio::time::interval_at(tokio::time::Instant::now() + PROGRESS_EVERY, PROGRESS_EVERY);
    let outcome = loop {
        tokio::select! {
            done = &mut task => break done.map_err(|e| ToolError::new("internal", format!("the worker failed: {e}"))),
            _ = ct.cancelled() => {
                entry.cancel.cancel();
                break Err(ToolError::cancelled());
            }
            _ = &mut stuck => {
                // The sandbox's own deadline should have ended the run; make
                // sure, and answer rather than wait on.
                entry.cancel.cancel();
                break Err(ToolError::limit(format!(
                    "the run did not end within its {:.0} s timeout and was cancelled",
                    deadline.unwrap_or_default().as_secs_f64()
                )));
            }
            _ = ticks.tick(), if progress.is_some() => {
                if let Some(p) = progress {
                    p.report(started.elapsed(), deadline).await;
                }
            }
        }
    };
    entry.touch();
    outcome
}

/// One command line to run.
pub(crate) struct Run {
    pub command: String,
    pub stdin: Vec<u8>,
    pub timeout: Duration,
    /// Positional parameters for this run only (`$1`...), e.g. the code of
    /// `run_python`; the session's own are put back afterwards.
    pub positional: Option<Vec<String>>,
}

/// Runs `run` in the sandbox; the result and the cwd after it.
pub(crate) async fn run_command(
    entry: &Arc<Entry>,
    ct: &CancellationToken,
    progress: Option<&Progress>,
    run: Run,
) -> Result<RunResult, ToolError> {
    let timeout = run.timeout;
    let work = move |sb: &mut Sandbox| {
        let base = sb.limits().clone();
        sb.set_limits(Limits {
            timeout: Some(run.timeout),
            ..base.clone()
        });
        let session_positional = run.positional.map(|p| {
            let old = sb.shell().positional().to_vec();
            sb.shell_mut().set_positional(p);
            old
        });
        let result = sb.run_with(&run.command, RunOptions::with_stdin(run.stdin));
        if let Some(old) = session_positional {
            sb.shell_mut().set_positional(old);
        }
        sb.set_limits(base);
        (result, sb.shell().cwd().to_string())
    };
    let (result, cwd) = with_sandbox(entry, ct, timeout, Some(timeout), progress, work).await?;
    entry.set_cwd(&cwd);
    Ok(result)
}
