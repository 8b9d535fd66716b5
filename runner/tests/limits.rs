//! Limits and hostile guests: every limit is hit by a real guest, the run
//! reports which limit and which process, the exit status is the
//! conventional one, and the next command in the same sandbox works.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasiland::{LimitKind, Limits, RunResult, Sandbox, ToolRegistry};

fn fixtures() -> PathBuf {
    let dir = wasiland::sandbox::default_fixtures_dir();
    assert!(
        dir.join("coreutils.wasm").is_file() && dir.join("rustpython.wasm").is_file(),
        "fixtures missing in {}: run fixtures/build.sh",
        dir.display()
    );
    dir
}

fn hostile(name: &str) -> Vec<u8> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../fixtures/hostile/{name}.wat"));
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A sandbox with the standard tools plus every hostile guest as a tool.
fn sandbox(limits: Limits) -> Sandbox {
    let mut tools = ToolRegistry::from_fixtures(&fixtures());
    for name in [
        "spin",
        "membomb",
        "recurse",
        "fdbomb",
        "flood",
        "filebomb",
        "badimport",
        "trapstart",
        "sleeper",
        "tablebomb",
    ] {
        tools.register_bytes(name, hostile(name));
    }
    Sandbox::builder()
        .tools(tools)
        .limits(limits)
        .build()
        .expect("sandbox")
}

fn limits() -> Limits {
    Limits {
        timeout: Some(Duration::from_secs(30)),
        ..Limits::default()
    }
}

#[track_caller]
fn assert_hit(r: &RunResult, kind: LimitKind, process: &str, status: i32) {
    assert_eq!(
        r.exit_code,
        status,
        "exit status; stderr: {}",
        r.stderr_str()
    );
    let hit = r
        .limit
        .as_ref()
        .unwrap_or_else(|| panic!("no limit reported; stderr: {}", r.stderr_str()));
    assert_eq!(
        (hit.kind, hit.process.as_str()),
        (kind, process),
        "{:?}",
        r.limits_hit
    );
}

#[track_caller]
fn still_works(sb: &mut Sandbox) {
    let r = sb.run("echo ok; cat /etc/hostname | wc -l");
    assert_eq!(
        (r.exit_code, r.stdout_str().as_str()),
        (0, "ok\n1\n"),
        "stderr: {}",
        r.stderr_str()
    );
    assert_eq!(r.limit, None);
}

#[test]
fn wall_clock_stops_a_compute_loop() {
    let mut sb = sandbox(Limits {
        timeout: Some(Duration::from_millis(500)),
        ..limits()
    });
    let t = Instant::now();
    let r = sb.run("spin");
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    assert_hit(&r, LimitKind::Timeout, "spin", 124);
    still_works(&mut sb);
}

#[test]
fn python_busy_loop_times_out() {
    let mut sb = sandbox(Limits {
        timeout: Some(Duration::from_secs(2)),
        ..limits()
    });
    let t = Instant::now();
    let r = sb.run("python3 -c 'while True: pass'");
    // The deadline plus 2 s: a loaded machine took 4.2 s with a 3.5 s bound.
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "took {:?}",
        t.elapsed()
    );
    assert_hit(&r, LimitKind::Timeout, "python3", 124);
    still_works(&mut sb);
}

#[test]
fn fuel_stops_a_compute_loop() {
    let mut sb = sandbox(Limits {
        fuel: Some(5_000_000),
        ..limits()
    });
    let r = sb.run("spin");
    assert_hit(&r, LimitKind::Fuel, "spin", 137);
    still_works(&mut sb);
}

#[test]
fn deadline_ends_processes_blocked_on_pipes_and_sleep() {
    let mut sb = sandbox(Limits {
        timeout: Some(Duration::from_millis(700)),
        ..limits()
    });
    let t = Instant::now();
    // `yes` blocks on a full pipe nobody reads; sleeper sleeps for an hour.
    let r = sb.run("yes | sleeper");
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(r.exit_code, 124);
    assert!(
        r.limits_hit.iter().all(|h| h.kind == LimitKind::Timeout),
        "{:?}",
        r.limits_hit
    );
    let r2 = sb.run("sleeper | cat");
    assert_eq!(r2.exit_code, 124);
    still_works(&mut sb);
}

#[test]
fn a_writer_without_reader_ends_like_sigpipe() {
    let mut sb = sandbox(limits());
    let t = Instant::now();
    let r = sb.run("yes | head -n 1; echo ${PIPESTATUS[0]}");
    assert!(t.elapsed() < Duration::from_secs(10));
    assert_eq!(r.stdout_str(), "y\n141\n");
    still_works(&mut sb);
}

