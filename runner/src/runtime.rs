//! The engine, the linker and the compiled-module cache shared by every
//! sandbox of a [`Runtime`].

use crate::process::ProcessState;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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

/// One wasmi engine with its linker and module cache. Cheap to clone
/// (shared); `Send + Sync`, so sandboxes on many threads share it.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

struct RuntimeInner {
    engine: Engine,
    linker: Linker<ProcessState>,
    /// Compiled modules by content hash: each module is compiled once per
    /// engine (compiling twice would keep both copies until the engine drops).
    modules: Mutex<HashMap<[u8; 16], Module>>,
    /// Host directory keeping start-up images between host processes.
    image_cache: Option<std::path::PathBuf>,
}

impl Runtime {
    /// A runtime with wasiland's engine configuration: fuel metering on (it
    /// is how CPU limits and deadlines stop compute loops), lazy
    /// translation, and stack limits raised for deep interpreters.
    pub fn new() -> Runtime {
        Runtime::build(None)
    }

    /// A runtime that also keeps start-up images (see [`crate::image`]) in
    /// the host directory `dir`, so a new host process starts python3 from
    /// the image captured by an earlier one instead of initialising the
    /// interpreter again (the `wasiland` CLI does this). Guests never see
    /// the directory; an unreadable or unwritable one only costs time.
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
        let engine = Engine::new(&Runtime::engine_config());
        let mut linker = Linker::new(&engine);
        // Defining the 46 preview1 functions cannot clash on a fresh linker.
        if let Err(e) = wasiland_wasi_host::add_to_linker(&mut linker)
            .and_then(|()| crate::spawn::add_to_linker(&mut linker))
        {
            unreachable!("linking preview1 into a fresh linker failed: {e}");
        }
        Runtime {
            inner: Arc::new(RuntimeInner {
                engine,
                linker,
                modules: Mutex::new(HashMap::new()),
                image_cache,
            }),
        }
    }

    /// The wasmi configuration of every runtime's engine (for embedders and
    /// benchmarks that build an engine of their own next to wasiland's).
    ///
    /// ```
    /// let config = wasiland::Runtime::engine_config();
    /// let engine = wasmi::Engine::new(&config);
    /// # let _ = engine;
    /// ```
    pub fn engine_config() -> Config {
        let mut config = Config::default();
        config.consume_fuel(true);
        // Lazy translation happens once per engine, in whichever process
        // first calls a function; charging it to that process would make
        // fuel use depend on what ran before (and can exhaust a slice in
        // one step). Only execution is charged.
        config.fuel_cost(wasmi::CustomFuelCosts {
            bytes_copied_per_fuel: 64,
            fuel_per_bytes_translated: 0,
            fuel_per_bytes_validated: 0,
        });
        config.compilation_mode(CompilationMode::LazyTranslation);
        // wasm32-wasip1 toolchains never emit a second memory, and wasmi
        // 2.0.0 stores SIMD lanes to memory index >= 1 through a wrong
        // pointer (a host segfault found by the module fuzzer): refuse such
        // modules at validation.
        config.wasm_multi_memory(false);
        config.set_max_recursion_depth(64 * 1024);
        config.set_max_stack_height(256 * 1024 * 1024);
        config
    }

    /// An identity for this runtime (shared by its clones).
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn linker(&self) -> &Linker<ProcessState> {
        &self.inner.linker
    }

    /// Compile `wasm` (or return the cached module with the same bytes).
    pub fn module(&self, name: &str, wasm: &[u8]) -> Result<Module, ModuleError> {
        self.module_with_key(name, wasm, content_hash(wasm))
    }

    /// [`Runtime::module`] for a caller that already has `content_hash(wasm)`.
    pub(crate) fn module_with_key(
        &self,
        name: &str,
        wasm: &[u8],
        key: [u8; 16],
    ) -> Result<Module, ModuleError> {
        if let Some(m) = self.lock_modules().get(&key) {
            return Ok(m.clone());
        }
        let module = Module::new(&self.inner.engine, wasm).map_err(|e| ModuleError::Invalid {
            name: name.to_string(),
            message: e.to_string(),
        })?;
        Ok(self.lock_modules().entry(key).or_insert(module).clone())
    }

    /// Read and compile a module file (cached by content).
    pub fn module_from_file(&self, path: &std::path::Path) -> Result<Module, ModuleError> {
        self.module(&path.display().to_string(), &read_module_file(path)?)
    }

    fn lock_modules(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 16], Module>> {
        self.inner.modules.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

/// The bytes of a module file, or the error naming it.
pub(crate) fn read_module_file(path: &std::path::Path) -> Result<Vec<u8>, ModuleError> {
    std::fs::read(path).map_err(|source| ModuleError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// A 128-bit content key: two SipHash lanes. Modules come from the
/// embedder, not from guests, so collision resistance against an adversary
/// is not needed; callers that load a module often keep the `Module`.
pub(crate) fn content_hash(bytes: &[u8]) -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let mut out = [0u8; 16];
    for (lane, chunk) in out.chunks_mut(8).enumerate() {
        let state =
            std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
        let mut h = state.build_hasher();
        h.write_u64(lane as u64);
        h.write_usize(bytes.len());
        h.write(bytes);
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}
