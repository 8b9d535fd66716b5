//! Guests that once took the host down inside wasmi's executor (found by
//! the module fuzzer, `runner/tests/modfuzz`): each now ends as a normal
//! process and the sandbox keeps working. See RATIONALE.md, "wasmi 2.0.0
//! patched at build time" and "No multi-memory".

use std::time::Duration;
use wasiland::{Limits, Sandbox, ToolRegistry};

/// A `_start` looping three million times on a grow that fails (the
/// memory and the table are at their maximum): before the patch in
/// `runner/patches/wasmi-2.0.0/`, every failing grow left a host stack
/// frame behind and the loop overflowed the host stack (SIGSEGV/abort).
fn failing_grow_loop(grow: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1 1)
  (table $t 1 1 funcref)
  (func (export "_start") (local $i i32) (local $failed i32)
    (local.set $i (i32.const 3000000))
    (loop $l
      (if (i32.eq ({grow}) (i32.const -1))
        (then (local.set $failed (i32.add (local.get $failed) (i32.const 1)))))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i)))
    ;; Exit 7 when every grow failed, as it must.
    (call $exit (select (i32.const 7) (i32.const 1)
      (i32.eq (local.get $failed) (i32.const 3000000))))))"#
    )
}

/// Two memories and a SIMD lane store into the second: wasmi 2.0.0 wrote
/// through a wrong pointer (a host SIGSEGV). Such modules are refused.
const SECOND_MEMORY_LANE_STORE: &str = r#"(module
  (memory (export "memory") 1)
  (memory $second 1)
  (func (export "_start")
    (v128.store8_lane $second 0 (i32.const 0) (v128.const i64x2 1 2))))"#;

/// SIMD lane stores whose offset does not fit 16 bits take wasmi's generic
/// operator: without wasmi's `memory64` crate feature it was encoded in a
/// layout the executor misread, and even an in-bounds store wrote through
/// a wild pointer (a host SIGSEGV found by the module fuzzer, seed
/// 5000003286). In bounds they must store; past the end they must trap.
fn far_lane_store(offset: u32) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (func (export "_start") (local $p i32)
    (local.set $p (i32.const 100))
    (v128.store16_lane offset={offset} 1 (local.get $p) (v128.const i16x8 0 513 0 0 0 0 0 0))
    (v128.store8_lane offset={offset} 0 (i32.add (local.get $p) (i32.const 8)) (v128.const i8x16 3 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0))
    ;; Exit with the three bytes read back: 1 + 2 + 3 = 6.
    (call $exit (i32.add
      (i32.add (i32.load8_u offset={offset} (local.get $p))
               (i32.load8_u offset={offset} (i32.add (local.get $p) (i32.const 1))))
      (i32.load8_u offset={offset} (i32.add (local.get $p) (i32.const 8)))))))"#
    )
}

fn sandbox() -> Sandbox {
    let mut tools = ToolRegistry::new();
    for (name, text) in [
        ("memgrow", failing_grow_loop("memory.grow (i32.const 1)")),
        (
            "tablegrow",
            failing_grow_loop("table.grow $t (ref.null func) (i32.const 1)"),
        ),
        ("lanes", SECOND_MEMORY_LANE_STORE.to_string()),
        ("farlane", far_lane_store(70_000)),
        ("pastlane", far_lane_store(200_000)),
    ] {
        let bytes = wat::parse_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        tools.register_bytes(name, bytes);
    }
    Sandbox::builder()
        .tools(tools)
        .limits(Limits {
            timeout: Some(Duration::from_secs(120)),
            ..Limits::default()
        })
        .build()
        .expect("sandbox")
}

#[test]
fn a_loop_of_failing_grows_runs_to_its_end() {
    let mut sb = sandbox();
    for tool in ["memgrow", "tablegrow"] {
        let r = sb.run(tool);
        assert_eq!(r.exit_code, 7, "{tool}: {}", r.stderr_str());
    }
}

#[test]
fn a_module_with_a_second_memory_is_refused_and_the_host_lives() {
    let mut sb = sandbox();
    let r = sb.run("lanes");
    assert_eq!(r.exit_code, 126, "{}", r.stderr_str());
    assert!(
        r.stderr_str().contains("multiple memories"),
        "{}",
        r.stderr_str()
    );
    let r = sb.run("memgrow; echo $?");
    assert_eq!(r.stdout_str(), "7\n", "{}", r.stderr_str());
}

#[test]
fn lane_stores_past_a_16_bit_offset_store_or_trap() {
    let mut sb = sandbox();
    let r = sb.run("farlane");
    assert_eq!(r.exit_code, 6, "{}", r.stderr_str());
    // 100 + 200,000 is past the two pages: a trap, not a host crash.
    let r = sb.run("pastlane; echo $?");
    assert_eq!(r.stdout_str(), "134\n", "{}", r.stderr_str());
    assert!(
        r.stderr_str().contains("out of bounds"),
        "{}",
        r.stderr_str()
    );
}
