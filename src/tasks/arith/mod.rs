//! `arith`: grade-school word problems, the GSM8k analogue (docs/architecture.md §2).
//!
//! One protagonist holds a quantity of objects and a chain of 1–6 operations changes it
//! (+, −, ×, exact ÷, with "half"/"double"/"triple" phrasings); difficulty is the number
//! of operations. Operands are single digits (multipliers and divisors 2 or 3) and every
//! value stays below 30, so that difficulty measures chain length (reading and chaining
//! more steps) and not multi-digit arithmetic: at the student's size (docs/architecture.md
//! §2) three-digit products were unlearnable at any data size, so no strategy could move
//! it (issue 3's learning curve).
//! The answer is one checkable equation per operation and `#### x`, e.g.
//! `5 + 3 = 8\n8 - 2 = 6\n#### 6`.
//!
//! Rewrite rule (the paper's D.2.1 prompt): new names, objects and quantities; 1–3 more
//! operations (capped at 6) and each seed operation type kept with probability 1/2,
//! otherwise changed; with probability `1 − fidelity` the new difficulty is drawn from
//! the seed-set mix instead.

pub(crate) mod chain;
pub(crate) mod words;

use super::{Example, Task, Verdict};
use crate::rng::Rng;
use crate::tasks::expr::Rational;
use chain::{n, r, Chain, Item};
use rand::seq::SliceRandom;
use rand::Rng as _;
use words::*;

/// Seed-set mix over difficulties 1..=6: mostly easy to medium, a tail of hard items.
const MIX: [u32; 6] = [22, 26, 22, 14, 10, 6];
/// Every intermediate value and result stays below this bound.
const LIMIT: i64 = 30;
/// Largest operand of an addition or subtraction (one digit).
const AMAX: i64 = 9;
/// Largest multiplier or divisor ("double", "triple", "half", "a third").
const KMAX: i64 = 3;
/// Constants a step may use without them appearing in the question ("half", "triple").
const SMALL_KNOWN: i64 = 3;

/// The `arith` task world.
#[derive(Clone, Debug, Default)]
pub struct Arith;

/// Operation type of one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

impl Op {
    fn from_char(c: char) -> Option<Op> {
        match c {
            '+' => Some(Op::Add),
            '-' => Some(Op::Sub),
            '*' => Some(Op::Mul),
            '/' => Some(Op::Div),
            _ => None,
        }
    }
}

/// Who the story is about, with pronouns.
struct Cast {
    name: &'static str,
    other: &'static str,
    female: bool,
    obj: &'static str,
    cont: &'static str,
}

