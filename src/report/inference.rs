//! The inferential numbers of the report: Spearman correlations of seed vs synthetic
//! scores (the paper's C.3), cumulative accuracy ordered by parent loss (C.4), and paired
//! tests of every strategy against `random` (beyond the paper).

use super::files::Stats;
use super::merge::Merged;
use crate::engine::records::SyntheticRecord;
use crate::rng::StreamKey;
use crate::stats::cumulative::{cumulative_by_score, CumulativeCurves};
use crate::stats::hypothesis::{
    bootstrap_mean_ci, holm, paired_t_test, prob_improvement, welch_t_test, BootstrapCi, TTest,
};
use crate::stats::spearman::{spearman, spearman_of_medians, Spearman};
use crate::stats::summary::mean;
use crate::stats::Alternative;
use rand::seq::SliceRandom;
use std::collections::BTreeMap;

/// Bootstrap resamples for the paired-difference CI.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;

/// A Spearman result, or why it is undefined.
pub type Corr = Result<Spearman, String>;

/// Before/after correlations of one (task, strategy); strategy `all` pools strategies.
#[derive(Clone, Debug)]
pub struct CorrRow {
    pub task: String,
    pub strategy: String,
    pub loss_individual: Corr,
    pub loss_median: Corr,
    pub reward_individual: Corr,
    pub reward_median: Corr,
}

type Score = fn(&SyntheticRecord) -> (f64, f64);

fn loss_pair(s: &SyntheticRecord) -> (f64, f64) {
    (s.parent_loss, s.loss)
}

fn reward_pair(s: &SyntheticRecord) -> (f64, f64) {
    (s.parent_reward, s.reward)
}

/// Individual level: ρ between parent score and synthetic score over all records (pairs
/// with a non-finite value are dropped). Median level: per (replicate, iteration) the
/// median parent score and median synthetic score, then ρ over those medians.
fn corr(records: &[(u32, &SyntheticRecord)], f: Score) -> (Corr, Corr) {
    let pairs: Vec<(u32, u32, f64, f64)> = records
        .iter()
        .map(|(rep, s)| {
            let (a, b) = f(s);
            (*rep, s.iteration, a, b)
        })
        .filter(|p| p.2.is_finite() && p.3.is_finite())
        .collect();
    let x: Vec<f64> = pairs.iter().map(|p| p.2).collect();
    let y: Vec<f64> = pairs.iter().map(|p| p.3).collect();
    let ind = spearman(&x, &y, Alternative::TwoSided).map_err(|e| e.to_string());
    let mut groups: BTreeMap<(u32, u32), (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for p in &pairs {
        let g = groups.entry((p.0, p.1)).or_default();
        g.0.push(p.2);
        g.1.push(p.3);
    }
    let (before, after): (Vec<_>, Vec<_>) = groups.into_values().unzip();
    let med =
        spearman_of_medians(&before, &after, Alternative::TwoSided).map_err(|e| e.to_string());
    (ind, med)
}

fn push_corr(stats: &mut Stats, task: &str, strat: &str, setting: &str, c: &Corr) {
    let (rho, p, n) = match c {
        Ok(s) => (s.rho, s.p_value, s.n as f64),
        Err(_) => (f64::NAN, f64::NAN, f64::NAN),
    };
    stats.push("spearman", task, strat, setting, "rho", rho);
    stats.push("spearman", task, strat, setting, "p", p);
    stats.push("spearman", task, strat, setting, "n", n);
}

/// Synthetic records of (task, strategy) with their replicate; `None` = all strategies.
pub fn records<'a>(
    m: &'a Merged,
    task: &str,
    strategy: Option<&str>,
) -> Vec<(u32, &'a SyntheticRecord)> {
    let labels: Vec<&str> = match strategy {
        Some(s) => vec![s],
        None => m.strategies.iter().map(String::as_str).collect(),
    };
    labels
        .iter()
        .flat_map(|s| m.runs_of(task, s))
        .flat_map(|r| r.synthetic.iter().map(move |s| (r.key.replicate, s)))
        .collect()
}

