//! The tool registry: command names to WebAssembly modules. Each module
//! file is compiled at most once per [`Runtime`] and shared by every name
//! that points at it (the coreutils multi-call binary serves ~80 names).

use crate::image::{CaptureError, Image};
use crate::runtime::{CompiledModule, Runtime};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Where a module's bytes come from, and whether they are trusted.
#[derive(Clone, Debug)]
pub enum ModuleSource {
    /// A file of the embedder's (trusted).
    File(PathBuf),
    /// Bytes of the embedder's (trusted).
    Bytes(bytes::Bytes),
    /// A `.wasm` file found in a sandbox, which a guest may have written:
    /// compiled on an engine of its own, charged to the process that runs
    /// it, never given a start-up image (see [`crate::runtime`]).
    Guest(bytes::Bytes),
}

/// A module that is compiled on first use and then kept.
pub struct LazyModule {
    label: String,
    source: ModuleSource,
    /// The module compiled on the first runtime that asked for it (with that
    /// runtime's identity: a module only runs on its own engine).
    compiled: OnceLock<(usize, Result<CompiledModule, String>)>,
    /// The start-up image on that runtime (trusted modules only).
    image: Mutex<ImageState>,
}

/// Whether a module's start-up image exists yet.
enum ImageState {
    /// Not captured yet (or the last try ran into a limit of its run).
    Untried,
    /// The module has none, or capturing it failed for good.
    Unavailable,
    Ready(Arc<Image>),
}

impl LazyModule {
    pub fn new(label: impl Into<String>, source: ModuleSource) -> Arc<LazyModule> {
        Arc::new(LazyModule {
            label: label.into(),
            source,
            compiled: OnceLock::new(),
            image: Mutex::new(ImageState::Untried),
        })
    }

    /// Host bytes a process must reserve for this module's code before
    /// [`LazyModule::get`] (guest modules only; see [`crate::process`]).
    pub fn code_cost(&self) -> u64 {
        match &self.source {
            ModuleSource::Guest(b) => crate::runtime::guest_code_cost(b.len()),
            _ => 0,
        }
    }

    fn compile(&self, runtime: &Runtime) -> Result<CompiledModule, String> {
        let (name, bytes) = match &self.source {
            ModuleSource::Guest(b) => {
                return runtime
                    .compile_guest(&self.label, b)
                    .map_err(|e| e.to_string())
            }
            ModuleSource::File(p) => (
                p.display().to_string(),
                Cow::Owned(
                    crate::runtime::read_module_file(p, crate::runtime::MAX_MODULE_FILE_BYTES)
                        .map_err(|e| e.to_string())?,
                ),
            ),
            ModuleSource::Bytes(b) => (self.label.clone(), Cow::Borrowed(&b[..])),
        };
        runtime
            .compile_trusted(&name, &bytes, crate::runtime::module_key(&bytes))
            .map_err(|e| e.to_string())
    }

    /// The compiled module (compiling it the first time). Runtimes other
    /// than the first find it in their own trusted cache (without reading
    /// and hashing it again) or compile it there.
    pub fn get(&self, runtime: &Runtime) -> Result<CompiledModule, String> {
        let (owner, result) = self
            .compiled
            .get_or_init(|| (runtime.id(), self.compile(runtime)));
        if *owner == runtime.id() {
            return result.clone();
        }
        if let Some(found) = result.as_ref().ok().and_then(|m| runtime.trusted(m.key())) {
            return Ok(found);
        }
        self.compile(runtime)
    }

