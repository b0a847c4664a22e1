//! The inferential numbers of the report: Spearman correlations of seed vs synthetic
//! scores per (replicate, iteration) cell (the paper's C.3), cumulative accuracy by
//! parent score against the diagonal (C.4), paired comparisons of every strategy with
//! `random`, and the aggregate over tasks (IQM and probability of improvement with a
//! stratified bootstrap, only where there are enough pairs for it to cover).

use super::files::Stats;
use super::merge::Merged;
use crate::engine::records::SyntheticRecord;
use crate::rng::StreamKey;
use crate::stats::cumulative::ordered_vs_diagonal;
use crate::stats::hypothesis::{
    holm, prob_improvement, stratified_bootstrap, welch_t_test, BootstrapCi, TTest,
};
use crate::stats::paired::{paired_analysis, paired_prob_improvement, PairedAnalysis};
use crate::stats::spearman::{spearman, Spearman};
use crate::stats::spearman_cells::{spearman_small, summarize_cells, CellSummary};
use crate::stats::summary::{iqm, mean, summarize, Summary};
use crate::stats::Alternative;
use std::collections::BTreeMap;

/// Bootstrap resamples of the aggregate intervals.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;
pub use super::analyses::BOOTSTRAP_MIN_PAIRS;
/// Per-cell significance threshold of the Spearman summary.
pub const CELL_P: f64 = 0.001;

/// A Spearman result, or why it is undefined.
pub type Corr = Result<Spearman, String>;

/// Before/after correlations of one (task, strategy); strategy `all` pools strategies.
#[derive(Clone, Debug)]
pub struct CorrRow {
    pub task: String,
    pub strategy: String,
    /// Per (replicate, iteration) cell, summarised (the primary numbers).
    pub loss_cells: CellSummary,
    pub reward_cells: CellSummary,
    /// ρ of the per-cell medians (exact permutation p for n ≤ 10).
    pub loss_median: Corr,
    pub reward_median: Corr,
    /// ρ over all pairs of all cells: labelled pooled, no p (the pairs are clustered).
    pub loss_pooled: Corr,
    pub reward_pooled: Corr,
}

type Score = fn(&SyntheticRecord) -> (f64, f64);

fn loss_pair(s: &SyntheticRecord) -> (f64, f64) {
    (s.parent_loss, s.loss)
}

fn reward_pair(s: &SyntheticRecord) -> (f64, f64) {
    (s.parent_reward, s.reward)
}

