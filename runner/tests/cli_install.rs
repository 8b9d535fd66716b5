//! Where the `wasiland` binary finds its guests: the install layout beside
//! it (also through a symlink to it), `--fixtures` and `$WASILAND_FIXTURES`,
//! and a clear error naming every place searched when none has them. The
//! binary is copied out of the build tree, so nothing can come from there.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    wasiland::sandbox::default_fixtures_dir()
}

/// A copy of the binary at `prefix/bin/wasiland`; with `guests`, the
/// fixtures linked into `prefix/share/wasiland/guests` as an install has them.
fn install(prefix: &Path, guests: bool) -> PathBuf {
    let bin = prefix.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join("wasiland");
    std::fs::copy(env!("CARGO_BIN_EXE_wasiland"), &exe).unwrap();
    if guests {
        let dir = prefix.join(wasiland::guests::INSTALL_SUBDIR);
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(fixtures()).unwrap() {
            let path = entry.unwrap().path();
            std::os::unix::fs::symlink(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    exe
}

/// Run `exe ARGS` from `cwd` without `$WASILAND_FIXTURES`.
fn run(exe: &Path, cwd: &Path, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .current_dir(cwd)
        .env_remove("WASILAND_FIXTURES")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn an_installed_binary_uses_the_guests_beside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = install(&tmp.path().join("prefix"), true);
    // Through a symlink, as ~/bin/wasiland -> /opt/wasiland/bin/wasiland.
    let link = tmp.path().join("wasiland-link");
    std::os::unix::fs::symlink(&exe, &link).unwrap();
    for program in [&exe, &link] {
        let out = run(
            program,
            tmp.path(),
            &[
                "run",
                "echo hi | tr a-z A-Z; python3 -c 'print(6*7)'; jq -n 1",
            ],
        );
        assert_eq!(text(&out.stdout), "HI\n42\n1\n", "{}", text(&out.stderr));
        assert_eq!(out.status.code(), Some(0));
    }
    let out = run(&exe, tmp.path(), &["--version"]);
    let version = text(&out.stdout);
    let guests = tmp
        .path()
        .join("prefix")
        .join(wasiland::guests::INSTALL_SUBDIR);
    assert!(version.starts_with("wasiland 0."), "{version}");
    assert!(
        version.contains(&format!(
            "guests: {}\n",
            guests.canonicalize().unwrap().display()
        )),
        "{version}"
    );
    assert!(version.contains("\n  RustPython 0."), "{version}");
    assert!(version.contains("\n  uutils coreutils 0."), "{version}");
}

#[test]
fn a_binary_without_guests_says_where_it_looked() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = install(&tmp.path().join("prefix"), false);
    let out = run(&exe, tmp.path(), &["run", "echo hi"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    let expected = tmp
        .path()
        .canonicalize()
        .unwrap()
        .join("prefix/share/wasiland/guests");
    for needle in [
        "no guest programs (python3, coreutils, grep, ...)".to_string(),
        "$WASILAND_FIXTURES: not set".to_string(),
        "embedded guests: none in this build".to_string(),
        format!("{} (install layout): no such directory", expected.display()),
        "scripts/install.sh".to_string(),
    ] {
        assert!(err.contains(&needle), "{needle:?} not in {err}");
    }
    // --version still works and says the same.
    let out = run(&exe, tmp.path(), &["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("guests: not found\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_wrong_fixtures_directory_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = install(&tmp.path().join("prefix"), true);
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let cases: [(&[&str], Option<&Path>, String); 3] = [
        (
            &["run", "--fixtures", "/nonexistent/guests", "echo hi"],
            None,
            "--fixtures: no guest programs (python3, coreutils, grep, ...): searched /nonexistent/guests: no such directory".into(),
        ),
        (
            &["run", "echo hi"],
            Some(&empty),
            format!("$WASILAND_FIXTURES ({}): none of rustpython.wasm, coreutils.wasm", empty.display()),
        ),
        (
            &["run", "--fixtures", "prefix/bin/wasiland", "echo hi"],
            None,
            "prefix/bin/wasiland: not a directory".into(),
        ),
    ];
    for (args, env, needle) in cases {
        let mut cmd = Command::new(&exe);
        cmd.args(args)
            .current_dir(tmp.path())
            .env_remove("WASILAND_FIXTURES");
        if let Some(dir) = env {
            cmd.env("WASILAND_FIXTURES", dir);
        }
        let out = cmd.output().unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(&needle), "{args:?}: {needle:?} not in {err}");
        assert!(out.stdout.is_empty(), "{args:?} ran");
    }
    // A good --fixtures wins over a wrong $WASILAND_FIXTURES.
    let out = Command::new(&exe)
        .args(["run", "--fixtures", fixtures().to_str().unwrap(), "echo ok"])
        .env("WASILAND_FIXTURES", &empty)
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "ok\n", "{}", text(&out.stderr));
}

#[test]
fn the_library_reports_missing_guests_too() {
    let err = wasiland::Sandbox::builder()
        .fixtures("/nonexistent/guests")
        .build()
        .err()
        .expect("no guests there");
    assert!(matches!(err, wasiland::FsError::Guests(_)), "{err}");
    assert!(
        err.to_string()
            .contains("/nonexistent/guests: no such directory"),
        "{err}"
    );
}
