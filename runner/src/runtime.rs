//! The engines, the linker and the compile caches shared by every sandbox
//! of a [`Runtime`].
//!
//! Modules come from two places, and are kept apart:
//!
//! * **Trusted modules** are the embedder's: the tool registry's, the one
//!   `wasiland wasm` runs, whatever [`Runtime::compile`] is given. They are
//!   compiled once on the runtime's main engine and kept for its life:
//!   wasmi never frees an engine's compiled code, so a trusted module must
//!   never be compiled twice (concurrent first uses wait for one compile).
//!   Only they get start-up images (see [`crate::image`]).
//! * **Guest modules** are `.wasm` files a sandbox holds, which a guest may
//!   have written. Each is compiled on an engine of its own, so dropping it
//!   really frees its code; a cache bounded in bytes ([`GUEST_CACHE_BYTES`],
//!   least recently used first out) keeps recent ones for the next run, and
//!   a process running one charges its estimated size ([`GUEST_CODE_COST`]
//!   per byte) to its budget before it is compiled.
//!
//! Both caches are keyed by the module's BLAKE3 hash, so a guest cannot
//! make its module collide with another one (a SipHash key could be forged).
//! Trusted bytes are validated once per host process and, with a host cache
//! directory, once for all host processes ([`validation`]); guest modules
//! are validated every time they are compiled.

mod validation;

use crate::process::ProcessState;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use wasmi::{CompilationMode, Config, Engine, Linker, Module};

/// Errors loading a module.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    #[error("cannot read module {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid WebAssembly module {name}: {message}")]
    Invalid { name: String, message: String },
}

/// A module's content key: the BLAKE3 hash of its bytes.
pub type ModuleKey = [u8; 32];

/// The content key of `wasm`.
///
/// ```
/// let key = wasiland::runtime::module_key(b"\0asm\x01\0\0\0");
/// assert_eq!(key.len(), 32);
/// ```
pub fn module_key(wasm: &[u8]) -> ModuleKey {
    *blake3::hash(wasm).as_bytes()
}

/// Largest module file [`read_module_file`] reads by default (python3 is
/// 27 MB).
pub const MAX_MODULE_FILE_BYTES: u64 = 256 << 20;

