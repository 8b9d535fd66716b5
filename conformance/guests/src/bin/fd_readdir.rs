//! fd_readdir: `.` and `..` included, d_ino/d_type agree with stat, cookies
//! resume exactly, a full buffer ends in a partial record, a 1000-entry
//! directory read through small buffers yields each name once, Rust std's
//! read_dir on top of it.

use conf::*;

fn main() {
    let all = readdir_all(SANDBOX, 4096);
    let entries = match all {
        Ok(e) => e,
        Err(e) => {
            check("readdir_sandbox", e);
            return;
        }
    };
    check("sandbox_names", sorted_names(&entries));
    let find = |n: &str| entries.iter().find(|e| e.name == n.as_bytes()).cloned();

    // d_ino and d_type agree with stat.
    check(
        "dot_ino_matches_fd_filestat",
        match (find("."), fstat(SANDBOX)) {
            (Some(d), Ok(st)) => same_differs(d.ino == st.ino).into(),
            (None, _) => "no-dot".into(),
            (_, Err(e)) => en(e),
        },
    );
    let mut ino_ok = true;
    let mut type_ok = true;
    for e in &entries {
        if e.name == b"." || e.name == b".." {
            continue;
        }
        let name = String::from_utf8_lossy(&e.name).into_owned();
        match lstat(SANDBOX, &name) {
            Ok(st) => {
                ino_ok &= st.ino == e.ino;
                type_ok &= st.filetype.raw() == e.ftype;
            }
            Err(_) => {
                ino_ok = false;
                type_ok = false;
            }
        }
    }
    check("entry_inos_match_lstat", yes_no(ino_ok));
    check("entry_types_match_lstat", yes_no(type_ok));
    for n in [
        ".",
        "..",
        "hello.txt",
        "subdir",
        "link_hello",
        "link_subdir",
        "dangling",
    ] {
        check(
            &format!("d_type_{n}"),
            find(n)
                .map(|e| filetype_name(e.ftype))
                .unwrap_or_else(|| "missing".into()),
        );
    }

    // Cookies: distinct, and resuming from entry i's d_next yields exactly
    // the entries after i.
    let mut cookies: Vec<u64> = entries.iter().map(|e| e.next).collect();
    cookies.sort();
    cookies.dedup();
    check("cookies_distinct", yes_no(cookies.len() == entries.len()));
    let mut resume_ok = true;
    for (i, e) in entries.iter().enumerate() {
        match readdir_chunk(SANDBOX, 4096, e.next) {
            Ok(c) => {
                let want: Vec<&Vec<u8>> = entries[i + 1..].iter().map(|x| &x.name).collect();
                let got: Vec<&Vec<u8>> = c.entries.iter().map(|x| &x.name).collect();
                resume_ok &= want == got;
            }
            Err(_) => resume_ok = false,
        }
    }
    check("resume_from_every_cookie", yes_no(resume_ok));
    check(
        "resume_from_last_cookie",
        match entries.last() {
            Some(last) => show(&readdir_chunk(SANDBOX, 4096, last.next), |c| {
                format!("bufused={}", c.bufused)
            }),
            None => "empty".into(),
        },
    );
    check(
        "cookie_zero_restarts",
        show(&readdir_chunk(SANDBOX, 4096, 0), |c| {
            same_differs(names(&c.entries) == names(&entries)).into()
        }),
    );

    // A buffer that ends inside a record is filled completely.
    check(
        "partial_record_fills_buffer",
        show(&readdir_chunk(SANDBOX, 30, 0), |c| {
            format!("bufused={}", c.bufused)
        }),
    );
    check(
        "tiny_buffer_fills",
        show(&readdir_chunk(SANDBOX, 10, 0), |c| {
            format!("bufused={}", c.bufused)
        }),
    );
    check(
        "partial_record_is_truncated",
        show(&readdir_chunk(SANDBOX, 30, 0), |c| {
            format!("complete={} truncated={}", c.entries.len(), c.truncated)
        }),
    );
    check(
        "small_buffers_same_listing",
        match readdir_all(SANDBOX, 40) {
            Ok(e) => same_differs(names(&e) == names(&entries)).into(),
            Err(e) => e,
        },
    );

    // An empty directory has just . and ..; a new file appears, an
    // unlinked one disappears.
    match open_dir(SANDBOX, "emptydir") {
        Ok(d) => {
            check(
                "emptydir_names",
                readdir_all(d, 256)
                    .map(|e| sorted_names(&e))
                    .unwrap_or_else(|e| e),
            );
            let _ = write_path(d, "new.txt", b"n");
            check(
                "new_file_listed",
                readdir_all(d, 256)
                    .map(|e| sorted_names(&e))
                    .unwrap_or_else(|e| e),
            );
            let _ = unsafe { wasi::path_unlink_file(d, "new.txt") };
            check(
                "unlinked_file_gone",
                readdir_all(d, 256)
                    .map(|e| sorted_names(&e))
                    .unwrap_or_else(|e| e),
            );
            close(d);
        }
        Err(e) => check("emptydir_names", en(e)),
    }

    // A subdirectory's listing.
    match open_dir(SANDBOX, "subdir") {
        Ok(d) => {
            check(
                "subdir_names",
                readdir_all(d, 256)
                    .map(|e| sorted_names(&e))
                    .unwrap_or_else(|e| e),
            );
            close(d);
        }
        Err(e) => check("subdir_names", en(e)),
    }

    // A unicode name comes back byte for byte.
    let uname = "ünï-✓.txt";
    let _ = write_path(SANDBOX, uname, b"u");
    check(
        "unicode_name_listed",
        match readdir_all(SANDBOX, 4096) {
            Ok(e) => yes_no(e.iter().any(|x| x.name == uname.as_bytes())).into(),
            Err(e) => e,
        },
    );

    // 1000 entries read with 256-byte buffers: every name exactly once.
    let _ = unsafe { wasi::path_create_directory(SCRATCH, "many") };
    match open_dir(SCRATCH, "many") {
        Ok(d) => {
            let mut create_ok = true;
            for i in 0..1000 {
                // Names of varying length so records straddle buffers
                // at many different offsets.
                let name = format!("entry-{i:04}-{}", "x".repeat(i % 17));
                if write_path(d, &name, b"").is_err() {
                    create_ok = false;
                }
            }
            check("many_created", yes_no(create_ok));
            match readdir_all(d, 256) {
                Ok(e) => {
                    check("many_count", format!("count={}", e.len()));
                    let mut n = names(&e);
                    n.sort();
                    let before = n.len();
                    n.dedup();
                    check("many_each_once", yes_no(before == n.len()));
                    let expected: Vec<String> = (0..1000)
                        .map(|i| format!("entry-{i:04}-{}", "x".repeat(i % 17)))
                        .collect();
                    check(
                        "many_all_present",
                        yes_no(expected.iter().all(|x| n.binary_search(x).is_ok())),
                    );
                }
                Err(e) => check("many_count", e),
            }
            close(d);
        }
        Err(e) => check("many_created", en(e)),
    }

    // Readdir on things that are not directories.
    if let Ok(f) = open_ro(SANDBOX, "hello.txt") {
        check(
            "readdir_on_file",
            show(&readdir_chunk(f, 256, 0), |c| {
                format!("bufused={}", c.bufused)
            }),
        );
        close(f);
    }
    check(
        "readdir_bad_fd",
        show(&readdir_chunk(1000, 256, 0), |c| {
            format!("bufused={}", c.bufused)
        }),
    );

    // Rust std's read_dir (skips . and ..) and its file types.
    match std::fs::read_dir("/sandbox/subdir") {
        Ok(rd) => {
            let mut v: Vec<String> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            check("std_read_dir_subdir", v.join(","));
        }
        Err(e) => check("std_read_dir_subdir", format!("error:{:?}", e.kind())),
    }
    match std::fs::read_dir("/sandbox") {
        Ok(rd) => {
            let mut kinds: Vec<String> = rd
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with("link_"))
                .map(|e| {
                    let ft = e.file_type();
                    format!(
                        "{}:{}",
                        e.file_name().to_string_lossy(),
                        match ft {
                            Ok(t) if t.is_symlink() => "symlink",
                            Ok(t) if t.is_dir() => "dir",
                            Ok(_) => "file",
                            Err(_) => "error",
                        }
                    )
                })
                .collect();
            kinds.sort();
            check("std_file_type_links", kinds.join(","));
        }
        Err(e) => check("std_file_type_links", format!("error:{:?}", e.kind())),
    }
}
