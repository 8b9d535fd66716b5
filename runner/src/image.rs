//! Pre-initialised start-up images: run a guest's expensive initialisation
//! once, keep its linear memory and mutable globals, and start later
//! processes of the same module from that state (the Wizer idea, done at
//! run time inside the host, no JIT).
//!
//! Protocol with the guest (our RustPython wrapper implements it):
//! * the module exports `wasiland_init()`: build everything that does not
//!   depend on the process (no argv, env, cwd, clock or random reads that
//!   matter), then return;
//! * the module exports `wasiland_run() -> i32`: read argv/env/cwd now, run
//!   the program, return (or `proc_exit`) with its status.
//!
//! The host calls `wasiland_init` in a template instance whose descriptor
//! layout (stdio + one preopen `/`) is the one every process will have, and
//! captures memory and exported globals after it returns. The only mutable
//! global a Rust/wasi-libc module has is the shadow-stack pointer, which is
//! back at its initial value whenever no call is running, so capturing
//! between calls is exact even though that global is not exported.

use crate::process::{call_sliced, instantiate};
use crate::runtime::{CompiledModule, ModuleKey};
use std::time::Duration;
use wasiland_wasi_host::{BudgetScope, Interrupt, Termination, WasiCtx};
use wasmi::{Extern, Instance, Module, Mutability, Store, Val};

/// Name of the initialisation export.
pub const INIT_EXPORT: &str = "wasiland_init";
/// Name of the per-process entry export.
pub const RUN_EXPORT: &str = "wasiland_run";

/// Largest linear memory an image may have (python3's is 17 MB): a
/// template that grows past it is refused, and the module starts plainly.
pub const MAX_IMAGE_MEMORY: u64 = 256 << 20;

/// Fuel `wasiland_init` may use: a bound on a trusted init that loops
/// (python3's, which imports the ~65 modules its image preloads, takes
/// more than 20 billion); the wall-time bound below comes first in practice.
pub const IMAGE_FUEL: u64 = 200_000_000_000;

/// Wall time `wasiland_init` may take, if the run that asked for the
/// image allows that much (python3's takes about 0.2 s).
pub const IMAGE_TIME: Duration = Duration::from_secs(30);

/// A captured memory image of one module.
pub struct Image {
    /// Owned by the image alone (images are shared as `Arc<Image>`).
    memory: Box<[u8]>,
    globals: Vec<(String, Val)>,
}

/// Why a capture failed. A `permanent` failure is the module's own (its
/// init trapped, ran out of [`IMAGE_FUEL`], outgrew [`MAX_IMAGE_MEMORY`]);
/// other failures (a deadline, a memory limit of the run that asked) may
/// not happen to the next process.
#[derive(Debug)]
pub struct CaptureError {
    pub message: String,
    pub permanent: bool,
}

/// Whether `module` follows the image protocol.
pub fn supports_image(module: &Module) -> bool {
    let has = |name: &str| {
        module
            .exports()
            .any(|e| e.name() == name && e.ty().func().is_some())
    };
    has(INIT_EXPORT) && has(RUN_EXPORT)
}

impl Image {
    /// The interrupt for a template started by a run with interrupt `run`:
    /// the run's deadline or [`IMAGE_TIME`] from now, whichever is first.
    pub fn template_interrupt(run: &Interrupt) -> Interrupt {
        let bound = std::time::Instant::now() + IMAGE_TIME;
        let interrupt = Interrupt::new();
        interrupt.set_deadline(Some(run.deadline().map_or(bound, |d| d.min(bound))));
        interrupt
    }

