//! path_symlink and path_readlink: contents stored verbatim, readlink
//! truncation, dangling links, loops, chains, links to directories,
//! absolute and escaping targets, the fixture's links made by the host.

use conf::*;

fn ln(target: &str, name: &str) -> String {
    res(&unsafe { wasi::path_symlink(target, SANDBOX, name) })
}

fn readlink(path: &str, len: usize) -> Result<Vec<u8>, wasi::Errno> {
    let mut buf = vec![0xAAu8; len + 8];
    let n = unsafe { wasi::path_readlink(SANDBOX, path, buf.as_mut_ptr(), len) }?;
    if n > len || buf[len..].iter().any(|&b| b != 0xAA) {
        return Err(wasi::ERRNO_FAULT);
    }
    buf.truncate(n);
    Ok(buf)
}

fn main() {
    // ---- host-made fixture links
    check(
        "fixture_readlink",
        show(&readlink("link_hello", 64), |d| q(d)),
    );
    check("fixture_link_reads_target", content(SANDBOX, "link_hello"));
    check(
        "fixture_dir_link_traversal",
        content(SANDBOX, "link_subdir/inner.txt"),
    );

    // ---- create and read back
    check("symlink_create", ln("hello.txt", "l1"));
    check("symlink_type", show(&lstat(SANDBOX, "l1"), ftype));
    check("readlink", show(&readlink("l1", 64), |d| q(d)));
    check("readlink_exact_buffer", show(&readlink("l1", 9), |d| q(d)));
    check("readlink_truncates", show(&readlink("l1", 3), |d| q(d)));
    check(
        "readlink_zero_buffer",
        show(&readlink("l1", 0), |d| format!("bufused={}", d.len())),
    );
    check("readlink_file", show(&readlink("hello.txt", 64), |d| q(d)));
    check("readlink_dir", show(&readlink("subdir", 64), |d| q(d)));
    check("readlink_missing", show(&readlink("missing", 64), |d| q(d)));
    check(
        "readlink_trailing_slash",
        show(&readlink("l1/", 64), |d| q(d)),
    );
    check("symlink_existing_name", ln("whatever", "l1"));
    check("symlink_over_file", ln("whatever", "hello.txt"));
    check("symlink_over_dir", ln("whatever", "subdir"));
    // A trailing slash names a directory (wasi-testsuite
    // `path_symlink_trailing_slashes`, Unix errno mode).
    check("symlink_over_file_slash", ln("whatever", "hello.txt/"));
    check("symlink_over_dir_slash", ln("whatever", "subdir/"));
    check("symlink_missing_slash", ln("whatever", "nothere/"));
    check("symlink_missing_parent", ln("whatever", "nodir/l"));
    check("symlink_contents_verbatim", {
        let _ = ln("a//b/./c/../d", "weird");
        show(&readlink("weird", 64), |d| q(d))
    });
    check("symlink_unicode_target", {
        let _ = ln("ünï", "uni");
        show(&readlink("uni", 64), |d| q(d))
    });

    // ---- dangling
    check("dangling_create", ln("not-there", "dl"));
    check("dangling_lstat", show(&lstat(SANDBOX, "dl"), ftype));
    check(
        "dangling_lstat_size",
        show(&lstat(SANDBOX, "dl"), |s| format!("size={}", s.size)),
    );
    check("dangling_stat", show(&stat(SANDBOX, "dl"), ftype));
    check(
        "dangling_open",
        show(&open_ro(SANDBOX, "dl"), |_| "ok".into()),
    );

    // ---- loops
    let _ = ln("loopB", "loopA");
    let _ = ln("loopA", "loopB");
    let _ = ln("self", "self");
    check("loop_stat", show(&stat(SANDBOX, "loopA"), ftype));
    check("loop_lstat", show(&lstat(SANDBOX, "loopA"), ftype));
    check(
        "loop_open",
        show(&open_ro(SANDBOX, "loopA"), |_| "ok".into()),
    );
    check("self_loop_stat", show(&stat(SANDBOX, "self"), ftype));
    check("loop_in_middle", show(&stat(SANDBOX, "loopA/x"), ftype));
    check("loop_readlink", show(&readlink("loopA", 64), |d| q(d)));

    // ---- chains and relative targets
    let _ = ln("hello.txt", "c1");
    let _ = ln("c1", "c2");
    let _ = ln("c2", "c3");
    check("chain_of_three", content(SANDBOX, "c3"));
    let mut prev = "hello.txt".to_string();
    for i in 0..30 {
        let name = format!("k{i}");
        let _ = ln(&prev, &name);
        prev = name;
    }
    check("chain_of_thirty", content(SANDBOX, "k29"));
    let _ = ln("../hello.txt", "subdir/up");
    check("relative_target_dotdot", content(SANDBOX, "subdir/up"));
    let _ = ln("deeper", "subdir/down");
    check(
        "relative_to_link_dir",
        show(&stat(SANDBOX, "subdir/down"), ftype),
    );
    let _ = ln("subdir", "ld");
    check("dir_link_traversal", content(SANDBOX, "ld/inner.txt"));
    check("dir_link_dotdot", content(SANDBOX, "ld/../hello.txt"));
    check(
        "dir_link_trailing_slash_lstat",
        show(&lstat(SANDBOX, "ld/"), ftype),
    );

    // ---- absolute and escaping targets
    // An absolute target is refused when the link is made (wasi-testsuite
    // `symlink_create`): no lookup through a preopen could follow it.
    let made = unsafe { wasi::path_symlink("/sandbox/hello.txt", SANDBOX, "abs") };
    let escape = |e: wasi::Errno| e == wasi::ERRNO_PERM || e == wasi::ERRNO_NOTCAPABLE;
    check(
        "absolute_target",
        match made {
            Err(e) if escape(e) => "refused-at-create".to_string(),
            Err(e) => format!("create-{}", en(e)),
            Ok(()) => match open_ro(SANDBOX, "abs") {
                Err(e) if escape(e) => "refused-at-open".to_string(),
                Err(e) => format!("open-{}", en(e)),
                Ok(fd) => {
                    close(fd);
                    "followed".to_string()
                }
            },
        },
    );
    check("absolute_target_errno", res(&made));
    check("absolute_target_left_nothing", res(&lstat(SANDBOX, "abs")));
    check("absolute_root_target", ln("/", "rootlink"));
    check(
        "absolute_target_in_opened_dir",
        show(&open_dir(SANDBOX, "subdir"), |&dir| {
            let r = res(&unsafe { wasi::path_symlink("/", dir, "rootlink") });
            close(dir);
            r
        }),
    );
    check("escaping_target_create", ln("../../etc/passwd", "esc"));
    check(
        "escaping_target_open",
        show(&open_ro(SANDBOX, "esc"), |_| "ok".into()),
    );
    check(
        "escaping_target_readlink",
        show(&readlink("esc", 64), |d| q(d)),
    );
    check("symlink_path_escape", ln("hello.txt", "../outside-link"));
    check("symlink_empty_target", ln("", "empty-target"));

    // ---- std
    check(
        "std_read_link",
        match std::fs::read_link("/sandbox/l1") {
            Ok(p) => q(p.as_os_str().as_encoded_bytes()),
            Err(e) => format!("error:{:?}", e.kind()),
        },
    );
    check(
        "std_symlink_metadata",
        match std::fs::symlink_metadata("/sandbox/l1") {
            Ok(m) => yes_no(m.file_type().is_symlink()).into(),
            Err(e) => format!("error:{:?}", e.kind()),
        },
    );
}
