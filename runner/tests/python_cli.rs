//! python3 in wasiland, through the public API: the command line CPython
//! accepts, what the design promises (tracebacks, exit statuses, stdin,
//! the working directory, bytecode caching), the gaps of RustPython's WASI
//! build closed in our wrapper, and what cannot work failing fast and
//! clearly. The differential suite (python_programs.rs) compares whole
//! programs with CPython; these tests check what it cannot (stderr, timing,
//! the sandbox's files, RustPython-specific answers).

mod python_support;

use python_support::{run, sandbox, sandbox_in};
use std::time::Duration;
use wasiland::RunResult;

/// Run `cmd` in a fresh sandbox whose cwd is /work, after writing `files`
/// (relative to /work).
fn sh(files: &[(&str, &str)], cmd: &str, stdin: &str) -> RunResult {
    let mut sb = sandbox_in("/work");
    for (path, data) in files {
        sb.write_file(&format!("/work/{path}"), data.as_bytes().to_vec())
            .expect("write file");
    }
    run(&mut sb, cmd, stdin.as_bytes())
}

fn ok(r: &RunResult) -> String {
    assert_eq!(
        r.exit_code,
        0,
        "stdout:\n{}\nstderr:\n{}",
        r.stdout_str(),
        r.stderr_str()
    );
    r.stdout_str()
}

#[track_caller]
fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected {needle:?} in:\n{haystack}"
    );
}

// --- versions ---------------------------------------------------------------

#[test]
fn version_reports_rustpython() {
    let r = sh(&[], r#"python3 -c "import sys; print(sys.version)""#, "");
    let out = ok(&r);
    assert_contains(&out, "RustPython 0.6.0");
    assert!(out.starts_with("3.14"), "{out}");
    let r = sh(&[], "python3 -V; python3 --version; python -VV", "");
    let out = ok(&r);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], lines[1]);
    assert!(lines[0].starts_with("Python 3.14"), "{out}");
    assert_contains(lines[2], "RustPython 0.6.0");
    let r = sh(&[], "python3 -c 'import sys, platform; print(sys.implementation.name, platform.python_implementation())'", "");
    assert_eq!(ok(&r), "rustpython RustPython\n");
}

#[test]
fn help_and_usage_errors() {
    let r = sh(&[], "python3 -h", "");
    assert_contains(&ok(&r), "-c cmd : program passed in as string");
    let r = sh(&[], "python3 -z", "");
    assert_eq!(r.exit_code, 2);
    assert_contains(&r.stderr_str(), "Unknown option: -z");
    assert_contains(&r.stderr_str(), "usage: python3 [option]");
    let r = sh(&[], "python3 -c", "");
    assert_eq!(r.exit_code, 2);
    assert_contains(&r.stderr_str(), "Argument expected for the -c option");
    let r = sh(&[], "python3 missing.py", "");
    assert_eq!(r.exit_code, 2);
    assert_contains(
        &r.stderr_str(),
        "python3: can't open file '/work/missing.py': [Errno 2] No such file or directory",
    );
}

// --- ways to give the program ---------------------------------------------------

#[test]
fn heredoc_is_a_program_not_a_repl() {
    let r = sh(
        &[],
        "python3 <<'EOF'\nx = 6\nif x:\n    print(x * 7)\n\nprint('done')\nEOF",
        "",
    );
    assert_eq!(ok(&r), "42\ndone\n");
    assert!(
        !r.stderr_str().contains(">>>"),
        "REPL prompts: {}",
        r.stderr_str()
    );
    assert!(
        !r.stderr_str().contains("..."),
        "REPL prompts: {}",
        r.stderr_str()
    );
    // The same through a pipe, and with `-` and arguments.
    let r = sh(
        &[],
        "echo 'import sys; print(sys.argv)' | python3 - a b",
        "",
    );
    assert_eq!(ok(&r), "['-', 'a', 'b']\n");
    assert_eq!(r.stderr_str(), "");
    let r = sh(&[], "python3", "print('from stdin')\n");
    assert_eq!(ok(&r), "from stdin\n");
    assert_eq!(r.stderr_str(), "");
}

