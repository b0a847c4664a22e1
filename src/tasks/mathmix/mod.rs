//! `mathmix`: MATH levels 1–3 analogue (docs/architecture.md §2). Five categories (linear
//! equations, gcd/mod, counting, area, fractions — labelled as MATH names them:
//! Algebra, Number Theory, Counting, Geometry, Prealgebra) × level 1–3; difficulty is
//! the level and `category` is set. Answers are bullet points, each a checkable
//! equation, ending in `\boxed{x}` as the paper's Math answer prompt asks, e.g.
//! `- 20 - 5 = 15\n- 15 / 3 = 5\n\boxed{5}`. Final answers are integers or reduced
//! fractions `a/b`, compared exactly.
//!
//! Rewrite rule (D.2.2): same category, new numbers; with probability `fidelity` the
//! level stays the seed's, otherwise it moves by ±1 (within 1–3).

mod problems;

use super::arith::chain::{self, Chain};
use super::{Example, Task, Verdict};
use crate::rng::Rng;
use crate::tasks::expr::Rational;
pub use problems::CATEGORIES;
use rand::seq::SliceRandom;
use rand::Rng as _;

/// Seed-set mix over levels 1..=3 (categories are uniform).
const MIX: [u32; 3] = [40, 35, 25];
/// Constants a step may use without them appearing in the question: counting factors
/// `n − 1`, `n − 2`, Euclid quotients, the 2 of a triangle's area.
const SMALL_KNOWN: i64 = 20;

/// The `mathmix` task world.
#[derive(Clone, Debug, Default)]
pub struct MathMix;

fn draw_level(rng: &mut Rng) -> u32 {
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

fn format_answer(lines: &[String], fin: Rational) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str("- ");
        s.push_str(l);
        s.push('\n');
    }
    s.push_str(&format!("\\boxed{{{fin}}}"));
    s
}

/// Rebuild the chain of a mathmix answer from its bullets: every literal on a left-hand
/// side that equals an earlier stated result (searching the latest first) becomes a
/// reference to it, so `corrupt_answer` can propagate a slip.
fn chain_of(ex: &Example) -> Option<Chain> {
    let question_nums: Vec<i64> = ex
        .question
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    let mut c = Chain::default();
    let mut stated: Vec<Rational> = Vec::new();
    for l in chain::step_lines(&ex.answer) {
        let (lhs, _) = l.split_once('=')?;
        let mut items = Vec::new();
        for tok in lhs.split_whitespace() {
            let mut t = tok;
            while let Some(rest) = t.strip_prefix('(') {
                items.push(chain::Item::Open);
                t = rest;
            }
            let mut closes = 0;
            while let Some(rest) = t.strip_suffix(')') {
                closes += 1;
                t = rest;
            }
            match t {
                "+" | "-" | "*" | "/" => items.push(chain::Item::Op(t.chars().next()?)),
                _ => {
                    let v: i64 = t.parse().ok()?;
                    let rv = Rational::int(v);
                    let from_question = question_nums.contains(&v);
                    match stated.iter().rposition(|s| *s == rv) {
                        Some(i) if !from_question || i + 1 == stated.len() => {
                            items.push(chain::Item::Ref(i))
                        }
                        _ => items.push(chain::n(v)),
                    }
                }
            }
            for _ in 0..closes {
                items.push(chain::Item::Close);
            }
        }
        let i = c.push(items)?;
        stated.push(c.value(i));
    }
    let truth = chain::parse_value(&ex.final_answer)?;
    let ans = stated.iter().rposition(|s| *s == truth)?;
    c.set_answer(ans);
    Some(c)
}

impl MathMix {
    fn build(&self, rng: &mut Rng, cat: usize, level: u32) -> Example {
        let p = problems::generate(rng, cat, level);
        let (lines, fin) = p.chain.render(None).expect("valid chain");
        Example {
            question: p.question,
            answer: format_answer(&lines, fin),
            final_answer: fin.to_string(),
            difficulty: level,
            category: Some(CATEGORIES[cat].to_string()),
        }
    }
}

impl Task for MathMix {
    fn prompt_family(&self) -> crate::tasks::PromptFamily {
        crate::tasks::PromptFamily::Math
    }
    /// A number or an expression: open.
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
        "mathmix"
    }

    fn difficulty_range(&self) -> (u32, u32) {
        (1, 3)
    }

    fn generate(&self, rng: &mut Rng, difficulty: Option<u32>) -> Example {
        let cat = rng.gen_range(0..CATEGORIES.len());
        let level = difficulty.unwrap_or_else(|| draw_level(rng)).clamp(1, 3);
        self.build(rng, cat, level)
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
        let cat = seed
            .category
            .as_deref()
            .and_then(|c| CATEGORIES.iter().position(|k| *k == c))
            .unwrap_or_else(|| rng.gen_range(0..CATEGORIES.len()));
        let l0 = seed.difficulty.clamp(1, 3);
        let level = if rng.gen_bool(fidelity.clamp(0.0, 1.0)) {
            l0
        } else {
            let moves: Vec<u32> = [l0 - 1, l0 + 1]
                .into_iter()
                .filter(|l| (1..=3).contains(l))
                .collect();
            *moves.choose(rng).expect("a neighbouring level")
        };
        // New numbers: never hand back the seed itself.
        let mut ex = self.build(rng, cat, level);
        for _ in 0..8 {
            if ex.question != seed.question {
                break;
            }
            ex = self.build(rng, cat, level);
        }
        Some(ex)
    }

    fn corrupt_answer(&self, ex: &Example, rng: &mut Rng) -> String {
        match chain_of(ex) {
            Some(c) => {
                let (lines, fin) = c.corrupt(rng, |_, _| true);
                format_answer(&lines, fin)
            }
            None => {
                let wrong = chain::parse_value(&ex.final_answer)
                    .and_then(|v| v.add(Rational::int(1)))
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "0".into());
                format!("\\boxed{{{wrong}}}")
            }
        }
    }

    fn lexicon(&self) -> Vec<String> {
        let mut v: Vec<String> = problems::all_templates()
            .iter()
            .map(|t| chain::strip_placeholders(t))
            .collect();
        v.extend(CATEGORIES.iter().map(|c| c.to_string()));
        v.extend(super::arith::words::NAMES.iter().map(|x| x.0.to_string()));
        v.extend(super::arith::words::OBJECTS.iter().map(|x| x.to_string()));
        v.extend(["she he boxed".to_string()]);
        v
    }
}

#[cfg(test)]
mod tests;
