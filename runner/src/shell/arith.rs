//! Shell arithmetic (`$((...))`, `((...))`, `let`, array subscripts):
//! bash's 64-bit wrapping integers, evaluated while parsing as bash's
//! `expr.c` does, variables evaluated recursively.
//!
//! brush-parser's arithmetic parser was used before: it builds a tree as
//! deep as the expression (`1+1+...+1` from `seq | paste -sd+` is a chain
//! of 100,000 nodes that evaluation, cloning and dropping all recurse
//! through on the host stack) and keeps the last 64 expressions in a
//! global cache. Here binary operators of one precedence level are a loop,
//! only parentheses, unary operators and the right-associative `?:`, `=`
//! and `**` recurse, and they count towards bash's limit of 1024 levels
//! ("expression recursion level exceeded").

/// Variable access for the evaluator.
pub(crate) trait ArithEnv {
    /// A variable's text (empty when unset); `index` for array elements.
    fn get(&mut self, name: &str, index: Option<i64>) -> Result<String, String>;
    /// Assign a variable (or array element).
    fn set(&mut self, name: &str, index: Option<i64>, value: i64) -> Result<(), String>;
    /// Charge `bytes` of a variable's text held while it is evaluated as
    /// an expression (each level of the recursion holds its own); the
    /// charge ends when the guard is dropped. Refused: an error.
    fn hold(&mut self, _bytes: usize) -> Result<Option<Charge>, String> {
        Ok(None)
    }
}

use wasiland_wasi_host::budget::Charge;

/// bash's `MAX_EXPR_RECURSION_LEVEL`.
const MAX_DEPTH: usize = 1024;

/// Parse and evaluate `text` (already expanded).
pub(crate) fn eval_str(env: &mut dyn ArithEnv, text: &str) -> Result<i64, String> {
    eval_depth(env, text, 0)
}

fn eval_depth(env: &mut dyn ArithEnv, text: &str, depth: usize) -> Result<i64, String> {
    if depth > MAX_DEPTH
        || stacker::remaining_stack().is_some_and(|r| r < super::parse::STACK_RESERVE)
    {
        return Err(format!("{text}: expression recursion level exceeded"));
    }
    let trimmed = text.trim();
    if let Some(n) = parse_number(trimmed) {
        return Ok(n);
    }
    let mut p = Parser {
        env,
        text: trimmed,
        pos: 0,
        depth,
        noeval: 0,
    };
    if p.at_end() {
        return Ok(0);
    }
    let v = p.comma()?;
    p.skip_ws();
    if !p.at_end() {
        return Err(p.error("syntax error in expression"));
    }
    Ok(v)
}

/// A plain integer literal as bash reads it (decimal, 0x hex, 0 octal,
/// base#digits), with an optional sign; `None` if it is not one or does
/// not fit 64 bits (printf's reading).
pub(crate) fn parse_number(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if body.is_empty() {
        return None;
    }
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()? as i64
    } else if body.contains('#') {
        literal(body).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        u64::from_str_radix(body, 8).ok()? as i64
    } else if body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse::<u64>().ok()? as i64
    } else {
        return None;
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

/// The value of a number token (`10`, `0x1f`, `017`, `2#101`, `64#_@`),
/// wrapping past 64 bits as bash does; the error is bash's message.
fn literal(tok: &str) -> Result<i64, &'static str> {
    let (base, digits) = if let Some((b, d)) = tok.split_once('#') {
        let base: u32 = b.parse().map_err(|_| "invalid arithmetic base")?;
        if !(2..=64).contains(&base) {
            return Err("invalid arithmetic base");
        }
        if d.is_empty() {
            return Err("invalid integer constant");
        }
        (base, d)
    } else if let Some(h) = tok.strip_prefix("0x").or_else(|| tok.strip_prefix("0X")) {
        (16, h)
    } else if tok.len() > 1 && tok.starts_with('0') {
        (8, &tok[1..])
    } else {
        (10, tok)
    };
    let mut v: i64 = 0;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            '@' => 62,
            '_' => 63,
            _ => return Err("invalid number"),
        };
        if d >= base {
            return Err("value too great for base");
        }
        v = v.wrapping_mul(i64::from(base)).wrapping_add(i64::from(d));
    }
    Ok(v)
}

/// Operators, longest first (the lexer takes the longest that matches).
const OPERATORS: &[&str] = &[
    "<<=", ">>=", "**", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=", "/=",
    "%=", "+=", "-=", "&=", "^=", "|=", "+", "-", "*", "/", "%", "<", ">", "=", "!", "~", "&", "^",
    "|", "?", ":", ",", "(", ")",
];

