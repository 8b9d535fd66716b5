//! args_sizes_get, args_get, environ_sizes_get, environ_get: exact byte
//! counts (UTF-8, each NUL counted), contents with spaces, quotes, newlines
//! and unicode, no writes past the reported sizes, agreement with Rust std.

use conf::*;

const CANARY: u8 = 0xAA;

/// Fetch a string vector through a (sizes_get, get) pair, checking the
/// buffer discipline. Returns (count, buf_size, strings, consistent,
/// nul_terminated, no_overflow).
struct Vector {
    count: usize,
    buf_size: usize,
    items: Vec<Vec<u8>>,
    consistent: bool,
    nul_terminated: bool,
    no_overflow: bool,
}

fn fetch(
    sizes: unsafe fn() -> Result<(usize, usize), wasi::Errno>,
    get: unsafe fn(*mut *mut u8, *mut u8) -> Result<(), wasi::Errno>,
) -> Result<Vector, wasi::Errno> {
    let (count, buf_size) = unsafe { sizes() }?;
    if count > 100_000 || buf_size > 10_000_000 {
        return Err(wasi::ERRNO_2BIG);
    }
    const SLACK: usize = 64;
    let mut buf = vec![CANARY; buf_size + SLACK];
    let sentinel = 0xAAAA_AAAAusize as *mut u8;
    let mut ptrs: Vec<*mut u8> = vec![sentinel; count + 4];
    unsafe { get(ptrs.as_mut_ptr(), buf.as_mut_ptr()) }?;
    let base = buf.as_ptr() as usize;
    let mut items = Vec::new();
    let mut consistent = true;
    let mut nul_terminated = true;
    let mut total = 0usize;
    for &p in &ptrs[..count] {
        let p = p as usize;
        if p < base || p >= base + buf_size {
            consistent = false;
            continue;
        }
        let start = p - base;
        match buf[start..buf_size].iter().position(|&b| b == 0) {
            Some(len) => {
                items.push(buf[start..start + len].to_vec());
                total += len + 1;
            }
            None => {
                nul_terminated = false;
                items.push(buf[start..buf_size].to_vec());
                total += buf_size - start;
            }
        }
    }
    if total != buf_size {
        consistent = false;
    }
    let no_overflow = buf[buf_size..].iter().all(|&b| b == CANARY)
        && ptrs[count..].iter().all(|&p| p == sentinel);
    Ok(Vector {
        count,
        buf_size,
        items,
        consistent,
        nul_terminated,
        no_overflow,
    })
}

fn main() {
    // ---- args
    match fetch(wasi::args_sizes_get, wasi::args_get) {
        Err(e) => check("args", en(e)),
        Ok(v) => {
            check("argc", format!("argc={}", v.count));
            let argv0_len = v.items.first().map(|a| a.len() + 1).unwrap_or(0);
            check(
                "args_buf_size_without_argv0",
                format!("size={}", v.buf_size.saturating_sub(argv0_len)),
            );
            check("args_sizes_consistent", yes_no(v.consistent));
            check("args_nul_terminated", yes_no(v.nul_terminated));
            check("args_no_overflow", yes_no(v.no_overflow));
            let argv0 = v.items.first().cloned().unwrap_or_default();
            let base = argv0.rsplit(|&b| b == b'/').next().unwrap_or(&[]);
            check("argv0_basename", q(base));
            for i in 1..10 {
                match v.items.get(i) {
                    Some(a) => check(&format!("arg{i}"), q(a)),
                    None => check(&format!("arg{i}"), "missing"),
                }
            }
            let std_args: Vec<Vec<u8>> = std::env::args_os()
                .map(|a| a.into_encoded_bytes())
                .collect();
            check("std_args_match", same_differs(std_args == v.items));
        }
    }

    // ---- environment
    match fetch(wasi::environ_sizes_get, wasi::environ_get) {
        Err(e) => check("environ", en(e)),
        Ok(v) => {
            check("environ_count", format!("count={}", v.count));
            check("environ_buf_size", format!("size={}", v.buf_size));
            check("environ_sizes_consistent", yes_no(v.consistent));
            check("environ_nul_terminated", yes_no(v.nul_terminated));
            check("environ_no_overflow", yes_no(v.no_overflow));
            let lookup = |key: &str| -> String {
                let mut prefix = key.as_bytes().to_vec();
                prefix.push(b'=');
                let hits: Vec<&Vec<u8>> =
                    v.items.iter().filter(|e| e.starts_with(&prefix)).collect();
                match hits.as_slice() {
                    [] => "missing".into(),
                    [one] => q(&one[prefix.len()..]),
                    _ => "duplicated".into(),
                }
            };
            for key in [
                "PLAIN", "EMPTY", "SPACES", "QUOTES", "NEWLINE", "UNICODE", "EQUALS",
            ] {
                check(&format!("env_{key}"), lookup(key));
            }
            let std_env: Vec<Vec<u8>> = std::env::vars_os()
                .map(|(k, val)| {
                    let mut e = k.into_encoded_bytes();
                    e.push(b'=');
                    e.extend(val.into_encoded_bytes());
                    e
                })
                .collect();
            check("std_env_match", same_differs(std_env == v.items));
            check(
                "std_var_unset",
                match std::env::var_os("CONFORMANCE_NOT_SET") {
                    None => "absent".to_string(),
                    Some(x) => q(x.as_encoded_bytes()),
                },
            );
        }
    }
}
