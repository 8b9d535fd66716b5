//! A panic inside one sandbox ends that run (or that process or job) with
//! status 70 and a message on stderr; the embedding process, the same
//! sandbox and every other sandbox go on working. The panics are real ones,
//! raised through hooks an embedder has: an output callback and a syscall
//! trace sink that panic.

use std::sync::Arc;
use wasiland::{OutputKind, RunOptions, RunResult, Sandbox};

/// Output callback that panics on any chunk containing `BOOM`.
fn panicking_output() -> RunOptions {
    RunOptions {
        on_output: Some(Arc::new(|kind: OutputKind, data: &[u8]| {
            if kind == OutputKind::Stdout && data.windows(4).any(|w| w == b"BOOM") {
                panic!("deliberate panic in an output callback");
            }
        })),
        ..RunOptions::default()
    }
}

fn sandbox() -> Sandbox {
    Sandbox::builder().build().expect("sandbox")
}

#[track_caller]
fn assert_internal_error(r: &RunResult, status: i32) {
    assert_eq!(r.exit_code, status, "stderr: {}", r.stderr_str());
    assert!(
        r.stderr_str()
            .contains("internal error: deliberate panic in an output callback"),
        "stderr: {}",
        r.stderr_str()
    );
}

#[track_caller]
fn works(sb: &mut Sandbox) {
    let r = sb.run("echo ok; /usr/bin/echo ok | cat; python3 -c 'print(6 * 7)'");
    assert_eq!(
        (r.exit_code, r.stdout_str().as_str()),
        (0, "ok\nok\n42\n"),
        "stderr: {}",
        r.stderr_str()
    );
}

#[test]
fn a_panic_ends_its_run_and_nothing_else() {
    let mut sb = sandbox();
    // In the shell's interpreter thread (a builtin writing): the run fails.
    let r = sb.run_with("echo BOOM; echo never", panicking_output());
    assert_internal_error(&r, 70);
    assert!(!r.stdout_str().contains("never"), "{}", r.stdout_str());
    // In a process thread (inside a syscall): that process fails, the
    // script goes on.
    let r = sb.run_with("/usr/bin/echo BOOM; echo status $?", panicking_output());
    assert_internal_error(&r, 0);
    assert!(
        r.stdout_str().ends_with("status 70\n"),
        "{}",
        r.stdout_str()
    );
    // In a pipeline stage and in a background job.
    let r = sb.run_with(
        "echo BOOM | cat; echo stage ${PIPESTATUS[1]}; { echo BOOM; } & wait $!; echo job $?",
        panicking_output(),
    );
    assert_internal_error(&r, 0);
    // Captured before the callback saw it.
    assert_eq!(r.stdout_str(), "BOOM\nstage 70\nBOOM\njob 70\n");
    // In a child spawned by a guest (Python's subprocess).
    let r = sb.run_with(
        "python3 -c 'import subprocess; print(\"child\", subprocess.run([\"echo\", \"BOOM\"]).returncode)'",
        panicking_output(),
    );
    assert_internal_error(&r, 0);
    assert!(r.stdout_str().contains("child 70"), "{}", r.stdout_str());
    works(&mut sb);
    // Another sandbox of the same process (sharing the runtime) too.
    works(&mut sandbox());
}

#[test]
fn a_panicking_trace_sink_ends_only_its_processes() {
    let mut traced = Sandbox::builder()
        .trace(Arc::new(|line: &str| {
            if line.contains("fd_write") {
                panic!("deliberate panic in a trace sink");
            }
        }))
        .build()
        .expect("sandbox");
    let r = traced.run("/usr/bin/echo hi; echo status $?");
    assert_eq!(r.exit_code, 0, "{}", r.stderr_str());
    assert!(
        r.stdout_str().ends_with("status 70\n"),
        "{}",
        r.stdout_str()
    );
    assert!(
        r.stderr_str()
            .contains("internal error: deliberate panic in a trace sink"),
        "{}",
        r.stderr_str()
    );
    // Builtins do not trace: the shell itself still works.
    assert_eq!(traced.run("echo fine").stdout_str(), "fine\n");
    works(&mut sandbox());
}
