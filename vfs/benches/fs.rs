//! Benchmark of the VFS against the same workloads on a real tmpfs directory
//! (`/dev/shm`, else the host temp dir) measured in the same run.
//!
//! `cargo bench -p wasiland-vfs --bench fs` prints a table:
//!
//! * fork of a filesystem with 10,000 files and 1 GiB of data: time and
//!   added resident memory (from `/proc/self/statm`), against copying the
//!   same tree on tmpfs (time and bytes the copy added to tmpfs);
//! * 1 GiB written and read back in 64 KiB chunks (GB/s), against a file on
//!   tmpfs through `std::fs`;
//! * stat of a 10-deep path, existing and missing, against `std::fs`
//!   metadata calls on tmpfs.
//!
//! `VFS_BENCH_GIB=0.25` shrinks the data-heavy parts (for a quick look);
//! run without `--bench` (as `cargo test --benches` does) everything is a
//! hundred times smaller.

use std::hint::black_box;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wasiland_vfs::{OpenOptions, Vfs};

const FILES: usize = 10_000;
const CHUNK: usize = 64 * 1024;

fn gib() -> f64 {
    let default = if smoke() { 0.01 } else { 1.0 };
    std::env::var("VFS_BENCH_GIB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// `cargo bench` passes `--bench`; without it (`cargo test --benches`) the
/// workloads run at a hundredth of the size, as a quick smoke test.
fn smoke() -> bool {
    !std::env::args().any(|a| a == "--bench")
}

fn total_bytes() -> usize {
    // A whole number of chunks.
    let bytes = ((1u64 << 30) as f64 * gib()) as usize;
    (bytes / CHUNK).max(1) * CHUNK
}

/// Resident set size in bytes, from `/proc/self/statm`.
#[cfg(target_os = "linux")]
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * rustix::param::page_size() as u64
}

#[cfg(not(target_os = "linux"))]
fn rss() -> u64 {
    0
}

/// Bytes in use on the filesystem holding `path`.
#[cfg(target_os = "linux")]
fn fs_used(path: &Path) -> u64 {
    match rustix::fs::statvfs(path) {
        Ok(s) => (s.f_blocks - s.f_bfree) * s.f_frsize,
        Err(_) => 0,
    }
}

#[cfg(not(target_os = "linux"))]
fn fs_used(_path: &Path) -> u64 {
    0
}

fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let parent = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    tempfile::Builder::new()
        .prefix("vfs-bench-")
        .tempdir_in(parent)
        .expect("tempdir")
}

fn file_data(i: usize, len: usize) -> Vec<u8> {
    let mut v = vec![(i % 251) as u8; len];
    if let Some(first) = v.first_mut() {
        *first = (i % 7) as u8;
    }
    v
}

struct Row {
    what: String,
    vfs: String,
    reference: String,
    ratio: String,
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / (1 << 20) as f64)
}

