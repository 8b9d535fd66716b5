//! Start-up images: state built by `wasiland_init` is restored into every
//! new process, each process gets its own copy, and what the process reads
//! from the outside (argv) is its own.

use wasiland::image::{supports_image, Image};
use wasiland::process::{run_entry, Entry, ProcessConfig, PROCESS_RESERVE};
use wasiland::Runtime;
use wasiland_vfs::Vfs;
use wasiland_wasi_host::{BudgetScope, Interrupt, MemoryBudget, SharedVfs, WasiCtx};

/// `wasiland_init` stores 41 at address 100 and in an exported mutable
/// global; `wasiland_run` increments both and returns
/// memory + global + argc (from `args_sizes_get`).
const GUEST: &str = r#"
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $g (export "counter") (mut i32) (i32.const 0))
  (func (export "wasiland_init")
    (i32.store (i32.const 100) (i32.const 41))
    (global.set $g (i32.const 41))
    ;; grow, so the image is larger than a fresh instance's memory
    (drop (memory.grow (i32.const 2)))
    (i32.store (i32.const 131072) (i32.const 1)))
  (func (export "wasiland_run") (result i32)
    (i32.store (i32.const 100) (i32.add (i32.load (i32.const 100)) (i32.const 1)))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (drop (call $sizes (i32.const 200) (i32.const 204)))
    (i32.add
      (i32.add (i32.load (i32.const 100)) (global.get $g))
      (i32.add (i32.load (i32.const 200)) (i32.load (i32.const 131072)))))
  (func (export "_start")))
"#;

#[test]
fn each_process_starts_from_the_image_with_its_own_argv() {
    let rt = Runtime::new();
    let wasm = wat::parse_str(GUEST).expect("valid wat");
    let module = rt.compile("image-guest", &wasm).expect("compiles");
    assert!(supports_image(module.module()));
    let vfs = SharedVfs::new(Vfs::new());
    let root = vfs.lock().root();
    let ctx = |args: &[&str]| {
        WasiCtx::builder(vfs.clone())
            .args(args)
            .preopen("/", root)
            .build()
    };
    let image = Image::capture(&module, ctx(&["template"]), &Interrupt::new()).expect("capture");
    assert_eq!(image.memory_size(), 3 * 65536);
    let config = ProcessConfig::default();
    // 42 (memory) + 42 (global) + argc + 1 (grown page), the same every
    // time: each process has its own copy of the image.
    for args in [&["p"][..], &["p", "a"], &["p"]] {
        let exit = run_entry(&module, ctx(args), &config, Entry::Image(&image));
        assert_eq!(exit.status, 42 + 42 + args.len() as i32 + 1, "{exit:?}");
    }
}

#[test]
fn a_memory_limit_below_the_image_is_reported() {
    let rt = Runtime::new();
    let module = rt
        .compile("image-guest", &wat::parse_str(GUEST).expect("wat"))
        .expect("compiles");
    let vfs = SharedVfs::new(Vfs::new());
    let root = vfs.lock().root();
    let image = Image::capture(
        &module,
        WasiCtx::builder(vfs.clone()).preopen("/", root).build(),
        &Interrupt::new(),
    )
    .expect("capture");
    // Room for the process and one page, not for the image's three.
    let limit = PROCESS_RESERVE + module.instance_cost() + 65536;
    let exit = run_entry(
        &module,
        WasiCtx::builder(vfs.clone())
            .arg("p")
            .preopen("/", root)
            .budget(MemoryBudget::new(BudgetScope::Process, Some(limit)))
            .build(),
        &ProcessConfig::default(),
        Entry::Image(&image),
    );
    assert_eq!(exit.limit, Some(wasiland::LimitKind::Memory), "{exit:?}");
    assert_eq!(exit.status, 137);
}
