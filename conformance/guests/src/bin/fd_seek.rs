//! fd_seek and fd_tell: set/cur/end, past the end (then a write leaves a
//! hole of zeros), negative results refused and the offset kept, invalid
//! directories, file size growth/shrink via fd_filestat_set_size,
//! fd_allocate (bad fd; data kept).

use conf::*;
use wasi::{WHENCE_CUR, WHENCE_END, WHENCE_SET};

fn off(r: Result<u64, wasi::Errno>) -> String {
    show(&r, |o| format!("offset={o}"))
}

fn main() {
    let fd = match open_rw(SANDBOX, "hello.txt", 0) {
        Ok(fd) => fd,
        Err(e) => {
            check("open", en(e));
            return;
        }
    };
    check("tell_initial", off(tell(fd)));
    check("seek_set", off(seek(fd, 6, WHENCE_SET)));
    check("read_after_seek_set", show(&read_once(fd, 5), |d| q(d)));
    check("tell_after_read", off(tell(fd)));
    check("seek_cur_back", off(seek(fd, -5, WHENCE_CUR)));
    check("seek_cur_zero", off(seek(fd, 0, WHENCE_CUR)));
    check("seek_end", off(seek(fd, 0, WHENCE_END)));
    check("seek_end_back", off(seek(fd, -2, WHENCE_END)));
    check("read_after_seek_end", show(&read_once(fd, 8), |d| q(d)));
    check("seek_set_negative", off(seek(fd, -1, WHENCE_SET)));
    check("offset_kept_after_refused_seek", off(tell(fd)));
    check("seek_cur_before_start", off(seek(fd, -100, WHENCE_CUR)));
    check("seek_end_before_start", off(seek(fd, -13, WHENCE_END)));
    check("offset_kept_after_refused_seeks", off(tell(fd)));
    // Past the end: allowed, the size does not change until a write.
    check("seek_past_end", off(seek(fd, 100, WHENCE_SET)));
    check(
        "size_after_seek_past_end",
        show(&fstat(fd), |s| format!("size={}", s.size)),
    );
    check(
        "read_past_end",
        show(&read_once(fd, 4), |d| format!("nread={}", d.len())),
    );
    check("write_past_end", res(&write_all(fd, b"X")));
    check(
        "size_after_write_past_end",
        show(&fstat(fd), |s| format!("size={}", s.size)),
    );
    check(
        "hole_is_zeros",
        show(&read_path(SANDBOX, "hello.txt"), |d| {
            yes_no(
                d.len() == 101
                    && d[..12] == *HELLO
                    && d[12..100].iter().all(|&b| b == 0)
                    && d[100] == b'X',
            )
            .into()
        }),
    );
    check("seek_end_after_growth", off(seek(fd, 0, WHENCE_END)));

    // fd_filestat_set_size: shrink keeps the prefix, grow adds zeros, the
    // offset is not moved.
    let _ = seek(fd, 50, WHENCE_SET);
    check(
        "set_size_shrink",
        res(&unsafe { wasi::fd_filestat_set_size(fd, 5) }),
    );
    check("set_size_keeps_offset", off(tell(fd)));
    check("shrunk_content", content(SANDBOX, "hello.txt"));
    check(
        "set_size_grow",
        res(&unsafe { wasi::fd_filestat_set_size(fd, 8) }),
    );
    check("grown_content", content(SANDBOX, "hello.txt"));
    check(
        "set_size_zero",
        res(&unsafe { wasi::fd_filestat_set_size(fd, 0) }),
    );
    check("zero_size", size_of(SANDBOX, "hello.txt"));
    close(fd);

    // Read-only fd: set_size refused.
    if let Ok(ro) = open_ro(SANDBOX, "subdir/inner.txt") {
        check(
            "set_size_readonly_fd",
            res(&unsafe { wasi::fd_filestat_set_size(ro, 1) }),
        );
        check(
            "readonly_size_unchanged",
            size_of(SANDBOX, "subdir/inner.txt"),
        );
        close(ro);
    }

    // fd_allocate: a bad descriptor is refused. Whether a host allocates
    // (the spec) or answers notsup (the reference), the data stays intact
    // and the file never shrinks.
    check(
        "allocate_bad_fd",
        res(&unsafe { wasi::fd_allocate(1000, 0, 10) }),
    );
    if let Ok(fd) = open_rw(SANDBOX, "subdir/inner.txt", 0) {
        let r = unsafe { wasi::fd_allocate(fd, 2, 100) };
        check(
            "allocate_keeps_data",
            match (r, read_path(SANDBOX, "subdir/inner.txt")) {
                (Ok(()), Ok(d)) => yes_no(
                    d.len() == 102 && d.starts_with(b"inner\n") && d[6..].iter().all(|&b| b == 0),
                )
                .into(),
                (Err(_), Ok(d)) => yes_no(d == b"inner\n").into(),
                (_, Err(e)) => en(e),
            },
        );
        close(fd);
    }

    // Directories are not seekable byte streams.
    if let Ok(d) = open_dir(SANDBOX, "subdir") {
        check("seek_directory", off(seek(d, 0, WHENCE_CUR)));
        check("tell_directory", off(tell(d)));
        check(
            "set_size_directory",
            res(&unsafe { wasi::fd_filestat_set_size(d, 0) }),
        );
        close(d);
    }
    check("seek_bad_fd", off(seek(1000, 0, WHENCE_SET)));
    check("tell_bad_fd", off(tell(1000)));
    check("seek_stdin_pipe", off(seek(0, 0, WHENCE_CUR)));
}
