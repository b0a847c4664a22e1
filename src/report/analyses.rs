//! The descriptive numbers of the report: learning curves (mean ± SE over replicates),
//! the paper's win-rate matrix, data-efficiency ratios vs `random`, token-distribution
//! TVD, teacher-token cost and Vendi diversity. Every number is also pushed to [`Stats`]
//! so `stats.csv`/`stats.h5` carry exactly what the report prints.

use super::files::Stats;
use super::merge::Merged;
use crate::engine::records::RunRecord;
use crate::rng::StreamKey;
use crate::stats::efficiency::samples_to_reach;
use crate::stats::hypothesis::quantile_sorted;
use crate::stats::summary::{mean, summarize, Summary};
use crate::stats::tvd::total_variation;
use crate::stats::vendi::vendi_of_texts;
use crate::stats::winrate::{paired_win_rate_matrix, win_rate_matrix, MeanSe, WinRate};
use rand::seq::SliceRandom;

/// Most synthetic questions per run that enter the Vendi score (O(n³) eigenvalues).
pub const VENDI_MAX: usize = 200;

/// Setting label of iteration index k.
pub fn it_label(k: usize) -> String {
    format!("t={k}")
}

/// One strategy's learning curve on one task, per iteration index.
#[derive(Clone, Debug)]
pub struct Curve {
    pub label: String,
    /// Test accuracy over replicates.
    pub acc: Vec<Summary>,
    /// Mean |D̂t| over replicates.
    pub size: Vec<f64>,
    /// Mean cumulative teacher tokens (input + output) over replicates.
    pub tokens: Vec<f64>,
}

/// The learning curves of one task.
#[derive(Clone, Debug)]
pub struct TaskCurves {
    pub task: String,
    pub replicates: usize,
    /// Base student test accuracy over replicates.
    pub base: Summary,
    /// Mean |D̂t| over every strategy and replicate (the table's column header).
    pub mean_size: Vec<f64>,
    pub curves: Vec<Curve>,
}

fn final_of(r: &RunRecord) -> Option<&crate::engine::records::IterationRecord> {
    r.iterations.last()
}

/// Learning curves of every task (strategies in scenario order).
pub fn curves(m: &Merged, stats: &mut Stats) -> Vec<TaskCurves> {
    let mut out = Vec::new();
    for task in &m.tasks {
        let reps = m.replicates(task);
        let base_vals: Vec<f64> = reps
            .iter()
            .filter_map(|&r| m.world(task, r))
            .map(|w| w.base_test_accuracy)
            .collect();
        let base = summarize(&base_vals);
        push_summary(stats, "accuracy", task, "base", "base", &base);
        let mut curves = Vec::new();
        let mut all_sizes: Vec<Vec<f64>> = vec![Vec::new(); m.iterations];
        for s in &m.strategies {
            let runs = m.runs_of(task, s);
            let (mut acc, mut size, mut tokens) = (Vec::new(), Vec::new(), Vec::new());
            for (k, sizes_k) in all_sizes.iter_mut().enumerate() {
                let its: Vec<_> = runs.iter().filter_map(|r| r.iterations.get(k)).collect();
                let a = summarize(&its.iter().map(|i| i.test_accuracy).collect::<Vec<_>>());
                let sz: Vec<f64> = its.iter().map(|i| i.train_size as f64).collect();
                sizes_k.extend_from_slice(&sz);
                let tk: Vec<f64> = its
                    .iter()
                    .map(|i| (i.tokens.input + i.tokens.output) as f64)
                    .collect();
                let setting = it_label(k);
                push_summary(stats, "accuracy", task, s, &setting, &a);
                stats.push("accuracy", task, s, &setting, "train_size_mean", mean(&sz));
                stats.push(
                    "accuracy",
                    task,
                    s,
                    &setting,
                    "teacher_tokens_mean",
                    mean(&tk),
                );
                acc.push(a);
                size.push(mean(&sz));
                tokens.push(mean(&tk));
            }
            curves.push(Curve {
                label: s.clone(),
                acc,
                size,
                tokens,
            });
        }
        out.push(TaskCurves {
            task: task.clone(),
            replicates: reps.len(),
            base,
            mean_size: all_sizes.iter().map(|v| mean(v)).collect(),
            curves,
        });
    }
    out
}

/// Fewest (task, replicate) pairs for which a percentile bootstrap is shown at all.
pub const BOOTSTRAP_MIN_PAIRS: usize = 10;

/// Push mean, se and n of a summary.
pub fn push_summary(
    stats: &mut Stats,
    section: &str,
    task: &str,
    strat: &str,
    setting: &str,
    s: &Summary,
) {
    stats.push(section, task, strat, setting, "mean", s.mean);
    stats.push(section, task, strat, setting, "se", s.se);
    stats.push(section, task, strat, setting, "n", s.n as f64);
}

