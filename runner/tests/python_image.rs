//! python3 starts from a pre-initialised image; a program must not be able
//! to tell: argv, environment, cwd, stdin, random seeds and clocks are its
//! own, and nothing one process does is seen by the next.

use wasiland::{RunOptions, Sandbox};

fn sandbox(images: bool) -> Sandbox {
    let dir = wasiland::sandbox::default_fixtures_dir();
    assert!(
        dir.join("rustpython.wasm").is_file(),
        "fixtures missing in {}",
        dir.display()
    );
    Sandbox::builder()
        .fixtures(dir)
        .start_images(images)
        .build()
        .expect("sandbox")
}

fn out(sb: &mut Sandbox, cmd: &str) -> String {
    let r = sb.run(cmd);
    assert_eq!(r.exit_code, 0, "{cmd}: {}", r.stderr_str());
    r.stdout_str()
}

#[test]
fn each_process_sees_its_own_world() {
    let mut sb = sandbox(true);
    // A module-level change in one process is gone in the next.
    out(
        &mut sb,
        "python3 -c 'import json, os; json.marker = 1; os.environ[\"LEAK\"] = \"1\"'",
    );
    assert_eq!(out(&mut sb, "python3 -c 'import json, os; print(hasattr(json, \"marker\"), \"LEAK\" in os.environ)'"), "False False\n");
    // argv, environment, cwd and stdin are this process's.
    let r = sb.run_with(
        "mkdir -p /tmp/w && cd /tmp/w && FOO=bar python3 - x y <<'EOF'\nimport os, sys\nprint(sys.argv, os.environ['FOO'], os.getcwd(), os.environ['PWD'])\nEOF",
        RunOptions::default(),
    );
    assert_eq!(
        r.stdout_str(),
        "['-', 'x', 'y'] bar /tmp/w /tmp/w\n",
        "{}",
        r.stderr_str()
    );
    let r = sb.run_with(
        "python3 -c 'import sys; print(sys.stdin.read().strip()[::-1])'",
        RunOptions::with_stdin("abc\n"),
    );
    assert_eq!(r.stdout_str(), "cba\n");
    // Random seeds and os.urandom differ between processes; clocks move.
    let a = out(&mut sb, "python3 -c 'import random, os, time; print(random.random(), os.urandom(8).hex(), time.time())'");
    let b = out(&mut sb, "python3 -c 'import random, os, time; print(random.random(), os.urandom(8).hex(), time.time())'");
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.split_whitespace().collect(),
        b.split_whitespace().collect(),
    );
    assert_ne!(a[0], b[0], "random.random() repeated across processes");
    assert_ne!(a[1], b[1], "os.urandom repeated across processes");
    let (ta, tb): (f64, f64) = (a[2].parse().expect("time"), b[2].parse().expect("time"));
    assert!(tb >= ta && ta > 1.7e9, "{ta} {tb}");
    // Files written by one process are seen by the next (the VFS is shared,
    // the image is not).
    out(
        &mut sb,
        "python3 -c 'open(\"/tmp/f.txt\", \"w\").write(\"hello\")'",
    );
    assert_eq!(
        out(&mut sb, "python3 -c 'print(open(\"/tmp/f.txt\").read())'"),
        "hello\n"
    );
}

#[test]
fn image_and_plain_start_agree() {
    let program = "import sys, os, json; print(json.dumps({'argv': sys.argv, 'cwd': os.getcwd(), \
                   'path0': sys.path[0], 'exe': sys.executable, 'flags': [sys.flags.optimize, sys.flags.dont_write_bytecode]}))";
    let cmd = format!("cd /tmp && python3 -B -c \"{program}\" a1 && python3 -O -c \"{program}\"");
    let with = out(&mut sandbox(true), &cmd);
    let without = out(&mut sandbox(false), &cmd);
    assert_eq!(with, without);
}

