//! Saved states (`Sandbox::save`/`load`): round trips of everything the
//! format carries, and hostile or damaged blobs, which must fail with a
//! clear error, change nothing and never allocate past the limits.

use std::io::Write;
use wasiland::{Limits, Sandbox, StateError, ToolRegistry};

fn sandbox() -> Sandbox {
    Sandbox::builder()
        .tools(ToolRegistry::new())
        .build()
        .unwrap()
}

fn with_limits(limits: Limits) -> Sandbox {
    Sandbox::builder()
        .tools(ToolRegistry::new())
        .limits(limits)
        .build()
        .unwrap()
}

/// Every name under `/` with its kind, mode, size, link count, times and
/// read-only flag, and the contents of files and symlinks.
fn describe(sb: &Sandbox) -> Vec<String> {
    let vfs = sb.vfs().lock();
    let mut out = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(dir) = stack.pop() {
        let path = if dir.is_empty() { "/" } else { &dir };
        for e in vfs.list_dir(path).unwrap() {
            let p = format!("{dir}/{}", e.name);
            let m = vfs.metadata(&p, false).unwrap();
            let ino = vfs.lookup(&p).ok();
            let extra = match m.file_type {
                wasiland_vfs::FileType::Regular => {
                    format!("{:?}", vfs.read_file(&p).unwrap())
                }
                wasiland_vfs::FileType::Symlink => {
                    vfs.readlink(vfs.root(), p.trim_start_matches('/')).unwrap()
                }
                wasiland_vfs::FileType::CharDevice => format!("{:?}", vfs.device(ino.unwrap())),
                wasiland_vfs::FileType::Directory => {
                    stack.push(p.clone());
                    String::new()
                }
            };
            let ro = ino.is_some_and(|i| vfs.is_read_only(i));
            out.push(format!(
                "{p} {:?} {:o} size={} nlink={} a={} m={} c={} ro={ro} {extra}",
                m.file_type, m.mode, m.size, m.nlink, m.atime, m.mtime, m.ctime
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn a_saved_tree_comes_back_exactly() {
    // With the built tools (mkdir, ln, chmod, touch).
    let mut sb = Sandbox::builder().build().unwrap();
    sb.write_file("/data/a.csv", "x,1\ny,2\n").unwrap();
    sb.write_file("/data/bin.dat", (0..=255u8).collect::<Vec<u8>>())
        .unwrap();
    sb.write_file("/data/big", vec![7u8; 300_000]).unwrap();
    let r = sb.run(
        "mkdir -p /empty/nested /data/deep/er && ln -s a.csv /data/link && ln -s /nowhere /data/dangling \
         && ln /data/a.csv /data/hard && ln /data/a.csv /data/deep/er/hard2 && chmod 600 /data/a.csv \
         && chmod 1777 /empty && touch -d @1000000000 /data/bin.dat \
         && printf '' > '/data/odd name \\ with \"quotes\" é'",
    );
    assert_eq!(r.exit_code, 0, "{}", r.stderr_str());
    let long = format!(
        "/deep/{}/{}/{}",
        "a".repeat(200),
        "b".repeat(200),
        "c".repeat(200)
    );
    sb.write_file(&format!("{long}/f"), "far").unwrap();
    sb.create_dir_all("/mnt/ro/sub").unwrap();
    sb.write_file("/mnt/ro/sub/f", "frozen").unwrap();
    sb.vfs().lock().set_read_only("/mnt/ro").unwrap();
    let before = describe(&sb);

    let blob = sb.save().unwrap();
    let mut other = sandbox();
    other.load(&blob).unwrap();
    assert_eq!(describe(&other), before);
    other.vfs().lock().check_consistency().unwrap();
    // Hard links are still one file, the read-only tree still read-only.
    other.write_file("/data/hard", "changed").unwrap();
    assert_eq!(other.read_file("/data/deep/er/hard2").unwrap(), b"changed");
    assert!(other.write_file("/mnt/ro/sub/f", "x").is_err());
    // Loading again over a used sandbox replaces everything.
    other.run("rm -r /data; echo stray > /stray");
    other.load(&blob).unwrap();
    assert_eq!(describe(&other), before);
}

#[test]
fn the_shell_session_comes_back() {
    let mut sb = Sandbox::builder().build().unwrap();
    let r = sb.run(
        r#"cd /tmp; export TOKEN='a b$c'; plain=1; declare -r FIXED=7; declare -i N=6*7
           declare -a arr=(x "y z"); arr[9]=last; declare -A map; map[k]=v; map["sp ace"]=w
           declare -x unset_but_exported; set -- one 'two words'
           greet() { local who=${1:-world}; echo "hi $who" >&2; }
           tricky() { case "$1" in a*) echo "A: $1";; *) printf '%s\n' "other: $1";; esac
                      for i in 1 2; do (( i > 1 )) && [[ $1 == a* ]] && echo "$i" | tr 2 Z; done; }
           false"#,
    );
    assert_eq!(r.exit_code, 1, "{}", r.stderr_str());
    let blob = sb.save().unwrap();
    let mut other = Sandbox::builder().build().unwrap();
    other.load(&blob).unwrap();
    let check = r#"echo "$PWD|$TOKEN|$plain|$FIXED|$N|${arr[1]}|${arr[9]}|${#arr[@]}|${map[k]}|${map[sp ace]}|$#|$2|$?"
        env | grep -c '^TOKEN=a b\$c$'; env | grep -c '^plain='
        FIXED=8 2>/dev/null
        echo "fixed=$FIXED"
        greet; greet you; tricky abc; tricky xyz"#;
    let mine = sb.run(check);
    let theirs = other.run(check);
    assert_eq!(theirs.stdout_str(), mine.stdout_str());
    assert_eq!(theirs.stderr_str(), mine.stderr_str());
    assert_eq!(
        theirs.stdout_str(),
        "/tmp|a b$c|1|7|42|y z|last|3|v|w|2|two words|1\n1\n0\nfixed=7\nA: abc\nZ\nother: xyz\n"
    );
    assert_eq!(
        theirs.stderr_str(),
        "bash: FIXED: readonly variable\nhi world\nhi you\n"
    );
}

#[test]
fn a_function_that_cannot_be_written_back_is_named() {
    let mut sb = sandbox();
    // brush-parser's printer loses here-documents and the space before a
    // redirection of a compound command; such functions are refused by name.
    sb.run("withdoc() { cat <<EOF\nhello\nEOF\n}; loop() { for i in 1; do :; done 2>&1; }");
    let err = sb.save().expect_err("a here-document in a function");
    assert!(err.to_string().contains("function loop"), "{err}");
    sb.run("unset -f loop");
    let err = sb.save().expect_err("a here-document in a function");
    assert!(err.to_string().contains("function withdoc"), "{err}");
    sb.run("unset -f withdoc");
    sb.save().unwrap();
}

/// A gzip stream of `entries`, each (pax records, header, data).
fn archive(entries: Vec<Entry>) -> Vec<u8> {
    let mut ar = tar::Builder::new(Vec::new());
    for (records, mut header, data) in entries {
        if !records.is_empty() {
            ar.append_pax_extensions(records.iter().map(|(k, v)| (*k, v.as_bytes())))
                .unwrap();
        }
        header.set_cksum();
        ar.append(&header, &data[..]).unwrap();
    }
    gzip(&ar.into_inner().unwrap())
}

type Entry = (Vec<(&'static str, String)>, tar::Header, Vec<u8>);

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn header(path: &str, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_path(path).unwrap();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h
}

fn manifest(version: u64, inodes: u64, bytes: u64) -> Entry {
    let json = serde_json::json!({
        "format": "wasiland-state", "version": version, "producer": "a test",
        "filesystem": {"inodes": inodes, "bytes": bytes},
        "shell": {"cwd": "/", "variables": {}, "functions": {}, "positional": [], "last_status": 0},
    })
    .to_string()
    .into_bytes();
    let h = header(
        "wasiland-state.json",
        tar::EntryType::Regular,
        json.len() as u64,
    );
    (vec![], h, json)
}

fn entry(path: &str, kind: tar::EntryType, data: &[u8]) -> Entry {
    (vec![], header(path, kind, data.len() as u64), data.to_vec())
}

/// Loads `blob` into a sandbox holding a marker file; the load must fail
/// and leave the marker.
#[track_caller]
fn refused(blob: &[u8], limits: Limits) -> StateError {
    let mut sb = with_limits(limits);
    sb.write_file("/marker", "still here").unwrap();
    let err = sb.load(blob).expect_err("the blob must be refused");
    assert_eq!(sb.read_file("/marker").unwrap(), b"still here");
    err
}

#[test]
fn damaged_and_foreign_blobs_are_refused_clearly() {
    let mut sb = sandbox();
    sb.run("echo data > f");
    let good = sb.save().unwrap();
    let d = Limits::default;

    let err = refused(b"", d());
    assert!(matches!(err, StateError::NotAState(_)), "{err}");
    let err = refused(&gzip(b"plain text, not a tar"), d());
    assert!(err.to_string().contains("state"), "{err}");
    // A flipped bit anywhere is caught by a checksum, or changes nothing
    // at all (deflate has spare bits; the gzip header's time and OS bytes
    // are not covered and mean nothing here).
    let expected = describe(&sb);
    for i in (0..good.len()).step_by(3) {
        let mut bad = good.clone();
        bad[i] ^= 0x10;
        let mut other = sandbox();
        match other.load(&bad) {
            Ok(()) => assert_eq!(describe(&other), expected, "byte {i}"),
            Err(err) => assert!(
                matches!(err, StateError::Corrupt(_) | StateError::NotAState(_)),
                "byte {i}: {err}"
            ),
        }
    }
    for cut in [good.len() - 1, good.len() - 8, good.len() / 2, 20] {
        let err = refused(&good[..cut], d());
        assert!(
            matches!(err, StateError::Corrupt(_) | StateError::NotAState(_)),
            "{cut}: {err}"
        );
    }
    let mut trailing = good.clone();
    trailing.extend_from_slice(b"junk");
    assert!(matches!(refused(&trailing, d()), StateError::Corrupt(_)));
    // Data after the end-of-archive blocks, inside the gzip stream.
    let mut ar = tar::Builder::new(Vec::new());
    let (_, mut mh, m) = manifest(1, 2, 0);
    mh.set_cksum();
    ar.append(&mh, &m[..]).unwrap();
    let mut raw = ar.into_inner().unwrap();
    raw.extend_from_slice(b"hidden after the end");
    assert!(matches!(refused(&gzip(&raw), d()), StateError::Corrupt(_)));

    let newer = archive(vec![manifest(2, 1, 0)]);
    let err = refused(&newer, d());
    assert!(
        matches!(err, StateError::Incompatible { version: 2, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("version 2 (written by a test)"),
        "{err}"
    );
    assert!(err.to_string().contains("reads version 1"), "{err}");

    let no_manifest = archive(vec![entry("fs/", tar::EntryType::Directory, b"")]);
    assert!(matches!(
        refused(&no_manifest, d()),
        StateError::NotAState(_)
    ));
}

#[test]
fn hostile_archives_fail_before_allocating() {
    let d = Limits::default;
    let small = || Limits {
        fs_bytes: Some(1000),
        fs_inodes: Some(50),
        ..Limits::default()
    };
    // A header announcing a terabyte in a blob of a few hundred bytes.
    let mut ar = tar::Builder::new(Vec::new());
    let (_, mut mh, m) = manifest(1, 2, 0);
    mh.set_cksum();
    ar.append(&mh, &m[..]).unwrap();
    let mut root = header("fs/", tar::EntryType::Directory, 0);
    root.set_cksum();
    ar.append(&root, &[][..]).unwrap();
    let mut raw = ar.get_ref().clone();
    let mut huge = header("fs/big", tar::EntryType::Regular, 1 << 40);
    huge.set_cksum();
    raw.extend_from_slice(huge.as_bytes());
    raw.extend_from_slice(&[0; 1024]);
    let err = refused(&gzip(&raw), d());
    assert!(matches!(err, StateError::TooLarge(_)), "{err}");

    // Declared totals beyond the limits are refused up front.
    let err = refused(&archive(vec![manifest(1, 10, 5000)]), small());
    assert!(err.to_string().contains("5000 bytes"), "{err}");
    let err = refused(&archive(vec![manifest(1, 900, 0)]), small());
    assert!(err.to_string().contains("900 files"), "{err}");
    // Lying totals do not help: the real quotas stop the load.
    let mut many = vec![
        manifest(1, 1, 0),
        entry("fs/", tar::EntryType::Directory, b""),
    ];
    for i in 0..60 {
        many.push(entry(&format!("fs/d{i}/"), tar::EntryType::Directory, b""));
    }
    assert!(matches!(
        refused(&archive(many), small()),
        StateError::TooLarge(_)
    ));
    let mut big_files = vec![
        manifest(1, 1, 0),
        entry("fs/", tar::EntryType::Directory, b""),
    ];
    for i in 0..3 {
        big_files.push(entry(
            &format!("fs/f{i}"),
            tar::EntryType::Regular,
            &[1; 400],
        ));
    }
    assert!(matches!(
        refused(&archive(big_files), small()),
        StateError::TooLarge(_)
    ));
    // Hard links make names without inodes; they are bounded too.
    let mut links = vec![
        manifest(1, 1, 0),
        entry("fs/", tar::EntryType::Directory, b""),
        entry("fs/f", tar::EntryType::Regular, b"x"),
    ];
    for i in 0..200 {
        let mut e = entry(&format!("fs/l{i}"), tar::EntryType::Link, b"");
        e.0.push(("linkpath", "fs/f".into()));
        links.push(e);
    }
    assert!(matches!(
        refused(&archive(links), small()),
        StateError::TooLarge(_)
    ));
    // An oversized pax header is refused by its size.
    let pax = vec![
        manifest(1, 1, 0),
        (
            vec![("comment", "x".repeat(100_000))],
            header("fs/", tar::EntryType::Directory, 0),
            vec![],
        ),
    ];
    assert!(matches!(
        refused(&archive(pax), d()),
        StateError::Corrupt(_)
    ));
}

#[test]
fn paths_cannot_leave_the_tree_or_pass_through_symlinks() {
    let d = Limits::default;
    let base = || {
        vec![
            manifest(1, 3, 0),
            entry("fs/", tar::EntryType::Directory, b""),
        ]
    };
    for path in [
        "fs/../escape",
        "fs/a/../../x",
        "other/f",
        "fs//f",
        "fs/./f",
        "/fs/f",
    ] {
        let mut entries = base();
        let mut e = entry("fs/placeholder", tar::EntryType::Regular, b"x");
        e.0.push(("path", path.to_string()));
        entries.push(e);
        let err = refused(&archive(entries), d());
        assert!(matches!(err, StateError::Corrupt(_)), "{path}: {err}");
    }
    // A file "inside" a symlink to a directory: only directories of the
    // archive hold names.
    let mut entries = base();
    entries.push(entry("fs/tmp/", tar::EntryType::Directory, b""));
    let mut link = entry("fs/sneaky", tar::EntryType::Symlink, b"");
    link.0.push(("linkpath", "/tmp".into()));
    entries.push(link);
    entries.push(entry("fs/sneaky/f", tar::EntryType::Regular, b"x"));
    assert!(matches!(
        refused(&archive(entries), d()),
        StateError::Corrupt(_)
    ));
    // A hard link to something that is not an earlier file.
    let mut entries = base();
    let mut l = entry("fs/l", tar::EntryType::Link, b"");
    l.0.push(("linkpath", "fs/nothing".into()));
    entries.push(l);
    assert!(matches!(
        refused(&archive(entries), d()),
        StateError::Corrupt(_)
    ));
    // Block devices, FIFOs, sparse files and devices wasiland lacks.
    for kind in [
        tar::EntryType::Block,
        tar::EntryType::Fifo,
        tar::EntryType::GNUSparse,
        tar::EntryType::Char,
    ] {
        let mut entries = base();
        entries.push(entry("fs/dev", kind, b""));
        assert!(
            matches!(refused(&archive(entries), d()), StateError::Corrupt(_)),
            "{kind:?}"
        );
    }
}

#[test]
fn a_state_loads_under_another_sandbox_s_limits() {
    let mut sb = sandbox();
    sb.write_file("/data", vec![1u8; 5000]).unwrap();
    let blob = sb.save().unwrap();
    let mut tight = with_limits(Limits {
        fs_bytes: Some(4000),
        ..Limits::default()
    });
    let err = tight.load(&blob).expect_err("too big");
    assert!(err.to_string().contains("4000"), "{err}");
    let mut roomy = with_limits(Limits {
        fs_bytes: Some(6000),
        ..Limits::default()
    });
    roomy.load(&blob).unwrap();
    // Its quotas keep applying after the load.
    assert!(roomy.write_file("/more", vec![0u8; 2000]).is_err());
}
