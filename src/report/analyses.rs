//! The descriptive numbers of the report: learning curves (mean ± SE over replicates),
//! the paper's win-rate matrix, data-efficiency ratios vs `random`, token-distribution
//! TVD, teacher-token cost and Vendi diversity. Every number is also pushed to [`Stats`]
//! so `stats.csv`/`stats.h5` carry exactly what the report prints.

use super::files::Stats;
use super::merge::Merged;
use crate::engine::records::RunRecord;
use crate::rng::StreamKey;
use crate::stats::efficiency::samples_to_reach;
use crate::stats::summary::{mean, summarize, Summary};
use crate::stats::tvd::total_variation;
use crate::stats::vendi::vendi_of_texts;
use crate::stats::winrate::{win_rate_matrix, MeanSe, WinRate};
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

/// One row of the efficiency table.
#[derive(Clone, Debug)]
pub struct EffRow {
    pub iteration: usize,
    /// The best strategy's mean training-set size n.
    pub n: f64,
    pub best: String,
    /// τ = the best strategy's mean accuracy.
    pub tau: f64,
    /// N_random(τ) (`INFINITY` when random never reaches τ).
    pub random_needs: f64,
    /// N_random(τ) / n.
    pub ratio: f64,
}

/// Data-efficiency ratios of a task vs `random`: `Err(reason)` when they cannot be
/// computed (no `random` strategy, or its mean sizes are not ascending).
pub fn efficiency(m: &Merged, tc: &TaskCurves, stats: &mut Stats) -> Result<Vec<EffRow>, String> {
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
        let mut best: Option<usize> = None;
        for (i, c) in tc.curves.iter().enumerate() {
            let v = c.acc[k].mean;
            if v.is_finite() && best.is_none_or(|b| v > tc.curves[b].acc[k].mean) {
                best = Some(i);
            }
        }
        let Some(b) = best else { continue };
        let tau = tc.curves[b].acc[k].mean;
        let needs = samples_to_reach(&rc.size, &means, tau)
            .map_err(|e| format!("random's mean learning curve cannot be interpolated: {e}"))?;
        let n = tc.curves[b].size[k];
        let row = EffRow {
            iteration: k,
            n,
            best: tc.curves[b].label.clone(),
            tau,
            random_needs: needs,
            ratio: needs / n,
        };
        let set = it_label(k);
        stats.push("efficiency", &tc.task, &row.best, &set, "n", n);
        stats.push("efficiency", &tc.task, &row.best, &set, "tau", tau);
        stats.push(
            "efficiency",
            &tc.task,
            &row.best,
            &set,
            "random_needs",
            needs,
        );
        stats.push("efficiency", &tc.task, &row.best, &set, "ratio", row.ratio);
        rows.push(row);
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
