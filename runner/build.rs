//! Build script: records the commit a release build comes from and a digest
//! of our wasmi patch set, and with the `embed-guests` feature compiles the
//! guest modules into the crate.
//!
//! Guests are taken from `$WASILAND_FIXTURES` (the directory `fixtures/build.sh`
//! fills), else this checkout's `fixtures/out`. Every `*.wasm` there is
//! embedded as it is (uncompressed: the pages are mapped from the binary on
//! first use, so nothing is decompressed or copied at start-up), with the
//! `versions.txt` that names the upstream projects inside them.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    fs::write(out.join("commit.txt"), commit(&manifest)).expect("write commit.txt");
    println!(
        "cargo:rustc-env=WASILAND_WASMI_PATCHES={}",
        patch_set_digest(&manifest.join("patches"))
    );
    if env::var_os("CARGO_FEATURE_EMBED_GUESTS").is_some() {
        fs::write(out.join("embedded_guests.rs"), embedded_guests(&manifest))
            .expect("write embedded_guests.rs");
    }
}

/// The commit, in release builds only: watching the git refs makes every
/// commit rebuild the crate, which debug builds (the tests) should not pay.
fn commit(manifest: &Path) -> String {
    println!("cargo:rerun-if-env-changed=WASILAND_COMMIT");
    if let Ok(commit) = env::var("WASILAND_COMMIT") {
        return commit;
    }
    if env::var("PROFILE").as_deref() != Ok("release") {
        return String::new();
    }
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(manifest)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let Some(commit) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return String::new();
    };
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        // Only files that exist: a missing one would count as changed on
        // every build (no packed-refs until git packs some).
        if let Some(path) = git(&["rev-parse", "--path-format=absolute", "--git-path", &name])
            .filter(|path| Path::new(path).exists())
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    commit
}

/// A digest of every patch series in `patches/` (directory names, which
/// carry the crate versions, and file contents): part of the key under
/// which a trusted module's validation is remembered (`runtime/validation.rs`).
fn patch_set_digest(patches: &Path) -> String {
    use std::hash::{Hash, Hasher};
    println!("cargo:rerun-if-changed={}", patches.display());
    fn walk(dir: &Path, h: &mut std::collections::hash_map::DefaultHasher) {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for path in entries {
            path.file_name().hash(h);
            if path.is_dir() {
                walk(&path, h);
            } else {
                fs::read(&path).unwrap_or_default().hash(h);
            }
        }
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    walk(patches, &mut h);
    format!("{:016x}", h.finish())
}

/// Rust source declaring `GUESTS` (file stem, bytes) and `VERSIONS`.
fn embedded_guests(manifest: &Path) -> String {
    println!("cargo:rerun-if-env-changed=WASILAND_FIXTURES");
    let dir = match env::var_os("WASILAND_FIXTURES").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => manifest.join("../fixtures/out"),
    };
    let dir = dir.canonicalize().unwrap_or_else(|e| {
        panic!(
            "embed-guests: the guest directory {} is not there ({e}); build the guests with \
             fixtures/build.sh or point WASILAND_FIXTURES at them",
            dir.display()
        )
    });
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut modules: Vec<(String, PathBuf)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("embed-guests: cannot list {}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let stem = path.file_stem()?.to_str()?.to_string();
            (path.extension()? == "wasm").then_some((stem, path))
        })
        .collect();
    modules.sort();
    assert!(
        !modules.is_empty(),
        "embed-guests: no guest modules (*.wasm) in {}; build them with fixtures/build.sh",
        dir.display()
    );
    let mut src = String::from("pub static GUESTS: &[(&str, &[u8])] = &[\n");
    for (stem, path) in &modules {
        println!("cargo:rerun-if-changed={}", path.display());
        let path = path.to_str().expect("a UTF-8 guest path");
        writeln!(src, "    ({stem:?}, include_bytes!({path:?})),").expect("write to a String");
    }
    src.push_str("];\n");
    let versions = dir.join("versions.txt");
    println!("cargo:rerun-if-changed={}", versions.display());
    let text = fs::read_to_string(&versions).unwrap_or_default();
    writeln!(src, "pub static VERSIONS: &str = {text:?};").expect("write to a String");
    src
}
