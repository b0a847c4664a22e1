//! Paired contrasts per task: every strategy against `random` within each task, and the
//! paper's ablations between *variants* of one strategy (two strategies of the same name
//! whose parameters differ in exactly one: softmax sampling vs top-m, ground-truth vs own
//! loss, high vs low).
//!
//! Why per task: the pooled table of [`super::inference::paired_tests`] mixes tasks whose
//! worlds may not be able to rank strategies at all (the world checks are per task), and
//! a pooled mean of differences on different scales hides a task where a strategy loses.
//! The paper also reports its comparisons per data set. Each table is one Holm family:
//! every (task, comparison) in it.

use super::files::Stats;
use super::inference::{holm_paired, paired_diffs};
use super::merge::Merged;
use crate::selection::{Param, SelectMode, StrategySpec};
use crate::stats::paired::{paired_analysis, PairedAnalysis};

/// One paired comparison `other − reference` of final test accuracy within one task.
#[derive(Clone, Debug)]
pub struct ContrastRow {
    pub task: String,
    /// The label subtracted (`random`, or the first variant in scenario order).
    pub reference: String,
    pub other: String,
    /// What differs, e.g. `mode: argmax → softmax`; `vs random` for the baseline table.
    pub change: String,
    pub analysis: Result<PairedAnalysis, String>,
    /// Holm-adjusted paired-t p over the table's family (NaN when undefined).
    pub holm_t: f64,
    /// Holm-adjusted exact sign-flip p over the same family.
    pub holm_exact: f64,
}

/// A parameter's resolved value as text (`None` when it does not apply).
fn param_text(s: &StrategySpec, p: Param) -> Option<String> {
    match p {
        Param::Target => s.target.map(|v| format!("{v:?}").to_lowercase()),
        Param::Direction => s.direction.map(|v| format!("{v:?}").to_lowercase()),
        Param::Mode => s.mode.map(|v| format!("{v:?}").to_lowercase()),
        Param::Temperature => s.temperature.map(|v| format!("{v}")),
        Param::Dims => s.dims.map(|v| v.to_string()),
    }
}

/// The one parameter in which two resolved specs of the same strategy differ, as
/// `key: a → b`; `None` when the names differ or more than one parameter differs. The
/// softmax temperature exists only in softmax mode, so a change of mode that brings a
/// temperature with it counts as one change (`mode: argmax → softmax (T = 1)`).
pub fn single_change(a: &StrategySpec, b: &StrategySpec) -> Option<String> {
    if a.name != b.name {
        return None;
    }
    let (a, b) = (a.resolved(), b.resolved());
    let mode_changes = a.mode != b.mode;
    let diffs: Vec<Param> = Param::ALL
        .into_iter()
        .filter(|&p| param_text(&a, p) != param_text(&b, p))
        .filter(|&p| !(mode_changes && p == Param::Temperature))
        .collect();
    let [p] = diffs[..] else { return None };
    let show = |s: &StrategySpec| param_text(s, p).unwrap_or_else(|| "—".into());
    let mut text = format!("{}: {} → {}", p.key(), show(&a), show(&b));
    if p == Param::Mode {
        if let Some(t) = [&a, &b]
            .iter()
            .find(|s| s.mode == Some(SelectMode::Softmax))
            .and_then(|s| s.temperature)
        {
            text.push_str(&format!(" (T = {t})"));
        }
    }
    Some(text)
}

/// Pairs of strategies (reference, other, change) that are variants of one another,
/// in scenario order (the earlier strategy is the reference).
pub fn variant_pairs(specs: &[StrategySpec]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (i, a) in specs.iter().enumerate() {
        for b in &specs[i + 1..] {
            if let Some(change) = single_change(a, b) {
                out.push((a.resolved_label(), b.resolved_label(), change));
            }
        }
    }
    out
}

/// Paired analyses of the given (reference, other, change) comparisons in every task,
/// Holm-adjusted over all of them, written to `stats` under `section`.
fn analyse(
    m: &Merged,
    comparisons: &[(String, String, String)],
    section: &str,
    stats: &mut Stats,
) -> Vec<ContrastRow> {
    let mut rows = Vec::new();
    // A task with no runs in these files (a shard's file) has nothing to compare and
    // must not enlarge the Holm family.
    let tasks = m
        .tasks
        .iter()
        .filter(|t| m.runs.iter().any(|r| &r.key.task == *t));
    for task in tasks {
        for (reference, other, change) in comparisons {
            let (x, y) = paired_diffs(m, task, other, reference);
            rows.push(ContrastRow {
                task: task.clone(),
                reference: reference.clone(),
                other: other.clone(),
                change: change.clone(),
                analysis: paired_analysis(&x, &y).map_err(|e| e.to_string()),
                holm_t: f64::NAN,
                holm_exact: f64::NAN,
            });
        }
    }
    let family: Vec<Option<&PairedAnalysis>> =
        rows.iter().map(|r| r.analysis.as_ref().ok()).collect();
    let (holm_t, holm_e) = holm_paired(&family);
    for ((r, ht), he) in rows.iter_mut().zip(holm_t).zip(holm_e) {
        r.holm_t = ht;
        r.holm_exact = he;
    }
    for r in &rows {
        let setting = format!("final: {} − {}", r.other, r.reference);
        let a = r.analysis.as_ref().ok();
        let g = |f: fn(&PairedAnalysis) -> f64| a.map_or(f64::NAN, f);
        for (name, v) in [
            ("n", g(|a| a.n as f64)),
            ("mean_diff", g(|a| a.mean)),
            ("sd_diff", g(|a| a.sd)),
            (
                "paired_p",
                g(|a| a.t.as_ref().map_or(f64::NAN, |t| t.p_value)),
            ),
            ("holm_p", r.holm_t),
            (
                "sign_flip_p",
                g(|a| a.sign_flip.map_or(f64::NAN, |e| e.p_value)),
            ),
            ("holm_sign_flip_p", r.holm_exact),
            ("prob_improvement", g(|a| a.prob_improvement)),
            ("ci95_low", g(|a| a.ci95.as_ref().map_or(f64::NAN, |c| c.0))),
            (
                "ci95_high",
                g(|a| a.ci95.as_ref().map_or(f64::NAN, |c| c.1)),
            ),
        ] {
            stats.push(section, &r.task, &r.other, &setting, name, v);
        }
    }
    rows
}

