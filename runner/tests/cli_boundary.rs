//! The CLI at the host boundary, as a hostile user or guest would try it:
//! every number and flag checked before anything runs, the host's streams
//! unable to hold a guest past its deadline, mounts and exports that cannot
//! block, blow up or half-write, and host messages that guest-chosen text
//! cannot turn into terminal control sequences.

mod cli_support;

use cli_support::measure::{measure, CLI_OVERHEAD};
use cli_support::{refused, run, text, wasiland};
use std::os::unix::fs::MetadataExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Whether `bytes` hold an ESC or BEL (what terminal control sequences
/// start or end with).
fn has_controls(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b == 0x1b || b == 0x07 || b == 0x9b)
}

#[test]
fn flags_come_before_the_command() {
    refused(
        &["run", "--timout", "5", "echo hi"],
        "unexpected argument '--timout'",
    );
    refused(&["shell", "--no-such-flag"], "unexpected argument");
    // After the first word, everything is the command's.
    let out = run(&["run", "echo", "--timeout", "x"], b"");
    assert_eq!(text(&out.stdout), "--timeout x\n");
    let out = run(&["run", "--", "echo -n dash"], b"");
    assert_eq!(text(&out.stdout), "dash");
}

#[test]
fn every_number_is_checked() {
    for (flag, value) in [
        ("--timeout", "1e100"),
        ("--timeout", "inf"),
        ("--timeout", "NaN"),
        ("--timeout", "-1"),
        ("--memory-limit", "99999999999999999999"),
        ("--sandbox-memory", "1.5G"),
        ("--fs-limit", "16777216T"),
        ("--output-limit", "-5M"),
        ("--fs-inodes", "1e3"),
        ("--fuel", "1.5"),
        ("--open-files", "0"),
        ("--open-files", "99999999999"),
        ("--args-limit", "2G"),
        ("--pipeline-limit", "100000"),
        ("--depth-limit", "1000000"),
        ("--seed", "-1"),
    ] {
        refused(&["run", flag, value, "echo ran"], flag);
        refused(&["wasm", flag, value, "x.wasm"], flag);
    }
    // 0 is "no timeout", not an error.
    let out = run(&["run", "--timeout", "0", "sleep 0.2; echo ok"], b"");
    assert_eq!(text(&out.stdout), "ok\n", "{}", text(&out.stderr));
}

#[test]
fn help_shows_defaults_and_examples() {
    for cmd in ["run", "shell", "wasm"] {
        let out = run(&[cmd, "--help"], b"");
        let help = text(&out.stdout);
        assert!(out.status.success(), "{cmd}");
        for needle in ["Examples:", "[default: 1G]", "[default: 64M]", "0 for none"] {
            assert!(
                help.contains(needle),
                "{cmd} --help lacks {needle:?}:\n{help}"
            );
        }
    }
}

#[test]
fn mcp_help_shows_the_servers_own_defaults() {
    let out = run(&["mcp", "--help"], b"");
    let help = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // 1 MiB of output, 256 MiB of files, 1 GiB of host memory per sandbox:
    // `wasiland::mcp::default_limits()`, not `run`'s 64M, 1G and 2G.
    for (flag, default) in [
        ("--output-limit", "[default: 1M]"),
        ("--fs-limit", "[default: 256M]"),
        ("--sandbox-memory", "[default: 1G]"),
        ("--timeout", "[default: 60]"),
    ] {
        let entry = help
            .split("\n  -")
            .find(|e| e.contains(flag))
            .unwrap_or_else(|| panic!("no {flag} in:\n{help}"));
        assert!(entry.contains(default), "{flag}: {entry:?} lacks {default}");
    }
    assert!(!help.contains("[default: 64M]"), "{help}");
}

#[test]
fn env_without_a_value_inherits_the_hosts() {
    let out = wasiland()
        .env("WASILAND_TEST_VALUE", "from the host")
        .env_remove("WASILAND_TEST_UNSET")
        .args([
            "run",
            "--env",
            "WASILAND_TEST_VALUE",
            "--env",
            "WASILAND_TEST_UNSET",
            "echo \"$WASILAND_TEST_VALUE|${WASILAND_TEST_UNSET-unset}\"",
        ])
        .output()
        .expect("run");
    assert_eq!(
        text(&out.stdout),
        "from the host|unset\n",
        "{}",
        text(&out.stderr)
    );
    let coreutils = wasiland::sandbox::default_fixtures_dir().join("coreutils.wasm");
    let out = wasiland()
        .env("WASILAND_TEST_VALUE", "inherited")
        .args(["wasm", "--env", "WASILAND_TEST_VALUE"])
        .arg(&coreutils)
        .arg("printenv")
        .output()
        .expect("run");
    assert_eq!(text(&out.stdout), "WASILAND_TEST_VALUE=inherited\n");
}