impl Cast {
    fn fill(&self, t: &str, a: i64, b: i64) -> String {
        let (p, h, m) = if self.female {
            ("she", "her", "her")
        } else {
            ("he", "his", "him")
        };
        t.replace("{N}", self.name)
            .replace("{O}", self.other)
            .replace("{P}", &cap(p))
            .replace("{p}", p)
            .replace("{H}", &cap(h))
            .replace("{h}", h)
            .replace("{M}", m)
            .replace("{obj}", self.obj)
            .replace("{cont}", self.cont)
            .replace("{a}", &a.to_string())
            .replace("{b}", &b.to_string())
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Lower-case words of a text (for "change the names and objects").
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Pick from `list` avoiding words in `avoid` (a few tries, then anything).
fn pick_avoiding<T: Copy>(
    rng: &mut Rng,
    list: &[T],
    key: impl Fn(T) -> &'static str,
    avoid: &[String],
) -> T {
    for _ in 0..8 {
        let x = *list.choose(rng).expect("non-empty list");
        if !avoid.iter().any(|w| w == &key(x).to_ascii_lowercase()) {
            return x;
        }
    }
    *list.choose(rng).expect("non-empty list")
}

fn draw_mix(rng: &mut Rng) -> u32 {
    let total: u32 = MIX.iter().sum();
    let mut x = rng.gen_range(0..total);
    for (i, w) in MIX.iter().enumerate() {
        if x < *w {
            return i as u32 + 1;
        }
        x -= w;
    }
    MIX.len() as u32
}

/// Feasible operations on the current value `v`: every result stays in `1..LIMIT`.
fn feasible(v: i64) -> Vec<(Op, u32)> {
    let mut out = Vec::with_capacity(4);
    if v + 1 < LIMIT {
        out.push((Op::Add, 3));
    }
    if v >= 2 {
        out.push((Op::Sub, 3));
    }
    if v * 2 < LIMIT {
        out.push((Op::Mul, 2));
    }
    if (2..=KMAX).any(|k| v % k == 0 && v / k >= 2) {
        out.push((Op::Div, 2));
    }
    out
}

impl Arith {
    /// Build an example with `d` operations; `prefs[j]` is the operation type the
    /// rewrite would like to keep at step `j` (kept with probability 1/2 when feasible).
    fn build(&self, rng: &mut Rng, d: u32, prefs: &[Op], avoid: &[String]) -> Example {
        let (name, female) = pick_avoiding(rng, &NAMES, |x| x.0, avoid);
        let mut other = NAMES.choose(rng).expect("names").0;
        while other == name {
            other = NAMES.choose(rng).expect("names").0;
        }
        let cast = Cast {
            name,
            other,
            female,
            obj: pick_avoiding(rng, &OBJECTS, |x| x, avoid),
            cont: CONTAINERS.choose(rng).expect("containers"),
        };
        let mut chain = Chain::default();
        let mut sentences: Vec<String> = Vec::with_capacity(d as usize + 2);
        let groups = d >= 2 && prefs.first().is_none_or(|p| *p == Op::Mul) && rng.gen_bool(0.3);
        let mut cur: Item;
        let mut v: i64;
        if groups {
            let a = rng.gen_range(2..=KMAX);
            let b = rng.gen_range(2..=AMAX);
            let t = OPEN_GROUPS.choose(rng).expect("templates");
            sentences.push(cast.fill(t, a, b));
            let s = chain.bin(n(a), '*', n(b));
            cur = r(s);
            v = a * b;
        } else {
            v = rng.gen_range(2..=15);
            let t = OPEN_PLAIN.choose(rng).expect("templates");
            sentences.push(cast.fill(t, v, 0));
            cur = n(v);
        }
        let offset = usize::from(groups);
        for j in offset..d as usize {
            let options = feasible(v);
            let want = prefs.get(j).copied();
            let op = match want {
                Some(w) if options.iter().any(|o| o.0 == w) && rng.gen_bool(0.5) => w,
                _ => {
                    let total: u32 = options.iter().map(|o| o.1).sum();
                    let mut x = rng.gen_range(0..total);
                    let mut pick = options[0].0;
                    for (o, w) in &options {
                        if x < *w {
                            pick = *o;
                            break;
                        }
                        x -= w;
                    }
                    pick
                }
            };
            let (k, text) = match op {
                Op::Add => {
                    let a = rng.gen_range(1..=AMAX.min(LIMIT - 1 - v));
                    (a, cast.fill(ADD.choose(rng).expect("t"), a, 0))
                }
                Op::Sub => {
                    let a = rng.gen_range(1..=AMAX.min(v - 1));
                    (a, cast.fill(SUB.choose(rng).expect("t"), a, 0))
                }
                Op::Mul => {
                    let hi = KMAX.min((LIMIT - 1) / v);
                    let k = rng.gen_range(2..=hi);
                    let t = match k {
                        2 => *MUL2.choose(rng).expect("t"),
                        3 if rng.gen_bool(0.5) => *MUL3.choose(rng).expect("t"),
                        _ => *MULK.choose(rng).expect("t"),
                    };
                    (k, cast.fill(t, k, 0))
                }
                Op::Div => {
                    let ks: Vec<i64> = (2..=KMAX).filter(|k| v % k == 0 && v / k >= 2).collect();
                    let k = *ks.choose(rng).expect("feasible division");
                    let t = if k == 2 && rng.gen_bool(0.7) {
                        *DIV2.choose(rng).expect("t")
                    } else {
                        *DIVK.choose(rng).expect("t")
                    };
                    (k, cast.fill(t, k, 0))
                }
            };
            let sym = match op {
                Op::Add => '+',
                Op::Sub => '-',
                Op::Mul => '*',
                Op::Div => '/',
            };
            let s = chain.bin(cur, sym, n(k));
            v = chain.value(s).num() as i64;
            cur = r(s);
            let text = if j > offset && d <= 4 && rng.gen_bool(0.4) {
                let c = CONNECT.choose(rng).expect("t");
                let lower = ["She ", "He ", "Her ", "His "]
                    .iter()
                    .any(|p| text.starts_with(p));
                let body = if lower {
                    text[..1].to_ascii_lowercase() + &text[1..]
                } else {
                    text
                };
                format!("{c} {body}")
            } else {
                text
            };
            sentences.push(text);
        }
        sentences.push(cast.fill(ASK.choose(rng).expect("t"), 0, 0));
        let question = sentences.join(" ");
        let (lines, fin) = chain.render(None).expect("valid chain");
        Example {
            question,
            answer: format_answer(&lines, fin),
            final_answer: fin.to_string(),
            difficulty: d,
            category: None,
        }
    }
}

fn format_answer(lines: &[String], fin: Rational) -> String {
    format!("{}\n#### {fin}", lines.join("\n"))
}

/// Operation types of an answer's steps, in order (`5 + 3 = 8` → `Add`).
fn ops_of(answer: &str) -> Vec<Op> {
    chain::step_lines(answer)
        .iter()
        .filter_map(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|t| t.chars().next())
                .and_then(Op::from_char)
        })
        .collect()
}