/// Spearman before/after per task × strategy, plus `all` (pooled) per task.
pub fn correlations(m: &Merged, stats: &mut Stats) -> Vec<CorrRow> {
    let mut out = Vec::new();
    for task in &m.tasks {
        let mut labels: Vec<Option<&str>> = m.strategies.iter().map(|s| Some(s.as_str())).collect();
        labels.push(None);
        for l in labels {
            let recs = records(m, task, l);
            let (li, lm) = corr(&recs, loss_pair);
            let (ri, rm) = corr(&recs, reward_pair);
            let name = l.unwrap_or("all");
            push_corr(stats, task, name, "loss/individual", &li);
            push_corr(stats, task, name, "loss/median", &lm);
            push_corr(stats, task, name, "reward/individual", &ri);
            push_corr(stats, task, name, "reward/median", &rm);
            out.push(CorrRow {
                task: task.clone(),
                strategy: name.to_string(),
                loss_individual: li,
                loss_median: lm,
                reward_individual: ri,
                reward_median: rm,
            });
        }
    }
    out
}

/// Cumulative accuracy of `random`'s synthetic data ordered by parent loss (high→low)
/// vs a seeded random order, per task.
#[derive(Clone, Debug)]
pub struct CumRow {
    pub task: String,
    pub n: usize,
    pub curves: CumulativeCurves,
    /// Mean of random − by-loss over the whole curve.
    pub mean_diff: f64,
    /// Index k−1 with k = ⌈N/2⌉: the point at 50% of the data.
    pub half: usize,
}

/// The seeded random order of the cumulative-accuracy baseline.
pub fn random_order(n: usize, seed: u64, task: &str) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut StreamKey::shared(seed, task, 0, "report/cumulative").rng());
    idx
}

/// Paper C.4 on the `random` strategy's synthetic records (parents are a uniform
/// sample of D0), pooled over replicates and iterations. Err when not computable.
pub fn cumulative(m: &Merged, seed: u64, stats: &mut Stats) -> Result<Vec<CumRow>, String> {
    let r = m.random_label().ok_or(
        "no strategy is labelled `random`, so the cumulative-accuracy analysis is skipped",
    )?;
    let mut out = Vec::new();
    for task in &m.tasks {
        let recs = records(m, task, Some(r));
        if recs.is_empty() {
            continue;
        }
        let correct: Vec<bool> = recs.iter().map(|(_, s)| s.correct).collect();
        let loss: Vec<f64> = recs.iter().map(|(_, s)| s.parent_loss).collect();
        let order = random_order(recs.len(), seed, task);
        let c = cumulative_by_score(&correct, &loss, true, &order).map_err(|e| e.to_string())?;
        let half = recs.len().div_ceil(2) - 1;
        let row = CumRow {
            task: task.clone(),
            n: recs.len(),
            mean_diff: mean(&c.difference),
            half,
            curves: c,
        };
        stats.push("cumulative", task, r, "all", "n", row.n as f64);
        stats.push(
            "cumulative",
            task,
            r,
            "all",
            "mean_difference",
            row.mean_diff,
        );
        stats.push(
            "cumulative",
            task,
            r,
            "50%",
            "by_loss",
            row.curves.by_score[half],
        );
        stats.push(
            "cumulative",
            task,
            r,
            "50%",
            "random_order",
            row.curves.random[half],
        );
        stats.push(
            "cumulative",
            task,
            r,
            "50%",
            "difference",
            row.curves.difference[half],
        );
        out.push(row);
    }
    Ok(out)
}

