//! Saved sandbox states: [`Sandbox::save`] writes a sandbox's filesystem
//! and shell session as one self-contained blob, [`Sandbox::load`] puts
//! one back (into the same or another sandbox, process or machine).
//!
//! # The format (version 1)
//!
//! A state is a **gzip stream** (RFC 1952; its CRC-32 and length trailer
//! detect corruption) of a **POSIX.1-2001 (pax) tar archive**, so any tar
//! tool can list it (`base64 -d | tar tvz`). Its entries, in order:
//!
//! 1. `wasiland-state.json`, a regular file, always the first entry of
//!    every version: the manifest.
//!    ```json
//!    {"format": "wasiland-state", "version": 1, "producer": "wasiland 0.1.0",
//!     "filesystem": {"inodes": 38, "bytes": 1204},
//!     "shell": {"cwd": "/home/user",
//!               "variables": {"N": {"value": "5", "exported": true,
//!                                   "readonly": false, "integer": false}, ...},
//!               "functions": {"greet": "{ echo \"hi $1\"; }"},
//!               "positional": [], "last_status": 0}}
//!    ```
//!    A variable's `value` is a string, `null` (declared but unset),
//!    `{"indexed": {"0": "a", "7": "b"}}` or `{"associative": {"k": "v"}}`;
//!    a function is the source of its body. Shell options, traps and the
//!    directory stack are not saved.
//! 2. The filesystem under `fs/` (the sandbox's `/` is `fs/`), parents
//!    before children, each directory's names in listing order: directories
//!    (type `5`, `fs/` itself for the root), regular files (type `0`, the
//!    contents follow), symlinks (type `2`), the second and later names of a
//!    file with several hard links (type `1`, naming the first), and
//!    character devices (type `3`: 1,3 is `/dev/null`, 1,5 `/dev/zero`, 1,9
//!    a random device). The header holds the permission bits; a pax record
//!    before each entry holds its exact `path` (and `linkpath`), `mtime`,
//!    `atime` and `ctime` as seconds with nine decimals, and
//!    `WASILAND.readonly=1` for an inode of a read-only tree
//!    ([`wasiland_vfs::Vfs::set_read_only`]). Files only open (unlinked) are
//!    not saved, as in a fork.
//!
//! Loading checks, in order: the gzip header, the manifest's `format` and
//! `version` (a newer version is refused with a message naming both), the
//! totals it declares against the sandbox's limits, then every entry's size
//! against what is left of those limits *before* reading it, and at the end
//! the gzip checksum. Nothing changes in the sandbox unless all of it
//! passed.

use crate::sandbox::Sandbox;
use crate::shell::{ShellState, Value, Var};
use bytes::Bytes;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use tar::{EntryType, Header};
use wasiland_vfs::{Device, FileType, Ino, Vfs, VfsError, ROOT_INO};

/// The format version [`Sandbox::save`] writes and [`Sandbox::load`] reads.
pub const FORMAT_VERSION: u64 = 1;

/// The `format` field of every manifest.
const FORMAT_NAME: &str = "wasiland-state";
/// Archive path of the manifest, the first entry.
const MANIFEST_PATH: &str = "wasiland-state.json";
/// Archive directory holding the sandbox's `/`.
const FS_DIR: &str = "fs";
/// The pax record marking a read-only inode.
const PAX_READONLY: &str = "WASILAND.readonly";
/// Largest manifest (shell session) saved or read.
const MAX_MANIFEST: u64 = 16 << 20;
/// Largest pax record block read for one entry (a path is at most 4 KiB).
const MAX_PAX: u64 = 64 << 10;
/// Largest run of bytes accepted after the end-of-archive blocks.
const MAX_TRAILER: u64 = 64 << 10;
/// How far a stream is decompressed to check its checksum when its
/// contents were refused (a version, a size), to tell corruption apart.
const MAX_VERIFY: u64 = 256 << 20;
/// Longest guest path saved (Linux `PATH_MAX`): deeper files could not be
/// named by a guest either, and the archive repeats every full path.
const MAX_PATH: usize = 4096;

