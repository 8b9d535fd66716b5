//! The committed expectations (`conformance/expected/<program>.txt`) and the
//! small word syntax they and `--runtime` commands use.
//!
//! An expectation file is a list of lines:
//!
//! ```text
//! # comment
//! @run NAME [ARG]...     start a run of the program with these arguments
//! @env NAME=VALUE        environment of the current run (one per variable)
//! @stdin BYTES           bytes on the guest's stdin (default: none)
//! @exit STATUS           expected exit status: a number or `nonzero`
//! check-name expected    one check; `a|b` lists accepted alternatives
//! ```
//!
//! Lines before the first `@run` belong to the run named `main` (no
//! arguments, exit status 0 unless `@exit` says otherwise). Arguments,
//! `@env` and `@stdin` values are words: separated by spaces, and inside
//! double quotes `\n`, `\t`, `\\`, `\"`, `\0`, `\xHH` and `\u{H..}` are
//! escapes. `{host_time}` in an `@env` value becomes the host's Unix time in
//! seconds when the run starts.

use std::fmt;

/// One invocation of a program and what it must print.
#[derive(Debug, Clone)]
pub struct Run {
    pub name: String,
    pub args: Vec<Vec<u8>>,
    pub env: Vec<Vec<u8>>,
    pub stdin: Vec<u8>,
    pub exit: Expect,
    pub checks: Vec<(String, Expect)>,
}

/// An expected value: one or more accepted alternatives.
#[derive(Debug, Clone)]
pub struct Expect {
    pub alternatives: Vec<String>,
}

impl Expect {
    pub fn parse(s: &str) -> Expect {
        Expect {
            alternatives: s.split('|').map(|a| a.trim().to_string()).collect(),
        }
    }

    pub fn accepts(&self, observed: &str) -> bool {
        self.alternatives.iter().any(|a| a == observed)
    }

    /// Exit statuses: a number, or `nonzero`.
    pub fn accepts_status(&self, status: i32) -> bool {
        self.alternatives.iter().any(|a| match a.as_str() {
            "nonzero" => status != 0,
            n => n.parse::<i32>() == Ok(status),
        })
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.alternatives.join("|"))
    }
}

#[derive(Debug)]
pub struct SpecError {
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.msg)
    }
}

fn new_run(name: &str, args: Vec<Vec<u8>>) -> Run {
    Run {
        name: name.to_string(),
        args,
        env: Vec::new(),
        stdin: Vec::new(),
        exit: Expect::parse("0"),
        checks: Vec::new(),
    }
}

/// Parse one expectation file into its runs.
pub fn parse_expectations(text: &str) -> Result<Vec<Run>, SpecError> {
    let mut runs: Vec<Run> = Vec::new();
    let mut current = new_run("main", Vec::new());
    let mut started = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let err = |msg: String| SpecError { line: line_no, msg };
        let line = raw.trim_end();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('@') {
            let (directive, arg) = rest.split_once(' ').unwrap_or((rest, ""));
            let words = data_words(arg).map_err(err)?;
            match directive {
                "run" => {
                    let mut words = words.into_iter();
                    let name = words
                        .next()
                        .ok_or_else(|| err("@run needs a name".into()))?;
                    let name = String::from_utf8(name).map_err(|_| err("bad run name".into()))?;
                    if started || !current.checks.is_empty() {
                        runs.push(current);
                    }
                    current = new_run(&name, words.collect());
                    started = true;
                }
                "env" => {
                    for w in words {
                        if !w.contains(&b'=') {
                            return Err(err("@env wants NAME=VALUE".into()));
                        }
                        current.env.push(w);
                    }
                }
                "stdin" => current.stdin = words.concat(),
                "exit" => current.exit = Expect::parse(arg.trim()),
                other => return Err(err(format!("unknown directive @{other}"))),
            }
            continue;
        }
        let (name, expected) = line.split_once(' ').unwrap_or((line, ""));
        if current.checks.iter().any(|(n, _)| n == name) {
            return Err(err(format!("check {name} listed twice in one run")));
        }
        current
            .checks
            .push((name.to_string(), Expect::parse(expected.trim())));
    }
    runs.push(current);
    Ok(runs)
}

