//! Variables and options: `export`, `unset`, `local`, `declare`/`typeset`,
//! `readonly`, `shift`, `set`, `shopt`, `let`, `getopts`.

use super::super::exec::{Flow, Shell, R};
use super::super::{Value, Var};
use super::{is_name, quote_double, quote_single};
use std::collections::BTreeMap;

/// Marker for `name=(...)` arguments whose array value was computed at
/// expansion time (see [`Shell::decl_arrays`]).
pub(crate) const ARRAY_MARKER: &str = "\u{1}array\u{1}";

#[derive(Default, Clone, Copy)]
struct Attrs {
    array: bool,
    assoc: bool,
    integer: bool,
    export: Option<bool>,
    readonly: bool,
    global: bool,
    print: bool,
    functions: bool,
    function_names: bool,
}

fn parse_attrs(sh: &mut Shell<'_>, argv: &[String], cmd: &str) -> Result<(Attrs, usize), i32> {
    let mut a = Attrs::default();
    let mut i = 1;
    while i < argv.len() {
        let arg = &argv[i];
        if arg == "--" {
            i += 1;
            break;
        }
        let (on, flags) = if let Some(f) = arg.strip_prefix('-') {
            (true, f)
        } else if let Some(f) = arg.strip_prefix('+') {
            (false, f)
        } else {
            break;
        };
        if flags.is_empty() {
            break;
        }
        for c in flags.chars() {
            match c {
                'a' => a.array = on,
                'A' => a.assoc = on,
                'i' => a.integer = on,
                'x' => a.export = Some(on),
                'r' => a.readonly = on,
                'g' => a.global = on,
                'p' => a.print = true,
                'f' => a.functions = true,
                'F' => a.function_names = true,
                'l' | 'u' | 'n' | 't' => {}
                other => {
                    sh.err(format!("{cmd}: -{other}: invalid option"));
                    return Err(2);
                }
            }
        }
        i += 1;
    }
    Ok((a, i))
}

/// `declare -p` style description of a variable.
pub(crate) fn describe_var(name: &str, v: &Var) -> String {
    let mut flags = String::new();
    match v.value {
        Some(Value::Array(_)) => flags.push('a'),
        Some(Value::Assoc(_)) => flags.push('A'),
        _ => {}
    }
    if v.integer {
        flags.push('i');
    }
    if v.readonly {
        flags.push('r');
    }
    if v.exported {
        flags.push('x');
    }
    if flags.is_empty() {
        flags.push('-');
    }
    match &v.value {
        None => format!("declare -{flags} {name}"),
        Some(Value::Str(s)) => format!("declare -{flags} {name}={}", quote_double(s)),
        Some(Value::Array(a)) => {
            let items: Vec<String> = a
                .iter()
                .map(|(k, v)| format!("[{k}]={}", quote_double(v)))
                .collect();
            format!("declare -{flags} {name}=({})", items.join(" "))
        }
        Some(Value::Assoc(m)) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("[{k}]={} ", quote_double(v)))
                .collect();
            format!("declare -{flags} {name}=({})", items.concat())
        }
    }
}

