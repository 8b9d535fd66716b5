//! The wire format of `wasiland_v1.spawn`, wasiland's one extension to
//! WASI preview 1: a guest runs a command as a child process, which runs to
//! completion while the guest waits, on three of the guest's descriptors.
//! This crate is the one definition of that format; the host
//! (`wasiland_wasi_host::spawn`) and the guests (`fixtures/tools`,
//! `fixtures/rustpython`) all use it. `no_std` with `alloc`, no
//! dependencies.
//!
//! The import, as a guest declares it:
//!
//! ```text
//! (import "wasiland_v1" "spawn"
//!   (func (param $request i32) (param $request_len i32)
//!         (param $stdin_fd i32) (param $stdout_fd i32) (param $stderr_fd i32)
//!         (param $status_ptr i32) (result i32)))
//! ```
//!
//! * **Request** (`request`, `request_len`): NUL-terminated fields: the
//!   working directory (absolute), the arguments (`argv[0]` first, at least
//!   one), an empty field, then `NAME=VALUE` environment entries (exactly
//!   the child's environment). [`encode`] writes it, [`Request::decode`]
//!   reads it.
//! * **Descriptors**: three of the caller's descriptors become the child's
//!   fds 0, 1 and 2; [`NULL_FD`] means `/dev/null`.
//! * **Reply**: the result is a WASI errno ([`errno`]); on success (0) the
//!   child's exit status (0..=255) is written as a little-endian `u32` at
//!   `status_ptr`. [`Reply`] reads and writes the pair.
//!
//! ```
//! use wasiland_spawn_abi::{encode, Request};
//! let bytes = encode(b"/tmp", ["ls", "-l"], [("LANG", "C")]).unwrap();
//! assert_eq!(bytes, b"/tmp\0ls\0-l\0\0LANG=C\0");
//! let request = Request::decode(&bytes).unwrap();
//! assert_eq!(request.cwd, b"/tmp");
//! assert_eq!(request.argv, [&b"ls"[..], b"-l"]);
//! assert_eq!(request.env, [(&b"LANG"[..], &b"C"[..])]);
//! ```
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::fmt;

/// The import's module name.
pub const MODULE: &str = "wasiland_v1";

/// The import's function name.
pub const NAME: &str = "spawn";

/// A descriptor argument meaning `/dev/null`.
pub const NULL_FD: u32 = u32::MAX;

/// The WASI errnos (preview 1 numbering) a host answers with, and what
/// each means for a spawn.
pub mod errno {
    /// The child ran; its status was written.
    pub const SUCCESS: u16 = 0;
    /// The request is longer than the host takes (its argument limit).
    pub const TOO_BIG: u16 = 1;
    /// Commands are nested too deeply (a child spawning children ...).
    pub const AGAIN: u16 = 6;
    /// A descriptor is not open, or is a directory.
    pub const BADF: u16 = 8;
    /// The request or the status slot is outside the guest's memory.
    pub const FAULT: u16 = 21;
    /// A field is not UTF-8 (the host's commands are text).
    pub const ILSEQ: u16 = 25;
    /// The request is malformed ([`crate::RequestError`]).
    pub const INVAL: u16 = 28;
    /// The caller's memory limit cannot hold the decoded request.
    pub const NOMEM: u16 = 48;
    /// The runtime cannot spawn processes (no spawner, or no wasiland).
    pub const NOSYS: u16 = 52;
}

/// What is wrong with a request (encoding refuses what decoding refuses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestError {
    /// A field holds a NUL byte (it would end the field early).
    Nul,
    /// The working directory is not absolute.
    RelativeCwd,
    /// There are no arguments (no program to run).
    NoArguments,
    /// The argument list is not ended by an empty field.
    Unterminated,
    /// An environment name is empty or holds `=`, or an entry has no `=`.
    BadEnvName,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestError::Nul => "embedded null byte",
            RequestError::RelativeCwd => "the working directory is not absolute",
            RequestError::NoArguments => "no command to run",
            RequestError::Unterminated => "the argument list is not terminated",
            RequestError::BadEnvName => "illegal environment variable name",
        })
    }
}

/// Encode a request: run `argv` in `cwd` with exactly `env`.
///
/// ```
/// use wasiland_spawn_abi::{encode, RequestError};
/// assert_eq!(encode(b"/", ["true"], [("", "x")]), Err(RequestError::BadEnvName));
/// assert_eq!(encode(b"/", ["a\0b"], [] as [(&str, &str); 0]), Err(RequestError::Nul));
/// ```
pub fn encode<A, K, V>(
    cwd: &[u8],
    argv: impl IntoIterator<Item = A>,
    env: impl IntoIterator<Item = (K, V)>,
) -> Result<Vec<u8>, RequestError>
where
    A: AsRef<[u8]>,
    K: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    if cwd.first() != Some(&b'/') {
        return Err(RequestError::RelativeCwd);
    }
    let mut out = Vec::new();
    push(&mut out, &[cwd])?;
    let mut args = 0usize;
    for arg in argv {
        push(&mut out, &[arg.as_ref()])?;
        args += 1;
    }
    if args == 0 {
        return Err(RequestError::NoArguments);
    }
    out.push(0);
    for (name, value) in env {
        let name = name.as_ref();
        if name.is_empty() || name.contains(&b'=') {
            return Err(RequestError::BadEnvName);
        }
        push(&mut out, &[name, b"=", value.as_ref()])?;
    }
    Ok(out)
}

