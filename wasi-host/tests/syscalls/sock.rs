//! `sock_*`: there are no sockets; open descriptors are `notsock`.

use crate::harness::{none, Case};
use wasiland_wasi_host::Errno;

pub const CASES: &[Case] = &[
    Case {
        name: "sock_accept on stdin",
        setup: none,
        call: "sock_accept",
        args: &[0, 0, 0x100],
        errno: Errno::NotSock,
        writes: &[],
    },
    Case {
        name: "sock_accept on a closed descriptor",
        setup: none,
        call: "sock_accept",
        args: &[9, 0, 0x100],
        errno: Errno::Badf,
        writes: &[],
    },
    Case {
        name: "sock_recv on a directory",
        setup: none,
        call: "sock_recv",
        args: &[3, 0x100, 1, 0, 0x200, 0x204],
        errno: Errno::NotSock,
        writes: &[],
    },
    Case {
        name: "sock_send on stdout",
        setup: none,
        call: "sock_send",
        args: &[1, 0x100, 1, 0, 0x200],
        errno: Errno::NotSock,
        writes: &[],
    },
    Case {
        name: "sock_shutdown on a huge descriptor",
        setup: none,
        call: "sock_shutdown",
        args: &[0xFFFF_FFFF, 2],
        errno: Errno::Badf,
        writes: &[],
    },
];
