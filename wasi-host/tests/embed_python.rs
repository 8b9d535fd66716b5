//! The lower layers alone run python3: the example of `wasiland_wasi_host::run`
//! (`examples/python_guest.rs`, the very code its rustdoc shows) against the
//! built guests (`fixtures/build.sh`; `$WASILAND_FIXTURES` or
//! `fixtures/out`).

#[path = "../examples/python_guest.rs"]
#[allow(dead_code)]
mod example;

fn fixture(name: &str) -> Vec<u8> {
    let dir = match std::env::var_os("WASILAND_FIXTURES") {
        Some(d) => std::path::PathBuf::from(d),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/out"),
    };
    let path = dir.join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (build the guests with fixtures/build.sh)",
            path.display()
        )
    })
}

#[test]
fn python_prints_from_add_to_linker_alone() {
    let (status, stdout) = example::run_python(
        &fixture("rustpython.wasm"),
        &fixture("coreutils.wasm"),
        "import sys; print(6 * 7); sys.exit(3)",
    )
    .expect("python3 runs");
    assert_eq!(
        (status, String::from_utf8_lossy(&stdout).as_ref()),
        (3, "42\n")
    );
}

#[test]
fn python_spawns_through_the_public_spawn_import() {
    let code = "import subprocess, sys\n\
                sys.stdout.flush()\n\
                r = subprocess.run(['echo', 'from', 'a', 'child'])\n\
                print('status', r.returncode)";
    let (status, stdout) = example::run_python(
        &fixture("rustpython.wasm"),
        &fixture("coreutils.wasm"),
        code,
    )
    .expect("python3 runs");
    assert_eq!(
        (status, String::from_utf8_lossy(&stdout).as_ref()),
        (0, "from a child\nstatus 0\n")
    );
}

#[test]
fn a_compute_loop_stops_at_its_deadline() {
    // The run's own deadline, checked between fuel slices, stops a loop
    // that makes no syscall.
    let engine = wasmi::Engine::new(&wasiland_wasi_host::run::engine_config());
    let module = wasmi::Module::new(&engine, &fixture("rustpython.wasm")[..]).expect("module");
    let mut linker = wasmi::Linker::<wasiland_wasi_host::WasiCtx>::new(&engine);
    wasiland_wasi_host::add_to_linker(&mut linker).expect("preview1");
    wasiland_wasi_host::spawn::add_nosys_to_linker(&mut linker).expect("spawn");
    let interrupt = wasiland_wasi_host::Interrupt::new();
    interrupt.set_deadline(Some(
        std::time::Instant::now() + std::time::Duration::from_secs(2),
    ));
    let wasi = wasiland_wasi_host::WasiCtx::builder(wasiland_wasi_host::SharedVfs::new(
        wasiland_vfs::Vfs::new(),
    ))
    .args(["python3", "-c", "while True: pass"])
    .interrupt(interrupt)
    .build();
    let mut store = wasmi::Store::new(&engine, wasi);
    store
        .set_fuel(wasiland_wasi_host::run::FUEL_SLICE)
        .expect("fuel");
    let instance = linker
        .instantiate_and_start(&mut store, &module)
        .expect("instance");
    let started = std::time::Instant::now();
    let e = wasiland_wasi_host::run::run_start(&mut store, &instance, None).unwrap_err();
    assert!(
        matches!(
            e.downcast_ref::<wasiland_wasi_host::Termination>(),
            Some(wasiland_wasi_host::Termination::Interrupted(
                wasiland_wasi_host::InterruptReason::Timeout
            ))
        ),
        "{e}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2 + 2));
}