/// Read a module file: a regular file (not a device, pipe or directory) of
/// at most `max_bytes`, read no further than that even if it grows.
///
/// ```
/// use wasiland::runtime::{read_module_file, MAX_MODULE_FILE_BYTES};
/// let err = read_module_file(std::path::Path::new("/dev/zero"), MAX_MODULE_FILE_BYTES).unwrap_err();
/// assert!(err.to_string().contains("not a regular file"), "{err}");
/// ```
pub fn read_module_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ModuleError> {
    read_regular_file(path, max_bytes).map_err(|source| ModuleError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// The bytes of a regular file of at most `max_bytes` (read no further).
pub(crate) fn read_regular_file(path: &Path, max_bytes: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let refuse = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, what);
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refuse("not a regular file".into()));
    }
    if meta.len() > max_bytes {
        return Err(refuse(format!(
            "{} bytes, more than the {max_bytes} allowed",
            meta.len()
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(refuse(format!(
            "grew past the {max_bytes} bytes allowed while being read"
        )));
    }
    Ok(bytes)
}

/// Host bytes charged per byte of a guest module for its compiled form:
/// wasmi keeps a copy of every function body and translates each one the
/// first time it runs. Measured worst cases (every function run): about
/// 10x for bodies of 2-byte calls, 6x for 1-byte operators, 2-4x for
/// ordinary code; 16 leaves a margin.
pub const GUEST_CODE_COST: u64 = 16;

/// Host bytes charged per entity of a module (function, global, export,
/// table element, data or element segment) for each instance of it: wasmi
/// allocates a handle and an entity per item when it instantiates (about
/// 80 bytes per function measured).
pub const INSTANCE_COST_PER_ITEM: u64 = 128;

/// Estimated bytes the runtime may keep of compiled guest modules that no
/// process is running (each counted at [`GUEST_CODE_COST`] per byte).
pub const GUEST_CACHE_BYTES: u64 = 256 << 20;

/// Most guest modules the cache keeps (each has an engine and a linker).
pub const GUEST_CACHE_ENTRIES: usize = 64;

/// Deepest wasm call nesting (frames of 24 bytes on wasmi's call stack).
pub const MAX_CALL_DEPTH: usize = 64 * 1024;

/// Bytes of wasmi's value stack (locals and temporaries of every active
/// wasm frame) one process may use. RustPython's deepest legitimate
/// recursion, `repr` of a list nested 7,893 deep (the most RustPython allows
/// before its own `RecursionError`), needs 1.5 MiB; 8 MiB leaves a 5x
/// margin for other guests. Each process reserves it (see
/// [`crate::process`]), so it is part of `--memory-limit`.
pub const MAX_VALUE_STACK: usize = 8 << 20;

/// An engine with its linker: what a compiled module runs on.
pub(crate) struct EngineHome {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<ProcessState>,
}

impl EngineHome {
    fn new(config: &Config) -> Arc<EngineHome> {
        let engine = Engine::new(config);
        let mut linker = Linker::new(&engine);
        // Defining the 46 preview1 functions cannot clash on a fresh linker.
        if let Err(e) = wasiland_wasi_host::add_to_linker(&mut linker)
            .and_then(|()| crate::spawn::add_to_linker(&mut linker))
        {
            unreachable!("linking preview1 into a fresh linker failed: {e}");
        }
        Arc::new(EngineHome { engine, linker })
    }
}

/// A compiled module with the engine it runs on and what running it costs
/// the host. Cheap to clone.
#[derive(Clone)]
pub struct CompiledModule {
    module: Module,
    home: Arc<EngineHome>,
    key: ModuleKey,
    instance_cost: u64,
    code_cost: u64,
}

impl CompiledModule {
    /// The wasmi module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// The content key of its bytes.
    pub fn key(&self) -> &ModuleKey {
        &self.key
    }

    /// Host bytes one instance holds besides its memories and tables.
    pub fn instance_cost(&self) -> u64 {
        self.instance_cost
    }

    /// Host bytes a process running it is charged for the compiled code
    /// (guest modules only; trusted code belongs to the runtime).
    pub fn code_cost(&self) -> u64 {
        self.code_cost
    }

    /// Whether it is a trusted module (on the runtime's main engine).
    pub fn is_trusted(&self) -> bool {
        self.code_cost == 0
    }

    pub(crate) fn home(&self) -> &EngineHome {
        &self.home
    }
}

/// The estimated code cost of a guest module of `len` bytes.
pub fn guest_code_cost(len: usize) -> u64 {
    (len as u64).saturating_mul(GUEST_CODE_COST)
}

/// One compile, shared by everyone who asked for the same bytes meanwhile.
type CompileSlot = Arc<OnceLock<Result<CompiledModule, String>>>;

/// Guest modules kept after their processes ended, least recently used
/// evicted first.
#[derive(Default)]
struct GuestCache {
    entries: HashMap<ModuleKey, GuestEntry>,
    /// Sum of the entries' costs.
    bytes: u64,
    clock: u64,
}

struct GuestEntry {
    slot: CompileSlot,
    cost: u64,
    last_used: u64,
}

impl GuestCache {
    /// The slot for `key` (a new one if absent), marked as just used;
    /// older entries are evicted to make room for a new one's `cost`.
    /// `None` if the module alone is larger than the cache.
    fn slot(&mut self, key: ModuleKey, cost: u64, bound: u64) -> Option<CompileSlot> {
        self.clock += 1;
        let now = self.clock;
        if let Some(e) = self.entries.get_mut(&key) {
            e.last_used = now;
            return Some(e.slot.clone());
        }
        if cost > bound {
            return None;
        }
        while self.bytes.saturating_add(cost) > bound || self.entries.len() >= GUEST_CACHE_ENTRIES {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| *k)
            else {
                break;
            };
            self.remove(&oldest);
        }
        let slot = CompileSlot::default();
        self.entries.insert(
            key,
            GuestEntry {
                slot: slot.clone(),
                cost,
                last_used: now,
            },
        );
        self.bytes += cost;
        Some(slot)
    }

    fn remove(&mut self, key: &ModuleKey) {
        if let Some(e) = self.entries.remove(key) {
            self.bytes -= e.cost;
        }
    }
}

/// The engines and module caches. Cheap to clone (shared); `Send + Sync`,
/// so sandboxes on many threads share it.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

struct RuntimeInner {
    /// The engine of trusted modules.
    main: Arc<EngineHome>,
    trusted: Mutex<HashMap<ModuleKey, CompileSlot>>,
    guests: Mutex<GuestCache>,
    /// Host directory keeping start-up images between host processes.
    image_cache: Option<std::path::PathBuf>,
}

impl Runtime {
    /// A runtime with wasiland's engine configuration: fuel metering on (it
    /// is how CPU limits and deadlines stop compute loops), lazy
    /// translation, and bounded interpreter stacks.
    pub fn new() -> Runtime {
        Runtime::build(None)
    }

    /// A runtime that also keeps start-up images (see [`crate::image`]) in
    /// the host directory `dir`, so a new host process starts python3 from
    /// the image captured by an earlier one instead of initialising the
    /// interpreter again (the `wasiland` CLI does this), and records which
    /// trusted modules' bytes were validated, so a new host process does
    /// not validate them again. Guests never see the directory; an
    /// unreadable or unwritable one only costs time. Whoever can write it
    /// is trusted as much as whoever can write the modules or the host
    /// executable (a forged record makes wasmi compile invalid bytes).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let rt = wasiland::Runtime::with_image_cache(dir.path());
    /// assert_eq!(rt.image_cache(), Some(dir.path()));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_image_cache(dir: impl Into<std::path::PathBuf>) -> Runtime {
        Runtime::build(Some(dir.into()))
    }

    /// The image directory given to [`Runtime::with_image_cache`].
    pub fn image_cache(&self) -> Option<&std::path::Path> {
        self.inner.image_cache.as_deref()
    }

    fn build(image_cache: Option<std::path::PathBuf>) -> Runtime {
        crate::host_allocator::return_freed_memory();
        Runtime {
            inner: Arc::new(RuntimeInner {
                main: EngineHome::new(&Runtime::engine_config()),
                trusted: Mutex::new(HashMap::new()),
                guests: Mutex::new(GuestCache::default()),
                image_cache,
            }),
        }
    }

    /// The wasmi configuration of every runtime's engines (for embedders and
    /// benchmarks that build an engine of their own next to wasiland's).
    ///
    /// ```
    /// let config = wasiland::Runtime::engine_config();
    /// let engine = wasmi::Engine::new(&config);
    /// # let _ = engine;
    /// ```
    pub fn engine_config() -> Config {
        // Fuel for execution only: lazy translation happens once per
        // engine, in whichever process first calls a function; charging it
        // to that process would make fuel use depend on what ran before
        // (and can exhaust a slice in one step).
        let mut config = wasiland_wasi_host::run::engine_config();
        config.compilation_mode(CompilationMode::LazyTranslation);
        // wasm32-wasip1 toolchains never emit a second memory or a 64-bit
        // one: refuse both at validation (the `memory64` crate feature is
        // on only for its operator encoding; see the workspace Cargo.toml).
        config.wasm_multi_memory(false);
        config.wasm_memory64(false);
        config.set_max_recursion_depth(MAX_CALL_DEPTH);
        config.set_max_stack_height(MAX_VALUE_STACK);
        // A cached stack keeps the size its deepest user grew it to, charged
        // to nobody once that process ended; a new one costs a few small
        // allocations.
        config.set_max_cached_stacks(0);
        config
    }

    /// An identity for this runtime (shared by its clones).
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    /// The main engine (trusted modules).
    pub fn engine(&self) -> &Engine {
        &self.inner.main.engine
    }

    /// Compile trusted module bytes (or return the module compiled from the
    /// same bytes before).
    ///
    /// ```
    /// let rt = wasiland::Runtime::new();
    /// let wasm = wat::parse_str(r#"(module (func (export "_start")))"#).unwrap();
    /// let a = rt.compile("empty", &wasm)?;
    /// let b = rt.compile("again", &wasm)?;
    /// assert!(a.is_trusted() && a.key() == b.key());
    /// # Ok::<(), wasiland::ModuleError>(())
    /// ```
    pub fn compile(&self, name: &str, wasm: &[u8]) -> Result<CompiledModule, ModuleError> {
        self.compile_trusted(name, wasm, module_key(wasm))
    }

    /// [`Runtime::compile`] of a module file (read with
    /// [`read_module_file`] and [`MAX_MODULE_FILE_BYTES`]).
    pub fn compile_file(&self, path: &Path) -> Result<CompiledModule, ModuleError> {
        let wasm = read_module_file(path, MAX_MODULE_FILE_BYTES)?;
        self.compile(&path.display().to_string(), &wasm)
    }

    /// The wasmi module of [`Runtime::compile`].
    pub fn module(&self, name: &str, wasm: &[u8]) -> Result<Module, ModuleError> {
        self.compile(name, wasm).map(|c| c.module)
    }

    /// The wasmi module of [`Runtime::compile_file`].
    pub fn module_from_file(&self, path: &Path) -> Result<Module, ModuleError> {
        self.compile_file(path).map(|c| c.module)
    }

    /// The trusted module with content key `key`, if compiled already.
    pub(crate) fn trusted(&self, key: &ModuleKey) -> Option<CompiledModule> {
        let slot = lock(&self.inner.trusted).get(key).cloned()?;
        slot.get()?.as_ref().ok().cloned()
    }

    /// [`Runtime::compile`] for a caller that already has the key.
    pub(crate) fn compile_trusted(
        &self,
        name: &str,
        wasm: &[u8],
        key: ModuleKey,
    ) -> Result<CompiledModule, ModuleError> {
        let slot = lock(&self.inner.trusted).entry(key).or_default().clone();
        let compile = || {
            let dir = self.inner.image_cache.as_deref();
            validation::compile_trusted(&self.inner.main.engine, wasm, &key, dir)
        };
        slot.get_or_init(|| compiled(self.inner.main.clone(), compile(), wasm, key, 0))
            .clone()
            .map_err(|message| invalid(name, message))
    }

    /// Compile a guest module on an engine of its own, or take it from the
    /// guest cache. The caller has charged [`guest_code_cost`] for it.
    pub(crate) fn compile_guest(
        &self,
        name: &str,
        wasm: &[u8],
    ) -> Result<CompiledModule, ModuleError> {
        let key = module_key(wasm);
        let cost = guest_code_cost(wasm.len());
        let compile = || {
            // Always validated: a guest may have written these bytes.
            let home = EngineHome::new(&Runtime::engine_config());
            let module = Module::new(&home.engine, wasm);
            compiled(home, module, wasm, key, cost)
        };
        let slot = lock(&self.inner.guests).slot(key, cost, GUEST_CACHE_BYTES);
        let result = match &slot {
            Some(slot) => slot.get_or_init(compile).clone(),
            None => compile(),
        };
        if result.is_err() {
            lock(&self.inner.guests).remove(&key);
        }
        result.map_err(|message| invalid(name, message))
    }

    /// Estimated bytes of guest modules the cache holds.
    pub fn guest_cache_bytes(&self) -> u64 {
        lock(&self.inner.guests).bytes
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn invalid(name: &str, message: String) -> ModuleError {
    ModuleError::Invalid {
        name: name.to_string(),
        message,
    }
}

/// The [`CompiledModule`] of `module`, compiled from `wasm` on `home`.
fn compiled(
    home: Arc<EngineHome>,
    module: Result<Module, wasmi::Error>,
    wasm: &[u8],
    key: ModuleKey,
    code_cost: u64,
) -> Result<CompiledModule, String> {
    let module = module.map_err(|e| e.to_string())?;
    Ok(CompiledModule {
        module,
        home,
        key,
        instance_cost: instance_cost(wasm),
        code_cost,
    })
}

/// Host bytes one instance of a (valid) module holds besides its memories
/// and tables: [`INSTANCE_COST_PER_ITEM`] per entity it declares.
fn instance_cost(wasm: &[u8]) -> u64 {
    use wasmi_wasmparser::{ElementItems, Parser, Payload};
    let mut items: u64 = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { break };
        items += u64::from(match payload {
            Payload::ImportSection(r) => r.count(),
            Payload::FunctionSection(r) => r.count(),
            Payload::GlobalSection(r) => r.count(),
            Payload::ExportSection(r) => r.count(),
            Payload::DataSection(r) => r.count(),
            Payload::ElementSection(r) => {
                let mut n = r.count();
                for element in r.into_iter().flatten() {
                    n = n.saturating_add(match element.items {
                        ElementItems::Functions(f) => f.count(),
                        ElementItems::Expressions(_, e) => e.count(),
                    });
                }
                n
            }
            _ => 0,
        });
    }
    items.saturating_mul(INSTANCE_COST_PER_ITEM)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module_with_data(byte: u8) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(module (memory 1) (data (i32.const 0) "\{byte:02x}") (func (export "_start")))"#
        ))
        .expect("valid")
    }

    #[test]
    fn guest_modules_are_evicted_least_recently_used_first() {
        let mut cache = GuestCache::default();
        let key = |b: u8| [b; 32];
        assert!(cache.slot(key(1), 40, 100).is_some());
        assert!(cache.slot(key(2), 40, 100).is_some());
        // Using 1 again makes 2 the oldest.
        assert!(cache.slot(key(1), 40, 100).is_some());
        assert!(cache.slot(key(3), 40, 100).is_some());
        let mut keys: Vec<u8> = cache.entries.keys().map(|k| k[0]).collect();
        keys.sort();
        assert_eq!((keys, cache.bytes), (vec![1, 3], 80));
        // Larger than the whole cache: not kept, nothing evicted.
        assert!(cache.slot(key(4), 101, 100).is_none());
        assert_eq!(cache.bytes, 80);
    }

    #[test]
    fn guest_modules_run_on_engines_of_their_own_and_are_cached() {
        let rt = Runtime::new();
        let a = rt.compile_guest("a", &module_with_data(1)).expect("valid");
        let b = rt.compile_guest("b", &module_with_data(1)).expect("valid");
        let c = rt.compile_guest("c", &module_with_data(2)).expect("valid");
        assert!(!a.is_trusted());
        assert!(Arc::ptr_eq(&a.home, &b.home), "the cache answered");
        assert!(!Arc::ptr_eq(&a.home, &c.home));
        assert!(!Arc::ptr_eq(&a.home, &rt.inner.main));
        assert_eq!(rt.guest_cache_bytes(), a.code_cost() + c.code_cost());
        assert!(rt.compile_guest("bad", b"\0asm\x01\0\0\0junk").is_err());
        assert_eq!(rt.guest_cache_bytes(), a.code_cost() + c.code_cost());
    }

    #[test]
    fn instance_cost_counts_declared_items() {
        let wasm = wat::parse_str(
            r#"(module (func $a) (func $b) (global i32 (i32.const 0))
                 (table 4 funcref) (elem (i32.const 0) $a $b $a)
                 (export "a" (func $a)))"#,
        )
        .expect("valid");
        // 2 functions, 1 global, 1 export, 1 element segment of 3 items.
        assert_eq!(instance_cost(&wasm), 8 * INSTANCE_COST_PER_ITEM);
    }

    #[test]
    fn module_files_must_be_regular_and_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("m.wasm");
        std::fs::write(&path, module_with_data(0)).expect("write");
        assert!(read_module_file(&path, 1 << 20).is_ok());
        let err = read_module_file(&path, 8).expect_err("too large");
        assert!(err.to_string().contains("more than the 8 allowed"), "{err}");
        let err = read_module_file(dir.path(), 1 << 20).expect_err("a directory");
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
}
