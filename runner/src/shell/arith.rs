//! Shell arithmetic: evaluation of brush-parser's arithmetic AST with
//! bash's 64-bit wrapping integers, variables evaluated recursively.

use brush_parser::ast::{
    ArithmeticExpr as E, ArithmeticTarget, BinaryOperator as B, UnaryAssignmentOperator as UA,
    UnaryOperator as U,
};

/// Variable access for the evaluator.
pub(crate) trait ArithEnv {
    /// A variable's text (empty when unset); `index` for array elements.
    fn get(&mut self, name: &str, index: Option<i64>) -> Result<String, String>;
    /// Assign a variable (or array element).
    fn set(&mut self, name: &str, index: Option<i64>, value: i64) -> Result<(), String>;
}

/// Parse and evaluate `text` (already expanded).
pub(crate) fn eval_str(env: &mut dyn ArithEnv, text: &str) -> Result<i64, String> {
    eval_depth(env, text, 0)
}

fn eval_depth(env: &mut dyn ArithEnv, text: &str, depth: usize) -> Result<i64, String> {
    if depth > 64 {
        return Err(format!("{text}: expression recursion level exceeded"));
    }
    let trimmed = text.trim();
    if let Some(n) = parse_number(trimmed) {
        return Ok(n);
    }
    let expr = brush_parser::arithmetic::parse(trimmed).map_err(|_| syntax_error(trimmed))?;
    let mut ev = Eval {
        env,
        depth,
        text: trimmed,
    };
    ev.eval(&expr)
}

fn syntax_error(text: &str) -> String {
    let token = text.split_whitespace().last().unwrap_or(text);
    let bad = text
        .chars()
        .find(|c| !(c.is_alphanumeric() || " \t\n_+-*/%()<>=!&|^~?:,#[]".contains(*c)));
    match bad {
        Some(c) => format!(
            "{text}: syntax error: invalid arithmetic operator (error token is \"{}\")",
            &text[text.find(c).unwrap_or(0)..]
        ),
        None => format!("{text}: syntax error: operand expected (error token is \"{token}\")"),
    }
}

/// A plain integer literal as bash reads it (decimal, 0x hex, 0 octal,
/// base#digits), with an optional sign.
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
    } else if let Some((base, digits)) = body.split_once('#') {
        let base: u32 = base.parse().ok()?;
        if !(2..=64).contains(&base) || digits.is_empty() {
            return None;
        }
        let mut v: i64 = 0;
        for c in digits.chars() {
            let d = match c {
                '0'..='9' => c as u32 - '0' as u32,
                'a'..='z' => c as u32 - 'a' as u32 + 10,
                'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
                'A'..='Z' => c as u32 - 'A' as u32 + 36,
                '@' => 62,
                '_' => 63,
                _ => return None,
            };
            if d >= base {
                return None;
            }
            v = v.wrapping_mul(base as i64).wrapping_add(d as i64);
        }
        v
    } else if body.len() > 1 && body.starts_with('0') {
        u64::from_str_radix(body, 8).ok()? as i64
    } else if body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse::<u64>().ok()? as i64
    } else {
        return None;
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

struct Eval<'a> {
    env: &'a mut dyn ArithEnv,
    depth: usize,
    text: &'a str,
}