    /// The module's start-up image on `runtime`, captured by `capture` the
    /// first time; `None` for guest modules, modules without the image
    /// protocol, runtimes other than the first, while another process is
    /// capturing it, and when capturing failed (a failure caused by a limit
    /// of the run that tried is tried again by the next process).
    pub fn image(
        &self,
        runtime: &Runtime,
        capture: impl FnOnce(&CompiledModule) -> Result<Image, CaptureError>,
    ) -> Option<Arc<Image>> {
        if matches!(self.source, ModuleSource::Guest(_)) {
            return None;
        }
        let module = self.get(runtime).ok()?;
        if self.compiled.get().map(|(owner, _)| *owner) != Some(runtime.id()) {
            return None;
        }
        // Busy: another process is capturing; start this one plainly
        // rather than wait past its own deadline.
        let mut state = match self.image.try_lock() {
            Ok(state) => state,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        match &*state {
            ImageState::Ready(image) => return Some(image.clone()),
            ImageState::Unavailable => return None,
            ImageState::Untried => {}
        }
        if !crate::image::supports_image(module.module()) {
            *state = ImageState::Unavailable;
            return None;
        }
        let captured = match runtime.image_cache() {
            Some(dir) => crate::image::cached_or_captured(dir, module.key(), || capture(&module)),
            None => capture(&module),
        };
        match captured {
            Ok(image) => {
                let image = Arc::new(image);
                *state = ImageState::Ready(image.clone());
                Some(image)
            }
            Err(e) => {
                if e.permanent {
                    *state = ImageState::Unavailable;
                }
                None
            }
        }
    }
}

/// A command the sandbox can run.
pub struct Tool {
    /// The name it is registered under (`cat`, `python3`).
    pub name: String,
    /// argv[0] given to the guest (multi-call binaries dispatch on it).
    pub argv0: String,
    /// The module.
    pub module: Arc<LazyModule>,
    /// What kind of program it is.
    pub kind: ToolKind,
}

/// Tools with special handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToolKind {
    /// Any WASI program.
    Plain,
    /// The RustPython interpreter.
    Python,
}

/// Names to tools. Cheap to clone (shared).
#[derive(Clone, Default)]
pub struct ToolRegistry {
    tools: BTreeMap<String, Arc<Tool>>,
}

/// Utilities of the uutils coreutils multi-call fixture (coreutils 0.12.0,
/// `feat_wasm`).
pub const COREUTILS: &[&str] = &[
    "[",
    "arch",
    "b2sum",
    "base32",
    "base64",
    "basename",
    "basenc",
    "cat",
    "cksum",
    "comm",
    "cp",
    "csplit",
    "cut",
    "date",
    "dd",
    "dir",
    "dircolors",
    "dirname",
    "echo",
    "expand",
    "expr",
    "factor",
    "false",
    "fmt",
    "fold",
    "head",
    "hostid",
    "join",
    "link",
    "ln",
    "ls",
    "md5sum",
    "mkdir",
    "mktemp",
    "mv",
    "nice",
    "nl",
    "nproc",
    "numfmt",
    "od",
    "paste",
    "pathchk",
    "pr",
    "printenv",
    "printf",
    "ptx",
    "pwd",
    "readlink",
    "realpath",
    "rm",
    "rmdir",
    "seq",
    "sha1sum",
    "sha224sum",
    "sha256sum",
    "sha384sum",
    "sha512sum",
    "shred",
    "shuf",
    "sleep",
    "sort",
    "split",
    "sum",
    "tail",
    "tee",
    "test",
    "touch",
    "tr",
    "true",
    "truncate",
    "tsort",
    "tty",
    "uname",
    "unexpand",
    "uniq",
    "unlink",
    "vdir",
    "wc",
    "yes",
];

/// The other tools (fixtures/tools), one module each: grep, find, xargs
/// and awk are ours, jq is ours over the jaq crates; sed, diff and cmp are
/// uutils crates behind our entry point.
pub const OWN_TOOLS: &[&str] = &["grep", "find", "xargs", "sed", "diff", "cmp", "awk", "jq"];

/// File stem of the python3 module (RustPython).
pub const PYTHON_MODULE: &str = "rustpython";
/// File stem of the coreutils multi-call module.
pub const COREUTILS_MODULE: &str = "coreutils";

