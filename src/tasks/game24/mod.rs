//! `game24`: the Game of 24 (paper analogue: nlile/24-game, docs/architecture.md §2).
//!
//! The world is every solvable multiset of four numbers from 1..=13, found by exhaustive
//! exact search ([`solver`]), with one data point per distinct solution, precomputed
//! once on first use.
//!
//! Text format (the paper's step format, D.2.4):
//! ```text
//! Use 4 4 6 8 to make 24.
//! ---
//! 8 + 4 = 12 (left: 4 6 12)
//! 6 - 4 = 2 (left: 2 12)
//! 12 * 2 = 24 (left: 24)
//! Answer: (8 + 4) * (6 - 4) = 24
//! #### (8 + 4) * (6 - 4)
//! ```
//! Non-integer operands in a step line are bracketed (`8 / (1/3) = 24`) so each step is
//! a checkable equation; "left:" lists are ascending.
//!
//! Difficulty (solution structure, from the canonical expression):
//! 1 = only `+` and `*`; 2 = uses `-` or `/` with integer intermediates and bracket
//! depth ≤ 1; 3 = a non-integer intermediate or nested brackets. Every solution has
//! exactly three steps, so difficulty is structural, not a step count.

pub mod other_targets;
pub mod solver;
pub mod tree;

use super::{answer, Example, Task, Verdict};
use crate::rng::Rng;
use crate::tasks::expr::{self, Rational};
use rand::seq::SliceRandom;
use rand::Rng as _;
use solver::Solution;
use std::sync::OnceLock;
use tree::Node;

/// Seed-set mix over difficulties 1..=3 (most easy/medium, a tail of hard ones).
const MIX: [f64; 3] = [0.4, 0.4, 0.2];
/// Largest number a backward-reasoned puzzle may contain (keeps text compact).
pub const MAX_REWRITE_NUMBER: i64 = 99;
/// How many values of `b` the teacher tries before answering `\boxed{null}`.
pub const REWRITE_TRIES: usize = 8;

/// The precomputed world: all distinct solutions and, per difficulty, their indices.
pub struct World {
    /// Every data point (puzzle, canonical solution), puzzle by puzzle.
    pub solutions: Vec<Solution>,
    /// Difficulty of each data point.
    pub difficulty: Vec<u32>,
    /// Indices of `solutions` per difficulty 1..=3.
    pub by_difficulty: [Vec<usize>; 3],
    /// Number of distinct solvable puzzles.
    pub solvable_puzzles: usize,
    /// Each puzzle's solutions: the range of `solutions` they occupy (the solver emits
    /// them puzzle by puzzle).
    pub by_puzzle: std::collections::BTreeMap<[i64; 4], std::ops::Range<usize>>,
}

/// The lazily built world (exhaustive search runs once per process).
pub fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let solutions = solver::all_solutions();
        let mut difficulty = Vec::with_capacity(solutions.len());
        let mut by_difficulty: [Vec<usize>; 3] = Default::default();
        let mut by_puzzle = std::collections::BTreeMap::<[i64; 4], std::ops::Range<usize>>::new();
        for (i, s) in solutions.iter().enumerate() {
            let t = Node::parse(&s.expr).expect("solver renders parseable expressions");
            let d = classify(&t);
            difficulty.push(d);
            by_difficulty[(d - 1) as usize].push(i);
            by_puzzle.entry(s.numbers).or_insert(i..i).end = i + 1;
        }
        World {
            solutions,
            difficulty,
            by_difficulty,
            solvable_puzzles: by_puzzle.len(),
            by_puzzle,
        }
    })
}

/// Structural difficulty of a solution tree (see the module doc).
pub fn classify(t: &Node) -> u32 {
    let fractional = t
        .intermediates()
        .map(|v| v.iter().any(|x| !x.is_integer()))
        .unwrap_or(true);
    if fractional || t.bracket_depth() >= 2 {
        3
    } else if t.ops().iter().any(|&o| o == '-' || o == '/') {
        2
    } else {
        1
    }
}

fn fmt_operand(v: Rational) -> String {
    if v.is_integer() {
        v.to_string()
    } else {
        format!("({v})")
    }
}

