//! The workloads: what each runs under wasiland and under the references,
//! the inputs it needs, how its output is checked and which target of
//! issue 8 it is judged against.

use std::collections::BTreeMap;
use std::path::Path;

/// Sizes that `--quick` shrinks.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// `seq 1 N | wc -l`.
    pub seq_n: u32,
    /// Lines of the 5-stage pipeline's input.
    pub words_lines: u32,
    /// Bytes of the file `cat` reads.
    pub cat_bytes: usize,
}

/// Where a reference stage's module comes from.
#[derive(Clone, Copy, Debug)]
pub enum ModuleRef {
    /// A built fixture, `fixtures/out/NAME`.
    Fixture(&'static str),
    /// A file among the workload's inputs.
    Input(&'static str),
}

/// One process of a reference command: `MODULE ARGS...` (argv[0] is the
/// module path, so multi-call coreutils dispatches on argv[1]).
#[derive(Clone, Debug)]
pub struct Stage {
    pub module: ModuleRef,
    pub args: Vec<String>,
}

/// How the wasiland CLI runs a workload.
#[derive(Clone, Debug)]
pub enum CliForm {
    /// `wasiland run [--mount INPUTS:/home/user] -- COMMAND`.
    Run,
    /// `wasiland wasm INPUTS/FILE`.
    Wasm(&'static str),
}

/// How a run's result is checked.
#[derive(Clone, Debug)]
pub enum Check {
    /// Exit 0 and stdout is exactly this line.
    Line(String),
    /// Exit 0 and no stdout.
    Empty,
    /// `uniq -c | sort -rn` output: `distinct` lines whose counts add up
    /// to `matched` and never increase.
    Counts { distinct: usize, matched: usize },
}

impl Check {
    pub fn verify(&self, exit: i32, stdout: &[u8]) -> Result<(), String> {
        if exit != 0 {
            return Err(format!("exit status {exit}"));
        }
        let text = String::from_utf8_lossy(stdout);
        match self {
            Check::Line(want) => {
                let got = text.strip_suffix('\n').unwrap_or(&text);
                if got == want {
                    Ok(())
                } else {
                    Err(format!("stdout {:?}, expected {want:?}", clip(got)))
                }
            }
            Check::Empty => {
                if stdout.is_empty() {
                    Ok(())
                } else {
                    Err(format!("unexpected stdout {:?}", clip(&text)))
                }
            }
            Check::Counts { distinct, matched } => {
                let mut last = usize::MAX;
                let (mut lines, mut sum) = (0usize, 0usize);
                for line in text.lines() {
                    let count: usize = line
                        .split_whitespace()
                        .next()
                        .and_then(|c| c.parse().ok())
                        .ok_or_else(|| format!("not a `uniq -c` line: {line:?}"))?;
                    if count > last {
                        return Err(format!("counts not sorted at {line:?}"));
                    }
                    last = count;
                    lines += 1;
                    sum += count;
                }
                if (lines, sum) == (*distinct, *matched) {
                    Ok(())
                } else {
                    Err(format!(
                        "{lines} lines counting {sum}, expected {distinct} counting {matched}"
                    ))
                }
            }
        }
    }
}

fn clip(s: &str) -> String {
    if s.len() > 120 {
        let mut end = 120;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s.to_string()
    }
}

/// A target of issue 8 a workload is judged against.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// Warm sandbox median at most this many ms, and faster than the
    /// wasmtime CLI reference.
    PythonStart { max_ms: f64 },
    /// Warm sandbox median at most this many ms.
    Spawn { max_ms: f64 },
    /// Within this fraction of the stock wasmi CLI.
    NearWasmi { tolerance: f64 },
    /// Faster than the stock wasmi CLI.
    FasterThanWasmi,
}

/// One workload.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Short name for `--only`.
    pub id: &'static str,
    /// The command line run in the sandbox (cwd `/home/user`, which holds
    /// the inputs).
    pub command: String,
    pub cli: CliForm,
    /// Names of the input files it needs.
    pub inputs: Vec<&'static str>,
    /// What the references run (empty: no reference). Several stages are
    /// glued with a host `bash -c 'A | B | ...'`.
    pub reference: Vec<Stage>,
    /// The references' stdout goes to /dev/null (the command does `> /dev/null`).
    pub null_stdout: bool,
    /// What the reference column stands for when it is not the same command.
    pub note: Option<&'static str>,
    pub check: Check,
    pub target: Option<Target>,
}

/// The Python workloads (`bench/python/NAME.py`) and their expected lines.
pub const PYTHON_SCRIPTS: &[(&str, &str, &str)] = &[
    ("py-hello", "hello.py", "hi"),
    ("py-imports", "imports.py", "ok"),
    ("py-compute", "compute.py", "17711 (20099800, 999)"),
    ("py-jsonre", "jsonre.py", "1550372 20000 20000 199990000"),
    ("py-io", "io.py", "20971520"),
];

/// The smallest WASI command: one page of memory and an empty `_start`.
/// Running it measures a runtime's fixed cost per process.
pub fn trivial_module() -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    // type section: one type, () -> ()
    m.extend([0x01, 0x04, 0x01, 0x60, 0x00, 0x00]);
    // function section: one function of type 0
    m.extend([0x03, 0x02, 0x01, 0x00]);
    // memory section: one memory, min 1 page
    m.extend([0x05, 0x03, 0x01, 0x00, 0x01]);
    // export section: "memory" (memory 0), "_start" (func 0)
    m.extend([0x07, 0x13, 0x02, 0x06]);
    m.extend(b"memory");
    m.extend([0x02, 0x00, 0x06]);
    m.extend(b"_start");
    m.extend([0x00, 0x00]);
    // code section: one body with no locals, just `end`
    m.extend([0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b]);
    m
}

