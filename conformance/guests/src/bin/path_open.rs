//! path_open: oflags creat/excl/trunc/directory, symlink follow and
//! nofollow, trailing slashes, escapes from the preopen (.., absolute
//! paths, symlinks), paths through files, odd names.

use conf::*;
use wasi::{
    OFLAGS_CREAT as CREAT, OFLAGS_DIRECTORY as DIRECTORY, OFLAGS_EXCL as EXCL,
    OFLAGS_TRUNC as TRUNC,
};

fn try_open(path: &str, lookup: u32, oflags: u16) -> String {
    match open_with(SANDBOX, lookup, path, oflags, RIGHTS_FILE, 0) {
        Ok(fd) => {
            let t = unsafe { wasi::fd_fdstat_get(fd) }
                .map(|s| filetype_name(s.fs_filetype.raw()))
                .unwrap_or_else(en);
            close(fd);
            format!("ok {t}")
        }
        Err(e) => en(e),
    }
}

fn try_open_ro(path: &str, lookup: u32, oflags: u16) -> String {
    let rights = RIGHTS_ALL & !RIGHTS_WRITE;
    match open_with(SANDBOX, lookup, path, oflags, rights, 0) {
        Ok(fd) => {
            let t = unsafe { wasi::fd_fdstat_get(fd) }
                .map(|s| filetype_name(s.fs_filetype.raw()))
                .unwrap_or_else(en);
            close(fd);
            format!("ok {t}")
        }
        Err(e) => en(e),
    }
}

