//! Many sandboxes on many threads share one runtime and one module cache
//! and still give correct, independent results.

use wasiland::Sandbox;

#[test]
fn sixteen_sandboxes_run_python_pipelines_at_once() {
    let dir = wasiland::sandbox::default_fixtures_dir();
    assert!(
        dir.join("rustpython.wasm").is_file(),
        "fixtures missing in {}",
        dir.display()
    );
    let threads: Vec<_> = (0..16u32)
        .map(|i| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                let mut sb = Sandbox::builder().fixtures(dir).env("ME", &i.to_string()).build().expect("sandbox");
                let rows: String = (1..=20).map(|n| format!("{n},{}\n", n * i)).collect();
                sb.write_file("data.csv", rows).expect("write");
                let r = sb.run(
                    "cat data.csv | python3 -c 'import csv, os, sys; \
                     s = sum(int(r[1]) for r in csv.reader(sys.stdin)); print(os.environ[\"ME\"], s)' \
                     | tee result.txt | wc -l",
                );
                (i, r, sb.read_file("result.txt"))
            })
        })
        .collect();
    for t in threads {
        let (i, r, saved) = t.join().expect("thread");
        assert_eq!(
            (r.exit_code, r.stdout_str().trim()),
            (0, "1"),
            "sandbox {i}: {}",
            r.stderr_str()
        );
        // sum(1..=20) * i = 210 * i, computed in that sandbox only.
        assert_eq!(
            String::from_utf8_lossy(&saved.expect("result")),
            format!("{i} {}\n", 210 * i)
        );
    }
}

#[test]
fn sandboxes_are_send_and_forks_are_independent() {
    fn assert_send<T: Send>() {}
    assert_send::<Sandbox>();
    let mut a = Sandbox::builder().build().expect("sandbox");
    a.write_file("f.txt", "one\n").expect("write");
    let snap = a.snapshot();
    let mut b = a.fork();
    let t = std::thread::spawn(move || {
        b.run("echo two >> f.txt; cd /tmp; X=1");
        (
            b.read_file("/home/user/f.txt").expect("read"),
            b.shell().cwd().to_string(),
        )
    });
    a.run("echo three >> f.txt");
    let (in_b, b_cwd) = t.join().expect("thread");
    assert_eq!(in_b, b"one\ntwo\n");
    assert_eq!(b_cwd, "/tmp");
    assert_eq!(a.read_file("f.txt").expect("read"), b"one\nthree\n");
    a.restore(&snap);
    assert_eq!(a.read_file("f.txt").expect("read"), b"one\n");
}
