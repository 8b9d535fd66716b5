//! `test`, `[` (arguments parsed by brush-parser's POSIX test grammar) and
//! `[[ ]]` (patterns, `=~` regexes, arithmetic operands).

use super::exec::{Flow, Shell, R};
use super::{Value, Var};
use crate::exec::absolute;
use brush_parser::ast::{
    BinaryPredicate as B, ExtendedTestExpr as X, TestExpr, UnaryPredicate as U,
};
use std::collections::BTreeMap;
use wasiland_vfs::{FileType, Metadata};

/// Outcome of evaluating a test: true/false or an error (status 2).
type T = Result<bool, TestError>;

pub(crate) enum TestError {
    Msg(String),
    Flow(Flow),
}

impl From<Flow> for TestError {
    fn from(f: Flow) -> Self {
        TestError::Flow(f)
    }
}

impl<'a> Shell<'a> {
    fn stat(&self, path: &str, follow: bool) -> Option<Metadata> {
        if path.is_empty() {
            return None;
        }
        let abs = absolute(self.st.cwd(), path);
        self.exec.vfs.lock().metadata(&abs, follow).ok()
    }

    fn unary(&mut self, op: &U, s: &str) -> T {
        let file =
            |sh: &Shell, f: &dyn Fn(&Metadata) -> bool| sh.stat(s, true).is_some_and(|m| f(&m));
        Ok(match op {
            U::FileExists => self.stat(s, true).is_some(),
            U::FileExistsAndIsBlockSpecialFile => false,
            U::FileExistsAndIsCharSpecialFile => {
                file(self, &|m| m.file_type == FileType::CharDevice)
            }
            U::FileExistsAndIsDir => file(self, &|m| m.file_type == FileType::Directory),
            U::FileExistsAndIsRegularFile => file(self, &|m| m.file_type == FileType::Regular),
            U::FileExistsAndIsSetgid => file(self, &|m| m.mode & 0o2000 != 0),
            U::FileExistsAndIsSymlink => self
                .stat(s, false)
                .is_some_and(|m| m.file_type == FileType::Symlink),
            U::FileExistsAndHasStickyBit => file(self, &|m| m.mode & 0o1000 != 0),
            U::FileExistsAndIsFifo | U::FileExistsAndIsSocket => false,
            U::FileExistsAndIsReadable => file(self, &|m| m.mode & 0o444 != 0),
            U::FileExistsAndIsNotZeroLength => file(self, &|m| m.size > 0),
            U::FdIsOpenTerminal => false,
            U::FileExistsAndIsSetuid => file(self, &|m| m.mode & 0o4000 != 0),
            U::FileExistsAndIsWritable => file(self, &|m| m.mode & 0o222 != 0),
            U::FileExistsAndIsExecutable => file(self, &|m| m.mode & 0o111 != 0),
            U::FileExistsAndOwnedByEffectiveGroupId | U::FileExistsAndOwnedByEffectiveUserId => {
                self.stat(s, true).is_some()
            }
            U::FileExistsAndModifiedSinceLastRead => file(self, &|m| m.mtime > m.atime),
            U::ShellOptionEnabled => builtins_option(self, s),
            U::ShellVariableIsSetAndAssigned => {
                let (name, idx) = match s.split_once('[') {
                    Some((n, rest)) => (n, Some(rest.trim_end_matches(']'))),
                    None => (s, None),
                };
                match (self.st.vars.get(name).and_then(|v| v.value.as_ref()), idx) {
                    (None, _) => false,
                    (Some(_), None) => true,
                    (Some(Value::Array(a)), Some(i)) => {
                        i.parse::<usize>().is_ok_and(|i| a.contains_key(&i)) || i == "@" || i == "*"
                    }
                    (Some(Value::Assoc(m)), Some(k)) => m.contains_key(k),
                    (Some(Value::Str(_)), Some(i)) => i == "0",
                }
            }
            U::ShellVariableIsSetAndNameRef => false,
            U::StringHasZeroLength => s.is_empty(),
            U::StringHasNonZeroLength => !s.is_empty(),
        })
    }

    fn int_operand(&mut self, s: &str, extended: bool) -> Result<i64, TestError> {
        if extended {
            return Ok(self.eval_arith_plain(s)?);
        }
        let t = s.trim();
        match t.parse::<i64>() {
            Ok(v) => Ok(v),
            Err(_) => Err(TestError::Msg(format!("{s}: integer expression expected"))),
        }
    }

