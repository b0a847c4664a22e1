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
use anyhow::{bail, Result};
use rand::seq::SliceRandom;

/// `questions` (D0's questions, one answer each) with up to `k - 1` more answers of each,
/// drawn at random from [`Task::other_answers`]; where questions with fewer than `k`
/// answers leave D0 short of `n`, the questions with more give one more each, in D0's
/// order, round after round. No new question is drawn: the world's other sets and the
/// base's corpus stay those of the world with one answer per question (a finite world's
/// leftover questions may all be in that corpus). Cut to exactly `n` and shuffled.
/// `set` names the set in the error ("D0", "the training pool").
pub fn expand(
    task: &dyn Task,
    set: &str,
    questions: Vec<Example>,
    k: usize,
    n: usize,
    key: &StreamKey,
) -> Result<Vec<Example>> {
    let mut rng = key.rng();
    let mut out = Vec::with_capacity(n + k);
    let mut spare = Vec::with_capacity(questions.len());
    for ex in questions {
        let mut others = task.other_answers(&ex);
        others.shuffle(&mut rng);
        let rest = others.split_off(others.len().min(k.saturating_sub(1)));
        out.push(ex);
        out.extend(others);
        spare.push(rest.into_iter());
    }
    while out.len() < n {
        let before = out.len();
        for more in spare.iter_mut() {
            if out.len() == n {
                break;
            }
            out.extend(more.next());
        }
        if out.len() == before {
            bail!(
                "task {}: {set}'s {} questions have only {} answers in all, fewer than \
                 the {n} data points asked for; ask for fewer or more solutions per question",
                task.name(),
                spare.len(),
                out.len()
            );
        }
    }
    out.truncate(n);
    out.shuffle(&mut rng);
    Ok(out)
}
