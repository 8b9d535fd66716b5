//! One test case from a byte string (so a case is reproducible from the
//! bytes, and the bytes from a seed). Two kinds of module:
//!
//! - **smith**: a random valid module from wasm-smith that may import any
//!   preview1 function and `wasiland_v1.spawn` and exports `memory` and
//!   `_start`; its own code calls the imports with whatever values it has.
//! - **spliced**: a wasm-smith module of a fixed shape (every import, a
//!   memory, `_start` and `body`) whose `_start` we replace with our own:
//!   it plants paths, iovecs (also 100,000 of them over one buffer, or with
//!   lengths that wrap past 2^32), poll subscriptions and spawn requests in
//!   memory, then calls imports with hostile arguments (huge descriptors,
//!   counts and lengths, pointers at the end of memory), grows memory, and
//!   calls wasm-smith's random `body` in between. This is what makes calls
//!   reach deep into the syscall table often.

use crate::imports::{self, Import, Role};
use arbitrary::{Result, Unstructured};
use wasm_encoder::{
    CodeSection, ExportKind, ExportSection, Function, FunctionSection, InstructionSink, MemArg,
    MemArgTarget, MemorySection, MemoryType, Module, RawSection, ValType,
};
use wasm_smith::{InstructionKind, InstructionKinds};

/// How the runner is asked to start the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Launch {
    /// Registered as the tool `fuzz` (`ToolRegistry::register_bytes`).
    Tool,
    /// Written to `/tmp/fuzz.wasm` in the sandbox and run by path.
    Path,
}

/// Which generator made the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Smith,
    Spliced,
}

/// A generated case.
pub struct Case {
    pub wasm: Vec<u8>,
    pub kind: Kind,
    pub launch: Launch,
    pub stdin: Vec<u8>,
}

/// The case that `input` describes.
pub fn case(input: &[u8]) -> Result<Case> {
    let mut u = Unstructured::new(input);
    let imports = imports::all();
    let kind = if u.ratio(2, 5)? {
        Kind::Smith
    } else {
        Kind::Spliced
    };
    let launch = if u.ratio(1, 6)? {
        Launch::Path
    } else {
        Launch::Tool
    };
    let stdin = if u.arbitrary()? {
        let len = u.int_in_range(0..=4096)?;
        u.bytes(len.min(u.len()))?.to_vec()
    } else {
        Vec::new()
    };
    let wasm = match kind {
        Kind::Smith => smith(&mut u, &imports)?,
        Kind::Spliced => spliced(&mut u, &imports)?,
    };
    Ok(Case {
        wasm,
        kind,
        launch,
        stdin,
    })
}

/// wasm-smith settings: only the proposals wasiland's wasmi engine
/// validates (a module it rejects would test nothing), sizes kept small
/// enough that a case runs in milliseconds, the rest chosen by `u`.
fn smith_config(u: &mut Unstructured) -> Result<wasm_smith::Config> {
    let simd = u.arbitrary()?;
    Ok(wasm_smith::Config {
        memory64_enabled: false,
        threads_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        wide_arithmetic_enabled: false,
        custom_page_sizes_enabled: false,
        compact_imports_enabled: false,
        shared_everything_threads_enabled: false,
        custom_descriptors_enabled: false,
        simd_enabled: simd,
        relaxed_simd_enabled: simd && u.arbitrary()?,
        tail_call_enabled: u.arbitrary()?,
        reference_types_enabled: u.arbitrary()?,
        multi_value_enabled: u.arbitrary()?,
        allow_start_export: u.arbitrary()?,
        disallow_traps: u.arbitrary()?,
        // Imported functions count too.
        max_funcs: imports::all().len() + u.int_in_range(1..=16)?,
        max_instructions: u.int_in_range(1..=1000)?,
        allowed_instructions: instruction_kinds(u)?,
        allow_floats: u.arbitrary()?,
        // One memory: the runtime refuses multi-memory modules (see RATIONALE).
        max_memories: 1,
        max_tables: u.int_in_range(0..=2)?,
        max_table_elements: *u.choose(&[16, 10_000, 1_000_000])?,
        max_memory32_bytes: *u.choose(&[1 << 18, 16 << 20, 1 << 32])?,
        max_globals: u.int_in_range(0..=8)?,
        max_data_segments: u.int_in_range(0..=8)?,
        max_element_segments: u.int_in_range(0..=4)?,
        max_types: 100,
        ..wasm_smith::Config::default()
    })
}

