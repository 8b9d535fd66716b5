//! `proc_*`, `sched_yield`, `random_get`.

use crate::harness::{none, Case, Env};
use wasiland_wasi_host::syscalls::SysError;
use wasiland_wasi_host::{Errno, RandomSource, SeededRandom};

pub const CASES: &[Case] = &[
    Case {
        name: "proc_raise: no signals",
        setup: none,
        call: "proc_raise",
        args: &[9],
        errno: Errno::NotSup,
        writes: &[],
    },
    Case {
        name: "sched_yield",
        setup: none,
        call: "sched_yield",
        args: &[],
        errno: Errno::Success,
        writes: &[],
    },
    Case {
        name: "random_get of nothing",
        setup: none,
        call: "random_get",
        args: &[0xFFFF_FFFF, 0],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "random_get of nothing at the end of memory",
        setup: none,
        call: "random_get",
        args: &[0x1_0000, 0],
        errno: Errno::Success,
        writes: &[],
    },
    Case {
        name: "random_get past memory",
        setup: none,
        call: "random_get",
        args: &[0xFFF0, 17],
        errno: Errno::Fault,
        writes: &[],
    },
];

#[test]
fn random_get_writes_the_sources_bytes() {
    let mut env = Env::new();
    assert_eq!(env.errno("random_get", &[0x100, 13]), Errno::Success);
    let mut expected = [0u8; 13];
    SeededRandom::new(1).fill(&mut expected);
    assert_eq!(env.get(0x100, 13), expected);
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
