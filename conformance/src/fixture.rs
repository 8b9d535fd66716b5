//! The fresh host directories each guest run gets.
//!
//! Every run of every program under every runtime gets its own temporary
//! directory holding two subdirectories, passed as
//! `--dir <tmp>/sandbox::/sandbox` (the guest's fd 3) and
//! `--dir <tmp>/scratch::/scratch` (fd 4). `sandbox` holds:
//!
//! ```text
//! hello.txt          "hello world\n"
//! empty.txt          ""
//! subdir/inner.txt   "inner\n"
//! subdir/deeper/
//! emptydir/
//! link_hello   -> hello.txt
//! link_subdir  -> subdir
//! dangling     -> does-not-exist
//! ```
//!
//! `scratch` is empty.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    pub fn create() -> io::Result<Fixture> {
        let dir = tempfile::Builder::new()
            .prefix("wasiland-conformance-")
            .tempdir()?;
        let sandbox = dir.path().join("sandbox");
        fs::create_dir(&sandbox)?;
        fs::create_dir(dir.path().join("scratch"))?;
        fs::write(sandbox.join("hello.txt"), b"hello world\n")?;
        fs::write(sandbox.join("empty.txt"), b"")?;
        fs::create_dir_all(sandbox.join("subdir/deeper"))?;
        fs::write(sandbox.join("subdir/inner.txt"), b"inner\n")?;
        fs::create_dir(sandbox.join("emptydir"))?;
        symlink("hello.txt", &sandbox.join("link_hello"))?;
        symlink("subdir", &sandbox.join("link_subdir"))?;
        symlink("does-not-exist", &sandbox.join("dangling"))?;
        Ok(Fixture { dir })
    }

    /// `(host path, guest path)` of each preopen, in fd order (3, 4).
    pub fn preopens(&self) -> Vec<(PathBuf, &'static str)> {
        vec![
            (self.dir.path().join("sandbox"), "/sandbox"),
            (self.dir.path().join("scratch"), "/scratch"),
        ]
    }
}

#[cfg(unix)]
fn symlink(target: &str, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &str, _link: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "the fixture needs symbolic links (unix hosts only)",
    ))
}
