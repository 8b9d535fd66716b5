//! fdflags (append, nonblock, sync) through path_open and
//! fd_fdstat_set_flags; rights through path_open and fd_fdstat_set_rights.

use conf::*;

fn flags(fd: u32) -> Result<u16, wasi::Errno> {
    unsafe { wasi::fd_fdstat_get(fd) }.map(|s| s.fs_flags)
}

fn rights(fd: u32) -> Result<(u64, u64), wasi::Errno> {
    unsafe { wasi::fd_fdstat_get(fd) }.map(|s| (s.fs_rights_base, s.fs_rights_inheriting))
}

fn main() {
    // ---- append through path_open
    let _ = write_path(SANDBOX, "app.txt", b"start");
    let fd = open_with(
        SANDBOX,
        FOLLOW,
        "app.txt",
        0,
        RIGHTS_FILE,
        wasi::FDFLAGS_APPEND,
    );
    check("open_append", res(&fd));
    if let Ok(fd) = fd {
        check(
            "append_flag_reported",
            show(&flags(fd), |f| yes_no(f & wasi::FDFLAGS_APPEND != 0).into()),
        );
        let _ = seek(fd, 0, wasi::WHENCE_SET);
        check("append_write", res(&write_all(fd, b"+one")));
        check("append_lands_at_end", content(SANDBOX, "app.txt"));
        check(
            "append_offset_at_end",
            show(&tell(fd), |o| format!("offset={o}")),
        );
        // Clearing APPEND makes writes land at the offset again.
        check(
            "clear_append",
            res(&unsafe { wasi::fd_fdstat_set_flags(fd, 0) }),
        );
        check(
            "append_flag_cleared",
            show(&flags(fd), |f| yes_no(f & wasi::FDFLAGS_APPEND != 0).into()),
        );
        let _ = seek(fd, 0, wasi::WHENCE_SET);
        let _ = write_all(fd, b"S");
        check("write_after_clear_append", content(SANDBOX, "app.txt"));
        close(fd);
    }

    // ---- append set later with fd_fdstat_set_flags
    let _ = write_path(SANDBOX, "app2.txt", b"0123");
    if let Ok(fd) = open_rw(SANDBOX, "app2.txt", 0) {
        check(
            "set_flags_append",
            res(&unsafe { wasi::fd_fdstat_set_flags(fd, wasi::FDFLAGS_APPEND) }),
        );
        let _ = seek(fd, 1, wasi::WHENCE_SET);
        let _ = write_all(fd, b"45");
        check(
            "set_flags_append_lands_at_end",
            content(SANDBOX, "app2.txt"),
        );
        // Two descriptors on one file: the appender always goes to the
        // current end, even after the other extends the file.
        if let Ok(other) = open_rw(SANDBOX, "app2.txt", 0) {
            let _ = seek(other, 0, wasi::WHENCE_END);
            let _ = write_all(other, b"67");
            let _ = write_all(fd, b"89");
            check("append_after_other_writer", content(SANDBOX, "app2.txt"));
            close(other);
        }
        check(
            "set_flags_nonblock",
            res(&unsafe { wasi::fd_fdstat_set_flags(fd, wasi::FDFLAGS_NONBLOCK) }),
        );
        check(
            "nonblock_flag_reported",
            show(&flags(fd), |f| {
                yes_no(f & wasi::FDFLAGS_NONBLOCK != 0).into()
            }),
        );
        close(fd);
    }
    check(
        "set_flags_bad_fd",
        res(&unsafe { wasi::fd_fdstat_set_flags(1000, 0) }),
    );

    // ---- open with nonblock
    let fd = open_with(
        SANDBOX,
        FOLLOW,
        "hello.txt",
        0,
        RIGHTS_FILE,
        wasi::FDFLAGS_NONBLOCK,
    );
    check("open_nonblock", res(&fd));
    if let Ok(fd) = fd {
        check("open_nonblock_reads", show(&read_to_end(fd), |d| q(d)));
        close(fd);
    }

    // ---- rights requested at open decide the access mode
    let rd = open_with(
        SANDBOX,
        FOLLOW,
        "hello.txt",
        0,
        wasi::RIGHTS_FD_READ | wasi::RIGHTS_FD_SEEK,
        0,
    );
    check("open_read_only_rights", res(&rd));
    if let Ok(rd) = rd {
        check(
            "read_only_rights_can_read",
            show(&read_to_end(rd), |d| q(d)),
        );
        check(
            "read_only_rights_write_refused",
            res(&unsafe {
                wasi::fd_write(
                    rd,
                    &[wasi::Ciovec {
                        buf: b"x".as_ptr(),
                        buf_len: 1,
                    }],
                )
            }),
        );
        check(
            "read_only_reports_read",
            show(&rights(rd), |r| {
                yes_no(r.0 & wasi::RIGHTS_FD_READ != 0).into()
            }),
        );
        close(rd);
    }
    let wr = open_with(SANDBOX, FOLLOW, "hello.txt", 0, wasi::RIGHTS_FD_WRITE, 0);
    check("open_write_only_rights", res(&wr));
    if let Ok(wr) = wr {
        let mut b = [0u8; 4];
        check(
            "write_only_rights_read_refused",
            res(&unsafe {
                wasi::fd_read(
                    wr,
                    &[wasi::Iovec {
                        buf: b.as_mut_ptr(),
                        buf_len: 4,
                    }],
                )
            }),
        );
        check("write_only_rights_can_write", res(&write_all(wr, b"H")));
        check(
            "write_only_reports_write",
            show(&rights(wr), |r| {
                yes_no(r.0 & wasi::RIGHTS_FD_WRITE != 0).into()
            }),
        );
        close(wr);
    }
    check("write_only_wrote", content(SANDBOX, "hello.txt"));

    // ---- fd_fdstat_set_rights: only removing is allowed.
    if let Ok(fd) = open_rw(SANDBOX, "hello.txt", 0) {
        let r = unsafe {
            wasi::fd_fdstat_set_rights(fd, wasi::RIGHTS_FD_READ | wasi::RIGHTS_FD_SEEK, 0)
        };
        // A host that does not support changing rights says notsup; one
        // that does must then refuse the dropped right.
        let outcome = match r {
            Ok(()) => {
                let w = unsafe {
                    wasi::fd_write(
                        fd,
                        &[wasi::Ciovec {
                            buf: b"x".as_ptr(),
                            buf_len: 1,
                        }],
                    )
                };
                match w {
                    Err(e) if e == wasi::ERRNO_NOTCAPABLE || e == wasi::ERRNO_BADF => {
                        "dropped-write-refused".to_string()
                    }
                    other => format!("dropped-write-{}", res(&other)),
                }
            }
            Err(e) => en(e),
        };
        check("set_rights_drop_write", outcome);
        let r = unsafe { wasi::fd_fdstat_set_rights(fd, RIGHTS_FILE, 0) };
        check("set_rights_add_back", res(&r));
        close(fd);
    }
    check(
        "set_rights_bad_fd",
        res(&unsafe { wasi::fd_fdstat_set_rights(1000, 0, 0) }),
    );

    // ---- a directory descriptor never holds fd_seek, even when it was
    // asked for (wasi-testsuite `directory_seek`). fd_tell is not checked:
    // wasmtime grants it when asked, wasiland does not.
    let seek_right = |fd: u32| {
        show(&rights(fd), |r| {
            yes_no(r.0 & wasi::RIGHTS_FD_SEEK != 0).into()
        })
    };
    check("preopen_seek_right", seek_right(SANDBOX));
    let dir = open_with(
        SANDBOX,
        FOLLOW,
        "subdir",
        wasi::OFLAGS_DIRECTORY,
        wasi::RIGHTS_FD_SEEK | wasi::RIGHTS_FD_TELL | wasi::RIGHTS_FD_READDIR,
        0,
    );
    check("open_dir_asking_seek", res(&dir));
    if let Ok(dir) = dir {
        check("opened_dir_seek_right", seek_right(dir));
        close(dir);
    }

    // ---- O_TRUNC through a directory needs its path_filestat_set_size
    // right (wasi-testsuite `truncation_rights`); a host that cannot drop
    // rights says notsup when asked to.
    let _ = unsafe { wasi::path_create_directory(SCRATCH, "trunc") };
    let _ = write_path(SCRATCH, "trunc/file", b"keep");
    if let Ok(dir) = open_dir(SCRATCH, "trunc") {
        let trunc =
            |dir: u32| unsafe { wasi::path_open(dir, 0, "file", wasi::OFLAGS_TRUNC, 0, 0, 0) };
        check(
            "trunc_with_rights",
            show(&trunc(dir), |&fd| {
                close(fd);
                content(SCRATCH, "trunc/file")
            }),
        );
        let _ = write_path(SCRATCH, "trunc/file", b"keep");
        let outcome = match rights(dir) {
            Err(e) => format!("fdstat-{}", en(e)),
            Ok((base, inheriting)) => {
                let dropped = base & !wasi::RIGHTS_PATH_FILESTAT_SET_SIZE;
                match unsafe { wasi::fd_fdstat_set_rights(dir, dropped, inheriting) } {
                    Err(e) if e == wasi::ERRNO_NOTSUP => "rights-unsupported".to_string(),
                    Err(e) => format!("set-rights-{}", en(e)),
                    Ok(()) => match trunc(dir) {
                        Err(e) if e == wasi::ERRNO_PERM || e == wasi::ERRNO_NOTCAPABLE => {
                            match read_path(SCRATCH, "trunc/file") {
                                Ok(d) if d == b"keep" => "refused-intact".to_string(),
                                _ => format!("refused-but {}", content(SCRATCH, "trunc/file")),
                            }
                        }
                        Err(e) => en(e),
                        Ok(fd) => {
                            close(fd);
                            format!("opened {}", content(SCRATCH, "trunc/file"))
                        }
                    },
                }
            }
        };
        check("trunc_without_path_set_size", outcome);
        close(dir);
    }

    // ---- sync-family fdflags at open: a host may support them (then the
    // flag is reported back) or refuse them with notsup.
    for (name, flag) in [
        ("open_sync", wasi::FDFLAGS_SYNC),
        ("open_dsync", wasi::FDFLAGS_DSYNC),
        ("open_rsync", wasi::FDFLAGS_RSYNC),
    ] {
        let fd = open_with(SANDBOX, FOLLOW, "empty.txt", 0, RIGHTS_FILE, flag);
        check(
            name,
            show(&fd, |&fd| {
                let r = show(&flags(fd), |f| {
                    if f & flag != 0 {
                        "ok".into()
                    } else {
                        format!("ok-flag-lost flags={f}")
                    }
                });
                close(fd);
                r
            }),
        );
    }
}
