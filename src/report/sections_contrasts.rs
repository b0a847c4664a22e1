//! The report's per-task paired comparisons and the variant contrasts
//! ([`super::contrasts`]), each with the verdict of its task's world checks beside it, so
//! that a difference measured in a world that cannot rank strategies is not read as one.

use super::contrasts::ContrastRow;
use super::doc::Doc;
use super::section_kit::{contamination_note, pval, Inputs};
use super::sections_stats::{holm_family, mean_ci_cell, sign_flip_cell, verdict};
use super::world::Verdict;

/// Every strategy against random within each task.
pub fn per_task(d: &mut Doc, i: &Inputs) {
    let with_runs =
        i.m.tasks
            .iter()
            .filter(|t| i.m.runs.iter().any(|r| &r.key.task == *t))
            .count();
    if with_runs < 2 {
        // With one task the pooled table above is already per task.
        return;
    }
    d.h(
        2,
        "Paired comparisons vs random, per task (final iteration)",
    );
    match i.paired_task {
        Err(e) => d.p(format!("Not computed: {e}.")),
        Ok(rows) => {
            d.p("The table above pools tasks; here each task stands alone, because the world checks are per task and a pooled mean can hide a task where a strategy loses. Each row is final test accuracy of the strategy minus `random`'s, paired by replicate within the task; intervals and tests as above. Holm adjusts over every row of this table (all tasks and strategies).");
            table(d, i, rows);
            if let Some(note) = contamination_note(i) {
                d.p(note);
            }
        }
    }
}

/// The ablations between variants of one strategy.
pub fn variants(d: &mut Doc, i: &Inputs) {
    d.h(2, "Variants of one strategy (the paper's ablations)");
    match i.variants {
        Err(e) => d.p(format!("Not computed: {e}.")),
        Ok(rows) => {
            d.p("Pairs of strategies of the same name whose parameters differ in exactly one — softmax sampling against top-m (paper 5.4.2), the ground truth's loss against the student's own (5.4.1), low against high scores — compared on final test accuracy, the later strategy of the scenario minus the earlier, paired by replicate within each task. Holm adjusts over every row of this table.");
            table(d, i, rows);
            if let Some(note) = contamination_note(i) {
                d.p(note);
            }
        }
    }
}

fn world_word(i: &Inputs, task: &str) -> &'static str {
    match i.world.iter().find(|c| c.task == task).map(|c| c.verdict()) {
        Some(Verdict::CanRank) => "yes",
        Some(Verdict::CannotRank) => "**no**",
        Some(Verdict::Incomplete) => "incomplete",
        None => "—",
    }
}

fn table(d: &mut Doc, i: &Inputs, rows: &[ContrastRow]) {
    let holm_t: Vec<f64> = rows.iter().map(|r| r.holm_t).collect();
    d.p(format!(
        "{}. \"World can rank?\" is the task's verdict in the first section: where it is **no**, a difference measures the failing world (see its checks), not selection.",
        holm_family(&holm_t)
    ));
    let header = [
        "task",
        "world can rank?",
        "comparison",
        "pairs",
        "mean diff [95% t-CI]",
        "t p",
        "Holm (t)",
        "exact sign-flip p (floor)",
        "Holm (exact)",
        "P(improve), paired",
        "verdict",
    ]
    .map(String::from)
    .to_vec();
    let body = rows
        .iter()
        .map(|r| {
            let what = if r.change == "vs random" {
                format!("{} − {}", r.other, r.reference)
            } else {
                format!("{} − {} ({})", r.other, r.reference, r.change)
            };
            let mut row = vec![r.task.clone(), world_word(i, &r.task).into(), what];
            match &r.analysis {
                Err(e) => {
                    row.extend(["0".into(), format!("— ({e})")]);
                    row.extend(std::iter::repeat_n("—".to_string(), 5));
                    row.push("not computed".into());
                }
                Ok(a) => {
                    row.extend([
                        a.n.to_string(),
                        mean_ci_cell(a),
                        a.t.as_ref().map_or("—".into(), |t| pval(t.p_value)),
                        pval(r.holm_t),
                        sign_flip_cell(a),
                        pval(r.holm_exact),
                        format!("{:.3}", a.prob_improvement),
                        verdict(a, r.holm_t, r.holm_exact),
                    ]);
                }
            }
            row
        })
        .collect();
    d.table(header, body);
}