/// Apply one `declare`-family argument.
fn declare_one(
    sh: &mut Shell<'_>,
    cmd: &str,
    arg: &str,
    a: Attrs,
    local: bool,
) -> Result<(), String> {
    let (name_part, value) = match arg.split_once('=') {
        Some((n, v)) => (n.to_string(), Some(v.to_string())),
        None => (arg.to_string(), None),
    };
    let (name, append) = match name_part.strip_suffix('+') {
        Some(n) => (n.to_string(), true),
        None => (name_part, false),
    };
    let (base, index) = match name.split_once('[') {
        Some((b, rest)) => (b.to_string(), Some(rest.trim_end_matches(']').to_string())),
        None => (name.clone(), None),
    };
    if !is_name(&base) {
        return Err(format!("`{arg}': not a valid identifier"));
    }
    if local {
        sh.st.make_local(&base);
    }
    if let Some(v) = sh.st.vars.get(&base) {
        if v.readonly && (value.is_some() || a.array || a.assoc) {
            return Err(format!("{base}: readonly variable"));
        }
    }
    if a.integer {
        let var = sh.st.vars.entry(base.clone()).or_insert_with(|| Var {
            value: None,
            exported: false,
            readonly: false,
            integer: false,
        });
        var.integer = true;
    }
    if let Some(value) = value {
        if value == ARRAY_MARKER {
            let v = sh
                .decl_arrays
                .iter()
                .rev()
                .find(|(n, _)| *n == base)
                .map(|(_, v)| v.clone());
            let v = match (v, a.assoc) {
                (Some(Value::Array(arr)), true) => {
                    Value::Assoc(arr.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                }
                (Some(v), _) => v,
                (None, _) => Value::Array(BTreeMap::new()),
            };
            sh.st.assign(&base, v)?;
        } else if let Some(idx) = index {
            let key = if matches!(
                sh.st.vars.get(&base).and_then(|v| v.value.as_ref()),
                Some(Value::Assoc(_))
            ) {
                idx
            } else {
                sh.eval_arith_plain(&idx)
                    .map_err(|_| format!("{base}[{idx}]: bad array subscript"))?
                    .to_string()
            };
            sh.set_element(&base, &key, value)?;
        } else if a.array {
            let mut m = BTreeMap::new();
            m.insert(0, value);
            sh.st.assign(&base, Value::Array(m))?;
        } else if a.assoc {
            let mut m = BTreeMap::new();
            m.insert("0".to_string(), value);
            sh.st.assign(&base, Value::Assoc(m))?;
        } else {
            let v = if append {
                format!("{}{value}", sh.st.var(&base).unwrap_or(""))
            } else {
                value
            };
            sh.set_scalar(&base, &v)?;
        }
    } else if a.array || a.assoc {
        let has = sh
            .st
            .vars
            .get(&base)
            .and_then(|v| v.value.as_ref())
            .is_some();
        if !has {
            let v = if a.assoc {
                Value::Assoc(BTreeMap::new())
            } else {
                Value::Array(BTreeMap::new())
            };
            sh.st.assign(&base, v)?;
        }
    } else if !sh.st.vars.contains_key(&base) {
        sh.st.vars.insert(
            base.clone(),
            Var {
                value: None,
                exported: false,
                readonly: false,
                integer: false,
            },
        );
    }
    let _ = cmd;
    if let Some(var) = sh.st.vars.get_mut(&base) {
        if let Some(e) = a.export {
            var.exported = e;
        }
        if a.readonly {
            var.readonly = true;
        }
    }
    Ok(())
}

fn declare_common(sh: &mut Shell<'_>, argv: &[String], cmd: &str, local: bool, force: Attrs) -> R {
    let (mut a, start) = match parse_attrs(sh, argv, cmd) {
        Ok(x) => x,
        Err(s) => return Ok(s),
    };
    if force.export.is_some() {
        a.export = force.export;
    }
    a.readonly |= force.readonly;
    let local = local && !a.global;
    let args = &argv[start..];
    if a.functions || a.function_names {
        let names: Vec<String> = if args.is_empty() {
            sh.st.functions.keys().cloned().collect()
        } else {
            args.to_vec()
        };
        let mut status = 0;
        let mut out = String::new();
        for n in names {
            match sh.st.functions.get(&n) {
                Some(f) => {
                    if a.function_names {
                        out.push_str(&format!("declare -f {n}\n"));
                    } else {
                        out.push_str(&format!("{n} () \n{}\n", f.0));
                    }
                }
                None => status = 1,
            }
        }
        sh.out(out)?;
        return Ok(status);
    }
    if a.print || args.is_empty() {
        let names: Vec<String> = if args.is_empty() {
            sh.st
                .vars
                .iter()
                .filter(|(_, v)| {
                    (a.export != Some(true) || v.exported)
                        && (!a.readonly || v.readonly)
                        && (!force.readonly || v.readonly)
                })
                .map(|(k, _)| k.clone())
                .collect()
        } else {
            args.to_vec()
        };
        let mut out = String::new();
        let mut status = 0;
        for n in names {
            match sh.st.vars.get(&n) {
                Some(v) => {
                    if args.is_empty() && !a.print && a.export.is_none() && !a.readonly {
                        // plain `declare`: name=value
                        if let Some(Value::Str(s)) = &v.value {
                            out.push_str(&format!("{n}={}\n", quote_single(s)));
                        }
                    } else {
                        out.push_str(&describe_var(&n, v));
                        out.push('\n');
                    }
                }
                None => {
                    sh.err(format!("{cmd}: {n}: not found"));
                    status = 1;
                }
            }
        }
        sh.out(out)?;
        return Ok(status);
    }
    let mut status = 0;
    for arg in args {
        if let Err(m) = declare_one(sh, cmd, arg, a, local) {
            sh.err(format!("{cmd}: {m}"));
            status = 1;
        }
    }
    sh.decl_arrays.clear();
    Ok(status)
}

pub(crate) fn declare(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let local = sh.func_depth > 0;
    declare_common(sh, argv, "declare", local, Attrs::default())
}

pub(crate) fn local(sh: &mut Shell<'_>, argv: &[String]) -> R {
    if sh.func_depth == 0 {
        sh.err("local: can only be used in a function");
        return Ok(1);
    }
    declare_common(sh, argv, "local", true, Attrs::default())
}

pub(crate) fn export(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let unexport = argv.iter().skip(1).any(|a| a == "-n");
    let args: Vec<String> = argv
        .iter()
        .filter(|a| !matches!(a.as_str(), "-n" | "-f"))
        .cloned()
        .collect();
    let force = Attrs {
        export: Some(!unexport),
        ..Attrs::default()
    };
    if args.len() == 1 || args.get(1).is_some_and(|a| a == "-p") {
        let mut out = String::new();
        for (n, v) in sh.st.vars.iter().filter(|(_, v)| v.exported) {
            out.push_str(&describe_var(n, v));
            out.push('\n');
        }
        sh.out(out)?;
        return Ok(0);
    }
    declare_common(sh, &args, "export", false, force)
}

pub(crate) fn readonly(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let force = Attrs {
        readonly: true,
        ..Attrs::default()
    };
    if argv.len() == 1 || argv.get(1).is_some_and(|a| a == "-p") {
        let mut out = String::new();
        for (n, v) in sh.st.vars.iter().filter(|(_, v)| v.readonly) {
            out.push_str(&describe_var(n, v));
            out.push('\n');
        }
        sh.out(out)?;
        return Ok(0);
    }
    declare_common(sh, argv, "readonly", false, force)
}

pub(crate) fn unset(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let mut funcs = false;
    let mut vars_only = false;
    let mut status = 0;
    for a in &argv[1..] {
        match a.as_str() {
            "-f" => {
                funcs = true;
                continue;
            }
            "-v" => {
                vars_only = true;
                continue;
            }
            "-n" => continue,
            _ => {}
        }
        if funcs {
            sh.st.functions.remove(a);
            continue;
        }
        if let Some((base, rest)) = a.split_once('[') {
            let idx = rest.trim_end_matches(']').to_string();
            let assoc = matches!(
                sh.st.vars.get(base).and_then(|v| v.value.as_ref()),
                Some(Value::Assoc(_))
            );
            let key = if assoc {
                idx.clone()
            } else {
                sh.eval_arith_plain(&idx)?.to_string()
            };
            if let Some(var) = sh.st.vars.get_mut(base) {
                if var.readonly {
                    sh.err(format!("unset: {base}: cannot unset: readonly variable"));
                    status = 1;
                    continue;
                }
                match &mut var.value {
                    Some(Value::Array(arr)) => {
                        if let Ok(k) = key.parse::<usize>() {
                            arr.remove(&k);
                        }
                    }
                    Some(Value::Assoc(m)) => {
                        m.remove(&key);
                    }
                    _ => {}
                }
            }
            continue;
        }
        if !is_name(a) {
            sh.err(format!("unset: `{a}': not a valid identifier"));
            status = 1;
            continue;
        }
        if sh.st.vars.contains_key(a.as_str()) {
            if let Err(m) = sh.st.unset_var(a) {
                sh.err(format!("unset: {m}"));
                status = 1;
            }
        } else if !vars_only {
            sh.st.functions.remove(a);
        }
    }
    Ok(status)
}

/// `set -- ARGS`: the new parameters are charged before they are kept.
fn set_positional(sh: &mut Shell<'_>, args: &[String]) -> R {
    if let Err(m) = sh.st.replace_positional(args.to_vec()) {
        sh.err(format!("set: {m}"));
        sh.note_state_refusal();
        // As every refusal of memory: the command line is abandoned.
        return Err(Flow::Abort(1));
    }
    Ok(0)
}

pub(crate) fn shift(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let n = match argv.get(1) {
        Some(a) => match a.parse::<usize>() {
            Ok(n) => n,
            Err(_) => {
                sh.err(format!("shift: {a}: numeric argument required"));
                return Ok(1);
            }
        },
        None => 1,
    };
    if n > sh.st.positional.len() {
        return Ok(1);
    }
    sh.st.positional.drain(..n);
    Ok(0)
}

fn set_option(sh: &mut Shell<'_>, name: &str, on: bool) -> bool {
    let o = &mut sh.st.options;
    match name {
        "errexit" | "e" => o.errexit = on,
        "nounset" | "u" => o.nounset = on,
        "xtrace" | "x" => o.xtrace = on,
        "pipefail" => o.pipefail = on,
        "noglob" | "f" => o.noglob = on,
        "noclobber" | "C" => o.noclobber = on,
        "allexport" | "a" => o.allexport = on,
        "verbose"
        | "v"
        | "monitor"
        | "m"
        | "notify"
        | "b"
        | "hashall"
        | "h"
        | "B"
        | "braceexpand"
        | "posix"
        | "emacs"
        | "vi"
        | "noexec"
        | "n"
        | "ignoreeof"
        | "interactive-comments"
        | "functrace"
        | "T"
        | "errtrace"
        | "E"
        | "history"
        | "H"
        | "physical"
        | "P"
        | "keyword"
        | "k"
        | "privileged"
        | "p"
        | "onecmd"
        | "t" => {}
        _ => return false,
    }
    true
}

const SET_O: &[&str] = &[
    "allexport",
    "errexit",
    "noclobber",
    "noglob",
    "nounset",
    "pipefail",
    "xtrace",
];

fn option_value(sh: &Shell<'_>, name: &str) -> bool {
    let o = &sh.st.options;
    match name {
        "allexport" => o.allexport,
        "errexit" => o.errexit,
        "noclobber" => o.noclobber,
        "noglob" => o.noglob,
        "nounset" => o.nounset,
        "pipefail" => o.pipefail,
        "xtrace" => o.xtrace,
        _ => false,
    }
}

pub(crate) fn set(sh: &mut Shell<'_>, argv: &[String]) -> R {
    if argv.len() == 1 {
        let mut out = String::new();
        for (n, v) in &sh.st.vars {
            if let Some(Value::Str(s)) = &v.value {
                out.push_str(&format!("{n}={}\n", quote_single(s)));
            }
        }
        sh.out(out)?;
        return Ok(0);
    }
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            return set_positional(sh, &argv[i + 1..]);
        }
        if a == "-" {
            sh.st.options.xtrace = false;
            return set_positional(sh, &argv[i + 1..]);
        }
        let on = a.starts_with('-');
        if !(a.starts_with('-') || a.starts_with('+')) || a.len() < 2 {
            return set_positional(sh, &argv[i..]);
        }
        let flags = &a[1..];
        if flags == "o" {
            match argv.get(i + 1) {
                Some(name) => {
                    if !set_option(sh, name, on) {
                        sh.err(format!("set: {name}: invalid option name"));
                        return Ok(1);
                    }
                    i += 2;
                    continue;
                }
                None => {
                    let mut out = String::new();
                    for n in SET_O {
                        let v = option_value(sh, n);
                        if on {
                            out.push_str(&format!("{n:<15}\t{}\n", if v { "on" } else { "off" }));
                        } else {
                            out.push_str(&format!("set {}o {n}\n", if v { '-' } else { '+' }));
                        }
                    }
                    sh.out(out)?;
                    return Ok(0);
                }
            }
        }
        let mut consumed = 0;
        for c in flags.chars() {
            if c == 'o' {
                // `-euo pipefail`: the option name is the next argument.
                consumed += 1;
                let Some(name) = argv.get(i + consumed) else {
                    sh.err("set: -o: option requires an argument");
                    return Ok(2);
                };
                if !set_option(sh, name, on) {
                    sh.err(format!("set: {name}: invalid option name"));
                    return Ok(1);
                }
                continue;
            }
            if !set_option(sh, &c.to_string(), on) {
                sh.err(format!(
                    "set: {}{c}: invalid option",
                    if on { '-' } else { '+' }
                ));
                return Ok(2);
            }
        }
        i += 1 + consumed;
    }
    Ok(0)
}