/// Swarm testing: a random subset of instruction kinds, always with
/// `call` (Control) and integer arithmetic, so that functions with
/// integer parameters are called often.
fn instruction_kinds(u: &mut Unstructured) -> Result<InstructionKinds> {
    use InstructionKind::*;
    let mut kinds = vec![Control, NumericInt];
    for kind in [
        Numeric, VectorInt, Vector, Reference, Parametric, Variable, Table, MemoryInt, Memory,
    ] {
        if u.arbitrary()? {
            kinds.push(kind);
        }
    }
    Ok(InstructionKinds::new(&kinds))
}

/// A memory type for the exported memory.
fn memory_type(u: &mut Unstructured, min_pages: u64) -> Result<MemoryType> {
    let minimum = match u.int_in_range(0..=9)? {
        0 => 0,
        1 => 256,
        2 => 65536,
        _ => u.int_in_range(1..=4)?,
    }
    .max(min_pages);
    let maximum = match u.int_in_range(0..=5)? {
        0 => Some(minimum),
        1 => Some(minimum + u.int_in_range(0..=512)?),
        2 => Some(65536),
        _ => None,
    };
    Ok(MemoryType {
        minimum,
        maximum: maximum.map(|m| m.clamp(minimum, 65536)),
        memory64: false,
        shared: false,
        page_size_log2: None,
    })
}

/// A module defining `memory` (if given) and the functions `exports`
/// (name, params) with empty bodies, after importing `imports`: the shape
/// wasm-smith is asked to reproduce.
fn shape(
    imports: &[Import],
    memory: Option<MemoryType>,
    exports: &[(&str, &[ValType])],
) -> Vec<u8> {
    let (mut types, import_section) = imports::sections(imports);
    let mut funcs = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut export = ExportSection::new();
    let first = imports.len() as u32;
    for (i, (name, params)) in (0u32..).zip(exports) {
        types.ty().function(params.iter().copied(), []);
        funcs.function(first + i);
        let mut body = Function::new([]);
        body.instructions().end();
        code.function(&body);
        export.export(name, ExportKind::Func, first + i);
    }
    let mut memories = MemorySection::new();
    if let Some(m) = memory {
        memories.memory(m);
        export.export("memory", ExportKind::Memory, 0);
    }
    let mut module = Module::new();
    module
        .section(&types)
        .section(&import_section)
        .section(&funcs)
        .section(&memories)
        .section(&export)
        .section(&code);
    module.finish()
}

/// A pure wasm-smith module.
fn smith(u: &mut Unstructured, imports: &[Import]) -> Result<Vec<u8>> {
    let mut config = smith_config(u)?;
    let memory = if u.ratio(9, 10)? {
        Some(memory_type(u, 0)?)
    } else {
        None
    };
    if memory.is_some() {
        // wasm-smith adds an exported memory after its own arbitrary ones:
        // none of those, so the module keeps one memory.
        config.max_memories = 0;
    }
    config.available_imports = Some(imports::module_importing(imports));
    config.exports = Some(shape(&[], memory, &[("_start", &[])]));
    Ok(wasm_smith::Module::new(config, u)?.to_bytes())
}

