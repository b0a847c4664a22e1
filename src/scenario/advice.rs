//! Notices about a valid scenario whose results could mislead without the reader
//! knowing why: printed by `check` (as TOML comments) and by `run` (on stderr) before
//! any work, so a user can change the scenario instead of discovering it in the report.
//! A notice never refuses: the scenario may be exactly what the user wants (the paper's
//! own setting, for instance).

use super::Scenario;

/// One line per notice; empty when there is nothing to say. `scn` is resolved.
pub fn notices(scn: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for (i, t) in scn.tasks.iter().enumerate() {
        let Some(task) = crate::tasks::by_name(&t.name) else {
            continue;
        };
        // A finite world: the teacher's rewrites can land on held-out questions. In
        // every game24 world measured, 13–14 % of them were test or validation puzzles
        // and every gain was on those (results/calibration/README.md, "game24: the gain
        // is on test puzzles the teacher's rewrites hit").
        if let (Some(n), false) = (task.distinct_questions(), t.decontaminate == Some(true)) {
            out.push(format!(
                "tasks[{i}] ({}): its world holds only {n} distinct questions and `decontaminate` is off, so some synthetic questions will be validation or test questions (13-14 % in every game24 world measured) and a strategy can look better by reproducing them; set `decontaminate = true` in this task, or read the report's contamination paragraph and world check W1 on the items a run had not trained on",
                t.name
            ));
        }
    }
    out
}