    fn binary(&mut self, op: &B, a: &str, b: &str, extended: bool) -> T {
        Ok(match op {
            B::FilesReferToSameDeviceAndInodeNumbers => {
                match (self.stat(a, true), self.stat(b, true)) {
                    (Some(x), Some(y)) => x.ino == y.ino,
                    _ => false,
                }
            }
            B::LeftFileIsNewerOrExistsWhenRightDoesNot => {
                match (self.stat(a, true), self.stat(b, true)) {
                    (Some(x), Some(y)) => x.mtime > y.mtime,
                    (Some(_), None) => true,
                    _ => false,
                }
            }
            B::LeftFileIsOlderOrDoesNotExistWhenRightDoes => {
                match (self.stat(a, true), self.stat(b, true)) {
                    (Some(x), Some(y)) => x.mtime < y.mtime,
                    (None, Some(_)) => true,
                    _ => false,
                }
            }
            B::StringExactlyMatchesPattern | B::StringExactlyMatchesString => a == b,
            B::StringDoesNotExactlyMatchPattern | B::StringDoesNotExactlyMatchString => a != b,
            B::StringMatchesRegex => a == b,
            B::StringContainsSubstring => a.contains(b),
            B::LeftSortsBeforeRight => a < b,
            B::LeftSortsAfterRight => a > b,
            B::ArithmeticEqualTo => {
                self.int_operand(a, extended)? == self.int_operand(b, extended)?
            }
            B::ArithmeticNotEqualTo => {
                self.int_operand(a, extended)? != self.int_operand(b, extended)?
            }
            B::ArithmeticLessThan => {
                self.int_operand(a, extended)? < self.int_operand(b, extended)?
            }
            B::ArithmeticLessThanOrEqualTo => {
                self.int_operand(a, extended)? <= self.int_operand(b, extended)?
            }
            B::ArithmeticGreaterThan => {
                self.int_operand(a, extended)? > self.int_operand(b, extended)?
            }
            B::ArithmeticGreaterThanOrEqualTo => {
                self.int_operand(a, extended)? >= self.int_operand(b, extended)?
            }
        })
    }

    fn eval_test(&mut self, e: &TestExpr) -> T {
        Ok(match e {
            TestExpr::False => false,
            TestExpr::Literal(s) => !s.is_empty(),
            TestExpr::And(a, b) => self.eval_test(a)? && self.eval_test(b)?,
            TestExpr::Or(a, b) => self.eval_test(a)? || self.eval_test(b)?,
            TestExpr::Not(a) => !self.eval_test(a)?,
            TestExpr::Parenthesized(a) => self.eval_test(a)?,
            TestExpr::UnaryTest(op, s) => self.unary(op, s)?,
            TestExpr::BinaryTest(op, a, b) => self.binary(op, a, b, false)?,
        })
    }

    /// The `test` / `[` builtin.
    pub(crate) fn test_builtin(&mut self, argv: &[String]) -> R {
        let mut args: Vec<String> = argv[1..].to_vec();
        if argv[0] == "[" {
            if args.last().map(String::as_str) != Some("]") {
                self.err("[: missing `]'");
                return Ok(2);
            }
            args.pop();
        }
        let name = argv[0].clone();
        // Operators nest the expression (each `!`, `(`, `-a`, `-o` is a level
        // of its tree, evaluated recursively): past the nesting bound, the
        // expression is refused.
        let nesting = args
            .iter()
            .filter(|a| matches!(a.as_str(), "!" | "(" | "-a" | "-o"))
            .count();
        if args.len() > 4 && nesting > super::parse::MAX_NESTING {
            self.err(format!("{name}: too many arguments"));
            return Ok(2);
        }
        // brush's grammar follows POSIX's rules for up to 4 arguments; past
        // that it gives -a and -o one precedence, where -a binds tighter.
        let parsed = if args.len() > 4 {
            parse_general(&args).ok_or(())
        } else {
            brush_parser::test_command::parse(&args).map_err(|_| ())
        };
        let expr = match parsed {
            Ok(e) => e,
            Err(_) => {
                let msg = if args.len() > 4 {
                    "too many arguments".to_string()
                } else {
                    format!(
                        "{}: unary operator expected",
                        args.first().cloned().unwrap_or_default()
                    )
                };
                self.err(format!("{name}: {msg}"));
                return Ok(2);
            }
        };
        match self.eval_test(&expr) {
            Ok(b) => Ok(i32::from(!b)),
            Err(TestError::Msg(m)) => {
                self.err(format!("{name}: {m}"));
                Ok(2)
            }
            Err(TestError::Flow(f)) => Err(f),
        }
    }

