//! clock_res_get and clock_time_get for all four clocks,
//! monotonic behaviour, realtime against the host's time (the driver passes
//! the host's Unix time in seconds as HOST_TIME), agreement with Rust std.

use conf::*;
use wasi::Clockid;

const CLOCKS: [(&str, Clockid); 4] = [
    ("realtime", wasi::CLOCKID_REALTIME),
    ("monotonic", wasi::CLOCKID_MONOTONIC),
    ("process_cputime", wasi::CLOCKID_PROCESS_CPUTIME_ID),
    ("thread_cputime", wasi::CLOCKID_THREAD_CPUTIME_ID),
];

fn spin(ms: u64) {
    // A busy loop of about `ms` milliseconds measured by the monotonic clock
    // (bounded by an iteration count in case the clock does not advance).
    let start = now_mono().unwrap_or(0);
    let mut x = 0u64;
    for i in 0..2_000_000_000u64 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
        if i % 4096 == 0 {
            let now = now_mono().unwrap_or(u64::MAX);
            if now.saturating_sub(start) >= ms * 1_000_000 {
                break;
            }
        }
    }
    std::hint::black_box(x);
}

fn main() {
    // Realtime and monotonic must be supported: non-zero resolution.
    for (name, id) in &CLOCKS[..2] {
        let r = unsafe { wasi::clock_res_get(*id) };
        check(
            &format!("res_{name}"),
            show(&r, |&v| {
                if v > 0 {
                    "nonzero".into()
                } else {
                    "zero".into()
                }
            }),
        );
        let r = unsafe { wasi::clock_time_get(*id, 0) };
        check(&format!("time_{name}"), show(&r, |_| "ok".into()));
        let r = unsafe { wasi::clock_res_get(*id) };
        check(
            &format!("res_{name}_at_most_1ms"),
            show(&r, |&v| yes_no(v > 0 && v <= 1_000_000).into()),
        );
    }
    // The CPU-time clocks may be unsupported; if a host supports one, its
    // resolution is non-zero and its time advances while the process
    // computes; if not, both calls refuse it the same way.
    for (name, id) in &CLOCKS[2..] {
        let res0 = unsafe { wasi::clock_res_get(*id) };
        let t0 = unsafe { wasi::clock_time_get(*id, 0) };
        spin(30);
        let t1 = unsafe { wasi::clock_time_get(*id, 0) };
        let verdict = match (res0, t0, t1) {
            (Ok(r), Ok(a), Ok(b)) if r > 0 && b > a => "supported-increasing".to_string(),
            (Err(e1), Err(e2), Err(e3)) if e1 == e2 && e2 == e3 => "unsupported".to_string(),
            (a, b, c) => format!("inconsistent:{}/{}/{}", res(&a), res(&b), res(&c)),
        };
        check(name, verdict);
    }

    // Realtime: nanoseconds since the epoch, near the host's clock.
    let host: Option<u64> = std::env::var("HOST_TIME").ok().and_then(|s| s.parse().ok());
    match (now_real(), host) {
        (Ok(ns), Some(host_s)) => {
            let guest_s = ns / 1_000_000_000;
            let diff = guest_s.abs_diff(host_s);
            check(
                "realtime_near_host",
                if diff <= 300 {
                    "within-300s".into()
                } else {
                    format!("off-by-{diff}s")
                },
            );
        }
        (Err(e), _) => check("realtime_near_host", en(e)),
        (_, None) => check("realtime_near_host", "no-HOST_TIME"),
    }
    check(
        "realtime_is_nanoseconds",
        show(&now_real(), |&ns| {
            // 2020-01-01 .. 2200-01-01 in ns.
            yes_no((1_577_836_800_000_000_000..7_258_118_400_000_000_000).contains(&ns)).into()
        }),
    );
    // Precision is a hint: even u64::MAX must be accepted.
    let r = unsafe { wasi::clock_time_get(wasi::CLOCKID_REALTIME, u64::MAX) };
    check("realtime_precision_max", res(&r));
    let r = unsafe { wasi::clock_time_get(wasi::CLOCKID_MONOTONIC, u64::MAX) };
    check("monotonic_precision_max", res(&r));

    // Monotonic never goes back over many reads, and advances over 20 ms.
    let mut prev = now_mono().unwrap_or(0);
    let mut ok = true;
    for _ in 0..10_000 {
        match now_mono() {
            Ok(t) if t >= prev => prev = t,
            _ => ok = false,
        }
    }
    check("monotonic_nondecreasing", yes_no(ok));
    let t0 = now_mono();
    spin(20);
    let t1 = now_mono();
    check(
        "monotonic_advances_over_busy_loop",
        match (t0, t1) {
            (Ok(a), Ok(b)) if b > a => "increasing".into(),
            (Ok(_), Ok(_)) => "stuck".into(),
            (Err(e), _) | (_, Err(e)) => en(e),
        },
    );
    // Realtime advances in step with monotonic (within a generous margin).
    let (r0, m0) = (now_real(), now_mono());
    spin(30);
    let (r1, m1) = (now_real(), now_mono());
    check(
        "realtime_tracks_monotonic",
        match (r0, m0, r1, m1) {
            (Ok(r0), Ok(m0), Ok(r1), Ok(m1)) => {
                let dr = r1.saturating_sub(r0) as i128;
                let dm = m1.saturating_sub(m0) as i128;
                yes_no(dm >= 30_000_000 && (dr - dm).abs() < 500_000_000).to_string()
            }
            _ => "error".into(),
        },
    );
    // Rust std's clocks are these clocks.
    let sys = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    check(
        "std_systemtime_matches_realtime",
        show(&now_real(), |&ns| {
            if ns.abs_diff(sys) < 1_000_000_000 {
                "within-1s".into()
            } else {
                "differs".into()
            }
        }),
    );
    let i0 = std::time::Instant::now();
    spin(10);
    let el = i0.elapsed();
    check(
        "std_instant_elapsed",
        if el >= std::time::Duration::from_millis(10) {
            "at-least-10ms".to_string()
        } else {
            format!("{}us", el.as_micros())
        },
    );
}
