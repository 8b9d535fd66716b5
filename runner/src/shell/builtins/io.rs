//! `echo`, `printf`, `read`, `mapfile`/`readarray`.

use super::super::exec::{Flow, Shell, R};
use super::super::expand::{decode_escape_bytes, EscapeMode};
use super::super::Value;
use super::{is_name, quote_q};
use std::collections::BTreeMap;
use wasiland_wasi_host::StreamError;

pub(crate) fn echo(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let mut newline = true;
    let mut escapes = false;
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E'))
        {
            for c in a[1..].chars() {
                match c {
                    'n' => newline = false,
                    'e' => escapes = true,
                    _ => escapes = false,
                }
            }
            i += 1;
        } else {
            break;
        }
    }
    let mut out: Vec<u8> = Vec::new();
    for (k, a) in argv[i..].iter().enumerate() {
        if k > 0 {
            out.push(b' ');
        }
        if escapes {
            let (bytes, stop) = decode_escape_bytes(a, EscapeMode::Echo);
            out.extend_from_slice(&bytes);
            if stop {
                sh.out(&out)?;
                return Ok(0);
            }
        } else {
            out.extend_from_slice(a.as_bytes());
        }
    }
    if newline {
        out.push(b'\n');
    }
    sh.out(&out)?;
    Ok(0)
}

// ---------------------------------------------------------------- printf

struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

fn pad(s: Vec<u8>, spec: &Spec, numeric: bool) -> Vec<u8> {
    let len = String::from_utf8_lossy(&s).chars().count();
    let Some(w) = spec.width else { return s };
    if len >= w {
        return s;
    }
    let fill = w - len;
    if spec.left {
        let mut v = s;
        v.extend(std::iter::repeat_n(b' ', fill));
        v
    } else if spec.zero && numeric {
        // zeros after the sign / 0x prefix
        let sign_len = if s.first().is_some_and(|c| matches!(c, b'-' | b'+' | b' ')) {
            1
        } else {
            0
        };
        let mut v = s[..sign_len].to_vec();
        v.extend(std::iter::repeat_n(b'0', fill));
        v.extend_from_slice(&s[sign_len..]);
        v
    } else {
        let mut v: Vec<u8> = std::iter::repeat_n(b' ', fill).collect();
        v.extend_from_slice(&s);
        v
    }
}

/// Parse a printf numeric argument like bash (`'c` is the char code).
fn parse_int_arg(s: &str) -> Result<i64, i64> {
    let t = s.trim_start();
    if let Some(rest) = t.strip_prefix('\'').or_else(|| t.strip_prefix('"')) {
        return Ok(rest.chars().next().map_or(0, |c| c as i64));
    }
    if t.is_empty() {
        return Ok(0);
    }
    if let Some(v) = super::super::arith::parse_number(t) {
        return Ok(v);
    }
    // Leading digits then garbage: bash prints the prefix value and fails.
    let (neg, body) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let digits: String = body.chars().take_while(|c| c.is_ascii_digit()).collect();
    let v = digits.parse::<i64>().unwrap_or(0);
    Err(if neg { -v } else { v })
}

fn parse_float_arg(s: &str) -> Result<f64, f64> {
    let t = s.trim();
    if let Some(rest) = t.strip_prefix('\'').or_else(|| t.strip_prefix('"')) {
        return Ok(rest.chars().next().map_or(0.0, |c| c as u32 as f64));
    }
    if t.is_empty() {
        return Ok(0.0);
    }
    if let Ok(v) = t.parse::<f64>() {
        return Ok(v);
    }
    if let Some(v) = super::super::arith::parse_number(t) {
        return Ok(v as f64);
    }
    Err(0.0)
}

fn fmt_exp(v: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, v);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = exp.parse().unwrap_or(0);
    let out = format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    if upper {
        out.to_uppercase()
    } else {
        out
    }
}

