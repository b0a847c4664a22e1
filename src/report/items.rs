//! Item-level analyses of the test set, from the per-item verdicts that runs record
//! (`runs/.../test_correct`, `worlds/.../test_difficulty` and `base_test_correct`).
//!
//! Two questions a paired difference of final test accuracy cannot answer by itself:
//! - **Where does it come from?** The difference broken down by test-item difficulty.
//!   A strategy that trains on harder examples may gain on hard items and lose on easy
//!   ones, netting zero; the overall mean hides that trade.
//! - **Would a larger test set narrow the interval?** The replicate-to-replicate variance
//!   of the paired difference has two parts: test-set sampling (each replicate grades
//!   its two students on a finite sample of items; a larger test set shrinks it) and the
//!   variation between trained students and worlds (only more replicates average it
//!   out). Per replicate, the sampling variance of the difference of two accuracies
//!   graded on the same items is s²/n, s² the sample variance (ddof = 1) of the item
//!   differences a_i − b_i ∈ {−1, 0, 1}; its mean over replicates, divided by the
//!   between-replicate variance of the differences (ddof = 1), is the sampling share.
//!
//! Every comparison is at the final iteration, paired by replicate: each strategy
//! against `random`, and `random` against the base student (where synthetic data helps).

use super::files::Stats;
use super::merge::Merged;
use crate::engine::records::RunRecord;
use crate::stats::interval::t_interval;
use crate::stats::summary::{mean, variance};

/// One (comparison, difficulty) cell: `other − reference` on the items of one difficulty.
#[derive(Clone, Debug)]
pub struct DifficultyRow {
    pub task: String,
    pub other: String,
    /// `random`, or `base` for the base student.
    pub reference: String,
    pub difficulty: u32,
    /// Items of this difficulty per replicate, averaged over replicates.
    pub items: f64,
    /// The reference's accuracy on these items, averaged over replicates.
    pub reference_acc: f64,
    /// Mean over replicates of the paired difference, and its 95 % t-interval (None with
    /// fewer than two replicates).
    pub diff: f64,
    pub ci: Option<(f64, f64)>,
    pub pairs: usize,
}

/// How much of one comparison's spread is test-set sampling.
#[derive(Clone, Debug)]
pub struct SamplingRow {
    pub task: String,
    pub other: String,
    pub reference: String,
    pub pairs: usize,
    /// Test items per replicate, averaged.
    pub items: f64,
    /// Variance over replicates of the paired difference (ddof = 1).
    pub between_var: f64,
    /// Mean over replicates of the within-replicate sampling variance s²/n.
    pub sampling_var: f64,
}

impl SamplingRow {
    /// Sampling variance as a share of the observed variance (may exceed 1 by chance).
    pub fn share(&self) -> f64 {
        self.sampling_var / self.between_var
    }
    /// Projected SD of the paired difference with `k` times as many test items: the
    /// sampling part divided by k, the rest (floored at 0) unchanged.
    pub fn projected_sd(&self, k: f64) -> f64 {
        ((self.between_var - self.sampling_var).max(0.0) + self.sampling_var / k).sqrt()
    }
}

/// Both analyses, or why they could not be computed.
#[derive(Clone, Debug, Default)]
pub struct ItemAnalyses {
    pub difficulty: Vec<DifficultyRow>,
    pub sampling: Vec<SamplingRow>,
    /// Tasks skipped, with the reason (e.g. files written before verdicts were recorded).
    pub skipped: Vec<(String, String)>,
}

/// The per-item verdicts at the final iteration of a run (empty when not recorded).
fn final_verdicts(r: &RunRecord) -> &[bool] {
    r.iterations.last().map_or(&[], |i| &i.test_correct[..])
}

/// Per replicate: (difficulties, reference verdicts, other verdicts) for one comparison.
type Paired<'a> = Vec<(&'a [u32], &'a [bool], &'a [bool])>;

fn pairs<'a>(m: &'a Merged, task: &str, other: &str, reference: &str) -> Paired<'a> {
    let mut out = Vec::new();
    // Looked up once: `runs_of` scans and sorts every run of the file.
    let reference_runs = m.runs_of(task, reference);
    for run in m.runs_of(task, other) {
        let rep = run.key.replicate;
        let Some(w) = m.world(task, rep) else {
            continue;
        };
        let reference_verdicts: &[bool] = if reference == "base" {
            &w.base_test_correct
        } else {
            match reference_runs.iter().find(|r| r.key.replicate == rep) {
                Some(r) => final_verdicts(r),
                None => continue,
            }
        };
        let o = final_verdicts(run);
        let n = w.test_difficulty.len();
        if n > 0 && o.len() == n && reference_verdicts.len() == n {
            out.push((&w.test_difficulty[..], reference_verdicts, o));
        }
    }
    out
}

