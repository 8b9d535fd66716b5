//! Running the `wasiland` binary as a user would, for the CLI tests.
#![allow(dead_code)]

pub mod measure;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary, with the fixtures of this build.
pub fn wasiland() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wasiland"));
    c.env(
        "WASILAND_FIXTURES",
        wasiland::sandbox::default_fixtures_dir(),
    );
    c
}

/// Run with `stdin` as its whole input; wait for the end.
pub fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = wasiland()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wasiland");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Asserts a refused command line: status 2, a message naming `needle`,
/// no panic, nothing run.
pub fn refused(args: &[&str], needle: &str) {
    let out = run(args, b"");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {needle:?} not in {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?} ran: {}", text(&out.stdout));
}

/// A `wasiland` session in a tmux terminal, ended when dropped.
pub struct Terminal {
    session: String,
}

impl Terminal {
    /// Start `wasiland ARGS` in a 120x30 terminal.
    pub fn start(name: &str, args: &str) -> Terminal {
        if Command::new("tmux").arg("-V").output().is_err() {
            panic!("tmux is needed for the interactive shell tests");
        }
        let session = format!("wasiland-{name}-{}", std::process::id());
        let cmd = format!(
            "WASILAND_FIXTURES={} {} {args}",
            wasiland::sandbox::default_fixtures_dir().display(),
            env!("CARGO_BIN_EXE_wasiland"),
        );
        let t = Terminal { session };
        t.tmux(&[
            "new-session",
            "-d",
            "-s",
            &t.session,
            "-x",
            "120",
            "-y",
            "30",
            &cmd,
        ]);
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux").args(args).output().expect("tmux")
    }

    pub fn screen(&self) -> String {
        text(
            &self
                .tmux(&["capture-pane", "-p", "-t", &self.session])
                .stdout,
        )
    }

    /// Type keys (tmux key names: "Enter", "C-c", "BSpace").
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Wait (30 s at most) until the screen shows `needle`.
    pub fn wait_for(&self, needle: &str) {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(30) {
            if self.screen().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{needle:?} did not appear on the screen:\n{}",
            self.screen()
        );
    }

    /// Wait (30 s at most) until the last line on the screen is `prompt`
    /// (the shell waits for input).
    pub fn wait_for_prompt(&self, prompt: &str) {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(30) {
            let screen = self.screen();
            if screen.lines().rev().find(|l| !l.trim().is_empty()) == Some(prompt.trim_end()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("no prompt {prompt:?} on the screen:\n{}", self.screen());
    }

    /// Wait (10 s at most) for the program to end; whether it did.
    pub fn wait_for_exit(&self) -> bool {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if !self.running() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    pub fn running(&self) -> bool {
        self.tmux(&["has-session", "-t", &self.session])
            .status
            .success()
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.tmux(&["kill-session", "-t", &self.session]);
    }
}