/// The win-rate matrix over settings (task, iteration).
pub fn win_rate(
    m: &Merged,
    curves: &[TaskCurves],
    alpha: f64,
    stats: &mut Stats,
) -> anyhow::Result<WinRate> {
    let results: Vec<Vec<MeanSe>> = (0..m.strategies.len())
        .map(|i| {
            curves
                .iter()
                .flat_map(|tc| {
                    tc.curves[i].acc.iter().map(|s| MeanSe {
                        mean: s.mean,
                        se: s.se,
                    })
                })
                .collect()
        })
        .collect();
    let w =
        win_rate_matrix(&results, alpha).map_err(|e| anyhow::anyhow!("win-rate matrix: {e}"))?;
    for (i, a) in m.strategies.iter().enumerate() {
        for (j, b) in m.strategies.iter().enumerate() {
            stats.push("winrate", "all", a, b, "p", w.p[i][j]);
        }
        stats.push("winrate", "all", a, "column", "score", w.column_scores[i]);
    }
    Ok(w)
}

/// The paired win-rate matrix over settings (task, iteration), from per-replicate
/// accuracies aligned by replicate (see `stats::winrate::paired_win_rate_matrix`).
pub fn paired_win_rate(m: &Merged, alpha: f64, stats: &mut Stats) -> anyhow::Result<WinRate> {
    let mut values: Vec<Vec<Vec<f64>>> = Vec::new();
    for s in &m.strategies {
        let mut per_setting = Vec::new();
        for task in &m.tasks {
            let reps = m.replicates(task);
            let runs = m.runs_of(task, s);
            for k in 0..m.iterations {
                per_setting.push(
                    reps.iter()
                        .map(|r| {
                            runs.iter()
                                .find(|x| x.key.replicate == *r)
                                .and_then(|x| x.iterations.get(k))
                                .map_or(f64::NAN, |i| i.test_accuracy)
                        })
                        .collect::<Vec<f64>>(),
                );
            }
        }
        values.push(per_setting);
    }
    let w = paired_win_rate_matrix(&values, alpha)
        .map_err(|e| anyhow::anyhow!("paired win-rate matrix: {e}"))?;
    for (i, a) in m.strategies.iter().enumerate() {
        for (j, b) in m.strategies.iter().enumerate() {
            stats.push("winrate_paired", "all", a, b, "p", w.p[i][j]);
        }
        stats.push(
            "winrate_paired",
            "all",
            a,
            "column",
            "score",
            w.column_scores[i],
        );
    }
    Ok(w)
}

/// One row of the efficiency table: one strategy at one iteration.
#[derive(Clone, Debug)]
pub struct EffRow {
    pub iteration: usize,
    pub strategy: String,
    /// The strategy's mean training-set size n.
    pub n: f64,
    /// τ = the strategy's own mean accuracy (not the maximum over strategies).
    pub tau: f64,
    /// N_random(τ) on random's mean curve (`INFINITY` when never reached).
    pub random_needs: f64,
    /// N_random(τ) / n.
    pub ratio: f64,
    /// The same ratio within each replicate (the strategy's accuracy against that
    /// replicate's own random curve), so the spread over replicates is visible.
    pub rep_ratios: Vec<f64>,
    /// 95 % percentile interval of the ratio from a paired replicate bootstrap, only
    /// with at least [`BOOTSTRAP_MIN_PAIRS`] replicates.
    pub ci: Option<(f64, f64)>,
    /// Whether this strategy has the highest mean accuracy at this iteration (its τ is
    /// then the maximum of noisy means, biased upward: the winner's curse).
    pub best: bool,
    /// τ is reached at random's first point: N_random is then an upper bound only.
    pub at_first: bool,
}

/// Per replicate: (random's sizes, random's accuracies, strategy's sizes, accuracies).
type RepCurves = Vec<(Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>)>;

fn rep_curves(m: &Merged, task: &str, s: &str, rl: &str) -> RepCurves {
    let rr = m.runs_of(task, rl);
    m.runs_of(task, s)
        .into_iter()
        .filter_map(|run| {
            let r = rr.iter().find(|r| r.key.replicate == run.key.replicate)?;
            let f = |x: &RunRecord| -> (Vec<f64>, Vec<f64>) {
                x.iterations
                    .iter()
                    .map(|i| (i.train_size as f64, i.test_accuracy))
                    .unzip()
            };
            let ((rs, ra), (ss, sa)) = (f(r), f(run));
            Some((rs, ra, ss, sa))
        })
        .collect()
}