pub(crate) fn shopt(sh: &mut Shell<'_>, argv: &[String]) -> R {
    let mut on: Option<bool> = None;
    let mut quiet = false;
    let mut names = Vec::new();
    let mut use_o = false;
    for a in &argv[1..] {
        match a.as_str() {
            "-s" => on = Some(true),
            "-u" => on = Some(false),
            "-q" => quiet = true,
            "-p" => {}
            "-o" => use_o = true,
            n => names.push(n.to_string()),
        }
    }
    let mut status = 0;
    for n in &names {
        if use_o {
            if let Some(v) = on {
                set_option(sh, n, v);
            }
            continue;
        }
        let o = &mut sh.st.options;
        let slot: Option<&mut bool> = match n.as_str() {
            "nullglob" => Some(&mut o.nullglob),
            "failglob" => Some(&mut o.failglob),
            "dotglob" => Some(&mut o.dotglob),
            "nocasematch" => Some(&mut o.nocasematch),
            "globstar" => Some(&mut o.globstar),
            "inherit_errexit" => Some(&mut o.inherit_errexit),
            _ => None,
        };
        match (slot, on) {
            (Some(s), Some(v)) => *s = v,
            (Some(s), None) => {
                let v = *s;
                if !quiet {
                    sh.out(format!("{n:<15}\t{}\n", if v { "on" } else { "off" }))?;
                }
                if !v {
                    status = 1;
                }
            }
            (None, _) => {
                // extglob, expand_aliases, globstar...: accepted, no effect.
                if !matches!(
                    n.as_str(),
                    "extglob"
                        | "expand_aliases"
                        | "globstar"
                        | "lastpipe"
                        | "inherit_errexit"
                        | "nocaseglob"
                        | "checkwinsize"
                        | "histappend"
                        | "progcomp"
                        | "cmdhist"
                        | "sourcepath"
                ) {
                    sh.err(format!("shopt: {n}: invalid shell option name"));
                    status = 1;
                }
            }
        }
    }
    Ok(status)
}