/// Finite (before, after) pairs grouped by (replicate, iteration).
fn cells(records: &[(u32, &SyntheticRecord)], f: Score) -> Vec<(Vec<f64>, Vec<f64>)> {
    let mut groups: BTreeMap<(u32, u32), (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for (rep, s) in records {
        let (a, b) = f(s);
        if a.is_finite() && b.is_finite() {
            let g = groups.entry((*rep, s.iteration)).or_default();
            g.0.push(a);
            g.1.push(b);
        }
    }
    groups.into_values().collect()
}

/// Per-cell summary, medians-level ρ (exact p when n ≤ 10) and the pooled ρ.
fn corr(records: &[(u32, &SyntheticRecord)], f: Score) -> (CellSummary, Corr, Corr) {
    let cs = cells(records, f);
    let summary = summarize_cells(&cs, CELL_P);
    let med = |v: &Vec<f64>| crate::stats::summary::median(v).unwrap_or(f64::NAN);
    let mb: Vec<f64> = cs.iter().map(|c| med(&c.0)).collect();
    let ma: Vec<f64> = cs.iter().map(|c| med(&c.1)).collect();
    let median = spearman_small(&mb, &ma, Alternative::TwoSided)
        .map(|(s, _)| s)
        .map_err(|e| e.to_string());
    let (x, y): (Vec<f64>, Vec<f64>) = cs
        .iter()
        .flat_map(|c| c.0.iter().copied().zip(c.1.iter().copied()))
        .unzip();
    let pooled = spearman(&x, &y, Alternative::TwoSided).map_err(|e| e.to_string());
    (summary, median, pooled)
}

fn push_corr(
    stats: &mut Stats,
    task: &str,
    strat: &str,
    what: &str,
    c: &(CellSummary, Corr, Corr),
) {
    let (cs, med, pooled) = c;
    let set = format!("{what}/cells");
    let fz = cs.fisher.as_ref().ok();
    for (name, v) in [
        ("cells", cs.defined as f64),
        ("median_rho", cs.median_rho),
        ("share_p_below_0.001", cs.share_significant),
        ("fisher_rho", fz.map_or(f64::NAN, |z| z.rho)),
        ("fisher_low", fz.map_or(f64::NAN, |z| z.low)),
        ("fisher_high", fz.map_or(f64::NAN, |z| z.high)),
    ] {
        stats.push("spearman", task, strat, &set, name, v);
    }
    let get = |c: &Corr| {
        c.as_ref().map_or((f64::NAN, f64::NAN, f64::NAN), |s| {
            (s.rho, s.p_value, s.n as f64)
        })
    };
    let (r, p, n) = get(med);
    let set = format!("{what}/median");
    stats.push("spearman", task, strat, &set, "rho", r);
    stats.push("spearman", task, strat, &set, "p", p);
    stats.push("spearman", task, strat, &set, "n", n);
    let (r, _, n) = get(pooled);
    let set = format!("{what}/pooled");
    stats.push("spearman", task, strat, &set, "rho", r);
    stats.push("spearman", task, strat, &set, "n", n);
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

/// Spearman before/after per task × strategy, plus `all` (pooled strategies) per task.
pub fn correlations(m: &Merged, stats: &mut Stats) -> Vec<CorrRow> {
    let mut out = Vec::new();
    for task in &m.tasks {
        let mut labels: Vec<Option<&str>> = m.strategies.iter().map(|s| Some(s.as_str())).collect();
        labels.push(None);
        for l in labels {
            let recs = records(m, task, l);
            let lc = corr(&recs, loss_pair);
            let rc = corr(&recs, reward_pair);
            let name = l.unwrap_or("all");
            push_corr(stats, task, name, "loss", &lc);
            push_corr(stats, task, name, "reward", &rc);
            out.push(CorrRow {
                task: task.clone(),
                strategy: name.to_string(),
                loss_cells: lc.0,
                loss_median: lc.1,
                loss_pooled: lc.2,
                reward_cells: rc.0,
                reward_median: rc.1,
                reward_pooled: rc.2,
            });
        }
    }
    out
}

/// The parent score an ordering sorts by.
type ParentScore = fn(&SyntheticRecord) -> f64;

/// Fractions of the synthetic data at which C.4 is tabulated.
pub const C4_FRACTIONS: [f64; 3] = [0.25, 0.5, 0.75];
/// Grid of the C.4 figure.
pub fn c4_grid() -> Vec<f64> {
    (1..=20).map(|i| i as f64 / 20.0).collect()
}

/// Paper C.4 for one task, ordering and iteration: over replicates, the percentage
/// difference 100·(diagonal − ordered)/diagonal at each of [`C4_FRACTIONS`].
#[derive(Clone, Debug)]
pub struct CumRow {
    pub task: String,
    /// "loss, high → low" or "reward, low → high".
    pub ordering: String,
    pub iteration: u32,
    /// Cells (replicates) with a defined percentage (overall accuracy > 0).
    pub cells: usize,
    /// Mean synthetic examples per cell.
    pub n_mean: f64,
    /// Mean ± SE over replicates of the percentage difference at each fraction.
    pub pct: Vec<Summary>,
    /// Figure: mean over replicates of A(k) ordered and of the diagonal on [`c4_grid`].
    pub ordered_curve: Vec<f64>,
    pub diagonal_curve: Vec<f64>,
}

/// Paper C.4 on `random`'s synthetic records (parents a uniform sample of D0), per
/// (replicate, iteration) cell and both orderings, against the exact expectation of a
/// random order, the diagonal E[A(k)] = (k/N)·A(N). No seeded permutation is involved.
pub fn cumulative(m: &Merged, stats: &mut Stats) -> Result<Vec<CumRow>, String> {
    let r = m.random_label().ok_or(
        "no strategy is labelled `random`, so the cumulative-accuracy analysis is skipped",
    )?;
    let grid = c4_grid();
    let mut out = Vec::new();
    for task in &m.tasks {
        let runs = m.runs_of(task, r);
        let orderings: [(&str, bool, ParentScore); 2] = [
            ("loss, high → low", true, |s| s.parent_loss),
            ("reward, low → high", false, |s| s.parent_reward),
        ];
        for (label, descending, score) in orderings {
            for it in 0..m.iterations as u32 {
                let mut pct: Vec<Vec<f64>> = vec![Vec::new(); C4_FRACTIONS.len()];
                let (mut oc, mut dc) = (vec![0.0; grid.len()], vec![0.0; grid.len()]);
                let (mut used, mut sizes) = (0usize, Vec::new());
                for run in &runs {
                    let recs: Vec<&SyntheticRecord> =
                        run.synthetic.iter().filter(|s| s.iteration == it).collect();
                    if recs.is_empty() {
                        continue;
                    }
                    let correct: Vec<bool> = recs.iter().map(|s| s.correct).collect();
                    let sc: Vec<f64> = recs.iter().map(|s| score(s)).collect();
                    let (Ok(at), Ok(curve)) = (
                        ordered_vs_diagonal(&correct, &sc, descending, &C4_FRACTIONS),
                        ordered_vs_diagonal(&correct, &sc, descending, &grid),
                    ) else {
                        continue;
                    };
                    sizes.push(recs.len() as f64);
                    if at.iter().all(|(_, d)| *d > 0.0) {
                        used += 1;
                        for (f, (o, d)) in at.iter().enumerate() {
                            pct[f].push(100.0 * (d - o) / d);
                        }
                    }
                    for (g, (o, d)) in curve.iter().enumerate() {
                        oc[g] += o;
                        dc[g] += d;
                    }
                }
                if sizes.is_empty() {
                    continue;
                }
                let k = sizes.len() as f64;
                let row = CumRow {
                    task: task.clone(),
                    ordering: label.to_string(),
                    iteration: it,
                    cells: used,
                    n_mean: mean(&sizes),
                    pct: pct.iter().map(|v| summarize(v)).collect(),
                    ordered_curve: oc.iter().map(|v| v / k).collect(),
                    diagonal_curve: dc.iter().map(|v| v / k).collect(),
                };
                let key = if descending {
                    "loss_high"
                } else {
                    "reward_low"
                };
                for (f, s) in C4_FRACTIONS.iter().zip(&row.pct) {
                    let set = format!("{key}/t={it}/{:.0}%", 100.0 * f);
                    super::analyses::push_summary(stats, "cumulative", task, r, &set, s);
                }
                out.push(row);
            }
        }
    }
    Ok(out)
}

/// One strategy vs `random` on final test accuracy, paired by (task, replicate).
#[derive(Clone, Debug)]
pub struct PairedRow {
    pub strategy: String,
    pub analysis: Result<PairedAnalysis, String>,
    pub welch: Result<TTest, String>,
    /// Holm-adjusted paired-t p over the family of all comparisons (an undefined p
    /// counts in m and stays NaN).
    pub holm_t: f64,
    /// Holm-adjusted exact sign-flip p over the same family.
    pub holm_exact: f64,
}

/// Holm-adjusted paired-t and exact sign-flip p over one family of paired analyses, in
/// order. A missing analysis or undefined p counts in the family size and stays NaN.
pub fn holm_paired(family: &[Option<&PairedAnalysis>]) -> (Vec<f64>, Vec<f64>) {
    let p = |f: fn(&PairedAnalysis) -> f64| -> Vec<f64> {
        family.iter().map(|a| a.map_or(f64::NAN, f)).collect()
    };
    let raw_t = p(|a| a.t.as_ref().map_or(f64::NAN, |t| t.p_value));
    let raw_e = p(|a| a.sign_flip.map_or(f64::NAN, |e| e.p_value));
    (holm(&raw_t), holm(&raw_e))
}

/// Per-task paired differences strategy − random of final accuracy, by replicate.
pub fn paired_diffs(m: &Merged, task: &str, s: &str, rl: &str) -> (Vec<f64>, Vec<f64>) {
    let rand_runs = m.runs_of(task, rl);
    let (mut x, mut y) = (Vec::new(), Vec::new());
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
        }
    }
    (x, y)
}