/// The 5-stage pipeline's input: deterministic lines, about a third of
/// them containing "alpha". Returns the bytes, the number of matching
/// lines and of distinct matching lines.
pub fn words(lines: u32) -> (Vec<u8>, usize, usize) {
    let mut out = Vec::new();
    let mut distinct = std::collections::BTreeSet::new();
    let mut matched = 0;
    for i in 0..lines {
        let word = if i % 3 == 0 { "alpha" } else { "beta" };
        let line = format!("item{:03} {word}\n", (i as u64 * 7919) % 500);
        if word == "alpha" {
            matched += 1;
            distinct.insert(line.clone());
        }
        out.extend_from_slice(line.as_bytes());
    }
    (out, matched, distinct.len())
}

/// The input files the given workloads need, by name.
pub fn inputs(
    python_dir: &Path,
    sizes: Sizes,
    workloads: &[Workload],
) -> std::io::Result<BTreeMap<&'static str, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for name in workloads.iter().flat_map(|w| w.inputs.iter().copied()) {
        let data = match name {
            "words.txt" => words(sizes.words_lines).0,
            // Not all one byte: the 251 values of a prime cycle, repeated.
            "cat.bin" => (0..sizes.cat_bytes).map(|i| (i % 251) as u8).collect(),
            "trivial.wasm" => trivial_module(),
            script => {
                let path = python_dir.join(script);
                std::fs::read(&path).map_err(|e| {
                    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
                })?
            }
        };
        files.insert(name, data);
    }
    Ok(files)
}

fn stage(module: ModuleRef, args: &[&str]) -> Stage {
    Stage {
        module,
        args: args.iter().map(|s| s.to_string()).collect(),
    }
}

const PY: ModuleRef = ModuleRef::Fixture("rustpython.wasm");
const CORE: ModuleRef = ModuleRef::Fixture("coreutils.wasm");
const GREP: ModuleRef = ModuleRef::Fixture("grep.wasm");