/// File stems of the standard set's modules (`<stem>.wasm`).
///
/// ```
/// assert!(wasiland::tools::standard_modules().any(|m| m == "rustpython"));
/// ```
pub fn standard_modules() -> impl Iterator<Item = &'static str> {
    [PYTHON_MODULE, COREUTILS_MODULE]
        .into_iter()
        .chain(OWN_TOOLS.iter().copied())
}

impl ToolRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The standard set from a directory of built fixtures
    /// (`rustpython.wasm`, `coreutils.wasm`, `grep.wasm`, ...). Missing files
    /// are skipped, so a partial build still gives a working sandbox.
    pub fn from_fixtures(dir: &Path) -> Self {
        Self::from_modules(|stem| {
            let path = dir.join(format!("{stem}.wasm"));
            path.is_file().then_some(ModuleSource::File(path))
        })
    }

    /// The standard set, each module (by its file stem, one of
    /// [`standard_modules`]) from wherever `module` finds it; modules it
    /// does not find are left out.
    ///
    /// ```
    /// let tools = wasiland::ToolRegistry::from_modules(|_| None);
    /// assert_eq!(tools.names().count(), 0);
    /// ```
    pub fn from_modules(module: impl Fn(&str) -> Option<ModuleSource>) -> Self {
        let mut reg = Self::new();
        if let Some(source) = module(PYTHON_MODULE) {
            let m = LazyModule::new(PYTHON_MODULE, source);
            for name in ["python3", "python"] {
                reg.insert(Tool {
                    name: name.into(),
                    argv0: name.into(),
                    module: m.clone(),
                    kind: ToolKind::Python,
                });
            }
        }
        if let Some(source) = module(COREUTILS_MODULE) {
            let m = LazyModule::new(COREUTILS_MODULE, source);
            for name in COREUTILS {
                reg.insert(Tool {
                    name: (*name).into(),
                    argv0: (*name).into(),
                    module: m.clone(),
                    kind: ToolKind::Plain,
                });
            }
        }
        for name in OWN_TOOLS {
            if let Some(source) = module(name) {
                reg.insert(Tool {
                    name: (*name).into(),
                    argv0: (*name).into(),
                    module: LazyModule::new(*name, source),
                    kind: ToolKind::Plain,
                });
            }
        }
        reg
    }

    fn insert(&mut self, tool: Tool) {
        self.tools.insert(tool.name.clone(), Arc::new(tool));
    }

    /// Register a module file under `name` (replacing any tool of that name).
    pub fn register_file(&mut self, name: &str, path: impl Into<PathBuf>) {
        let m = LazyModule::new(name, ModuleSource::File(path.into()));
        self.insert(Tool {
            name: name.into(),
            argv0: name.into(),
            module: m,
            kind: ToolKind::Plain,
        });
    }

    /// Register module bytes under `name` (replacing any tool of that name).
    pub fn register_bytes(&mut self, name: &str, wasm: impl wasiland_vfs::IntoBytes) {
        let m = LazyModule::new(name, ModuleSource::Bytes(wasm.into_bytes()));
        self.insert(Tool {
            name: name.into(),
            argv0: name.into(),
            module: m,
            kind: ToolKind::Plain,
        });
    }

    pub fn get(&self, name: &str) -> Option<Arc<Tool>> {
        self.tools.get(name).cloned()
    }

    /// Registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tools.keys().map(String::as_str)
    }
}

/// Content of the `/usr/bin/NAME` stub files that stand for registered
/// tools. `exec` recognises the marker; everything else about the file
/// (listing, `which`, `test -x`) behaves like a real binary.
pub fn stub_contents(name: &str) -> Vec<u8> {
    format!("{TOOL_MARKER}{name}\n").into_bytes()
}

/// First bytes of a tool stub file.
pub const TOOL_MARKER: &str = "#!wasiland-tool ";

/// The tool a stub file stands for, if `contents` is one.
pub fn stub_target(contents: &[u8]) -> Option<&str> {
    let rest = contents.strip_prefix(TOOL_MARKER.as_bytes())?;
    let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end]).ok()
}