fn fmt_g(v: f64, prec: usize, alt: bool, upper: bool) -> String {
    let p = if prec == 0 { 1 } else { prec };
    if v == 0.0 {
        return if alt {
            format!("{:.*}", p - 1, 0.0)
        } else {
            "0".into()
        };
    }
    if !v.is_finite() {
        return fmt_float_special(v, upper);
    }
    let exp = format!("{:e}", v)
        .split_once('e')
        .and_then(|(_, e)| e.parse::<i32>().ok())
        .unwrap_or(0);
    // Rounding may bump the exponent.
    let rounded = fmt_exp(v, p - 1, false);
    let exp = rounded
        .split_once('e')
        .and_then(|(_, e)| e.parse::<i32>().ok())
        .unwrap_or(exp);
    let mut s = if exp < -4 || exp >= p as i32 {
        let e = fmt_exp(v, p - 1, upper);
        if alt {
            e
        } else {
            let (m, ex) = e
                .split_once(if upper { 'E' } else { 'e' })
                .unwrap_or((&e, ""));
            let m = if m.contains('.') {
                m.trim_end_matches('0').trim_end_matches('.')
            } else {
                m
            };
            format!("{m}{}{ex}", if upper { 'E' } else { 'e' })
        }
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        let f = format!("{:.*}", decimals, v);
        if alt || !f.contains('.') {
            f
        } else {
            f.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    };
    if upper {
        s = s.to_uppercase();
    }
    s
}

fn fmt_float_special(v: f64, upper: bool) -> String {
    let s = if v.is_nan() {
        "nan".to_string()
    } else if v > 0.0 {
        "inf".to_string()
    } else {
        "-inf".to_string()
    };
    if upper {
        s.to_uppercase()
    } else {
        s
    }
}

/// Format `fmt` with `args` like bash's printf; returns the output, the
/// number of args consumed, and whether `\c` stopped output. A field's
/// padding is sized by the text (`%999999999d`): `room(n)` is asked before
/// a field of `n` bytes is built, and `Err(n)` is returned if it refuses.
fn format_once(
    fmt: &str,
    args: &[String],
    errors: &mut Vec<String>,
    room: &mut dyn FnMut(usize) -> bool,
) -> Result<(Vec<u8>, usize, bool), usize> {
    let mut out = Vec::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut used = 0;
    let mut literal = String::new();
    let flush = |lit: &mut String, out: &mut Vec<u8>| -> bool {
        if lit.is_empty() {
            return false;
        }
        let (b, stop) = decode_escape_bytes(lit, EscapeMode::Printf);
        out.extend_from_slice(&b);
        lit.clear();
        stop
    };
    let next_arg = |used: &mut usize| -> Option<String> {
        let a = args.get(*used).cloned();
        if a.is_some() {
            *used += 1;
        }
        a
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            literal.push(c);
            i += 1;
            continue;
        }
        if i + 1 < chars.len() && chars[i + 1] == '%' {
            if flush(&mut literal, &mut out) {
                return Ok((out, used, true));
            }
            out.push(b'%');
            i += 2;
            continue;
        }
        if flush(&mut literal, &mut out) {
            return Ok((out, used, true));
        }
        i += 1;
        let mut spec = Spec {
            left: false,
            plus: false,
            space: false,
            alt: false,
            zero: false,
            width: None,
            precision: None,
        };
        while i < chars.len() && "-+ #0'".contains(chars[i]) {
            match chars[i] {
                '-' => spec.left = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '#' => spec.alt = true,
                '0' => spec.zero = true,
                _ => {}
            }
            i += 1;
        }
        if i < chars.len() && chars[i] == '*' {
            let w = next_arg(&mut used)
                .map(|a| parse_int_arg(&a).unwrap_or_else(|e| e))
                .unwrap_or(0);
            if w < 0 {
                spec.left = true;
            }
            spec.width = Some(usize::try_from(w.unsigned_abs()).unwrap_or(usize::MAX));
            i += 1;
        } else {
            let mut w = String::new();
            while i < chars.len() && chars[i].is_ascii_digit() {
                w.push(chars[i]);
                i += 1;
            }
            if !w.is_empty() {
                // Past 64 bits: a width no memory can hold (refused below).
                spec.width = Some(w.parse::<usize>().unwrap_or(usize::MAX));
            }
        }
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            if i < chars.len() && chars[i] == '*' {
                let p = next_arg(&mut used)
                    .map(|a| parse_int_arg(&a).unwrap_or_else(|e| e))
                    .unwrap_or(0);
                spec.precision = Some(usize::try_from(p.max(0)).unwrap_or(usize::MAX));
                i += 1;
            } else {
                let mut p = String::new();
                while i < chars.len() && chars[i].is_ascii_digit() {
                    p.push(chars[i]);
                    i += 1;
                }
                spec.precision = Some(if p.is_empty() {
                    0
                } else {
                    p.parse::<usize>().unwrap_or(usize::MAX)
                });
            }
        }
        while i < chars.len() && "hlLjzt".contains(chars[i]) {
            i += 1;
        }
        let Some(&conv) = chars.get(i) else {
            literal.push('%');
            break;
        };
        i += 1;
        let arg = if conv == '%' {
            None
        } else {
            next_arg(&mut used)
        };
        let s = arg.unwrap_or_default();
        // Numbers are zero-padded to their precision, everything to its width.
        let padded = if matches!(conv, 'd' | 'i' | 'u' | 'o' | 'x' | 'X') {
            spec.precision.unwrap_or(0)
        } else {
            0
        };
        let field = spec.width.unwrap_or(0).max(padded).saturating_add(s.len());
        // Charged first; then asked of the allocator, which an unlimited
        // budget leaves as the only judge (a failed allocation aborts).
        if !room(field) || Vec::<u8>::new().try_reserve_exact(field).is_err() {
            return Err(field);
        }
        match conv {
            's' => {
                let mut v: String = s;
                if let Some(p) = spec.precision {
                    v = v.chars().take(p).collect();
                }
                out.extend(pad(v.into_bytes(), &spec, false));
            }
            'b' => {
                let (mut b, stop) = decode_escape_bytes(&s, EscapeMode::Echo);
                if let Some(p) = spec.precision {
                    b.truncate(p);
                }
                out.extend(pad(b, &spec, false));
                if stop {
                    return Ok((out, used, true));
                }
            }
            'q' => out.extend(pad(quote_q(&s).into_bytes(), &spec, false)),
            'c' => {
                let v: String = s.chars().take(1).collect();
                out.extend(pad(v.into_bytes(), &spec, false));
            }
            'd' | 'i' | 'u' | 'o' | 'x' | 'X' => {
                let v = match parse_int_arg(&s) {
                    Ok(v) => v,
                    Err(v) => {
                        errors.push(format!("printf: {s}: invalid number"));
                        v
                    }
                };
                let mut body = match conv {
                    'd' | 'i' => v.unsigned_abs().to_string(),
                    'u' => (v as u64).to_string(),
                    'o' => format!("{:o}", v as u64),
                    'x' => format!("{:x}", v as u64),
                    _ => format!("{:X}", v as u64),
                };
                if let Some(p) = spec.precision {
                    if body.len() < p {
                        body = "0".repeat(p - body.len()) + &body;
                    }
                }
                if spec.alt && v != 0 {
                    match conv {
                        'o' if !body.starts_with('0') => body.insert(0, '0'),
                        'x' => body.insert_str(0, "0x"),
                        'X' => body.insert_str(0, "0X"),
                        _ => {}
                    }
                }
                let sign = if matches!(conv, 'd' | 'i') {
                    if v < 0 {
                        "-"
                    } else if spec.plus {
                        "+"
                    } else if spec.space {
                        " "
                    } else {
                        ""
                    }
                } else {
                    ""
                };
                let numeric_zero = spec.precision.is_none();
                let sp = Spec {
                    zero: spec.zero && numeric_zero,
                    ..spec
                };
                out.extend(pad(format!("{sign}{body}").into_bytes(), &sp, true));
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'a' | 'A' => {
                let v = match parse_float_arg(&s) {
                    Ok(v) => v,
                    Err(v) => {
                        errors.push(format!("printf: {s}: invalid number"));
                        v
                    }
                };
                let prec = spec.precision.unwrap_or(6).min(1000);
                let upper = conv.is_ascii_uppercase();
                let mut body = if !v.is_finite() {
                    fmt_float_special(v, upper)
                } else {
                    match conv {
                        'e' | 'E' => fmt_exp(v, prec, upper),
                        'f' | 'F' => format!("{:.*}", prec, v),
                        'a' | 'A' => fmt_exp(v, prec, upper),
                        _ => fmt_g(v, prec, spec.alt, upper),
                    }
                };
                if v >= 0.0 && !body.starts_with('-') {
                    if spec.plus {
                        body.insert(0, '+');
                    } else if spec.space {
                        body.insert(0, ' ');
                    }
                }
                out.extend(pad(body.into_bytes(), &spec, true));
            }
            other => {
                errors.push(format!("printf: %{other}: invalid format character"));
                return Ok((out, used, true));
            }
        }
    }
    let stop = flush(&mut literal, &mut out);
    Ok((out, used, stop))
}

