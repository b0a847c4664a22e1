//! Power and planning (issue 13, item 6): per task, the smallest paired difference in
//! final accuracy the replicates at hand detect with power 0.8 at α = 0.05 given the
//! observed paired SD, and how many replicates the largest observed difference would
//! need. Shared by the report's power section and `activesynth plan --pilot`.
//!
//! The SDs come from the pilot itself (3 replicates estimate an SD poorly: its 95 %
//! interval spans roughly 0.5×–6× the estimate), so these are planning figures, not
//! guarantees; the text says so.

use super::files::Stats;
use super::inference::paired_diffs;
use super::merge::Merged;
use crate::stats::power::{min_detectable_effect, replicates_needed, ALPHA, POWER};
use crate::stats::summary::{mean, std_dev};

/// Largest replicate count the planner searches.
pub const MAX_REPLICATES: u32 = 10_000;

/// One strategy vs random on one task.
#[derive(Clone, Debug)]
pub struct PowerRow {
    pub strategy: String,
    pub n: usize,
    pub mean_diff: f64,
    /// SD of the paired differences (ddof 1).
    pub sd: f64,
    /// Minimum detectable difference with n pairs: d_min(n)·sd.
    pub mde: f64,
    /// Pairs needed to detect |mean_diff| at this sd (`None`: more than
    /// [`MAX_REPLICATES`], or no difference / no spread).
    pub needed: Option<u32>,
}

/// The power numbers of one task.
#[derive(Clone, Debug)]
pub struct TaskPower {
    pub task: String,
    /// Replicates (pairs) available.
    pub n: usize,
    /// Standardized effect detectable with n pairs (d_min(n)).
    pub effect: f64,
    /// √(mean over strategies of the paired variance).
    pub pooled_sd: f64,
    /// effect·pooled_sd: the minimum detectable difference in accuracy.
    pub mde: f64,
    /// The strategy with the largest |mean difference| and that difference.
    pub largest: Option<(String, f64)>,
    /// Pairs needed to detect the largest difference at the pooled SD.
    pub needed_largest: Option<u32>,
    pub rows: Vec<PowerRow>,
}

fn needed(diff: f64, sd: f64) -> Option<u32> {
    if sd.is_nan() || sd <= 0.0 || !diff.is_finite() {
        return None;
    }
    replicates_needed(diff / sd, ALPHA, POWER, MAX_REPLICATES)
        .ok()
        .flatten()
}

/// Power rows of every task; `Err` when there is no `random` baseline.
pub fn power_rows(m: &Merged, stats: &mut Stats) -> Result<Vec<TaskPower>, String> {
    let rl = m
        .random_label()
        .ok_or("no strategy is labelled `random`, so there is no paired difference to plan for")?;
    let mut out = Vec::new();
    for task in &m.tasks {
        let mut rows = Vec::new();
        let mut n_min = usize::MAX;
        for s in m.strategies.iter().filter(|s| s.as_str() != rl) {
            let (x, y) = paired_diffs(m, task, s, rl);
            let d: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a - b).collect();
            n_min = n_min.min(d.len());
            let sd = std_dev(&d);
            let effect = min_detectable_effect(d.len() as f64, ALPHA, POWER).unwrap_or(f64::NAN);
            rows.push(PowerRow {
                strategy: s.clone(),
                n: d.len(),
                mean_diff: mean(&d),
                sd,
                mde: effect * sd,
                needed: needed(mean(&d), sd),
            });
        }
        if rows.is_empty() || n_min < 2 {
            continue;
        }
        let vars: Vec<f64> = rows
            .iter()
            .map(|r| r.sd * r.sd)
            .filter(|v| v.is_finite())
            .collect();
        let pooled_sd = mean(&vars).sqrt();
        let effect = min_detectable_effect(n_min as f64, ALPHA, POWER).unwrap_or(f64::NAN);
        let largest = rows
            .iter()
            .filter(|r| r.mean_diff.is_finite())
            .max_by(|a, b| a.mean_diff.abs().total_cmp(&b.mean_diff.abs()))
            .map(|r| (r.strategy.clone(), r.mean_diff));
        let tp = TaskPower {
            task: task.clone(),
            n: n_min,
            effect,
            pooled_sd,
            mde: effect * pooled_sd,
            needed_largest: largest.as_ref().and_then(|(_, d)| needed(*d, pooled_sd)),
            largest,
            rows,
        };
        let nan_u = |v: Option<u32>| v.map_or(f64::NAN, f64::from);
        for (name, v) in [
            ("n", tp.n as f64),
            ("effect", tp.effect),
            ("pooled_sd", tp.pooled_sd),
            ("mde", tp.mde),
            (
                "largest_diff",
                tp.largest.as_ref().map_or(f64::NAN, |l| l.1),
            ),
            ("needed_for_largest", nan_u(tp.needed_largest)),
        ] {
            stats.push("power", task, "pooled", "final vs random", name, v);
        }
        for r in &tp.rows {
            for (name, v) in [
                ("sd_diff", r.sd),
                ("mde", r.mde),
                ("needed", nan_u(r.needed)),
            ] {
                stats.push("power", task, &r.strategy, "final vs random", name, v);
            }
        }
        out.push(tp);
    }
    Ok(out)
}

/// Minimum detectable difference for each replicate count in `ns` at a given SD.
pub fn mde_table(sd: f64, ns: &[u32]) -> Vec<(u32, f64)> {
    ns.iter()
        .map(|&n| {
            let e = min_detectable_effect(f64::from(n), ALPHA, POWER).unwrap_or(f64::NAN);
            (n, e * sd)
        })
        .collect()
}