    /// Run `wasiland_init` in a template instance with `wasi` and capture
    /// the result. The template charges `wasi`'s budget (give it a child
    /// budget limited to [`MAX_IMAGE_MEMORY`]), its blocking waits end with
    /// `wasi`'s interrupt ([`Image::template_interrupt`]), and between fuel
    /// slices `run` (the interrupt of the run that asked for the image) is
    /// checked too, for its cancellation.
    pub fn capture(
        module: &CompiledModule,
        wasi: WasiCtx,
        run: &Interrupt,
    ) -> Result<Image, CaptureError> {
        let budget = wasi.budget().clone();
        let template = wasi.interrupt().clone();
        let failed = |message: String, permanent: bool| {
            // A limit above the template's own is the asking run's.
            let by_others = budget.refusals_through(BudgetScope::Process)
                + budget.refusals_through(BudgetScope::Sandbox)
                > budget.refusals();
            CaptureError {
                message: format!("start-up image: {message}"),
                permanent: permanent && !by_others,
            }
        };
        let (mut store, instance) = instantiate(module, wasi, None);
        let instance = instance.map_err(|e| failed(e.to_string(), true))?;
        // Typed to check its signature; called as a plain function.
        instance
            .get_typed_func::<(), ()>(&store, INIT_EXPORT)
            .map_err(|e| failed(format!("{INIT_EXPORT}: {e}"), true))?;
        let init = instance
            .get_func(&store, INIT_EXPORT)
            .ok_or_else(|| failed(format!("{INIT_EXPORT} is not exported"), true))?;
        call_sliced(&mut store, init, &[&template, run], Some(IMAGE_FUEL)).map_err(|e| {
            let interrupted = e.downcast_ref::<Termination>().is_some();
            failed(format!("{INIT_EXPORT} failed: {e}"), !interrupted)
        })?;
        let memory = instance
            .get_memory(&store, "memory")
            .ok_or_else(|| failed("the module exports no memory".into(), true))?;
        let data = memory.data(&store);
        let copy = budget
            .try_charge(data.len() as u64)
            .map_err(|e| failed(e.to_string(), true))?;
        let bytes: Box<[u8]> = Box::from(data);
        // From here on the image belongs to the runtime, not to this run.
        drop(copy);
        let mut globals = Vec::new();
        for export in instance.exports(&store) {
            let name = export.name().to_string();
            if let Extern::Global(g) = export.into_extern() {
                if g.ty(&store).mutability() == Mutability::Var {
                    globals.push((name, g.get(&store)));
                }
            }
        }
        Ok(Image {
            memory: bytes,
            globals,
        })
    }

    /// Size of the captured memory in bytes.
    pub fn memory_size(&self) -> usize {
        self.memory.len()
    }

    /// Overwrite a fresh instance's memory and globals with the image.
    pub fn restore<T>(
        &self,
        store: &mut Store<T>,
        instance: &Instance,
    ) -> Result<(), wasmi::Error> {
        let memory = instance
            .get_memory(&*store, "memory")
            .ok_or_else(|| wasmi::Error::new("start-up image: the module exports no memory"))?;
        let current = memory.data(&*store).len();
        if current > self.memory.len() {
            return Err(wasmi::Error::new(
                "start-up image: instance memory larger than the image",
            ));
        }
        let missing_pages = ((self.memory.len() - current) / 65536) as u64;
        if missing_pages > 0 {
            memory.grow(&mut *store, missing_pages)?;
        }
        memory.data_mut(&mut *store).copy_from_slice(&self.memory);
        for (name, value) in &self.globals {
            if let Some(g) = instance.get_global(&*store, name) {
                g.set(&mut *store, value.clone())?;
            }
        }
        Ok(())
    }
}

// --- images on disk ------------------------------------------------------------
//
// A runtime may keep images in a host directory (`Runtime::with_image_cache`),
// so a new host process (one `wasiland run`) starts python3 from the image
// instead of initialising it again. An image is a pure function of the
// module's bytes and of this wasiland build (the template process it was
// captured in), so its file name holds both; guests never see the directory.
//
// Format: MAGIC, the globals (count; each: name length, name, type tag,
// 8 value bytes), the memory length, then per 64 KiB chunk a flag byte
// (0: all zeros, 1: the chunk's bytes follow), and last a checksum of
// everything before it. Only i32/i64/f32/f64 globals can be stored.

const MAGIC: &[u8; 8] = b"WLIMG\x00\x00\x01";
const CHUNK: usize = 64 * 1024;