fn accuracy(v: &[bool], keep: impl Fn(usize) -> bool) -> (f64, usize) {
    let (mut n, mut c) = (0usize, 0usize);
    for (i, &x) in v.iter().enumerate() {
        if keep(i) {
            n += 1;
            c += x as usize;
        }
    }
    (c as f64 / n as f64, n)
}

fn by_difficulty(task: &str, other: &str, reference: &str, p: &Paired) -> Vec<DifficultyRow> {
    let mut levels: Vec<u32> = p.iter().flat_map(|(d, _, _)| d.iter().copied()).collect();
    levels.sort_unstable();
    levels.dedup();
    let mut rows = Vec::new();
    for level in levels {
        let (mut diffs, mut items, mut ref_acc) = (Vec::new(), Vec::new(), Vec::new());
        for (d, rv, ov) in p {
            let keep = |i: usize| d[i] == level;
            let (ra, n) = accuracy(rv, keep);
            if n == 0 {
                continue;
            }
            let (oa, _) = accuracy(ov, keep);
            diffs.push(oa - ra);
            items.push(n as f64);
            ref_acc.push(ra);
        }
        if diffs.is_empty() {
            continue;
        }
        let (diff, ci) = t_interval(&diffs);
        rows.push(DifficultyRow {
            task: task.into(),
            other: other.into(),
            reference: reference.into(),
            difficulty: level,
            items: mean(&items),
            reference_acc: mean(&ref_acc),
            diff,
            ci,
            pairs: diffs.len(),
        });
    }
    rows
}

fn sampling(task: &str, other: &str, reference: &str, p: &Paired) -> Option<SamplingRow> {
    if p.len() < 2 {
        return None;
    }
    let (mut d_rep, mut s2n, mut items) = (Vec::new(), Vec::new(), Vec::new());
    for (_, rv, ov) in p {
        let d: Vec<f64> = rv
            .iter()
            .zip(ov.iter())
            .map(|(&r, &o)| o as i32 as f64 - r as i32 as f64)
            .collect();
        let n = d.len() as f64;
        d_rep.push(mean(&d));
        s2n.push(variance(&d) / n);
        items.push(n);
    }
    Some(SamplingRow {
        task: task.into(),
        other: other.into(),
        reference: reference.into(),
        pairs: p.len(),
        items: mean(&items),
        between_var: variance(&d_rep),
        sampling_var: mean(&s2n),
    })
}

/// Both analyses for every task, each strategy vs `random` and `random` vs the base,
/// with their numbers pushed to `stats` (sections `items_difficulty`, `items_sampling`).
pub fn compute(m: &Merged, stats: &mut Stats) -> ItemAnalyses {
    let mut out = ItemAnalyses::default();
    let Some(rl) = m.random_label() else {
        return out;
    };
    for task in &m.tasks {
        if !m.runs.iter().any(|r| &r.key.task == task) {
            continue;
        }
        let mut comparisons = vec![(rl.to_string(), "base".to_string())];
        comparisons.extend(
            m.strategies
                .iter()
                .filter(|s| s.as_str() != rl)
                .map(|s| (s.clone(), rl.to_string())),
        );
        let mut any = false;
        for (other, reference) in &comparisons {
            let p = pairs(m, task, other, reference);
            if p.is_empty() {
                continue;
            }
            any = true;
            let setting = format!("vs {reference}");
            for r in by_difficulty(task, other, reference, &p) {
                let s = format!("{setting}, d={}", r.difficulty);
                stats.push("items_difficulty", task, other, &s, "diff", r.diff);
                let (lo, hi) = r.ci.unwrap_or((f64::NAN, f64::NAN));
                stats.push("items_difficulty", task, other, &s, "ci_lo", lo);
                stats.push("items_difficulty", task, other, &s, "ci_hi", hi);
                stats.push("items_difficulty", task, other, &s, "items", r.items);
                stats.push(
                    "items_difficulty",
                    task,
                    other,
                    &s,
                    "reference_accuracy",
                    r.reference_acc,
                );
                out.difficulty.push(r);
            }
            if let Some(r) = sampling(task, other, reference, &p) {
                stats.push(
                    "items_sampling",
                    task,
                    other,
                    &setting,
                    "between_var",
                    r.between_var,
                );
                stats.push(
                    "items_sampling",
                    task,
                    other,
                    &setting,
                    "sampling_var",
                    r.sampling_var,
                );
                stats.push(
                    "items_sampling",
                    task,
                    other,
                    &setting,
                    "sampling_share",
                    r.share(),
                );
                out.sampling.push(r);
            }
        }
        if !any {
            out.skipped.push((
                task.clone(),
                "its files hold no per-item test verdicts (written before they were recorded)"
                    .into(),
            ));
        }
    }
    out
}
