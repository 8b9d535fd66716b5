//! A copy of a module for runtimes that cannot satisfy wasiland's extension
//! import: `wasiland_v1.spawn` becomes a function of the module itself that
//! answers `nosys` (52), which is what a runtime without a spawner answers.
//!
//! The stock wasmi CLI refuses a module with an import it does not know, and
//! has no option to stub one (wasmtime's linker can; scripts/wasmtime-cli.py
//! and bench/wasmtime-warm.py define the same stub). No workload spawns, so
//! the copy does exactly the work of the original.

use std::convert::Infallible;
use wasm_encoder::reencode::{self, Reencode};
use wasmparser::{Parser, Payload, TypeRef};

const MODULE: &str = "wasiland_v1";
const NAME: &str = "spawn";
/// WASI's ENOSYS.
const NOSYS: i32 = 52;

/// Where the import sat among the imported functions, and its type.
struct Found {
    index: u32,
    type_index: u32,
    /// Imported + defined functions of the original module.
    total_functions: u32,
}

fn find(wasm: &[u8]) -> Result<Option<Found>, wasmparser::BinaryReaderError> {
    let mut imported = 0u32;
    let mut defined = 0u32;
    let mut found = None;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    let import = import?;
                    if let TypeRef::Func(type_index) = import.ty {
                        if import.module == MODULE && import.name == NAME {
                            found = Some((imported, type_index));
                        }
                        imported += 1;
                    }
                }
            }
            Payload::FunctionSection(section) => defined += section.count(),
            _ => {}
        }
    }
    Ok(found.map(|(index, type_index)| Found {
        index,
        type_index,
        total_functions: imported + defined,
    }))
}

struct Stubber {
    found: Found,
}

impl Reencode for Stubber {
    type Error = Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, reencode::Error<Infallible>> {
        // The import leaves the import space (indices above it move down
        // one) and comes back as the last defined function.
        Ok(match func.cmp(&self.found.index) {
            std::cmp::Ordering::Less => func,
            std::cmp::Ordering::Equal => self.found.total_functions - 1,
            std::cmp::Ordering::Greater => func - 1,
        })
    }

    fn parse_import_section(
        &mut self,
        imports: &mut wasm_encoder::ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        for import in section.into_imports() {
            let import = import?;
            if !(import.module == MODULE && import.name == NAME) {
                self.parse_import(imports, import)?;
            }
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut wasm_encoder::FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        reencode::utils::parse_function_section(self, functions, section)?;
        functions.function(self.found.type_index);
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        reencode::utils::parse_code_section(self, code, section)?;
        let mut stub = wasm_encoder::Function::new([]);
        stub.instruction(&wasm_encoder::Instruction::I32Const(NOSYS));
        stub.instruction(&wasm_encoder::Instruction::End);
        code.function(&stub);
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        // Function names are indexed by the old numbering; drop them.
        if section.name() == "name" {
            return Ok(());
        }
        reencode::utils::parse_custom_section(self, module, section)
    }
}

/// `wasm` with `wasiland_v1.spawn` made internal, or `None` when the module
/// does not import it.
pub fn without_spawn_import(wasm: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let found = find(wasm).map_err(|e| e.to_string())?;
    let Some(found) = found else {
        return Ok(None);
    };
    let mut module = wasm_encoder::Module::new();
    Stubber { found }
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .map_err(|e| format!("{e:?}"))?;
    Ok(Some(module.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module that calls the import from `_start` and from a table, and
    /// has a function after it: all three must land on the right targets.
    const WAT: &str = r#"
        (module
          (type $spawn_t (func (param i32 i32 i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (import "wasiland_v1" "spawn" (func $spawn (type $spawn_t)))
          (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
          (memory (export "memory") 1)
          (table 1 funcref)
          (elem (i32.const 0) $spawn)
          (func $seven (result i32) i32.const 7)
          (func (export "direct") (result i32)
            (call $spawn (i32.const 0) (i32.const 0) (i32.const 0)
                         (i32.const 0) (i32.const 0) (i32.const 0)))
          (func (export "indirect") (result i32)
            (call_indirect (type $spawn_t) (i32.const 0) (i32.const 0) (i32.const 0)
                           (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
          (func (export "seven") (result i32) (call $seven))
          (func (export "yield") (result i32) (call $yield)))
    "#;

    #[test]
    fn the_import_becomes_a_nosys_function() {
        let wasm = wat::parse_str(WAT).expect("wat");
        let stubbed = without_spawn_import(&wasm)
            .expect("reencode")
            .expect("has import");
        let engine = wasmi::Engine::default();
        let module = wasmi::Module::new(&engine, &stubbed[..]).expect("valid module");
        assert!(
            module.imports().all(|i| i.module() != MODULE),
            "import left in place"
        );
        let mut store = wasmi::Store::new(&engine, ());
        let mut linker = wasmi::Linker::<()>::new(&engine);
        linker
            .func_wrap("wasi_snapshot_preview1", "proc_exit", |_: i32| {})
            .expect("define");
        linker
            .func_wrap("wasi_snapshot_preview1", "sched_yield", || 11i32)
            .expect("define");
        let instance = linker
            .instantiate_and_start(&mut store, &module)
            .expect("instantiate");
        let call = |store: &mut wasmi::Store<()>, name: &str| {
            instance
                .get_typed_func::<(), i32>(&mut *store, name)
                .expect("export")
                .call(store, ())
                .expect("call")
        };
        assert_eq!(call(&mut store, "direct"), NOSYS);
        assert_eq!(call(&mut store, "indirect"), NOSYS);
        assert_eq!(call(&mut store, "seven"), 7);
        assert_eq!(call(&mut store, "yield"), 11);
    }

    #[test]
    fn modules_without_the_import_are_left_alone() {
        let wasm = wat::parse_str("(module (func (export \"_start\")))").expect("wat");
        assert_eq!(without_spawn_import(&wasm), Ok(None));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(without_spawn_import(b"\0asm\x01\0\0\0\x01\xff").is_err());
    }
}
