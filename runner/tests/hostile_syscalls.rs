//! Guests that attack the syscall layer (`fixtures/hostile/iovbomb.wat`,
//! `fdrenumber.wat`) and pipes charged to the sandbox's memory budget:
//! each case ends with its limit's status in bounded time, and the host's
//! peak RSS stays under the limits in force plus a fixed overhead.
//!
//! Every case runs in a child process (this test binary again, picked by
//! an environment variable) that reports its status, duration and peak
//! RSS (`VmHWM`), so a host abort shows up as a dead child instead of
//! killing the harness, and each peak is measured on its own.

mod child_support;

use child_support::peak_rss;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use wasiland::{LimitKind, Limits, Sandbox, ToolRegistry};

/// Names the case a child process runs.
const CHILD: &str = "WASILAND_HOSTILE_SYSCALL_CASE";

/// What a host may hold beyond the limits of a case: the test binary,
/// the wasmi engine, the guest's compiled code and its 2 MiB memory.
const OVERHEAD_MIB: u64 = 48;

struct Case {
    name: &'static str,
    command: &'static str,
    limits: Limits,
    status: i32,
    limit: Option<LimitKind>,
    /// Host memory the case's limits allow it to hold (the captured output,
    /// say), on top of [`OVERHEAD_MIB`].
    allowed_mib: u64,
    max_time: Duration,
}

fn limits() -> Limits {
    Limits {
        timeout: Some(Duration::from_secs(20)),
        ..Limits::default()
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "iovecs_to_stdout_stop_at_the_output_limit",
            command: "iovbomb w",
            limits: limits(),
            status: 141,
            limit: Some(LimitKind::Output),
            allowed_mib: 64,
            max_time: Duration::from_secs(10),
        },
        Case {
            name: "iovecs_to_devices_move_the_per_call_maximum",
            command: "iovbomb n",
            limits: limits(),
            status: 0,
            limit: None,
            allowed_mib: 0,
            max_time: Duration::from_secs(10),
        },
        Case {
            name: "endless_huge_reads_from_dev_zero_end_at_the_deadline",
            command: "iovbomb z",
            limits: Limits {
                timeout: Some(Duration::from_secs(2)),
                ..Limits::default()
            },
            status: 124,
            limit: Some(LimitKind::Timeout),
            allowed_mib: 0,
            max_time: Duration::from_secs(4),
        },
        Case {
            name: "a_loop_of_cheap_syscalls_ends_at_the_deadline",
            command: "iovbomb c",
            limits: Limits {
                timeout: Some(Duration::from_secs(1)),
                ..Limits::default()
            },
            status: 124,
            limit: Some(LimitKind::Timeout),
            allowed_mib: 0,
            max_time: Duration::from_millis(1500),
        },
        Case {
            name: "a_file_write_past_the_quota_is_refused_whole",
            command: "iovbomb f && test ! -s big",
            limits: Limits {
                fs_bytes: Some(64 << 20),
                ..limits()
            },
            status: 0,
            limit: Some(LimitKind::FsBytes),
            allowed_mib: 0,
            max_time: Duration::from_secs(10),
        },
        Case {
            name: "huge_descriptor_numbers_are_badf",
            command: "fdrenumber",
            limits: limits(),
            status: 0,
            limit: None,
            allowed_mib: 0,
            max_time: Duration::from_secs(10),
        },
        Case {
            name: "a_pipe_the_sandbox_budget_cannot_hold_is_an_error",
            command: "echo a | read x | read y",
            limits: Limits {
                sandbox_memory: Some(100_000),
                ..limits()
            },
            status: 126,
            limit: None,
            allowed_mib: 0,
            max_time: Duration::from_secs(10),
        },
    ]
}

fn hostile(name: &str) -> Vec<u8> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../fixtures/hostile/{name}.wat"));
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The child's side: run one case and print what happened.
#[test]
fn child_entry() {
    let Ok(name) = std::env::var(CHILD) else {
        return;
    };
    let case = cases()
        .into_iter()
        .find(|c| c.name == name)
        .expect("known case");
    let mut tools = ToolRegistry::new();
    for guest in ["iovbomb", "fdrenumber"] {
        tools.register_bytes(guest, hostile(guest));
    }
    let mut sb = Sandbox::builder()
        .tools(tools)
        .limits(case.limits.clone())
        .build()
        .expect("sandbox");
    let started = Instant::now();
    let r = sb.run(case.command);
    let elapsed = started.elapsed();
    println!(
        "RESULT status={} limit={} ms={} hwm_kib={} stderr={:?}",
        r.exit_code,
        r.limit.as_ref().map_or("none", |h| h.kind.name()),
        elapsed.as_millis(),
        peak_rss().expect("VmHWM") / 1024,
        r.stderr_str(),
    );
}

#[test]
fn hostile_syscalls_end_cleanly_within_bounds() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    for case in cases() {
        let out = Command::new(&exe)
            .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
            .env(CHILD, case.name)
            .output()
            .expect("run child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find_map(|l| Some(l.split_once("RESULT ")?.1))
            .unwrap_or_else(|| {
                panic!(
                    "{}: the host died ({}):\n{stdout}\n{}",
                    case.name,
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        let field = |key: &str| -> &str {
            line.split(' ')
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                .unwrap_or_else(|| panic!("{}: no {key} in {line}", case.name))
        };
        let num = |key: &str| -> u64 { field(key).parse().expect("number") };
        assert_eq!(
            field("status").parse::<i32>().expect("status"),
            case.status,
            "{}: {line}",
            case.name
        );
        let limit = case.limit.map_or("none", |k| k.name());
        assert_eq!(field("limit"), limit, "{}: {line}", case.name);
        assert!(
            Duration::from_millis(num("ms")) <= case.max_time,
            "{}: took too long: {line}",
            case.name
        );
        let bound_kib = (case.allowed_mib + OVERHEAD_MIB) << 10;
        assert!(
            num("hwm_kib") <= bound_kib,
            "{}: peak RSS over {bound_kib} KiB: {line}",
            case.name
        );
        eprintln!("{}: {line}", case.name);
    }
}
