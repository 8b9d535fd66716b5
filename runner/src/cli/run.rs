//! `wasiland run`: run one command line in a fresh sandbox.

use super::common::SandboxArgs;
use super::{host_stdio, parse, text};
use base64::Engine;
use clap::Args;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use wasiland::{LimitHit, LimitKind, RunOptions, RunResult, Sandbox};
use wasiland_wasi_host::{LimitedOutput, OutputBudget, Stdio};

#[derive(Args)]
#[command(after_help = "Examples:
  wasiland run 'seq 3 | python3 -c \"import sys; print(sum(map(int, sys.stdin)))\"'
  wasiland run --mount ./in:/data --export /data/out:./out -- 'cd /data && make-report > out/r.txt'
  wasiland run --json --timeout 5 -- 'echo hi; exit 3'

The exit status is the command line's (124 for --timeout, 137 when a process
is killed by a limit, 130 when cancelled). --json prints one object:
exit_code, stdout, stderr, truncated, limit ({kind, process} or null),
limits_hit, duration_ms; stdout_base64/stderr_base64 are added, holding the
exact bytes, when that output is not valid UTF-8 (stdout/stderr then show
invalid bytes as U+FFFD).")]
pub struct RunArgs {
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// After the run, copy sandbox path GUEST out to host path HOST: a
    /// directory is merged into HOST (same names replaced, others kept),
    /// hard links stay links. Atomic: on failure HOST is left as it was.
    #[arg(long = "export", value_name = "GUEST:HOST", value_parser = parse::parse_export)]
    exports: Vec<(String, String)>,
    /// Print the result as one JSON object instead of streaming the output.
    #[arg(long)]
    json: bool,
    /// The command line (bash syntax); the words are joined with spaces.
    /// Everything from the first word that is not a flag on is the command.
    #[arg(required = true, trailing_var_arg = true, value_name = "COMMAND")]
    command: Vec<String>,
}

/// What run-wide failures of the CLI itself exit with.
const USAGE: i32 = 2;
const EXPORT_FAILED: i32 = 1;

pub fn run(args: RunArgs) -> i32 {
    let mut sb = match args.sandbox.sandbox(wasiland::Limits::default()) {
        Ok(sb) => sb,
        Err(e) => {
            text::error(&e);
            return USAGE;
        }
    };
    let command = args.command.join(" ");
    let (exit_code, json) = if args.json {
        // A terminal is nobody's input here: the result is for a program.
        let stdin = if std::io::stdin().is_terminal() {
            Stdio::Null
        } else {
            host_stdio::stdin()
        };
        let result = sb.run_with(
            &command,
            RunOptions {
                stdin,
                ..RunOptions::default()
            },
        );
        (result.exit_code, Some(result_json(&result)))
    } else {
        (stream(&mut sb, &command), None)
    };
    let mut status = exit_code;
    for (guest, host) in &args.exports {
        match sb.export(guest, Path::new(host)) {
            Ok(stats) => super::common::report_skipped("--export", &stats),
            Err(err) => {
                text::error(&format!("cannot export {guest} to {host}: {err}"));
                status = EXPORT_FAILED;
            }
        }
    }
    if let Some(json) = json {
        println!("{json}");
    }
    status
}

/// Runs with the CLI's own stdio, under the output limit; reports limits
/// hit on stderr.
fn stream(sb: &mut Sandbox, command: &str) -> i32 {
    let budget = OutputBudget::new(sb.limits().output.unwrap_or(u64::MAX));
    let limited = |stream| Stdio::Output(Arc::new(LimitedOutput::new(stream, budget.clone())));
    let stdio = [
        host_stdio::stdin(),
        limited(host_stdio::stdout()),
        limited(host_stdio::stderr()),
    ];
    let status = sb.run_stdio(command, stdio);
    let mut hits = sb.take_hits();
    if budget.exceeded() && !hits.iter().any(|h| h.kind == LimitKind::Output) {
        hits.push(LimitHit {
            kind: LimitKind::Output,
            process: "sh".into(),
        });
    }
    report_hits(&hits);
    status
}

/// `wasiland: PROCESS hit the output limit (--output-limit)` for each hit
/// (the process name is the guest's choice: escaped).
pub(crate) fn report_hits(hits: &[LimitHit]) {
    for hit in hits {
        text::error(&hit.to_string());
    }
}

/// The `--json` object: text fields as UTF-8 (invalid bytes as U+FFFD),
/// plus the exact bytes in base64 when they are not UTF-8.
fn result_json(result: &RunResult) -> serde_json::Value {
    let hit = |h: &LimitHit| serde_json::json!({"kind": h.kind.name(), "process": h.process});
    let mut json = serde_json::json!({
        "exit_code": result.exit_code,
        "stdout": String::from_utf8_lossy(&result.stdout),
        "stderr": String::from_utf8_lossy(&result.stderr),
        "truncated": result.truncated,
        "limit": result.limit.as_ref().map(hit),
        "limits_hit": result.limits_hit.iter().map(hit).collect::<Vec<_>>(),
        "duration_ms": result.duration.as_secs_f64() * 1000.0,
    });
    for (field, bytes) in [
        ("stdout_base64", &result.stdout),
        ("stderr_base64", &result.stderr),
    ] {
        if std::str::from_utf8(bytes).is_err() {
            json[field] = base64::engine::general_purpose::STANDARD
                .encode(bytes)
                .into();
        }
    }
    json
}
