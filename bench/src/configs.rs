//! The measured effect of wasmi's configuration choices: wasiland's engine
//! configuration (`Runtime::engine_config`) against the alternatives, each
//! on an engine of its own, with rustpython.wasm: compiling the module,
//! the first `python3 -c "print(1)"` (which pays for lazy translation), a
//! later one, and `compute.py` (pure interpretation).

use crate::breakdown;
use crate::measure::median;
use std::time::Instant;
use wasiland::{Runtime, Sandbox};
use wasmi::{CompilationMode, Engine, Module};

struct Variant {
    name: &'static str,
    mode: CompilationMode,
    fuel: bool,
}

const VARIANTS: [Variant; 4] = [
    Variant {
        name: "wasiland: lazy translation, fuel metering",
        mode: CompilationMode::LazyTranslation,
        fuel: true,
    },
    Variant {
        name: "lazy translation, no fuel (the wasmi CLI's default)",
        mode: CompilationMode::LazyTranslation,
        fuel: false,
    },
    Variant {
        name: "eager translation, fuel",
        mode: CompilationMode::Eager,
        fuel: true,
    },
    Variant {
        name: "lazy (validation deferred too), fuel",
        mode: CompilationMode::Lazy,
        fuel: true,
    },
];

/// One markdown table; `runs` measured runs per workload and variant.
/// `sandbox` holds compute.py in /home/user.
pub fn measure(wasm: &[u8], sandbox: &Sandbox, runs: usize) -> Result<Vec<String>, String> {
    let mut lines = vec![
        "| engine configuration | compile rustpython.wasm | first `print(1)` | later `print(1)` | `compute.py` |".to_string(),
        "|---|--:|--:|--:|--:|".to_string(),
    ];
    let print1: Vec<String> = ["python3", "-c", "print(1)"].map(String::from).to_vec();
    let compute: Vec<String> = ["python3", "compute.py"].map(String::from).to_vec();
    for v in &VARIANTS {
        eprintln!("[bench] engine configuration: {}", v.name);
        let mut config = Runtime::engine_config();
        config.compilation_mode(v.mode);
        config.consume_fuel(v.fuel);
        let mut compile = Vec::new();
        let mut module = None;
        for _ in 0..runs.max(1) {
            // A new engine each time: a module compiled twice on one engine
            // would share nothing, but keep the measurement honest anyway.
            let engine = Engine::new(&config);
            let t = Instant::now();
            let m = Module::new(&engine, wasm).map_err(|e| format!("{}: {e}", v.name))?;
            compile.push(t.elapsed().as_secs_f64() * 1e3);
            module = Some((engine, m));
        }
        let Some((engine, module)) = module else {
            continue;
        };
        let p = breakdown::measure(&engine, v.fuel, sandbox, &module, &print1, runs)?;
        let c = breakdown::measure(&engine, v.fuel, sandbox, &module, &compute, runs)?;
        lines.push(format!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.0} |",
            v.name,
            median(&compile).unwrap_or(f64::NAN),
            p.first_start,
            p.start,
            c.start
        ));
    }
    lines.push(String::new());
    lines.push(
        "ms, medians; `_start` to exit on wasmi's API over wasiland's syscall table (no start-up image, no shell). \"first\" is the first run on a new engine: with lazy translation it includes translating every function it reaches. Fuel metering is what lets deadlines and `--fuel` stop a compute loop, so wasiland keeps it whatever it costs.".to_string(),
    );
    Ok(lines)
}