/// Why a state could not be saved or loaded.
///
/// ```
/// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
/// match sb.load(b"certainly not a state") {
///     Err(wasiland::StateError::NotAState(why)) => assert!(why.contains("gzip")),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The bytes are not a saved state at all.
    #[error("not a wasiland state: {0}")]
    NotAState(String),
    /// A state written in a format version this wasiland cannot read.
    #[error(
        "this state has format version {version} (written by {producer}); this wasiland ({}) reads version {FORMAT_VERSION}",
        env!("CARGO_PKG_VERSION")
    )]
    Incompatible {
        /// The version found in the manifest.
        version: u64,
        /// Who wrote it.
        producer: String,
    },
    /// Damaged: a checksum mismatch, a truncated stream, an entry that
    /// makes no sense.
    #[error("corrupt state: {0}")]
    Corrupt(String),
    /// Loading it would exceed the sandbox's limits.
    #[error("the state does not fit this sandbox's limits: {0}")]
    TooLarge(String),
    /// The sandbox holds something the format cannot carry.
    #[error("cannot save the state: {0}")]
    Unsavable(String),
}

fn corrupt(what: impl std::fmt::Display) -> StateError {
    StateError::Corrupt(what.to_string())
}

impl Sandbox {
    /// The sandbox's filesystem and shell session (cwd, variables with
    /// their export flags, functions, positional parameters) as one blob
    /// in the documented format of [`crate::state`]. Runs on a
    /// copy-on-write fork, so the sandbox is locked only for an instant.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.write_file("/home/user/notes.txt", "remember\n").unwrap();
    /// sb.run("cd /tmp; export TOKEN=abc; greet() { echo \"hi $1\"; }");
    /// let blob = sb.save().unwrap();
    ///
    /// let mut other = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// other.load(&blob).unwrap();
    /// let r = other.run("pwd; echo $TOKEN; greet you; read l < ~/notes.txt; echo $l");
    /// assert_eq!(r.stdout, b"/tmp\nabc\nhi you\nremember\n");
    /// ```
    pub fn save(&self) -> Result<Vec<u8>, StateError> {
        let vfs = self.vfs().lock().fork();
        let manifest = serde_json::to_vec(&manifest_json(&vfs, self.shell())?)
            .map_err(|e| StateError::Unsavable(e.to_string()))?;
        if manifest.len() as u64 > MAX_MANIFEST {
            return Err(StateError::Unsavable(format!(
                "the shell session takes {} bytes, more than the {MAX_MANIFEST} a state holds",
                manifest.len()
            )));
        }
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut ar = tar::Builder::new(gz);
        let mut header = Header::new_ustar();
        header.set_entry_type(EntryType::Regular);
        header.set_mode(0o644);
        header.set_size(manifest.len() as u64);
        set_name(&mut header, MANIFEST_PATH);
        header.set_cksum();
        let io = |e: std::io::Error| StateError::Unsavable(e.to_string());
        ar.append(&header, &manifest[..]).map_err(io)?;
        write_tree(&vfs, &mut ar)?;
        ar.into_inner().and_then(|gz| gz.finish()).map_err(io)
    }

    /// Replace this sandbox's filesystem and shell session with a state
    /// from [`Sandbox::save`]. The tools, runtime and limits stay this
    /// sandbox's; the state must fit its limits, which are checked before
    /// anything is read into memory. On any error the sandbox is unchanged.
    ///
    /// ```
    /// # let mut sb = wasiland::Sandbox::builder().tools(wasiland::ToolRegistry::new()).build().unwrap();
    /// sb.run("echo kept > f");
    /// let mut blob = sb.save().unwrap();
    /// let last = blob.len() - 5;
    /// blob[last] ^= 1; // damage the gzip trailer
    /// assert!(matches!(sb.load(&blob), Err(wasiland::StateError::Corrupt(_))));
    /// assert_eq!(sb.read_file("f").unwrap(), b"kept\n");
    /// ```
    pub fn load(&mut self, blob: &[u8]) -> Result<(), StateError> {
        let blank = self.vfs().lock().blank();
        let (vfs, shell) = read_state(blob, blank)?;
        *self.vfs().lock() = vfs;
        *self.shell_mut() = shell;
        Ok(())
    }
}

