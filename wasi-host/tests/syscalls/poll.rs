//! `poll_oneoff`: subscriptions at 0x400 (48 bytes each), events at 0x800
//! (32 bytes each), the event count at 0x80.

use crate::harness::{le32, unchanged, Case, Env};
use wasiland_wasi_host::Errno;

/// A subscription as the witx lays it out: userdata u64, tag u8 at 8,
/// then the clock (id u32 at 16, timeout u64 at 24, precision u64 at 32,
/// flags u16 at 40) or the descriptor (u32 at 16).
fn subscription(userdata: u64, tag: u8, id_or_fd: u32, timeout: u64, flags: u16) -> [u8; 48] {
    let mut b = [0u8; 48];
    b[0..8].copy_from_slice(&userdata.to_le_bytes());
    b[8] = tag;
    b[16..20].copy_from_slice(&id_or_fd.to_le_bytes());
    b[24..32].copy_from_slice(&timeout.to_le_bytes());
    b[40..42].copy_from_slice(&flags.to_le_bytes());
    b
}

/// An event: userdata u64, error u16 at 8, type u8 at 10, nbytes u64 at
/// 16, flags u16 at 24.
const fn event(userdata: u8, error: u16, event_type: u8, nbytes: u16, flags: u8) -> [u8; 32] {
    let mut b = [0u8; 32];
    b[0] = userdata;
    let e = error.to_le_bytes();
    b[8] = e[0];
    b[9] = e[1];
    b[10] = event_type;
    let n = nbytes.to_le_bytes();
    b[16] = n[0];
    b[17] = n[1];
    b[24] = flags;
    b
}

fn subs(env: &mut Env, list: &[[u8; 48]]) {
    for (i, s) in list.iter().enumerate() {
        env.put(0x400 + 48 * i as u32, s);
    }
}

fn a_due_clock(env: &mut Env) {
    subs(env, &[subscription(7, 0, 1, 0, 0)]);
}

fn an_unknown_clock(env: &mut Env) {
    subs(env, &[subscription(7, 0, 9, 0, 0)]);
}

fn an_absolute_clock_in_the_past(env: &mut Env) {
    subs(env, &[subscription(7, 0, 0, 1, 1)]);
}

fn read_stdin_and_a_closed_fd(env: &mut Env) {
    subs(
        env,
        &[subscription(1, 1, 0, 0, 0), subscription(2, 1, 9, 0, 0)],
    );
}

fn write_stdout_and_read_stdout(env: &mut Env) {
    subs(
        env,
        &[subscription(1, 2, 1, 0, 0), subscription(2, 1, 1, 0, 0)],
    );
}

fn a_bad_tag(env: &mut Env) {
    subs(env, &[subscription(7, 3, 0, 0, 0)]);
}

pub const CASES: &[Case] = &[
    Case {
        name: "poll_oneoff with no subscriptions",
        setup: a_due_clock,
        call: "poll_oneoff",
        args: &[0x400, 0x800, 0, 0x80],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "poll_oneoff, a relative clock of 0 fires",
        setup: a_due_clock,
        call: "poll_oneoff",
        args: &[0x400, 0x800, 1, 0x80],
        errno: Errno::Success,
        writes: &[(0x800, &event(7, 0, 0, 0, 0)), (0x80, &le32(1))],
        effect: unchanged,
    },
    Case {
        name: "poll_oneoff, an absolute clock in the past fires",
        setup: an_absolute_clock_in_the_past,
        call: "poll_oneoff",
        args: &[0x400, 0x800, 1, 0x80],
        errno: Errno::Success,
        writes: &[(0x800, &event(7, 0, 0, 0, 0)), (0x80, &le32(1))],
        effect: unchanged,
    },
    Case {
        name: "poll_oneoff, an unknown clock is the event's error",
        setup: an_unknown_clock,
        call: "poll_oneoff",
        args: &[0x400, 0x800, 1, 0x80],
        errno: Errno::Success,
        writes: &[(0x800, &event(7, 28, 0, 0, 0)), (0x80, &le32(1))],
        effect: unchanged,
    },
    Case {
        name: "poll_oneoff, stdin ready with its bytes, a closed fd badf",
        setup: read_stdin_and_a_closed_fd,
        call: "poll_oneoff",
        args: &[0x400, 0x800, 2, 0x80],
        errno: Errno::Success,
        writes: &[
            (0x800, &event(1, 0, 1, 6, 0)),
            (0x820, &event(2, 8, 1, 0, 0)),
            (0x80, &le32(2)),
        ],
        effect: unchanged,
    },
    Case {
        name: "poll_oneoff, stdout writable, not readable",
        setup: write_stdout_and_read_stdout,
        call: "poll_oneoff",
        args: &[0x400, 0x800, 2, 0x80],
        errno: Errno::Success,
        writes: &[
            (0x800, &event(1, 0, 2, 0, 0)),
            (0x810, &[0, 0, 1, 0]),
            (0x820, &event(2, 8, 1, 0, 0)),
            (0x80, &le32(2)),
        ],
        effect: unchanged,
    },
    Case {
        name: "poll_oneoff with an unknown tag",
        setup: a_bad_tag,
        call: "poll_oneoff",
        args: &[0x400, 0x800, 1, 0x80],
        errno: Errno::Inval,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "poll_oneoff, events past memory",
        setup: a_due_clock,
        call: "poll_oneoff",
        args: &[0x400, 0xFFF0, 1, 0x80],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "poll_oneoff, count past memory",
        setup: a_due_clock,
        call: "poll_oneoff",
        args: &[0x400, 0x800, 1, 0xFFFF],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "poll_oneoff, subscriptions wrap around",
        setup: a_due_clock,
        call: "poll_oneoff",
        args: &[0xFFFF_FFF0, 0x800, 1, 0x80],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
];

#[test]
fn a_clock_sleeps_for_real() {
    let mut env = Env::build(crate::harness::MEM, |b| {
        b.clock(std::sync::Arc::new(wasiland_wasi_host::SystemClock::new()))
    });
    subs(&mut env, &[subscription(7, 0, 1, 30_000_000, 0)]);
    let t = std::time::Instant::now();
    assert_eq!(
        env.errno("poll_oneoff", &[0x400, 0x800, 1, 0x80]),
        Errno::Success
    );
    assert!(t.elapsed() >= std::time::Duration::from_millis(30));
}
