//! `clock_*`: realtime reads T0, monotonic (and the CPU-time clocks,
//! which count wall time) 5 s; the resolution is 1 µs.

use crate::harness::{le64, none, Case, T0};
use wasiland_wasi_host::Errno;

pub const CASES: &[Case] = &[
    Case {
        name: "clock_res_get realtime",
        setup: none,
        call: "clock_res_get",
        args: &[0, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &le64(1000))],
    },
    Case {
        name: "clock_res_get thread_cputime",
        setup: none,
        call: "clock_res_get",
        args: &[3, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &le64(1000))],
    },
    Case {
        name: "clock_res_get unknown clock",
        setup: none,
        call: "clock_res_get",
        args: &[4, 0x100],
        errno: Errno::Inval,
        writes: &[],
    },
    Case {
        name: "clock_res_get result past memory",
        setup: none,
        call: "clock_res_get",
        args: &[0, 0xFFF9],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "clock_time_get realtime",
        setup: none,
        call: "clock_time_get",
        args: &[0, 0, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &le64(T0))],
    },
    Case {
        name: "clock_time_get monotonic, any precision",
        setup: none,
        call: "clock_time_get",
        args: &[1, u64::MAX, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &le64(5_000_000_000))],
    },
    Case {
        name: "clock_time_get process_cputime",
        setup: none,
        call: "clock_time_get",
        args: &[2, 0, 0x100],
        errno: Errno::Success,
        writes: &[(0x100, &le64(5_000_000_000))],
    },
    Case {
        name: "clock_time_get unknown clock",
        setup: none,
        call: "clock_time_get",
        args: &[0xFFFF_FFFF, 0, 0x100],
        errno: Errno::Inval,
        writes: &[],
    },
    Case {
        name: "clock_time_get result past memory",
        setup: none,
        call: "clock_time_get",
        args: &[0, 0, 0xFFFF_FFFF],
        errno: Errno::Fault,
        writes: &[],
    },
];
