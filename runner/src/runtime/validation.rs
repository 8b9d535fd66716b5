//! Validation of trusted modules, done once per module bytes.
//!
//! wasmi's `Module::new` validates the whole module (some 70 ms for
//! python3, 50 ms for coreutils), and a one-shot CLI process paid it on
//! every start. Bytes of a *trusted* module (the embedder's: the tool
//! registry, [`crate::Runtime::compile`]) that passed validation once
//! under the same wasmi build, our wasmi patch set and the same engine
//! configuration are compiled with `Module::new_unchecked` afterwards: in
//! this host process (a set of keys) and, when the runtime has a host
//! cache directory ([`crate::Runtime::with_image_cache`]), in later host
//! processes (an empty record file named by the module's BLAKE3 key and
//! [`fingerprint`]).
//!
//! Guest modules (`.wasm` files in a sandbox, which a guest may have
//! written) never come here: they are validated every time they are
//! compiled, and nothing a guest does writes a record.

use super::ModuleKey;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use wasmi::{Engine, Module};

/// Extension of record files in the cache directory.
const RECORD_EXT: &str = "validated";

/// Record files kept in a cache directory (each is empty; the bound only
/// keeps the directory listing short).
const KEEP_RECORDS: usize = 64;

/// Compile trusted `wasm` (content key `key`) on `engine`, validating it
/// only if these bytes were not validated before under the same wasmi
/// build and configuration (see the module docs). `dir` is the runtime's
/// host cache directory, if any.
pub(super) fn compile_trusted(
    engine: &Engine,
    wasm: &[u8],
    key: &ModuleKey,
    dir: Option<&Path>,
) -> Result<Module, wasmi::Error> {
    let record = record_key(key, &fingerprint(engine));
    if known(&record, dir) {
        // SAFETY: bytes with this BLAKE3 hash passed `Module::new` under
        // this wasmi build, patch set and engine configuration (all part of
        // `record`); `new_unchecked` then only skips work already done.
        // Only trusted bytes reach this function.
        return unsafe { Module::new_unchecked(engine, wasm) };
    }
    let module = Module::new(engine, wasm)?;
    remember(&record, dir);
    Ok(module)
}

/// What validation depends on besides the bytes: wasmi's version and our
/// patches to it (`build.rs` hashes `runner/patches/`, whose directory
/// names carry the crate versions) and the engine's configuration (wasm
/// features, enforced limits).
pub(super) fn fingerprint(engine: &Engine) -> String {
    format!(
        "wasmi patches {}; {:?}",
        env!("WASILAND_WASMI_PATCHES"),
        engine.config()
    )
}

/// The name of the record for module `key` under `fingerprint`.
pub(super) fn record_key(key: &ModuleKey, fingerprint: &str) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(key);
    h.update(fingerprint.as_bytes());
    *h.finalize().as_bytes()
}

/// Records of this host process.
fn in_process() -> &'static Mutex<HashSet<[u8; 32]>> {
    static SET: OnceLock<Mutex<HashSet<[u8; 32]>>> = OnceLock::new();
    SET.get_or_init(Default::default)
}

fn record_path(dir: &Path, record: &[u8; 32]) -> PathBuf {
    let name: String = record.iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{name}.{RECORD_EXT}"))
}

/// Whether `record` was made by this host process or is on file in `dir`.
pub(super) fn known(record: &[u8; 32], dir: Option<&Path>) -> bool {
    if super::lock(in_process()).contains(record) {
        return true;
    }
    let on_file = dir.is_some_and(|dir| {
        std::fs::symlink_metadata(record_path(dir, record)).is_ok_and(|m| m.is_file())
    });
    if on_file {
        super::lock(in_process()).insert(*record);
    }
    on_file
}