// ------------------------------------------------------------------ saving

fn manifest_json(vfs: &Vfs, shell: &ShellState) -> Result<serde_json::Value, StateError> {
    let variables: serde_json::Map<String, serde_json::Value> = shell
        .vars
        .iter()
        .map(|(name, var)| {
            let value = match &var.value {
                None => serde_json::Value::Null,
                Some(Value::Str(s)) => s.clone().into(),
                Some(Value::Array(a)) => serde_json::json!({
                    "indexed": a.iter().map(|(k, v)| (k.to_string(), v.clone().into())).collect::<serde_json::Map<_, _>>()
                }),
                Some(Value::Assoc(m)) => serde_json::json!({ "associative": m }),
            };
            let var = serde_json::json!({
                "value": value,
                "exported": var.exported,
                "readonly": var.readonly,
                "integer": var.integer,
            });
            (name.clone(), var)
        })
        .collect();
    let mut functions = serde_json::Map::new();
    for name in shell.function_names() {
        functions.insert(name.to_string(), function_source(shell, name)?.into());
    }
    let usage = vfs.usage();
    Ok(serde_json::json!({
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "producer": concat!("wasiland ", env!("CARGO_PKG_VERSION")),
        "filesystem": {"inodes": usage.inodes, "bytes": usage.bytes},
        "shell": {
            "cwd": shell.cwd(),
            "variables": variables,
            "functions": functions,
            "positional": shell.positional(),
            "last_status": shell.last_status(),
        },
    }))
}

/// The source of a function's body, checked to read back as the same
/// function: the shell keeps functions as syntax trees, and the printer of
/// those trees (brush-parser's) loses here-documents.
fn function_source(shell: &ShellState, name: &str) -> Result<String, StateError> {
    let source = shell.function_source(name).unwrap_or_default();
    let mut probe = ShellState::new("/", Vec::new());
    let same = probe.define_function(name, &source).is_ok()
        && probe.function_source(name).as_deref() == Some(source.as_str());
    if same {
        Ok(source)
    } else {
        Err(StateError::Unsavable(format!(
            "function {name} cannot be written back as shell source (a here-document in a \
             function is not supported yet); unset it or define it without one"
        )))
    }
}

