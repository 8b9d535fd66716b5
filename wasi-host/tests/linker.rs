//! The table as a guest meets it: linked into a stock `wasmi::Linker` by
//! `add_to_linker`, called from a small module. Checks what the table
//! tests (which call `syscalls::call`) cannot: the lowering of results
//! (an errno as an i32, `proc_exit` as wasmi's exit), the memory found
//! through the `memory` export, and the trace line of each call.

use std::sync::{Arc, Mutex};
use wasiland_vfs::Vfs;
use wasiland_wasi_host::{add_to_linker, CaptureOutput, SharedVfs, Stdio, WasiCtx, FUNCTIONS};

/// Writes "hi" to stdout, then exits with the errno of an
/// `args_sizes_get` whose first pointer is past memory (`fault`, 21).
const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\10\00\00\00\02\00\00\00")
  (data (i32.const 16) "hi")
  (func (export "_start")
    (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
      (then (call $proc_exit (i32.const 100))))
    (call $proc_exit (call $args_sizes_get (i32.const 0xFFFF0) (i32.const 4)))
    unreachable))"#;

/// Calls with pointers, and one without, from a module with no memory.
const NO_MEMORY: &str = r#"(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $time (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (func (export "_start")
    (call $proc_exit (i32.add
      (i32.mul (call $yield) (i32.const 1000))
      (call $time (i32.const 0) (i64.const 0) (i32.const 0))))))"#;

/// Run `wat`'s `_start` with stdout captured and every call traced; the
/// exit status, the output and the trace.
fn run(wat: &str) -> (Option<i32>, Vec<u8>, Vec<String>) {
    let engine = wasmi::Engine::default();
    let module =
        wasmi::Module::new(&engine, wat::parse_str(wat).expect("valid text")).expect("valid");
    let mut linker = wasmi::Linker::<WasiCtx>::new(&engine);
    add_to_linker(&mut linker).expect("link");
    let stdout = CaptureOutput::new();
    let trace = Arc::new(Mutex::new(Vec::new()));
    let lines = trace.clone();
    let ctx = WasiCtx::builder(SharedVfs::new(Vfs::new()))
        .stdout(Stdio::Output(stdout.clone()))
        .trace(Arc::new(move |line: &str| {
            lines.lock().expect("trace").push(line.to_string())
        }))
        .build();
    let mut store = wasmi::Store::new(&engine, ctx);
    let instance = linker
        .instantiate_and_start(&mut store, &module)
        .expect("instantiate");
    let start = instance
        .get_typed_func::<(), ()>(&store, "_start")
        .expect("_start");
    let status = start
        .call(&mut store, ())
        .err()
        .and_then(|e| e.i32_exit_status());
    let lines = trace.lock().expect("trace").clone();
    (status, stdout.contents(), lines)
}

#[test]
fn results_are_lowered_and_every_call_is_traced() {
    let (status, stdout, trace) = run(GUEST);
    assert_eq!(status, Some(21), "fault's errno as the exit status");
    assert_eq!(stdout, b"hi");
    assert_eq!(
        trace,
        [
            "fd_write(fd=1, iovs=0, iovs_len=1, nwritten_ptr=8) = success",
            "args_sizes_get(argc_ptr=1048560, size_ptr=4) = fault",
            "proc_exit(code=21) = exit(21)",
        ]
    );
}

#[test]
fn a_module_without_memory_gets_fault_for_pointers_only() {
    let (status, _, trace) = run(NO_MEMORY);
    assert_eq!(status, Some(21), "sched_yield 0, clock_time_get fault");
    assert_eq!(trace[0], "sched_yield() = success");
    assert_eq!(
        trace[1],
        "clock_time_get(id=0, precision=0, time_ptr=0) = fault"
    );
}

/// The wasm type of a lowered parameter type of the table.
fn wasm_type(rust: &str) -> &'static str {
    if rust == "u32" {
        "i32"
    } else {
        "i64"
    }
}

/// Import lines for every function of the table, typed as the table says.
macro_rules! imports_of_the_table {
    ($extra:tt; $( $topic:ident :: $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ident ; )* ) => {
        [ $( format!(
            "(import \"wasi_snapshot_preview1\" \"{}\" (func (param {}) {}))",
            stringify!($name),
            <[&str]>::join(&[$( wasm_type(stringify!($ty)) ),*], " "),
            if stringify!($ret) == "errno" { "(result i32)" } else { "" },
        ) ),* ]
    };
}

/// A module importing every function of the table with the signature the
/// table gives it instantiates against `add_to_linker` (a wrong type or a
/// missing function would refuse it).
#[test]
fn every_function_of_the_table_links_with_its_signature() {
    let imports = wasiland_wasi_host::for_each_syscall!(imports_of_the_table, ());
    assert_eq!(imports.len(), FUNCTIONS.len());
    let wat = format!(
        "(module {} (memory (export \"memory\") 1))",
        imports.join("\n")
    );
    let engine = wasmi::Engine::default();
    let module =
        wasmi::Module::new(&engine, wat::parse_str(&wat).expect("valid text")).expect("valid");
    let mut linker = wasmi::Linker::<WasiCtx>::new(&engine);
    add_to_linker(&mut linker).expect("link");
    let mut store = wasmi::Store::new(
        &engine,
        WasiCtx::builder(SharedVfs::new(Vfs::new())).build(),
    );
    linker
        .instantiate_and_start(&mut store, &module)
        .expect("every import resolved with its type");
    // And a wrong type is refused, so the check above means something.
    let wrong =
        r#"(module (import "wasi_snapshot_preview1" "fd_close" (func (param i64) (result i32))))"#;
    let module =
        wasmi::Module::new(&engine, wat::parse_str(wrong).expect("valid text")).expect("valid");
    assert!(linker.instantiate_and_start(&mut store, &module).is_err());
}
