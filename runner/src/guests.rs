//! Where the guest programs (python3, coreutils, the tools) come from, and
//! what they are: never a path fixed at compile time, so a binary or a
//! library keeps working wherever it is installed.
//!
//! [`Guests::locate`] looks, in order, at
//! 1. `$WASILAND_FIXTURES` (a directory of built fixtures; if set, it must
//!    be right: a wrong one is an error, not a fall-through),
//! 2. the guests compiled into this build (cargo feature `embed-guests`),
//! 3. the install layout: `<prefix>/share/wasiland/guests/` beside
//!    `<prefix>/bin/<the running program>` (what `scripts/install.sh` makes),
//!
//! and says what it searched when all fail. A directory holds
//! `<module>.wasm` files (see [`crate::tools::standard_modules`]) and
//! `versions.txt`, the upstream projects and versions inside them.

use crate::tools::{standard_modules, ToolRegistry};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The install layout's guest directory, relative to the prefix.
pub const INSTALL_SUBDIR: &str = "share/wasiland/guests";

/// Largest `versions.txt` read (it is a few lines).
const MAX_VERSIONS_BYTES: u64 = 64 * 1024;

#[cfg(feature = "embed-guests")]
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_guests.rs"));
}

/// Where a set of guests was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuestOrigin {
    /// Compiled into this build (feature `embed-guests`).
    Embedded,
    /// A directory of `.wasm` files.
    Dir(PathBuf),
}

impl fmt::Display for GuestOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuestOrigin::Embedded => f.write_str("embedded in this build"),
            GuestOrigin::Dir(dir) => write!(f, "{}", dir.display()),
        }
    }
}

/// The guest programs of a sandbox: the standard tools, where they came
/// from and which upstream versions they are.
///
/// ```no_run
/// let guests = wasiland::Guests::locate()?;
/// println!("guests from {}:\n{}", guests.origin(), guests.versions());
/// let sb = wasiland::Sandbox::builder().tools(guests.tools()).build()?;
/// # drop(sb);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Guests {
    origin: GuestOrigin,
    tools: ToolRegistry,
    versions: String,
}

impl fmt::Debug for Guests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guests")
            .field("origin", &self.origin)
            .field("tools", &self.tools.names().count())
            .finish()
    }
}

/// No guests where they were looked for: each place searched and why it
/// did not do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestsNotFound {
    /// (place, what was wrong with it), in search order.
    pub searched: Vec<(String, String)>,
}

impl fmt::Display for GuestsNotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no guest programs (python3, coreutils, grep, ...): searched")?;
        for (i, (place, problem)) in self.searched.iter().enumerate() {
            let sep = if i == 0 { " " } else { "; " };
            write!(f, "{sep}{place}: {problem}")?;
        }
        f.write_str(
            ". Build them with fixtures/build.sh and set WASILAND_FIXTURES to its fixtures/out, \
             or install wasiland with scripts/install.sh",
        )
    }
}

impl std::error::Error for GuestsNotFound {}

impl Guests {
    /// The guests this program should use: `$WASILAND_FIXTURES`, else the
    /// embedded ones, else the install layout (see the module docs).
    pub fn locate() -> Result<Guests, GuestsNotFound> {
        let mut searched = Vec::new();
        match std::env::var_os("WASILAND_FIXTURES").filter(|v| !v.is_empty()) {
            Some(dir) => {
                let dir = PathBuf::from(dir);
                return Guests::from_dir(&dir).map_err(|problem| GuestsNotFound {
                    searched: vec![(format!("$WASILAND_FIXTURES ({})", dir.display()), problem)],
                });
            }
            None => searched.push(("$WASILAND_FIXTURES".into(), "not set".into())),
        }
        if let Some(guests) = Guests::embedded() {
            return Ok(guests);
        }
        searched.push((
            "embedded guests".into(),
            "none in this build (cargo feature embed-guests)".into(),
        ));
        match install_dir() {
            Ok(dir) => match Guests::from_dir(&dir) {
                Ok(guests) => return Ok(guests),
                Err(problem) => {
                    searched.push((format!("{} (install layout)", dir.display()), problem))
                }
            },
            Err(problem) => searched.push(("the install layout".into(), problem)),
        }
        Err(GuestsNotFound { searched })
    }

