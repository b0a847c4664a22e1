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