/// Writes every name of the tree, parents first.
fn write_tree<W: Write>(vfs: &Vfs, ar: &mut tar::Builder<W>) -> Result<(), StateError> {
    // Archive paths of files already written, for their other hard links.
    let mut first_names: HashMap<Ino, String> = HashMap::new();
    // Directories whose names are still to be written: (inode, guest path).
    let mut pending: Vec<(Ino, String)> = vec![(ROOT_INO, String::new())];
    write_entry(vfs, ar, ROOT_INO, "", &mut first_names)?;
    while let Some((dir, dir_path)) = pending.pop() {
        let entries = vfs.read_dir(dir, 0).map_err(|e| unsavable(&dir_path, e))?;
        let mut subdirs = Vec::new();
        for entry in entries.into_iter().skip(2) {
            let path = format!("{dir_path}/{}", entry.name);
            if path.len() > MAX_PATH {
                let start: String = path.chars().take(60).collect();
                return Err(StateError::Unsavable(format!(
                    "{start}...: a path longer than {MAX_PATH} bytes"
                )));
            }
            write_entry(vfs, ar, entry.ino, &path, &mut first_names)?;
            if entry.file_type == FileType::Directory {
                subdirs.push((entry.ino, path));
            }
        }
        // Popped in listing order.
        pending.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

fn unsavable(path: &str, e: VfsError) -> StateError {
    StateError::Unsavable(format!("{}: {e}", if path.is_empty() { "/" } else { path }))
}

/// Writes one name (`path` is the guest path without the root's `/`
/// prefix... or "" for the root itself).
fn write_entry<W: Write>(
    vfs: &Vfs,
    ar: &mut tar::Builder<W>,
    ino: Ino,
    path: &str,
    first_names: &mut HashMap<Ino, String>,
) -> Result<(), StateError> {
    let meta = vfs.stat(ino).map_err(|e| unsavable(path, e))?;
    let mut archive_path = format!("{FS_DIR}{path}");
    let mut header = Header::new_ustar();
    header.set_mode(meta.mode);
    header.set_mtime(meta.mtime / 1_000_000_000);
    header.set_uid(1000);
    header.set_gid(1000);
    let mut link_target = None;
    let mut data = Bytes::new();
    match meta.file_type {
        FileType::Directory => {
            archive_path.push('/');
            header.set_entry_type(EntryType::Directory);
        }
        FileType::Regular => match first_names.get(&ino) {
            Some(first) => {
                header.set_entry_type(EntryType::Link);
                link_target = Some(first.clone());
            }
            None => {
                if meta.nlink > 1 {
                    first_names.insert(ino, archive_path.clone());
                }
                header.set_entry_type(EntryType::Regular);
                data = vfs.contents(ino).map_err(|e| unsavable(path, e))?;
            }
        },
        FileType::Symlink => {
            header.set_entry_type(EntryType::Symlink);
            // `path` names real directories all the way down.
            let target = vfs.readlink(ROOT_INO, path.trim_start_matches('/'));
            link_target = Some(target.map_err(|e| unsavable(path, e))?);
        }
        FileType::CharDevice => {
            header.set_entry_type(EntryType::Char);
            let (major, minor) = match vfs.device(ino) {
                Some(Device::Null) => (1, 3),
                Some(Device::Zero) => (1, 5),
                Some(Device::Random) | None => (1, 9),
            };
            let io = |e: std::io::Error| StateError::Unsavable(format!("{path}: {e}"));
            header.set_device_major(major).map_err(io)?;
            header.set_device_minor(minor).map_err(io)?;
        }
    }
    header.set_size(data.len() as u64);
    let mut records: Vec<(&str, Vec<u8>)> = vec![
        ("path", archive_path.clone().into_bytes()),
        ("mtime", pax_time(meta.mtime)),
        ("atime", pax_time(meta.atime)),
        ("ctime", pax_time(meta.ctime)),
    ];
    if let Some(target) = &link_target {
        records.push(("linkpath", target.clone().into_bytes()));
        if header.set_link_name(target).is_err() {
            header.set_link_name("wasiland-long-link").ok();
        }
    }
    if vfs.is_read_only(ino) {
        records.push((PAX_READONLY, b"1".to_vec()));
    }
    set_name(&mut header, &archive_path);
    header.set_cksum();
    let io = |e: std::io::Error| StateError::Unsavable(format!("{path}: {e}"));
    ar.append_pax_extensions(records.iter().map(|(k, v)| (*k, v.as_slice())))
        .map_err(io)?;
    ar.append(&header, &data[..]).map_err(io)
}

/// The ustar name field: the path when it fits, else a placeholder (the
/// pax `path` record always has the real one).
fn set_name(header: &mut Header, path: &str) {
    if header.set_path(path).is_err() {
        header.set_path("wasiland-long-path").ok();
    }
}

/// Nanoseconds as pax's decimal seconds with nine digits.
fn pax_time(ns: u64) -> Vec<u8> {
    format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000).into_bytes()
}

// ----------------------------------------------------------------- loading

/// What is applied to an inode once every name exists (creating names
/// changes directory times; read-only inodes take no more names).
struct Finish {
    ino: Ino,
    mode: Option<u32>,
    times: [u64; 3],
    read_only: bool,
}

/// Reads a whole state into a filesystem made from `blank` (which carries
/// the limits) and a shell session.
fn read_state(blob: &[u8], blank: Vfs) -> Result<(Vfs, ShellState), StateError> {
    if !blob.starts_with(&[0x1f, 0x8b]) {
        return Err(StateError::NotAState(
            "it does not start with a gzip header (a state is the .tar.gz Sandbox::save writes)"
                .into(),
        ));
    }
    let mut ar = tar::Archive::new(flate2::bufread::GzDecoder::new(blob));
    let mut reader = StateReader::new(blank);
    let read = read_entries(&mut ar, &mut reader);
    let mut gz = ar.into_inner();
    let checksum =
        |e: std::io::Error| corrupt(format!("{e} (the gzip checksum or length does not match)"));
    match read {
        Ok(shell) => {
            // Read to the end of the gzip stream, which checks its CRC-32
            // and length. After the end-of-archive blocks only zero padding
            // may follow.
            let mut rest = Vec::new();
            (&mut gz)
                .take(MAX_TRAILER + 1)
                .read_to_end(&mut rest)
                .map_err(checksum)?;
            if rest.len() as u64 > MAX_TRAILER
                || rest.iter().any(|&b| b != 0)
                || !gz.into_inner().is_empty()
            {
                return Err(corrupt("data after the end of the archive"));
            }
            Ok((reader.finish()?, shell))
        }
        Err(e @ StateError::Corrupt(_)) => Err(e),
        Err(e) => {
            // A finding about the contents (a version, a size) is only
            // believed of an intact stream: a flipped bit must read as
            // corruption, not as a version 0. Checked up to a bound.
            std::io::copy(&mut (&mut gz).take(MAX_VERIFY), &mut std::io::sink())
                .map_err(checksum)?;
            Err(e)
        }
    }
}

/// The manifest and every entry, in order.
fn read_entries<R: Read>(
    ar: &mut tar::Archive<R>,
    reader: &mut StateReader,
) -> Result<ShellState, StateError> {
    let mut shell = None;
    let mut pax: Option<Vec<u8>> = None;
    for entry in ar.entries().map_err(corrupt)?.raw(true) {
        let mut entry = entry.map_err(corrupt)?;
        let kind = entry.header().entry_type();
        let size = entry.header().entry_size().map_err(corrupt)?;
        if kind == EntryType::XHeader {
            if pax.is_some() {
                return Err(corrupt("two pax headers for one entry"));
            }
            if size > MAX_PAX {
                return Err(corrupt(format!("a pax header of {size} bytes")));
            }
            pax = Some(read_exactly(&mut entry, size)?);
            continue;
        }
        let records = parse_pax(pax.take().as_deref())?;
        let path = match records.get("path") {
            Some(p) => p.clone(),
            None => String::from_utf8(entry.header().path_bytes().into_owned())
                .map_err(|_| corrupt("a path that is not UTF-8"))?,
        };
        if shell.is_some() {
            reader.entry(&mut entry, kind, size, &path, &records)?;
            continue;
        }
        if path != MANIFEST_PATH || kind != EntryType::Regular {
            return Err(StateError::NotAState(format!(
                "its first entry is {path:?}, not the manifest {MANIFEST_PATH:?}"
            )));
        }
        if size > MAX_MANIFEST {
            return Err(corrupt(format!("a manifest of {size} bytes")));
        }
        let manifest = read_exactly(&mut entry, size)?;
        shell = Some(reader.manifest(&manifest)?);
    }
    if pax.is_some() {
        return Err(corrupt("a pax header at the end of the archive"));
    }
    shell.ok_or_else(|| StateError::NotAState("an empty archive".into()))
}

/// Reads exactly `size` bytes of an entry, allocating them only now (the
/// caller checked `size`).
fn read_exactly(entry: &mut impl Read, size: u64) -> Result<Vec<u8>, StateError> {
    let len = usize::try_from(size).map_err(|_| corrupt("an entry larger than memory"))?;
    let mut buf = vec![0; len];
    entry
        .read_exact(&mut buf)
        .map_err(|e| corrupt(format!("{e} (truncated)")))?;
    Ok(buf)
}

/// The pax records of one entry (keys we do not know are ignored).
fn parse_pax(block: Option<&[u8]>) -> Result<HashMap<String, String>, StateError> {
    let mut records = HashMap::new();
    let Some(block) = block else {
        return Ok(records);
    };
    for record in tar::PaxExtensions::new(block) {
        let record = record.map_err(|_| corrupt("a malformed pax record"))?;
        let key = record
            .key()
            .map_err(|_| corrupt("a pax key that is not UTF-8"))?;
        let value = record
            .value()
            .map_err(|_| corrupt("a pax value that is not UTF-8"))?;
        records.insert(key.to_string(), value.to_string());
    }
    Ok(records)
}

/// Rebuilds a filesystem entry by entry.
struct StateReader {
    vfs: Vfs,
    /// Directories by guest path ("" is the root): the only way names are
    /// found, so no entry is ever created through a symlink.
    dirs: HashMap<String, Ino>,
    /// Regular files by archive path, for hard links.
    files: HashMap<String, Ino>,
    finish: Vec<Finish>,
    /// Names still allowed (hard links make names without inodes).
    names_left: Option<u64>,
}

impl StateReader {
    fn new(vfs: Vfs) -> StateReader {
        let names_left = vfs
            .quotas()
            .max_inodes
            .map(|n| n.saturating_mul(2).saturating_add(16));
        StateReader {
            vfs,
            dirs: HashMap::from([(String::new(), ROOT_INO)]),
            files: HashMap::new(),
            finish: Vec::new(),
            names_left,
        }
    }

    /// Checks the manifest and turns its shell part into a session.
    fn manifest(&mut self, bytes: &[u8]) -> Result<ShellState, StateError> {
        let json: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| StateError::NotAState(format!("its manifest is not JSON: {e}")))?;
        if json.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
            return Err(StateError::NotAState(format!(
                "its manifest does not say \"format\": \"{FORMAT_NAME}\""
            )));
        }
        let version = json.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        if version != FORMAT_VERSION {
            let producer = json.get("producer").and_then(|p| p.as_str());
            return Err(StateError::Incompatible {
                version,
                producer: producer.unwrap_or("an unknown program").to_string(),
            });
        }
        let limits = self.vfs.quotas();
        let declared = |key: &str| json["filesystem"][key].as_u64().unwrap_or(0);
        if let Some(max) = limits.max_inodes.filter(|&m| declared("inodes") > m) {
            return Err(StateError::TooLarge(format!(
                "it holds {} files and directories, the limit is {max}",
                declared("inodes")
            )));
        }
        if let Some(max) = limits.max_bytes.filter(|&m| declared("bytes") > m) {
            return Err(StateError::TooLarge(format!(
                "its files hold {} bytes, the limit is {max}",
                declared("bytes")
            )));
        }
        shell_from_json(&json["shell"])
    }

    /// Creates one name.
    fn entry<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        kind: EntryType,
        size: u64,
        path: &str,
        records: &HashMap<String, String>,
    ) -> Result<(), StateError> {
        if let Some(left) = &mut self.names_left {
            *left = left
                .checked_sub(1)
                .ok_or_else(|| StateError::TooLarge("more names than the limit allows".into()))?;
        }
        let rel = guest_path(path)?;
        if size != 0 && kind != EntryType::Regular {
            return Err(corrupt(format!("{path}: data on a {kind:?} entry")));
        }
        let header = entry.header();
        let mode = header.mode().map_err(corrupt)? & 0o7777;
        let device = (header.device_major(), header.device_minor());
        let times = [
            pax_ns(records, "atime")?,
            pax_ns(records, "mtime")?,
            pax_ns(records, "ctime")?,
        ];
        let read_only = records.get(PAX_READONLY).is_some_and(|v| v == "1");
        if rel.is_empty() {
            if kind != EntryType::Directory {
                return Err(corrupt(format!("{path}: the root is not a directory")));
            }
            self.push_finish(ROOT_INO, Some(mode), times, read_only);
            return Ok(());
        }
        let (parent_rel, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        let parent = *self
            .dirs
            .get(parent_rel)
            .ok_or_else(|| corrupt(format!("{path}: its directory comes later or not at all")))?;
        let fail = |vfs: &Vfs, e: VfsError| vfs_error(vfs, path, e);
        match kind {
            EntryType::Directory => {
                let ino = self
                    .vfs
                    .mkdir(parent, name, 0)
                    .map_err(|e| fail(&self.vfs, e))?;
                self.dirs.insert(rel.to_string(), ino);
                self.push_finish(ino, Some(mode), times, read_only);
            }
            EntryType::Regular => {
                if let Some(max) = self.vfs.quotas().max_bytes {
                    if self.vfs.usage().bytes.saturating_add(size) > max {
                        return Err(StateError::TooLarge(format!(
                            "/{rel}: its files hold more than the limit of {max} bytes"
                        )));
                    }
                }
                let contents = Bytes::from(read_exactly(entry, size)?);
                let ino = self
                    .vfs
                    .create_file(parent, name, contents, 0)
                    .map_err(|e| fail(&self.vfs, e))?;
                self.files.insert(path.to_string(), ino);
                self.push_finish(ino, Some(mode), times, read_only);
            }
            EntryType::Symlink => {
                let target = records
                    .get("linkpath")
                    .ok_or_else(|| corrupt(format!("{path}: a symlink without a target")))?;
                let ino = self
                    .vfs
                    .symlink(target, parent, name)
                    .map_err(|e| fail(&self.vfs, e))?;
                self.push_finish(ino, None, times, read_only);
            }
            EntryType::Link => {
                let first = records
                    .get("linkpath")
                    .ok_or_else(|| corrupt(format!("{path}: a hard link without a target")))?;
                if !self.files.contains_key(first) {
                    return Err(corrupt(format!(
                        "{path}: a hard link to {first:?}, which is not a file written before it"
                    )));
                }
                // The first name's directories are real ones created above.
                let first_rel = guest_path(first)?;
                self.vfs
                    .link(ROOT_INO, first_rel, false, parent, name)
                    .map_err(|e| fail(&self.vfs, e))?;
            }
            EntryType::Char => {
                let device = match device {
                    (Ok(Some(1)), Ok(Some(3))) => Device::Null,
                    (Ok(Some(1)), Ok(Some(5))) => Device::Zero,
                    (Ok(Some(1)), Ok(Some(8 | 9))) => Device::Random,
                    _ => return Err(corrupt(format!("{path}: a device wasiland does not have"))),
                };
                let ino = self
                    .vfs
                    .mknod(parent, name, device)
                    .map_err(|e| fail(&self.vfs, e))?;
                self.push_finish(ino, Some(mode), times, read_only);
            }
            other => {
                return Err(corrupt(format!(
                    "{path}: an entry of type {other:?}, which states never hold"
                )))
            }
        }
        Ok(())
    }

    fn push_finish(&mut self, ino: Ino, mode: Option<u32>, times: [u64; 3], read_only: bool) {
        self.finish.push(Finish {
            ino,
            mode,
            times,
            read_only,
        });
    }

    /// Modes, times and read-only flags, now that every name exists.
    fn finish(mut self) -> Result<Vfs, StateError> {
        for f in &self.finish {
            if let Some(mode) = f.mode {
                self.vfs.set_mode(f.ino, mode).map_err(corrupt)?;
            }
            let [atime, mtime, ctime] = f.times;
            self.vfs
                .restore_times(f.ino, atime, mtime, ctime)
                .map_err(corrupt)?;
        }
        for f in &self.finish {
            if f.read_only {
                self.vfs.set_inode_read_only(f.ino, true).map_err(corrupt)?;
            }
        }
        Ok(self.vfs)
    }
}