pub(crate) fn let_(sh: &mut Shell<'_>, argv: &[String]) -> R {
    if argv.len() < 2 {
        sh.err("let: expression expected");
        return Ok(1);
    }
    let mut last = 0;
    for a in &argv[1..] {
        last = match sh.eval_arith_plain(a) {
            Ok(v) => v,
            Err(Flow::Abort(_)) => return Ok(1),
            Err(e) => return Err(e),
        };
    }
    Ok(i32::from(last == 0))
}

pub(crate) fn getopts(sh: &mut Shell<'_>, argv: &[String]) -> R {
    if argv.len() < 3 {
        sh.err("getopts: usage: getopts optstring name [arg ...]");
        return Ok(2);
    }
    let optstring = argv[1].clone();
    let name = argv[2].clone();
    let args: Vec<String> = if argv.len() > 3 {
        argv[3..].to_vec()
    } else {
        sh.st.positional.clone()
    };
    let silent = optstring.starts_with(':');
    // OPTIND past the arguments (or absurd) ends the options.
    let mut optind: usize = sh
        .st
        .var("OPTIND")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .clamp(1, args.len().saturating_add(1));
    // getopts_char encodes (optind, position) of the last call.
    let mut pos = if sh.st.getopts_char / 1000 == optind {
        sh.st.getopts_char % 1000
    } else {
        0
    };
    let set = |sh: &mut Shell<'_>, k: &str, v: &str| {
        let _ = sh.set_scalar(k, v);
    };
    let finish = |sh: &mut Shell<'_>, optind: usize, pos: usize| {
        let _ = sh.set_scalar("OPTIND", &optind.to_string());
        sh.st.getopts_char = optind.saturating_mul(1000).saturating_add(pos);
    };
    if optind > args.len() {
        set(sh, &name, "?");
        finish(sh, optind, 0);
        return Ok(1);
    }
    let arg: Vec<char> = args[optind - 1].chars().collect();
    if pos >= arg.len() {
        pos = 0;
    }
    if pos == 0 {
        if arg.len() < 2 || arg[0] != '-' {
            set(sh, &name, "?");
            finish(sh, optind, 0);
            return Ok(1);
        }
        if arg == ['-', '-'] {
            set(sh, &name, "?");
            finish(sh, optind + 1, 0);
            return Ok(1);
        }
        pos = 1;
    }
    let c = arg[pos];
    pos += 1;
    if pos >= arg.len() {
        optind += 1;
        pos = 0;
    }
    let spec: Vec<char> = optstring.chars().collect();
    let idx = spec.iter().position(|&x| x == c && x != ':');
    match idx {
        Some(k) => {
            let needs = spec.get(k + 1) == Some(&':');
            if needs {
                if pos != 0 {
                    let rest: String = arg[pos..].iter().collect();
                    set(sh, "OPTARG", &rest);
                    optind += 1;
                    pos = 0;
                } else if let Some(v) = args.get(optind - 1) {
                    let v = v.clone();
                    set(sh, "OPTARG", &v);
                    optind += 1;
                } else {
                    if silent {
                        set(sh, &name, ":");
                        set(sh, "OPTARG", &c.to_string());
                    } else {
                        sh.err(format!("option requires an argument -- {c}"));
                        set(sh, &name, "?");
                        sh.st.vars.remove("OPTARG");
                    }
                    finish(sh, optind, pos);
                    return Ok(0);
                }
            } else {
                sh.st.vars.remove("OPTARG");
            }
            set(sh, &name, &c.to_string());
        }
        None => {
            if silent {
                set(sh, "OPTARG", &c.to_string());
            } else {
                sh.err(format!("illegal option -- {c}"));
                sh.st.vars.remove("OPTARG");
            }
            set(sh, &name, "?");
        }
    }
    finish(sh, optind, pos);
    Ok(0)
}
