//! Every function a guest of wasiland can import, with its real lowered
//! signature and what each parameter means (so the generator can choose
//! hostile but meaningful values). The preview1 list comes from the host's
//! own table (`for_each_syscall!`), so a new syscall is fuzzed without an
//! edit here.

use wasiland_wasi_host::syscalls::{param_kind, ParamKind};
use wasiland_wasi_host::MODULE as WASI;
use wasm_encoder::{EntityType, ImportSection, Module, TypeSection, ValType};

/// What a parameter stands for, from its name in the host's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A descriptor number.
    Fd,
    /// Pointer to a path (followed by its length).
    Path,
    /// Pointer to an array of iovecs (followed by their count).
    Iovecs,
    /// Pointer to poll subscriptions (followed by their count).
    Subscriptions,
    /// Pointer to a spawn request (followed by its length).
    Request,
    /// Pointer to anything else (a buffer, an out slot, a request).
    Ptr,
    /// A length or count belonging to the pointer before it.
    Len,
    /// Flags, ids, offsets, rights, timestamps: any number.
    Value,
}

/// A lowered parameter.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub role: Role,
    pub wide: bool,
}

/// An importable function.
#[derive(Clone, Debug)]
pub struct Import {
    pub module: &'static str,
    pub name: &'static str,
    pub params: Vec<Param>,
    /// Returns an errno (all but `proc_exit`).
    pub returns: bool,
}

/// A preview1 parameter, its role from the host's own reading of the
/// table's names (`syscalls::param_kind`).
fn param(name: &str, ty: &str) -> Param {
    let role = match param_kind(name) {
        ParamKind::Fd => Role::Fd,
        ParamKind::Path => Role::Path,
        ParamKind::Iovecs => Role::Iovecs,
        ParamKind::Subscriptions => Role::Subscriptions,
        ParamKind::Pointer => Role::Ptr,
        ParamKind::PathLen
        | ParamKind::IovecCount
        | ParamKind::SubscriptionCount
        | ParamKind::Length => Role::Len,
        ParamKind::Quantity | ParamKind::Other => Role::Value,
    };
    Param {
        role,
        wide: ty != "u32",
    }
}

macro_rules! import_table {
    ($extra:tt; $( $topic:ident :: $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ident ; )* ) => {
        vec![ $( Import {
            module: WASI,
            name: stringify!($name),
            params: vec![ $( param(stringify!($arg), stringify!($ty)) ),* ],
            returns: stringify!($ret) == "errno",
        } ),* ]
    };
}

/// All 46 preview1 functions and `wasiland_v1.spawn`, in a fixed order.
pub fn all() -> Vec<Import> {
    let mut list: Vec<Import> = wasiland_wasi_host::for_each_syscall!(import_table, ());
    // runner/src/spawn.rs: spawn(request, request_len, stdin_fd, stdout_fd, stderr_fd, status)
    list.push(Import {
        module: wasiland::spawn::MODULE,
        name: "spawn",
        params: [
            Role::Request,
            Role::Len,
            Role::Fd,
            Role::Fd,
            Role::Fd,
            Role::Ptr,
        ]
        .into_iter()
        .map(|role| Param { role, wide: false })
        .collect(),
        returns: true,
    });
    list
}

/// The type and import sections of a module importing every function of
/// `imports` in order, function `i` with type `i` (more types may follow).
pub fn sections(imports: &[Import]) -> (TypeSection, ImportSection) {
    let mut types = TypeSection::new();
    let mut section = ImportSection::new();
    for (index, import) in (0u32..).zip(imports) {
        let params = import
            .params
            .iter()
            .map(|p| if p.wide { ValType::I64 } else { ValType::I32 });
        let results: &[ValType] = if import.returns { &[ValType::I32] } else { &[] };
        types.ty().function(params, results.iter().copied());
        section.import(import.module, import.name, EntityType::Function(index));
    }
    (types, section)
}

/// A module that imports every function of `imports`: what wasm-smith is
/// told it may import.
pub fn module_importing(imports: &[Import]) -> Vec<u8> {
    let (types, section) = sections(imports);
    let mut module = Module::new();
    module.section(&types).section(&section);
    module.finish()
}

#[test]
fn the_table_covers_every_function_the_host_links() {
    let names: Vec<&str> = all().iter().map(|i| i.name).collect();
    for name in wasiland_wasi_host::FUNCTIONS {
        assert!(names.contains(&name), "{name} missing");
    }
    assert_eq!(names.len(), wasiland_wasi_host::FUNCTIONS.len() + 1);
    let fd_write = all()
        .into_iter()
        .find(|i| i.name == "fd_write")
        .expect("fd_write");
    let roles: Vec<Role> = fd_write.params.iter().map(|p| p.role).collect();
    assert_eq!(roles, [Role::Fd, Role::Iovecs, Role::Len, Role::Ptr]);
    wasmparser::Validator::new()
        .validate_all(&module_importing(&all()))
        .expect("valid import module");
}