/// A wasm-smith module of fixed shape with our `_start` spliced in.
fn spliced(u: &mut Unstructured, imports: &[Import]) -> Result<Vec<u8>> {
    let mut config = smith_config(u)?;
    let memory = memory_type(u, 1)?;
    let memory = MemoryType {
        // Our planted structures live in the first page; a 4 GiB minimum
        // would only test instantiation, which `smith` cases do.
        minimum: memory.minimum.clamp(1, 4),
        maximum: memory.maximum.map(|m| m.max(4)),
        ..memory
    };
    config.module_shape = Some(shape(
        imports,
        Some(memory),
        &[("_start", &[]), ("body", &[ValType::I32])],
    ));
    // Our `_start` draws from its own half of the bytes, so wasm-smith
    // cannot use them all up.
    let plan = u.bytes(u.len() / 2)?;
    let base = wasm_smith::Module::new(config, u)?.to_bytes();
    let layout = Exports::of(&base);
    let start = StartBuilder::new(imports, &layout, &memory).build(&mut Unstructured::new(plan))?;
    Ok(replace_function(&base, layout.start, &start))
}

/// Function indices found in a wasm-smith module.
struct Exports {
    /// Function index of each of our imports, by name.
    imports: Vec<(String, u32)>,
    imported_funcs: u32,
    start: u32,
    body: u32,
    /// Index of the exported memory (wasm-smith may define others first).
    memory: u32,
}

impl Exports {
    fn of(wasm: &[u8]) -> Exports {
        let mut found = Exports {
            imports: Vec::new(),
            imported_funcs: 0,
            start: u32::MAX,
            body: u32::MAX,
            memory: u32::MAX,
        };
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            match payload.expect("wasm-smith output parses") {
                wasmparser::Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.expect("import parses");
                        if let wasmparser::TypeRef::Func(_) = import.ty {
                            found
                                .imports
                                .push((import.name.to_string(), found.imported_funcs));
                            found.imported_funcs += 1;
                        }
                    }
                }
                wasmparser::Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.expect("export parses");
                        match (export.kind, export.name) {
                            (wasmparser::ExternalKind::Func, "_start") => {
                                found.start = export.index
                            }
                            (wasmparser::ExternalKind::Func, "body") => found.body = export.index,
                            (wasmparser::ExternalKind::Memory, "memory") => {
                                found.memory = export.index
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        assert!(
            found.start != u32::MAX && found.body != u32::MAX && found.memory != u32::MAX,
            "the shape's exports are missing"
        );
        found
    }

    fn import(&self, name: &str) -> Option<u32> {
        self.imports
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, i)| *i)
    }
}

/// The id of the code section in the binary format.
const CODE_SECTION_ID: u8 = 10;

/// `wasm` with the body of function `index` replaced by `body` (same
/// type, so every reference to it stays valid); all other sections are
/// copied byte for byte.
fn replace_function(wasm: &[u8], index: u32, body: &Function) -> Vec<u8> {
    enum Part {
        Raw(u8, std::ops::Range<usize>),
        Code,
    }
    let mut parts = Vec::new();
    let mut bodies: Vec<&[u8]> = Vec::new();
    let mut imported = 0u32;
    let range = |r: std::ops::Range<u64>| {
        usize::try_from(r.start).expect("in memory")..usize::try_from(r.end).expect("in memory")
    };
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let payload = payload.expect("wasm-smith output parses");
        if let wasmparser::Payload::ImportSection(reader) = &payload {
            for import in reader.clone().into_imports() {
                if let wasmparser::TypeRef::Func(_) = import.expect("import parses").ty {
                    imported += 1;
                }
            }
        }
        if let wasmparser::Payload::CodeSectionEntry(f) = &payload {
            bodies.push(f.as_bytes());
            continue;
        }
        match payload.as_section() {
            Some((CODE_SECTION_ID, _)) => parts.push(Part::Code),
            Some((id, r)) => parts.push(Part::Raw(id, range(r))),
            None => {}
        }
    }
    let replaced = usize::try_from(index - imported).expect("small index");
    let mut module = Module::new();
    for part in parts {
        match part {
            Part::Raw(id, r) => {
                module.section(&RawSection { id, data: &wasm[r] });
            }
            Part::Code => {
                let mut code = CodeSection::new();
                for (i, b) in bodies.iter().enumerate() {
                    if i == replaced {
                        code.function(body);
                    } else {
                        code.raw(b);
                    }
                }
                module.section(&code);
            }
        }
    }
    module.finish()
}