fn fmt_left(left: &[Rational]) -> String {
    let mut l = left.to_vec();
    l.sort();
    l.iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Step lines of a tree in post-order; `wrong_op` writes step `k` with another operator
/// while keeping its true result (an arithmetic error the process check sees).
fn step_lines(t: &Node, wrong_op: Option<(usize, char)>) -> Vec<String> {
    let mut left: Vec<Rational> = t.leaves().into_iter().map(Rational::int).collect();
    let mut lines = Vec::new();
    walk_steps(t, &mut left, &mut lines, wrong_op);
    lines
}

fn walk_steps(
    t: &Node,
    left: &mut Vec<Rational>,
    lines: &mut Vec<String>,
    wrong_op: Option<(usize, char)>,
) -> Rational {
    match t {
        Node::Leaf(n) => Rational::int(*n),
        Node::Op(l, op, r) => {
            let a = walk_steps(l, left, lines, wrong_op);
            let b = walk_steps(r, left, lines, wrong_op);
            let v = a.apply(*op, b).unwrap_or(Rational::int(0));
            for x in [a, b] {
                if let Some(p) = left.iter().position(|y| *y == x) {
                    left.remove(p);
                }
            }
            left.push(v);
            let shown = match wrong_op {
                Some((k, o)) if k == lines.len() => o,
                _ => *op,
            };
            lines.push(format!(
                "{} {} {} = {} (left: {})",
                fmt_operand(a),
                shown,
                fmt_operand(b),
                v,
                fmt_left(left)
            ));
            v
        }
    }
}

fn question(numbers: &[i64], target: i64) -> String {
    let mut n = numbers.to_vec();
    n.sort();
    let s: Vec<String> = n.iter().map(|x| x.to_string()).collect();
    format!("Use {} to make {target}.", s.join(" "))
}

/// The example for a solution tree (canonicalised).
pub fn example_from_tree(t: Node) -> Example {
    example_for_target(t, 24)
}

/// The example for a tree whose value is `target`, in the game's text format with
/// `target` where the game says 24 ([`other_targets`]' puzzles).
pub fn example_for_target(t: Node, target: i64) -> Example {
    let t = t.canonical();
    let expr = t.render();
    let mut answer = step_lines(&t, None).join("\n");
    answer.push_str(&format!("\nAnswer: {expr} = {target}\n#### {expr}"));
    Example {
        question: question(&t.leaves(), target),
        answer,
        final_answer: expr,
        difficulty: classify(&t),
        category: None,
    }
}

/// The puzzle's numbers, read from a question `Use a b c d to make 24.`
pub fn puzzle_numbers(question: &str) -> Option<Vec<i64>> {
    let body = question.split("Use").nth(1)?.split("to make").next()?;
    let v: Option<Vec<i64>> = body.split_whitespace().map(|w| w.parse().ok()).collect();
    v.filter(|v| !v.is_empty())
}

/// Whether `text` has a unary minus (the game allows only binary operations).
fn has_unary_minus(text: &str) -> bool {
    let mut prev: Option<char> = None;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if c == '-' && matches!(prev, None | Some('(' | '+' | '-' | '*' | '/')) {
            return true;
        }
        prev = Some(c);
    }
    false
}

/// Whether `expr` solves the puzzle: value exactly 24, literals exactly the puzzle's
/// numbers as a multiset, no unary minus.
pub fn solves(numbers: &[i64], expr_text: &str) -> bool {
    solves_target(numbers, expr_text, 24)
}

/// [`solves`] for another target.
pub fn solves_target(numbers: &[i64], expr_text: &str, target: i64) -> bool {
    if has_unary_minus(expr_text) {
        return false;
    }
    let Some(e) = expr::eval(expr_text) else {
        return false;
    };
    let mut lit = e.literals.clone();
    let mut want = numbers.to_vec();
    lit.sort();
    want.sort();
    e.value == Rational::int(target) && lit == want
}

fn sample_difficulty(rng: &mut Rng) -> u32 {
    let u: f64 = rng.gen();
    let mut acc = 0.0;
    for (i, w) in MIX.iter().enumerate() {
        acc += w;
        if u < acc {
            return i as u32 + 1;
        }
    }
    MIX.len() as u32
}

/// Game of 24 task world.
#[derive(Default)]
pub struct Game24;

impl Game24 {
    fn template(&self, rng: &mut Rng, d: u32) -> Node {
        let w = world();
        let list = &w.by_difficulty[(d.clamp(1, 3) - 1) as usize];
        let s = &w.solutions[list[rng.gen_range(0..list.len())]];
        Node::parse(&s.expr).expect("stored solutions parse")
    }
}