impl Eval<'_> {
    fn target(&mut self, t: &ArithmeticTarget) -> Result<(String, Option<i64>), String> {
        Ok(match t {
            ArithmeticTarget::Variable(n) => (n.clone(), None),
            ArithmeticTarget::ArrayElement(n, idx) => {
                let i = self.eval(idx)?;
                (n.clone(), Some(i))
            }
        })
    }

    fn read(&mut self, name: &str, index: Option<i64>) -> Result<i64, String> {
        let text = self.env.get(name, index)?;
        let t = text.trim();
        if t.is_empty() {
            return Ok(0);
        }
        if let Some(n) = parse_number(t) {
            return Ok(n);
        }
        eval_depth(self.env, t, self.depth + 1)
    }

    fn eval(&mut self, e: &E) -> Result<i64, String> {
        Ok(match e {
            E::Literal(n) => *n,
            E::Reference(t) => {
                let (n, i) = self.target(t)?;
                self.read(&n, i)?
            }
            E::UnaryOp(op, x) => {
                let v = self.eval(x)?;
                match op {
                    U::UnaryPlus => v,
                    U::UnaryMinus => v.wrapping_neg(),
                    U::BitwiseNot => !v,
                    U::LogicalNot => i64::from(v == 0),
                }
            }
            E::BinaryOp(op, a, b) => match op {
                B::LogicalAnd => {
                    let x = self.eval(a)?;
                    if x == 0 {
                        0
                    } else {
                        i64::from(self.eval(b)? != 0)
                    }
                }
                B::LogicalOr => {
                    let x = self.eval(a)?;
                    if x != 0 {
                        1
                    } else {
                        i64::from(self.eval(b)? != 0)
                    }
                }
                _ => {
                    let x = self.eval(a)?;
                    let y = self.eval(b)?;
                    self.binary(op, x, y)?
                }
            },
            E::Conditional(c, t, f) => {
                if self.eval(c)? != 0 {
                    self.eval(t)?
                } else {
                    self.eval(f)?
                }
            }
            E::Assignment(t, v) => {
                let (n, i) = self.target(t)?;
                let v = self.eval(v)?;
                self.env.set(&n, i, v)?;
                v
            }
            E::BinaryAssignment(op, t, v) => {
                let (n, i) = self.target(t)?;
                let old = self.read(&n, i)?;
                let rhs = self.eval(v)?;
                let v = self.binary(op, old, rhs)?;
                self.env.set(&n, i, v)?;
                v
            }
            E::UnaryAssignment(op, t) => {
                let (n, i) = self.target(t)?;
                let old = self.read(&n, i)?;
                let (new, result) = match op {
                    UA::PrefixIncrement => (old.wrapping_add(1), old.wrapping_add(1)),
                    UA::PrefixDecrement => (old.wrapping_sub(1), old.wrapping_sub(1)),
                    UA::PostfixIncrement => (old.wrapping_add(1), old),
                    UA::PostfixDecrement => (old.wrapping_sub(1), old),
                };
                self.env.set(&n, i, new)?;
                result
            }
        })
    }

    fn binary(&mut self, op: &B, x: i64, y: i64) -> Result<i64, String> {
        Ok(match op {
            B::Power => {
                if y < 0 {
                    return Err(format!(
                        "{}: exponent less than 0 (error token is \"{y}\")",
                        self.text
                    ));
                }
                let mut r: i64 = 1;
                for _ in 0..y.min(64) {
                    r = r.wrapping_mul(x);
                }
                if y > 64 && x != 1 && x != 0 && x != -1 {
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
                    r = acc;
                } else if y > 64 {
                    r = if x == -1 && y % 2 == 1 {
                        -1
                    } else if x == 0 {
                        0
                    } else {
                        1
                    };
                }
                r
            }
            B::Multiply => x.wrapping_mul(y),
            B::Divide | B::Modulo => {
                if y == 0 {
                    let tok = self.text.rsplit(['/', '%']).next().unwrap_or("0").trim();
                    return Err(format!(
                        "{}: division by 0 (error token is \"{tok}\")",
                        self.text
                    ));
                }
                if matches!(op, B::Divide) {
                    x.wrapping_div(y)
                } else {
                    x.wrapping_rem(y)
                }
            }
            B::Comma => y,
            B::Add => x.wrapping_add(y),
            B::Subtract => x.wrapping_sub(y),
            B::ShiftLeft => x.wrapping_shl((y & 63) as u32),
            B::ShiftRight => x.wrapping_shr((y & 63) as u32),
            B::LessThan => i64::from(x < y),
            B::LessThanOrEqualTo => i64::from(x <= y),
            B::GreaterThan => i64::from(x > y),
            B::GreaterThanOrEqualTo => i64::from(x >= y),
            B::Equals => i64::from(x == y),
            B::NotEquals => i64::from(x != y),
            B::BitwiseAnd => x & y,
            B::BitwiseXor => x ^ y,
            B::BitwiseOr => x | y,
            B::LogicalAnd => i64::from(x != 0 && y != 0),
            B::LogicalOr => i64::from(x != 0 || y != 0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Vars(HashMap<String, String>);
    impl ArithEnv for Vars {
        fn get(&mut self, name: &str, _: Option<i64>) -> Result<String, String> {
            Ok(self.0.get(name).cloned().unwrap_or_default())
        }
        fn set(&mut self, name: &str, _: Option<i64>, value: i64) -> Result<(), String> {
            self.0.insert(name.into(), value.to_string());
            Ok(())
        }
    }

    #[test]
    fn evaluates() {
        let mut v = Vars(HashMap::new());
        assert_eq!(eval_str(&mut v, "1 + 2 * 3").unwrap(), 7);
        assert_eq!(eval_str(&mut v, "2 ** 10").unwrap(), 1024);
        assert_eq!(eval_str(&mut v, "x = 5, x += 2, x").unwrap(), 7);
        assert_eq!(eval_str(&mut v, "x++").unwrap(), 7);
        assert_eq!(v.0["x"], "8");
        assert_eq!(eval_str(&mut v, "0x10 + 010 + 2#101").unwrap(), 16 + 8 + 5);
        assert_eq!(eval_str(&mut v, "x > 3 ? 1 : 0").unwrap(), 1);
        assert_eq!(eval_str(&mut v, "-7 / 2").unwrap(), -3);
        assert_eq!(eval_str(&mut v, "-7 % 2").unwrap(), -1);
        assert!(eval_str(&mut v, "1 / 0")
            .unwrap_err()
            .contains("division by 0"));
        v.0.insert("y".into(), "x * 2".into());
        assert_eq!(eval_str(&mut v, "y + 1").unwrap(), 17);
        assert_eq!(eval_str(&mut v, "").unwrap(), 0);
    }
}