/// An assignable place: a variable or an array element.
struct Lvalue {
    name: String,
    index: Option<i64>,
}

struct Parser<'e, 't> {
    env: &'e mut dyn ArithEnv,
    text: &'t str,
    pos: usize,
    /// Recursion level (variables evaluated recursively count too).
    depth: usize,
    /// >0 inside the branch `&&`, `||` or `?:` skip: parsed, not evaluated.
    noeval: usize,
}

impl Parser<'_, '_> {
    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn skip_ws(&mut self) {
        while self.text[self.pos..].starts_with([' ', '\t', '\n', '\r']) {
            self.pos += 1;
        }
    }

    /// bash's message with the rest of the expression as the error token.
    fn error(&self, what: &str) -> String {
        format!(
            "{}: {what} (error token is \"{}\")",
            self.text,
            &self.text[self.pos.min(self.text.len())..]
        )
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH
            || stacker::remaining_stack().is_some_and(|r| r < super::parse::STACK_RESERVE)
        {
            return Err(format!(
                "{}: expression recursion level exceeded",
                self.text
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The operator at the cursor, if one of `ops` (longest match first).
    fn peek_op(&mut self, ops: &[&'static str]) -> Option<&'static str> {
        self.skip_ws();
        let rest = &self.text[self.pos..];
        let op = OPERATORS.iter().find(|o| rest.starts_with(**o))?;
        ops.contains(op).then_some(*op)
    }

    fn take_op(&mut self, ops: &[&'static str]) -> Option<&'static str> {
        let op = self.peek_op(ops)?;
        self.pos += op.len();
        Some(op)
    }

    // ------------------------------------------------------------ levels

    /// `a, b`
    fn comma(&mut self) -> Result<i64, String> {
        let mut v = self.assign()?;
        while self.take_op(&[","]).is_some() {
            v = self.assign()?;
        }
        Ok(v)
    }

    /// `x = e`, `x op= e` (right-associative), else a conditional.
    fn assign(&mut self) -> Result<i64, String> {
        self.skip_ws();
        let start = self.pos;
        const ASSIGN: &[&str] = &[
            "=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|=",
        ];
        // Only an assignment if an assignment operator follows the name (the
        // subscript is evaluated once, here or by the operand parse).
        let is_assignment = self.skip_lvalue() && self.peek_op(ASSIGN).is_some();
        self.pos = start;
        if !is_assignment {
            return self.cond();
        }
        if let Some(lv) = self.lvalue()? {
            if let Some(op) = self.take_op(ASSIGN) {
                self.enter()?;
                let rhs = self.assign();
                self.leave();
                let rhs = rhs?;
                if self.noeval > 0 {
                    return Ok(rhs);
                }
                let v = if op == "=" {
                    rhs
                } else {
                    let old = self.read(&lv)?;
                    self.binary(&op[..op.len() - 1], old, rhs)?
                };
                self.env.set(&lv.name, lv.index, v)?;
                return Ok(v);
            }
        }
        self.pos = start;
        self.cond()
    }

    /// `c ? a : b` (right-associative).
    fn cond(&mut self) -> Result<i64, String> {
        let c = self.binary_level(0)?;
        if self.take_op(&["?"]).is_none() {
            return Ok(c);
        }
        self.enter()?;
        if c == 0 {
            self.noeval += 1;
        }
        let a = self.comma();
        if c == 0 {
            self.noeval -= 1;
        }
        let a = a?;
        if self.take_op(&[":"]).is_none() {
            self.leave();
            return Err(self.error("`:' expected for conditional expression"));
        }
        if c != 0 {
            self.noeval += 1;
        }
        let b = self.assign();
        if c != 0 {
            self.noeval -= 1;
        }
        self.leave();
        let b = b?;
        Ok(if c != 0 { a } else { b })
    }

    /// The left-associative binary levels, loosest first: `||`, `&&`,
    /// `|`, `^`, `&`, equality, comparison, shifts, `+ -`, `* / %`.
    fn binary_level(&mut self, level: usize) -> Result<i64, String> {
        const LEVELS: &[&[&str]] = &[
            &["||"],
            &["&&"],
            &["|"],
            &["^"],
            &["&"],
            &["==", "!="],
            &["<=", ">=", "<", ">"],
            &["<<", ">>"],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        let Some(ops) = LEVELS.get(level) else {
            return self.power();
        };
        let mut v = self.binary_level(level + 1)?;
        loop {
            let Some(op) = self.peek_op(ops) else {
                return Ok(v);
            };
            self.pos += op.len();
            // Short-circuit: the right side is parsed, not evaluated.
            let skip = (op == "&&" && v == 0) || (op == "||" && v != 0);
            if skip {
                self.noeval += 1;
            }
            let rhs = self.binary_level(level + 1);
            if skip {
                self.noeval -= 1;
            }
            let rhs = rhs?;
            v = match op {
                "&&" => i64::from(v != 0 && rhs != 0),
                "||" => i64::from(v != 0 || rhs != 0),
                _ => self.binary(op, v, rhs)?,
            };
        }
    }

    /// `a ** b` (right-associative).
    fn power(&mut self) -> Result<i64, String> {
        let base = self.unary()?;
        if self.take_op(&["**"]).is_none() {
            return Ok(base);
        }
        self.enter()?;
        let e = self.power();
        self.leave();
        self.binary("**", base, e?)
    }

    /// `!x`, `~x`, `-x`, `+x`, `++v`, `--v`.
    fn unary(&mut self) -> Result<i64, String> {
        let Some(op) = self.take_op(&["!", "~", "-", "+", "++", "--"]) else {
            return self.postfix();
        };
        self.enter()?;
        let r = self.unary_op(op);
        self.leave();
        r
    }

    fn unary_op(&mut self, op: &'static str) -> Result<i64, String> {
        if matches!(op, "++" | "--") {
            self.skip_ws();
            let start = self.pos;
            if let Some(lv) = self.lvalue()? {
                if self.noeval > 0 {
                    return Ok(0);
                }
                let old = self.read(&lv)?;
                let new = if op == "++" {
                    old.wrapping_add(1)
                } else {
                    old.wrapping_sub(1)
                };
                self.env.set(&lv.name, lv.index, new)?;
                return Ok(new);
            }
            // `--5`: two unary minus signs.
            self.pos = start;
            let v = self.unary()?;
            return Ok(v);
        }
        let v = self.unary()?;
        Ok(match op {
            "!" => i64::from(v == 0),
            "~" => !v,
            "-" => v.wrapping_neg(),
            _ => v,
        })
    }

    /// A primary, with `v++` / `v--` after a variable.
    fn postfix(&mut self) -> Result<i64, String> {
        self.skip_ws();
        let start = self.pos;
        if let Some(lv) = self.lvalue()? {
            if let Some(op) = self.take_op(&["++", "--"]) {
                if self.noeval > 0 {
                    return Ok(0);
                }
                let old = self.read(&lv)?;
                let new = if op == "++" {
                    old.wrapping_add(1)
                } else {
                    old.wrapping_sub(1)
                };
                self.env.set(&lv.name, lv.index, new)?;
                return Ok(old);
            }
            return self.read(&lv);
        }
        self.pos = start;
        self.primary()
    }

    /// A number or a parenthesised expression.
    fn primary(&mut self) -> Result<i64, String> {
        self.skip_ws();
        if self.take_op(&["("]).is_some() {
            self.enter()?;
            let v = self.comma();
            self.leave();
            let v = v?;
            if self.take_op(&[")"]).is_none() {
                return Err(self.error("missing `)'"));
            }
            return Ok(v);
        }
        let rest = &self.text[self.pos..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#' || c == '@' || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 || !rest.as_bytes()[0].is_ascii_digit() {
            return Err(self.error("syntax error: operand expected"));
        }
        let tok = &rest[..len];
        match literal(tok) {
            Ok(v) => {
                self.pos += len;
                Ok(v)
            }
            Err(m) => Err(format!("{tok}: {m} (error token is \"{tok}\")")),
        }
    }

    /// Move past a variable name and its `[subscript]` without evaluating
    /// anything; false if the cursor is not at a name.
    fn skip_lvalue(&mut self) -> bool {
        let rest = &self.text[self.pos..];
        if !rest.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic()) {
            return false;
        }
        let len = rest
            .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
            .unwrap_or(rest.len());
        self.pos += len;
        if self.text[self.pos..].starts_with('[') {
            match self.subscript_end() {
                Some(close) => self.pos = close + 1,
                None => return false,
            }
        }
        true
    }

    /// The `]` closing the subscript whose `[` is at the cursor.
    fn subscript_end(&self) -> Option<usize> {
        let open = self.pos + 1;
        let mut level = 0usize;
        for (i, c) in self.text[open..].char_indices() {
            match c {
                '[' => level += 1,
                ']' if level == 0 => return Some(open + i),
                ']' => level -= 1,
                _ => {}
            }
        }
        None
    }

    /// A variable name with an optional `[subscript]`; `None` (nothing
    /// consumed) if the cursor is not at a name.
    fn lvalue(&mut self) -> Result<Option<Lvalue>, String> {
        let rest = &self.text[self.pos..];
        if !rest.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic()) {
            return Ok(None);
        }
        let len = rest
            .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
            .unwrap_or(rest.len());
        let name = rest[..len].to_string();
        self.pos += len;
        if !self.text[self.pos..].starts_with('[') {
            return Ok(Some(Lvalue { name, index: None }));
        }
        let open = self.pos + 1;
        let Some(close) = self.subscript_end() else {
            return Err(self.error("bad array subscript"));
        };
        let sub = &self.text[open..close];
        self.pos = close + 1;
        let index = if self.noeval > 0 {
            0
        } else {
            self.enter()?;
            let v = eval_depth(&mut *self.env, sub, self.depth);
            self.leave();
            v?
        };
        Ok(Some(Lvalue {
            name,
            index: Some(index),
        }))
    }

    /// A variable's value as a number: its text evaluated recursively.
    fn read(&mut self, lv: &Lvalue) -> Result<i64, String> {
        if self.noeval > 0 {
            return Ok(0);
        }
        let text = self.env.get(&lv.name, lv.index)?;
        let t = text.trim();
        if t.is_empty() {
            return Ok(0);
        }
        if let Some(n) = parse_number(t) {
            return Ok(n);
        }
        // A 781 KB expression naming itself held a copy at each of the
        // 1024 levels bash allows: 800 MB past the sandbox's limit (shell
        // fuzzer, seed 9200008389).
        let _held = self.env.hold(text.len())?;
        eval_depth(&mut *self.env, t, self.depth + 1)
    }

    fn binary(&self, op: &str, x: i64, y: i64) -> Result<i64, String> {
        Ok(match op {
            "**" => {
                if y < 0 {
                    if self.noeval > 0 {
                        return Ok(0);
                    }
                    return Err(self.error("exponent less than 0"));
                }
                let mut acc: i64 = 1;
                let mut base = x;
                let mut e = y;
                while e > 0 {
                    if e & 1 == 1 {
                        acc = acc.wrapping_mul(base);
                    }
                    base = base.wrapping_mul(base);
                    e >>= 1;
                }
                acc
            }
            "*" => x.wrapping_mul(y),
            "/" | "%" => {
                if y == 0 {
                    if self.noeval > 0 {
                        return Ok(0);
                    }
                    return Err(self.error("division by 0"));
                }
                if op == "/" {
                    x.wrapping_div(y)
                } else {
                    x.wrapping_rem(y)
                }
            }
            "+" => x.wrapping_add(y),
            "-" => x.wrapping_sub(y),
            "<<" => x.wrapping_shl((y & 63) as u32),
            ">>" => x.wrapping_shr((y & 63) as u32),
            "<" => i64::from(x < y),
            "<=" => i64::from(x <= y),
            ">" => i64::from(x > y),
            ">=" => i64::from(x >= y),
            "==" => i64::from(x == y),
            "!=" => i64::from(x != y),
            "&" => x & y,
            "^" => x ^ y,
            "|" => x | y,
            _ => return Err(self.error("syntax error: invalid arithmetic operator")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Vars(HashMap<String, String>);
    impl ArithEnv for Vars {
        fn get(&mut self, name: &str, index: Option<i64>) -> Result<String, String> {
            let key = match index {
                Some(i) => format!("{name}[{i}]"),
                None => name.to_string(),
            };
            Ok(self.0.get(&key).cloned().unwrap_or_default())
        }
        fn set(&mut self, name: &str, index: Option<i64>, value: i64) -> Result<(), String> {
            let key = match index {
                Some(i) => format!("{name}[{i}]"),
                None => name.to_string(),
            };
            self.0.insert(key, value.to_string());
            Ok(())
        }
    }

    fn ev(v: &mut Vars, s: &str) -> i64 {
        eval_str(v, s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// Run `f` on a thread with the shell's stack (the evaluator keeps
    /// [`super::super::parse::STACK_RESERVE`] free; test threads have 2 MiB).
    fn shell_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(f)
            .expect("thread")
            .join()
            .expect("no panic");
    }

    #[test]
    fn evaluates() {
        shell_stack(evaluates_body);
    }

    fn evaluates_body() {
        let mut v = Vars(HashMap::new());
        assert_eq!(ev(&mut v, "1 + 2 * 3"), 7);
        assert_eq!(ev(&mut v, "2 ** 10"), 1024);
        assert_eq!(ev(&mut v, "2 ** 3 ** 2"), 512);
        assert_eq!(ev(&mut v, "x = 5, x += 2, x"), 7);
        assert_eq!(ev(&mut v, "x++"), 7);
        assert_eq!(v.0["x"], "8");
        assert_eq!(ev(&mut v, "++x + x--"), 18);
        assert_eq!(ev(&mut v, "0x10 + 010 + 2#101 + 64#_"), 16 + 8 + 5 + 63);
        assert_eq!(ev(&mut v, "x > 3 ? 1 : 0"), 1);
        assert_eq!(ev(&mut v, "1 ? 2 : 3 ? 4 : 5"), 2);
        assert_eq!(ev(&mut v, "-7 / 2"), -3);
        assert_eq!(ev(&mut v, "-7 % 2"), -1);
        assert_eq!(ev(&mut v, "- -5 + --5 + !0 + ~0"), 10 + 1 - 1);
        assert_eq!(ev(&mut v, "1 << 64"), 1);
        assert_eq!(ev(&mut v, "1 << -1"), i64::MIN);
        assert_eq!(ev(&mut v, "(1 + 2) * (3 + (4 - 1))"), 18);
        assert_eq!(ev(&mut v, "a[1 + 1] = 4, a[2] * 2"), 8);
        assert_eq!(ev(&mut v, ""), 0);
        assert_eq!(ev(&mut v, "  "), 0);
        v.0.insert("y".into(), "x * 2".into());
        assert_eq!(ev(&mut v, "y + 1"), 17);
    }

    #[test]
    fn like_bash_at_the_edges() {
        shell_stack(like_bash_at_the_edges_body);
    }

    fn like_bash_at_the_edges_body() {
        let mut v = Vars(HashMap::new());
        assert_eq!(ev(&mut v, "-9223372036854775808 / -1"), i64::MIN);
        assert_eq!(ev(&mut v, "-9223372036854775808 % -1"), 0);
        assert_eq!(ev(&mut v, "2 ** 63"), i64::MIN);
        assert_eq!(ev(&mut v, "99999999999999999999"), 7766279631452241919);
        // Short-circuit: no division error, no assignment.
        assert_eq!(ev(&mut v, "0 && 1 / 0"), 0);
        assert_eq!(ev(&mut v, "1 || (z = 3)"), 1);
        assert_eq!(ev(&mut v, "0 ? z = 1 : 2"), 2);
        assert!(!v.0.contains_key("z"));
        for (e, msg) in [
            ("1 / 0", "division by 0"),
            ("08", "value too great for base"),
            ("65#1", "invalid arithmetic base"),
            ("2 ** -1", "exponent less than 0"),
            ("1 +", "operand expected"),
            ("(1", "missing `)'"),
            ("1 2", "syntax error in expression"),
        ] {
            let err = eval_str(&mut v, e).unwrap_err();
            assert!(err.contains(msg), "{e}: {err}");
        }
    }

    #[test]
    fn deep_input_is_an_error_and_long_chains_are_loops() {
        shell_stack(deep_input_is_an_error_and_long_chains_are_loops_body);
    }

    fn deep_input_is_an_error_and_long_chains_are_loops_body() {
        let mut v = Vars(HashMap::new());
        let sum = format!("1{}", "+1".repeat(200_000));
        assert_eq!(ev(&mut v, &sum), 200_001);
        for deep in [
            format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000)),
            format!("{}1", "-".repeat(100_000)),
            format!("{}1", "! ".repeat(100_000)),
            format!("{}1", "1 ? ".repeat(100_000)),
            format!("{}1", "a = ".repeat(100_000)),
            format!("1{}", " ** 1".repeat(100_000)),
        ] {
            let err = eval_str(&mut v, &deep).unwrap_err();
            assert!(err.contains("recursion level exceeded"), "{}", &err[..40]);
        }
        // A variable that refers to itself.
        v.0.insert("r".into(), "r + 1".into());
        assert!(eval_str(&mut v, "r").unwrap_err().contains("recursion"));
    }
}
