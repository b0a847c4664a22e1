//! World check W1 (synthetic SFT helps), kept apart from the other checks because in a
//! contaminated world it is measured on the test items a run had not trained on: a gain
//! from memory of test questions is not the skill W1 asks about
//! (`docs/world-checks.md`, "W1 in a contaminated world").

use super::contamination::{accuracy_on, TaskContamination};
use super::merge::Merged;
use super::world_check::{check, Check, NO_RANDOM};
use crate::engine::records::RunRecord;
use crate::stats::summary::mean;
use crate::stats::world_checks::paired_gain;

/// One replicate's accuracies for a W1 difference (`after` − `before`), measured on the
/// test items the run had not trained on, and how many it had (`seen` of `items`).
struct Pair {
    after: f64,
    before: f64,
    seen: usize,
    items: usize,
    /// The same difference on every test item (the recorded accuracies).
    all: f64,
}

/// The `Pair` of run `r` at iteration index `at`: from the per-item verdicts `(after,
/// before)` restricted to the items the run had not trained on by then, or the recorded
/// accuracies themselves when it had trained on none (or when contamination could not be
/// computed: then the report's contamination paragraph says why); NaN (not computable)
/// when it had trained on every item.
fn test_pair(
    contaminated: Option<&TaskContamination>,
    label: &str,
    r: &RunRecord,
    at: usize,
    (after, before, acc_after, acc_before): (&[bool], &[bool], f64, f64),
) -> Pair {
    let whole = Pair {
        after: acc_after,
        before: acc_before,
        seen: 0,
        items: after.len(),
        all: acc_after - acc_before,
    };
    let Some(c) = contaminated else {
        return whole;
    };
    let iteration = r.iterations[at].iteration;
    let Some(unseen) = c.unseen(label, r.key.replicate, iteration) else {
        return whole;
    };
    let n = after.len();
    if unseen.len() == n || before.len() != n || unseen.iter().any(|&i| i >= n) {
        return whole;
    }
    if unseen.is_empty() {
        // Trained on every test item: nothing left to measure skill on.
        return Pair {
            after: f64::NAN,
            before: f64::NAN,
            seen: n,
            ..whole
        };
    }
    Pair {
        after: accuracy_on(after, &unseen),
        before: accuracy_on(before, &unseen),
        seen: n - unseen.len(),
        items: n,
        all: acc_after - acc_before,
    }
}

/// The detail a W1 check adds when some runs had trained on test items: how many, and
/// the difference on all items for comparison.
fn unseen_detail(pairs: &[Pair]) -> String {
    let seen: Vec<f64> = pairs.iter().map(|p| p.seen as f64).collect();
    let all: Vec<f64> = pairs.iter().map(|p| p.all).collect();
    let items = pairs.first().map_or(0, |p| p.items);
    format!(
        "; test contamination: measured on the items the run had not trained on (it had trained on {:.1} of {items} on average); on all items the mean is {:+.4} (see the contamination paragraph below)",
        mean(&seen),
        mean(&all)
    )
}