    fn eval_ext(&mut self, e: &X) -> T {
        Ok(match e {
            X::And(a, b) => self.eval_ext(a)? && self.eval_ext(b)?,
            X::Or(a, b) => self.eval_ext(a)? || self.eval_ext(b)?,
            X::Not(a) => !self.eval_ext(a)?,
            X::Parenthesized(a) => self.eval_ext(a)?,
            X::UnaryTest(op, w) => {
                let s = self.expand_word_string(w)?;
                self.unary(op, &s)?
            }
            X::BinaryTest(op, l, r) => {
                let left = self.expand_word_string(l)?;
                match op {
                    B::StringExactlyMatchesPattern
                    | B::StringDoesNotExactlyMatchPattern
                    | B::StringExactlyMatchesString
                    | B::StringDoesNotExactlyMatchString => {
                        let pat = self.expand_word_pattern(r)?;
                        let m = self
                            .pattern(&pat, self.st.options.nocasematch)?
                            .matches(&left);
                        if matches!(
                            op,
                            B::StringExactlyMatchesPattern | B::StringExactlyMatchesString
                        ) {
                            m
                        } else {
                            !m
                        }
                    }
                    B::StringMatchesRegex => {
                        let re = self.expand_word_regex(r)?;
                        let re = if self.st.options.nocasematch {
                            format!("(?i){re}")
                        } else {
                            re
                        };
                        match regex::Regex::new(&re) {
                            Ok(re) => match re.captures(&left) {
                                Some(caps) => {
                                    let arr: BTreeMap<usize, String> = caps
                                        .iter()
                                        .enumerate()
                                        .map(|(i, m)| {
                                            (i, m.map_or(String::new(), |m| m.as_str().to_string()))
                                        })
                                        .collect();
                                    self.st.vars.insert(
                                        "BASH_REMATCH".into(),
                                        Var {
                                            value: Some(Value::Array(arr)),
                                            exported: false,
                                            readonly: false,
                                            integer: false,
                                        },
                                    );
                                    true
                                }
                                None => {
                                    self.st.vars.insert(
                                        "BASH_REMATCH".into(),
                                        Var {
                                            value: Some(Value::Array(BTreeMap::new())),
                                            exported: false,
                                            readonly: false,
                                            integer: false,
                                        },
                                    );
                                    false
                                }
                            },
                            Err(_) => {
                                return Err(TestError::Msg(format!(
                                    "{re}: invalid regular expression"
                                )))
                            }
                        }
                    }
                    _ => {
                        let right = self.expand_word_string(r)?;
                        self.binary(op, &left, &right, true)?
                    }
                }
            }
        })
    }

    /// `[[ expr ]]`.
    pub(crate) fn run_extended_test(&mut self, e: &X) -> R {
        if self.st.options.xtrace {
            let ps4 = self.st.var("PS4").unwrap_or("+ ").to_string();
            self.write_fd(2, format!("{ps4}[[ ... ]]\n").as_bytes())?;
        }
        match self.eval_ext(e) {
            Ok(b) => Ok(i32::from(!b)),
            Err(TestError::Msg(m)) => {
                self.err(m);
                Ok(2)
            }
            Err(TestError::Flow(f)) => Err(f),
        }
    }
}

fn builtins_option(sh: &Shell, name: &str) -> bool {
    let o = &sh.st.options;
    match name {
        "errexit" => o.errexit,
        "nounset" => o.nounset,
        "xtrace" => o.xtrace,
        "pipefail" => o.pipefail,
        "noglob" => o.noglob,
        "noclobber" => o.noclobber,
        "allexport" => o.allexport,
        _ => false,
    }
}

const BINARY_OPS: &[&str] = &[
    "=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef",
];

const UNARY_OPS: &[&str] = &[
    "-a", "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-k", "-n", "-o", "-p", "-r", "-s", "-t", "-u",
    "-v", "-w", "-x", "-z", "-G", "-L", "-N", "-O", "-R", "-S",
];

/// `test` with more than 4 arguments: `!` > `-a` > `-o`, parentheses.
fn parse_general(args: &[String]) -> Option<TestExpr> {
    let mut p = GeneralParser { args, pos: 0 };
    let e = p.or()?;
    (p.pos == args.len()).then_some(e)
}

struct GeneralParser<'a> {
    args: &'a [String],
    pos: usize,
}

impl GeneralParser<'_> {
    fn peek(&self) -> Option<&str> {
        self.args.get(self.pos).map(String::as_str)
    }

    fn or(&mut self) -> Option<TestExpr> {
        let mut l = self.and()?;
        while self.peek() == Some("-o") {
            self.pos += 1;
            let r = self.and()?;
            l = TestExpr::Or(Box::new(l), Box::new(r));
        }
        Some(l)
    }

    fn and(&mut self) -> Option<TestExpr> {
        let mut l = self.not()?;
        while self.peek() == Some("-a") {
            self.pos += 1;
            let r = self.not()?;
            l = TestExpr::And(Box::new(l), Box::new(r));
        }
        Some(l)
    }

    fn not(&mut self) -> Option<TestExpr> {
        if self.peek() == Some("!") && self.pos + 1 < self.args.len() {
            self.pos += 1;
            return Some(TestExpr::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Option<TestExpr> {
        let rest = &self.args[self.pos..];
        if rest.first().map(String::as_str) == Some("(") {
            self.pos += 1;
            let e = self.or()?;
            if self.peek() != Some(")") {
                return None;
            }
            self.pos += 1;
            return Some(TestExpr::Parenthesized(Box::new(e)));
        }
        if rest.len() >= 3 && BINARY_OPS.contains(&rest[1].as_str()) {
            self.pos += 3;
            return brush_parser::test_command::parse(&rest[..3]).ok();
        }
        if rest.len() >= 2 && UNARY_OPS.contains(&rest[0].as_str()) {
            self.pos += 2;
            return brush_parser::test_command::parse(&rest[..2]).ok();
        }
        let s = rest.first()?.clone();
        self.pos += 1;
        Some(TestExpr::Literal(s))
    }
}