pub(crate) fn printf(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let mut i = 1;
    let mut var: Option<String> = None;
    while i < argv.len() {
        match argv[i].as_str() {
            "-v" if i + 1 < argv.len() => {
                var = Some(argv[i + 1].clone());
                i += 2;
            }
            "--" => {
                i += 1;
                break;
            }
            _ => break,
        }
    }
    let Some(fmt) = argv.get(i) else {
        sh.err("printf: usage: printf [-v var] format [arguments]");
        return Ok(2);
    };
    let args = &argv[i + 1..];
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut pos = 0;
    // The format is read as chars (4 bytes each).
    sh.reserve((fmt.len() as u64).saturating_mul(4), "printf")?;
    loop {
        sh.check_interrupt()?;
        let scratch = &mut sh.scratch;
        let formatted = format_once(fmt, &args[pos..], &mut errors, &mut |n| {
            scratch.grow(n as u64).is_ok()
        });
        let Ok((chunk, used, stop)) = formatted else {
            sh.memory_refused("printf");
            return Err(Flow::Abort(1));
        };
        // The output buffer may double to take the chunk.
        sh.reserve((chunk.len() as u64).saturating_mul(2), "printf")?;
        out.extend(chunk);
        pos += used;
        if stop || used == 0 || pos >= args.len() {
            break;
        }
    }
    for e in &errors {
        sh.err(e);
    }
    match var {
        Some(name) => {
            let v = String::from_utf8_lossy(&out).into_owned();
            if let Err(m) = set_var_or_elem(sh, &name, v) {
                sh.err(format!("printf: {m}"));
                return Ok(1);
            }
        }
        None => sh.out(&out)?,
    }
    Ok(i32::from(!errors.is_empty()))
}

