//! path_link: hard-link identity (same ino, nlink counts), shared data,
//! surviving an unlink of the other name, refusals (directories, existing
//! targets, missing sources), links to symlinks, across preopens.

use conf::*;

fn link(a: &str, b: &str) -> String {
    res(&unsafe { wasi::path_link(SANDBOX, 0, a, SANDBOX, b) })
}

fn nlink(p: &str) -> String {
    show(&stat(SANDBOX, p), |s| format!("nlink={}", s.nlink))
}

fn main() {
    let _ = write_path(SANDBOX, "orig.txt", b"shared");
    check("link_create", link("orig.txt", "hard.txt"));
    check("link_nlink_orig", nlink("orig.txt"));
    check("link_nlink_new", nlink("hard.txt"));
    check(
        "link_same_ino",
        match (stat(SANDBOX, "orig.txt"), stat(SANDBOX, "hard.txt")) {
            (Ok(a), Ok(b)) => same_differs(a.ino == b.ino).into(),
            (Err(e), _) | (_, Err(e)) => en(e),
        },
    );
    check("link_shared_content", content(SANDBOX, "hard.txt"));
    let _ = write_path(SANDBOX, "hard.txt", b"changed via link");
    check("link_write_visible", content(SANDBOX, "orig.txt"));
    check("link_second", link("orig.txt", "subdir/hard2.txt"));
    check("link_nlink_three", nlink("orig.txt"));
    match open_ro(SANDBOX, "orig.txt") {
        Ok(fd) => {
            check(
                "link_fstat_nlink",
                show(&fstat(fd), |s| format!("nlink={}", s.nlink)),
            );
            close(fd);
        }
        Err(e) => check("link_fstat_nlink", en(e)),
    }
    check(
        "link_unlink_one",
        res(&unsafe { wasi::path_unlink_file(SANDBOX, "orig.txt") }),
    );
    check("link_nlink_after_unlink", nlink("hard.txt"));
    check("link_survives_unlink", content(SANDBOX, "hard.txt"));

    // Refusals.
    check("link_dir", link("subdir", "subdir-link"));
    check("link_target_exists", link("hard.txt", "empty.txt"));
    check("link_missing_source", link("nope.txt", "x.txt"));
    check("link_missing_target_dir", link("hard.txt", "nodir/x.txt"));
    check("link_trailing_slash_source", link("hard.txt/", "x2.txt"));
    check("link_escape_target", link("hard.txt", "../escaped.txt"));

    // A link to a symlink (no follow) links the symlink itself.
    check("link_symlink_nofollow", link("link_hello", "link-of-link"));
    check(
        "link_symlink_nofollow_type",
        show(&lstat(SANDBOX, "link-of-link"), ftype),
    );
    check(
        "link_symlink_nofollow_reads",
        content(SANDBOX, "link-of-link"),
    );
    check(
        "link_dangling_symlink_nofollow",
        link("dangling", "dangling-link"),
    );

    // Across preopens.
    check(
        "link_across_preopens",
        res(&unsafe { wasi::path_link(SANDBOX, 0, "hard.txt", SCRATCH, "x-hard.txt") }),
    );
    check(
        "link_across_preopens_content",
        content(SCRATCH, "x-hard.txt"),
    );
    check(
        "link_bad_fd",
        res(&unsafe { wasi::path_link(1000, 0, "a", SANDBOX, "b") }),
    );
}