/// Paired analysis (and Welch, for comparison) of every other strategy vs `random`.
pub fn paired_tests(m: &Merged, stats: &mut Stats) -> Result<Vec<PairedRow>, String> {
    let rl = m
        .random_label()
        .ok_or("no strategy is labelled `random`, so there are no paired tests against it")?;
    let mut rows = Vec::new();
    for s in m.strategies.iter().filter(|s| s.as_str() != rl) {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for task in &m.tasks {
            let (a, b) = paired_diffs(m, task, s, rl);
            x.extend(a);
            y.extend(b);
        }
        rows.push(PairedRow {
            strategy: s.clone(),
            analysis: paired_analysis(&x, &y).map_err(|e| e.to_string()),
            welch: welch_t_test(&x, &y, Alternative::TwoSided).map_err(|e| e.to_string()),
            holm_t: f64::NAN,
            holm_exact: f64::NAN,
        });
    }
    let pick =
        |r: &PairedRow, f: fn(&PairedAnalysis) -> f64| r.analysis.as_ref().map_or(f64::NAN, f);
    let family: Vec<Option<&PairedAnalysis>> =
        rows.iter().map(|r| r.analysis.as_ref().ok()).collect();
    let (holm_t, holm_e) = holm_paired(&family);
    for ((r, ht), he) in rows.iter_mut().zip(holm_t).zip(holm_e) {
        r.holm_t = ht;
        r.holm_exact = he;
    }
    let set = format!("final vs {rl}");
    for r in &rows {
        let tt = r.analysis.as_ref().ok().and_then(|a| a.t.as_ref().ok());
        let t = |f: fn(&TTest) -> f64| tt.map_or(f64::NAN, f);
        let w = |f: fn(&TTest) -> f64| r.welch.as_ref().map_or(f64::NAN, f);
        for (name, v) in [
            ("n", pick(r, |a| a.n as f64)),
            ("mean_diff", pick(r, |a| a.mean)),
            ("sd_diff", pick(r, |a| a.sd)),
            (
                "constant",
                pick(r, |a| f64::from(u8::from(a.constant.is_some()))),
            ),
            ("paired_t", t(|t| t.t)),
            ("paired_dof", t(|t| t.dof)),
            ("paired_p", t(|t| t.p_value)),
            ("holm_p", r.holm_t),
            (
                "sign_flip_p",
                pick(r, |a| a.sign_flip.map_or(f64::NAN, |e| e.p_value)),
            ),
            ("sign_flip_min_p", pick(r, |a| a.min_p)),
            ("holm_sign_flip_p", r.holm_exact),
            ("welch_t", w(|t| t.t)),
            ("welch_dof", w(|t| t.dof)),
            ("welch_p", w(|t| t.p_value)),
            ("prob_improvement", pick(r, |a| a.prob_improvement)),
            (
                "ci95_low",
                pick(r, |a| a.ci95.as_ref().map_or(f64::NAN, |c| c.0)),
            ),
            (
                "ci95_high",
                pick(r, |a| a.ci95.as_ref().map_or(f64::NAN, |c| c.1)),
            ),
        ] {
            stats.push("paired", "all", &r.strategy, &set, name, v);
        }
    }
    Ok(rows)
}