impl Task for Game24 {
    fn prompt_family(&self) -> crate::tasks::PromptFamily {
        crate::tasks::PromptFamily::Game24
    }
    /// Any expression that makes 24: open.
    fn chance_accuracy(&self) -> f64 {
        0.0
    }
    /// The paper's defaults: dedup off, verifier gate on (backward-reasoned puzzles are
    /// checked, and many share a ROUGE-L-similar template).
    fn teacher_defaults(&self) -> crate::tasks::TeacherDefaults {
        crate::tasks::TeacherDefaults {
            dedup: false,
            verify_synthetic: true,
        }
    }
    fn name(&self) -> &'static str {
        "game24"
    }

    fn difficulty_range(&self) -> (u32, u32) {
        (1, 3)
    }

    fn generate(&self, rng: &mut Rng, difficulty: Option<u32>) -> Example {
        let d = difficulty.unwrap_or_else(|| sample_difficulty(rng));
        example_from_tree(self.template(rng, d))
    }

    fn distinct_questions(&self) -> Option<usize> {
        Some(world().solvable_puzzles)
    }

    fn transfer_corpus(&self) -> Option<&'static str> {
        Some(other_targets::DESCRIPTION)
    }

    fn transfer_example(&self, rng: &mut Rng, max_difficulty: u32) -> Option<Example> {
        other_targets::example(rng, max_difficulty)
    }

    /// The paper's Game of 24 data points are solutions: "each question can have
    /// multiple solutions, we treat each solution as a separate data point" (D.1).
    fn has_several_answers(&self) -> bool {
        true
    }

    /// The puzzle's other solutions in the world's (sorted expression) order.
    fn other_answers(&self, ex: &Example) -> Vec<Example> {
        let Some(numbers) = puzzle_numbers(&ex.question) else {
            return Vec::new();
        };
        let Ok(mut key) = <[i64; 4]>::try_from(numbers) else {
            return Vec::new();
        };
        key.sort();
        let w = world();
        let Some(range) = w.by_puzzle.get(&key) else {
            return Vec::new();
        };
        w.solutions[range.clone()]
            .iter()
            .map(|s| example_from_tree(Node::parse(&s.expr).expect("stored solutions parse")))
            .filter(|e| e.final_answer != ex.final_answer)
            .collect()
    }

    fn verify(&self, ex: &Example, response: &str) -> Verdict {
        let extracted = answer::extract_final(response);
        let correct = match (&extracted, puzzle_numbers(&ex.question)) {
            (Some(x), Some(nums)) => {
                let lhs = x.split('=').next().unwrap_or("");
                solves(&nums, lhs)
            }
            _ => false,
        };
        Verdict { extracted, correct }
    }

    fn count_steps(&self, answer: &str) -> usize {
        answer.lines().filter(|l| l.contains("(left:")).count()
    }

    fn check_steps(&self, ex: &Example, response: &str) -> (usize, usize) {
        let Some(nums) = puzzle_numbers(&ex.question) else {
            return (0, self.count_steps(response));
        };
        let mut state: Vec<Rational> = nums.into_iter().map(Rational::int).collect();
        let (mut valid, mut total) = (0, 0);
        for line in response.lines().filter(|l| l.contains("(left:")) {
            total += 1;
            let (eq, left) = line.split_once("(left:").unwrap_or((line, ""));
            let stated: Option<Vec<Rational>> = left
                .trim()
                .trim_end_matches(')')
                .split_whitespace()
                .map(Rational::parse)
                .collect();
            let (ok, computed) = check_step(eq, &state);
            let stated = stated.map(|mut s| {
                s.sort();
                s
            });
            let mut ok = ok;
            match (&stated, &computed) {
                (Some(s), Some(c)) => ok &= s == c,
                _ => ok = false,
            }
            if ok {
                valid += 1;
            }
            if let Some(s) = stated.or(computed) {
                state = s;
            }
        }
        (valid, total)
    }

    fn rewrite(&self, seed: &Example, fidelity: f64, rng: &mut Rng) -> Option<Example> {
        let follow = rng.gen_bool(fidelity.clamp(0.0, 1.0));
        let mut t = if follow {
            Node::parse(&seed.final_answer)?
        } else {
            let d = sample_difficulty(rng);
            if d == seed.difficulty {
                Node::parse(&seed.final_answer)?
            } else {
                self.template(rng, d)
            }
        };
        let n = t.leaf_count();
        if n < 2 {
            return None;
        }
        let original = t.leaves();
        let ia = rng.gen_range(0..n);
        let mut ib = rng.gen_range(0..n - 1);
        if ib >= ia {
            ib += 1;
        }
        let mut cands: Vec<i64> = (1..=24).filter(|&b| b != original[ib]).collect();
        cands.shuffle(rng);
        let mut seed_set = original.clone();
        seed_set.sort();
        for &b in cands.iter().take(REWRITE_TRIES) {
            t.set_leaf(ib, b);
            let Some(a) = t.solve_for(ia, Rational::int(24)) else {
                continue;
            };
            if !a.is_integer() || a.num() < 1 || a.num() > MAX_REWRITE_NUMBER as i128 {
                continue;
            }
            t.set_leaf(ia, a.num() as i64);
            let nonneg = t
                .intermediates()
                .map(|v| v.iter().all(|x| x.num() >= 0))
                .unwrap_or(false);
            let mut new_set = t.leaves();
            new_set.sort();
            if !nonneg || t.value() != Some(Rational::int(24)) || new_set == seed_set {
                continue;
            }
            let ex = example_from_tree(t.clone());
            // The teacher's output is checked before it is kept (the paper's verifier).
            return self.verify(&ex, &ex.answer).correct.then_some(ex);
        }
        None
    }

    fn corrupt_answer(&self, ex: &Example, rng: &mut Rng) -> String {
        let Some(t) = Node::parse(&ex.final_answer) else {
            return format!("{}\n#### 0", ex.answer);
        };
        let k_ops = t.ops().len();
        let mut options: Vec<(usize, char)> = Vec::new();
        for k in 0..k_ops {
            for o in ['+', '-', '*', '/'] {
                if o != t.ops()[k] {
                    options.push((k, o));
                }
            }
        }
        options.shuffle(rng);
        for (k, o) in options {
            let mut bad = t.clone();
            bad.set_op(k, o);
            let e = bad.render();
            if bad.value().is_some_and(|v| v != Rational::int(24)) {
                let mut s = step_lines(&t, Some((k, o))).join("\n");
                s.push_str(&format!("\nAnswer: {e} = 24\n#### {e}"));
                return s;
            }
        }
        // Every operator swap still gives 24 (or divides by zero): change a literal.
        let mut bad = t.clone();
        let first = t.leaves()[0];
        bad.set_leaf(0, first + 1);
        let e = bad.render();
        let lines = step_lines(&t, None);
        let first_bad = lines
            .first()
            .map(|l| l.replacen(&first.to_string(), &(first + 1).to_string(), 1))
            .unwrap_or_default();
        let mut s = std::iter::once(first_bad)
            .chain(lines.into_iter().skip(1))
            .collect::<Vec<_>>()
            .join("\n");
        s.push_str(&format!("\nAnswer: {e} = 24\n#### {e}"));
        s
    }

    fn lexicon(&self) -> Vec<String> {
        vec!["Use to make".into(), "left Answer".into()]
    }
}

/// Check one step `A op B = C` against the numbers still available: the equation holds
/// exactly and both operands are available. Returns (ok, the multiset after the step,
/// ascending) — the multiset is `None` when the line cannot be parsed.
fn check_step(eq: &str, state: &[Rational]) -> (bool, Option<Vec<Rational>>) {
    let Some((lhs, _)) = eq.split_once('=') else {
        return (false, None);
    };
    let holds = expr::check_equation(eq.trim()) == Some(true);
    let Some(Node::Op(l, _, r)) = Node::parse(lhs.trim()) else {
        return (false, None);
    };
    let (Some(a), Some(b), Some(v)) = (
        l.value(),
        r.value(),
        expr::eval(lhs.trim()).map(|e| e.value),
    ) else {
        return (false, None);
    };
    let mut next = state.to_vec();
    let mut available = true;
    for x in [a, b] {
        match next.iter().position(|y| *y == x) {
            Some(p) => {
                next.remove(p);
            }
            None => available = false,
        }
    }
    next.push(v);
    next.sort();
    (holds && available, Some(next))
}
