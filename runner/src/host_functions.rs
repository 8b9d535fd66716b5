//! The embedder's own host functions, offered to a sandbox's guests next
//! to preview1 and `wasiland_v1.spawn` ([`crate::SandboxBuilder::host_functions`]).
//!
//! Each function is defined in every process's store when the process
//! starts (on a copy of the runtime's linker, so sandboxes without any pay
//! nothing). A guest imports it like any function; a guest that does not
//! import it never sees it. The closure gets the wasmi [`Caller`], whose
//! data is the process's [`ProcessState`]: `caller.data_mut().wasi()` is
//! its WASI context (filesystem, budget, interrupt) and
//! `caller.get_export("memory")` its linear memory. Like the sandbox's own
//! imports, a panic in the closure ends that process (status 70), never
//! the host; an `Err` it returns ends the process as a trap.

use crate::process::ProcessState;
use std::sync::Arc;
use wasiland_wasi_host::{panic_message, Termination};
use wasmi::{Caller, Func, FuncType, Linker, Store, Val};

/// The closure of one host function: parameters in, results written into
/// the slice (one [`Val`] per result of its type, each set to a value of
/// that type).
pub type HostFn =
    dyn Fn(Caller<'_, ProcessState>, &[Val], &mut [Val]) -> Result<(), wasmi::Error> + Send + Sync;

/// Import modules a host function may not be defined in: the sandbox's own.
pub const RESERVED_MODULES: [&str; 2] = [wasiland_wasi_host::MODULE, crate::spawn::MODULE];

/// Why [`HostFunctions::define`] refused a function.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostFunctionError {
    /// The module is one of [`RESERVED_MODULES`].
    #[error("{module}.{name}: the import module {module} is wasiland's own")]
    Reserved { module: String, name: String },
    /// A function with this module and name is already defined.
    #[error("{module}.{name} is defined twice")]
    Duplicate { module: String, name: String },
}

struct HostFunction {
    module: String,
    name: String,
    ty: FuncType,
    func: Arc<HostFn>,
}

/// A set of host functions for a sandbox's guests. Cheap to clone.
///
/// ```
/// use wasiland::{HostFunctions, Sandbox, ToolRegistry};
/// use wasmi::{FuncType, Val, ValType};
///
/// // `env.add(i32, i32) -> i32`, for guests that import it.
/// let mut host = HostFunctions::new();
/// host.define("env", "add", FuncType::new([ValType::I32, ValType::I32], [ValType::I32]),
///     |_caller, params, results| {
///         let (Val::I32(a), Val::I32(b)) = (&params[0], &params[1]) else { unreachable!() };
///         results[0] = Val::I32(a.wrapping_add(*b));
///         Ok(())
///     })?;
///
/// // A guest whose exit status is 40 + 2, computed by the host.
/// let mut tools = ToolRegistry::new();
/// tools.register_bytes("sum", wat::parse_str(r#"(module
///     (import "env" "add" (func $add (param i32 i32) (result i32)))
///     (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
///     (memory (export "memory") 1)
///     (func (export "_start") (call $exit (call $add (i32.const 40) (i32.const 2)))))"#)?);
/// let mut sb = Sandbox::builder().tools(tools).host_functions(host).build()?;
/// assert_eq!(sb.run("sum").exit_code, 42);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct HostFunctions {
    funcs: Vec<Arc<HostFunction>>,
}

impl HostFunctions {
    /// An empty set.
    pub fn new() -> HostFunctions {
        HostFunctions::default()
    }

    /// Define `module.name` with type `ty` (see the type's example). The
    /// closure runs on the process's thread, as a syscall does, and may
    /// block (the run's deadline does not interrupt it: check
    /// `caller.data_mut().wasi().interrupt()` in long waits).
    pub fn define(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, ProcessState>, &[Val], &mut [Val]) -> Result<(), wasmi::Error>
            + Send
            + Sync
            + 'static,
    ) -> Result<&mut HostFunctions, HostFunctionError> {
        let (module, name) = (module.to_string(), name.to_string());
        if RESERVED_MODULES.contains(&module.as_str()) {
            return Err(HostFunctionError::Reserved { module, name });
        }
        if self
            .funcs
            .iter()
            .any(|f| f.module == module && f.name == name)
        {
            return Err(HostFunctionError::Duplicate { module, name });
        }
        self.funcs.push(Arc::new(HostFunction {
            module,
            name,
            ty,
            func: Arc::new(func),
        }));
        Ok(self)
    }

    /// Whether no function is defined.
    ///
    /// ```
    /// assert!(wasiland::HostFunctions::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.funcs.is_empty()
    }

    /// `(module, name)` of each function, in definition order.
    ///
    /// ```
    /// let mut host = wasiland::HostFunctions::new();
    /// host.define("env", "tick", wasmi::FuncType::new([], []), |_, _, _| Ok(())).unwrap();
    /// assert_eq!(host.names().collect::<Vec<_>>(), [("env", "tick")]);
    /// ```
    pub fn names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.funcs
            .iter()
            .map(|f| (f.module.as_str(), f.name.as_str()))
    }

    /// Define every function in `store` on `linker` (a copy of the
    /// runtime's), each behind a panic guard.
    pub(crate) fn link(
        &self,
        store: &mut Store<ProcessState>,
        linker: &mut Linker<ProcessState>,
    ) -> Result<(), wasmi::Error> {
        for f in &self.funcs {
            let body = f.func.clone();
            let func = Func::new(&mut *store, f.ty.clone(), move |caller, params, results| {
                // wasmi cannot unwind through a host function: catch here.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    body(caller, params, results)
                }))
                .unwrap_or_else(|payload| {
                    Err(wasmi::Error::host(Termination::Panicked(panic_message(
                        &*payload,
                    ))))
                })
            });
            linker.define(&f.module, &f.name, func)?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for HostFunctions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}