impl Image {
    /// The image as bytes for a file; `None` if a global cannot be stored.
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(self.memory.len() / 2);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.globals.len() as u32).to_le_bytes());
        for (name, value) in &self.globals {
            let (tag, bits) = match value {
                Val::I32(v) => (0u8, u64::from(*v as u32)),
                Val::I64(v) => (1, *v as u64),
                Val::F32(v) => (2, u64::from(v.to_bits())),
                Val::F64(v) => (3, v.to_bits()),
                _ => return None,
            };
            out.extend_from_slice(&(name.len() as u32).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.push(tag);
            out.extend_from_slice(&bits.to_le_bytes());
        }
        out.extend_from_slice(&(self.memory.len() as u64).to_le_bytes());
        for chunk in self.memory.chunks(CHUNK) {
            if chunk.iter().all(|&b| b == 0) {
                out.push(0);
            } else {
                out.push(1);
                out.extend_from_slice(chunk);
            }
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        Some(out)
    }

    /// Read an image written by [`Image::to_bytes`]; any damage is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Image, String> {
        let damaged = || "start-up image file is damaged".to_string();
        let (body, sum) = bytes.split_last_chunk::<8>().ok_or_else(damaged)?;
        if checksum(body) != u64::from_le_bytes(*sum) {
            return Err(damaged());
        }
        let mut r = Reader {
            bytes: body,
            pos: 0,
        };
        if r.take(MAGIC.len())? != MAGIC {
            return Err("not a start-up image of this format".into());
        }
        let count = r.u32()?;
        let mut globals = Vec::new();
        for _ in 0..count {
            let len = r.u32()? as usize;
            let name = std::str::from_utf8(r.take(len)?)
                .map_err(|_| damaged())?
                .to_string();
            let tag = r.take(1)?[0];
            let bits = r.u64()?;
            let value = match tag {
                0 => Val::I32(bits as u32 as i32),
                1 => Val::I64(bits as i64),
                2 => Val::F32(wasmi::F32::from_bits(bits as u32)),
                3 => Val::F64(wasmi::F64::from_bits(bits)),
                _ => return Err(damaged()),
            };
            globals.push((name, value));
        }
        let len = usize::try_from(r.u64()?).map_err(|_| damaged())?;
        if len % 65536 != 0 || len as u64 > MAX_IMAGE_MEMORY {
            return Err(damaged());
        }
        let mut memory = vec![0u8; len];
        for chunk in memory.chunks_mut(CHUNK) {
            match r.take(1)?[0] {
                0 => {}
                1 => chunk.copy_from_slice(r.take(chunk.len())?),
                _ => return Err(damaged()),
            }
        }
        if r.pos != body.len() {
            return Err(damaged());
        }
        // The buffer becomes the image as it is: no second 17 MB copy.
        Ok(Image {
            memory: memory.into_boxed_slice(),
            globals,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or("start-up image file is truncated")?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
}

/// A fast check against damaged files (not against a deliberate forger:
/// whoever can write the cache directory can replace the modules too).
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(a))
            .wrapping_mul(0x0100_0000_01b3)
            .rotate_left(31);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The image of the module with content key `module_key` from `dir`, or
/// one made by `capture` and then stored there. Failing to read or write
/// the directory only costs the time of a capture.
pub(crate) fn cached_or_captured(
    dir: &std::path::Path,
    module_key: &ModuleKey,
    capture: impl FnOnce() -> Result<Image, CaptureError>,
) -> Result<Image, CaptureError> {
    let name: String = module_key
        .iter()
        .chain(build_id().iter())
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = dir.join(format!("{name}.{IMAGE_EXT}"));
    if let Ok(bytes) = crate::runtime::read_regular_file(&path, MAX_IMAGE_FILE) {
        if let Ok(image) = Image::from_bytes(&bytes) {
            return Ok(image);
        }
    }
    let image = capture()?;
    if let Some(bytes) = image.to_bytes() {
        // Write then rename, so a reader never sees half a file.
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&tmp, bytes))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        prune(dir, IMAGE_EXT, KEEP_IMAGES);
    }
    Ok(image)
}

/// Extension of image files in a cache directory.
const IMAGE_EXT: &str = "image";

/// Largest image file read: the largest image with every chunk stored.
const MAX_IMAGE_FILE: u64 = MAX_IMAGE_MEMORY + MAX_IMAGE_MEMORY / CHUNK as u64 + (1 << 20);