/// A VFS refusal while rebuilding: the quotas are the sandbox's limits,
/// anything else means the archive contradicts itself.
fn vfs_error(vfs: &Vfs, path: &str, e: VfsError) -> StateError {
    let limits = vfs.quotas();
    match e {
        VfsError::NoSpace => StateError::TooLarge(format!(
            "{path}: its files hold more than the limit of {} bytes",
            limits.max_bytes.unwrap_or(u64::MAX)
        )),
        VfsError::QuotaExceeded => StateError::TooLarge(format!(
            "more than the limit of {} files and directories",
            limits.max_inodes.unwrap_or(u64::MAX)
        )),
        e => corrupt(format!("{path}: {e}")),
    }
}

/// The guest path (without the leading `/`; "" for the root) of an
/// archive path under `fs/`. Every component must be a plain name.
fn guest_path(path: &str) -> Result<&str, StateError> {
    let rest = match path {
        "fs" | "fs/" => return Ok(""),
        _ => path.strip_prefix("fs/"),
    };
    let rest = rest.ok_or_else(|| corrupt(format!("{path:?} is not under {FS_DIR}/")))?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(corrupt(format!("{path:?} is not a plain path")));
    }
    Ok(rest)
}

/// A pax time record ("seconds.fraction") in nanoseconds; 0 (stored as
/// 1) when missing.
fn pax_ns(records: &HashMap<String, String>, key: &str) -> Result<u64, StateError> {
    let Some(text) = records.get(key) else {
        return Ok(0);
    };
    let bad = || corrupt(format!("a {key} of {text:?}"));
    let (secs, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let secs: u64 = secs.parse().map_err(|_| bad())?;
    let frac: u64 = format!("{frac:0<9}").parse().map_err(|_| bad())?;
    secs.checked_mul(1_000_000_000)
        .and_then(|ns| ns.checked_add(frac))
        .ok_or_else(bad)
}

/// The shell session of a manifest.
fn shell_from_json(json: &serde_json::Value) -> Result<ShellState, StateError> {
    let bad = |what: &str| corrupt(format!("the manifest's shell {what}"));
    let cwd = json["cwd"]
        .as_str()
        .filter(|c| c.starts_with('/'))
        .ok_or_else(|| bad("cwd"))?;
    let mut shell = ShellState::new(cwd, Vec::new());
    shell.vars.clear();
    let variables = json["variables"]
        .as_object()
        .ok_or_else(|| bad("variables"))?;
    for (name, var) in variables {
        let flag = |key: &str| {
            var[key]
                .as_bool()
                .ok_or_else(|| bad(&format!("variable {name}")))
        };
        let value = match &var["value"] {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(Value::Str(s.clone())),
            v => Some(if let Some(indexed) = v["indexed"].as_object() {
                let mut array = BTreeMap::new();
                for (k, v) in indexed {
                    let k: usize = k.parse().map_err(|_| bad(&format!("variable {name}")))?;
                    array.insert(
                        k,
                        string(v).ok_or_else(|| bad(&format!("variable {name}")))?,
                    );
                }
                Value::Array(array)
            } else if let Some(assoc) = v["associative"].as_object() {
                let mut map = BTreeMap::new();
                for (k, v) in assoc {
                    map.insert(
                        k.clone(),
                        string(v).ok_or_else(|| bad(&format!("variable {name}")))?,
                    );
                }
                Value::Assoc(map)
            } else {
                return Err(bad(&format!("variable {name}")));
            }),
        };
        let var = Var {
            value,
            exported: flag("exported")?,
            readonly: flag("readonly")?,
            integer: flag("integer")?,
        };
        shell.vars.insert(name.clone(), var);
    }
    let functions = json["functions"]
        .as_object()
        .ok_or_else(|| bad("functions"))?;
    for (name, body) in functions {
        let body = body
            .as_str()
            .ok_or_else(|| bad(&format!("function {name}")))?;
        shell.define_function(name, body).map_err(corrupt)?;
    }
    let positional = json["positional"]
        .as_array()
        .ok_or_else(|| bad("positional parameters"))?;
    let positional: Option<Vec<String>> = positional.iter().map(string).collect();
    shell.set_positional(positional.ok_or_else(|| bad("positional parameters"))?);
    let status = json["last_status"]
        .as_i64()
        .and_then(|s| i32::try_from(s).ok());
    shell.last_status = status.ok_or_else(|| bad("last status"))?;
    shell.set_cwd(cwd);
    Ok(shell)
}

fn string(v: &serde_json::Value) -> Option<String> {
    v.as_str().map(str::to_string)
}
