//! The report's first section, "Can this world rank strategies?": the world checks of
//! [`super::world`] rendered as one verdict and one table per task. Kept apart from the
//! computation so that the checks stay a statistics module and this one only formats.

use super::contamination::{self, TaskContamination};
use super::doc::Doc;
use super::world::{TaskChecks, Verdict};

/// The report section, placed first: per task the verdict, the checks' table and the
/// test-contamination paragraph.
pub fn section(
    d: &mut Doc,
    checks: &[TaskChecks],
    contaminated: &[(String, Result<TaskContamination, String>)],
) {
    d.h(2, "Can this world rank strategies?");
    d.p("Before any comparison: does this simulated world reproduce the paper's non-comparative observations? A comparison of selection strategies is only a measurement of selection when each iteration selects a minority of the seeds, so that strategies can choose differently (W0), synthetic fine-tuning helps the student (W1), there is headroom (W2), the student's own-generation loss predicts its errors (W3), synthetic examples inherit their parent's loss (W4) and hard parents yield hard children (W5). Thresholds, paper passages and the reasoning are in `docs/world-checks.md`. A check that cannot be computed from this file says why.");
    for tc in checks {
        d.h(3, format!("Task `{}`", tc.task));
        let verdict = match tc.verdict() {
            Verdict::CanRank => "**Every required check passes: this world can rank strategies.**".to_string(),
            Verdict::CannotRank => format!(
                "**This world cannot rank strategies.** Failing required checks: {}. Read every comparison below in that light.",
                tc.checks
                    .iter()
                    .filter(|c| c.required && c.pass == Some(false))
                    .map(|c| c.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Verdict::Incomplete => "**Incomplete:** no required check fails, but some could not be computed.".into(),
        };
        d.p(verdict);
        let header = [
            "check",
            "what",
            "value",
            "threshold",
            "result",
            "paper",
            "details",
            "if it fails",
        ]
        .map(String::from)
        .to_vec();
        let rows = tc
            .checks
            .iter()
            .map(|c| {
                let result = match (c.pass, c.required) {
                    (Some(true), true) => "pass",
                    (Some(false), true) => "**FAIL**",
                    (Some(true), false) => "pass (reported only)",
                    (Some(false), false) => "fail (reported only)",
                    (None, _) => "not computable",
                };
                vec![
                    c.id.to_string(),
                    c.what.to_string(),
                    if c.value.is_finite() {
                        format!("{:.4}", c.value)
                    } else {
                        "—".into()
                    },
                    c.threshold.to_string(),
                    result.to_string(),
                    c.source.to_string(),
                    c.detail.clone(),
                    c.meaning.clone(),
                ]
            })
            .collect();
        d.table(header, rows);
        if let Some((_, c)) = contaminated.iter().find(|(t, _)| *t == tc.task) {
            d.p(contamination::paragraph(c));
        }
    }
}