/// Split data words: spaces separate, double quotes group and allow
/// escapes.
pub fn data_words(s: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Err("unterminated quote".into()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('n') => cur.push(b'\n'),
                            Some('t') => cur.push(b'\t'),
                            Some('r') => cur.push(b'\r'),
                            Some('0') => cur.push(0),
                            Some('\\') => cur.push(b'\\'),
                            Some('"') => cur.push(b'"'),
                            Some('x') => {
                                let h: String = chars.by_ref().take(2).collect();
                                let b = u8::from_str_radix(&h, 16)
                                    .map_err(|_| format!("bad \\x escape {h:?}"))?;
                                cur.push(b);
                            }
                            Some('u') => {
                                if chars.next() != Some('{') {
                                    return Err("\\u wants {HEX}".into());
                                }
                                let h: String = chars.by_ref().take_while(|&c| c != '}').collect();
                                let ch = u32::from_str_radix(&h, 16)
                                    .ok()
                                    .and_then(char::from_u32)
                                    .ok_or_else(|| format!("bad \\u escape {h:?}"))?;
                                let mut buf = [0u8; 4];
                                cur.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            }
                            Some(o) => return Err(format!("unknown escape \\{o}")),
                            None => return Err("dangling backslash".into()),
                        },
                        Some(o) => {
                            let mut buf = [0u8; 4];
                            cur.extend_from_slice(o.encode_utf8(&mut buf).as_bytes());
                        }
                    }
                }
            }
            o => {
                in_word = true;
                let mut buf = [0u8; 4];
                cur.extend_from_slice(o.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// Split a command like a POSIX shell splits a simple word list: spaces
/// separate, single quotes are literal, double quotes allow `\"`, `\\`,
/// `\$` and `` \` ``, a backslash outside quotes escapes the next character.
pub fn shell_words(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Err("unterminated single quote".into()),
                        Some('\'') => break,
                        Some(o) => cur.push(o),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Err("unterminated double quote".into()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => cur.push(e),
                            Some(o) => {
                                cur.push('\\');
                                cur.push(o);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(o) => cur.push(o),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(o) => cur.push(o),
                    None => return Err("dangling backslash".into()),
                }
            }
            o => {
                in_word = true;
                cur.push(o);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_with_escapes() {
        let w = data_words(r#"plain "with space" "new\nline" "" "\x41\u{2713}" "q\"""#).unwrap();
        assert_eq!(
            w,
            vec![
                b"plain".to_vec(),
                b"with space".to_vec(),
                b"new\nline".to_vec(),
                b"".to_vec(),
                "A\u{2713}".as_bytes().to_vec(),
                b"q\"".to_vec(),
            ]
        );
    }

    #[test]
    fn shell_splitting() {
        let w = shell_words(r#"python3 'a b' "c \"d\"" e\ f"#).unwrap();
        assert_eq!(w, vec!["python3", "a b", "c \"d\"", "e f"]);
        assert!(shell_words("'open").is_err());
    }

    #[test]
    fn expectation_runs() {
        let text = "# c\n@env HOST_TIME={host_time}\na ok\nb errno=perm|errno=notcapable\n\
                    @run exit42 exit 42\n@exit 42\nbefore ok\n";
        let runs = parse_expectations(text).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].name, "main");
        assert_eq!(runs[0].env, vec![b"HOST_TIME={host_time}".to_vec()]);
        assert!(runs[0].checks[1].1.accepts("errno=notcapable"));
        assert_eq!(runs[1].args, vec![b"exit".to_vec(), b"42".to_vec()]);
        assert!(runs[1].exit.accepts_status(42));
        assert!(!runs[1].exit.accepts_status(0));
        assert!(Expect::parse("nonzero").accepts_status(134));
    }

    #[test]
    fn duplicate_check_refused() {
        assert!(parse_expectations("a ok\na ok\n").is_err());
    }
}