/// Where our `_start` plants things in the first page.
mod layout {
    /// Out slots (nwritten, new fds, stat buffers): 0x000..0x400.
    pub const OUT: u32 = 0x0000;
    pub const PATHS: u32 = 0x0400;
    pub const REQUESTS: u32 = 0x0800;
    pub const SUBSCRIPTIONS: u32 = 0x0a00;
    pub const IOVECS: u32 = 0x0c00;
    /// Random bytes: 0x1000..0x1800.
    pub const RANDOM: u32 = 0x1000;
    pub const RANDOM_LEN: u32 = 0x800;
    /// Buffers the iovecs point at: 0x2000..0x10000.
    pub const BUFFERS: u32 = 0x2000;
}

/// Paths a guest might pass (the sandbox's conventional tree, devices,
/// escapes, a long name, invalid UTF-8, an embedded NUL).
const PATHS: &[&[u8]] = &[
    b"",
    b".",
    b"..",
    b"/",
    b"/dev/zero",
    b"/dev/null",
    b"/dev/urandom",
    b"/tmp",
    b"/tmp/f",
    b"/tmp/d/",
    b"/tmp/link",
    b"/etc/passwd",
    b"/usr/bin/fuzz",
    b"/tmp/fuzz.wasm",
    b"tmp/../../../../etc",
    b"/tmp/./x/../f",
    b"\xff\xfe/tmp",
    b"/tmp/f\0hidden",
    &[b'a'; 255],
    &[b'b'; 300],
];

/// Spawn requests: cwd, argv, empty, env.
const REQUESTS: &[&[u8]] = &[
    b"/\0fuzz\0\0",
    b"/tmp\0echo\0hi\0\0",
    b"/\0/tmp/fuzz.wasm\0\0",
    b"/\0fuzz\0\0A=B\0",
    b"relative\0fuzz\0\0",
    b"/\0exit\x007\0\0",
    b"/\0sh\0-c\0while :; do :; done\0\0",
    b"/\0sh\0-c\0echo x > /tmp/out; read y < /tmp/out; fuzz\0\0",
    b"/\0nosuchcommand\0\0",
    b"/\0\0\0",
];

/// Builds our `_start`: plant, then a random sequence of steps.
struct StartBuilder<'a> {
    imports: &'a [Import],
    layout: &'a Exports,
    /// Pages the memory is known to have (grows counted when small).
    pages: u64,
    /// Its declared maximum.
    max_pages: Option<u64>,
    paths: Vec<(u32, u32)>,
    requests: Vec<(u32, u32)>,
    subscriptions: Vec<(u32, u32)>,
    iovecs: Vec<(u32, u32)>,
    f: Function,
}

/// Locals of our `_start`: a loop counter and an iovec index.
const COUNTER: u32 = 0;
const INDEX: u32 = 1;

fn mem64(memory: u32) -> MemArg {
    MemArg {
        offset: 0,
        align: 0,
        target: MemArgTarget::Memory(memory),
        ordering: None,
    }
}

impl<'a> StartBuilder<'a> {
    fn new(imports: &'a [Import], layout: &'a Exports, memory: &MemoryType) -> Self {
        StartBuilder {
            imports,
            layout,
            pages: memory.minimum,
            max_pages: memory.maximum,
            paths: Vec::new(),
            requests: Vec::new(),
            subscriptions: Vec::new(),
            iovecs: Vec::new(),
            f: Function::new([(2, ValType::I32)]),
        }
    }

