//! fds 0, 1, 2 as the driver gives them (stdin a pipe holding known bytes,
//! stdout and stderr pipes): fdstat, filestat, reads, gathered writes,
//! seeking refused, not preopens, closing stderr.

use conf::*;

fn main() {
    // ---- stdin
    let r = read_to_end(0);
    check("stdin_read", show(&r, |d| q(d)));
    let r = read_once(0, 16);
    check(
        "stdin_read_at_eof",
        show(&r, |d| if d.is_empty() { "eof".into() } else { q(d) }),
    );

    // ---- fdstat / filestat on the three streams
    for (fd, name) in [(0u32, "stdin"), (1, "stdout"), (2, "stderr")] {
        let st = unsafe { wasi::fd_fdstat_get(fd) };
        check(&format!("{name}_fdstat"), res(&st));
        if let Ok(st) = st {
            check(
                &format!("{name}_fdstat_filetype"),
                filetype_name(st.fs_filetype.raw()),
            );
            let need = if fd == 0 {
                wasi::RIGHTS_FD_READ
            } else {
                wasi::RIGHTS_FD_WRITE
            };
            check(
                &format!("{name}_has_io_right"),
                yes_no(st.fs_rights_base & need != 0),
            );
        }
        check(&format!("{name}_filestat"), res(&fstat(fd)));
        check(
            &format!("{name}_prestat"),
            res(&unsafe { wasi::fd_prestat_get(fd) }),
        );
    }

    // ---- stdout: seek/tell/pwrite refused on a pipe
    check("stdout_seek", res(&seek(1, 0, wasi::WHENCE_CUR)));
    check("stdout_tell", res(&tell(1)));
    let data = b"zz";
    let iov = wasi::Ciovec {
        buf: data.as_ptr(),
        buf_len: 2,
    };
    check(
        "stdout_pwrite",
        res(&unsafe { wasi::fd_pwrite(1, &[iov], 0) }),
    );
    let mut b = [0u8; 4];
    let iov = wasi::Iovec {
        buf: b.as_mut_ptr(),
        buf_len: 4,
    };
    check("stdin_pread", res(&unsafe { wasi::fd_pread(0, &[iov], 0) }));

    // ---- gathered write (resubmitting after short writes): the pieces
    // form the check line themselves.
    let parts: [&[u8]; 5] = [b"stdout_gathered_write", b"", b" ", b"ok", b"\n"];
    let r = writev_all(1, &parts, None);
    check("stdout_gathered_result", res(&r));
    let r = unsafe { wasi::fd_write(1, &[]) };
    check("stdout_zero_iovecs", show(&r, |n| format!("nwritten={n}")));
    let r = unsafe {
        wasi::fd_write(
            1,
            &[wasi::Ciovec {
                buf: data.as_ptr(),
                buf_len: 0,
            }],
        )
    };
    check("stdout_zero_length", show(&r, |n| format!("nwritten={n}")));

    // ---- a 100 000-byte line written with one fd_write (a host may write
    // it short; the rest follows through write_all).
    let mut line = b"stdout_big_line ".to_vec();
    line.extend(std::iter::repeat_n(b'y', 100_000));
    line.push(b'\n');
    let iov = wasi::Ciovec {
        buf: line.as_ptr(),
        buf_len: line.len(),
    };
    let first = unsafe { wasi::fd_write(1, &[iov]) };
    let rest = match first {
        Ok(n) if n <= line.len() => write_all(1, &line[n..]),
        Ok(_) => Err(wasi::ERRNO_IO),
        Err(e) => Err(e),
    };
    check("stdout_big_write", res(&rest));

    // ---- stderr: write, then close it; later uses are badf.
    let msg = b"conformance: stderr works\n";
    let iov = wasi::Ciovec {
        buf: msg.as_ptr(),
        buf_len: msg.len(),
    };
    let r = unsafe { wasi::fd_write(2, &[iov]) };
    check("stderr_write", show(&r, |n| format!("nwritten={n}")));
    check("stderr_close", res(&unsafe { wasi::fd_close(2) }));
    let r = unsafe { wasi::fd_write(2, &[iov]) };
    check("stderr_write_after_close", res(&r));
    check(
        "stderr_fdstat_after_close",
        res(&unsafe { wasi::fd_fdstat_get(2) }),
    );
    // Rust std treats EBADF on stderr as "closed": eprintln must not abort.
    eprintln!("this goes nowhere");
    check("std_eprintln_after_close", "ok");
    // The lowest free fd is now 2: a new open lands there.
    let r = open_ro(SANDBOX, "hello.txt");
    check("open_reuses_fd2", show(&r, |fd| format!("fd={fd}")));
}