/// W1a and W1b of one task.
pub fn checks(m: &Merged, task: &str, contaminated: Option<&TaskContamination>) -> Vec<Check> {
    let random = m.random_label();
    let rruns = random.map(|r| m.runs_of(task, r)).unwrap_or_default();
    let mut checks = Vec::new();
    // W1a: random after the first iteration vs the base, paired by replicate; W1b:
    // random's rise from the first to the last iteration. Both on the test items the run
    // had not trained on when the world's synthetic data holds test questions
    // (`contamination`): a gain on the others is memory of the test set, not skill.
    let held_out = |r: &RunRecord, at: usize, pair: (&[bool], &[bool], f64, f64)| {
        test_pair(contaminated, random.unwrap_or_default(), r, at, pair)
    };
    let w1a_pairs: Vec<Pair> = rruns
        .iter()
        .filter_map(|r| {
            let first = r.iterations.first()?;
            let base = m.world(task, r.key.replicate);
            let base_correct = base.map_or(&[][..], |w| &w.base_test_correct[..]);
            Some(held_out(
                r,
                0,
                (
                    &first.test_correct,
                    base_correct,
                    first.test_accuracy,
                    r.base_test_accuracy,
                ),
            ))
        })
        .collect();
    let any_seen = |pairs: &[Pair]| pairs.iter().any(|p| p.seen > 0);
    let gain = match random {
        None => Err(NO_RANDOM.to_string()),
        Some(_) => {
            let (a, b): (Vec<f64>, Vec<f64>) =
                w1a_pairs.iter().map(|p| (p.after, p.before)).unzip();
            paired_gain(&a, &b, 0.95).map_err(|e| format!("not computable: {e}"))
        }
    };
    let w1a = gain.as_ref().map_err(Clone::clone).map(|g| {
        let mut d = if g.n >= 3 {
            format!(
                "{} replicates; 95% t-interval [{:+.4}, {:+.4}]",
                g.n, g.low, g.high
            )
        } else {
            format!(
                "{} replicate(s): too few for an interval, the mean alone decides",
                g.n
            )
        };
        if any_seen(&w1a_pairs) {
            d.push_str(&unseen_detail(&w1a_pairs));
        }
        (g.mean, d)
    });
    let interval_ok = gain.as_ref().is_ok_and(|g| g.n < 3 || g.low > 0.0);
    checks.push(check(
        "W1a",
        if any_seen(&w1a_pairs) {
            "`random` after the first iteration minus the base student, on the test items the run had not trained on (test accuracy, paired by replicate)"
        } else {
            "`random` after the first iteration minus the base student (test accuracy, paired by replicate)"
        },
        "mean > 0 and, with ≥ 3 replicates, the 95% t-interval above 0",
        (0.0, f64::INFINITY),
        "5.4.1, Fig. 2 and 3",
        w1a,
        |v| v > 0.0 && interval_ok,
        |v| if v <= 0.0 {
            "Fine-tuning on synthetic data lowers the student below its base, so the comparisons below rank how much each strategy's data harms the student (forgetting), not how well it selects.".into()
        } else {
            "The gain over the base is not distinguishable from zero, so the comparisons below may rank noise around the base rather than useful synthetic data.".into()
        },
    ));

    // W1b: random's curve rises from the first to the last iteration.
    let w1b_pairs: Vec<Pair> = rruns
        .iter()
        .filter(|r| r.iterations.len() >= 2)
        .map(|r| {
            let (first, last) = (&r.iterations[0], &r.iterations[r.iterations.len() - 1]);
            held_out(
                r,
                r.iterations.len() - 1,
                (
                    &last.test_correct,
                    &first.test_correct,
                    last.test_accuracy,
                    first.test_accuracy,
                ),
            )
        })
        .collect();
    let w1b = match random {
        None => Err(NO_RANDOM.to_string()),
        Some(_) if m.iterations < 2 => Err("not computable: a single iteration".to_string()),
        Some(_) if w1b_pairs.is_empty() => {
            Err("not computable: no run of `random` with 2 iterations".into())
        }
        Some(_) => {
            let d: Vec<f64> = w1b_pairs.iter().map(|p| p.after - p.before).collect();
            let mut detail = format!("mean over {} replicates of last − first", d.len());
            if any_seen(&w1b_pairs) {
                detail.push_str(&unseen_detail(&w1b_pairs));
            }
            Ok((mean(&d), detail))
        }
    };
    checks.push(check(
        "W1b",
        if any_seen(&w1b_pairs) {
            "`random`'s test accuracy at the last iteration minus at the first, on the test items the run never trained on"
        } else {
            "`random`'s test accuracy at the last iteration minus at the first"
        },
        "> 0",
        (0.0, f64::INFINITY),
        "Fig. 3, 5.4.2",
        w1b,
        |v| v > 0.0,
        |_| "More synthetic data does not raise `random`'s accuracy, so learning curves and data-efficiency ratios below compare something other than data efficiency.".into(),
    ));

    checks
}