#[test]
fn memory_growth_is_bounded() {
    let mut sb = sandbox(Limits {
        memory: Some(64 << 20),
        ..limits()
    });
    let r = sb.run("membomb");
    assert_hit(&r, LimitKind::Memory, "membomb", 137);
    // Python sees a refused allocation as MemoryError and carries on.
    let r = sb.run("python3 -c 'x = bytearray(1 << 30)' 2>&1; echo status=$?");
    assert!(r.stdout_str().contains("MemoryError"), "{}", r.stdout_str());
    assert!(r.stdout_str().contains("status=1"), "{}", r.stdout_str());
    assert!(
        r.limits_hit
            .iter()
            .any(|h| h.kind == LimitKind::Memory && h.process == "python3"),
        "{:?}",
        r.limits_hit
    );
    still_works(&mut sb);
}

#[test]
fn deep_recursion_traps_only_its_guest() {
    let mut sb = sandbox(limits());
    let r = sb.run("recurse");
    assert_eq!(r.exit_code, 134, "{}", r.stderr_str());
    assert!(r.stderr_str().contains("stack"), "{}", r.stderr_str());
    still_works(&mut sb);
}

#[test]
fn descriptor_exhaustion_is_emfile() {
    let mut sb = sandbox(Limits {
        open_files: 32,
        ..limits()
    });
    let r = sb.run("fdbomb");
    // fdbomb exits 0 when path_open finally said `mfile`.
    assert_hit(&r, LimitKind::OpenFiles, "fdbomb", 0);
    still_works(&mut sb);
}

#[test]
fn output_flood_is_cut_and_the_writer_ended() {
    let mut sb = sandbox(Limits {
        output: Some(1 << 20),
        ..limits()
    });
    let r = sb.run("flood");
    assert!(r.truncated);
    assert_eq!(r.stdout.len(), 1 << 20);
    assert_hit(&r, LimitKind::Output, "flood", 141);
    let r = sb.run("yes");
    assert!(r.truncated);
    assert_eq!(r.limit.as_ref().map(|h| h.kind), Some(LimitKind::Output));
    still_works(&mut sb);
}

#[test]
fn file_flood_hits_the_filesystem_quota() {
    let mut sb = sandbox(Limits {
        fs_bytes: Some(8 << 20),
        ..limits()
    });
    let r = sb.run("filebomb");
    // filebomb exits 0 when a write finally failed with `nospc`.
    assert_hit(&r, LimitKind::FsBytes, "filebomb", 0);
    let r = sb.run("rm /tmp/bomb");
    assert_eq!(r.exit_code, 0, "{}", r.stderr_str());
    still_works(&mut sb);
}

#[test]
fn giant_argv_is_refused() {
    let mut sb = sandbox(Limits {
        args_bytes: 1 << 20,
        ..limits()
    });
    let r = sb.run("cat $(seq 1 300000)");
    assert_hit(&r, LimitKind::ArgsBytes, "cat", 126);
    still_works(&mut sb);
}

#[test]
fn bad_modules_are_clear_errors() {
    let mut sb = sandbox(limits());
    let r = sb.run("badimport");
    assert_eq!(r.exit_code, 126);
    assert!(
        r.stderr_str().contains("launch_missiles"),
        "{}",
        r.stderr_str()
    );
    let r = sb.run("trapstart");
    assert_eq!(r.exit_code, 134);
    assert!(r.stderr_str().contains("unreachable"), "{}", r.stderr_str());
    // A truncated and a garbage module written into the sandbox and run by path.
    let good = std::fs::read(fixtures().join("coreutils.wasm")).expect("read coreutils");
    sb.write_file("/tmp/trunc.wasm", good[..good.len() / 2].to_vec())
        .expect("write");
    sb.write_file("/tmp/junk.wasm", b"\0asm\x01\0\0\0garbage".to_vec())
        .expect("write");
    sb.run("chmod +x /tmp/trunc.wasm /tmp/junk.wasm");
    for path in ["/tmp/trunc.wasm", "/tmp/junk.wasm"] {
        let r = sb.run(path);
        assert_eq!(r.exit_code, 126, "{path}: {}", r.stderr_str());
        assert!(
            r.stderr_str().contains("invalid WebAssembly"),
            "{path}: {}",
            r.stderr_str()
        );
    }
    still_works(&mut sb);
}