fn set_var_or_elem(sh: &mut Shell<'_>, name: &str, value: String) -> Result<(), String> {
    if let Some((n, rest)) = name.split_once('[') {
        let idx = rest.trim_end_matches(']');
        return sh.set_element(n, idx, value);
    }
    if !is_name(name) {
        return Err(format!("`{name}': not a valid identifier"));
    }
    sh.set_scalar(name, &value)
}

// ---------------------------------------------------------------- read

/// `read` and `mapfile` read a byte at a time; every this many bytes they
/// check the deadline and charge what they hold (`read < /dev/zero` must
/// end at the memory limit or the deadline, not exhaust the host).
const READ_STEP: usize = 64 << 10;

/// Host bytes `read` holds per byte of a line: the bytes, their escape
/// flags, the line as text, its chars while splitting (4) and the fields.
const READ_COST: u64 = 8;

/// Read one byte from fd; `Ok(None)` at EOF.
fn read_byte(sh: &mut Shell<'_>, fd: usize) -> Result<Option<u8>, Flow> {
    let Some(s) = sh.fds.get(fd).cloned() else {
        return Ok(None);
    };
    let mut b = [0u8; 1];
    match s.read(&mut b, &sh.exec.interrupt) {
        Ok(0) => Ok(None),
        Ok(_) => Ok(Some(b[0])),
        Err(StreamError::Interrupted(_)) => {
            sh.check_interrupt()?;
            Ok(None)
        }
        Err(_) => Ok(None),
    }
}