/// One strategy vs `random` on final test accuracy, paired by (task, replicate).
#[derive(Clone, Debug)]
pub struct PairedRow {
    pub strategy: String,
    pub n: usize,
    /// Mean of strategy − random over pairs.
    pub mean_diff: f64,
    pub paired: Result<TTest, String>,
    pub welch: Result<TTest, String>,
    /// Holm-adjusted paired-t p over the family of all comparisons.
    pub holm_p: f64,
    /// P(strategy > random) over replicates, ties ½.
    pub prob_improvement: Result<f64, String>,
    /// Stratified (by task) bootstrap 95% CI of the mean paired difference.
    pub ci: Result<BootstrapCi, String>,
}

/// Paired t (and Welch) tests of every other strategy vs `random`.
pub fn paired_tests(m: &Merged, seed: u64, stats: &mut Stats) -> Result<Vec<PairedRow>, String> {
    let rl = m
        .random_label()
        .ok_or("no strategy is labelled `random`, so there are no paired tests against it")?;
    let mut rows = Vec::new();
    for s in m.strategies.iter().filter(|s| s.as_str() != rl) {
        let (mut x, mut y, mut strata) = (Vec::new(), Vec::new(), Vec::new());
        for (ti, task) in m.tasks.iter().enumerate() {
            let rand_runs = m.runs_of(task, rl);
            for run in m.runs_of(task, s) {
                let other = rand_runs
                    .iter()
                    .find(|r| r.key.replicate == run.key.replicate);
                if let (Some(a), Some(b)) = (
                    run.iterations.last(),
                    other.and_then(|o| o.iterations.last()),
                ) {
                    x.push(a.test_accuracy);
                    y.push(b.test_accuracy);
                    strata.push(ti);
                }
            }
        }
        let d: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a - b).collect();
        let mut rng = StreamKey::shared(seed, "all", 0, &format!("report/bootstrap/{s}")).rng();
        let ci = if d.is_empty() {
            Err("no pairs".to_string())
        } else {
            bootstrap_mean_ci(&d, &strata, BOOTSTRAP_RESAMPLES, 0.95, &mut rng)
                .map_err(|e| e.to_string())
        };
        rows.push(PairedRow {
            strategy: s.clone(),
            n: d.len(),
            mean_diff: mean(&d),
            paired: paired_t_test(&x, &y, Alternative::TwoSided).map_err(|e| e.to_string()),
            welch: welch_t_test(&x, &y, Alternative::TwoSided).map_err(|e| e.to_string()),
            holm_p: f64::NAN,
            prob_improvement: prob_improvement(&x, &y).map_err(|e| e.to_string()),
            ci,
        });
    }
    let raw: Vec<f64> = rows
        .iter()
        .map(|r| r.paired.as_ref().map_or(f64::NAN, |t| t.p_value))
        .collect();
    for (r, h) in rows.iter_mut().zip(holm(&raw)) {
        r.holm_p = h;
    }
    for r in &rows {
        let set = format!("final vs {rl}");
        let s = r.strategy.as_str();
        let t = |x: &Result<TTest, String>, f: fn(&TTest) -> f64| x.as_ref().map_or(f64::NAN, f);
        for (name, v) in [
            ("n", r.n as f64),
            ("mean_diff", r.mean_diff),
            ("paired_t", t(&r.paired, |t| t.t)),
            ("paired_dof", t(&r.paired, |t| t.dof)),
            ("paired_p", t(&r.paired, |t| t.p_value)),
            ("holm_p", r.holm_p),
            ("welch_t", t(&r.welch, |t| t.t)),
            ("welch_dof", t(&r.welch, |t| t.dof)),
            ("welch_p", t(&r.welch, |t| t.p_value)),
            (
                "prob_improvement",
                *r.prob_improvement.as_ref().unwrap_or(&f64::NAN),
            ),
            ("ci95_low", r.ci.as_ref().map_or(f64::NAN, |c| c.low)),
            ("ci95_high", r.ci.as_ref().map_or(f64::NAN, |c| c.high)),
        ] {
            stats.push("paired", "all", s, &set, name, v);
        }
    }
    Ok(rows)
}