    fn sink(&mut self) -> InstructionSink<'_> {
        self.f.instructions()
    }

    fn store_bytes(&mut self, at: u32, bytes: &[u8]) {
        for (i, chunk) in bytes.chunks(8).enumerate() {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            let addr = at + 8 * i as u32;
            let memory = self.layout.memory;
            self.sink()
                .i32_const(addr as i32)
                .i64_const(i64::from_le_bytes(word))
                .i64_store(mem64(memory));
        }
    }

    /// Writes `items` one after another from `at`, 8-aligned; returns
    /// (address, length) of each.
    fn plant_all(&mut self, at: u32, items: &[&[u8]]) -> Vec<(u32, u32)> {
        let mut placed = Vec::new();
        let mut next = at;
        for item in items {
            self.store_bytes(next, item);
            placed.push((next, item.len() as u32));
            next += (item.len() as u32).div_ceil(8) * 8 + 8;
        }
        placed
    }

    fn plant(&mut self, u: &mut Unstructured) -> Result<()> {
        self.paths = self.plant_all(layout::PATHS, PATHS);
        self.requests = self.plant_all(layout::REQUESTS, REQUESTS);
        // Subscriptions (48 bytes each): userdata, tag, then the clock
        // (id, timeout, precision, flags) or fd_readwrite (fd) fields.
        let clock = |id: u32, timeout: u64, flags: u16| {
            let mut s = [0u8; 48];
            s[8] = 0;
            s[16..20].copy_from_slice(&id.to_le_bytes());
            s[24..32].copy_from_slice(&timeout.to_le_bytes());
            s[40..42].copy_from_slice(&flags.to_le_bytes());
            s
        };
        let fd_event = |tag: u8, fd: u32| {
            let mut s = [0u8; 48];
            s[8] = tag;
            s[16..20].copy_from_slice(&fd.to_le_bytes());
            s
        };
        let subs = [
            clock(1, 1_000_000, 0),
            clock(0, 0, 1),
            fd_event(1, 0),
            fd_event(2, 1),
            fd_event(1, 3),
            fd_event(7, 0),
            fd_event(1, u32::MAX),
            // Sleeps "forever": only the run's deadline ends this one.
            clock(1, u64::MAX, 0),
        ];
        let flat: Vec<u8> = subs.iter().flatten().copied().collect();
        self.store_bytes(layout::SUBSCRIPTIONS, &flat);
        for first in 0..subs.len() as u32 {
            let count = subs.len() as u32 - first;
            self.subscriptions
                .push((layout::SUBSCRIPTIONS + 48 * first, count));
        }
        // Small iovec arrays: in bounds; one huge length; a pointer past
        // the end; two of 2^31 (the total wraps to 0 in 32 bits); many
        // over the random bytes.
        let b = layout::BUFFERS;
        let arrays: &[&[(u32, u32)]] = &[
            &[(b, 64), (b + 0x1000, 4096)],
            &[(b, u32::MAX)],
            &[(0xffff_fff0, 16)],
            &[(b, 0x8000_0000), (b, 0x8000_0000)],
            &[(b, 0x7fff_ffff); 3],
            &[(layout::RANDOM, layout::RANDOM_LEN); 16],
        ];
        let mut next = layout::IOVECS;
        for array in arrays {
            let bytes: Vec<u8> = array
                .iter()
                .flat_map(|(p, l)| p.to_le_bytes().into_iter().chain(l.to_le_bytes()))
                .collect();
            self.store_bytes(next, &bytes);
            self.iovecs.push((next, array.len() as u32));
            next += bytes.len() as u32;
        }
        let random = u
            .bytes((layout::RANDOM_LEN as usize).min(u.len()))?
            .to_vec();
        self.store_bytes(layout::RANDOM, &random);
        Ok(())
    }

    /// Memory end as far as we know (for "pointer at the very end").
    fn end(&self) -> u32 {
        u32::try_from(self.pages * 65536).unwrap_or(u32::MAX)
    }

    fn fd(u: &mut Unstructured) -> Result<u32> {
        Ok(match u.int_in_range(0..=19)? {
            0..=9 => u.int_in_range(0..=9)?,
            10 => 63,
            11 => 64,
            12 => 1023,
            13 => 1024,
            14 => 65535,
            15 => 1 << 20,
            16 => 0x7fff_ffff,
            17 => 0x8000_0000,
            18 => u32::MAX,
            _ => u.arbitrary()?,
        })
    }

    fn length(u: &mut Unstructured) -> Result<u32> {
        Ok(*u.choose(&[
            0,
            1,
            8,
            64,
            4096,
            0x1_0000,
            100_000,
            1 << 20,
            0x1000_0000,
            0x7fff_ffff,
            0x8000_0000,
            u32::MAX,
        ])?)
    }

    fn pointer(&self, u: &mut Unstructured) -> Result<u32> {
        Ok(match u.int_in_range(0..=9)? {
            0..=4 => layout::OUT + 8 * u.int_in_range(0..=127)?,
            5 => layout::BUFFERS + u.int_in_range(0..=0xdfff)?,
            6 => self.end().wrapping_sub(u.int_in_range(0..=8)?),
            7 => u32::MAX - u.int_in_range(0..=8)?,
            8 => 0,
            _ => u.arbitrary()?,
        })
    }

    fn value(u: &mut Unstructured, wide: bool) -> Result<i64> {
        if wide {
            return Ok(match u.int_in_range(0..=8)? {
                0 => 0,
                1 => 1,
                2 => 1_000_000,
                3 => -1,
                4 => i64::MAX,
                5 => i64::MIN,
                6 => 1 << 32,
                _ => u.arbitrary()?,
            });
        }
        Ok(i64::from(match u.int_in_range(0..=7)? {
            0 => 0,
            1 => 1,
            2 => u.int_in_range(0..=64)?,
            3 => 0xffff,
            4 => u32::MAX,
            5 => 0x8000_0000,
            _ => u.arbitrary::<u32>()?,
        }))
    }

    /// Arguments for `import`, each pointer followed by a fitting length
    /// most of the time.
    fn arguments(&self, u: &mut Unstructured, import: &Import) -> Result<Vec<(bool, i64)>> {
        let mut args = Vec::new();
        let mut pending: Option<u32> = None;
        for p in &import.params {
            let object = |list: &[(u32, u32)], u: &mut Unstructured| -> Result<(u32, u32)> {
                Ok(*u.choose(list)?)
            };
            let v: u32 = match p.role {
                Role::Fd => Self::fd(u)?,
                Role::Path | Role::Iovecs | Role::Subscriptions | Role::Request => {
                    let list = match p.role {
                        Role::Path => &self.paths,
                        Role::Iovecs => &self.iovecs,
                        Role::Subscriptions => &self.subscriptions,
                        _ => &self.requests,
                    };
                    if u.ratio(9, 10)? {
                        let (at, len) = object(list, u)?;
                        pending = Some(len);
                        at
                    } else {
                        self.pointer(u)?
                    }
                }
                Role::Ptr => {
                    pending = Some(Self::length(u)?);
                    self.pointer(u)?
                }
                Role::Len => match pending.take() {
                    Some(len) if u.ratio(3, 4)? => len,
                    _ => Self::length(u)?,
                },
                Role::Value => {
                    args.push((p.wide, Self::value(u, p.wide)?));
                    continue;
                }
            };
            args.push((p.wide, i64::from(v)));
        }
        Ok(args)
    }

    fn call(&mut self, u: &mut Unstructured, which: usize) -> Result<()> {
        let import = &self.imports[which];
        let Some(index) = self.layout.import(import.name) else {
            return Ok(());
        };
        let args = self.arguments(u, import)?;
        let repeat: u32 = match u.int_in_range(0..=19)? {
            0..=15 => 1,
            16..=18 => u.int_in_range(2..=10)?,
            _ => u.int_in_range(100..=5000)?,
        };
        let returns = import.returns;
        let mut s = self.sink();
        if repeat > 1 {
            s.i32_const(repeat as i32)
                .local_set(COUNTER)
                .loop_(wasm_encoder::BlockType::Empty);
        }
        for (wide, v) in &args {
            if *wide {
                s.i64_const(*v);
            } else {
                s.i32_const(*v as u32 as i32);
            }
        }
        s.call(index);
        if returns {
            s.drop();
        }
        if repeat > 1 {
            s.local_get(COUNTER)
                .i32_const(1)
                .i32_sub()
                .local_tee(COUNTER)
                .br_if(0)
                .end();
        }
        Ok(())
    }

    /// `count` iovecs of (`ptr`, `len`) in fresh pages at the end of memory.
    fn big_iovecs(&mut self, u: &mut Unstructured) -> Result<()> {
        let count: u32 = *u.choose(&[4096, 100_000])?;
        let len: u32 = *u.choose(&[4096, 0x1_0000, 1 << 20, u32::MAX])?;
        // The buffer they all point at: the first 1 MiB (grown if needed).
        let pages_needed = u64::from(count * 8).div_ceil(65536);
        let at = self.pages.max(17);
        let grow = at + pages_needed - self.pages;
        let Ok(base) = u32::try_from(at * 65536) else {
            return Ok(());
        };
        if at + pages_needed > 1024 {
            return Ok(());
        }
        if self.max_pages.is_some_and(|max| at + pages_needed > max) {
            return Ok(());
        }
        self.pages = at + pages_needed;
        let memory = self.layout.memory;
        let entry = (u64::from(len) << 32) as i64;
        self.sink()
            .i32_const(grow as i32)
            .memory_grow(memory)
            .drop()
            .i32_const(0)
            .local_set(INDEX)
            .loop_(wasm_encoder::BlockType::Empty)
            .local_get(INDEX)
            .i32_const(8)
            .i32_mul()
            .i32_const(base as i32)
            .i32_add()
            .i64_const(entry)
            .i64_store(mem64(memory))
            .local_get(INDEX)
            .i32_const(1)
            .i32_add()
            .local_tee(INDEX)
            .i32_const(count as i32)
            .i32_lt_u()
            .br_if(0)
            .end();
        self.iovecs.push((base, count));
        Ok(())
    }

    fn build(mut self, u: &mut Unstructured) -> Result<Function> {
        self.plant(u)?;
        let steps = u.int_in_range(1..=40)?;
        let proc_exit = self.imports.iter().position(|i| i.name == "proc_exit");
        for _ in 0..steps {
            if u.is_empty() {
                break;
            }
            match u.int_in_range(0..=99)? {
                0..=71 => {
                    let which = u.choose_index(self.imports.len())?;
                    if Some(which) != proc_exit {
                        self.call(u, which)?;
                    }
                }
                72..=83 => {
                    let arg: i32 = u.arbitrary()?;
                    let body = self.layout.body;
                    self.sink().i32_const(arg).call(body);
                }
                84..=89 => self.big_iovecs(u)?,
                90..=94 => {
                    let pages: u32 = *u.choose(&[1, 16, 256, 65536, u32::MAX])?;
                    if pages <= 16 {
                        self.pages += u64::from(pages);
                    }
                    let memory = self.layout.memory;
                    self.sink()
                        .i32_const(pages as i32)
                        .memory_grow(memory)
                        .drop();
                }
                _ => {
                    // Corrupt a planted structure.
                    let at = u.int_in_range(0..=0x1ff8)?;
                    let v: i64 = u.arbitrary()?;
                    let memory = self.layout.memory;
                    self.sink()
                        .i32_const(at)
                        .i64_const(v)
                        .i64_store(mem64(memory));
                }
            }
        }
        if let Some(which) = proc_exit {
            if u.ratio(1, 10)? {
                self.call(u, which)?;
            }
        }
        self.sink().end();
        Ok(self.f)
    }
}