pub(crate) fn read(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let mut raw = false;
    let mut array: Option<String> = None;
    let mut delim: Option<u8> = Some(b'\n');
    let mut nchars: Option<usize> = None;
    let mut exact = false;
    let mut fd = 0usize;
    let mut names: Vec<String> = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            i += 1;
            break;
        }
        if !a.starts_with('-') || a.len() < 2 {
            break;
        }
        let flags: Vec<char> = a[1..].chars().collect();
        let mut k = 0;
        while k < flags.len() {
            let f = flags[k];
            let takes = matches!(f, 'p' | 'a' | 'd' | 'n' | 'N' | 't' | 'u' | 'i');
            let value = if takes {
                let rest: String = flags[k + 1..].iter().collect();
                if !rest.is_empty() {
                    k = flags.len();
                    Some(rest)
                } else {
                    i += 1;
                    argv.get(i).cloned()
                }
            } else {
                None
            };
            match f {
                'r' => raw = true,
                's' | 'e' => {}
                'p' | 't' | 'i' => {}
                'a' => array = value,
                'd' => {
                    delim = value.and_then(|v| v.bytes().next()).or(Some(0)).map(|b| {
                        if b == 0 {
                            0
                        } else {
                            b
                        }
                    })
                }
                'n' => nchars = value.and_then(|v| v.parse().ok()),
                'N' => {
                    nchars = value.and_then(|v| v.parse().ok());
                    exact = true;
                }
                'u' => fd = value.and_then(|v| v.parse().ok()).unwrap_or(0),
                other => {
                    sh.err(format!("read: -{other}: invalid option"));
                    return Ok(2);
                }
            }
            k += 1;
        }
        i += 1;
    }
    names.extend(argv.iter().skip(i).cloned());
    for n in &names {
        if !is_name(n) {
            sh.err(format!("read: `{n}': not a valid identifier"));
            return Ok(1);
        }
    }
    if exact {
        delim = None;
    }

    // Read the bytes; `escaped` marks chars protected by a backslash.
    let mut bytes: Vec<u8> = Vec::new();
    let mut escaped: Vec<bool> = Vec::new();
    let mut got_delim = false;
    let mut count = 0usize;
    loop {
        if nchars.is_some_and(|n| count >= n) {
            got_delim = true;
            break;
        }
        if bytes.len().is_multiple_of(READ_STEP) {
            // The first step is charged small: most lines are short.
            let step = if bytes.is_empty() { 4096 } else { READ_STEP };
            sh.check_interrupt()?;
            sh.reserve(step as u64 * READ_COST, "read")?;
        }
        let Some(b) = read_byte(sh, fd)? else { break };
        if Some(b) == delim {
            got_delim = true;
            break;
        }
        if b == b'\\' && !raw {
            match read_byte(sh, fd)? {
                Some(b'\n') => continue,
                Some(n) => {
                    bytes.push(n);
                    escaped.push(true);
                    count += 1;
                    continue;
                }
                None => break,
            }
        }
        bytes.push(b);
        escaped.push(false);
        count += 1;
    }
    let status = i32::from(!got_delim);
    let line = String::from_utf8_lossy(&bytes).into_owned();
    let esc: Vec<bool> = {
        // Map byte flags to char flags.
        let mut v = Vec::new();
        let mut bi = 0;
        for c in line.chars() {
            v.push(escaped.get(bi).copied().unwrap_or(false));
            bi += c.len_utf8();
        }
        v
    };
    let ifs = sh.st.var("IFS").map(String::from).unwrap_or_else(|| {
        if sh.st.vars.contains_key("IFS") {
            String::new()
        } else {
            " \t\n".into()
        }
    });

    if let Some(arr) = array {
        let fields = split_fields(&line, &esc, &ifs, usize::MAX);
        let map: BTreeMap<usize, String> = fields.into_iter().enumerate().collect();
        if let Err(m) = sh.st.assign(&arr, Value::Array(map)) {
            sh.err(format!("read: {m}"));
            return Ok(1);
        }
        return Ok(status);
    }
    if names.is_empty() {
        if let Err(m) = sh.set_scalar("REPLY", &line) {
            sh.err(format!("read: {m}"));
            return Ok(1);
        }
        return Ok(status);
    }
    let fields = split_fields(&line, &esc, &ifs, names.len());
    for (k, name) in names.iter().enumerate() {
        let v = fields.get(k).cloned().unwrap_or_default();
        if let Err(m) = sh.set_scalar(name, &v) {
            sh.err(format!("read: {m}"));
            return Ok(1);
        }
    }
    Ok(status)
}

/// Split a line read by `read` into at most `max` fields; the last gets
/// the rest of the line (minus trailing IFS whitespace).
fn split_fields(line: &str, esc: &[bool], ifs: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let is_ifs = |i: usize| !esc[i] && ifs.contains(chars[i]);
    let is_ws = |i: usize| is_ifs(i) && matches!(chars[i], ' ' | '\t' | '\n');
    let mut fields = Vec::new();
    let mut i = 0;
    let n = chars.len();
    while i < n && is_ws(i) {
        i += 1;
    }
    while i < n {
        if fields.len() + 1 == max {
            // The rest, trailing IFS whitespace removed.
            let mut end = n;
            while end > i && is_ws(end - 1) {
                end -= 1;
            }
            fields.push(chars[i..end].iter().collect());
            return fields;
        }
        let start = i;
        while i < n && !is_ifs(i) {
            i += 1;
        }
        fields.push(chars[start..i].iter().collect());
        // Consume one delimiter: whitespace, an optional non-ws IFS char, whitespace.
        while i < n && is_ws(i) {
            i += 1;
        }
        if i < n && is_ifs(i) && !is_ws(i) {
            i += 1;
            while i < n && is_ws(i) {
                i += 1;
            }
        }
    }
    fields
}

