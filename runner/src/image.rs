//! Pre-initialised start-up images: run a guest's expensive initialisation
//! once, keep its linear memory and mutable globals, and start later
//! processes of the same module from that state (the Wizer idea, done at
//! run time inside the host, no JIT).
//!
//! Protocol with the guest (our RustPython wrapper implements it):
//! * the module exports `wasiland_init()`: build everything that does not
//!   depend on the process (no argv, env, cwd, clock or random reads that
//!   matter), then return;
//! * the module exports `wasiland_run() -> i32`: read argv/env/cwd now, run
//!   the program, return (or `proc_exit`) with its status.
//!
//! The host calls `wasiland_init` in a template instance whose descriptor
//! layout (stdio + one preopen `/`) is the one every process will have, and
//! captures memory and exported globals after it returns. The only mutable
//! global a Rust/wasi-libc module has is the shadow-stack pointer, which is
//! back at its initial value whenever no call is running, so capturing
//! between calls is exact even though that global is not exported.

use crate::runtime::Runtime;
use std::sync::Arc;
use wasiland_wasi_host::{WasiCtx, WasiView};
use wasmi::{Extern, Instance, Module, Mutability, Store, Val};

/// Name of the initialisation export.
pub const INIT_EXPORT: &str = "wasiland_init";
/// Name of the per-process entry export.
pub const RUN_EXPORT: &str = "wasiland_run";

/// A captured memory image of one module.
pub struct Image {
    memory: Arc<[u8]>,
    globals: Vec<(String, Val)>,
}

struct TemplateState {
    wasi: WasiCtx,
}

impl WasiView for TemplateState {
    fn wasi(&mut self) -> &mut WasiCtx {
        &mut self.wasi
    }
}

/// Whether `module` follows the image protocol.
pub fn supports_image(module: &Module) -> bool {
    let has = |name: &str| {
        module
            .exports()
            .any(|e| e.name() == name && e.ty().func().is_some())
    };
    has(INIT_EXPORT) && has(RUN_EXPORT)
}

impl Image {
    /// Run `wasiland_init` in a template instance with `wasi` and capture
    /// the result.
    pub fn capture(runtime: &Runtime, module: &Module, wasi: WasiCtx) -> Result<Image, String> {
        let mut linker = wasmi::Linker::<TemplateState>::new(runtime.engine());
        wasiland_wasi_host::add_to_linker(&mut linker).map_err(|e| e.to_string())?;
        // Initialisation must not spawn; the import only has to resolve.
        crate::spawn::add_nosys_to_linker(&mut linker).map_err(|e| e.to_string())?;
        let mut store = Store::new(runtime.engine(), TemplateState { wasi });
        store.set_fuel(u64::MAX).map_err(|e| e.to_string())?;
        let instance = linker
            .instantiate_and_start(&mut store, module)
            .map_err(|e| e.to_string())?;
        let init = instance
            .get_typed_func::<(), ()>(&store, INIT_EXPORT)
            .map_err(|e| format!("{INIT_EXPORT}: {e}"))?;
        init.call(&mut store, ())
            .map_err(|e| format!("start-up image: {INIT_EXPORT} failed: {e}"))?;
        let memory = instance
            .get_memory(&store, "memory")
            .ok_or("start-up image: the module exports no memory")?;
        let bytes: Arc<[u8]> = Arc::from(memory.data(&store));
        let mut globals = Vec::new();
        for export in instance.exports(&store) {
            let name = export.name().to_string();
            if let Extern::Global(g) = export.into_extern() {
                if g.ty(&store).mutability() == Mutability::Var {
                    globals.push((name, g.get(&store)));
                }
            }
        }
        Ok(Image {
            memory: bytes,
            globals,
        })
    }

    /// Size of the captured memory in bytes.
    pub fn memory_size(&self) -> usize {
        self.memory.len()
    }

    /// Overwrite a fresh instance's memory and globals with the image.
    pub fn restore<T>(
        &self,
        store: &mut Store<T>,
        instance: &Instance,
    ) -> Result<(), wasmi::Error> {
        let memory = instance
            .get_memory(&*store, "memory")
            .ok_or_else(|| wasmi::Error::new("start-up image: the module exports no memory"))?;
        let current = memory.data(&*store).len();
        if current > self.memory.len() {
            return Err(wasmi::Error::new(
                "start-up image: instance memory larger than the image",
            ));
        }
        let missing_pages = ((self.memory.len() - current) / 65536) as u64;
        if missing_pages > 0 {
            memory.grow(&mut *store, missing_pages)?;
        }
        memory.data_mut(&mut *store).copy_from_slice(&self.memory);
        for (name, value) in &self.globals {
            if let Some(g) = instance.get_global(&*store, name) {
                g.set(&mut *store, value.clone())?;
            }
        }
        Ok(())
    }
}
