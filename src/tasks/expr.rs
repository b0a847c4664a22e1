//! Exact rational arithmetic and a small expression evaluator shared by the task
//! worlds: game24's solver and verifier, and the step checks of `arith` and `mathmix`
//! chains of thought (`12 * 3 = 36`). Floating point would accept `8 / 3 * 9 = 24`
//! only approximately; rationals make every verdict exact.

use std::cmp::Ordering;
use std::fmt;

/// An exact rational `num / den` in lowest terms with `den > 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rational {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

// `add`/`sub`/`mul`/`div` return `Option` (overflow, division by zero), so they are not
// the std operator traits.
#[allow(clippy::should_implement_trait)]
impl Rational {
    /// `num / den`; `None` when `den == 0`.
    pub fn new(num: i128, den: i128) -> Option<Self> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        let s = if den < 0 { -1 } else { 1 };
        Some(Rational {
            num: s * num / g,
            den: s * den / g,
        })
    }

    pub fn int(n: i64) -> Self {
        Rational {
            num: n as i128,
            den: 1,
        }
    }

    pub fn num(&self) -> i128 {
        self.num
    }

    pub fn den(&self) -> i128 {
        self.den
    }

    pub fn is_integer(&self) -> bool {
        self.den == 1
    }

    pub fn add(self, o: Self) -> Option<Self> {
        Rational::new(
            self.num
                .checked_mul(o.den)?
                .checked_add(o.num.checked_mul(self.den)?)?,
            self.den.checked_mul(o.den)?,
        )
    }

    pub fn sub(self, o: Self) -> Option<Self> {
        self.add(Rational {
            num: -o.num,
            den: o.den,
        })
    }

    pub fn mul(self, o: Self) -> Option<Self> {
        Rational::new(self.num.checked_mul(o.num)?, self.den.checked_mul(o.den)?)
    }

    /// `None` on division by zero or overflow.
    pub fn div(self, o: Self) -> Option<Self> {
        Rational::new(self.num.checked_mul(o.den)?, self.den.checked_mul(o.num)?)
    }

    /// Apply a binary operator given as `+ - * /`.
    pub fn apply(self, op: char, o: Self) -> Option<Self> {
        match op {
            '+' => self.add(o),
            '-' => self.sub(o),
            '*' => self.mul(o),
            '/' => self.div(o),
            _ => None,
        }
    }

    /// Parse `a`, `-a` or `a/b` (integers).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        match s.split_once('/') {
            Some((a, b)) => Rational::new(a.trim().parse().ok()?, b.trim().parse().ok()?),
            None => Some(Rational {
                num: s.parse().ok()?,
                den: 1,
            }),
        }
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rational {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// The result of evaluating an expression, with the integer literals it used in order
/// (game24's verifier checks that the literals are exactly the puzzle's numbers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluated {
    pub value: Rational,
    pub literals: Vec<i64>,
}

/// Evaluate an arithmetic expression over non-negative integer literals with `+ - * /`
/// (also `x` and `×` are not accepted: ASCII `*` only), parentheses and unary minus,
/// with the usual precedence. `None` on a syntax error, division by zero or overflow.
pub fn eval(text: &str) -> Option<Evaluated> {
    let toks = lex(text)?;
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        literals: Vec::new(),
    };
    let v = p.expr()?;
    if p.pos != toks.len() {
        return None;
    }
    Some(Evaluated {
        value: v,
        literals: p.literals,
    })
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok {
    Num(i64),
    Op(char),
    LParen,
    RParen,
}

fn lex(text: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let s = i;
            while i < b.len() && (b[i] as char).is_ascii_digit() {
                i += 1;
            }
            out.push(Tok::Num(text[s..i].parse().ok()?));
        } else if "+-*/".contains(c) {
            out.push(Tok::Op(c));
            i += 1;
        } else if c == '(' {
            out.push(Tok::LParen);
            i += 1;
        } else if c == ')' {
            out.push(Tok::RParen);
            i += 1;
        } else {
            return None;
        }
    }
    Some(out)
}

struct Parser<'a> {
    toks: &'a [Tok],
    pos: usize,
    literals: Vec<i64>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<Tok> {
        self.toks.get(self.pos).copied()
    }

    fn expr(&mut self) -> Option<Rational> {
        let mut v = self.term()?;
        while let Some(Tok::Op(op @ ('+' | '-'))) = self.peek() {
            self.pos += 1;
            v = v.apply(op, self.term()?)?;
        }
        Some(v)
    }

    fn term(&mut self) -> Option<Rational> {
        let mut v = self.factor()?;
        while let Some(Tok::Op(op @ ('*' | '/'))) = self.peek() {
            self.pos += 1;
            v = v.apply(op, self.factor()?)?;
        }
        Some(v)
    }

    fn factor(&mut self) -> Option<Rational> {
        match self.peek()? {
            Tok::Num(n) => {
                self.pos += 1;
                self.literals.push(n);
                Some(Rational::int(n))
            }
            Tok::Op('-') => {
                self.pos += 1;
                Rational::int(0).sub(self.factor()?)
            }
            Tok::LParen => {
                self.pos += 1;
                let v = self.expr()?;
                if self.peek()? != Tok::RParen {
                    return None;
                }
                self.pos += 1;
                Some(v)
            }
            _ => None,
        }
    }
}

/// Check one chain-of-thought step of the form `EXPR = VALUE` (surrounding words are not
/// allowed): `Some(true)` when it holds exactly, `Some(false)` when it is a well-formed
/// equation that is false, `None` when the line is not such an equation.
pub fn check_equation(line: &str) -> Option<bool> {
    let (lhs, rhs) = line.split_once('=')?;
    if rhs.contains('=') {
        return None;
    }
    let l = eval(lhs)?;
    let r = eval(rhs)?;
    Some(l.value == r.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rationals_are_exact() {
        let third = Rational::new(1, 3).unwrap();
        assert_eq!(third.mul(Rational::int(3)).unwrap(), Rational::int(1));
        assert_eq!(Rational::new(4, -6).unwrap().to_string(), "-2/3");
        assert!(Rational::new(1, 0).is_none());
        assert!(Rational::int(1).div(Rational::int(0)).is_none());
        assert_eq!(
            Rational::parse("6/4").unwrap(),
            Rational::new(3, 2).unwrap()
        );
    }

    #[test]
    fn evaluates_with_precedence_and_literals() {
        let e = eval("(1 + 8 / 4) * 8").unwrap();
        assert_eq!(e.value, Rational::int(24));
        assert_eq!(e.literals, vec![1, 8, 4, 8]);
        // 8 / (3 - 8 / 3) = 24: needs exact fractions.
        assert_eq!(eval("8 / (3 - 8 / 3)").unwrap().value, Rational::int(24));
        assert_eq!(eval("2 - 3 - 4").unwrap().value, Rational::int(-5));
        assert_eq!(eval("-3 * 2").unwrap().value, Rational::int(-6));
        assert!(eval("3 +").is_none());
        assert!(eval("(3").is_none());
        assert!(eval("3 / 0").is_none());
        assert!(eval("3 x 4").is_none());
    }

    #[test]
    fn checks_equations() {
        assert_eq!(check_equation("12 * 3 = 36"), Some(true));
        assert_eq!(check_equation("12 * 3 = 35"), Some(false));
        assert_eq!(check_equation("7 / 2 = 7/2"), Some(true));
        assert_eq!(check_equation("so we get 5"), None);
    }
}
