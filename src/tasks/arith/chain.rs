//! Chains of thought as small expression DAGs, shared by `arith` and `mathmix`.
//!
//! A solution is a list of steps; each step's left-hand side is an expression over
//! numbers from the question and the results of earlier steps (`Ref`). Keeping the
//! references (instead of only the rendered text) is what lets `corrupt_answer` slip one
//! result and propagate it honestly: later steps stay internally correct but build on the
//! wrong value, exactly like a real arithmetic slip, so the process check sees one
//! invalid step and the final answer is wrong.

use crate::tasks::expr::{self, Rational};
use rand::Rng as _;
use std::collections::BTreeSet;

/// One token of a step's left-hand side.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item {
    /// A literal number (from the question, or a small constant such as a quotient).
    Num(Rational),
    /// The result of an earlier step.
    Ref(usize),
    /// A binary operator `+ - * /`.
    Op(char),
    Open,
    Close,
}

/// Shorthand for an integer literal.
pub(crate) fn n(v: i64) -> Item {
    Item::Num(Rational::int(v))
}

/// Shorthand for a reference to step `i`.
pub(crate) fn r(i: usize) -> Item {
    Item::Ref(i)
}

/// A worked solution: steps, their (correct) results, and which step is the answer.
#[derive(Clone, Debug, Default)]
pub(crate) struct Chain {
    steps: Vec<Vec<Item>>,
    values: Vec<Rational>,
    answer: usize,
}

/// Render a value as an operand: plain for non-negative integers, parenthesised
/// otherwise so that substitution never changes precedence (`3 / (7/2)`).
fn operand(v: Rational) -> String {
    if v.is_integer() && v.num() >= 0 {
        v.to_string()
    } else {
        format!("({v})")
    }
}

impl Chain {
    /// Append a step and evaluate it; `None` on division by zero or a malformed step.
    /// The newest step becomes the answer until [`Chain::set_answer`] says otherwise.
    pub(crate) fn push(&mut self, items: Vec<Item>) -> Option<usize> {
        let lhs = self.render_lhs(&items, &self.values);
        let v = expr::eval(&lhs)?.value;
        self.steps.push(items);
        self.values.push(v);
        self.answer = self.steps.len() - 1;
        Some(self.answer)
    }

    /// `a op b` as a step; panics only on a generator bug (division by zero).
    pub(crate) fn bin(&mut self, a: Item, op: char, b: Item) -> usize {
        self.push(vec![a, Item::Op(op), b])
            .expect("generator produced a valid step")
    }

    /// Result of step `i`.
    pub(crate) fn value(&self, i: usize) -> Rational {
        self.values[i]
    }

    /// Mark step `i` as the one whose result is the final answer.
    pub(crate) fn set_answer(&mut self, i: usize) {
        self.answer = i;
    }

    /// The correct final answer.
    pub(crate) fn answer(&self) -> Rational {
        self.values[self.answer]
    }

    /// Number of steps.
    pub(crate) fn len(&self) -> usize {
        self.steps.len()
    }

    fn render_lhs(&self, items: &[Item], shown: &[Rational]) -> String {
        let mut s = String::new();
        for it in items {
            match it {
                Item::Num(v) => s.push_str(&operand(*v)),
                Item::Ref(i) => s.push_str(&operand(shown[*i])),
                Item::Op(c) => {
                    s.push(' ');
                    s.push(*c);
                    s.push(' ');
                }
                Item::Open => s.push('('),
                Item::Close => s.push(')'),
            }
        }
        s
    }

    /// Step lines (`lhs = result`) and the final answer, with an optional slip: step
    /// `i`'s shown result is off by `delta` and later steps use the shown value.
    /// `None` when the slip makes a later step undefined (division by zero).
    pub(crate) fn render(
        &self,
        slip: Option<(usize, Rational)>,
    ) -> Option<(Vec<String>, Rational)> {
        let mut shown: Vec<Rational> = Vec::with_capacity(self.steps.len());
        let mut lines = Vec::with_capacity(self.steps.len());
        for (i, items) in self.steps.iter().enumerate() {
            let lhs = self.render_lhs(items, &shown);
            let mut v = expr::eval(&lhs)?.value;
            if let Some((j, d)) = slip {
                if j == i {
                    v = v.add(d)?;
                }
            }
            lines.push(format!("{lhs} = {v}"));
            shown.push(v);
        }
        Some((lines, shown[self.answer]))
    }

