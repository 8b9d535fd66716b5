//! `proc_*`, `sched_yield`, `random_get`.

use crate::harness::{none, unchanged, Case, Env};
use wasiland_wasi_host::syscalls::SysError;
use wasiland_wasi_host::{Errno, RandomSource, SeededRandom};

/// The first byte `SeededRandom::new(1)` gives (the fixture's source;
/// checked by `random_get_writes_the_sources_bytes`).
const FIRST_SEEDED_BYTE: u8 = 193;

pub const CASES: &[Case] = &[
    Case {
        name: "proc_raise: no signals",
        setup: none,
        call: "proc_raise",
        args: &[9],
        errno: Errno::NotSup,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "sched_yield",
        setup: none,
        call: "sched_yield",
        args: &[],
        errno: Errno::Success,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "random_get of nothing",
        setup: none,
        call: "random_get",
        args: &[0xFFFF_FFFF, 0],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "random_get of nothing at the end of memory",
        setup: none,
        call: "random_get",
        args: &[0x1_0000, 0],
        errno: Errno::Success,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "random_get past memory",
        setup: none,
        call: "random_get",
        args: &[0xFFF0, 17],
        errno: Errno::Fault,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "proc_raise of signal 0: still no signals",
        setup: none,
        call: "proc_raise",
        args: &[0],
        errno: Errno::NotSup,
        writes: &[],
        effect: unchanged,
    },
    Case {
        name: "random_get into the last bytes of memory",
        setup: none,
        call: "random_get",
        args: &[0xFFFF, 1],
        errno: Errno::Success,
        writes: &[(0xFFFF, &[FIRST_SEEDED_BYTE])],
        effect: unchanged,
    },
];

#[test]
fn random_get_writes_the_sources_bytes() {
    let mut env = Env::new();
    assert_eq!(env.errno("random_get", &[0x100, 13]), Errno::Success);
    let mut expected = [0u8; 13];
    SeededRandom::new(1).fill(&mut expected);
    assert_eq!(env.get(0x100, 13), expected);
    assert_eq!(expected[0], FIRST_SEEDED_BYTE);
    assert_eq!(env.get(0x10D, 1), [crate::harness::FILL]);
}

#[test]
fn proc_exit_ends_the_guest_with_its_code() {
    let mut env = Env::new();
    assert!(matches!(
        env.raw("proc_exit", &[42]),
        Err(SysError::Exit(42))
    ));
    assert!(matches!(
        env.raw("proc_exit", &[u32::MAX.into()]),
        Err(SysError::Exit(-1))
    ));
}
