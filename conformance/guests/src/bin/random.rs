//! random_get: zero length, small and large buffers, writes exactly the
//! requested range, output varies between calls and covers all byte values.

use conf::*;

fn fill(buf: &mut [u8]) -> Result<(), wasi::Errno> {
    unsafe { wasi::random_get(buf.as_mut_ptr(), buf.len()) }
}

fn main() {
    // Zero length succeeds and writes nothing.
    let mut buf = [0x5Au8; 16];
    let r = unsafe { wasi::random_get(buf.as_mut_ptr().add(8), 0) };
    check("zero_length", res(&r));
    check(
        "zero_length_writes_nothing",
        yes_no(buf.iter().all(|&b| b == 0x5A)),
    );

    // A small buffer is filled, and only the requested range is written.
    let mut buf = [0u8; 64];
    let r = unsafe { wasi::random_get(buf.as_mut_ptr().add(16), 32) };
    check("small", res(&r));
    check(
        "small_exact_range",
        yes_no(buf[..16].iter().all(|&b| b == 0) && buf[48..].iter().all(|&b| b == 0)),
    );
    check(
        "small_not_all_zero",
        yes_no(buf[16..48].iter().any(|&b| b != 0)),
    );

    // Two calls give different data.
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    let ra = fill(&mut a);
    let rb = fill(&mut b);
    check(
        "two_calls",
        match (ra, rb) {
            (Ok(()), Ok(())) => same_differs(a == b).to_string(),
            (Err(e), _) | (_, Err(e)) => en(e),
        },
    );

    // Odd lengths and unaligned pointers.
    let mut buf = [0u8; 40];
    let r = unsafe { wasi::random_get(buf.as_mut_ptr().add(3), 7) };
    check("unaligned_odd_length", res(&r));
    check(
        "unaligned_exact_range",
        yes_no(buf[..3].iter().all(|&b| b == 0) && buf[10..].iter().all(|&b| b == 0)),
    );

    // 64 KiB: every byte value shows up (the chance that a uniform source
    // misses one is below 1e-100).
    let mut big = vec![0u8; 65536];
    let r = fill(&mut big);
    check("64k", res(&r));
    let mut seen = [false; 256];
    for &x in &big {
        seen[x as usize] = true;
    }
    check("64k_all_byte_values", yes_no(seen.iter().all(|&s| s)));

    // 4 MiB in one call: filled through to the last byte (the chance that
    // a uniform 4 KiB tail is all zero is nil).
    let mut huge = vec![0u8; 4 << 20];
    let r = fill(&mut huge);
    check("4m", res(&r));
    let tail = &huge[huge.len() - 4096..];
    check("4m_tail_filled", yes_no(tail.iter().any(|&b| b != 0)));
    let zeros = huge.iter().filter(|&&b| b == 0).count();
    // Expected 16384 zeros; 6 sigma is about 760.
    check(
        "4m_zero_count_plausible",
        yes_no((15_000..18_000).contains(&zeros)),
    );

    // Rust std's HashMap seeds from random_get; it must work.
    let mut m = std::collections::HashMap::new();
    m.insert("k", 1);
    check(
        "std_hashmap",
        if m.get("k") == Some(&1) {
            "ok"
        } else {
            "broken"
        },
    );
}
