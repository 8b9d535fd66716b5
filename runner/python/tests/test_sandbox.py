"""The wasiland Python package, as installed from its wheel: every call of
the API against real guests (python3, coreutils, jq)."""

import asyncio
import threading
import time

import pytest

import wasiland


@pytest.fixture
def sb():
    return wasiland.Sandbox()


def test_the_package_is_the_installed_wheel_not_the_source_tree():
    assert "site-packages" in wasiland.__file__, wasiland.__file__


def test_run_returns_status_output_and_timing(sb):
    r = sb.run("echo out; echo err >&2; exit 3")
    assert (r.exit_code, r.stdout, r.stderr) == (3, b"out\n", b"err\n")
    assert (r.stdout_text, r.stderr_text) == ("out\n", "err\n")
    assert not r.ok and not r.truncated and r.limit is None and r.limits_hit == []
    assert 0 < r.duration < 30
    assert "exit_code=3" in repr(r)


def test_the_readme_pipeline(sb):
    sb.write_file("staff.csv", "name,dept,salary\nana,eng,120\nbo,ops,90\ncy,eng,100\ndi,ops,95\n")
    r = sb.run(
        """cat staff.csv | python3 -c '
import csv, json, sys
totals = {}
for row in csv.DictReader(sys.stdin):
    totals[row["dept"]] = totals.get(row["dept"], 0) + int(row["salary"])
for dept, total in totals.items():
    print(json.dumps({"dept": dept, "total": total}))
' | sort"""
    )
    assert r.stdout_text == '{"dept": "eng", "total": 220}\n{"dept": "ops", "total": 185}\n', r.stderr_text


def test_stdin_as_bytes_or_text(sb):
    assert sb.run("tr a-z A-Z", stdin=b"abc").stdout == b"ABC"
    assert sb.run("wc -c", stdin="héllo").stdout_text.strip() == "6"
    with pytest.raises(TypeError, match="stdin must be bytes, str or None"):
        sb.run("cat", stdin=42)


def test_output_that_is_not_utf8_stays_exact(sb):
    r = sb.run("printf '\\377\\376ok'")
    assert r.stdout == b"\xff\xfeok"
    assert r.stdout_text == "\ufffd\ufffdok"


def test_run_python_needs_no_quoting(sb):
    r = sb.run_python("import sys; print(repr(sys.argv[1:]), 'it''s', \"$HOME\")", args=["a b", "'q'"])
    assert r.stdout_text == "['a b', \"'q'\"] its $HOME\n", r.stderr_text
    r = sb.run_python("import sys; sys.exit(sys.stdin.read())", stdin="boom")
    assert (r.exit_code, r.stderr_text) == (1, "boom\n")


def test_the_session_persists(sb):
    sb.run("cd /tmp && export GREETING=hi && f() { echo fn-$1; }")
    assert sb.run("pwd; echo $GREETING; f x").stdout_text == "/tmp\nhi\nfn-x\n"


def test_env_seed_cwd_and_limits_of_the_constructor():
    a = wasiland.Sandbox(env={"ME": "a"}, seed=7, cwd="/work")
    b = wasiland.Sandbox(env={"ME": "b"}, seed=7, cwd="/work")
    assert a.run("echo $ME; pwd").stdout_text == "a\n/work\n"
    cmd = "head -c 16 /dev/urandom | od -An -tx1"
    assert a.run(cmd).stdout == b.run(cmd).stdout
    assert a.run(cmd).stdout != wasiland.Sandbox(seed=8).run(cmd).stdout
    limits = wasiland.Limits(timeout=None, fs_bytes=1 << 20)
    assert limits.timeout is None and limits.fs_bytes == 1 << 20 and limits.open_files == 1024
    assert wasiland.Limits().timeout == 60.0
    small = wasiland.Sandbox(limits={"fs_bytes": 20_000})
    assert small.limits.fs_bytes == 20_000
    r = small.run("head -c 50000 /dev/zero > big")
    assert r.exit_code != 0 and "No space left" in r.stderr_text


def test_bad_limits_are_clear_errors():
    with pytest.raises(TypeError, match=r'unknown limit "timout" \(known: timeout, fuel, '):
        wasiland.Limits(timout=3)
    with pytest.raises(ValueError, match="timeout must be a finite number of seconds >= 0"):
        wasiland.Limits(timeout=-1)
    with pytest.raises(ValueError, match="open_files must be a positive int"):
        wasiland.Sandbox(limits={"open_files": 0})
    with pytest.raises(TypeError, match="limits must be a wasiland.Limits or a dict"):
        wasiland.Sandbox(limits=5)


def test_a_missing_guest_directory_names_it():
    with pytest.raises(wasiland.SandboxError, match="/nonexistent/guests: no such directory"):
        wasiland.Sandbox(fixtures="/nonexistent/guests")


def test_timeout_per_run_and_limit_hits(sb):
    t = time.monotonic()
    r = sb.run("python3 -c 'while True: pass'", timeout=0.5)
    assert r.exit_code == 124 and r.limit.kind == "timeout"
    assert time.monotonic() - t < 10
    # The sandbox's own timeout is back for the next run.
    assert sb.limits.timeout == 60.0
    assert sb.run("echo still-here").stdout == b"still-here\n"
    r = wasiland.Sandbox(limits={"output": 100}).run("yes")
    assert r.truncated and len(r.stdout) <= 100 and r.limit.kind == "output-limit"