fn main() {
    // ---- plain opens
    check("open_existing", try_open("hello.txt", FOLLOW, 0));
    check("open_missing", try_open("missing.txt", FOLLOW, 0));
    check("open_missing_parent", try_open("nope/x.txt", FOLLOW, CREAT));
    check("open_dot", try_open_ro(".", FOLLOW, 0));
    check("open_dot_directory", try_open_ro(".", FOLLOW, DIRECTORY));
    check("open_subdir_file", try_open("subdir/inner.txt", FOLLOW, 0));
    check(
        "open_dot_segments_inside",
        try_open("subdir/../subdir/./inner.txt", FOLLOW, 0),
    );
    check("open_empty_path", try_open("", FOLLOW, 0));

    // ---- creat / excl / trunc
    check("creat_new", try_open("created.txt", FOLLOW, CREAT));
    check("creat_new_exists", exists(SANDBOX, "created.txt"));
    check("creat_new_size", size_of(SANDBOX, "created.txt"));
    check("creat_existing_keeps_content", {
        let _ = try_open("hello.txt", FOLLOW, CREAT);
        content(SANDBOX, "hello.txt")
    });
    check(
        "creat_excl_existing",
        try_open("hello.txt", FOLLOW, CREAT | EXCL),
    );
    check("creat_excl_new", try_open("excl.txt", FOLLOW, CREAT | EXCL));
    check(
        "creat_excl_dir",
        try_open_ro("subdir", FOLLOW, CREAT | EXCL),
    );
    check(
        "creat_excl_dangling_symlink",
        try_open("dangling", NOFOLLOW, CREAT | EXCL),
    );
    check(
        "creat_excl_dangling_not_created",
        exists(SANDBOX, "does-not-exist"),
    );
    let _ = write_path(SANDBOX, "trunc.txt", b"0123456789");
    check("trunc", try_open("trunc.txt", FOLLOW, TRUNC));
    check("trunc_size", size_of(SANDBOX, "trunc.txt"));
    check("creat_trunc_existing", {
        let _ = write_path(SANDBOX, "trunc2.txt", b"abc");
        try_open("trunc2.txt", FOLLOW, CREAT | TRUNC)
    });
    check("creat_trunc_size", size_of(SANDBOX, "trunc2.txt"));

    // ---- directory flag and opening directories
    check(
        "directory_flag_on_dir",
        try_open_ro("subdir", FOLLOW, DIRECTORY),
    );
    check(
        "directory_flag_on_file",
        try_open("hello.txt", FOLLOW, DIRECTORY),
    );
    check(
        "directory_flag_missing",
        try_open_ro("missing-dir", FOLLOW, DIRECTORY),
    );
    check(
        "dir_without_directory_flag",
        try_open_ro("subdir", FOLLOW, 0),
    );
    check("creat_on_existing_dir", try_open("subdir", FOLLOW, CREAT));
    check("trunc_on_dir", try_open("subdir", FOLLOW, TRUNC));

    // ---- symlinks
    check("follow_symlink_to_file", try_open("link_hello", FOLLOW, 0));
    check(
        "nofollow_symlink_to_file",
        try_open("link_hello", NOFOLLOW, 0),
    );
    check(
        "follow_symlink_to_dir",
        try_open_ro("link_subdir", FOLLOW, DIRECTORY),
    );
    check(
        "nofollow_symlink_to_dir_directory",
        try_open_ro("link_subdir", NOFOLLOW, DIRECTORY),
    );
    check(
        "symlink_in_middle_nofollow",
        try_open("link_subdir/inner.txt", NOFOLLOW, 0),
    );
    check("follow_dangling", try_open("dangling", FOLLOW, 0));
    check("nofollow_dangling", try_open("dangling", NOFOLLOW, 0));

    // ---- trailing slashes
    check("trailing_slash_file", try_open("hello.txt/", FOLLOW, 0));
    check("trailing_slash_dir", try_open_ro("subdir/", FOLLOW, 0));
    check(
        "trailing_slash_dot_file",
        try_open("hello.txt/.", FOLLOW, 0),
    );
    check("trailing_slash_creat", try_open("newfile/", FOLLOW, CREAT));
    check(
        "trailing_slash_creat_not_created",
        exists(SANDBOX, "newfile"),
    );
    check("file_as_directory", try_open("hello.txt/inner", FOLLOW, 0));

    // ---- escaping the preopen
    check("dotdot_escape", try_open("../hello.txt", FOLLOW, 0));
    check(
        "dotdot_escape_via_subdir",
        try_open("subdir/../../sandbox/hello.txt", FOLLOW, 0),
    );
    check(
        "dotdot_of_preopen_dir",
        try_open_ro("..", FOLLOW, DIRECTORY),
    );
    check("absolute_path", try_open("/sandbox/hello.txt", FOLLOW, 0));
    check("absolute_root", try_open_ro("/", FOLLOW, DIRECTORY));
    let r = unsafe { wasi::path_symlink("../escape-target", SANDBOX, "escape_link") };
    check("symlink_escaping_create", res(&r));
    check(
        "open_through_escaping_symlink",
        try_open("escape_link", FOLLOW, 0),
    );
    let r = unsafe { wasi::path_symlink("subdir/../..", SANDBOX, "escape_link2") };
    check("symlink_escaping_dotdot_create", res(&r));
    check(
        "open_through_escaping_symlink_dir",
        try_open_ro("escape_link2/sandbox", FOLLOW, DIRECTORY),
    );

    // ---- names
    check("open_with_nul_byte", try_open("hello.txt\0", FOLLOW, 0));
    let ok255 = "m".repeat(255);
    check("name_255_creat", try_open(&ok255, FOLLOW, CREAT));
    check("unicode_name_creat", try_open("日本語.txt", FOLLOW, CREAT));
    check("unicode_name_stat", exists(SANDBOX, "日本語.txt"));

    // ---- invalid arguments
    let mut fd_out = 0u32;
    let p = "hello.txt";
    let ret = unsafe {
        wasi::wasi_snapshot_preview1::path_open(
            SANDBOX as i32,
            1,
            p.as_ptr() as i32,
            p.len() as i32,
            0,
            RIGHTS_FILE as i64,
            0,
            0,
            &mut fd_out as *mut u32 as i32,
        )
    };
    check("open_zero_inheriting_ok", en_raw(ret));
    if ret == 0 {
        close(fd_out);
    }
    check("open_on_file_fd", {
        match open_ro(SANDBOX, "hello.txt") {
            Ok(f) => {
                let r = unsafe { wasi::path_open(f, FOLLOW, "x", 0, RIGHTS_FILE, 0, 0) };
                close(f);
                if let Ok(fd) = r {
                    close(fd);
                }
                res(&r)
            }
            Err(e) => en(e),
        }
    });
    check(
        "open_on_bad_fd",
        res(&unsafe { wasi::path_open(1000, FOLLOW, "x", 0, RIGHTS_FILE, 0, 0) }),
    );

    // ---- write access to a directory
    check("open_dir_for_write", try_open("subdir", FOLLOW, 0));
}
