//! fd_filestat_set_times and path_filestat_set_times: explicit values,
//! NOW, flag conflicts refused, only the named timestamps change, writes
//! update mtim, new files carry the current time.

use conf::*;
use wasi::{
    FSTFLAGS_ATIM as ATIM, FSTFLAGS_ATIM_NOW as ATIM_NOW, FSTFLAGS_MTIM as MTIM,
    FSTFLAGS_MTIM_NOW as MTIM_NOW,
};

const T1: u64 = 1_000_000_000_123_456_789; // 2001-09-09, with ns
const T2: u64 = 1_500_000_000_987_654_321; // 2017-07-14

fn times(p: &str) -> Result<(u64, u64), wasi::Errno> {
    stat(SANDBOX, p).map(|s| (s.atim, s.mtim))
}

fn near_now(t: u64) -> String {
    match now_real() {
        Ok(now) => {
            if t.abs_diff(now) < 60_000_000_000 {
                "near-now".into()
            } else {
                "far".into()
            }
        }
        Err(e) => en(e),
    }
}

fn main() {
    // New files carry the current time, never zero.
    let _ = write_path(SANDBOX, "t.txt", b"t");
    match stat(SANDBOX, "t.txt") {
        Ok(s) => {
            check("new_file_mtim", near_now(s.mtim));
            check("new_file_atim", near_now(s.atim));
            check("new_file_ctim", near_now(s.ctim));
        }
        Err(e) => check("new_file_mtim", en(e)),
    }
    let _ = unsafe { wasi::path_create_directory(SANDBOX, "tdir") };
    check(
        "new_dir_mtim",
        show(&stat(SANDBOX, "tdir"), |s| near_now(s.mtim)),
    );

    // fd_filestat_set_times with explicit values, to the nanosecond.
    match open_rw(SANDBOX, "t.txt", 0) {
        Ok(fd) => {
            check(
                "fd_set_both",
                res(&unsafe { wasi::fd_filestat_set_times(fd, T1, T2, ATIM | MTIM) }),
            );
            check(
                "fd_set_both_values",
                show(&fstat(fd), |s| {
                    format!(
                        "atim={} mtim={}",
                        yes_no(s.atim == T1),
                        yes_no(s.mtim == T2)
                    )
                }),
            );
            check(
                "fd_set_mtim_only",
                res(&unsafe { wasi::fd_filestat_set_times(fd, 0, T1, MTIM) }),
            );
            check(
                "fd_set_mtim_only_values",
                show(&fstat(fd), |s| {
                    format!(
                        "atim-kept={} mtim={}",
                        yes_no(s.atim == T1),
                        yes_no(s.mtim == T1)
                    )
                }),
            );
            check(
                "fd_set_none",
                res(&unsafe { wasi::fd_filestat_set_times(fd, 5, 5, 0) }),
            );
            check(
                "fd_set_none_unchanged",
                show(&fstat(fd), |s| yes_no(s.atim == T1 && s.mtim == T1).into()),
            );
            check(
                "fd_set_mtim_now",
                res(&unsafe { wasi::fd_filestat_set_times(fd, 0, 0, MTIM_NOW) }),
            );
            check(
                "fd_set_mtim_now_value",
                show(&fstat(fd), |s| near_now(s.mtim)),
            );
            check(
                "fd_set_mtim_now_atim_kept",
                show(&fstat(fd), |s| yes_no(s.atim == T1).into()),
            );
            check(
                "fd_set_atim_now",
                res(&unsafe { wasi::fd_filestat_set_times(fd, 0, 0, ATIM_NOW) }),
            );
            check(
                "fd_set_atim_now_value",
                show(&fstat(fd), |s| near_now(s.atim)),
            );
            check(
                "fd_atim_and_atim_now",
                res(&unsafe { wasi::fd_filestat_set_times(fd, T1, 0, ATIM | ATIM_NOW) }),
            );
            check(
                "fd_mtim_and_mtim_now",
                res(&unsafe { wasi::fd_filestat_set_times(fd, 0, T1, MTIM | MTIM_NOW) }),
            );
            // A write updates mtim.
            let _ = unsafe { wasi::fd_filestat_set_times(fd, T1, T1, ATIM | MTIM) };
            let _ = write_all(fd, b"more");
            check("write_updates_mtim", show(&fstat(fd), |s| near_now(s.mtim)));
            // set_size updates mtim too.
            let _ = unsafe { wasi::fd_filestat_set_times(fd, T1, T1, ATIM | MTIM) };
            let _ = unsafe { wasi::fd_filestat_set_size(fd, 1) };
            check(
                "set_size_updates_mtim",
                show(&fstat(fd), |s| near_now(s.mtim)),
            );
            close(fd);
        }
        Err(e) => check("fd_set_both", en(e)),
    }
    check(
        "fd_set_bad_fd",
        res(&unsafe { wasi::fd_filestat_set_times(1000, 0, 0, MTIM_NOW) }),
    );

    // path_filestat_set_times.
    let r = unsafe { wasi::path_filestat_set_times(SANDBOX, FOLLOW, "t.txt", T2, T1, ATIM | MTIM) };
    check("path_set_both", res(&r));
    check(
        "path_set_both_values",
        show(&times("t.txt"), |&(a, m)| {
            format!("atim={} mtim={}", yes_no(a == T2), yes_no(m == T1))
        }),
    );
    let r =
        unsafe { wasi::path_filestat_set_times(SANDBOX, FOLLOW, "t.txt", 0, 0, ATIM | ATIM_NOW) };
    check("path_atim_and_atim_now", res(&r));
    let r = unsafe { wasi::path_filestat_set_times(SANDBOX, FOLLOW, "missing", 0, 0, MTIM_NOW) };
    check("path_set_missing", res(&r));
    let r = unsafe { wasi::path_filestat_set_times(SANDBOX, FOLLOW, "tdir", T1, T2, ATIM | MTIM) };
    check("path_set_dir", res(&r));
    check(
        "path_set_dir_values",
        show(&times("tdir"), |&(a, m)| {
            format!("atim={} mtim={}", yes_no(a == T1), yes_no(m == T2))
        }),
    );
    // Through a symlink with follow: the target changes.
    let _ = unsafe { wasi::path_symlink("t.txt", SANDBOX, "tlink") };
    let r = unsafe { wasi::path_filestat_set_times(SANDBOX, FOLLOW, "tlink", T1, T1, ATIM | MTIM) };
    check("path_set_through_symlink", res(&r));
    check(
        "path_set_through_symlink_target",
        show(&times("t.txt"), |&(a, m)| yes_no(a == T1 && m == T1).into()),
    );
    check(
        "path_set_escape",
        res(&unsafe { wasi::path_filestat_set_times(SANDBOX, FOLLOW, "../x", 0, 0, MTIM_NOW) }),
    );

    // Directory mtim changes when an entry is added.
    let _ = unsafe { wasi::path_filestat_set_times(SANDBOX, FOLLOW, "tdir", T1, T1, ATIM | MTIM) };
    let _ = write_path(SANDBOX, "tdir/new.txt", b"");
    check(
        "dir_mtim_updates_on_create",
        show(&times("tdir"), |&(_, m)| near_now(m)),
    );

    // Rust std reads them back.
    check(
        "std_modified",
        match std::fs::metadata("/sandbox/t.txt").and_then(|m| m.modified()) {
            Ok(t) => match t.duration_since(std::time::UNIX_EPOCH) {
                Ok(d) => yes_no(d.as_nanos() as u64 == T1).into(),
                Err(_) => "before-epoch".into(),
            },
            Err(e) => format!("error:{:?}", e.kind()),
        },
    );
}
