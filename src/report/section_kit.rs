//! What the report's sections share: their inputs ([`Inputs`]) and the formatting
//! helpers. Below both `sections.rs` and `sections_stats.rs`, so that neither imports
//! the other's internals (the two used to import each other).

use super::analyses::{EffRow, TaskCurves, TokenRow, TvdRow, VendiRow};
use super::doc::Doc;
use super::figures::Figure;
use super::inference::{AggRow, CorrRow, CumRow, PairedRow};
use super::merge::Merged;
use super::planning::TaskPower;
use crate::stats::summary::Summary;
use crate::stats::winrate::WinRate;

/// Everything the text needs.
pub struct Inputs<'a> {
    pub m: &'a Merged,
    /// World checks W0–W5, shown before anything else.
    pub world: &'a [super::world::TaskChecks],
    /// Synthetic questions that are test questions, per task, shown with the checks.
    pub contamination: &'a [(
        String,
        Result<super::contamination::TaskContamination, String>,
    )],
    pub alpha: f64,
    pub seed: u64,
    pub curves: &'a [TaskCurves],
    pub win: &'a WinRate,
    pub eff: &'a [(String, Result<Vec<EffRow>, String>)],
    pub corr: &'a [CorrRow],
    pub cum: &'a Result<Vec<CumRow>, String>,
    pub tvd: &'a [TvdRow],
    pub paired: &'a Result<Vec<PairedRow>, String>,
    /// Every strategy vs random within each task (one Holm family).
    pub paired_task: &'a Result<Vec<super::contrasts::ContrastRow>, String>,
    /// The ablations between variants of one strategy, per task (one Holm family).
    pub variants: &'a Result<Vec<super::contrasts::ContrastRow>, String>,
    /// Final paired differences by test item: by difficulty, and their sampling share.
    pub items: &'a super::items::ItemAnalyses,
    pub aggregate: &'a Result<Vec<AggRow>, String>,
    /// The paired win-rate matrix (beside the paper's unpaired one).
    pub paired_win: &'a WinRate,
    pub power: &'a Result<Vec<TaskPower>, String>,
    pub tokens: &'a [TokenRow],
    pub vendi: &'a [VendiRow],
    pub figures: &'a [Figure],
}

/// `mean ± se` with 4 decimals; `mean (n=1)` when the SE is undefined; `—` when empty.
pub fn pm(s: &Summary) -> String {
    if s.n == 0 || !s.mean.is_finite() {
        "—".into()
    } else if s.se.is_finite() {
        format!("{:.4} ± {:.4}", s.mean, s.se)
    } else {
        format!("{:.4} (n={})", s.mean, s.n)
    }
}

/// A p-value: 4 decimals, or scientific below 10⁻⁴.
pub fn pval(p: f64) -> String {
    if !p.is_finite() {
        "—".into()
    } else if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

pub(super) fn f(v: f64, d: usize) -> String {
    if v.is_nan() {
        "—".into()
    } else if v.is_infinite() {
        "∞ (never reached)".into()
    } else {
        format!("{v:.d$}")
    }
}

pub(super) fn figure(d: &mut Doc, figs: &[Figure], stem: &str) {
    if let Some(fg) = figs.iter().find(|x| x.stem == stem) {
        d.image(&fg.title, format!("{}.png", fg.stem));
    }
}

pub(super) fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A warning under a comparison of strategies when some task's synthetic questions
/// include test questions: a strategy whose rewrites hit more test puzzles gains from
/// memory, not selection. None when no task is contaminated (or none could be checked).
pub fn contamination_note(i: &Inputs) -> Option<String> {
    let parts: Vec<String> = i
        .contamination
        .iter()
        .filter_map(|(task, c)| {
            let c = c.as_ref().ok().filter(|c| c.in_test > 0)?;
            let share = |hits: usize, syn: usize| 100.0 * hits as f64 / syn.max(1) as f64;
            // Enough digits that a handful of hits in a large set does not print as 0.0 %.
            let pct = |v: f64| {
                if v == 0.0 || v >= 0.1 {
                    format!("{v:.1}")
                } else {
                    format!("{v:.3}")
                }
            };
            let shares: Vec<f64> = c
                .by_strategy
                .iter()
                .map(|(_, syn, hits, _)| share(*hits, *syn))
                .collect();
            let lo = shares.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = shares.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let range = if shares.len() > 1 {
                format!(", {}–{} % by strategy", pct(lo), pct(hi))
            } else {
                String::new()
            };
            Some(format!(
                "in `{task}` {} of the {} synthetic questions ({} %{range}) are test questions",
                c.in_test,
                c.synthetic,
                pct(share(c.in_test, c.synthetic))
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "**Test contamination:** {}. Differences in {} include test items the runs trained on (memory, not selection); the contamination paragraph under the world checks compares each strategy with `random` on the items neither trained on.",
            parts.join("; "),
            if parts.len() > 1 { "those tasks" } else { "that task" }
        )
    })
}