    /// A slipped rendering whose final answer differs from the true one and whose shown
    /// values all pass `accept`; tries random slips, then falls back to slipping the
    /// answer step by +1 (always changes the final answer).
    pub(crate) fn corrupt(
        &self,
        rng: &mut crate::rng::Rng,
        accept: impl Fn(&[String], Rational) -> bool,
    ) -> (Vec<String>, Rational) {
        let truth = self.answer();
        for _ in 0..24 {
            let i = rng.gen_range(0..self.steps.len());
            let mag = rng.gen_range(1..=3i64);
            let d = if rng.gen_bool(0.7) { mag } else { -mag };
            if let Some((lines, fin)) = self.render(Some((i, Rational::int(d)))) {
                if fin != truth && accept(&lines, fin) {
                    return (lines, fin);
                }
            }
        }
        let one = Rational::int(1);
        if let Some((lines, fin)) = self.render(Some((self.answer, one))) {
            if fin != truth {
                return (lines, fin);
            }
        }
        // Later steps undefined under the slip: slip the answer line only.
        let (mut lines, _) = self.render(None).expect("valid chain renders");
        let wrong = truth.add(one).expect("small values");
        let line = &lines[self.answer];
        let lhs = line.rsplit_once(" = ").map(|p| p.0).unwrap_or("");
        lines[self.answer] = format!("{lhs} = {wrong}");
        (lines, wrong)
    }
}

/// The step lines of a free-text response: lines containing `=`, with a leading bullet
/// (`- `, `* `) and a trailing period removed; final-answer lines are not steps.
pub(crate) fn step_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.contains("####") && !l.contains("\\boxed"))
        .map(|l| {
            let l = l
                .strip_prefix("- ")
                .or_else(|| l.strip_prefix("* "))
                .unwrap_or(l);
            l.trim().trim_end_matches('.').trim()
        })
        .filter(|l| l.contains('='))
        .collect()
}

/// Integer literals (digit runs) of a text.
fn digit_runs(text: &str) -> impl Iterator<Item = i64> + '_ {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .filter_map(|w| w.parse().ok())
}

/// Process check shared by `arith` and `mathmix`: (valid steps, steps). A step is valid
/// when it is a true equation and every literal on its left-hand side is known: a number
/// of the question, a result stated by an earlier step (right or wrong: a slip costs
/// only its own step), or a small constant `<= small_max` (halving, quotients, factors).
pub(crate) fn check_steps(question: &str, response: &str, small_max: i64) -> (usize, usize) {
    let mut known: BTreeSet<i64> = digit_runs(question).collect();
    let steps = step_lines(response);
    let mut valid = 0;
    for s in &steps {
        let (lhs, rhs) = s.split_once('=').unwrap_or((s, ""));
        let lits_ok = expr::eval(lhs)
            .map(|e| {
                e.literals
                    .iter()
                    .all(|l| *l <= small_max || known.contains(l))
            })
            .unwrap_or(false);
        if lits_ok && expr::check_equation(s) == Some(true) {
            valid += 1;
        }
        known.extend(digit_runs(rhs));
    }
    (valid, steps.len())
}

/// Parse a final answer written loosely: `\frac{a}{b}`, `-12`, `1,200`, `7.5`, `3/4`,
/// `x = 5`, `$12 dollars` — the first number in the text. `None` when there is none.
pub(crate) fn parse_value(text: &str) -> Option<Rational> {
    let t = text
        .replace("\\dfrac", "\\frac")
        .replace("\\tfrac", "\\frac");
    if let Some(i) = t.find("\\frac{") {
        let rest = &t[i + 6..];
        let (a, rest) = rest.split_once('}')?;
        let b = rest.strip_prefix('{')?.split_once('}')?.0;
        let neg = t[..i].trim_end().ends_with('-');
        let v = Rational::parse(&format!("{}/{}", a.trim(), b.trim()))?;
        return if neg {
            Rational::int(0).sub(v)
        } else {
            Some(v)
        };
    }
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() && !b[i].is_ascii_digit() {
        i += 1;
    }
    if i == b.len() {
        return None;
    }
    let neg = i > 0 && b[i - 1] == b'-';
    let mut int = String::new();
    while i < b.len() {
        if b[i].is_ascii_digit() {
            int.push(b[i] as char);
            i += 1;
        } else if b[i] == b',' && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
            i += 1;
        } else {
            break;
        }
    }
    let mut v = Rational::parse(&int)?;
    if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        i += 1;
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = &t[s..i];
        let scale = 10i128.checked_pow(frac.len() as u32)?;
        let f = Rational::new(frac.parse().ok()?, scale)?;
        v = v.add(f)?;
    } else {
        let rest = t[i..].trim_start();
        if let Some(den) = rest.strip_prefix('/') {
            let den = den.trim_start();
            let d: String = den.chars().take_while(|c| c.is_ascii_digit()).collect();
            if !d.is_empty() {
                v = v.div(Rational::parse(&d)?)?;
            }
        }
    }
    if neg {
        Rational::int(0).sub(v)
    } else {
        Some(v)
    }
}

