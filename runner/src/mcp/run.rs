//! Work on a sandbox goes to a blocking worker thread, never to the
//! protocol's threads, so a slow or hostile call holds up only its own
//! sandbox. A run ends at its deadline (the sandbox's timeout limit) or as
//! soon as the client cancels the request (or disconnects, over HTTP).

use super::registry::Entry;
use super::render::ToolError;
use crate::limits::Limits;
use crate::sandbox::{RunOptions, RunResult, Sandbox};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Grace after a deadline before a worker that has not come back is
/// reported as stuck (the run itself is interrupted at the deadline).
const GRACE: Duration = Duration::from_secs(5);

/// Runs `work` on a worker thread with the sandbox locked. Waits at most
/// `wait` for a run already in progress on the same sandbox; gives up when
/// `ct` is cancelled, stopping the run it started, or when the work takes
/// longer than `deadline` (plus a grace period).
pub(crate) async fn with_sandbox<T: Send + 'static>(
    entry: &Arc<Entry>,
    ct: &CancellationToken,
    wait: Duration,
    deadline: Option<Duration>,
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
    let outcome = tokio::select! {
        done = &mut task => done.map_err(|e| ToolError::new("internal", format!("the worker failed: {e}"))),
        _ = ct.cancelled() => {
            entry.cancel.cancel();
            Err(ToolError::cancelled())
        }
        _ = stuck => {
            // The sandbox's own deadline should have ended the run; make
            // sure, and answer rather than wait on.
            entry.cancel.cancel();
            Err(ToolError::limit(format!(
                "the run did not end within its {:.0} s timeout and was cancelled",
                deadline.unwrap_or_default().as_secs_f64()
            )))
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
    let (result, cwd) = with_sandbox(entry, ct, timeout, Some(timeout), work).await?;
    entry.set_cwd(&cwd);
    Ok(result)
}
