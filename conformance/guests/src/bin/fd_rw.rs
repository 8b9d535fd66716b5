//! fd_read, fd_write, fd_pread, fd_pwrite: gathered writes and scattered
//! reads with zero-length iovecs, EOF, pread/pwrite leave the offset alone,
//! pwrite past the end makes a hole of zeros, directories refuse I/O.

use conf::*;

fn ciov(d: &[u8]) -> wasi::Ciovec {
    wasi::Ciovec {
        buf: d.as_ptr(),
        buf_len: d.len(),
    }
}

fn iov(d: &mut [u8]) -> wasi::Iovec {
    wasi::Iovec {
        buf: d.as_mut_ptr(),
        buf_len: d.len(),
    }
}

fn main() {
    // ---- gathered write with an empty iovec in the middle
    let fd = match open_rw(SANDBOX, "rw.txt", wasi::OFLAGS_CREAT | wasi::OFLAGS_TRUNC) {
        Ok(fd) => fd,
        Err(e) => {
            check("open_rw", en(e));
            return;
        }
    };
    // A host may write fewer bytes than asked (a short write, e.g. only
    // the first non-empty iovec); the count must then be a prefix, and
    // resubmitting the rest must produce the whole data in order.
    let parts: [&[u8]; 4] = [b"ab", b"", b"cde", b"f"];
    let iovs: Vec<wasi::Ciovec> = parts.iter().map(|p| ciov(p)).collect();
    let r = unsafe { wasi::fd_write(fd, &iovs) };
    check(
        "write_gathered_count",
        show(&r, |&n| {
            if (1..=6).contains(&n) {
                "valid".into()
            } else {
                format!("nwritten={n}")
            }
        }),
    );
    check(
        "write_gathered_offset_matches_count",
        match (&r, tell(fd)) {
            (Ok(n), Ok(o)) => yes_no(*n as u64 == o).into(),
            (Err(e), _) => en(*e),
            (_, Err(e)) => en(e),
        },
    );
    let done = r.as_ref().map(|&n| n).unwrap_or(0);
    let all: Vec<u8> = parts.concat();
    check(
        "write_gathered_rest",
        res(&writev_all(fd, &[&all[done.min(6)..]], None)),
    );
    check(
        "write_no_iovecs",
        show(&unsafe { wasi::fd_write(fd, &[]) }, |n| {
            format!("nwritten={n}")
        }),
    );
    check(
        "write_zero_length",
        show(&unsafe { wasi::fd_write(fd, &[ciov(b"")]) }, |n| {
            format!("nwritten={n}")
        }),
    );
    check("write_gathered_content", content(SANDBOX, "rw.txt"));
    check("writev_all_content", {
        let _ = seek(fd, 0, wasi::WHENCE_SET);
        let _ = writev_all(fd, &[b"AB", b"", b"C", b"", b"", b"DEF"], None);
        content(SANDBOX, "rw.txt")
    });

    // ---- reads
    let _ = write_path(SANDBOX, "rw.txt", b"abcdef");
    let _ = seek(fd, 0, wasi::WHENCE_SET);
    let mut a = [0u8; 0];
    let mut b = [0u8; 4];
    let r = unsafe { wasi::fd_read(fd, &[iov(&mut a), iov(&mut b)]) };
    check(
        "read_skips_empty_first_iovec",
        show(&r, |n| format!("nread={n} {}", q(&b[..(*n).min(4)]))),
    );
    let _ = seek(fd, 0, wasi::WHENCE_SET);
    // A scattered read: a host may fill every iovec or stop after the
    // first; whatever it returns must be the file's bytes in order.
    let mut x = [0u8; 2];
    let mut y = [0u8; 0];
    let mut z = [0u8; 10];
    let r = unsafe { wasi::fd_read(fd, &[iov(&mut x), iov(&mut y), iov(&mut z)]) };
    check(
        "read_scattered_in_order",
        show(&r, |&n| {
            let mut got = x.to_vec();
            got.extend_from_slice(&z);
            got.truncate(n);
            if n >= 2 && b"abcdef".starts_with(&got) {
                "ok".into()
            } else {
                format!("nread={n} {}", q(&got))
            }
        }),
    );
    let _ = seek(fd, 0, wasi::WHENCE_END);
    check(
        "read_at_eof",
        show(&read_once(fd, 8), |d| format!("nread={}", d.len())),
    );
    check(
        "read_no_iovecs",
        show(&unsafe { wasi::fd_read(fd, &[]) }, |n| format!("nread={n}")),
    );
    close(fd);

    // ---- pread / pwrite on hello.txt ("hello world\n")
    let fd = match open_rw(SANDBOX, "hello.txt", 0) {
        Ok(fd) => fd,
        Err(e) => {
            check("open_hello", en(e));
            return;
        }
    };
    let _ = read_once(fd, 2); // offset 2
    let mut buf = [0u8; 5];
    let r = unsafe { wasi::fd_pread(fd, &[iov(&mut buf)], 6) };
    check("pread", show(&r, |&n| q(&buf[..n.min(5)])));
    check(
        "pread_keeps_offset",
        show(&tell(fd), |o| format!("offset={o}")),
    );
    let mut buf = [0u8; 8];
    let r = unsafe { wasi::fd_pread(fd, &[iov(&mut buf)], 100) };
    check("pread_past_eof", show(&r, |n| format!("nread={n}")));
    let mut p1 = [0u8; 3];
    let mut p2 = [0u8; 3];
    let r = unsafe { wasi::fd_pread(fd, &[iov(&mut p1), iov(&mut p2)], 0) };
    check(
        "pread_scattered_in_order",
        show(&r, |&n| {
            let mut got = p1.to_vec();
            got.extend_from_slice(&p2);
            got.truncate(n);
            if n >= 3 && HELLO.starts_with(&got) {
                "ok".into()
            } else {
                format!("nread={n}")
            }
        }),
    );
    let r = writev_all(fd, &[b"J", b"", b"ELL"], Some(0));
    check("pwrite_gathered", res(&r));
    check(
        "pwrite_keeps_offset",
        show(&tell(fd), |o| format!("offset={o}")),
    );
    check("pwrite_content", content(SANDBOX, "hello.txt"));
    check(
        "read_after_pwrite_from_offset",
        show(&read_once(fd, 3), |d| q(d)),
    );
    let r = unsafe { wasi::fd_pwrite(fd, &[ciov(b"!")], 20) };
    check("pwrite_past_eof", show(&r, |n| format!("nwritten={n}")));
    check(
        "pwrite_past_eof_size",
        show(&fstat(fd), |s| format!("size={}", s.size)),
    );
    check(
        "pwrite_past_eof_hole_zeros",
        show(&read_path(SANDBOX, "hello.txt"), |d| {
            yes_no(d.len() == 21 && d[12..20].iter().all(|&b| b == 0) && d[20] == b'!').into()
        }),
    );
    close(fd);

    // ---- 1 MiB round trip
    let big: Vec<u8> = (0..1_048_576u32).map(|i| (i % 251) as u8).collect();
    let r = write_path(SANDBOX, "big.bin", &big);
    check("big_write", res(&r));
    check(
        "big_roundtrip",
        show(&read_path(SANDBOX, "big.bin"), |d| {
            same_differs(*d == big).into()
        }),
    );

    // ---- read-only fd: writes refused; directories: no byte I/O
    if let Ok(ro) = open_ro(SANDBOX, "empty.txt") {
        check(
            "write_on_readonly_fd",
            res(&unsafe { wasi::fd_write(ro, &[ciov(b"x")]) }),
        );
        check(
            "pwrite_on_readonly_fd",
            res(&unsafe { wasi::fd_pwrite(ro, &[ciov(b"x")], 0) }),
        );
        check("readonly_file_unchanged", size_of(SANDBOX, "empty.txt"));
        close(ro);
    }
    if let Ok(d) = open_dir(SANDBOX, "subdir") {
        let mut buf = [0u8; 8];
        check(
            "read_directory",
            res(&unsafe { wasi::fd_read(d, &[iov(&mut buf)]) }),
        );
        check(
            "write_directory",
            res(&unsafe { wasi::fd_write(d, &[ciov(b"x")]) }),
        );
        check(
            "pread_directory",
            res(&unsafe { wasi::fd_pread(d, &[iov(&mut buf)], 0) }),
        );
        close(d);
    }
    check("read_bad_fd", res(&read_once(1000, 4)));
    check(
        "write_bad_fd",
        res(&unsafe { wasi::fd_write(1000, &[ciov(b"x")]) }),
    );
}
