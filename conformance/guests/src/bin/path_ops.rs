//! path_create_directory, path_remove_directory, path_unlink_file,
//! path_filestat_get (follow / nofollow), fd_filestat_get consistency
//! (size, type, nlink, ino), unlink-while-open.

use conf::*;

fn mkdir(p: &str) -> String {
    res(&unsafe { wasi::path_create_directory(SANDBOX, p) })
}
fn rmdir(p: &str) -> String {
    res(&unsafe { wasi::path_remove_directory(SANDBOX, p) })
}
fn unlink(p: &str) -> String {
    res(&unsafe { wasi::path_unlink_file(SANDBOX, p) })
}

fn main() {
    // ---- create directory
    check("mkdir_new", mkdir("d1"));
    check("mkdir_new_is_dir", show(&stat(SANDBOX, "d1"), ftype));
    check("mkdir_existing_dir", mkdir("d1"));
    check("mkdir_existing_file", mkdir("hello.txt"));
    check("mkdir_existing_symlink", mkdir("link_subdir"));
    check("mkdir_missing_parent", mkdir("nope/d2"));
    check("mkdir_nested", mkdir("d1/d2"));
    check("mkdir_trailing_slash", mkdir("d3/"));
    check("mkdir_trailing_slash_exists", exists(SANDBOX, "d3"));
    check("mkdir_under_file", mkdir("hello.txt/d"));
    check("mkdir_escape", mkdir("../outside-dir"));
    check("mkdir_dot", mkdir("."));

    // ---- remove directory
    check("rmdir_nonempty", rmdir("d1"));
    check("rmdir_nested_empty", rmdir("d1/d2"));
    check("rmdir_empty", rmdir("d1"));
    check("rmdir_gone", exists(SANDBOX, "d1"));
    check("rmdir_missing", rmdir("d1"));
    check("rmdir_file", rmdir("hello.txt"));
    check("rmdir_symlink_to_dir", rmdir("link_subdir"));
    check("rmdir_symlink_to_dir_kept", exists(SANDBOX, "link_subdir"));
    check("rmdir_trailing_slash_dot", rmdir("d3/."));
    check("rmdir_dot", rmdir("."));
    check("rmdir_fixture_with_file", rmdir("subdir"));

    // ---- unlink
    let _ = write_path(SANDBOX, "u1.txt", b"u");
    check("unlink_file", unlink("u1.txt"));
    check("unlink_file_gone", exists(SANDBOX, "u1.txt"));
    check("unlink_missing", unlink("u1.txt"));
    check("unlink_dir", unlink("emptydir"));
    check("unlink_dir_kept", exists(SANDBOX, "emptydir"));
    check("unlink_trailing_slash_file", unlink("hello.txt/"));
    check("unlink_trailing_slash_kept", exists(SANDBOX, "hello.txt"));
    let _ = unsafe { wasi::path_symlink("hello.txt", SANDBOX, "ul_link") };
    check("unlink_symlink", unlink("ul_link"));
    check("unlink_symlink_target_kept", content(SANDBOX, "hello.txt"));
    check("unlink_dangling_symlink", unlink("dangling"));
    check("unlink_symlink_to_dir", unlink("link_subdir"));
    check(
        "unlink_symlink_to_dir_target_kept",
        exists(SANDBOX, "subdir/inner.txt"),
    );
    check("unlink_escape", unlink("../hello.txt"));

    // ---- unlink while open: the data stays readable and writable through
    // the descriptor, the name is gone.
    let _ = write_path(SANDBOX, "open-unlinked.txt", b"still here");
    match open_rw(SANDBOX, "open-unlinked.txt", 0) {
        Ok(fd) => {
            check("unlink_while_open", unlink("open-unlinked.txt"));
            check("unlinked_name_gone", exists(SANDBOX, "open-unlinked.txt"));
            check("unlinked_read", show(&read_to_end(fd), |d| q(d)));
            check("unlinked_write", res(&write_all(fd, b"!")));
            let _ = seek(fd, 0, wasi::WHENCE_SET);
            check("unlinked_read_back", show(&read_to_end(fd), |d| q(d)));
            check(
                "unlinked_nlink",
                show(&fstat(fd), |s| format!("nlink={}", s.nlink)),
            );
            check(
                "unlinked_name_reusable",
                res(&write_path(SANDBOX, "open-unlinked.txt", b"new")),
            );
            let _ = seek(fd, 0, wasi::WHENCE_SET);
            check(
                "unlinked_independent_of_new",
                show(&read_to_end(fd), |d| q(d)),
            );
            close(fd);
        }
        Err(e) => check("unlink_while_open", en(e)),
    }

    // ---- path_filestat_get
    check("stat_file_type", show(&stat(SANDBOX, "hello.txt"), ftype));
    check("stat_file_size", size_of(SANDBOX, "hello.txt"));
    check(
        "stat_file_nlink",
        show(&stat(SANDBOX, "hello.txt"), |s| {
            format!("nlink={}", s.nlink)
        }),
    );
    check("stat_empty_size", size_of(SANDBOX, "empty.txt"));
    check("stat_dir_type", show(&stat(SANDBOX, "subdir"), ftype));
    check("stat_dot_type", show(&stat(SANDBOX, "."), ftype));
    check("stat_missing", show(&stat(SANDBOX, "missing"), ftype));
    check(
        "stat_through_file",
        show(&stat(SANDBOX, "hello.txt/x"), ftype),
    );
    check(
        "stat_trailing_slash_file",
        show(&stat(SANDBOX, "hello.txt/"), ftype),
    );
    check(
        "stat_trailing_slash_dir",
        show(&stat(SANDBOX, "subdir/"), ftype),
    );
    check("stat_escape", show(&stat(SANDBOX, "../sandbox"), ftype));
    let _ = unsafe { wasi::path_symlink("hello.txt", SANDBOX, "s_link") };
    check(
        "stat_follow_symlink_type",
        show(&stat(SANDBOX, "s_link"), ftype),
    );
    check("stat_follow_symlink_size", size_of(SANDBOX, "s_link"));
    check("lstat_symlink_type", show(&lstat(SANDBOX, "s_link"), ftype));
    check(
        "lstat_symlink_size",
        show(&lstat(SANDBOX, "s_link"), |s| format!("size={}", s.size)),
    );
    check(
        "stat_follow_same_ino_as_target",
        match (stat(SANDBOX, "s_link"), stat(SANDBOX, "hello.txt")) {
            (Ok(a), Ok(b)) => same_differs(a.ino == b.ino).into(),
            (Err(e), _) | (_, Err(e)) => en(e),
        },
    );
    check(
        "lstat_symlink_own_ino",
        match (lstat(SANDBOX, "s_link"), stat(SANDBOX, "hello.txt")) {
            (Ok(a), Ok(b)) => same_differs(a.ino == b.ino).into(),
            (Err(e), _) | (_, Err(e)) => en(e),
        },
    );

    // ---- fd_filestat_get agrees with path_filestat_get
    match open_ro(SANDBOX, "subdir/inner.txt") {
        Ok(fd) => {
            match (fstat(fd), stat(SANDBOX, "subdir/inner.txt")) {
                (Ok(a), Ok(b)) => {
                    check("fstat_matches_stat_ino", same_differs(a.ino == b.ino));
                    check("fstat_matches_stat_dev", same_differs(a.dev == b.dev));
                    check("fstat_matches_stat_size", same_differs(a.size == b.size));
                    check(
                        "fstat_matches_stat_type",
                        same_differs(a.filetype.raw() == b.filetype.raw()),
                    );
                    check("fstat_matches_stat_nlink", same_differs(a.nlink == b.nlink));
                    check("fstat_matches_stat_mtim", same_differs(a.mtim == b.mtim));
                }
                (Err(e), _) | (_, Err(e)) => check("fstat_matches_stat_ino", en(e)),
            }
            let _ = write_path(SANDBOX, "subdir/inner.txt", b"longer content");
            check(
                "fstat_sees_other_writer_size",
                show(&fstat(fd), |s| format!("size={}", s.size)),
            );
            close(fd);
        }
        Err(e) => check("fstat_matches_stat_ino", en(e)),
    }
    check(
        "distinct_files_distinct_ino",
        match (stat(SANDBOX, "hello.txt"), stat(SANDBOX, "empty.txt")) {
            (Ok(a), Ok(b)) => same_differs(a.ino == b.ino).into(),
            (Err(e), _) | (_, Err(e)) => en(e),
        },
    );
    check(
        "same_dev_within_preopen",
        match (stat(SANDBOX, "hello.txt"), stat(SANDBOX, "subdir")) {
            (Ok(a), Ok(b)) => same_differs(a.dev == b.dev).into(),
            (Err(e), _) | (_, Err(e)) => en(e),
        },
    );
}
