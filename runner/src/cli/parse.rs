//! Checked parsing of every value on the command line: each parser turns a
//! string into a value or into a message naming what was expected. Nothing
//! here panics or allocates by the size a number names.

use std::time::Duration;

/// The largest `--timeout`: about 31 years; anything larger is a typo, and
/// `Instant + Duration` must not overflow.
pub(crate) const MAX_TIMEOUT_SECS: f64 = 1e9;

/// `--timeout SECONDS`: a decimal number of seconds (`2`, `0.5`, `1e3`).
/// `0` means no timeout and is returned as [`Duration::ZERO`].
pub(crate) fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s.trim().parse().map_err(|_| {
        format!("expected a number of seconds like 30 or 0.5 (0 = no timeout), got {s:?}")
    })?;
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!(
            "expected a number of seconds like 30 or 0.5 (0 = no timeout), got {s:?}"
        ));
    }
    if secs > MAX_TIMEOUT_SECS {
        return Err(format!(
            "{s} seconds is more than the largest timeout ({MAX_TIMEOUT_SECS:e} s); use 0 for no timeout"
        ));
    }
    Duration::try_from_secs_f64(secs).map_err(|e| format!("bad timeout {s:?}: {e}"))
}

/// A byte count with an optional K, M, G or T suffix (powers of 1024, either
/// case): `1048576`, `512K`, `64M`, `2G`.
pub(crate) fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, shift) = match t.char_indices().last() {
        Some((i, c)) => match c.to_ascii_uppercase() {
            'K' => (&t[..i], 10),
            'M' => (&t[..i], 20),
            'G' => (&t[..i], 30),
            'T' => (&t[..i], 40),
            _ => (t, 0),
        },
        None => (t, 0),
    };
    let expected = || format!("expected a byte count like 1048576, 512K, 64M or 2G, got {s:?}");
    // Digits only: `u64::from_str` would also take a leading `+`.
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(expected());
    }
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1u64 << shift))
        .ok_or_else(|| format!("{s} bytes is too large (the largest is {} bytes)", u64::MAX))
}

/// A byte count as the flags and their help texts write it: `1G` for
/// 1 << 30, `512K`, or plain digits.
pub(crate) fn show_bytes(n: u64) -> String {
    for (shift, suffix) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] {
        if n != 0 && n.is_multiple_of(1 << shift) {
            return format!("{}{suffix}", n >> shift);
        }
    }
    n.to_string()
}

/// `NAME=VALUE`, or `NAME` alone: the host's value of NAME, as `wasmtime
/// run --env` does (`None` when the host has no such variable: then the
/// variable is left unset).
pub(crate) fn parse_env(s: &str) -> Result<(String, Option<String>), String> {
    let (name, value) = match s.split_once('=') {
        Some((k, v)) => (k, Some(v.to_string())),
        None => (s, None),
    };
    if name.is_empty() || name.contains('\0') {
        return Err(format!("expected NAME=VALUE or NAME, got {s:?}"));
    }
    let value = match value {
        Some(v) => Some(v),
        None => match std::env::var(name) {
            Ok(v) => Some(v),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(format!("the host's {name} is not valid UTF-8"))
            }
        },
    };
    Ok((name.to_string(), value))
}

/// `HOST:GUEST` of `--mount` (split at the last colon, so a host path may
/// contain colons; a guest path may not).
pub(crate) fn parse_mount(s: &str) -> Result<(String, String), String> {
    match s.rsplit_once(':') {
        Some((host, guest)) if !host.is_empty() && !guest.is_empty() => {
            Ok((host.to_string(), guest.to_string()))
        }
        _ => Err(format!(
            "expected HOST:GUEST (host directory : sandbox path), got {s:?}"
        )),
    }
}

/// `GUEST:HOST` of `--export` (split at the first colon, so a host path may
/// contain colons; a guest path may not). Checked before the command runs.
pub(crate) fn parse_export(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((guest, host)) if !guest.is_empty() && !host.is_empty() => {
            Ok((guest.to_string(), host.to_string()))
        }
        _ => Err(format!(
            "expected GUEST:HOST (sandbox path : host path), got {s:?}"
        )),
    }
}

/// A sandbox path as an absolute, normalised path: a relative one is taken
/// from `base`; `.` and `..` are resolved by name, as `cd` does (`..` of
/// `/` is `/`).
pub(crate) fn sandbox_path(base: &str, path: &str) -> String {
    wasiland::shell::normalize_path(&wasiland::exec::absolute(base, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_timeout("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_timeout("1e3"), Ok(Duration::from_secs(1000)));
        assert_eq!(parse_timeout("0"), Ok(Duration::ZERO));
        for bad in ["1e100", "inf", "NaN", "-1", "soon", "", "1e9.5", "2s"] {
            let err = parse_timeout(bad).expect_err(bad);
            assert!(err.contains(bad) || err.contains("largest"), "{bad}: {err}");
        }
        assert!(parse_timeout("1e9").is_ok());
    }

    #[test]
    fn byte_counts() {
        assert_eq!(parse_bytes("1048576"), Ok(1 << 20));
        assert_eq!(parse_bytes("512k"), Ok(512 << 10));
        assert_eq!(parse_bytes("64M"), Ok(64 << 20));
        assert_eq!(parse_bytes("2G"), Ok(2 << 30));
        assert_eq!(parse_bytes("3T"), Ok(3 << 40));
        assert_eq!(parse_bytes("0"), Ok(0));
        for bad in [
            "",
            "M",
            "-1",
            "+5",
            "1.5G",
            "12Q",
            "99999999999999999999",
            "16777216T",
        ] {
            assert!(parse_bytes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn env_inherits_without_a_value() {
        assert_eq!(parse_env("A=1=2"), Ok(("A".into(), Some("1=2".into()))));
        assert_eq!(parse_env("A="), Ok(("A".into(), Some(String::new()))));
        assert!(parse_env("=x").is_err());
        let path = std::env::var("PATH").expect("PATH is set in tests");
        assert_eq!(parse_env("PATH"), Ok(("PATH".into(), Some(path))));
        assert_eq!(
            parse_env("WASILAND_SURELY_UNSET_VARIABLE"),
            Ok(("WASILAND_SURELY_UNSET_VARIABLE".into(), None))
        );
    }

    #[test]
    fn mounts_and_exports() {
        assert_eq!(
            parse_mount("C:/data:/in"),
            Ok(("C:/data".into(), "/in".into()))
        );
        assert_eq!(
            parse_export("/out:/tmp/a:b"),
            Ok(("/out".into(), "/tmp/a:b".into()))
        );
        for bad in ["", "nocolon", ":x", "x:"] {
            assert!(parse_mount(bad).is_err(), "{bad}");
            assert!(parse_export(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sandbox_paths() {
        assert_eq!(sandbox_path("/home/user", "work"), "/home/user/work");
        assert_eq!(sandbox_path("/home/user", "."), "/home/user");
        assert_eq!(sandbox_path("/home/user", "../../.."), "/");
        assert_eq!(sandbox_path("/home/user", "/tmp//x/./y/.."), "/tmp/x");
        assert_eq!(sandbox_path("/home/user", "/"), "/");
    }
}
