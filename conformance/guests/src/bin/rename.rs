//! path_rename with rename(2) rules: over files and empty directories,
//! refusals (notempty, isdir, notdir, inval for a directory into its own
//! subtree), same-inode no-ops, symlinks renamed as links, across
//! preopens, open descriptors following the file.

use conf::*;

fn mv(a: &str, b: &str) -> String {
    res(&unsafe { wasi::path_rename(SANDBOX, a, SANDBOX, b) })
}

fn main() {
    let _ = write_path(SANDBOX, "r1.txt", b"one");
    check("rename_file", mv("r1.txt", "r1b.txt"));
    check("rename_file_old_gone", exists(SANDBOX, "r1.txt"));
    check("rename_file_new_content", content(SANDBOX, "r1b.txt"));

    // Over an existing file: replaced, and the name now refers to the
    // source inode.
    let _ = write_path(SANDBOX, "r2.txt", b"source");
    let _ = write_path(SANDBOX, "r3.txt", b"target");
    let src_ino = stat(SANDBOX, "r2.txt").map(|s| s.ino);
    check("rename_over_file", mv("r2.txt", "r3.txt"));
    check("rename_over_file_content", content(SANDBOX, "r3.txt"));
    check(
        "rename_keeps_inode",
        match (src_ino, stat(SANDBOX, "r3.txt")) {
            (Ok(a), Ok(b)) => same_differs(a == b.ino).into(),
            (Err(e), _) | (_, Err(e)) => en(e),
        },
    );

    // Directories.
    let _ = unsafe { wasi::path_create_directory(SANDBOX, "dA") };
    let _ = write_path(SANDBOX, "dA/f.txt", b"in A");
    let _ = unsafe { wasi::path_create_directory(SANDBOX, "dEmpty") };
    check("rename_dir_over_empty_dir", mv("dA", "dEmpty"));
    check(
        "rename_dir_contents_moved",
        content(SANDBOX, "dEmpty/f.txt"),
    );
    check("rename_dir_old_gone", exists(SANDBOX, "dA"));
    check("rename_dir_over_nonempty_dir", mv("emptydir", "dEmpty"));
    check("rename_dir_over_nonempty_kept", exists(SANDBOX, "emptydir"));
    check("rename_file_over_dir", mv("hello.txt", "emptydir"));
    check("rename_dir_over_file", mv("emptydir", "hello.txt"));
    check("rename_dir_into_own_subtree", mv("dEmpty", "dEmpty/sub"));
    check(
        "rename_dir_into_own_subtree_kept",
        exists(SANDBOX, "dEmpty/f.txt"),
    );
    check("rename_dir_trailing_slashes", mv("dEmpty/", "dRenamed/"));
    check(
        "rename_dir_trailing_slashes_moved",
        exists(SANDBOX, "dRenamed/f.txt"),
    );
    check("rename_file_trailing_slash_source", mv("r3.txt/", "r4.txt"));
    check("rename_file_trailing_slash_target", mv("r3.txt", "r4.txt/"));
    check("rename_file_trailing_slash_kept", exists(SANDBOX, "r3.txt"));

    // Same inode: no-op.
    check("rename_onto_itself", mv("r3.txt", "r3.txt"));
    check("rename_onto_itself_kept", content(SANDBOX, "r3.txt"));
    let _ = unsafe { wasi::path_link(SANDBOX, 0, "r3.txt", SANDBOX, "r3-hardlink.txt") };
    check("rename_onto_hard_link", mv("r3.txt", "r3-hardlink.txt"));
    check(
        "rename_onto_hard_link_source_kept",
        exists(SANDBOX, "r3.txt"),
    );
    check(
        "rename_onto_hard_link_target_kept",
        exists(SANDBOX, "r3-hardlink.txt"),
    );

    // Errors.
    check("rename_missing_source", mv("nope.txt", "x.txt"));
    check("rename_missing_target_parent", mv("r3.txt", "nodir/x.txt"));
    check("rename_escape_target", mv("r3.txt", "../escaped.txt"));
    check("rename_escape_source", mv("../sandbox/r3.txt", "x.txt"));

    // Symlinks are renamed themselves, not their targets.
    check("rename_symlink", mv("link_hello", "link_hello2"));
    check(
        "rename_symlink_is_link",
        show(&lstat(SANDBOX, "link_hello2"), ftype),
    );
    check("rename_symlink_target_kept", exists(SANDBOX, "hello.txt"));
    check("rename_dangling_symlink", mv("dangling", "dangling2"));
    check(
        "rename_dangling_symlink_is_link",
        show(&lstat(SANDBOX, "dangling2"), ftype),
    );
    check("rename_file_over_symlink", {
        let _ = write_path(SANDBOX, "over-link.txt", b"replaces link");
        mv("over-link.txt", "link_subdir")
    });
    check(
        "rename_over_symlink_is_file",
        show(&lstat(SANDBOX, "link_subdir"), ftype),
    );
    check(
        "rename_over_symlink_dir_kept",
        exists(SANDBOX, "subdir/inner.txt"),
    );

    // An open descriptor follows the file.
    let _ = write_path(SANDBOX, "opened.txt", b"opened");
    match open_ro(SANDBOX, "opened.txt") {
        Ok(fd) => {
            check("rename_open_file", mv("opened.txt", "subdir/moved.txt"));
            check("rename_open_fd_reads", show(&read_to_end(fd), |d| q(d)));
            close(fd);
        }
        Err(e) => check("rename_open_file", en(e)),
    }

    // Across preopens and through subdirectory fds.
    let _ = write_path(SANDBOX, "cross.txt", b"cross");
    check(
        "rename_across_preopens",
        res(&unsafe { wasi::path_rename(SANDBOX, "cross.txt", SCRATCH, "crossed.txt") }),
    );
    check(
        "rename_across_preopens_content",
        content(SCRATCH, "crossed.txt"),
    );
    match open_dir(SANDBOX, "subdir") {
        Ok(d) => {
            check(
                "rename_via_dir_fds",
                res(&unsafe { wasi::path_rename(d, "inner.txt", SANDBOX, "inner-up.txt") }),
            );
            check(
                "rename_via_dir_fds_content",
                content(SANDBOX, "inner-up.txt"),
            );
            close(d);
        }
        Err(e) => check("rename_via_dir_fds", en(e)),
    }
    check(
        "rename_bad_fd",
        res(&unsafe { wasi::path_rename(1000, "a", SANDBOX, "b") }),
    );
}