/// The aggregate over tasks of one strategy (rliable-style), with stratified-bootstrap
/// intervals over (task, replicate).
#[derive(Clone, Debug)]
pub struct AggRow {
    pub strategy: String,
    pub pairs: usize,
    /// IQM of final accuracy over every (task, replicate).
    pub iqm: Result<BootstrapCi, String>,
    /// rliable's probability of improvement over random: mean over tasks of the
    /// unpaired P(X > Y) (Mann–Whitney U / nₓn_y).
    pub poi_unpaired: Result<BootstrapCi, String>,
    /// The paired counterpart: mean over tasks of the share of replicates that beat
    /// their own random run (ties ½).
    pub poi_paired: Result<BootstrapCi, String>,
}

/// IQM and probabilities of improvement with a task-stratified bootstrap; `Err` with the
/// reason when there are fewer than [`BOOTSTRAP_MIN_PAIRS`] (task, replicate) pairs,
/// because a percentile bootstrap of so few values cannot reach its nominal coverage.
pub fn aggregate(m: &Merged, seed: u64, stats: &mut Stats) -> Result<Vec<AggRow>, String> {
    let rl = m.random_label().ok_or("no strategy is labelled `random`")?;
    let mut out = Vec::new();
    for s in &m.strategies {
        let (mut x, mut y, mut strata) = (Vec::new(), Vec::new(), Vec::new());
        for (ti, task) in m.tasks.iter().enumerate() {
            let (a, b) = paired_diffs(m, task, s, rl);
            strata.extend(std::iter::repeat_n(ti, a.len()));
            x.extend(a);
            y.extend(b);
        }
        if x.len() < BOOTSTRAP_MIN_PAIRS {
            return Err(format!(
                "only {} (task, replicate) pairs: a percentile bootstrap of fewer than {BOOTSTRAP_MIN_PAIRS} cannot reach its nominal coverage, so no aggregate interval is shown",
                x.len()
            ));
        }
        let by_task = |idx: &[usize], f: &dyn Fn(&[f64], &[f64]) -> f64| -> f64 {
            let mut g: BTreeMap<usize, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
            for &i in idx {
                let e = g.entry(strata[i]).or_default();
                e.0.push(x[i]);
                e.1.push(y[i]);
            }
            mean(&g.values().map(|(a, b)| f(a, b)).collect::<Vec<_>>())
        };
        let boot = |label: &str, f: &dyn Fn(&[usize]) -> f64| {
            let mut rng =
                StreamKey::shared(seed, "all", 0, &format!("report/aggregate/{label}/{s}")).rng();
            stratified_bootstrap(&strata, BOOTSTRAP_RESAMPLES, 0.95, &mut rng, |idx| f(idx))
                .map_err(|e| e.to_string())
        };
        let iqm_ci = boot("iqm", &|idx| {
            iqm(&idx.iter().map(|&i| x[i]).collect::<Vec<_>>())
        });
        let unpaired = boot("poi", &|idx| {
            by_task(idx, &|a, b| prob_improvement(a, b).unwrap_or(f64::NAN))
        });
        let paired = boot("poi_paired", &|idx| {
            by_task(idx, &|a, b| {
                paired_prob_improvement(&a.iter().zip(b).map(|(p, q)| p - q).collect::<Vec<_>>())
            })
        });
        for (name, c) in [
            ("iqm", &iqm_ci),
            ("poi_unpaired", &unpaired),
            ("poi_paired", &paired),
        ] {
            if let Ok(c) = c {
                stats.push("aggregate", "all", s, name, "estimate", c.estimate);
                stats.push("aggregate", "all", s, name, "ci95_low", c.low);
                stats.push("aggregate", "all", s, name, "ci95_high", c.high);
            }
        }
        out.push(AggRow {
            strategy: s.clone(),
            pairs: x.len(),
            iqm: iqm_ci,
            poi_unpaired: if s == rl {
                Err("baseline".into())
            } else {
                unpaired
            },
            poi_paired: if s == rl {
                Err("baseline".into())
            } else {
                paired
            },
        });
    }
    Ok(out)
}
