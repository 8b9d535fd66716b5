//! fd_renumber: between files, onto itself, from/to closed fds, onto stdin
//! and stderr, over a preopen, moving a preopen.

use conf::*;

fn renumber(from: u32, to: u32) -> Result<(), wasi::Errno> {
    unsafe { wasi::fd_renumber(from, to) }
}

fn main() {
    let _ = write_path(SANDBOX, "a.txt", b"AAAA");
    let _ = write_path(SANDBOX, "b.txt", b"BBBB");
    let a = open_ro(SANDBOX, "a.txt");
    let b = open_ro(SANDBOX, "b.txt");
    check(
        "setup",
        match (&a, &b) {
            (Ok(5), Ok(6)) => "ok".to_string(),
            _ => format!("a={} b={}", res(&a), res(&b)),
        },
    );
    let (a, b) = (a.unwrap_or(5), b.unwrap_or(6));

    check("renumber_file_onto_file", res(&renumber(a, b)));
    check(
        "renumber_source_closed",
        res(&unsafe { wasi::fd_fdstat_get(a) }),
    );
    check(
        "renumber_target_reads_source",
        show(&read_to_end(b), |d| q(d)),
    );
    check("renumber_onto_itself", res(&renumber(b, b)));
    check(
        "renumber_onto_itself_still_open",
        res(&unsafe { wasi::fd_fdstat_get(b) }),
    );
    check("renumber_from_closed", res(&renumber(a, b)));
    check("renumber_to_closed", res(&renumber(b, 50)));
    check(
        "renumber_to_closed_source_kept",
        res(&unsafe { wasi::fd_fdstat_get(b) }),
    );

    // The offset travels with the descriptor.
    let c = open_ro(SANDBOX, "hello.txt");
    if let Ok(c) = c {
        let _ = read_once(c, 6);
        let _ = renumber(c, b);
        check(
            "renumber_keeps_offset",
            show(&tell(b), |o| format!("offset={o}")),
        );
        check(
            "renumber_keeps_offset_read",
            show(&read_to_end(b), |d| q(d)),
        );
    } else {
        check("renumber_keeps_offset", res(&c));
    }

    // Onto stdin: reads of fd 0 now read the file.
    let d = open_ro(SANDBOX, "hello.txt");
    check("renumber_onto_stdin", show(&d, |&d| res(&renumber(d, 0))));
    check("stdin_reads_file", show(&read_to_end(0), |d| q(d)));
    check(
        "stdin_filetype_after",
        show(&unsafe { wasi::fd_fdstat_get(0) }, |s| {
            filetype_name(s.fs_filetype.raw())
        }),
    );

    // Onto stderr: writes to fd 2 land in the file.
    let e = open_rw(SANDBOX, "err.txt", wasi::OFLAGS_CREAT | wasi::OFLAGS_TRUNC);
    check("renumber_onto_stderr", show(&e, |&e| res(&renumber(e, 2))));
    let _ = write_all(2, b"to-stderr");
    check("stderr_went_to_file", content(SANDBOX, "err.txt"));

    // Over a preopen: fd 4 stops being a preopen and becomes the file.
    let f = open_ro(SANDBOX, "a.txt");
    check(
        "renumber_over_preopen",
        show(&f, |&f| res(&renumber(f, SCRATCH))),
    );
    check(
        "over_preopen_prestat",
        res(&unsafe { wasi::fd_prestat_get(SCRATCH) }),
    );
    check(
        "over_preopen_reads_file",
        show(&read_to_end(SCRATCH), |d| q(d)),
    );

    // Moving a preopen: the sandbox directory onto another fd still
    // resolves paths there, and fd 3 is closed afterwards.
    let g = open_ro(SANDBOX, "empty.txt");
    match g {
        Ok(g) => {
            check("renumber_preopen_away", res(&renumber(SANDBOX, g)));
            check(
                "moved_preopen_old_fd",
                res(&unsafe { wasi::fd_fdstat_get(SANDBOX) }),
            );
            check("moved_preopen_resolves", content(g, "hello.txt"));
            check(
                "moved_preopen_prestat",
                show(&unsafe { wasi::fd_prestat_get(g) }, |p| {
                    format!("len={}", unsafe { p.u.dir.pr_name_len })
                }),
            );
            // Move it back: the next open lands on the free fd 3, and the
            // directory is renumbered over it.
            let t = open_ro(g, "empty.txt");
            check("open_lands_on_freed_3", show(&t, |fd| format!("fd={fd}")));
            check("renumber_preopen_back", res(&renumber(g, SANDBOX)));
            check("sandbox_back_at_3", content(SANDBOX, "hello.txt"));
        }
        Err(e) => check("renumber_preopen_away", en(e)),
    }
}
