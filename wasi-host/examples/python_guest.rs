//! python3 (wasiland's `rustpython.wasm`) from the preview1 table alone:
//! a fuel-metering `wasmi` engine, [`add_to_linker`], the `wasiland_v1.spawn`
//! import (here with a spawner of our own that runs coreutils), and
//! `_start` in fuel slices under a deadline.
//!
//! ```text
//! cargo run -p wasiland-wasi-host --example python_guest -- \
//!     fixtures/out/rustpython.wasm fixtures/out/coreutils.wasm 'print(6 * 7)'
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};
use wasiland_vfs::Vfs;
use wasiland_wasi_host::spawn::{self, SpawnView, Spawner};
use wasiland_wasi_host::{
    add_to_linker, run, CaptureOutput, Errno, Interrupt, SharedVfs, Stdio, WasiCtx, WasiView,
};

/// What each process's store holds: its WASI context and who runs the
/// commands it spawns.
struct Process {
    wasi: WasiCtx,
    spawner: Option<Arc<dyn Spawner>>,
}

impl WasiView for Process {
    fn wasi(&mut self) -> &mut WasiCtx {
        &mut self.wasi
    }
}

impl SpawnView for Process {
    fn spawner(&self) -> Option<Arc<dyn Spawner>> {
        self.spawner.clone()
    }
}

/// One engine and linker for every process; the coreutils module runs the
/// commands python3 spawns (`subprocess.run(["echo", "hi"])`).
struct Host {
    engine: wasmi::Engine,
    linker: wasmi::Linker<Process>,
    coreutils: wasmi::Module,
    vfs: SharedVfs,
    deadline: Interrupt,
}

impl Spawner for Host {
    fn spawn(
        &self,
        argv: Vec<String>,
        env: Vec<(String, String)>,
        _cwd: String,
        stdio: [Stdio; 3],
    ) -> Result<i32, Errno> {
        let [stdin, stdout, stderr] = stdio;
        let mut wasi = WasiCtx::builder(self.vfs.clone())
            .args(&argv)
            .stdin(stdin)
            .stdout(stdout)
            .stderr(stderr)
            .interrupt(self.deadline.clone());
        for (name, value) in &env {
            wasi = wasi.env(name, value);
        }
        // Children cannot spawn again here: no spawner, so `nosys`.
        let process = Process {
            wasi: wasi.build(),
            spawner: None,
        };
        let mut store = wasmi::Store::new(&self.engine, process);
        store.set_fuel(run::FUEL_SLICE).map_err(|_| Errno::NoExec)?;
        let instance = self
            .linker
            .instantiate_and_start(&mut store, &self.coreutils)
            .map_err(|_| Errno::NoExec)?;
        // A trap is status 134, as a shell shows an abort.
        Ok(run::run_start(&mut store, &instance, None).unwrap_or(134))
    }
}

/// Run `python3 -c CODE` with a 60 s deadline: its exit status and stdout.
pub fn run_python(
    python: &[u8],
    coreutils: &[u8],
    code: &str,
) -> Result<(i32, Vec<u8>), wasmi::Error> {
    // Fuel metered for execution (the slices need it), not translation.
    let engine = wasmi::Engine::new(&run::engine_config());
    let mut linker = wasmi::Linker::<Process>::new(&engine);
    add_to_linker(&mut linker)?;
    spawn::add_to_linker(&mut linker)?;

    // The filesystem: `/` with `/tmp` and an `echo` on PATH for subprocess.
    let mut vfs = Vfs::new();
    for (path, data) in [("/tmp/.keep", ""), ("/usr/bin/echo", "")] {
        let parent = &path[..path.rfind('/').unwrap_or(0)];
        vfs.create_dir_all(parent)
            .and_then(|()| vfs.write_file(path, data))
            .map_err(|e| wasmi::Error::new(format!("{path}: {e:?}")))?;
    }
    let vfs = SharedVfs::new(vfs);
    let root = vfs.lock().root();

    let deadline = Interrupt::new();
    deadline.set_deadline(Some(Instant::now() + Duration::from_secs(60)));
    let host = Arc::new(Host {
        engine: engine.clone(),
        linker: linker.clone(),
        coreutils: wasmi::Module::new(&engine, coreutils)?,
        vfs: vfs.clone(),
        deadline: deadline.clone(),
    });

    let stdout = CaptureOutput::new();
    let wasi = WasiCtx::builder(vfs)
        .args(["python3", "-c", code])
        .env("PATH", "/usr/bin")
        .stdout(Stdio::Output(stdout.clone()))
        .preopen("/", root)
        .interrupt(deadline)
        .build();
    let python = wasmi::Module::new(&engine, python)?;
    let mut store = wasmi::Store::new(
        &engine,
        Process {
            wasi,
            spawner: Some(host),
        },
    );
    // The engine meters fuel, so a start function needs some: one slice.
    store.set_fuel(run::FUEL_SLICE)?;
    let instance = linker.instantiate_and_start(&mut store, &python)?;
    let status = run::run_start(&mut store, &instance, None)?;
    Ok((status, stdout.contents()))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: python_guest RUSTPYTHON.wasm COREUTILS.wasm CODE";
    let python = std::fs::read(args.next().ok_or(usage)?)?;
    let coreutils = std::fs::read(args.next().ok_or(usage)?)?;
    let code = args.next().ok_or(usage)?;
    let (status, stdout) = run_python(&python, &coreutils, &code)?;
    print!("{}", String::from_utf8_lossy(&stdout));
    std::process::exit(status);
}
