//! The embedder's host functions (`SandboxBuilder::host_functions`) through
//! real guests: modules written as text, run by the sandbox's shell.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use wasiland::wasmi::{FuncType, Val, ValType};
use wasiland::{HostFunctionError, HostFunctions, Sandbox, ToolRegistry};

fn tool(tools: &mut ToolRegistry, name: &str, wat: &str) {
    tools.register_bytes(name, wat::parse_str(wat).expect("valid wat"));
}

/// `env.double(i32) -> i32`, counting its calls.
fn doubling(calls: Arc<AtomicU32>) -> HostFunctions {
    let mut host = HostFunctions::new();
    host.define(
        "env",
        "double",
        FuncType::new([ValType::I32], [ValType::I32]),
        move |_caller, params, results| {
            calls.fetch_add(1, Ordering::SeqCst);
            let Val::I32(x) = params[0] else {
                return Err(wasiland::wasmi::Error::new("not an i32"));
            };
            results[0] = Val::I32(x.wrapping_mul(2));
            Ok(())
        },
    )
    .expect("defined");
    host
}

const CALLS_DOUBLE: &str = r#"(module
    (import "env" "double" (func $double (param i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 100) "doubled\n")
    (func (export "_start")
      ;; iovec at 0: (100, 8); print, then exit with double(double(5)).
      (i32.store (i32.const 0) (i32.const 100))
      (i32.store (i32.const 4) (i32.const 8))
      (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
      (call $exit (call $double (call $double (i32.const 5))))))"#;

#[test]
fn guests_call_the_embedders_function_in_a_pipeline() {
    let calls = Arc::new(AtomicU32::new(0));
    let mut tools = ToolRegistry::new();
    tool(&mut tools, "quad", CALLS_DOUBLE);
    // A guest that imports nothing of ours still runs beside it.
    tool(
        &mut tools,
        "plain",
        r#"(module (memory (export "memory") 1) (func (export "_start")))"#,
    );
    let mut sb = Sandbox::builder()
        .tools(tools)
        .host_functions(doubling(calls.clone()))
        .build()
        .expect("sandbox");
    let r = sb.run(
        "quad | { read l; echo \"got $l\"; }; quad >/dev/null; echo \"status $?\"; plain && echo plain ok",
    );
    assert_eq!(
        r.stdout_str(),
        "got doubled\nstatus 20\nplain ok\n",
        "{r:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    // A fork and a second run keep them.
    let mut other = sb.fork();
    assert_eq!(other.run("quad >/dev/null").exit_code, 20);
    assert_eq!(calls.load(Ordering::SeqCst), 6);
}

#[test]
fn without_the_function_the_import_is_unknown() {
    let mut tools = ToolRegistry::new();
    tool(&mut tools, "quad", CALLS_DOUBLE);
    let mut sb = Sandbox::builder().tools(tools).build().expect("sandbox");
    let r = sb.run("quad");
    assert_eq!(r.exit_code, 126, "{r:?}");
    assert!(
        r.stderr_str()
            .contains("unknown import: `env::double` has not been defined"),
        "{}",
        r.stderr_str()
    );
}

#[test]
fn a_panicking_or_failing_function_ends_its_process_not_the_host() {
    let mut host = HostFunctions::new();
    host.define(
        "env",
        "double",
        FuncType::new([ValType::I32], [ValType::I32]),
        |_, _, _| panic!("the embedder's bug"),
    )
    .expect("defined");
    host.define("env", "fail", FuncType::new([], []), |_, _, _| {
        Err(wasiland::wasmi::Error::new("refused by the embedder"))
    })
    .expect("defined");
    let mut tools = ToolRegistry::new();
    tool(&mut tools, "quad", CALLS_DOUBLE);
    tool(
        &mut tools,
        "fails",
        r#"(module (import "env" "fail" (func $fail)) (memory (export "memory") 1)
            (func (export "_start") (call $fail)))"#,
    );
    let mut sb = Sandbox::builder()
        .tools(tools)
        .host_functions(host)
        .build()
        .expect("sandbox");
    let r = sb.run("quad");
    assert_eq!(r.exit_code, 70, "{r:?}");
    assert!(r.stderr_str().contains("the embedder's bug"), "{r:?}");
    let r = sb.run("fails");
    assert_ne!(r.exit_code, 0, "{r:?}");
    assert!(r.stderr_str().contains("refused by the embedder"), "{r:?}");
    assert_eq!(sb.run("echo still here").stdout, b"still here\n");
}

#[test]
fn the_sandboxs_own_modules_and_duplicates_are_refused() {
    let mut host = HostFunctions::new();
    let ty = || FuncType::new([], []);
    for module in ["wasi_snapshot_preview1", "wasiland_v1"] {
        assert!(matches!(
            host.define(module, "fd_write", ty(), |_, _, _| Ok(())),
            Err(HostFunctionError::Reserved { .. })
        ));
    }
    host.define("env", "f", ty(), |_, _, _| Ok(()))
        .expect("first");
    let e = host.define("env", "f", ty(), |_, _, _| Ok(())).unwrap_err();
    assert_eq!(e.to_string(), "env.f is defined twice");
}
