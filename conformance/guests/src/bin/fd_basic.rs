//! Preopens (numbered from 3 with no gaps), fd_prestat_get and
//! fd_prestat_dir_name, fd_fdstat_get, lowest-free-fd allocation, fd_close
//! (directories, twice, preopens), fd_sync, fd_datasync, fd_advise.

use conf::*;

fn prestat_name(fd: u32, len: usize) -> Result<Vec<u8>, wasi::Errno> {
    let mut buf = vec![0xAAu8; len + 8];
    unsafe { wasi::fd_prestat_dir_name(fd, buf.as_mut_ptr(), len) }?;
    Ok(buf)
}

fn main() {
    // ---- preopen scan: 3 and 4, then badf
    for (fd, want) in [(3u32, "/sandbox"), (4, "/scratch")] {
        let p = unsafe { wasi::fd_prestat_get(fd) };
        check(&format!("prestat_{fd}"), res(&p));
        if let Ok(p) = p {
            let len = unsafe { p.u.dir.pr_name_len };
            check(
                &format!("prestat_{fd}_tag"),
                if p.tag == 0 {
                    "dir".into()
                } else {
                    format!("tag{}", p.tag)
                },
            );
            check(&format!("prestat_{fd}_name_len"), format!("len={len}"));
            match prestat_name(fd, len) {
                Ok(buf) => {
                    check(&format!("prestat_{fd}_name"), q(&buf[..len]));
                    check(
                        &format!("prestat_{fd}_name_no_overflow"),
                        yes_no(buf[len..].iter().all(|&b| b == 0xAA)),
                    );
                }
                Err(e) => check(&format!("prestat_{fd}_name"), en(e)),
            }
            let _ = want;
        }
    }
    check("prestat_5", res(&unsafe { wasi::fd_prestat_get(5) }));
    check("prestat_1000", res(&unsafe { wasi::fd_prestat_get(1000) }));
    check("prestat_dir_name_5", res(&prestat_name(5, 8)));
    // A buffer shorter than the name.
    check("prestat_dir_name_short_buffer", res(&prestat_name(3, 3)));

    // ---- fdstat of the preopens
    match unsafe { wasi::fd_fdstat_get(SANDBOX) } {
        Ok(st) => {
            check("preopen_filetype", filetype_name(st.fs_filetype.raw()));
            let file_rw = wasi::RIGHTS_FD_READ | wasi::RIGHTS_FD_WRITE;
            check(
                "preopen_inheriting_has_read_write",
                yes_no(st.fs_rights_inheriting & file_rw == file_rw),
            );
            check(
                "preopen_base_has_path_open",
                yes_no(st.fs_rights_base & wasi::RIGHTS_PATH_OPEN != 0),
            );
        }
        Err(e) => check("preopen_filetype", en(e)),
    }
    check("preopen_filestat_type", show(&fstat(SANDBOX), ftype));

    // ---- fd allocation: lowest free number
    let a = open_ro(SANDBOX, "hello.txt");
    check("first_open", show(&a, |fd| format!("fd={fd}")));
    let b = open_ro(SANDBOX, "empty.txt");
    check("second_open", show(&b, |fd| format!("fd={fd}")));
    let c = open_dir(SANDBOX, "subdir");
    check("third_open_dir", show(&c, |fd| format!("fd={fd}")));
    if let Ok(b) = b {
        check("close_middle", res(&unsafe { wasi::fd_close(b) }));
    }
    let d = open_ro(SANDBOX, "hello.txt");
    check("open_reuses_lowest", show(&d, |fd| format!("fd={fd}")));

    // ---- fdstat of files and directories
    if let Ok(a) = a {
        check(
            "fdstat_file_type",
            show(&unsafe { wasi::fd_fdstat_get(a) }, |s| {
                filetype_name(s.fs_filetype.raw())
            }),
        );
        check(
            "fdstat_file_flags",
            show(&unsafe { wasi::fd_fdstat_get(a) }, |s| {
                format!("flags={}", s.fs_flags)
            }),
        );
        check("prestat_on_file", res(&unsafe { wasi::fd_prestat_get(a) }));
        check("fd_sync_file", res(&unsafe { wasi::fd_sync(a) }));
        check("fd_datasync_file", res(&unsafe { wasi::fd_datasync(a) }));
        check(
            "fd_advise_normal",
            res(&unsafe { wasi::fd_advise(a, 0, 12, wasi::ADVICE_NORMAL) }),
        );
        check(
            "fd_advise_dontneed",
            res(&unsafe { wasi::fd_advise(a, 0, 0, wasi::ADVICE_DONTNEED) }),
        );
    }
    if let Ok(c) = c {
        check(
            "fdstat_dir_type",
            show(&unsafe { wasi::fd_fdstat_get(c) }, |s| {
                filetype_name(s.fs_filetype.raw())
            }),
        );
        check(
            "prestat_on_opened_dir",
            res(&unsafe { wasi::fd_prestat_get(c) }),
        );
        check("close_dir", res(&unsafe { wasi::fd_close(c) }));
        check("close_dir_twice", res(&unsafe { wasi::fd_close(c) }));
        check(
            "fdstat_after_close",
            res(&unsafe { wasi::fd_fdstat_get(c) }),
        );
        check("filestat_after_close", res(&fstat(c)));
    }
    check("close_never_opened", res(&unsafe { wasi::fd_close(1000) }));
    check(
        "fdstat_never_opened",
        res(&unsafe { wasi::fd_fdstat_get(1000) }),
    );
    check("fd_sync_bad_fd", res(&unsafe { wasi::fd_sync(1000) }));
    check(
        "fd_advise_bad_fd",
        res(&unsafe { wasi::fd_advise(1000, 0, 0, wasi::ADVICE_NORMAL) }),
    );

    // ---- closing a preopen is allowed; it is then gone.
    check("close_preopen", res(&unsafe { wasi::fd_close(SCRATCH) }));
    check(
        "prestat_after_close",
        res(&unsafe { wasi::fd_prestat_get(SCRATCH) }),
    );
    // preview1 does not promise the lowest free number, and the reference
    // does not reuse a closed preopen's number first: only success counts.
    let e = open_ro(SANDBOX, "hello.txt");
    check("open_after_preopen_close", res(&e));
    // The sandbox preopen still works after all that.
    check("sandbox_still_usable", content(SANDBOX, "hello.txt"));
}
