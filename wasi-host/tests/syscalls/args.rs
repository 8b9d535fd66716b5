//! `args_*`, `environ_*`: argv is `["prog", "a b"]`, the environment `K=V`.

use crate::harness::{le32, none, Case};
use wasiland_wasi_host::Errno;

pub const CASES: &[Case] = &[
    Case {
        name: "args_sizes_get",
        setup: none,
        call: "args_sizes_get",
        args: &[0x100, 0x104],
        errno: Errno::Success,
        writes: &[(0x100, &le32(2)), (0x104, &le32(9))],
    },
    Case {
        name: "args_sizes_get, second pointer out of memory: nothing written",
        setup: none,
        call: "args_sizes_get",
        args: &[0x100, 0xFFFD],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "args_get",
        setup: none,
        call: "args_get",
        args: &[0x100, 0x200],
        errno: Errno::Success,
        writes: &[
            (0x100, &le32(0x200)),
            (0x104, &le32(0x205)),
            (0x200, b"prog\0a b\0"),
        ],
    },
    Case {
        name: "args_get, strings end past memory",
        setup: none,
        call: "args_get",
        args: &[0x100, 0xFFF8],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "args_get, pointers end past memory",
        setup: none,
        call: "args_get",
        args: &[0xFFFC, 0x200],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "args_get, pointer wraps",
        setup: none,
        call: "args_get",
        args: &[0xFFFF_FFFC, 0x200],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "environ_sizes_get",
        setup: none,
        call: "environ_sizes_get",
        args: &[0x100, 0x104],
        errno: Errno::Success,
        writes: &[(0x100, &le32(1)), (0x104, &le32(4))],
    },
    Case {
        name: "environ_sizes_get, first pointer out of memory",
        setup: none,
        call: "environ_sizes_get",
        args: &[0x1_0000, 0x104],
        errno: Errno::Fault,
        writes: &[],
    },
    Case {
        name: "environ_get",
        setup: none,
        call: "environ_get",
        args: &[0x100, 0x200],
        errno: Errno::Success,
        writes: &[(0x100, &le32(0x200)), (0x200, b"K=V\0")],
    },
    Case {
        name: "environ_get, strings at the very end of memory",
        setup: none,
        call: "environ_get",
        args: &[0x100, 0xFFFC],
        errno: Errno::Success,
        writes: &[(0x100, &le32(0xFFFC)), (0xFFFC, b"K=V\0")],
    },
    Case {
        name: "environ_get, strings one byte past memory",
        setup: none,
        call: "environ_get",
        args: &[0x100, 0xFFFD],
        errno: Errno::Fault,
        writes: &[],
    },
];
