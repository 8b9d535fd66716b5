//! The runtime matrix (`--report DIR`): one row per runtime, one column per
//! guest program and the total, `passed/total` in each cell, written as
//! `matrix.json`, `matrix.md` and `failures.md` (every failing check of
//! every runtime, with what it printed and what was expected).
//!
//! A runtime's cells count only the expectations (every check and the exit
//! status of every run); a line a guest printed that no expectation names
//! is listed among the failures but does not change the counts, so every
//! runtime is rated on the same total.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

use serde_json::{json, Value};

/// What one runtime printed for one row.
pub struct Outcome<'a> {
    pub pass: bool,
    pub observed: &'a str,
}

/// One row of the driver's table, as the report needs it.
pub struct Line<'a> {
    pub program: &'a str,
    pub id: &'a str,
    pub expected: &'a str,
    /// An expectation (check or exit status), not a line no expectation names.
    pub counted: bool,
    /// One entry per runtime; `None` when the runtime was not run.
    pub outcomes: Vec<Option<Outcome<'a>>>,
}

/// A runtime as the report names it.
pub struct Runtime<'a> {
    pub name: &'a str,
    pub command: &'a str,
    /// Free text from `--version-of` (`""` when not given).
    pub version: &'a str,
}

/// Why a runtime fails some checks: one line of `explanations.txt`,
/// `RUNTIME PATTERN TEXT`, where PATTERN matches check ids with `*` for
/// any run of characters (`sock/*`, `args_env/env_*`).
pub struct Explanation {
    pub runtime: String,
    pub pattern: String,
    pub text: String,
}

/// Parse `explanations.txt`: blank lines and `#` comments are skipped.
pub fn parse_explanations(text: &str) -> Result<Vec<Explanation>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let word = |s: &str| -> (String, String) {
            let s = s.trim_start();
            let end = s.find(char::is_whitespace).unwrap_or(s.len());
            (s[..end].to_string(), s[end..].trim().to_string())
        };
        let (runtime, rest) = word(line);
        let (pattern, text) = word(&rest);
        if pattern.is_empty() || text.is_empty() {
            return Err(format!("line {}: want RUNTIME PATTERN TEXT", i + 1));
        }
        out.push(Explanation {
            runtime,
            pattern,
            text,
        });
    }
    Ok(out)
}

/// Whether `pattern` (`*` = any run of characters) matches all of `s`.
fn glob(pattern: &str, s: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = s.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The first explanation of `runtime` whose pattern matches `check`.
fn explain<'e>(explanations: &'e [Explanation], runtime: &str, check: &str) -> Option<&'e str> {
    explanations
        .iter()
        .find(|e| e.runtime == runtime && glob(&e.pattern, check))
        .map(|e| e.text.as_str())
}

/// passed/total per program, in program order, then the failures.
struct Tally<'a> {
    per_program: Vec<(usize, usize)>,
    failures: Vec<&'a Line<'a>>,
}

