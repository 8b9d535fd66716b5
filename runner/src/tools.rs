//! The tool registry: command names to WebAssembly modules. Each module
//! file is compiled at most once per [`Runtime`] and shared by every name
//! that points at it (the coreutils multi-call binary serves ~80 names).

use crate::image::Image;
use crate::runtime::Runtime;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use wasmi::Module;

/// Where a module's bytes come from.
#[derive(Clone, Debug)]
pub enum ModuleSource {
    File(PathBuf),
    Bytes(bytes::Bytes),
}

/// A module that is compiled on first use and then kept.
pub struct LazyModule {
    label: String,
    source: ModuleSource,
    /// The module compiled on the first runtime that asked for it (with that
    /// runtime's identity: a module only runs on its own engine).
    compiled: OnceLock<(usize, Result<Module, String>)>,
    /// The start-up image captured on that runtime, if the module has one.
    image: OnceLock<Option<Arc<Image>>>,
    /// Content key of the module's bytes (names its images on disk).
    key: OnceLock<[u8; 16]>,
}

impl LazyModule {
    pub fn new(label: impl Into<String>, source: ModuleSource) -> Arc<LazyModule> {
        Arc::new(LazyModule {
            label: label.into(),
            source,
            compiled: OnceLock::new(),
            image: OnceLock::new(),
            key: OnceLock::new(),
        })
    }

    fn compile(&self, runtime: &Runtime) -> Result<Module, String> {
        let (name, bytes) = match &self.source {
            ModuleSource::File(p) => (
                p.display().to_string(),
                Cow::Owned(crate::runtime::read_module_file(p).map_err(|e| e.to_string())?),
            ),
            ModuleSource::Bytes(b) => (self.label.clone(), Cow::Borrowed(&b[..])),
        };
        // Hashed once per compile; the first compile's key (that of the
        // owning runtime's module) names the module's images on disk.
        let key = crate::runtime::content_hash(&bytes);
        let _ = self.key.set(key);
        runtime
            .module_with_key(&name, &bytes, key)
            .map_err(|e| e.to_string())
    }

    /// The compiled module (compiling it the first time). Runtimes other
    /// than the first compile through their own content-keyed cache.
    pub fn get(&self, runtime: &Runtime) -> Result<Module, String> {
        let (owner, result) = self
            .compiled
            .get_or_init(|| (runtime.id(), self.compile(runtime)));
        if *owner == runtime.id() {
            result.clone()
        } else {
            self.compile(runtime)
        }
    }

    /// The module's start-up image on `runtime`, captured the first time
    /// (by `capture`); `None` if the module has none or capturing failed.
    /// Only the runtime that compiled the module first keeps an image.
    pub fn image(
        &self,
        runtime: &Runtime,
        capture: impl FnOnce(&Module) -> Option<Image>,
    ) -> Option<Arc<Image>> {
        let module = self.get(runtime).ok()?;
        if self.compiled.get().map(|(owner, _)| *owner) != Some(runtime.id()) {
            return None;
        }
        self.image
            .get_or_init(|| {
                if !crate::image::supports_image(&module) {
                    return None;
                }
                let image = match (runtime.image_cache(), self.key.get()) {
                    (Some(dir), Some(key)) => {
                        crate::image::cached_or_captured(dir, key, || capture(&module))
                    }
                    _ => capture(&module),
                };
                image.map(Arc::new)
            })
            .clone()
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
    pub fn register_bytes(&mut self, name: &str, wasm: impl Into<bytes::Bytes>) {
        let m = LazyModule::new(name, ModuleSource::Bytes(wasm.into()));
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