/// The fixture follows the image protocol and its image can be captured in
/// a template process like the runner's: if capture failed (say, an import
/// the template's linker lacks), every python3 would quietly start from
/// scratch, correct but ten times slower.
#[test]
fn the_python_fixture_captures_an_image() {
    let dir = wasiland::sandbox::default_fixtures_dir();
    let runtime = wasiland::Runtime::new();
    let module = runtime
        .compile_file(&dir.join("rustpython.wasm"))
        .expect("compile rustpython.wasm");
    assert!(wasiland::image::supports_image(module.module()));
    let vfs = wasiland_wasi_host::SharedVfs::new(wasiland_vfs::Vfs::new());
    let root = vfs.lock().root();
    let ctx = wasiland_wasi_host::WasiCtx::builder(vfs)
        .arg("python3")
        .preopen("/", root)
        .build();
    let image =
        wasiland::image::Image::capture(&module, ctx, &wasiland_wasi_host::Interrupt::new())
            .expect("capture");
    assert!(image.memory_size() > 1 << 20, "{}", image.memory_size());
}

/// Modules the image preloads (logging, asyncio, ...) start each process
/// as a fresh import would: logging's start time is the process's,
/// configuration made by one process is not seen by the next, and the
/// program can tell no difference between the image and a plain start.
#[test]
fn preloaded_modules_start_fresh_in_each_process() {
    let mut sb = sandbox(true);
    // Capture the image and configure logging in that first process.
    out(
        &mut sb,
        "python3 -c 'import logging; logging.basicConfig(level=logging.DEBUG); logging.getLogger(\"x\").addHandler(logging.NullHandler())'",
    );
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    let text = out(
        &mut sb,
        "python3 -c 'import logging, sys; print(logging._startTime, len(logging.root.handlers), logging.root.level, len(logging.getLogger(\"x\").handlers), \"asyncio\" in sys.modules)'",
    );
    let fields: Vec<&str> = text.split_whitespace().collect();
    let start: u128 = fields[0].parse().expect("start time");
    assert!(
        start >= before,
        "logging's start time {start} predates this process ({before}): it came from the image"
    );
    assert_eq!(fields[1..4], ["0", "30", "0"], "{text}");
    // %(relativeCreated)d is small, as right after an import.
    let rel = out(
        &mut sb,
        "python3 -c 'import logging; r = logging.makeLogRecord({}); print(int(r.relativeCreated))'",
    );
    let rel: i64 = rel.trim().parse().expect("relativeCreated");
    assert!((0..5000).contains(&rel), "relativeCreated {rel} ms");
}

/// The standard library says it lives where an installed Python keeps it,
/// not at the path of the machine that built rustpython.wasm.
#[test]
fn stdlib_paths_are_stable_sandbox_paths() {
    let program = "import json, json.decoder, os, sys, traceback\n\
print(json.__file__)\n\
print(json.decoder.__file__)\n\
print(json.loads.__code__.co_filename)\n\
print(os.__file__, sys._stdlib_dir)\n\
try:\n    json.loads('{')\nexcept ValueError as e:\n    print(traceback.extract_tb(e.__traceback__)[-1].filename)\n";
    let cmd = format!("python3 - <<'EOF'\n{program}EOF");
    let expected = "/usr/local/lib/python3.14/json/__init__.py\n\
/usr/local/lib/python3.14/json/decoder.py\n\
/usr/local/lib/python3.14/json/__init__.py\n\
/usr/local/lib/python3.14/os.py /usr/local/lib/python3.14\n\
/usr/local/lib/python3.14/json/decoder.py\n";
    assert_eq!(out(&mut sandbox(true), &cmd), expected);
    assert_eq!(out(&mut sandbox(false), &cmd), expected);
}

/// Files still open at exit are flushed on every way out of a program, from
/// the image and from a plain start alike (the differential case
/// cli_flush_at_exit compares the same with CPython).
#[test]
fn open_files_are_flushed_at_exit_with_and_without_image() {
    let cmd = "cd /tmp && python3 -c \"f = open('a', 'w'); f.write('normal')\"; \
               python3 -c \"import sys; f = open('b', 'w'); f.write('exit'); sys.exit(2)\"; \
               python3 -c \"f = open('c', 'wb'); f.write(b'raise'); raise KeyError(1)\" 2>/dev/null; \
               python3 -c \"import os; f = open('d', 'w'); f.write('os._exit'); os._exit(0)\"; \
               cat a b c d";
    for images in [true, false] {
        let r = sandbox(images).run(cmd);
        assert_eq!(
            r.stdout_str(),
            "normalexitraise",
            "images {images}: {}",
            r.stderr_str()
        );
    }
}