#[test]
fn script_args_and_sys_path() {
    let files = [
        ("app/main.py", "import sys, os\nprint(sys.argv)\nprint(sys.path[0], __file__, __name__)\nimport helper\nprint(helper.X)\n"),
        ("app/helper.py", "X = 'helper'\n"),
    ];
    let r = sh(&files, "python3 app/main.py one 'two three'", "");
    assert_eq!(
        ok(&r),
        "['app/main.py', 'one', 'two three']\n/work/app /work/app/main.py __main__\nhelper\n"
    );
    let r = sh(
        &files,
        "cd app && python3 -c 'import sys, helper; print(repr(sys.path[0]), sys.argv, helper.X)' x",
        "",
    );
    assert_eq!(ok(&r), "'' ['-c', 'x'] helper\n");
    let r = sh(&files, "cd app && python3 -m helper && python3 -c 'import sys; print(sys.argv)' && python3 -P -c 'import sys; print(sys.path[0])'", "");
    let out = ok(&r);
    assert!(out.starts_with("['-c']\n"), "{out}");
    assert!(!out.ends_with("\n\n"), "-P must not put '' first: {out:?}");
}

#[test]
fn module_mode_json_tool() {
    let files = [("d.json", r#"{"b": [1, 2], "a": null}"#)];
    let r = sh(&files, "python3 -m json.tool d.json", "");
    assert_eq!(
        ok(&r),
        "{\n    \"b\": [\n        1,\n        2\n    ],\n    \"a\": null\n}\n"
    );
    let r = sh(&files, "python3 -m json.tool --sort-keys < d.json", "");
    assert!(ok(&r).starts_with("{\n    \"a\": null"));
    let r = sh(&[], "python3 -m no_such_module_here", "");
    assert_eq!(r.exit_code, 1);
    assert_contains(&r.stderr_str(), "No module named no_such_module_here");
}

#[test]
fn stdin_piping_and_input() {
    let files = [("f.txt", "3\n4\n5\n")];
    let r = sh(
        &files,
        "cat f.txt | python3 -c 'import sys; print(sum(int(l) for l in sys.stdin))'",
        "",
    );
    assert_eq!(ok(&r), "12\n");
    let prog = "name = input('Name: ')\nage = int(input())\nprint(f'{name} is {age}')\ntry:\n    input()\nexcept EOFError:\n    print('EOF')\n";
    let r = sh(&[("p.py", prog)], "python3 p.py", "Ann\n41\n");
    // The prompt goes to stdout, as in CPython.
    assert_eq!(ok(&r), "Name: Ann is 41\nEOF\n");
    let r = sh(&[], "printf 'a\\nb\\n' | python3 -c 'import sys; print(sys.stdin.readline().strip(), sys.stdin.read().split())'", "");
    assert_eq!(ok(&r), "a ['b']\n");
}

#[test]
fn unbuffered_and_flag_options() {
    let cmd =
        "python3 -u -c 'import sys; print(\"a\"); sys.stderr.write(\"b\\n\"); print(\"c\")' 2>&1";
    assert_eq!(ok(&sh(&[], cmd, "")), "a\nb\nc\n");
    let r = sh(&[], "python3 -u -c 'import sys; print(sys.stdout.write_through, type(sys.stdout.buffer).__name__)'", "");
    assert_eq!(ok(&r), "True FileIO\n");
    let files = [("lib/m.py", "V = 1\n")];
    let r = sh(
        &files,
        "PYTHONPATH=/work/lib python3 -c 'import m; print(m.V)'",
        "",
    );
    assert_eq!(ok(&r), "1\n");
    let r = sh(&files, "PYTHONPATH=/work/lib python3 -E -c 'import m'", "");
    assert_eq!(r.exit_code, 1);
    let r = sh(&files, "PYTHONPATH=/work/lib python3 -I -c 'import sys; print(sys.flags.isolated, sys.flags.ignore_environment, sys.flags.safe_path)'", "");
    assert_eq!(ok(&r), "1 1 True\n");
    let r = sh(
        &[],
        "python3 -W error -c 'import sys; print(sys.warnoptions)'",
        "",
    );
    assert_eq!(ok(&r), "['error']\n");
    let r = sh(
        &[],
        "python3 -X utf8 -c 'import sys; print(sys._xoptions)'",
        "",
    );
    assert_eq!(ok(&r), "{'utf8': True}\n");
}

// --- exit statuses and tracebacks ---------------------------------------------------

#[test]
fn exit_statuses() {
    let r = sh(&[], "python3 -c 'import sys; sys.exit(7)'; echo $?", "");
    assert_eq!(ok(&r), "7\n");
    let r = sh(&[], "python3 -c 'import sys; sys.exit(\"bad config\")'", "");
    assert_eq!(r.exit_code, 1);
    assert_eq!(r.stderr_str(), "bad config\n");
    let r = sh(
        &[],
        "python3 -c 'print(\"partial\"); raise ValueError(\"nope\")'",
        "",
    );
    assert_eq!(r.exit_code, 1);
    assert_eq!(r.stdout_str(), "partial\n");
    assert_contains(&r.stderr_str(), "ValueError: nope");
    let r = sh(
        &[],
        "python3 -c 'import atexit; atexit.register(print, \"bye\"); raise SystemExit(3)'",
        "",
    );
    assert_eq!(r.exit_code, 3);
    assert_eq!(r.stdout_str(), "bye\n");
}

#[test]
fn tracebacks_name_files_and_lines() {
    let files = [
        ("pkg/__init__.py", ""),
        ("pkg/calc.py", "def ratio(a, b):\n    return a / b\n"),
        ("main.py", "from pkg import calc\n\n\ndef run(x):\n    return calc.ratio(x, 0)\n\nprint('start')\nrun(1)\n"),
    ];
    let r = sh(&files, "python3 main.py", "");
    assert_eq!(r.exit_code, 1);
    let err = r.stderr_str();
    assert_contains(&err, "Traceback (most recent call last):");
    assert_contains(&err, "File \"/work/main.py\", line 8, in <module>");
    assert_contains(&err, "File \"/work/main.py\", line 5, in run");
    assert_contains(&err, "File \"/work/pkg/calc.py\", line 2, in ratio");
    assert_contains(&err, "return a / b");
    assert!(
        err.trim_end()
            .ends_with("ZeroDivisionError: division by zero"),
        "{err}"
    );

    let r = sh(&[], "python3 -c 'x = 1\ny = [1][x]'", "");
    assert_contains(&r.stderr_str(), "File \"<string>\", line 2, in <module>");
    assert_contains(&r.stderr_str(), "IndexError");

    let r = sh(&[], "python3 <<'EOF'\nimport json\n\ndef load(s):\n    return json.loads(s)\n\nload('{oops')\nEOF", "");
    assert_eq!(r.exit_code, 1);
    let err = r.stderr_str();
    assert_contains(&err, "File \"<stdin>\", line 6, in <module>");
    assert_contains(&err, "File \"<stdin>\", line 4, in load");
    assert_contains(&err, "json.decoder.JSONDecodeError");

    let r = sh(
        &[("bad.py", "print('x')\nif True\n    pass\n")],
        "python3 bad.py",
        "",
    );
    assert_eq!(r.exit_code, 1);
    assert_eq!(r.stdout_str(), "");
    assert_contains(&r.stderr_str(), "File \"/work/bad.py\", line 2");
    assert_contains(&r.stderr_str(), "SyntaxError");
}

// --- the working directory, files, bytecode caching ---------------------------------

#[test]
fn cwd_follows_the_shell_and_open_uses_the_vfs() {
    let mut sb = sandbox();
    sb.write_file("/data/in.csv", b"a,b\n1,2\n".to_vec())
        .expect("write");
    let r = run(
        &mut sb,
        "cd /data && python3 -c 'import os, csv; print(os.getcwd()); rows = list(csv.reader(open(\"in.csv\"))); open(\"out.txt\", \"w\").write(str(rows))' && ls",
        b"",
    );
    assert_eq!(ok(&r), "/data\nin.csv\nout.txt\n");
    assert_eq!(
        sb.read_file("/data/out.txt").expect("out.txt"),
        b"[['a', 'b'], ['1', '2']]"
    );
    let r = run(
        &mut sb,
        "python3 -c 'import os; print(os.getcwd(), os.path.expanduser(\"~\"))'",
        b"",
    );
    // The shell keeps its working directory between runs.
    assert_eq!(ok(&r), "/data /home/user\n");
}

#[test]
fn bytecode_is_cached_in_pycache() {
    let mut sb = sandbox_in("/work");
    sb.write_file("/work/lib.py", b"def f():\n    return 'cached'\n".to_vec())
        .expect("write");
    sb.write_file(
        "/work/main.py",
        b"import lib\nprint(lib.f(), lib.__cached__)\n".to_vec(),
    )
    .expect("write");
    let r = run(&mut sb, "python3 main.py", b"");
    assert_eq!(ok(&r), "cached /work/__pycache__/lib.cpython-314.pyc\n");
    let pyc = sb
        .read_file("/work/__pycache__/lib.cpython-314.pyc")
        .expect("pyc written");
    assert!(pyc.len() > 16);
    // The second run loads the cached bytecode (and still works).
    let r = run(&mut sb, "python3 main.py && python3 -c 'import importlib.util, sys; sys.path.insert(0, \"\"); print(importlib.util.find_spec(\"lib\").cached)'", b"");
    assert_eq!(
        ok(&r),
        "cached /work/__pycache__/lib.cpython-314.pyc\n/work/__pycache__/lib.cpython-314.pyc\n"
    );
    // A changed source is recompiled.
    sb.write_file(
        "/work/lib.py",
        b"def f():\n    return 'changed, longer source'\n".to_vec(),
    )
    .expect("write");
    let r = run(&mut sb, "python3 main.py", b"");
    assert!(ok(&r).starts_with("changed, longer source"));
    // -B writes nothing.
    sb.write_file("/work/other.py", b"X = 1\n".to_vec())
        .expect("write");
    let r = run(
        &mut sb,
        "python3 -B -c 'import other' && ls __pycache__",
        b"",
    );
    assert_eq!(ok(&r), "lib.cpython-314.pyc\n");
}

#[test]
fn sleep_really_waits() {
    let r = sh(&[], "python3 -c 'import time; t = time.monotonic(); time.sleep(0.4); print(round(time.monotonic() - t, 1))'", "");
    let out = ok(&r);
    let slept: f64 = out.trim().parse().expect("a number");
    assert!(slept >= 0.4, "slept {slept}");
    assert!(r.duration >= Duration::from_millis(400));
}

#[test]
fn environment_and_identity() {
    let r = sh(&[], "export APP=demo; GREETING=hi python3 -c 'import os; print(os.environ[\"APP\"], os.getenv(\"GREETING\"), os.environ[\"HOME\"])'", "");
    assert_eq!(ok(&r), "demo hi /home/user\n");
    let r = sh(&[], "python3 -c 'import os, pwd, grp, getpass; print(getpass.getuser(), os.getuid(), pwd.getpwuid(os.getuid()).pw_dir, grp.getgrgid(os.getgid()).gr_name, os.getlogin())'", "");
    assert_eq!(ok(&r), "user 1000 /home/user user user\n");
    let r = sh(
        &[],
        "python3 -c 'import os, sys; print(sys.executable, os.path.exists(sys.executable))'",
        "",
    );
    assert_eq!(ok(&r), "/usr/bin/python3 True\n");
}

// --- gaps of RustPython's WASI build, closed -------------------------------------------

#[test]
fn time_zone_and_strptime() {
    let code = r##"
import time, datetime
print(time.tzname, time.timezone, time.daylight)
print(datetime.datetime.strptime("2024-03-05 10:11", "%Y-%m-%d %H:%M"))
print(time.strptime("05/03/24", "%d/%m/%y").tm_mon)
t = time.gmtime(0)
print(time.strftime("%Z %z|%c|%x|%X|%r|%D|%Ec", t))
print(datetime.datetime(2024, 1, 2, 3, 4, 5).strftime("%c %Z|%z"))
print(time.process_time() >= 0, time.get_clock_info("process_time").monotonic)
"##;
    let r = sh(&[("t.py", code)], "python3 t.py", "");
    assert_eq!(
        ok(&r),
        "('UTC', 'UTC') 0 0\n2024-03-05 10:11:00\n3\n\
         UTC +0000|Thu Jan  1 00:00:00 1970|01/01/70|00:00:00|12:00:00 AM|01/01/70|Thu Jan  1 00:00:00 1970\n\
         Tue Jan  2 03:04:05 2024 |\nTrue True\n"
    );
}

#[test]
fn chmod_copy_symlink_access() {
    let code = r##"
import os, shutil, stat
open("a.sh", "w").write("#!/bin/sh\necho hi\n")
print(oct(os.stat("a.sh").st_mode), os.access("a.sh", os.X_OK))
os.chmod("a.sh", 0o755)
print(oct(os.stat("a.sh").st_mode & 0o777), os.access("a.sh", os.X_OK), stat.filemode(os.stat("a.sh").st_mode))
shutil.copy("a.sh", "b.sh")
shutil.copy2("a.sh", "c.sh")
shutil.copymode("a.sh", "d.sh") if os.path.exists("d.sh") else None
print(open("b.sh").read() == open("a.sh").read(), oct(os.stat("b.sh").st_mode & 0o777))
os.symlink("a.sh", "link.sh")
os.symlink("/work", "dirlink", target_is_directory=True)
print(os.path.islink("link.sh"), os.readlink("link.sh"), os.path.realpath("link.sh"), sorted(os.listdir("dirlink"))[:2])
try:
    os.symlink("a.sh", "link.sh")
except FileExistsError as e:
    print("FileExistsError", e.filename, e.filename2)
print(shutil.which("python3"), shutil.which("ls"), oct(os.stat("/tmp").st_mode & 0o777))
print(os.stat(".").st_uid == os.getuid(), os.umask(0o077), os.umask(0o022))
os.chown("a.sh", os.getuid(), os.getgid())
"##;
    let r = sh(&[("t.py", code)], "python3 t.py", "");
    assert_eq!(
        ok(&r),
        "0o100644 False\n0o755 True -rwxr-xr-x\nTrue 0o755\n\
         True a.sh /work/a.sh ['a.sh', 'b.sh']\nFileExistsError a.sh link.sh\n\
         /usr/bin/python3 /usr/bin/ls 0o777\nTrue 18 63\n"
    );
}

#[test]
fn oserror_messages_have_no_rust_suffix() {
    let code = r##"
import os, errno
try:
    open("missing.txt")
except FileNotFoundError as e:
    print(e)
    print(repr(e), e.args, e.strerror, e.errno == errno.ENOENT)
try:
    os.mkdir("/work")
except OSError as e:
    print(type(e).__name__, e)
print(OSError("plain"), repr(OSError("plain")), OSError(1, "x", "f"))
"##;
    let r = sh(&[("t.py", code)], "python3 t.py", "");
    assert_eq!(
        ok(&r),
        "[Errno 44] No such file or directory: 'missing.txt'\n\
         FileNotFoundError(44, 'No such file or directory') (44, 'No such file or directory') No such file or directory True\n\
         FileExistsError [Errno 20] File exists: '/work'\nplain OSError('plain') [Errno 1] x: 'f'\n"
    );
}

#[test]
fn asyncio_signals_and_misc() {
    let code = r##"
import asyncio, signal, os
async def work(n):
    await asyncio.sleep(0.01 * n)
    return n * n
async def main():
    results = await asyncio.gather(*(work(i) for i in range(4)))
    done = await asyncio.wait_for(work(2), timeout=5)
    q = asyncio.Queue()
    await q.put("item")
    return results, done, await q.get()
print(asyncio.run(main()))
print(int(signal.SIGINT), signal.Signals(15).name, signal.getsignal(signal.SIGINT) is signal.default_int_handler)
seen = []
signal.signal(signal.SIGUSR1, lambda signum, frame: seen.append(signum))
signal.raise_signal(signal.SIGUSR1)
os.kill(os.getpid(), signal.SIGUSR1)
print(seen)
print(os.uname().sysname, os.uname().machine)
try:
    os.get_terminal_size()
except OSError:
    print("not a terminal")
"##;
    let r = sh(&[("t.py", code)], "python3 t.py", "");
    assert_eq!(
        ok(&r),
        "([0, 1, 4, 9], 4, 'item')\n2 SIGTERM True\n[10, 10]\nwasi wasm32\nnot a terminal\n"
    );
}

#[test]
fn tempfile_pathlib_walk_glob() {
    let code = r##"
import tempfile, os, pathlib, glob, shutil
print(tempfile.gettempdir())
with tempfile.TemporaryDirectory() as d:
    p = pathlib.Path(d) / "sub" / "x.txt"
    p.parent.mkdir(parents=True)
    p.write_text("hello")
    fd, name = tempfile.mkstemp(dir=d)
    os.close(fd)
    print(sorted(os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(d) for f in fs if f == "x.txt"))
    print([os.path.relpath(g, d) for g in glob.glob(os.path.join(d, "**", "*.txt"), recursive=True)])
    shutil.rmtree(os.path.join(d, "sub"))
    print(os.path.exists(p))
print(os.path.exists(d))
"##;
    let r = sh(&[("t.py", code)], "python3 t.py", "");
    assert_eq!(ok(&r), "/tmp\n['sub/x.txt']\n['sub/x.txt']\nFalse\nFalse\n");
}

// --- what cannot work fails fast and clearly -----------------------------------------------

#[test]
fn unavailable_packages_raise_module_not_found() {
    for module in ["numpy", "pandas", "scipy"] {
        let r = sh(&[], &format!("python3 -c 'import {module}'"), "");
        assert_eq!(r.exit_code, 1, "{module}");
        assert_contains(
            &r.stderr_str(),
            &format!("ModuleNotFoundError: No module named '{module}'"),
        );
        assert!(
            r.duration < Duration::from_secs(20),
            "{module} took {:?}",
            r.duration
        );
    }
}

/// sqlite3 is SQLite 3.53.2, built into python3 (the differential case
/// data_sqlite_report compares its answers with CPython's); what a WASI
/// build leaves out fails at once.
#[test]
fn sqlite3_is_built_in() {
    let code = r#"
import sqlite3
print(sqlite3.sqlite_version, sqlite3.threadsafety)
con = sqlite3.connect("shop.db")
con.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")
con.executemany("INSERT INTO t VALUES (?, ?)", [("a", 1), ("b", 2)])
con.commit()
print(hasattr(con, "enable_load_extension"), hasattr(con, "serialize"))
"#;
    let mut sb = sandbox_in("/work");
    sb.write_file("/work/t.py", code.as_bytes().to_vec())
        .expect("write");
    let r = run(&mut sb, "python3 t.py", b"");
    assert_eq!(ok(&r), "3.53.2 0\nFalse False\n");
    // The database file is a real file of the sandbox, seen by the next
    // process.
    let r = run(
        &mut sb,
        "ls shop.db && python3 -c 'import sqlite3; print(sqlite3.connect(\"shop.db\").execute(\"SELECT sum(v) FROM t\").fetchone())'",
        b"",
    );
    assert_eq!(ok(&r), "shop.db\n(3,)\n");
}

#[test]
fn threads_workers_and_sockets_fail_clearly() {
    let code = r##"
import threading, socket, multiprocessing, concurrent.futures
for label, f in [
    ("thread", lambda: threading.Thread(target=print).start()),
    ("executor", lambda: concurrent.futures.ThreadPoolExecutor().submit(print)),
    ("pool", lambda: multiprocessing.Pool(2)),
    ("process", lambda: multiprocessing.Process(target=print).start()),
    ("connect", lambda: socket.create_connection(("example.com", 80), timeout=1)),
    ("socket", lambda: socket.socket().connect(("127.0.0.1", 80))),
]:
    try:
        f()
        print(label, "did not fail")
    except Exception as e:
        print(label, type(e).__name__, e)
"##;
    let r = sh(&[("t.py", code)], "python3 t.py", "");
    let out = ok(&r);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    for line in &lines[..2] {
        assert!(
            line.contains("RuntimeError can't start new thread: threads are not available"),
            "{line}"
        );
    }
    for line in &lines[2..4] {
        assert!(
            line.contains("OSError") && line.contains("Python worker processes cannot be started"),
            "{line}"
        );
    }
    for line in &lines[4..] {
        assert!(line.contains("OSError"), "{line}");
    }
    assert!(
        r.duration < Duration::from_secs(30),
        "took {:?}",
        r.duration
    );
}

#[test]
fn subprocess_runs_commands_in_the_sandbox() {
    let code = r##"
import os, subprocess, sys
print("before", flush=False)
r = subprocess.run(["ls"], capture_output=True, text=True)
print("run", r.returncode, r.stdout.split(), repr(r.stderr))
print("check_output", subprocess.check_output("echo hi | tr a-z A-Z", shell=True))
r = subprocess.run(["sort"], input="b\na\n", capture_output=True, text=True)
print("input", repr(r.stdout))
r = subprocess.run("cat; echo err >&2; exit 3", shell=True, input=b"x", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
print("merged", r.returncode, r.stdout)
try:
    subprocess.run(["grep", "-q", "zzz", "a.txt"], check=True)
except subprocess.CalledProcessError as e:
    print("check", e.returncode)
try:
    subprocess.run(["no-such-program"])
except FileNotFoundError as e:
    print("missing", e.filename)
print("cwd", subprocess.run(["pwd"], cwd="/tmp", capture_output=True, text=True).stdout.strip())
print("env", subprocess.run("echo $GREETING", shell=True, env={"GREETING": "hey"}, capture_output=True, text=True).stdout.strip())
p = subprocess.Popen(["wc", "-l"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
p.stdin.write("1\n2\n3\n")
p.stdin.close()
print("popen", p.stdout.read().strip(), p.wait())
with open("out.txt", "w") as f:
    subprocess.run(["echo", "to a file"], stdout=f)
print("file", open("out.txt").read().strip())
print("status", subprocess.call(["false"]), subprocess.getstatusoutput("echo ok; exit 2"))
print("popen-os", os.popen("seq 3").read().split(), os.popen("exit 4").close())
rc = os.system("echo from system")
print("system", rc, os.waitstatus_to_exitcode(os.system("exit 5")))
print("python", subprocess.run([sys.executable, "-c", "print(6*7)"], capture_output=True, text=True).stdout.strip())
"##;
    let r = sh(&[("t.py", code), ("a.txt", "")], "python3 t.py", "");
    let out = ok(&r);
    let expected = "before
run 0 ['a.txt', 't.py'] ''
check_output b'HI\\n'
input 'a\\nb\\n'
merged 3 b'xerr\\n'
check 1
missing no-such-program
cwd /tmp
env hey
popen 3 0
file to a file
status 1 (2, 'ok')
popen-os ['1', '2', '3'] 1024
from system
system 0 5
python 42
";
    assert_eq!(out, expected, "stderr: {}", r.stderr_str());
    // Runtimes without wasiland's spawn: fixtures/tests/run.sh (py-no-spawn).
}

#[test]
fn subprocess_timeout_and_kill() {
    let code = r##"
import subprocess, time
t = time.monotonic()
try:
    subprocess.run(["sleep", "0.3"], timeout=0.1, capture_output=True)
except subprocess.TimeoutExpired as e:
    print("timeout", e.timeout)
p = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
print("poll", p.poll())
p.kill()
print("killed", p.wait(), p.stdout.read())
"##;
    let r = sh(&[("t.py", code)], "python3 t.py", "");
    assert_eq!(ok(&r), "timeout 0.1\npoll None\nkilled -9 b''\n");
}

#[test]
fn pools_timers_locales_and_urls_fail_clearly() {
    let code = r##"
import concurrent.futures, asyncio, threading, locale, urllib.request
for label, f in [
    ("process pool", lambda: concurrent.futures.ProcessPoolExecutor().submit(print)),
    ("to_thread", lambda: asyncio.run(asyncio.to_thread(print, "x"))),
    ("timer", lambda: threading.Timer(0.1, print).start()),
    ("locale", lambda: locale.setlocale(locale.LC_ALL, "en_US.UTF-8")),
    ("http", lambda: urllib.request.urlopen("http://example.com", timeout=2)),
]:
    try:
        f()
        print(label, "did not fail")
    except (OSError, RuntimeError, NotImplementedError, locale.Error) as e:
        print(label, type(e).__name__)
"##;
    let r = sh(&[("t.py", code)], "python3 t.py", "");
    assert_eq!(
        ok(&r),
        "process pool NotImplementedError\nto_thread RuntimeError\ntimer RuntimeError\nlocale ValueError\nhttp URLError\n"
    );
}

#[test]
fn cprofile_is_the_pure_python_profiler() {
    let code = r##"
import cProfile, pstats, io
def work():
    return sum(i * i for i in range(500))
pr = cProfile.Profile()
pr.enable()
work()
pr.disable()
out = io.StringIO()
pstats.Stats(pr, stream=out).sort_stats("cumulative").print_stats(5)
print("work" in out.getvalue())
with cProfile.Profile() as p2:
    work()
p2.create_stats()
print([v[0] for k, v in p2.stats.items() if k[2] == "work"] == [1])
"##;
    let files = [("t.py", code), ("w.py", "print(sum(range(10)))\n")];
    let r = sh(
        &files,
        "python3 t.py && python3 -m cProfile -s calls w.py",
        "",
    );
    let out = ok(&r);
    assert!(out.starts_with("True\nTrue\n45\n"), "{out}");
    assert_contains(&out, "function calls");
}

#[test]
fn runaway_recursion_reports_quickly() {
    let r = sh(
        &[(
            "r.py",
            "def walk(node):\n    return walk(node + 1)\n\nwalk(0)\n",
        )],
        "python3 r.py",
        "",
    );
    assert_eq!(r.exit_code, 1);
    let err = r.stderr_str();
    assert_contains(&err, "File \"/work/r.py\", line 2, in walk");
    assert_contains(&err, "[Previous line repeated 996 more times]");
    assert_contains(&err, "RecursionError: maximum recursion depth exceeded");
    // Identical frames are formatted once (it took seconds before).
    assert!(
        r.duration < Duration::from_secs(20),
        "took {:?}",
        r.duration
    );
}