#[test]
fn no_host_path_is_reachable() {
    let secret_dir = tempfile::tempdir().expect("tempdir");
    let secret = secret_dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-HOST-DATA").expect("write secret");
    let host = secret.display().to_string();
    let mut sb = sandbox(limits());
    let attempts = [
        format!("cat {host}"),
        format!("cat ../../../../../../..{host}"),
        format!("cd / && cat ./../..{host}"),
        "ln -s / /tmp/root && ls /tmp/root/../../..".to_string(),
        format!("ln -s ../../../../../.. /tmp/up && cat /tmp/up{host}"),
        format!("python3 -c \"print(open('{host}').read())\""),
        "python3 -c \"import os; print(os.listdir('/../../..'))\"".to_string(),
        "ls -la /proc /sys /etc/shadow".to_string(),
        "grep -r TOP-SECRET / 2>/dev/null; find / -name secret.txt".to_string(),
    ];
    for cmd in &attempts {
        let r = sb.run(cmd);
        let all = format!("{}{}", r.stdout_str(), r.stderr_str());
        assert!(
            !all.contains("TOP-SECRET-HOST-DATA"),
            "{cmd} leaked host data: {all}"
        );
    }
    // The only root the guest has is the sandbox's own.
    let r = sb.run("ls /");
    assert_eq!(r.stdout_str(), "bin\ndev\netc\nhome\nroot\ntmp\nusr\nvar\n");
    still_works(&mut sb);
}

#[test]
fn shell_recursion_and_pipeline_length_are_bounded() {
    let mut sb = sandbox(Limits {
        shell_depth: 50,
        pipeline_stages: 16,
        ..limits()
    });
    let r = sb.run("f() { f; }; f");
    assert_ne!(r.exit_code, 0);
    assert!(
        r.limits_hit.iter().any(|h| h.kind == LimitKind::ShellDepth),
        "{:?} {}",
        r.limits_hit,
        r.stderr_str()
    );
    let long = vec!["cat"; 20].join(" | ");
    let r = sb.run(&format!("echo hi | {long}"));
    assert_ne!(r.exit_code, 0);
    assert!(
        r.limits_hit
            .iter()
            .any(|h| h.kind == LimitKind::PipelineStages),
        "{:?} {}",
        r.limits_hit,
        r.stderr_str()
    );
    still_works(&mut sb);
}

#[test]
fn hostile_neighbours_do_not_stop_a_normal_pipeline() {
    let hostiles = [
        "spin",
        "membomb",
        "flood",
        "recurse",
        "fdbomb",
        "sleeper",
        "trapstart",
        "filebomb",
    ];
    let limits = Limits {
        timeout: Some(Duration::from_secs(3)),
        memory: Some(64 << 20),
        output: Some(1 << 20),
        fs_bytes: Some(4 << 20),
        open_files: 64,
        ..Limits::default()
    };
    let threads: Vec<_> = (0..32)
        .map(|i| {
            let name = hostiles[i % hostiles.len()];
            let mut sb = sandbox(limits.clone());
            std::thread::spawn(move || (name, sb.run(name)))
        })
        .collect();
    let mut normal = sandbox(Limits {
        timeout: Some(Duration::from_secs(120)),
        ..Limits::default()
    });
    normal
        .write_file(
            "/home/user/n.txt",
            (1..=500).map(|i| format!("{i}\n")).collect::<String>(),
        )
        .expect("write");
    let r = normal.run("cat n.txt | python3 -c 'import sys; print(sum(int(l) for l in sys.stdin))' | tr -d '\\n'; echo");
    assert_eq!(
        (r.exit_code, r.stdout_str().as_str()),
        (0, "125250\n"),
        "{}",
        r.stderr_str()
    );
    for t in threads {
        let (name, r) = t.join().expect("thread");
        // Each was stopped (non-zero) or had a limit refuse it (fdbomb and
        // filebomb exit 0 once they see EMFILE / ENOSPC).
        assert!(
            r.exit_code != 0 || r.limit.is_some(),
            "{name} was neither stopped nor limited: {r:?}"
        );
    }
}

#[test]
fn guests_spawning_guests_are_bounded() {
    let mut sb = sandbox(limits());
    sb.write_file("/home/user/bomb.sh", "echo . | xargs sh bomb.sh\n")
        .expect("write");
    let t = Instant::now();
    let r = sb.run("sh bomb.sh");
    assert!(
        t.elapsed() < Duration::from_secs(60),
        "took {:?}",
        t.elapsed()
    );
    assert_ne!(r.exit_code, 0);
    assert!(
        r.stderr_str().contains("nested too deeply"),
        "{}",
        r.stderr_str()
    );
    assert!(
        r.limits_hit.iter().any(|h| h.kind == LimitKind::ShellDepth),
        "{:?}",
        r.limits_hit
    );
    still_works(&mut sb);
}

#[test]
fn every_limit_is_named_after_its_flag() {
    let names: Vec<&str> = LimitKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(
        names,
        [
            "timeout",
            "fuel",
            "memory-limit",
            "sandbox-memory",
            "fs-limit",
            "fs-inodes",
            "output-limit",
            "open-files",
            "args-limit",
            "pipeline-limit",
            "depth-limit"
        ]
    );
    // Each is a flag of the CLI.
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_wasiland"))
        .args(["run", "--help"])
        .output()
        .expect("wasiland run --help");
    let help = String::from_utf8_lossy(&help.stdout);
    for name in names {
        assert!(help.contains(&format!("--{name} ")), "--{name} in {help}");
    }
}

