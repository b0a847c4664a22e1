//! D0 with several answers per question (`tasks[].solutions_per_question`).
//!
//! The paper counts each solution of a Game of 24 puzzle as a data point of its own
//! (D.1: 2,217 seed data points from a 1,362-puzzle dataset). A world whose D0 holds
//! one answer per puzzle is capped at the puzzles it has, and selection then has no
//! choice once m approaches that cap (world check W0). Here D0's questions are drawn
//! as before and each brings up to k of its distinct answers, so `seed_size` counts
//! data points, as the paper's Table 3 does.

use crate::rng::StreamKey;
use crate::tasks::{Example, Task};
use anyhow::{anyhow, Result};
use rand::seq::SliceRandom;
use std::collections::BTreeSet;

/// `questions` (D0's first questions, one answer each) with up to `k - 1` more answers
/// of each (drawn at random from [`Task::other_answers`]), then further questions of the
/// task's mix, none in `taken` or `corpus`, until `n` data points; cut to exactly `n`
/// and shuffled. Every question added is recorded in `taken`.
pub fn expand(
    task: &dyn Task,
    questions: Vec<Example>,
    k: usize,
    n: usize,
    key: &StreamKey,
    taken: &mut BTreeSet<String>,
    corpus: &[Example],
) -> Result<Vec<Example>> {
    let mut rng = key.rng();
    let mut out = Vec::with_capacity(n + k);
    let add = |ex: Example, out: &mut Vec<Example>, rng: &mut crate::rng::Rng| {
        let mut others = task.other_answers(&ex);
        others.shuffle(rng);
        out.push(ex);
        out.extend(others.into_iter().take(k.saturating_sub(1)));
    };
    for ex in questions {
        add(ex, &mut out, &mut rng);
    }
    // Questions with fewer than k answers leave room: fill it with new questions, never
    // one of the sets' nor the base corpus's (a finite world's corpus repeats the
    // puzzles the sets left over without recording them in `taken`).
    let in_corpus: BTreeSet<&str> = corpus.iter().map(|e| e.question.as_str()).collect();
    let mut tries = 0usize;
    let budget = 50 * n + 1000;
    while out.len() < n {
        tries += 1;
        if tries > budget {
            return Err(anyhow!(
                "task {} could not fill D0 to {n} data points with up to {k} answers per \
                 question (got {}): the questions left over belong to the other sets or the \
                 base's corpus; ask for a smaller seed_size, more solutions_per_question, or \
                 a base corpus that does not repeat the task's questions",
                task.name(),
                out.len()
            ));
        }
        let ex = task.generate(&mut rng, None);
        if in_corpus.contains(ex.question.as_str()) || !taken.insert(ex.question.clone()) {
            continue;
        }
        add(ex, &mut out, &mut rng);
    }
    out.truncate(n);
    out.shuffle(&mut rng);
    Ok(out)
}