/// The shared verifier: extract the final answer and compare it exactly with the
/// canonical one. `extracted` is the canonical form of the parsed value when the text
/// holds a number, else the raw extracted text.
pub(crate) fn verify(final_answer: &str, response: &str) -> crate::tasks::Verdict {
    let raw = crate::tasks::answer::extract_final(response);
    let truth = parse_value(final_answer);
    match raw {
        None => crate::tasks::Verdict {
            extracted: None,
            correct: false,
        },
        Some(raw) => match parse_value(&raw) {
            Some(v) => crate::tasks::Verdict {
                extracted: Some(v.to_string()),
                correct: truth == Some(v),
            },
            None => crate::tasks::Verdict {
                extracted: Some(raw),
                correct: false,
            },
        },
    }
}

/// Remove `{placeholder}` markers from a template, leaving its literal words (for
/// lexicons).
pub(crate) fn strip_placeholders(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut depth = 0;
    for c in t.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => {
                depth -= 1;
                out.push(' ');
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn q(a: i64, b: i64) -> Rational {
        Rational::new(a as i128, b as i128).unwrap()
    }

    #[test]
    fn parses_loose_values() {
        assert_eq!(parse_value("1,200 apples."), Some(Rational::int(1200)));
        assert_eq!(parse_value("x = -5"), Some(Rational::int(-5)));
        assert_eq!(parse_value("\\frac{6}{8}"), Some(q(3, 4)));
        assert_eq!(parse_value("-\\dfrac{1}{2}"), Some(q(-1, 2)));
        assert_eq!(parse_value(" 3 / 4 "), Some(q(3, 4)));
        assert_eq!(parse_value("7.5"), Some(q(15, 2)));
        assert_eq!(parse_value("$12"), Some(Rational::int(12)));
        assert_eq!(parse_value("none"), None);
    }

    #[test]
    fn chain_renders_and_slips_propagate() {
        let mut c = Chain::default();
        let a = c.bin(n(5), '+', n(3));
        let b = c.bin(r(a), '*', n(2));
        assert_eq!(c.value(b), Rational::int(16));
        let (lines, fin) = c.render(None).unwrap();
        assert_eq!(lines, vec!["5 + 3 = 8", "8 * 2 = 16"]);
        assert_eq!(fin, Rational::int(16));
        let (lines, fin) = c.render(Some((0, Rational::int(1)))).unwrap();
        assert_eq!(lines, vec!["5 + 3 = 9", "9 * 2 = 18"]);
        assert_eq!(fin, Rational::int(18));
        assert_eq!(check_steps("5 and 3", &lines.join("\n"), 2), (1, 2));
        let mut rng = crate::rng::Rng::seed_from_u64(1);
        let (_, wrong) = c.corrupt(&mut rng, |_, _| true);
        assert_ne!(wrong, Rational::int(16));
    }

    #[test]
    fn unknown_literals_make_a_step_invalid() {
        // 7 is neither in the question nor a stated result nor small.
        assert_eq!(check_steps("5 and 3", "5 + 3 = 8\n8 + 7 = 15", 3), (1, 2));
        assert_eq!(
            check_steps("5 and 3", "- 5 + 3 = 8.\n- 8 * 2 = 16", 3),
            (2, 2)
        );
        assert_eq!(
            step_lines("so\n#### 8 = 8\n\\boxed{x = 8}"),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn placeholders_are_stripped() {
        assert_eq!(strip_placeholders("{N}'s {cont} holds"), " 's   holds");
    }
}