/// Images kept in a cache directory: each rebuilt wasiland or changed
/// module makes a new one (some 17 MB for python3), so older ones go.
const KEEP_IMAGES: usize = 4;

/// Delete all but the `keep` most recently written files with extension
/// `ext` (images, validation records) in `dir`.
pub(crate) fn prune(dir: &std::path::Path, ext: &str, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut images: Vec<(std::time::SystemTime, std::path::PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == ext))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    images.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, path) in images.into_iter().skip(keep) {
        let _ = std::fs::remove_file(path);
    }
}

/// Identifies this wasiland build: its version and the executable's size
/// and modification time (a rebuilt binary gets new images).
fn build_id() -> [u8; 8] {
    static ID: std::sync::OnceLock<[u8; 8]> = std::sync::OnceLock::new();
    *ID.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        env!("CARGO_PKG_VERSION").hash(&mut h);
        MAGIC.hash(&mut h);
        if let Ok(meta) = std::env::current_exe().and_then(std::fs::metadata) {
            meta.len().hash(&mut h);
            if let Ok(t) = meta.modified() {
                t.hash(&mut h);
            }
        }
        h.finish().to_le_bytes()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Image {
        let mut memory = vec![0u8; 3 * 65536];
        memory[5] = 7;
        memory[2 * 65536 + 100] = 9;
        Image {
            memory: memory.into_boxed_slice(),
            globals: vec![
                ("__stack_pointer".into(), Val::I32(-16)),
                ("g64".into(), Val::I64(1 << 40)),
                ("f".into(), Val::F32(wasmi::F32::from_bits(0x4049_0fdb))),
                (
                    "d".into(),
                    Val::F64(wasmi::F64::from_bits(0x4005_bf0a_8b14_5769)),
                ),
            ],
        }
    }

    #[test]
    fn images_round_trip_and_zero_chunks_are_not_stored() {
        let image = sample();
        let bytes = image.to_bytes().expect("storable");
        assert!(bytes.len() < 2 * 65536 + 200, "{}", bytes.len());
        let back = Image::from_bytes(&bytes).expect("read back");
        assert_eq!(&back.memory[..], &image.memory[..]);
        assert_eq!(back.globals.len(), 4);
        for ((n1, v1), (n2, v2)) in back.globals.iter().zip(&image.globals) {
            assert_eq!(n1, n2);
            assert_eq!(format!("{v1:?}"), format!("{v2:?}"));
        }
    }

    #[test]
    fn damaged_or_truncated_files_are_refused() {
        let bytes = sample().to_bytes().expect("storable");
        for cut in [0, 1, 8, 20, bytes.len() / 2, bytes.len() - 1] {
            assert!(Image::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for at in [0, 9, 40, bytes.len() / 2, bytes.len() - 9] {
            let mut bad = bytes.clone();
            bad[at] ^= 0x40;
            assert!(Image::from_bytes(&bad).is_err(), "flip at {at}");
        }
        assert!(Image::from_bytes(b"").is_err());
    }

    #[test]
    fn the_cache_stores_once_and_then_reads() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = [3u8; 32];
        let first = cached_or_captured(dir.path(), &key, || Ok(sample())).expect("captured");
        assert_eq!(first.memory[5], 7);
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .flatten()
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let second = cached_or_captured(dir.path(), &key, || panic!("must come from the file"))
            .expect("loaded");
        assert_eq!(&second.memory[..], &first.memory[..]);
        // A damaged file is replaced by a new capture.
        let path = files[0].path();
        std::fs::write(&path, b"garbage").expect("damage");
        let third = cached_or_captured(dir.path(), &key, || Ok(sample())).expect("recaptured");
        assert_eq!(third.memory[2 * 65536 + 100], 9);
        assert!(Image::from_bytes(&std::fs::read(&path).expect("read")).is_ok());
    }

    #[test]
    fn old_images_are_pruned() {
        let dir = tempfile::tempdir().expect("temp dir");
        for i in 0..KEEP_IMAGES as u8 + 3 {
            cached_or_captured(dir.path(), &[i; 32], || Ok(sample())).expect("captured");
        }
        let left = std::fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(left, KEEP_IMAGES);
    }
}