/// Every strategy against `random` within each task (one Holm family over all rows).
pub fn per_task_vs_random(m: &Merged, stats: &mut Stats) -> Result<Vec<ContrastRow>, String> {
    let rl = m
        .random_label()
        .ok_or("no strategy is labelled `random`, so there are no paired tests against it")?;
    let comparisons: Vec<(String, String, String)> = m
        .strategies
        .iter()
        .filter(|s| s.as_str() != rl)
        .map(|s| (rl.to_string(), s.clone(), "vs random".to_string()))
        .collect();
    Ok(analyse(m, &comparisons, "paired_task", stats))
}

/// The variant contrasts of the scenario's strategies in each task (one Holm family).
pub fn variants(m: &Merged, stats: &mut Stats) -> Result<Vec<ContrastRow>, String> {
    let specs = &m
        .scenario
        .as_ref()
        .ok_or("the results file carries no readable scenario, so strategy parameters are unknown")?
        .strategies;
    let pairs: Vec<(String, String, String)> = variant_pairs(specs)
        .into_iter()
        .filter(|(a, b, _)| m.strategies.contains(a) && m.strategies.contains(b))
        .collect();
    if pairs.is_empty() {
        return Err("no two strategies of the scenario are variants of one strategy differing in exactly one parameter".into());
    }
    Ok(analyse(m, &pairs, "variants", stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selection::{Direction, LossTarget};

    fn spec(name: &str, f: impl FnOnce(&mut StrategySpec)) -> StrategySpec {
        StrategySpec::named_with(name, f)
    }

    /// The paper's strategy list gives exactly its four ablations, in scenario order.
    #[test]
    fn the_papers_variants_are_found_and_nothing_else() {
        let specs = vec![
            spec("random", |_| {}),
            spec("loss", |_| {}),
            spec("loss", |s| s.target = Some(LossTarget::Gt)),
            spec("loss", |s| s.direction = Some(Direction::Low)),
            spec("loss", |s| s.mode = Some(SelectMode::Softmax)),
            spec("reward", |_| {}),
            spec("reward", |s| s.direction = Some(Direction::High)),
            spec("judge-hard", |_| {}),
            spec("lion", |_| {}),
            spec("badge", |_| {}),
            spec("incorrect", |_| {}),
            spec("evokd", |_| {}),
        ];
        let got = variant_pairs(&specs);
        let want = [
            ("loss-own-high", "loss-gt-high", "target: own → gt"),
            ("loss-own-high", "loss-own-low", "direction: high → low"),
            (
                "loss-own-high",
                "loss-own-high-softmax",
                "mode: argmax → softmax (T = 1)",
            ),
            ("reward-low", "reward-high", "direction: low → high"),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for ((a, b, c), (wa, wb, wc)) in got.iter().zip(want) {
            assert_eq!((a.as_str(), b.as_str(), c.as_str()), (wa, wb, wc));
        }
    }

    #[test]
    fn two_changes_or_two_names_are_not_a_contrast() {
        let gt_low = spec("loss", |s| {
            s.target = Some(LossTarget::Gt);
            s.direction = Some(Direction::Low);
        });
        assert_eq!(single_change(&spec("loss", |_| {}), &gt_low), None);
        assert_eq!(
            single_change(&spec("loss", |_| {}), &spec("reward", |_| {})),
            None
        );
        // Identical parameters (a relabelled copy) are not a one-parameter contrast.
        assert_eq!(
            single_change(
                &spec("loss", |_| {}),
                &spec("loss", |s| s.label = Some("x".into()))
            ),
            None
        );
        // Temperature alone, both in softmax mode, is one change.
        let t = |v: f64| {
            spec("loss", move |s| {
                s.mode = Some(SelectMode::Softmax);
                s.temperature = Some(v);
            })
        };
        assert_eq!(
            single_change(&t(1.0), &t(0.5)).as_deref(),
            Some("temperature: 1 → 0.5")
        );
        assert_eq!(
            single_change(
                &spec("badge", |_| {}),
                &spec("badge", |s| s.dims = Some(32))
            )
            .as_deref(),
            Some("dims: 16 → 32")
        );
    }
}