#[test]
fn wasm_gives_the_guest_everything_after_the_module() {
    let fixtures = wasiland::sandbox::default_fixtures_dir();
    let grep = fixtures.join("grep.wasm");
    let out = run(&["wasm", grep.to_str().expect("utf-8"), "--help"], b"");
    assert!(
        text(&out.stdout).contains("Usage: grep"),
        "{}",
        text(&out.stdout)
    );
    let coreutils = fixtures.join("coreutils.wasm");
    let out = run(
        &[
            "wasm",
            coreutils.to_str().expect("utf-8"),
            "echo",
            "--trace",
            "--env",
            "X",
        ],
        b"",
    );
    assert_eq!(text(&out.stdout), "--trace --env X\n");
}

#[test]
fn wasm_errors_are_plain_words() {
    let dir = tempfile::tempdir().expect("tmp");
    let import = dir.path().join("import.wasm");
    std::fs::write(
        &import,
        wat::parse_str(
            r#"(module (import "env" "f" (func)) (memory (export "memory") 1)
               (func (export "_start")))"#,
        )
        .expect("wat"),
    )
    .expect("write");
    let out = run(&["wasm", import.to_str().expect("utf-8")], b"");
    assert_eq!(out.status.code(), Some(126));
    let err = text(&out.stderr);
    assert!(
        err.contains("unknown import: `env::f` has not been defined"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // A text file: one line in plain words, no dump of bytes.
    let text_file = dir.path().join("notes.txt");
    std::fs::write(&text_file, "hello, this is text\n").expect("write");
    let out = run(&["wasm", text_file.to_str().expect("utf-8")], b"");
    assert_eq!(out.status.code(), Some(126));
    let err = text(&out.stderr);
    assert!(err.contains("not a WebAssembly module"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("0x"), "{err}");
}

#[test]
fn json_keeps_bytes_that_are_not_utf8() {
    use base64::Engine;
    let out = run(
        &["run", "--json", "printf 'ok\\377\\376'; printf 'fine' >&2"],
        b"",
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(v["stdout_base64"].as_str().expect("stdout_base64"))
        .expect("base64");
    assert_eq!(raw, b"ok\xff\xfe");
    assert_eq!(v["stdout"], "ok\u{fffd}\u{fffd}");
    // Valid UTF-8 needs no second copy.
    assert_eq!(v["stderr"], "fine");
    assert!(v.get("stderr_base64").is_none(), "{v}");
    assert_eq!(v["limits_hit"], serde_json::json!([]));
}

#[test]
fn workdir_is_absolute_and_must_be_a_directory() {
    let out = run(&["run", "--workdir", "project/src", "pwd"], b"");
    assert_eq!(text(&out.stdout), "/home/user/project/src\n");
    let out = run(&["run", "--workdir", "../../tmp/./w", "pwd"], b"");
    assert_eq!(text(&out.stdout), "/tmp/w\n");
    refused(
        &["run", "--workdir", "/etc/passwd", "pwd"],
        "/etc/passwd: not a directory",
    );
}

#[test]
fn a_malformed_export_is_refused_before_the_command_runs() {
    let dir = tempfile::tempdir().expect("tmp");
    let marker = dir.path().join("ran");
    let mount = format!("{}:/host", dir.path().display());
    refused(
        &[
            "run",
            "--mount",
            &mount,
            "--export",
            "no-colon",
            "--",
            "echo yes > /host/ran; echo ran",
        ],
        "--export",
    );
    assert!(!marker.exists());
}

/// A guest waiting for the CLI's stdin, or writing to a stdout nobody
/// reads, still ends at its deadline.
#[test]
fn host_streams_cannot_hold_a_guest_past_its_deadline() {
    let cat = wasiland::sandbox::default_fixtures_dir().join("coreutils.wasm");
    let cases: [&[&str]; 4] = [
        &["run", "--timeout", "1", "read line"],
        &[
            "run",
            "--timeout",
            "1",
            "python3 -c 'import sys; sys.stdin.read()'",
        ],
        &["run", "--timeout", "1", "yes"],
        &[
            "wasm",
            "--timeout",
            "1",
            cat.to_str().expect("utf-8"),
            "cat",
        ],
    ];
    for args in cases {
        let started = Instant::now();
        // stdin stays open and empty; stdout is a pipe read only at the end.
        let mut child = wasiland()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let stdin = child.stdin.take();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if started.elapsed() > Duration::from_secs(20) {
                child.kill().expect("kill");
                panic!("{args:?} ignored its deadline");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        drop(stdin);
        let took = started.elapsed();
        assert_eq!(status.code(), Some(124), "{args:?}");
        // Python starts in about a second in a debug build.
        assert!(took < Duration::from_secs(4), "{args:?} took {took:?}");
    }
}

#[test]
fn mounts_stream_against_the_limit_and_skip_what_is_not_a_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let host = dir.path().join("tree");
    std::fs::create_dir(&host).expect("mkdir");
    std::fs::write(host.join("a.txt"), "A").expect("write");
    // A FIFO would block a reader forever; its name tries to retitle the
    // terminal.
    let fifo = host.join("pipe\x1b]0;pwned\x07");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let mount = format!("{}:/in", host.display());
    let out = run(&["run", "--mount", &mount, "ls /in; cat /in/a.txt"], b"");
    assert_eq!(text(&out.stdout), "a.txt\nA", "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("skipped") && err.contains("a FIFO"), "{err}");
    assert!(err.contains("pipe\\x1b]0;pwned\\x07"), "{err}");
    assert!(!has_controls(&out.stderr), "{err:?}");

    // 3 GiB (sparse) under a 1 MiB limit: refused before it is read.
    let big = std::fs::File::create(host.join("big")).expect("create");
    big.set_len(3 << 30).expect("set_len");
    std::fs::remove_file(&fifo).expect("rm");
    let started = Instant::now();
    let out = run(
        &["run", "--fs-limit", "1M", "--mount", &mount, "echo ran"],
        b"",
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("big") && err.contains("limit"), "{err}");
    assert!(out.stdout.is_empty());
    // The host tree is only read.
    let names: Vec<_> = std::fs::read_dir(&host)
        .expect("ls")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

/// A 3 GiB sparse file that fits the limit is streamed in with its holes
/// skipped: host memory stays far below its size, and so does the time.
#[test]
fn a_large_sparse_mount_is_streamed_not_held() {
    let dir = tempfile::tempdir().expect("tmp");
    let big = std::fs::File::create(dir.path().join("big")).expect("create");
    big.set_len(3 << 30).expect("set_len");
    let mount = format!("{}:/in", dir.path().display());
    let m = measure(
        &[
            "run",
            "--fs-limit",
            "4G",
            "--mount",
            &mount,
            "test -f /in/big && ls -l /in/big",
        ],
        Duration::from_secs(60),
    );
    assert_eq!(m.status, Some(0), "{m:?}");
    assert!(m.stdout.contains(" 3221225472 "), "{m:?}");
    assert!(m.peak_rss < CLI_OVERHEAD, "{m:?}");
    // Its holes are skipped, not read (reading 3 GiB of zeros took 22 s on
    // a loaded machine; skipping takes well under a second).
    assert!(m.elapsed < Duration::from_secs(10), "{m:?}");
}

#[test]
fn exports_keep_hard_links_and_are_atomic() {
    let dir = tempfile::tempdir().expect("tmp");
    let out_dir = dir.path().join("out");
    let export = format!("/home/user/tree:{}", out_dir.display());
    // 50 MB with 20 names, under a 100 MB limit.
    let out = run(
        &[
            "run",
            "--fs-limit",
            "100M",
            "--export",
            &export,
            "mkdir -p tree/links && head -c 50000000 /dev/zero | tr '\\0' x > tree/big && \
             for i in $(seq 20); do ln tree/big tree/links/$i; done",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let big = std::fs::metadata(out_dir.join("big")).expect("exported");
    assert_eq!((big.len(), big.nlink()), (50_000_000, 21));
    assert_eq!(
        std::fs::metadata(out_dir.join("links/7"))
            .expect("link")
            .ino(),
        big.ino()
    );

    // A conflict deep in the tree (a guest directory where the host has a
    // file) fails the export; nothing on the host changes. Its name is
    // guest-chosen: escaped in the message.
    let evil = "clash\x1b[2J";
    std::fs::write(out_dir.join(evil), "host file").expect("write");
    let before = std::fs::read(out_dir.join("big")).expect("read");
    let out = run(
        &[
            "run",
            "--export",
            &export,
            &format!("mkdir -p tree/'{evil}' && echo new > tree/big && echo added > tree/new"),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("clash\\x1b[2J"), "{err}");
    assert!(!has_controls(&out.stderr), "{err:?}");
    assert_eq!(std::fs::read(out_dir.join("big")).expect("read"), before);
    assert!(!out_dir.join("new").exists());
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["big", evil, "links"]);
}

#[test]
fn guest_chosen_names_reach_the_terminal_escaped() {
    // Traced syscalls name the guest's paths.
    let out = run(
        &["run", "--trace", "cat $'\\e[31mred\\a' 2>/dev/null; true"],
        b"",
    );
    let err = text(&out.stderr);
    assert!(err.contains("[31mred"), "{err}");
    assert!(!has_controls(&out.stderr), "{err:?}");
    // A limit is reported with the name of the program that hit it.
    let out = run(
        &[
            "run",
            "--output-limit",
            "10",
            "printf '#!/bin/sh\\nyes\\n' > $'x\\e]0;t\\a'; chmod +x x*; ./x*",
        ],
        b"",
    );
    let err = text(&out.stderr);
    assert!(err.contains("hit the output limit"), "{err}");
    assert!(!has_controls(&out.stderr), "{err:?}");
    // The guest's own output is its own: passed through unchanged.
    let out = run(&["run", "printf '\\e[1mbold\\e[0m'"], b"");
    assert_eq!(out.stdout, b"\x1b[1mbold\x1b[0m");
}

#[test]
fn a_closed_stdin_reads_as_end_of_file() {
    // `wasiland run` with no stdin at all (closed): reads see EOF.
    let out = wasiland()
        .args(["run", "cat; echo end=$?"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(text(&out.stdout), "end=0\n");
}