/// Append the concatenation of `parts` as one NUL-terminated field.
fn push(out: &mut Vec<u8>, parts: &[&[u8]]) -> Result<(), RequestError> {
    for part in parts {
        if part.contains(&0) {
            return Err(RequestError::Nul);
        }
        out.extend_from_slice(part);
    }
    out.push(0);
    Ok(())
}

/// A decoded request; the fields borrow the request's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// The working directory (absolute).
    pub cwd: &'a [u8],
    /// The arguments, `argv[0]` first (never empty).
    pub argv: Vec<&'a [u8]>,
    /// The environment: (name, value) pairs.
    pub env: Vec<(&'a [u8], &'a [u8])>,
}

impl<'a> Request<'a> {
    /// Decode `bytes`. Empty environment fields are skipped, and the last
    /// entry's NUL may be missing.
    ///
    /// ```
    /// use wasiland_spawn_abi::{Request, RequestError};
    /// assert_eq!(Request::decode(b"/\0\0").unwrap_err(), RequestError::NoArguments);
    /// assert_eq!(Request::decode(b"/\0ls").unwrap_err(), RequestError::Unterminated);
    /// assert_eq!(Request::decode(b"/\0env\0\0A=1=2\0").unwrap().env, [(&b"A"[..], &b"1=2"[..])]);
    /// ```
    pub fn decode(bytes: &'a [u8]) -> Result<Request<'a>, RequestError> {
        let mut fields = bytes.split(|&b| b == 0);
        let cwd = fields.next().unwrap_or_default();
        if cwd.first() != Some(&b'/') {
            return Err(RequestError::RelativeCwd);
        }
        let mut argv = Vec::new();
        loop {
            match fields.next() {
                Some([]) => break,
                Some(arg) => argv.push(arg),
                None => return Err(RequestError::Unterminated),
            }
        }
        if argv.is_empty() {
            return Err(RequestError::NoArguments);
        }
        let mut env = Vec::new();
        for entry in fields.filter(|f| !f.is_empty()) {
            match entry.iter().position(|&b| b == b'=') {
                Some(eq) if eq > 0 => env.push((&entry[..eq], &entry[eq + 1..])),
                _ => return Err(RequestError::BadEnvName),
            }
        }
        Ok(Request { cwd, argv, env })
    }

    /// How many fields the encoded request has (for a host that sizes what
    /// it holds before decoding): one more than its NUL bytes.
    ///
    /// ```
    /// assert_eq!(wasiland_spawn_abi::Request::field_count(b"/\0ls\0"), 3);
    /// ```
    pub fn field_count(bytes: &[u8]) -> usize {
        bytes.iter().filter(|&&b| b == 0).count().saturating_add(1)
    }
}

/// The answer to a spawn: the import's result and the status slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The child ran and exited with this status (0..=255).
    Exited(u32),
    /// Nothing ran: a WASI errno ([`errno`]), never [`errno::SUCCESS`].
    Refused(u16),
}

impl Reply {
    /// The reply a guest received: the import's result and the value then
    /// in its status slot.
    ///
    /// ```
    /// use wasiland_spawn_abi::{errno, Reply};
    /// assert_eq!(Reply::from_wire(0, 3), Reply::Exited(3));
    /// assert_eq!(Reply::from_wire(errno::NOSYS, 0), Reply::Refused(errno::NOSYS));
    /// ```
    pub fn from_wire(result: u16, status: u32) -> Reply {
        match result {
            errno::SUCCESS => Reply::Exited(status),
            e => Reply::Refused(e),
        }
    }

    /// The import's result, and the status to write (only on success).
    ///
    /// ```
    /// use wasiland_spawn_abi::Reply;
    /// assert_eq!(Reply::Exited(7).to_wire(), (0, Some(7u32.to_le_bytes())));
    /// assert_eq!(Reply::Refused(6).to_wire(), (6, None));
    /// ```
    pub fn to_wire(self) -> (u16, Option<[u8; 4]>) {
        match self {
            Reply::Exited(status) => (errno::SUCCESS, Some(status.to_le_bytes())),
            Reply::Refused(e) => (e, None),
        }
    }