/// N_random(τ)/n from replicate curves `pick`ed (with repetition) and averaged.
fn ratio_of(c: &RepCurves, pick: &[usize], k: usize) -> Option<f64> {
    let avg =
        |f: &dyn Fn(usize) -> f64| pick.iter().map(|&i| f(i)).sum::<f64>() / pick.len() as f64;
    let len = c[pick[0]].0.len();
    if pick
        .iter()
        .any(|&i| c[i].0.len() != len || c[i].2.len() <= k)
    {
        return None;
    }
    let rs: Vec<f64> = (0..len).map(|j| avg(&|i| c[i].0[j])).collect();
    let ra: Vec<f64> = (0..len).map(|j| avg(&|i| c[i].1[j])).collect();
    let (n, tau) = (avg(&|i| c[i].2[k]), avg(&|i| c[i].3[k]));
    samples_to_reach(&rs, &ra, tau).ok().map(|v| v / n)
}

/// Data-efficiency ratios of every strategy vs `random` on a task: `Err(reason)` when
/// they cannot be computed (no `random` strategy, or its mean sizes are not ascending).
pub fn efficiency(
    m: &Merged,
    tc: &TaskCurves,
    seed: u64,
    stats: &mut Stats,
) -> Result<Vec<EffRow>, String> {
    let ri = m
        .strategies
        .iter()
        .position(|s| s == "random")
        .ok_or_else(|| {
            "no strategy is labelled `random`, so data efficiency vs random is not reported"
                .to_string()
        })?;
    let rc = &tc.curves[ri];
    let means: Vec<f64> = rc.acc.iter().map(|s| s.mean).collect();
    let mut rows = Vec::new();
    for k in 0..means.len() {
        let best = (0..tc.curves.len())
            .filter(|&i| tc.curves[i].acc[k].mean.is_finite())
            .fold(None, |b: Option<usize>, i| match b {
                Some(b) if tc.curves[b].acc[k].mean >= tc.curves[i].acc[k].mean => Some(b),
                _ => Some(i),
            });
        for (i, c) in tc.curves.iter().enumerate() {
            let tau = c.acc[k].mean;
            if i == ri || !tau.is_finite() {
                continue;
            }
            let needs = samples_to_reach(&rc.size, &means, tau)
                .map_err(|e| format!("random's mean learning curve cannot be interpolated: {e}"))?;
            let reps = rep_curves(m, &tc.task, &c.label, "random");
            let rep_ratios: Vec<f64> = (0..reps.len())
                .filter_map(|r| ratio_of(&reps, &[r], k))
                .collect();
            let ci = (reps.len() >= BOOTSTRAP_MIN_PAIRS).then(|| {
                let mut rng = StreamKey::shared(
                    seed,
                    &tc.task,
                    0,
                    &format!("report/efficiency/{}/{k}", c.label),
                )
                .rng();
                let mut v: Vec<f64> = (0..1000)
                    .filter_map(|_| {
                        let pick: Vec<usize> = (0..reps.len())
                            .map(|_| rand::Rng::gen_range(&mut rng, 0..reps.len()))
                            .collect();
                        ratio_of(&reps, &pick, k)
                    })
                    .collect();
                v.sort_by(f64::total_cmp);
                (quantile_sorted(&v, 0.025), quantile_sorted(&v, 0.975))
            });
            let row = EffRow {
                iteration: k,
                strategy: c.label.clone(),
                n: c.size[k],
                tau,
                random_needs: needs,
                ratio: needs / c.size[k],
                rep_ratios,
                ci,
                best: best == Some(i),
                at_first: tau <= means[0],
            };
            let set = it_label(k);
            let lo = row.rep_ratios.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = row
                .rep_ratios
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            for (name, v) in [
                ("n", row.n),
                ("tau", tau),
                ("random_needs", needs),
                ("ratio", row.ratio),
                ("ratio_replicate_min", lo),
                ("ratio_replicate_max", hi),
                ("best", f64::from(u8::from(row.best))),
            ] {
                stats.push("efficiency", &tc.task, &row.strategy, &set, name, v);
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

/// TVD between D0 and D̂t of one strategy on one task: per iteration over replicates.
#[derive(Clone, Debug)]
pub struct TvdRow {
    pub task: String,
    pub strategy: String,
    pub per_iteration: Vec<Summary>,
}

fn to_u64(v: &[u32]) -> Vec<u64> {
    v.iter().map(|&x| x as u64).collect()
}

/// Token-distribution TVD(D0, D̂t) per (task, strategy, iteration), mean ± SE over
/// replicates (a replicate whose histogram is empty is left out).
pub fn tvd(m: &Merged, stats: &mut Stats) -> Vec<TvdRow> {
    let mut out = Vec::new();
    for task in &m.tasks {
        for s in &m.strategies {
            let runs = m.runs_of(task, s);
            let mut per_iteration = Vec::new();
            for k in 0..m.iterations {
                let vals: Vec<f64> = runs
                    .iter()
                    .filter_map(|r| {
                        let w = m.world(task, r.key.replicate)?;
                        let it = r.iterations.get(k)?;
                        total_variation(&to_u64(&w.d0_token_hist), &to_u64(&it.token_hist)).ok()
                    })
                    .collect();
                let sm = summarize(&vals);
                push_summary(stats, "tvd", task, s, &it_label(k), &sm);
                per_iteration.push(sm);
            }
            out.push(TvdRow {
                task: task.clone(),
                strategy: s.clone(),
                per_iteration,
            });
        }
    }
    out
}

/// Teacher cost of one strategy on one task (means over replicates of final values).
#[derive(Clone, Debug)]
pub struct TokenRow {
    pub task: String,
    pub strategy: String,
    pub input: f64,
    pub output: f64,
    pub judge_input: f64,
    pub judge_output: f64,
    pub calls: f64,
    pub accuracy: f64,
    pub base: f64,
    /// mean final accuracy / (mean input+output tokens / 10⁶); NaN with no tokens.
    pub acc_per_m: f64,
    /// (mean final accuracy − mean base accuracy) / (mean tokens / 10⁶).
    pub gain_per_m: f64,
}

/// Final cumulative teacher tokens and accuracy per 1M tokens.
pub fn tokens(m: &Merged, stats: &mut Stats) -> Vec<TokenRow> {
    let mut out = Vec::new();
    for task in &m.tasks {
        for s in &m.strategies {
            let runs = m.runs_of(task, s);
            let fin: Vec<_> = runs.iter().filter_map(|r| final_of(r)).collect();
            let avg = |f: &dyn Fn(&crate::engine::records::Tokens) -> u64| {
                mean(&fin.iter().map(|i| f(&i.tokens) as f64).collect::<Vec<_>>())
            };
            let (input, output) = (avg(&|t| t.input), avg(&|t| t.output));
            let accuracy = mean(&fin.iter().map(|i| i.test_accuracy).collect::<Vec<_>>());
            let base = mean(
                &runs
                    .iter()
                    .map(|r| r.base_test_accuracy)
                    .collect::<Vec<_>>(),
            );
            let mtok = (input + output) / 1e6;
            let per = |v: f64| if mtok > 0.0 { v / mtok } else { f64::NAN };
            let row = TokenRow {
                task: task.clone(),
                strategy: s.clone(),
                input,
                output,
                judge_input: avg(&|t| t.judge_input),
                judge_output: avg(&|t| t.judge_output),
                calls: avg(&|t| t.calls),
                accuracy,
                base,
                acc_per_m: per(accuracy),
                gain_per_m: per(accuracy - base),
            };
            for (name, v) in [
                ("input", row.input),
                ("output", row.output),
                ("judge_input", row.judge_input),
                ("judge_output", row.judge_output),
                ("calls", row.calls),
                ("accuracy_per_1m_tokens", row.acc_per_m),
                ("gain_per_1m_tokens", row.gain_per_m),
            ] {
                stats.push("tokens", task, s, "final", name, v);
            }
            out.push(row);
        }
    }
    out
}

/// Vendi score of the final synthetic questions, per (task, strategy) over replicates.
#[derive(Clone, Debug)]
pub struct VendiRow {
    pub task: String,
    pub strategy: String,
    pub score: Summary,
    /// Questions per run that entered the score (after subsampling), mean.
    pub size: f64,
}

/// At most [`VENDI_MAX`] question indices of a run, drawn without replacement from a
/// seeded stream (all of them, in order, when there are few enough).
pub fn vendi_sample(n: usize, seed: u64, task: &str, rep: u32, strategy: &str) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if n > VENDI_MAX {
        let mut rng = StreamKey::shared(seed, task, rep, &format!("report/vendi/{strategy}")).rng();
        idx.shuffle(&mut rng);
        idx.truncate(VENDI_MAX);
        idx.sort_unstable();
    }
    idx
}

/// Vendi diversity (bag-of-words cosine kernel) of each run's synthetic questions.
pub fn vendi(m: &Merged, seed: u64, stats: &mut Stats) -> Vec<VendiRow> {
    let mut out = Vec::new();
    for task in &m.tasks {
        for s in &m.strategies {
            let mut scores = Vec::new();
            let mut sizes = Vec::new();
            for r in m.runs_of(task, s) {
                let idx = vendi_sample(r.synthetic.len(), seed, task, r.key.replicate, s);
                let qs: Vec<&str> = idx
                    .iter()
                    .map(|&i| r.synthetic[i].question.as_str())
                    .collect();
                if let Ok(v) = vendi_of_texts(&qs) {
                    scores.push(v);
                    sizes.push(qs.len() as f64);
                }
            }
            let sm = summarize(&scores);
            push_summary(stats, "vendi", task, s, "final", &sm);
            out.push(VendiRow {
                task: task.clone(),
                strategy: s.clone(),
                score: sm,
                size: mean(&sizes),
            });
        }
    }
    out
}
