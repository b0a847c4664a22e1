//! The same game with another target: `Use 3 5 7 9 to make 17.` A base pre-trained on
//! these puzzles (`tasks[].pretrain_corpus = "other-targets"`) learns the game's
//! arithmetic search and its step format on the world's own numbers 1..=13 without ever
//! seeing a target-24 puzzle, so every target-24 example the loop's teacher writes is new
//! to it. That is the paper's setting, where an instruct model with general arithmetic
//! meets Game of 24 data for the first time; the other corpora of this finite world
//! (its ~260 left-over puzzles, or the teacher's rewrites) teach the loop's own
//! distribution before the loop starts (results/calibration/README.md, "game24").
//!
//! A puzzle is drawn target first, then difficulty, then four numbers until the
//! exhaustive solver ([`super::solver`], the one that builds the target-24 world) has a
//! solution of that structure for that target, so targets and difficulties are uniform
//! and every solution is written exactly as the target-24 world writes its own.

use super::tree::Node;
use super::{classify, example_for_target, solver};
use crate::rng::Rng;
use crate::tasks::Example;
use rand::Rng as _;

/// Smallest target (inclusive). 24 sits in the middle of the range, so the base meets
/// targets on both sides of it.
pub const MIN_TARGET: i64 = 10;
/// Largest target (inclusive).
pub const MAX_TARGET: i64 = 40;
/// Draws of four numbers tried for one (target, difficulty) before giving up on it.
const TRIES: usize = 2_000;

/// What the corpus is, in words (reports and errors).
pub const DESCRIPTION: &str = "game24 puzzles with targets 10..=40 other than 24";

/// One puzzle with a target drawn uniformly from `MIN_TARGET..=MAX_TARGET` minus 24 and a
/// difficulty drawn uniformly from `1..=max_difficulty` (capped at the game's 3): four
/// numbers drawn from 1..=13 until the exhaustive solver finds a solution of that
/// structure for that target, then one of those solutions uniformly. `None` when
/// [`TRIES`] draws of numbers found none.
pub fn example(rng: &mut Rng, max_difficulty: u32) -> Option<Example> {
    let mut target = rng.gen_range(MIN_TARGET..MAX_TARGET);
    if target >= 24 {
        target += 1;
    }
    let d = rng.gen_range(1..=max_difficulty.clamp(1, 3));
    for _ in 0..TRIES {
        let mut numbers = [(); 4].map(|_| rng.gen_range(1..=13));
        numbers.sort();
        let fits: Vec<Node> = solver::solve_for_target(numbers, target)
            .iter()
            .map(|e| Node::parse(e).expect("solver renders parseable expressions"))
            .filter(|t| classify(t) == d)
            .collect();
        if !fits.is_empty() {
            let t = fits[rng.gen_range(0..fits.len())].clone();
            return Some(example_for_target(t, target));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{puzzle_numbers, solves_target, Game24};
    use super::*;
    use crate::rng::StreamKey;
    use crate::tasks::Task;
    use std::collections::{BTreeMap, BTreeSet};

    fn target_of(question: &str) -> i64 {
        question
            .trim_end_matches('.')
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Every puzzle is correct by an independent evaluation of its expression (the
    /// verifier's parser, not the solver's search), uses the world's numbers and never
    /// targets 24; its three step lines pass the game's own process check and end with
    /// the target alone.
    #[test]
    fn puzzles_are_correct_never_24_and_cover_targets_and_difficulties() {
        let mut rng = StreamKey::shared(3, "game24", 0, "test").rng();
        let mut targets = BTreeMap::new();
        let mut difficulties = [0usize; 3];
        let mut questions = BTreeSet::new();
        for _ in 0..600 {
            let ex = example(&mut rng, 3).expect("a puzzle");
            let t = target_of(&ex.question);
            assert_ne!(t, 24);
            assert!((MIN_TARGET..=MAX_TARGET).contains(&t), "{}", ex.question);
            let nums = puzzle_numbers(&ex.question).unwrap();
            assert_eq!(nums.len(), 4);
            assert!(nums.iter().all(|n| (1..=13).contains(n)));
            assert!(solves_target(&nums, &ex.final_answer, t), "{}", ex.answer);
            assert!(!solves_target(&nums, &ex.final_answer, 24));
            assert!(ex
                .answer
                .ends_with(&format!("= {t}\n#### {}", ex.final_answer)));
            assert_eq!(Game24.check_steps(&ex, &ex.answer), (3, 3), "{}", ex.answer);
            assert!(ex.answer.contains(&format!("(left: {t})\nAnswer:")));
            *targets.entry(t).or_insert(0usize) += 1;
            difficulties[(ex.difficulty - 1) as usize] += 1;
            questions.insert(ex.question);
        }
        // 30 targets, 20 expected each: every one appears; difficulties about 200 each.
        assert_eq!(targets.len(), 30, "{targets:?}");
        assert!(
            difficulties.iter().all(|&n| (150..=250).contains(&n)),
            "{difficulties:?}"
        );
        assert!(questions.len() > 550, "{} distinct of 600", questions.len());
    }

    #[test]
    fn max_difficulty_caps_the_structure() {
        let mut rng = StreamKey::shared(5, "game24", 0, "test").rng();
        for _ in 0..100 {
            assert_eq!(example(&mut rng, 1).unwrap().difficulty, 1);
        }
    }
}