fn fork_bench(rows: &mut Vec<Row>) {
    let per_file = total_bytes() / FILES;
    // VFS: build the tree (100 directories of 100 files).
    let mut vfs = Vfs::new();
    for i in 0..FILES {
        let dir = format!("/data/d{:03}", i / 100);
        if i % 100 == 0 {
            vfs.create_dir_all(&dir).expect("mkdir");
        }
        vfs.write_file(&format!("{dir}/f{i:05}"), file_data(i, per_file))
            .expect("write");
    }
    let before = rss();
    let t = Instant::now();
    let fork = black_box(vfs.fork());
    let fork_time = t.elapsed();
    let added = rss().saturating_sub(before);
    // Shared, not copied: the fork hands out the very same buffers.
    let a = vfs.read_file("/data/d042/f04242").expect("read");
    let b = fork.read_file("/data/d042/f04242").expect("read");
    assert_eq!(a.as_ptr(), b.as_ptr(), "fork copied file data");
    drop(fork);
    drop(vfs);

    // Reference: the same tree on tmpfs, copied with std::fs::copy.
    let tmp = scratch();
    let src = tmp.path().join("src");
    for i in 0..FILES {
        let dir = src.join(format!("d{:03}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&dir).expect("mkdir");
        }
        std::fs::write(dir.join(format!("f{i:05}")), file_data(i, per_file)).expect("write");
    }
    let dst = tmp.path().join("dst");
    let used_before = fs_used(tmp.path());
    let t = Instant::now();
    copy_tree(&src, &dst);
    let copy_time = t.elapsed();
    let used = fs_used(tmp.path()).saturating_sub(used_before);
    drop(tmp);

    rows.push(Row {
        what: format!("fork 10k files / {} GiB: time", gib()),
        vfs: secs(fork_time),
        reference: format!("{} (cp -r)", secs(copy_time)),
        ratio: format!("{:.4}", fork_time.as_secs_f64() / copy_time.as_secs_f64()),
    });
    rows.push(Row {
        what: format!("fork 10k files / {} GiB: added memory", gib()),
        vfs: format!("{} RSS", mib(added)),
        reference: format!("{} tmpfs", mib(used)),
        ratio: format!("{:.4}", added as f64 / used.max(1) as f64),
    });
}

fn copy_tree(src: &Path, dst: &Path) {
    let mut stack: Vec<(PathBuf, PathBuf)> = vec![(src.to_path_buf(), dst.to_path_buf())];
    while let Some((s, d)) = stack.pop() {
        std::fs::create_dir_all(&d).expect("mkdir");
        for e in std::fs::read_dir(&s).expect("read_dir") {
            let e = e.expect("entry");
            let to = d.join(e.file_name());
            if e.file_type().expect("type").is_dir() {
                stack.push((e.path(), to));
            } else {
                std::fs::copy(e.path(), to).expect("copy");
            }
        }
    }
}

fn io_bench(rows: &mut Vec<Row>) {
    let total = total_bytes();
    let chunk: Vec<u8> = (0..CHUNK).map(|i| (i % 253) as u8).collect();
    let gb = total as f64 / 1e9;

    let mut vfs = Vfs::new();
    let opts = OpenOptions {
        create: true,
        follow: true,
        ..Default::default()
    };
    let ino = vfs.open(vfs.root(), "big", &opts).expect("open");
    let t = Instant::now();
    let mut off = 0u64;
    while (off as usize) < total {
        vfs.write_at(ino, off, &chunk).expect("write");
        off += CHUNK as u64;
    }
    let vfs_write = t.elapsed();
    let mut buf = vec![0u8; CHUNK];
    let mut sum = 0u64;
    let t = Instant::now();
    let mut off = 0u64;
    loop {
        let n = vfs.read_at(ino, off, &mut buf).expect("read");
        if n == 0 {
            break;
        }
        sum = sum.wrapping_add(u64::from(buf[n - 1]));
        off += n as u64;
    }
    let vfs_read = t.elapsed();
    assert_eq!(off as usize, total);
    black_box(sum);
    drop(vfs);

    let tmp = scratch();
    let path = tmp.path().join("big");
    let t = Instant::now();
    {
        let mut f = std::fs::File::create(&path).expect("create");
        let mut written = 0;
        while written < total {
            f.write_all(&chunk).expect("write");
            written += CHUNK;
        }
    }
    let ref_write = t.elapsed();
    let t = Instant::now();
    {
        let mut f = std::fs::File::open(&path).expect("open");
        loop {
            let n = f.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            sum = sum.wrapping_add(u64::from(buf[n - 1]));
        }
    }
    let ref_read = t.elapsed();
    black_box(sum);
    drop(tmp);

    for (what, v, r) in [
        (
            format!("write {} GiB in 64 KiB chunks", gib()),
            vfs_write,
            ref_write,
        ),
        (
            format!("read {} GiB in 64 KiB chunks", gib()),
            vfs_read,
            ref_read,
        ),
    ] {
        let vr = gb / v.as_secs_f64();
        let rr = gb / r.as_secs_f64();
        rows.push(Row {
            what,
            vfs: format!("{vr:.2} GB/s"),
            reference: format!("{rr:.2} GB/s"),
            ratio: format!("{:.2}", vr / rr),
        });
    }
}

fn lookup_bench(rows: &mut Vec<Row>) {
    let rel: String = (0..10).map(|i| format!("d{i}/")).collect();
    let mut vfs = Vfs::new();
    vfs.create_dir_all(&format!("/{rel}")).expect("mkdir");
    vfs.write_file(&format!("/{rel}file"), "x").expect("write");
    let root = vfs.root();
    let hit = format!("{rel}file");
    let miss = format!("{rel}missing");

    let tmp = scratch();
    std::fs::create_dir_all(tmp.path().join(&rel)).expect("mkdir");
    std::fs::write(tmp.path().join(&hit), "x").expect("write");
    let host_hit = tmp.path().join(&hit);
    let host_miss = tmp.path().join(&miss);

    for (what, path, host) in [
        ("stat 10-deep path (exists)", &hit, &host_hit),
        ("stat 10-deep path (missing)", &miss, &host_miss),
    ] {
        let n = if smoke() { 10_000u32 } else { 1_000_000 };
        let t = Instant::now();
        for _ in 0..n {
            black_box(vfs.stat_path(root, black_box(path), true).is_ok());
        }
        let v = t.elapsed() / n;
        let n = if smoke() { 2_000u32 } else { 200_000 };
        let t = Instant::now();
        for _ in 0..n {
            black_box(std::fs::metadata(black_box(host)).is_ok());
        }
        let r = t.elapsed() / n;
        rows.push(Row {
            what: what.to_string(),
            vfs: format!("{} ns", v.as_nanos()),
            reference: format!("{} ns", r.as_nanos()),
            ratio: format!("{:.2}", v.as_secs_f64() / r.as_secs_f64()),
        });
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let start = Instant::now();
    let mut rows = Vec::new();
    fork_bench(&mut rows);
    io_bench(&mut rows);
    lookup_bench(&mut rows);
    println!();
    println!(
        "wasiland-vfs benchmark ({} GiB; reference: std::fs on {})",
        gib(),
        scratch_kind()
    );
    println!(
        "{:<40} {:>16} {:>22} {:>10}",
        "workload", "vfs", "reference", "vfs/ref"
    );
    for r in &rows {
        println!(
            "{:<40} {:>16} {:>22} {:>10}",
            r.what, r.vfs, r.reference, r.ratio
        );
    }
    println!(
        "(time ratios < 1 and throughput ratios > 1 favour the VFS; total {:.1} s)",
        start.elapsed().as_secs_f64()
    );
}

fn scratch_kind() -> &'static str {
    if Path::new("/dev/shm").is_dir() {
        "tmpfs /dev/shm"
    } else {
        "the host temp dir"
    }
}