pub(crate) fn mapfile(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let mut strip = false;
    let mut delim = b'\n';
    let mut fd = 0usize;
    let mut max: Option<usize> = None;
    let mut skip = 0usize;
    let mut name = "MAPFILE".to_string();
    let mut i = 1;
    while i < argv.len() {
        match argv[i].as_str() {
            "-t" => strip = true,
            "-d" => {
                i += 1;
                delim = argv.get(i).and_then(|d| d.bytes().next()).unwrap_or(0);
            }
            "-u" => {
                i += 1;
                fd = argv.get(i).and_then(|v| v.parse().ok()).unwrap_or(0);
            }
            "-n" => {
                i += 1;
                max = argv.get(i).and_then(|v| v.parse().ok()).filter(|&n| n > 0);
            }
            "-s" => {
                i += 1;
                skip = argv.get(i).and_then(|v| v.parse().ok()).unwrap_or(0);
            }
            s if s.starts_with('-') && s.len() > 1 => {}
            s => name = s.to_string(),
        }
        i += 1;
    }
    let mut lines: Vec<String> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    let mut total = 0usize;
    loop {
        if max.is_some_and(|m| lines.len() >= m) {
            break;
        }
        if total.is_multiple_of(READ_STEP) {
            // The line as bytes, then as text in the array.
            sh.check_interrupt()?;
            sh.reserve(READ_STEP as u64 * 2, "mapfile")?;
        }
        total += 1;
        let b = read_byte(sh, fd)?;
        match b {
            Some(b) => {
                if b == delim {
                    if !strip {
                        cur.push(b);
                    }
                    if seen >= skip {
                        // Each element's header and slot.
                        sh.reserve(64, "mapfile")?;
                        lines.push(String::from_utf8_lossy(&cur).into_owned());
                    }
                    seen += 1;
                    cur.clear();
                } else {
                    cur.push(b);
                }
            }
            None => {
                if !cur.is_empty() && seen >= skip {
                    lines.push(String::from_utf8_lossy(&cur).into_owned());
                }
                break;
            }
        }
    }
    let map: BTreeMap<usize, String> = lines.into_iter().enumerate().collect();
    if let Err(m) = sh.st.assign(&name, Value::Array(map)) {
        sh.err(format!("mapfile: {m}"));
        return Ok(1);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(f: &str, args: &[&str]) -> String {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut errs = Vec::new();
        let mut out = Vec::new();
        let mut pos = 0;
        while let Ok((c, used, stop)) = format_once(f, &args[pos..], &mut errs, &mut |_| true) {
            out.extend(c);
            pos += used;
            if stop || used == 0 || pos >= args.len() {
                break;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn printf_formats() {
        assert_eq!(fmt("%s-%s\\n", &["a", "b", "c"]), "a-b\nc-\n");
        assert_eq!(
            fmt("%5.2f|%-4d|%04d|%x", &["3.14159", "7", "42", "255"]),
            " 3.14|7   |0042|ff"
        );
        assert_eq!(fmt("%e", &["12345.678"]), "1.234568e+04");
        assert_eq!(
            fmt("%g %g %g", &["0.0001", "123456789", "1.5"]),
            "0.0001 1.23457e+08 1.5"
        );
        assert_eq!(fmt("%d%%", &["50"]), "50%");
        assert_eq!(fmt("%q", &["a b"]), "a\\ b");
        assert_eq!(fmt("%b", &["x\\ty"]), "x\ty");
        assert_eq!(fmt("%c", &["hello"]), "h");
        assert_eq!(fmt("%d", &["'A"]), "65");
        assert_eq!(fmt("%.3s", &["abcdef"]), "abc");
        assert_eq!(fmt("%+d % d", &["5", "5"]), "+5  5");
    }

    #[test]
    fn read_split() {
        let line = "  a  b   c d  ";
        let esc = vec![false; line.len()];
        assert_eq!(split_fields(line, &esc, " \t\n", 2), vec!["a", "b   c d"]);
        assert_eq!(
            split_fields("x:y::z", &[false; 6], ":", 10),
            vec!["x", "y", "", "z"]
        );
    }
}
