//! The `wasiland` command line, run as a user would run it.

mod cli_support;

use cli_support::{run, text, wasiland, Terminal};
use std::time::{Duration, Instant};

#[test]
fn run_answers_the_readme_pipeline() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README");
    let start = readme
        .find("./scripts/wasiland run '")
        .expect("main command in README")
        + "./scripts/wasiland run '".len();
    let end = start + readme[start..].find("'\n```").expect("end of main command");
    let out = run(&["run", &readme[start..end]], b"");
    assert_eq!(
        text(&out.stdout),
        "{\"dept\": \"eng\", \"total\": 220}\n{\"dept\": \"ops\", \"total\": 185}\n",
        "{}",
        text(&out.stderr)
    );
    assert!(out.status.success());
}

#[test]
fn run_passes_stdin_and_exit_status() {
    let out = run(&["run", "tr a-z A-Z; exit 3"], b"hello\n");
    assert_eq!(text(&out.stdout), "HELLO\n");
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn run_json_reports_everything() {
    let out = run(
        &["run", "--json", "--", "echo out; echo err >&2; exit 4"],
        b"",
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["exit_code"], 4);
    assert_eq!(v["stdout"], "out\n");
    assert_eq!(v["stderr"], "err\n");
    assert_eq!(v["truncated"], false);
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn run_mounts_exports_workdir_and_env() {
    let host_in = tempfile::tempdir().expect("tmp");
    std::fs::write(host_in.path().join("in.txt"), "3\n1\n2\n").expect("write");
    let host_out = tempfile::tempdir().expect("tmp");
    let mount = format!("{}:/data", host_in.path().display());
    let export = format!("/data:{}", host_out.path().join("exported").display());
    let out = run(
        &[
            "run",
            "--mount",
            &mount,
            "--workdir",
            "/data",
            "--env",
            "WHO=tester",
            "--export",
            &export,
            "--",
            "sort in.txt > sorted.txt; pwd; echo $WHO",
        ],
        b"",
    );
    assert_eq!(
        text(&out.stdout),
        "/data\ntester\n",
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(host_out.path().join("exported/sorted.txt")).expect("exported"),
        "1\n2\n3\n"
    );
    // The mounted host directory itself is never modified.
    assert!(!host_in.path().join("sorted.txt").exists());
}

#[test]
fn run_limit_flags() {
    let t = Instant::now();
    let out = run(
        &["run", "--timeout", "2", "python3 -c \"while True: pass\""],
        b"",
    );
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));
    assert!(
        t.elapsed() < Duration::from_secs(3) + Duration::from_millis(800),
        "took {:?}",
        t.elapsed()
    );
    let out = run(&["run", "--output-limit", "1000", "yes"], b"");
    assert_eq!(out.stdout.len(), 1000);
    assert!(
        text(&out.stderr).contains("output limit"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        &[
            "run",
            "--fs-limit",
            "1M",
            "head -c 2000000 /dev/zero > big; echo $?",
        ],
        b"",
    );
    assert_eq!(text(&out.stdout), "1\n", "{}", text(&out.stderr));
    let out = run(&["run", "--fuel", "1000", "cat /etc/hostname"], b"");
    assert_eq!(out.status.code(), Some(137));
    // RustPython's initial memory alone is 13 MiB.
    let out = run(
        &["run", "--memory-limit", "8M", "python3 -c 'print(1)'"],
        b"",
    );
    assert_eq!(out.status.code(), Some(137), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("memory"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_command_lines_are_clear() {
    let out = run(&["run", "--timeout", "soon", "true"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--timeout"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["run", "--mount", "nocolon", "true"], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["nonsense"], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["run", "echo 'unterminated"], b"");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = run(&["wasm", "/nonexistent.wasm"], b"");
    assert_eq!(out.status.code(), Some(126));
    assert!(text(&out.stderr).contains("/nonexistent.wasm"));
}

#[test]
fn wasm_runs_python_and_coreutils_like_wasmtime() {
    let fixtures = wasiland::sandbox::default_fixtures_dir();
    let python = fixtures.join("rustpython.wasm");
    let out = run(
        &["wasm", python.to_str().expect("utf-8"), "-c", "print(1)"],
        b"",
    );
    assert_eq!(text(&out.stdout), "1\n", "{}", text(&out.stderr));
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("a.txt"), "x").expect("write");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let spec = format!("{}::/", dir.path().display());
    let coreutils = fixtures.join("coreutils.wasm");
    let out = run(
        &[
            "wasm",
            "--dir",
            &spec,
            coreutils.to_str().expect("utf-8"),
            "ls",
            "-la",
            "/",
        ],
        b"",
    );
    let listing = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for name in [" .\n", " ..\n", " a.txt\n", " sub\n"] {
        assert!(listing.contains(name), "{name:?} missing in {listing}");
    }
    // The guest sees exactly the given environment.
    let out = run(
        &[
            "wasm",
            "--env",
            "A=1",
            "--env",
            "B=two words",
            coreutils.to_str().expect("utf-8"),
            "printenv",
        ],
        b"",
    );
    assert_eq!(text(&out.stdout), "A=1\nB=two words\n");
}

#[test]
fn wasm_reports_exit_codes_traps_and_traces() {
    let dir = tempfile::tempdir().expect("tmp");
    let exit7 = dir.path().join("exit7.wasm");
    std::fs::write(
        &exit7,
        wat::parse_str(
            r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32)))
            (memory (export "memory") 1) (func (export "_start") (call $e (i32.const 7))))"#,
        )
        .expect("wat"),
    )
    .expect("write");
    let trap = dir.path().join("trap.wasm");
    std::fs::write(
        &trap,
        wat::parse_str(
            r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#,
        )
        .expect("wat"),
    )
    .expect("write");
    let out = run(&["wasm", exit7.to_str().expect("utf-8")], b"");
    assert_eq!(out.status.code(), Some(7));
    let out = run(&["wasm", trap.to_str().expect("utf-8")], b"");
    assert_eq!(out.status.code(), Some(134));
    assert!(
        text(&out.stderr).contains("unreachable"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["wasm", "--trace", exit7.to_str().expect("utf-8")], b"");
    assert!(
        text(&out.stderr).contains("proc_exit(code=7) = exit(7)"),
        "{}",
        text(&out.stderr)
    );
}

/// `wasiland shell` under a real terminal (tmux): prompt, line editing,
/// a pipeline, cwd kept between lines, continuation lines, exit.
#[test]
fn interactive_shell_works_under_a_terminal() {
    let history = tempfile::NamedTempFile::new().expect("tmp");
    let term = Terminal::start(
        "basics",
        &format!("shell --history {}", history.path().display()),
    );
    term.wait_for("user@wasiland:/home/user$");
    term.keys(&["cd /tmp && echo hello | tr a-z A-Z", "Enter"]);
    term.wait_for("HELLO");
    term.wait_for("user@wasiland:/tmp$");
    // Line editing: type a typo, fix it with backspace.
    term.keys(&["echo wasiX", "BSpace", "land-ok", "Enter"]);
    term.wait_for("wasiland-ok");
    // A continuation line.
    term.keys(&["for i in 1 2; do", "Enter"]);
    // Keys typed ahead of a prompt are lost by the line editor, so wait
    // for the continuation prompt.
    term.wait_for("do\n>");
    term.keys(&["echo n$i; done", "Enter"]);
    term.wait_for("n2");
    // The prompt shows the directory's name escaped: the guest chose it.
    term.keys(&["mkdir $'\\e[7mx' && cd $'\\e[7mx'", "Enter"]);
    term.wait_for("user@wasiland:/tmp/\\x1b[7mx$");
    term.keys(&["exit", "Enter"]);
    assert!(
        term.wait_for_exit(),
        "the shell did not exit:\n{}",
        term.screen()
    );
    let saved = std::fs::read_to_string(history.path()).expect("history");
    assert!(
        saved.contains("echo hello | tr a-z A-Z"),
        "history: {saved}"
    );
}

const PROMPT: &str = "user@wasiland:/home/user$";

/// Ctrl-C stops the running command, not the session: status 130, and
/// the session's variables, files and history are still there; a command
/// reading the terminal stops too.
#[test]
fn ctrl_c_stops_the_command_and_keeps_the_session() {
    let history = tempfile::NamedTempFile::new().expect("tmp");
    let term = Terminal::start(
        "ctrl-c",
        &format!("shell --history {}", history.path().display()),
    );
    term.wait_for("user@wasiland:/home/user$");
    // Waited-for outputs are computed, so the typed line cannot match.
    term.keys(&["X=kept; echo data > f.txt; echo ready$((1))", "Enter"]);
    term.wait_for("ready1");
    term.keys(&["sleep 100", "Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    term.keys(&["C-c"]);
    term.wait_for_prompt(PROMPT);
    assert!(t.elapsed() < Duration::from_secs(10));
    term.keys(&["echo status=$? $X $(cat f.txt)", "Enter"]);
    term.wait_for("status=130 kept data");
    // A guest waiting for terminal input. As in bash, Ctrl-C ends the
    // whole command line, not only the program.
    term.keys(&["cat; echo not-reached$((1))", "Enter"]);
    // Keys typed while the line editor hands the terminal over are lost.
    std::thread::sleep(Duration::from_millis(500));
    term.keys(&["typed", "Enter"]);
    term.wait_for("typed\ntyped");
    term.keys(&["C-c"]);
    term.wait_for_prompt(PROMPT);
    term.keys(&["echo cat=$?", "Enter"]);
    term.wait_for("cat=130");
    assert!(!term.screen().contains("not-reached1"), "{}", term.screen());
    assert!(term.running(), "the session ended:\n{}", term.screen());
    // Ctrl-C at the prompt clears the line, as in bash.
    term.keys(&["echo never", "C-c"]);
    term.keys(&["echo after=$X", "Enter"]);
    term.wait_for("after=kept");
    assert!(!term.screen().contains("\nnever"), "{}", term.screen());
    let saved = std::fs::read_to_string(history.path()).expect("history");
    assert!(saved.contains("sleep 100"), "saved at once: {saved}");
}

/// The session's timeout bounds each command and ends only that command;
/// `--timeout 0` means none.
#[test]
fn shell_timeout_is_per_command_and_can_be_off() {
    let term = Terminal::start("timeout", "shell --history /dev/null --timeout 3");
    term.wait_for("user@wasiland:/home/user$");
    term.keys(&["Y=still-here; while true; do :; done", "Enter"]);
    term.wait_for("wasiland: sh hit the time limit (--timeout)");
    term.keys(&["echo status=$? $Y", "Enter"]);
    term.wait_for("status=124 still-here");
    // Each command has its own 3 s: two 2 s sleeps both finish (with a
    // margin of 1 s for a slow machine; `sleep 0` compiles the module).
    term.keys(&["sleep 0; sleep 2; echo first=$?", "Enter"]);
    term.wait_for("first=0");
    term.keys(&["sleep 2; echo second=$?", "Enter"]);
    term.wait_for("second=0");
    drop(term);

    let term = Terminal::start("no-timeout", "shell --history /dev/null --timeout 0");
    term.wait_for("user@wasiland:/home/user$");
    term.keys(&["sleep 2; echo slept=$?", "Enter"]);
    term.wait_for("slept=0");
}

#[test]
fn seed_makes_randomness_repeatable() {
    let cmd = "head -c 8 /dev/urandom | od -An -tx1; python3 -c 'import os, random; print(os.urandom(4).hex(), random.random())'";
    let a = run(&["run", "--seed", "5", cmd], b"");
    let b = run(&["run", "--seed", "5", cmd], b"");
    let c = run(&["run", cmd], b"");
    assert!(a.status.success(), "{}", text(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
}

/// `wasiland run` keeps python3's start-up image in the cache directory:
/// the first run writes it, later runs start from it with the same
/// results, a damaged file is replaced, and `--no-image-cache` leaves the
/// directory alone.
#[test]
fn python_start_up_images_are_kept_between_runs() {
    let cache = tempfile::tempdir().expect("temp dir");
    let images = cache.path().join("images");
    let program =
        "python3 -c 'import os, sys; print(sys.argv[1:], os.getcwd(), os.environ[\"X\"])' a b";
    let run_cached = |extra: &[&str]| {
        let mut args = vec!["run", "--env", "X=1", "--workdir", "/tmp"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", program]);
        let out = wasiland()
            .env("WASILAND_CACHE", cache.path())
            .args(&args)
            .output()
            .expect("run wasiland");
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // The directory also keeps records of validated modules.
    let image_files = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&images)
            .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.extension().is_some_and(|x| x == "image"))
            .collect()
    };
    let expected = "['a', 'b'] /tmp 1\n";

    assert_eq!(run_cached(&["--no-image-cache"]), expected);
    assert!(image_files().is_empty(), "{:?}", image_files());

    assert_eq!(run_cached(&[]), expected);
    let files = image_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let written = std::fs::read(&files[0]).expect("read image");
    assert!(wasiland::image::Image::from_bytes(&written).is_ok());
    assert_eq!(run_cached(&[]), expected);
    // Read, not written again.
    assert!(std::fs::read(&files[0]).expect("read image") == written);

    std::fs::write(&files[0], b"damaged").expect("damage the image");
    assert_eq!(run_cached(&[]), expected);
    let rewritten = std::fs::read(&files[0]).expect("read image");
    assert!(wasiland::image::Image::from_bytes(&rewritten).is_ok());
    assert_eq!(image_files().len(), 1);
}