fn tally<'a>(programs: &[&str], lines: &'a [Line<'a>], ti: usize) -> Tally<'a> {
    let mut per_program = vec![(0, 0); programs.len()];
    let mut failures = Vec::new();
    for line in lines {
        let Some(Some(o)) = line.outcomes.get(ti) else {
            continue;
        };
        if !o.pass {
            failures.push(line);
        }
        if !line.counted {
            continue;
        }
        if let Some(pi) = programs.iter().position(|p| *p == line.program) {
            per_program[pi].1 += 1;
            if o.pass {
                per_program[pi].0 += 1;
            }
        }
    }
    Tally {
        per_program,
        failures,
    }
}

/// Write `matrix.json`, `matrix.md` and `failures.md` into `dir`.
/// `when` is the run's date as the report shows it.
pub fn write(
    dir: &Path,
    unix_time: u64,
    when: &str,
    programs: &[&str],
    runtimes: &[Runtime<'_>],
    lines: &[Line<'_>],
    explanations: &[Explanation],
) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let tallies: Vec<Tally> = (0..runtimes.len())
        .map(|ti| tally(programs, lines, ti))
        .collect();

    let mut json_runtimes = Vec::new();
    let mut md = format!(
        "# preview1 conformance matrix\n\nRun {when}. Cells: checks passed/total \
         (every check and the exit status of every run); failing checks are \
         listed in `failures.md`, each with its explanation from \
         `conformance/explanations.txt`.\n\n| runtime | version |"
    );
    for p in programs {
        let _ = write!(md, " {p} |");
    }
    md.push_str(" total | unexplained |\n|---|---|");
    md.push_str(&"---:|".repeat(programs.len() + 2));
    md.push('\n');
    let mut failures_md = format!("# Failing checks per runtime\n\nRun {when}.\n");

    for (ti, (rt, t)) in runtimes.iter().zip(&tallies).enumerate() {
        let passed: usize = t.per_program.iter().map(|c| c.0).sum();
        let total: usize = t.per_program.iter().map(|c| c.1).sum();
        let _ = write!(md, "| {} | {} |", rt.name, rt.version);
        let mut per_program = serde_json::Map::new();
        for (p, (ok, all)) in programs.iter().zip(&t.per_program) {
            let _ = write!(md, " {ok}/{all} |");
            per_program.insert(p.to_string(), json!({ "passed": ok, "total": all }));
        }
        let unexplained = t
            .failures
            .iter()
            .filter(|l| explain(explanations, rt.name, l.id).is_none())
            .count();
        let _ = writeln!(md, " **{passed}/{total}** | {unexplained} |");

        let _ = writeln!(
            failures_md,
            "\n## {} ({passed}/{total})\n\n`{}`{}\n",
            rt.name,
            rt.command,
            if rt.version.is_empty() {
                String::new()
            } else {
                format!(", {}", rt.version)
            }
        );
        if t.failures.is_empty() {
            failures_md.push_str("No failing check.\n");
        }
        let mut json_failures = Vec::new();
        for line in &t.failures {
            let observed = line.outcomes[ti].as_ref().map_or("", |o| o.observed);
            let why = explain(explanations, rt.name, line.id);
            let _ = writeln!(
                failures_md,
                "- `{}`: {} (expected {}): {}",
                line.id,
                code(observed),
                code(line.expected),
                why.unwrap_or("**not explained**")
            );
            json_failures.push(json!({
                "check": line.id,
                "observed": observed,
                "expected": line.expected,
                "explanation": why,
            }));
        }
        json_runtimes.push(json!({
            "name": rt.name,
            "command": rt.command,
            "version": rt.version,
            "passed": passed,
            "total": total,
            "unexplained": unexplained,
            "programs": Value::Object(per_program),
            "failures": json_failures,
        }));
    }

    let doc = json!({
        "unix_time": unix_time,
        "date": when,
        "programs": programs,
        "runtimes": json_runtimes,
    });
    let text = serde_json::to_string_pretty(&doc).map_err(io::Error::other)?;
    fs::write(dir.join("matrix.json"), text + "\n")?;
    fs::write(dir.join("matrix.md"), md)?;
    fs::write(dir.join("failures.md"), failures_md)?;
    Ok(())
}

/// A value as inline Markdown code (backticks inside are doubled around).
fn code(s: &str) -> String {
    let s = s.replace('\n', "\\n");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_ids() {
        assert!(glob("sock/*", "sock/accept_file"));
        assert!(glob("*", "anything"));
        assert!(glob("a*b*c", "a-b-c"));
        assert!(glob("args_env/env_*", "args_env/env_PLAIN"));
        assert!(glob("x", "x"));
        assert!(!glob("x", "xy"));
        assert!(!glob("sock/*", "stdio/x"));
        assert!(!glob("a*bc", "abc-bc-x"));
        assert!(glob("*[empty]/*", "args_env[empty]/environ_count"));
        assert!(parse_explanations("wasmi sock/*").is_err());
        let e = parse_explanations("wasmi  sock/*   badf, not notsock\n").unwrap();
        assert_eq!(e[0].text, "badf, not notsock");
        assert_eq!(
            explain(&e, "wasmi", "sock/recv_file"),
            Some("badf, not notsock")
        );
        assert_eq!(explain(&e, "node", "sock/recv_file"), None);
    }

    #[test]
    fn cells_count_expectations_and_list_failures() {
        let pass = |p| {
            Some(Outcome {
                pass: p,
                observed: if p { "ok" } else { "errno=badf" },
            })
        };
        let lines = vec![
            Line {
                program: "a",
                id: "a/x",
                expected: "ok",
                counted: true,
                outcomes: vec![pass(true), pass(false)],
            },
            Line {
                program: "a",
                id: "a/exit",
                expected: "exit=0",
                counted: true,
                outcomes: vec![pass(true), pass(true)],
            },
            Line {
                program: "b",
                id: "b/stray",
                expected: "(no such check)",
                counted: false,
                outcomes: vec![pass(true), pass(false)],
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        let runtimes = [
            Runtime {
                name: "one",
                command: "one run",
                version: "1.0",
            },
            Runtime {
                name: "two",
                command: "two",
                version: "",
            },
        ];
        let explanations = parse_explanations("# why\ntwo a/* its x is badf\n").unwrap();
        write(
            dir.path(),
            0,
            "today",
            &["a", "b"],
            &runtimes,
            &lines,
            &explanations,
        )
        .unwrap();
        let md = fs::read_to_string(dir.path().join("matrix.md")).unwrap();
        assert!(
            md.contains("| one | 1.0 | 2/2 | 0/0 | **2/2** | 0 |"),
            "{md}"
        );
        assert!(md.contains("| two |  | 1/2 | 0/0 | **1/2** | 1 |"), "{md}");
        let failures = fs::read_to_string(dir.path().join("failures.md")).unwrap();
        assert!(failures.contains("- `a/x`: `errno=badf` (expected `ok`): its x is badf"));
        assert!(failures
            .contains("- `b/stray`: `errno=badf` (expected `(no such check)`): **not explained**"));
        let json: Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join("matrix.json")).unwrap())
                .unwrap();
        assert_eq!(json["runtimes"][1]["passed"], 1);
        assert_eq!(json["runtimes"][1]["programs"]["a"]["total"], 2);
        assert_eq!(json["runtimes"][1]["failures"].as_array().unwrap().len(), 2);
    }
}