/// Rebuild the chain of an arith answer from its text (each step `x op k = y` applied
/// to the previous result), so `corrupt_answer` can slip a step honestly.
fn chain_of(answer: &str) -> Option<Chain> {
    let mut chain = Chain::default();
    for (i, l) in chain::step_lines(answer).iter().enumerate() {
        let lhs = l.split_once('=')?.0;
        let toks: Vec<&str> = lhs.split_whitespace().collect();
        if toks.len() != 3 {
            return None;
        }
        let a: i64 = toks[0].parse().ok()?;
        let op = toks[1].chars().next()?;
        let k: i64 = toks[2].parse().ok()?;
        let first = if i == 0 { n(a) } else { r(i - 1) };
        chain.push(vec![first, Item::Op(op), n(k)])?;
        if i > 0 && chain.value(i - 1) != Rational::int(a) {
            return None;
        }
    }
    (chain.len() > 0).then_some(chain)
}

impl Task for Arith {
    fn prompt_family(&self) -> crate::tasks::PromptFamily {
        crate::tasks::PromptFamily::Gsm8k
    }
    /// A number: open.
    fn chance_accuracy(&self) -> f64 {
        0.0
    }
    /// The paper's defaults: ROUGE-L dedup on, no verifier gate.
    fn teacher_defaults(&self) -> crate::tasks::TeacherDefaults {
        crate::tasks::TeacherDefaults {
            dedup: true,
            verify_synthetic: false,
        }
    }
    fn name(&self) -> &'static str {
        "arith"
    }

    fn difficulty_range(&self) -> (u32, u32) {
        (1, 6)
    }

    fn generate(&self, rng: &mut Rng, difficulty: Option<u32>) -> Example {
        let d = difficulty.unwrap_or_else(|| draw_mix(rng)).clamp(1, 6);
        self.build(rng, d, &[], &[])
    }

    fn verify(&self, ex: &Example, response: &str) -> Verdict {
        chain::verify(&ex.final_answer, response)
    }

    fn count_steps(&self, answer: &str) -> usize {
        chain::step_lines(answer).len()
    }

    fn check_steps(&self, ex: &Example, response: &str) -> (usize, usize) {
        chain::check_steps(&ex.question, response, SMALL_KNOWN)
    }

    fn rewrite(&self, seed: &Example, fidelity: f64, rng: &mut Rng) -> Option<Example> {
        let d0 = seed.difficulty.clamp(1, 6);
        let d = if rng.gen_bool(fidelity.clamp(0.0, 1.0)) {
            (d0 + rng.gen_range(1..=3)).min(6)
        } else {
            draw_mix(rng)
        };
        let prefs = ops_of(&seed.answer);
        let avoid = words_of(&seed.question);
        Some(self.build(rng, d, &prefs, &avoid))
    }

    fn corrupt_answer(&self, ex: &Example, rng: &mut Rng) -> String {
        let Some(chain) = chain_of(&ex.answer) else {
            // Not in our format: a wrong final answer is still a wrong answer.
            let wrong = chain::parse_value(&ex.final_answer)
                .and_then(|v| v.add(Rational::int(1)))
                .map(|v| v.to_string())
                .unwrap_or_else(|| "0".into());
            return format!("#### {wrong}");
        };
        // Shown values stay non-negative integers, as in a plausible slip.
        let (lines, fin) = chain.corrupt(rng, |lines, _| {
            lines.iter().all(|l| {
                let rhs = l.rsplit_once(" = ").map(|p| p.1).unwrap_or("");
                rhs.chars().all(|c| c.is_ascii_digit())
            })
        });
        format_answer(&lines, fin)
    }

    fn lexicon(&self) -> Vec<String> {
        let mut v: Vec<String> = all_templates()
            .iter()
            .map(|t| chain::strip_placeholders(t))
            .collect();
        v.extend(NAMES.iter().map(|x| x.0.to_string()));
        v.extend(OBJECTS.iter().map(|x| x.to_string()));
        v.extend(CONTAINERS.iter().map(|x| x.to_string()));
        v.extend(
            ["she he her his him She He Her His", "####"]
                .iter()
                .map(|s| s.to_string()),
        );
        v
    }
}

#[cfg(test)]
mod tests;