/// All workloads, in the order they are reported.
pub fn all(sizes: Sizes) -> Vec<Workload> {
    let mut w = Vec::new();
    let plain = |id, command: &str, reference, check| Workload {
        id,
        command: command.to_string(),
        cli: CliForm::Run,
        inputs: Vec::new(),
        reference,
        null_stdout: false,
        note: None,
        check,
        target: None,
    };
    w.push(Workload {
        cli: CliForm::Wasm("trivial.wasm"),
        inputs: vec!["trivial.wasm"],
        note: Some("fixed cost of one process of each runtime"),
        ..plain(
            "trivial",
            "./trivial.wasm",
            vec![stage(ModuleRef::Input("trivial.wasm"), &[])],
            Check::Empty,
        )
    });
    w.push(Workload {
        target: Some(Target::PythonStart { max_ms: 30.0 }),
        ..plain(
            "py-print1",
            "python3 -c \"print(1)\"",
            vec![stage(PY, &["-c", "print(1)"])],
            Check::Line("1".into()),
        )
    });
    for (id, file, line) in PYTHON_SCRIPTS {
        let target = match *id {
            "py-compute" | "py-jsonre" => Some(Target::NearWasmi { tolerance: 0.05 }),
            "py-io" => Some(Target::FasterThanWasmi),
            _ => None,
        };
        w.push(Workload {
            inputs: vec![file],
            target,
            ..plain(
                id,
                &format!("python3 {file}"),
                vec![stage(PY, &[file])],
                Check::Line(line.to_string()),
            )
        });
    }
    w.push(Workload {
        note: Some("builtin; references run coreutils `echo x`"),
        ..plain(
            "echo-builtin",
            "echo x",
            vec![stage(CORE, &["echo", "x"])],
            Check::Line("x".into()),
        )
    });
    w.push(Workload {
        target: Some(Target::Spawn { max_ms: 1.0 }),
        ..plain(
            "echo-proc",
            "/usr/bin/echo x",
            vec![stage(CORE, &["echo", "x"])],
            Check::Line("x".into()),
        )
    });
    w.push(Workload {
        target: Some(Target::Spawn { max_ms: 1.0 }),
        ..plain(
            "true-proc",
            "/usr/bin/true",
            vec![stage(CORE, &["true"])],
            Check::Empty,
        )
    });
    let n = sizes.seq_n.to_string();
    w.push(Workload {
        note: Some("references: two processes glued by host bash"),
        ..plain(
            "seq-wc",
            &format!("seq 1 {n} | wc -l"),
            vec![stage(CORE, &["seq", "1", &n]), stage(CORE, &["wc", "-l"])],
            Check::Line(n.clone()),
        )
    });
    let (_, matched, distinct) = words(sizes.words_lines);
    w.push(Workload {
        inputs: vec!["words.txt"],
        note: Some("references: five processes glued by host bash"),
        ..plain(
            "pipe5",
            "cat words.txt | grep alpha | sort | uniq -c | sort -rn",
            vec![
                stage(CORE, &["cat", "words.txt"]),
                stage(GREP, &["alpha"]),
                stage(CORE, &["sort"]),
                stage(CORE, &["uniq", "-c"]),
                stage(CORE, &["sort", "-rn"]),
            ],
            Check::Counts { distinct, matched },
        )
    });
    w.push(Workload {
        inputs: vec!["cat.bin"],
        null_stdout: true,
        target: Some(Target::FasterThanWasmi),
        ..plain(
            "cat64",
            "cat cat.bin > /dev/null",
            vec![stage(CORE, &["cat", "cat.bin"])],
            Check::Empty,
        )
    });
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_check() {
        let c = Check::Counts {
            distinct: 2,
            matched: 5,
        };
        assert!(c.verify(0, b"   3 a\n   2 b\n").is_ok());
        assert!(c.verify(0, b"   2 a\n   3 b\n").is_err());
        assert!(c.verify(0, b"   3 a\n").is_err());
        assert!(c.verify(1, b"   3 a\n   2 b\n").is_err());
    }

    #[test]
    fn words_are_deterministic() {
        let (data, matched, distinct) = words(3000);
        assert_eq!(matched, 1000);
        assert!(distinct <= 500 && distinct > 100);
        assert_eq!(data, words(3000).0);
    }
}
