//! `wasiland --version`: the wasiland version and commit, where the guests
//! come from and the upstream versions inside them.

use wasiland::Guests;

/// True if the command line asks for the version (`wasiland --version` or
/// `-V`, before any command, as clap would take it).
pub fn requested() -> bool {
    std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == "--version" || arg == "-V")
}

/// The text `--version` prints.
pub fn text() -> String {
    let mut out = format!("wasiland {}", env!("CARGO_PKG_VERSION"));
    match wasiland::guests::commit() {
        Some(commit) => out.push_str(&format!(" (commit {commit})\n")),
        None => out.push_str(" (commit unknown)\n"),
    }
    match Guests::locate() {
        Ok(guests) => {
            out.push_str(&format!("guests: {}\n", guests.origin()));
            let versions = guests.versions();
            if versions.trim().is_empty() {
                out.push_str("  (versions unknown: no versions.txt)\n");
            }
            for line in versions.lines().filter(|l| !l.trim().is_empty()) {
                out.push_str(&format!("  {}\n", super::text::escape(line)));
            }
        }
        Err(e) => {
            out.push_str("guests: not found\n");
            for (place, problem) in &e.searched {
                out.push_str(&format!("  {place}: {problem}\n"));
            }
        }
    }
    out
}
