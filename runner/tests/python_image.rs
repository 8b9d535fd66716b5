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