/// Make `record` known to this host process and, if there is one, to the
/// cache directory `dir` (a failure to write only costs a validation).
pub(super) fn remember(record: &[u8; 32], dir: Option<&Path>) {
    super::lock(in_process()).insert(*record);
    let Some(dir) = dir else { return };
    let path = record_path(dir, record);
    let mut tmp = path.clone().into_os_string();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&tmp, b""))
        .and_then(|()| std::fs::rename(&tmp, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    crate::image::prune(dir, RECORD_EXT, KEEP_RECORDS);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{module_key, Runtime};

    /// A valid module whose bytes no other test compiles (the records of
    /// this host process are shared by every test).
    fn unique_module(tag: &str) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(module (memory 1) (data (i32.const 0) "{tag}") (func (export "_start")))"#
        ))
        .expect("valid")
    }

    /// Well-formed, but its body adds nothing to nothing: only validation
    /// refuses it.
    fn invalid_body(tag: &str) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        // type section: one type () -> i32
        wasm.extend_from_slice(&[1, 5, 1, 0x60, 0, 1, 0x7f]);
        // function section: one function of type 0
        wasm.extend_from_slice(&[3, 2, 1, 0]);
        // custom section carrying the tag, so the bytes are unique
        let name = b"tag";
        let len = 1 + name.len() + tag.len();
        wasm.extend_from_slice(&[0, len as u8, name.len() as u8]);
        wasm.extend_from_slice(name);
        wasm.extend_from_slice(tag.as_bytes());
        // code section: body `i32.add end` (pops two values that are not there)
        wasm.extend_from_slice(&[10, 5, 1, 3, 0, 0x6a, 0x0b]);
        wasm
    }

    fn records(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == RECORD_EXT))
                    .count()
            })
            .unwrap_or(0)
    }

    #[test]
    fn the_invalid_body_is_refused_by_validation() {
        let engine = Engine::new(&Runtime::engine_config());
        let err = Module::new(&engine, invalid_body("probe")).expect_err("invalid");
        assert!(err.to_string().contains("type mismatch"), "{err}");
    }

    #[test]
    fn records_on_file_are_found_and_keyed_by_the_fingerprint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = module_key(b"records on file");
        let a = record_key(&key, "wasmi A");
        let b = record_key(&key, "wasmi B");
        assert_ne!(a, b);
        // A record another host process left: only on file.
        std::fs::write(record_path(dir.path(), &a), b"").expect("write");
        assert!(known(&a, Some(dir.path())));
        assert!(!known(&b, Some(dir.path())));
        assert!(!known(&b, None));
        // A directory in its place is no record.
        std::fs::create_dir(record_path(dir.path(), &b)).expect("mkdir");
        assert!(!known(&b, Some(dir.path())));
    }

    #[test]
    fn trusted_bytes_are_recorded_once_validated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rt = Runtime::with_image_cache(dir.path());
        let wasm = unique_module("trusted, recorded");
        let record = record_key(&module_key(&wasm), &fingerprint(rt.engine()));
        assert!(!known(&record, Some(dir.path())));
        rt.compile("m", &wasm).expect("valid");
        assert!(record_path(dir.path(), &record).is_file());
        assert_eq!(records(dir.path()), 1);
        // A second runtime (of this or a later host process) compiles the
        // same bytes unchecked, and the module works.
        let again = Runtime::with_image_cache(dir.path());
        let module = again.compile("m", &wasm).expect("compiles");
        assert!(module.module().exports().any(|e| e.name() == "_start"));
        assert_eq!(records(dir.path()), 1);
    }

    #[test]
    fn invalid_trusted_bytes_are_refused_and_not_recorded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rt = Runtime::with_image_cache(dir.path());
        let wasm = invalid_body("trusted, invalid");
        let Err(err) = rt.compile("bad", &wasm) else {
            panic!("invalid bytes compiled")
        };
        assert!(err.to_string().contains("type mismatch"), "{err}");
        assert_eq!(records(dir.path()), 0);
        let record = record_key(&module_key(&wasm), &fingerprint(rt.engine()));
        assert!(!known(&record, None));
    }

    #[test]
    fn guest_modules_are_always_validated_and_never_recorded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rt = Runtime::with_image_cache(dir.path());
        // A valid guest module leaves no record, here or on file.
        let wasm = unique_module("guest, valid");
        rt.compile_guest("g", &wasm).expect("valid");
        assert_eq!(records(dir.path()), 0);
        let record = record_key(&module_key(&wasm), &fingerprint(rt.engine()));
        assert!(!known(&record, Some(dir.path())));
        // Even with a record for its exact bytes (forged on file and in
        // this host process), a guest module is validated and refused.
        let bad = invalid_body("guest, invalid");
        let forged = record_key(&module_key(&bad), &fingerprint(rt.engine()));
        remember(&forged, Some(dir.path()));
        assert!(known(&forged, Some(dir.path())));
        let Err(err) = rt.compile_guest("bad", &bad) else {
            panic!("a guest module was not validated")
        };
        assert!(err.to_string().contains("type mismatch"), "{err}");
    }
}