    /// The guests in `dir`; an error if it is not a directory holding at
    /// least one of the standard modules.
    ///
    /// ```
    /// let err = wasiland::Guests::in_dir("/nonexistent/guests").unwrap_err();
    /// assert_eq!(err.searched, [("/nonexistent/guests".to_string(), "no such directory".to_string())]);
    /// assert!(err.to_string().contains("searched /nonexistent/guests: no such directory. Build them"));
    /// ```
    pub fn in_dir(dir: impl AsRef<Path>) -> Result<Guests, GuestsNotFound> {
        let dir = dir.as_ref();
        Guests::from_dir(dir).map_err(|problem| GuestsNotFound {
            searched: vec![(dir.display().to_string(), problem)],
        })
    }

    /// The guests compiled into this build (feature `embed-guests`), if
    /// any. Every call shares one registry, so modules are compiled and
    /// python3's start-up image is made once per runtime.
    ///
    /// ```
    /// if let Some(guests) = wasiland::Guests::embedded() {
    ///     assert!(guests.tools().get("python3").is_some());
    /// }
    /// ```
    pub fn embedded() -> Option<Guests> {
        #[cfg(feature = "embed-guests")]
        {
            static EMBEDDED: std::sync::OnceLock<Guests> = std::sync::OnceLock::new();
            Some(
                EMBEDDED
                    .get_or_init(|| Guests {
                        origin: GuestOrigin::Embedded,
                        tools: ToolRegistry::from_modules(|stem| {
                            embedded::GUESTS.iter().find(|(name, _)| *name == stem).map(
                                |(_, wasm)| {
                                    crate::tools::ModuleSource::Bytes(bytes::Bytes::from_static(
                                        wasm,
                                    ))
                                },
                            )
                        }),
                        versions: embedded::VERSIONS.to_string(),
                    })
                    .clone(),
            )
        }
        #[cfg(not(feature = "embed-guests"))]
        None
    }

    fn from_dir(dir: &Path) -> Result<Guests, String> {
        match std::fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err("not a directory".into()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err("no such directory".into())
            }
            Err(e) => return Err(e.to_string()),
        }
        let tools = ToolRegistry::from_fixtures(dir);
        if tools.names().next().is_none() {
            let expected: Vec<String> = standard_modules().map(|m| format!("{m}.wasm")).collect();
            return Err(format!("none of {} in it", expected.join(", ")));
        }
        Ok(Guests {
            origin: GuestOrigin::Dir(dir.to_path_buf()),
            tools,
            versions: read_versions(&dir.join("versions.txt")),
        })
    }

    /// The tool registry to give a sandbox ([`crate::SandboxBuilder::tools`]).
    pub fn tools(&self) -> ToolRegistry {
        self.tools.clone()
    }

    /// Where these guests were found.
    pub fn origin(&self) -> &GuestOrigin {
        &self.origin
    }

    /// The upstream projects inside the guests with their versions, one
    /// per line (`RustPython 0.6.0`); empty if the directory does not say.
    pub fn versions(&self) -> &str {
        &self.versions
    }
}

/// `<prefix>/share/wasiland/guests` for the running program at
/// `<prefix>/bin/NAME` (symlinks to it resolved).
pub fn install_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| format!("cannot tell where this program is: {e}"))?;
    let prefix = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("{} has no prefix directory", exe.display()))?;
    Ok(prefix.join(INSTALL_SUBDIR))
}

/// The wasiland commit this build comes from (release builds of a git
/// checkout, or `$WASILAND_COMMIT` at build time).
pub fn commit() -> Option<&'static str> {
    let commit = include_str!(concat!(env!("OUT_DIR"), "/commit.txt"));
    (!commit.is_empty()).then_some(commit)
}

fn read_versions(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(file) = std::fs::File::open(path) {
        // A versions file that is not text is as good as none.
        if file
            .take(MAX_VERSIONS_BYTES)
            .read_to_string(&mut text)
            .is_err()
        {
            text.clear();
        }
    }
    text
}