def test_streaming_callbacks(sb):
    out, err = [], []
    r = sb.run("for i in 1 2 3; do echo $i; echo e$i >&2; done", on_stdout=out.append, on_stderr=err.append)
    assert b"".join(out) == b"1\n2\n3\n" == r.stdout
    assert b"".join(err) == b"e1\ne2\ne3\n"


def test_an_exception_in_a_callback_stops_the_run_and_is_raised(sb):
    def explode(chunk):
        raise RuntimeError("callback failed")

    t = time.monotonic()
    with pytest.raises(RuntimeError, match="callback failed"):
        sb.run("yes", on_stdout=explode)
    assert time.monotonic() - t < 10
    assert sb.run("echo fine").stdout == b"fine\n"


def test_files(sb, tmp_path):
    sb.write_file("/data/in.txt", "hello\n")
    sb.write_file("bin.dat", bytearray(b"\x00\x01"))
    sb.write_file("view.dat", memoryview(b"mv"))
    assert sb.read_file("/data/in.txt") == b"hello\n"
    assert sb.read_file("/home/user/bin.dat") == b"\x00\x01"
    assert sb.run("cat /data/in.txt view.dat").stdout == b"hello\nmv"
    assert sb.listdir("/data") == ["in.txt"]
    assert "bin.dat" in sb.listdir()
    assert sb.exists("/data/in.txt") and not sb.exists("/data/nope")
    sb.remove("/data")
    assert not sb.exists("/data/in.txt")
    with pytest.raises(FileNotFoundError, match="/data/in.txt"):
        sb.read_file("/data/in.txt")
    with pytest.raises(IsADirectoryError):
        sb.read_file("/tmp")
    with pytest.raises(NotADirectoryError):
        sb.listdir("bin.dat")
    with pytest.raises(TypeError, match="data must be bytes"):
        sb.write_file("x", 3)

    host_in = tmp_path / "in"
    (host_in / "sub").mkdir(parents=True)
    (host_in / "sub" / "a.txt").write_text("from host\n")
    assert sb.import_dir(host_in, "/project") == 1
    assert sb.run("cat /project/sub/a.txt").stdout == b"from host\n"
    sb.run("mkdir -p out && echo report > out/r.txt")
    assert sb.export("out", tmp_path / "exported") == 1
    assert (tmp_path / "exported" / "r.txt").read_text() == "report\n"
    with pytest.raises(OSError):
        sb.import_dir(tmp_path / "missing", "/x")


def test_snapshot_restore_fork(sb):
    sb.run("echo v1 > f; X=1")
    snap = sb.snapshot()
    sb.run("echo v2 > f; X=2; cd /tmp")
    other = sb.fork()
    sb.restore(snap)
    assert sb.run("cat f; echo $X; pwd").stdout_text == "v1\n1\n/home/user\n"
    assert other.run("cat /home/user/f; echo $X; pwd").stdout_text == "v2\n2\n/tmp\n"
    other.run("rm /home/user/f")
    assert sb.read_file("f") == b"v1\n"
    fresh = wasiland.Sandbox()
    fresh.restore(snap)
    assert fresh.read_file("/home/user/f") == b"v1\n"


def test_cancel_from_another_thread(sb):
    threading.Timer(0.5, sb.cancel).start()
    t = time.monotonic()
    r = sb.run("sleep 30")
    assert r.exit_code == 130
    assert time.monotonic() - t < 10
    assert sb.run("echo after").stdout == b"after\n"


def test_many_sandboxes_on_many_threads_run_at_once():
    # Each command sleeps 1 s inside the guest. With the GIL held during a
    # run they would take 8 s one after another; released, they overlap.
    n = 8
    sandboxes = [wasiland.Sandbox(env={"ME": str(i)}) for i in range(n)]
    results = [None] * n
    inside = []

    def work(i):
        results[i] = sandboxes[i].run("sleep 1; python3 -c 'import os; print(os.environ[\"ME\"])'")

    for sb in sandboxes:  # python3 compiled and its start-up image made
        sb.run("python3 -c pass")

    def ticker(stop):
        while not stop.is_set():
            inside.append(time.monotonic())
            time.sleep(0.05)

    stop = threading.Event()
    tick = threading.Thread(target=ticker, args=(stop,))
    tick.start()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - t
    stop.set()
    tick.join()
    assert [r.stdout_text for r in results] == [f"{i}\n" for i in range(n)]
    assert elapsed < n * 1.0, f"{n} one-second runs took {elapsed:.1f} s: not concurrent"
    # The interpreter kept running Python code while the guests ran.
    assert len(inside) >= 10


def test_run_async_and_its_cancellation(sb):
    async def main():
        r1, r2 = await asyncio.gather(
            sb.run_async("echo one"), wasiland.Sandbox().run_python_async("print(2)")
        )
        assert (r1.stdout, r2.stdout) == (b"one\n", b"2\n")
        task = asyncio.ensure_future(sb.run_async("sleep 30"))
        await asyncio.sleep(0.5)
        task.cancel()
        t = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - t < 10
        r = await sb.run_async("echo after")
        assert r.stdout == b"after\n"

    asyncio.run(main())


def test_versions_name_the_guests():
    assert wasiland.__version__
    assert "RustPython" in wasiland.guest_versions()
    assert "coreutils" in wasiland.guest_versions()


def test_the_package_is_typed():
    import importlib.resources

    files = importlib.resources.files("wasiland")
    assert files.joinpath("py.typed").is_file()
    assert files.joinpath("_wasiland.pyi").is_file()