    /// The reply in words a guest can print: `None` for a child that ran.
    ///
    /// ```
    /// use wasiland_spawn_abi::{errno, Reply};
    /// assert_eq!(Reply::Refused(errno::AGAIN).problem(), Some("commands nested too deeply"));
    /// ```
    pub fn problem(self) -> Option<&'static str> {
        match self {
            Reply::Exited(_) => None,
            Reply::Refused(errno::NOSYS) => Some(NO_SPAWN),
            Reply::Refused(errno::AGAIN) => Some("commands nested too deeply"),
            Reply::Refused(errno::TOO_BIG) => Some("argument list too long"),
            Reply::Refused(errno::NOMEM) => Some("out of memory"),
            Reply::Refused(errno::BADF) => Some("bad file descriptor"),
            Reply::Refused(errno::ILSEQ) => Some("a command or argument is not UTF-8"),
            Reply::Refused(errno::INVAL) => Some("malformed request"),
            Reply::Refused(_) => Some("cannot spawn"),
        }
    }
}

/// Why a guest cannot run a command where the runtime lacks the import.
pub const NO_SPAWN: &str = "cannot spawn processes (this runtime has no wasiland_v1.spawn)";

/// The guest side: calling the import (built for `wasm32-wasip1`; on any
/// other target every call answers [`errno::NOSYS`], so guest code can be
/// unit-tested on the host).
pub mod guest {
    use super::{errno, Reply, NULL_FD};

    #[cfg(target_os = "wasi")]
    #[link(wasm_import_module = "wasiland_v1")]
    extern "C" {
        #[link_name = "spawn"]
        fn wasiland_spawn(
            request: *const u8,
            request_len: usize,
            stdin_fd: u32,
            stdout_fd: u32,
            stderr_fd: u32,
            status: *mut u32,
        ) -> u16;
    }

    /// Run the encoded `request` (see [`crate::encode`]) on our descriptors
    /// `fds` (`None`: `/dev/null`) and wait for it.
    #[cfg(target_os = "wasi")]
    pub fn spawn(request: &[u8], fds: [Option<u32>; 3]) -> Reply {
        let [stdin, stdout, stderr] = fds.map(|fd| fd.unwrap_or(NULL_FD));
        let mut status = 0u32;
        // SAFETY: the host reads `request.len()` bytes of `request` and
        // writes 4 bytes at `status`; both outlive the call.
        let result = unsafe {
            wasiland_spawn(
                request.as_ptr(),
                request.len(),
                stdin,
                stdout,
                stderr,
                &mut status,
            )
        };
        Reply::from_wire(result, status)
    }

    /// Run the encoded `request` (see [`crate::encode`]) on our descriptors
    /// `fds` (`None`: `/dev/null`) and wait for it.
    #[cfg(not(target_os = "wasi"))]
    pub fn spawn(request: &[u8], fds: [Option<u32>; 3]) -> Reply {
        let _ = (request, fds, NULL_FD);
        Reply::Refused(errno::NOSYS)
    }

    /// Whether this runtime offers the import: an empty request is refused
    /// as malformed by a host that has it, with `nosys` by one without.
    pub fn available() -> bool {
        spawn(b"", [None, None, None]) != Reply::Refused(errno::NOSYS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let bytes = encode(b"/w", ["sh", "-c", "echo a b"], [("K", "v=w"), ("E", "")]).unwrap();
        assert_eq!(bytes, b"/w\0sh\0-c\0echo a b\0\0K=v=w\0E=\0");
        let r = Request::decode(&bytes).unwrap();
        assert_eq!(r.argv, [&b"sh"[..], b"-c", b"echo a b"]);
        assert_eq!(r.env, [(&b"K"[..], &b"v=w"[..]), (&b"E"[..], &b""[..])]);
    }

    #[test]
    fn malformed_requests_are_refused() {
        for (bad, why) in [
            (&b""[..], RequestError::RelativeCwd),
            (b"rel\0ls\0\0", RequestError::RelativeCwd),
            (b"/\0\0", RequestError::NoArguments),
            (b"/\0ls", RequestError::Unterminated),
            (b"/\0ls\0\0NOEQUALS\0", RequestError::BadEnvName),
            (b"/\0ls\0\0=x\0", RequestError::BadEnvName),
        ] {
            assert_eq!(Request::decode(bad), Err(why), "{bad:?}");
        }
        assert_eq!(
            encode(b"rel", ["ls"], [("A", "1")]),
            Err(RequestError::RelativeCwd)
        );
        assert_eq!(
            encode(b"/", [] as [&str; 0], [("A", "1")]),
            Err(RequestError::NoArguments)
        );
        assert_eq!(
            encode(b"/", ["ls"], [("A=B", "1")]),
            Err(RequestError::BadEnvName)
        );
        assert_eq!(encode(b"/", ["ls"], [("A", "\0")]), Err(RequestError::Nul));
    }

    #[test]
    fn off_wasi_nothing_spawns() {
        assert!(!guest::available());
        assert_eq!(
            guest::spawn(b"/\0true\0\0", [None; 3]),
            Reply::Refused(errno::NOSYS)
        );
    }
}