#[test]
fn the_sandbox_memory_bounds_all_its_processes_together() {
    let mut sb = sandbox(Limits {
        sandbox_memory: Some(96 << 20),
        ..limits()
    });
    // Each membomb alone may grow to 1 GiB; together they have 96 MiB.
    let r = sb.run("membomb & membomb & membomb; wait");
    assert!(
        r.limits_hit
            .iter()
            .any(|h| h.kind == LimitKind::SandboxMemory && h.process == "membomb"),
        "{:?} {}",
        r.limits_hit,
        r.stderr_str()
    );
    assert_eq!(sb.run("membomb").exit_code, 137);
    still_works(&mut sb);
}

#[test]
fn memories_and_tables_count_together() {
    // tablebomb grows four tables and a memory by 4 MiB each per round.
    // Under 64 MiB, after the ~10 MiB every process reserves (stacks,
    // overhead), two whole rounds fit (40 MiB) and the third is refused
    // at its fourth table. Before, each memory and table was checked
    // alone against the limit (the module fuzzer found it): 12 rounds.
    // The same bytes are charged to the sandbox: under a sandbox limit of
    // 64 MiB (and the default 1 GiB per process) the same round is refused.
    let mut sb = sandbox(limits());
    for (limits, kind) in [
        (
            Limits {
                memory: Some(64 << 20),
                ..limits()
            },
            LimitKind::Memory,
        ),
        (
            Limits {
                sandbox_memory: Some(64 << 20),
                ..limits()
            },
            LimitKind::SandboxMemory,
        ),
    ] {
        sb.set_limits(limits);
        let r = sb.run("tablebomb; echo rounds $?");
        assert_eq!(r.stdout_str(), "rounds 2\n", "{kind:?}: {}", r.stderr_str());
        assert!(
            r.limits_hit
                .iter()
                .any(|h| h.kind == kind && h.process == "tablebomb"),
            "{:?}",
            r.limits_hit
        );
    }
    // With more room, the same guest goes much further.
    sb.set_limits(Limits {
        memory: Some(256 << 20),
        ..limits()
    });
    assert_eq!(
        sb.run("tablebomb; echo rounds $?").stdout_str(),
        "rounds 12\n"
    );
    still_works(&mut sb);
}

#[test]
fn guest_modules_never_get_start_up_images() {
    let cache = tempfile::tempdir().expect("tempdir");
    let mut tools = ToolRegistry::from_fixtures(&fixtures());
    tools.register_bytes("hoginit", hostile("hoginit"));
    tools.register_bytes("endlessinit", hostile("endlessinit"));
    let mut sb = Sandbox::builder()
        .runtime(wasiland::Runtime::with_image_cache(cache.path()))
        .tools(tools)
        .limits(Limits {
            timeout: Some(Duration::from_secs(1)),
            ..limits()
        })
        .build()
        .expect("sandbox");
    // A module the guest holds follows the image protocol with an init
    // that never ends: it starts from `_start` (before: the host hung).
    sb.write_file("/tmp/init.wasm", hostile("endlessinit"))
        .expect("write");
    let t = Instant::now();
    let r = sb.run("chmod +x /tmp/init.wasm && /tmp/init.wasm");
    assert_eq!(
        (r.exit_code, r.stdout_str().as_str()),
        (0, "plain start\n"),
        "{}",
        r.stderr_str()
    );
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // A registered tool with that init: its capture stops at the run's
    // deadline.
    let t = Instant::now();
    let r = sb.run("endlessinit");
    assert_eq!(r.exit_code, 124, "{}", r.stderr_str());
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    // A registered tool whose init grows without end has no image (the
    // template stops at 256 MiB) and starts plainly.
    sb.set_limits(limits());
    let r = sb.run("hoginit");
    assert_eq!(
        (r.exit_code, r.stdout_str().as_str()),
        (0, "plain start\n"),
        "{}",
        r.stderr_str()
    );
    // (The directory also keeps records of validated trusted modules.)
    let files: Vec<_> = std::fs::read_dir(cache.path())
        .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "image"))
        .collect();
    assert!(files.is_empty(), "image files written: {files:?}");
    still_works(&mut sb);
}

#[test]
fn spawn_requests_are_bounded_before_they_are_decoded() {
    let mut tools = ToolRegistry::from_fixtures(&fixtures());
    tools.register_bytes("spawnbomb", hostile("spawnbomb"));
    let mut sb = Sandbox::builder()
        .tools(tools)
        .limits(limits())
        .build()
        .expect("sandbox");
    // 16 MiB of request against a 2 MiB argument limit: `2big` (1).
    let r = sb.run("spawnbomb");
    assert_eq!(r.exit_code, 101, "{}", r.stderr_str());
    still_works(&mut sb);
}
