//! The report's text and tables, built as a [`Doc`] from the computed numbers. Wording is
//! deliberately careful: "significant" only for Holm-adjusted p < 0.05, and tests with
//! fewer than 3 replicates are flagged as underpowered.

use super::analyses::{EffRow, TaskCurves, TokenRow, TvdRow, VendiRow};
use super::doc::Doc;
use super::figures::Figure;
use super::inference::{Corr, CorrRow, CumRow, PairedRow};
use super::merge::Merged;
use crate::stats::summary::Summary;
use crate::stats::winrate::WinRate;

/// Everything the text needs.
pub struct Inputs<'a> {
    pub m: &'a Merged,
    pub alpha: f64,
    pub seed: u64,
    pub curves: &'a [TaskCurves],
    pub win: &'a WinRate,
    pub eff: &'a [(String, Result<Vec<EffRow>, String>)],
    pub corr: &'a [CorrRow],
    pub cum: &'a Result<Vec<CumRow>, String>,
    pub tvd: &'a [TvdRow],
    pub paired: &'a Result<Vec<PairedRow>, String>,
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

fn f(v: f64, d: usize) -> String {
    if v.is_nan() {
        "—".into()
    } else if v.is_infinite() {
        "∞ (never reached)".into()
    } else {
        format!("{v:.d$}")
    }
}

fn corr_cells(c: &Corr) -> [String; 3] {
    match c {
        Ok(s) => [format!("{:.3}", s.rho), pval(s.p_value), s.n.to_string()],
        Err(e) => [format!("undefined ({e})"), "—".into(), "—".into()],
    }
}

fn figure(d: &mut Doc, figs: &[Figure], stem: &str) {
    if let Some(fg) = figs.iter().find(|x| x.stem == stem) {
        d.image(&fg.title, format!("{}.png", fg.stem));
    }
}

fn safe(s: &str) -> String {
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

/// Build the whole report.
pub fn build(i: &Inputs) -> Doc {
    let m = i.m;
    let mut d = Doc::default();
    d.h(1, format!("activesynth report: {}", m.scenario_name));
    summary(&mut d, i);
    d.h(2, "Test accuracy per iteration");
    d.p("Mean ± standard error (ddof = 1) of the student's test accuracy over replicates. Column headers give the iteration t and the mean training-set size n̄ = |D̂t| over all strategies and replicates; the base student (before any synthetic data) has n = 0.");
    for tc in i.curves {
        d.h(
            3,
            format!("Task `{}` ({} replicates)", tc.task, tc.replicates),
        );
        let mut header = vec!["strategy".to_string(), "base (n = 0)".to_string()];
        header.extend(
            tc.mean_size
                .iter()
                .enumerate()
                .map(|(k, n)| format!("t={k} (n̄={n:.0})")),
        );
        let mut rows = vec![std::iter::once("base student".to_string())
            .chain(std::iter::once(pm(&tc.base)))
            .chain(tc.mean_size.iter().map(|_| "—".to_string()))
            .collect::<Vec<_>>()];
        for c in &tc.curves {
            let mut r = vec![c.label.clone(), "—".into()];
            r.extend(c.acc.iter().map(pm));
            rows.push(r);
        }
        d.table(header, rows);
        // The headline figure: each strategy minus random, paired, with its interval.
        figure(
            &mut d,
            i.figures,
            &format!("plots/paired_{}", safe(&tc.task)),
        );
        figure(
            &mut d,
            i.figures,
            &format!("plots/learning_{}", safe(&tc.task)),
        );
        figure(
            &mut d,
            i.figures,
            &format!("plots/learning_tokens_{}", safe(&tc.task)),
        );
    }
    winrate(&mut d, i);
    efficiency(&mut d, i);
    paired(&mut d, i);
    correlations(&mut d, i);
    cumulative(&mut d, i);
    tvd(&mut d, i);
    tokens(&mut d, i);
    vendi(&mut d, i);
    d.h(2, "Files");
    d.p("Every number above is also in `stats.csv` (one row per section, task, strategy, setting, statistic, value) and `stats.h5` (`/<section>/<task>/<strategy>/<statistic>` arrays over settings). Plots are in `plots/` as SVG and PNG.");
    d
}

fn summary(d: &mut Doc, i: &Inputs) {
    let m = i.m;
    let reps: Vec<String> = m
        .tasks
        .iter()
        .map(|t| format!("{t}: {}", m.replicates(t).len()))
        .collect();
    let mut items = vec![
        format!(
            "Input files: {}",
            m.inputs
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("Tasks: {}", m.tasks.join(", ")),
        format!("Strategies: {}", m.strategies.join(", ")),
        format!("Replicates per task: {}", reps.join(", ")),
        format!(
            "Iterations T = {}, seeds selected per iteration m = {}",
            m.iterations, m.m
        ),
        format!(
            "Master seed(s): {}",
            m.seeds
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("Win-rate α = {}", i.alpha),
    ];
    if let Some(s) = &m.scenario {
        let st = &s.student;
        items.push(format!(
            "Student: {} layers, d_model {}, {} heads, d_ff {}, context {}; lr {}, batch {}, {} epochs",
            st.layers, st.d_model, st.heads, st.d_ff, st.context, st.learning_rate, st.batch_size, st.epochs
        ));
        items.push(format!(
            "Teacher: {} (fidelity {}, answer error rate {}, failure rate {}, {} few-shot); dedup threshold {}",
            s.teacher.kind, s.teacher.fidelity, s.teacher.answer_error_rate, s.teacher.failure_rate, s.teacher.few_shot, s.dedup.threshold
        ));
        let sizes: Vec<String> = s
            .tasks
            .iter()
            .map(|t| {
                format!(
                    "{} (|D0| = {}, val {}, test {})",
                    t.name, t.seed_size, t.val_size, t.test_size
                )
            })
            .collect();
        items.push(format!("Task sets: {}", sizes.join("; ")));
    }
    d.h(2, "Scenario");
    d.list(items);
    for n in &m.notes {
        d.p(format!("**Merge note:** {n}."));
    }
    let min_reps = m
        .tasks
        .iter()
        .map(|t| m.replicates(t).len())
        .min()
        .unwrap_or(0);
    if min_reps < 3 {
        d.p(format!("**Caution:** only {min_reps} replicate(s) for some task: standard errors are unreliable and every test below is underpowered."));
    }
}

fn winrate(d: &mut Doc, i: &Inputs) {
    let m = i.m;
    d.h(2, "Win-rate matrix");
    d.p(format!(
        "Entry (row i, column j) is the fraction of settings (task, iteration) where strategy i beats j, i.e. μi − α·SEi > μj + α·SEj with α = {}; the column score is the mean of column j over i ≠ j, i.e. how often j is beaten — lower is better. {} settings; a setting with an undefined SE (fewer than 2 replicates) is not counted.",
        i.alpha,
        m.tasks.len() * m.iterations
    ));
    let mut header = vec!["row beats column →".to_string()];
    header.extend(m.strategies.iter().cloned());
    let mut rows: Vec<Vec<String>> = m
        .strategies
        .iter()
        .enumerate()
        .map(|(r, s)| {
            std::iter::once(s.clone())
                .chain(i.win.p[r].iter().enumerate().map(|(c, v)| {
                    if r == c {
                        "—".into()
                    } else {
                        f(*v, 2)
                    }
                }))
                .collect()
        })
        .collect();
    rows.push(
        std::iter::once("**column score** (lower is better)".to_string())
            .chain(
                i.win
                    .column_scores
                    .iter()
                    .map(|v| format!("**{}**", f(*v, 3))),
            )
            .collect(),
    );
    d.table(header, rows);
    figure(d, i.figures, "plots/winrate");
}

fn efficiency(d: &mut Doc, i: &Inputs) {
    d.h(2, "Data efficiency vs random");
    d.p("At each iteration, τ is the best strategy's mean test accuracy and n its mean training-set size; N_random(τ) is the training-set size at which `random`'s mean learning curve first reaches τ (linear interpolation between its points, x = mean training-set size; no extrapolation). The ratio N_random(τ)/n says how many times more training examples random needs to match the best strategy; ∞ means random never reaches τ within the run.");
    for (task, rows) in i.eff {
        d.h(3, format!("Task `{task}`"));
        match rows {
            Err(e) => d.p(format!("Not computed: {e}.")),
            Ok(rows) => {
                let header = [
                    "iteration",
                    "best strategy",
                    "n",
                    "τ",
                    "N_random(τ)",
                    "ratio",
                ]
                .map(String::from)
                .to_vec();
                let body = rows
                    .iter()
                    .map(|r| {
                        vec![
                            format!("t={}", r.iteration),
                            r.best.clone(),
                            f(r.n, 1),
                            f(r.tau, 4),
                            f(r.random_needs, 1),
                            if r.ratio.is_infinite() {
                                "∞ (never reached)".into()
                            } else {
                                format!("{:.3}×", r.ratio)
                            },
                        ]
                    })
                    .collect();
                d.table(header, body);
            }
        }
    }
}

fn paired(d: &mut Doc, i: &Inputs) {
    d.h(2, "Paired tests vs random (final iteration)");
    let rows = match i.paired {
        Err(e) => {
            d.p(format!("Not computed: {e}."));
            return;
        }
        Ok(r) => r,
    };
    d.p("Final test accuracy of each strategy minus `random`'s, paired by (task, replicate): every strategy of a replicate shares the seed set, test set and base student (common random numbers), so the paired t-test is the primary test; Welch's unpaired t-test is shown for comparison. Holm adjusts the paired p-values over the family of all comparisons below. P(improve) = P(strategy > random) over replicates (ties ½). The 95% CI is a seeded percentile bootstrap of the mean paired difference, stratified by task.");
    let header = [
        "strategy",
        "pairs",
        "mean diff",
        "paired t (dof)",
        "paired p",
        "Holm p",
        "Welch t (dof)",
        "Welch p",
        "P(improve)",
        "95% CI of diff",
        "verdict",
    ]
    .map(String::from)
    .to_vec();
    let t = |x: &Result<crate::stats::hypothesis::TTest, String>| match x {
        Ok(t) => (format!("{:.3} ({:.1})", t.t, t.dof), pval(t.p_value)),
        Err(e) => (format!("undefined ({e})"), "—".into()),
    };
    let body = rows
        .iter()
        .map(|r| {
            let (pt, pp) = t(&r.paired);
            let (wt, wp) = t(&r.welch);
            let verdict = if r.holm_p < 0.05 {
                if r.mean_diff > 0.0 {
                    "significantly better (Holm p < 0.05)"
                } else {
                    "significantly worse (Holm p < 0.05)"
                }
            } else if r.n < 3 {
                "underpowered (< 3 pairs)"
            } else {
                "no significant difference"
            };
            vec![
                r.strategy.clone(),
                r.n.to_string(),
                format!("{:+.4}", r.mean_diff),
                pt,
                pp,
                pval(r.holm_p),
                wt,
                wp,
                r.prob_improvement
                    .as_ref()
                    .map_or("—".into(), |p| format!("{p:.3}")),
                r.ci.as_ref().map_or_else(
                    |e| format!("— ({e})"),
                    |c| format!("[{:+.4}, {:+.4}]", c.low, c.high),
                ),
                verdict.to_string(),
            ]
        })
        .collect();
    d.table(header, body);
    if rows.iter().any(|r| r.n < 3) {
        d.p("With fewer than 3 replicate pairs these tests have almost no power: absence of significance says nothing about absence of an effect.");
    }
}

fn correlations(d: &mut Doc, i: &Inputs) {
    d.h(2, "Seed score before vs synthetic score after (Spearman)");
    d.p("Individual level: Spearman's ρ between a seed's score and the score of the synthetic example generated from it, both under the student of that iteration, over all synthetic examples (pooled over replicates and iterations). Median level: ρ between the per-(replicate, iteration) medians of the two scores. Two-sided p from the t-distribution with n − 2 dof. `all` pools the strategies of a task.");
    let header = [
        "task",
        "strategy",
        "loss ρ",
        "p",
        "n",
        "loss ρ (medians)",
        "p",
        "n",
        "reward ρ",
        "p",
        "n",
        "reward ρ (medians)",
        "p",
        "n",
    ]
    .map(String::from)
    .to_vec();
    let body = i
        .corr
        .iter()
        .map(|c| {
            let mut r = vec![c.task.clone(), c.strategy.clone()];
            for x in [
                &c.loss_individual,
                &c.loss_median,
                &c.reward_individual,
                &c.reward_median,
            ] {
                r.extend(corr_cells(x));
            }
            r
        })
        .collect();
    d.table(header, body);
    for t in &i.m.tasks {
        figure(d, i.figures, &format!("plots/scatter_loss_{}", safe(t)));
    }
}

fn cumulative(d: &mut Doc, i: &Inputs) {
    d.h(2, "Cumulative accuracy by parent loss (paper C.4)");
    let rows = match i.cum {
        Err(e) => {
            d.p(format!("Not computed: {e}."));
            return;
        }
        Ok(r) => r,
    };
    d.p(format!("`random`'s synthetic examples (their parents are a uniform sample of D0), pooled over replicates and iterations, walked in order of the parent seed's loss (high → low) or in a random order (seeded, master seed {}). A(k) = correct among the first k / N. A positive difference (random − by loss) means high-loss seeds produce synthetic examples the student gets wrong more often, i.e. seed difficulty carries over to the generated data.", i.seed));
    let header = [
        "task",
        "N",
        "A at 50% by loss",
        "A at 50% random",
        "difference at 50%",
        "mean difference over the curve",
    ]
    .map(String::from)
    .to_vec();
    let body = rows
        .iter()
        .map(|c| {
            vec![
                c.task.clone(),
                c.n.to_string(),
                format!("{:.4}", c.curves.by_score[c.half]),
                format!("{:.4}", c.curves.random[c.half]),
                format!("{:+.4}", c.curves.difference[c.half]),
                format!("{:+.4}", c.mean_diff),
            ]
        })
        .collect();
    d.table(header, body);
    for c in rows {
        figure(d, i.figures, &format!("plots/cumulative_{}", safe(&c.task)));
    }
}

fn tvd(d: &mut Doc, i: &Inputs) {
    d.h(2, "Token-distribution distance from D0 (TVD)");
    d.p("Total variation distance ½·Σ|P(x) − Q(x)| between the token distribution of the seed set D0 and that of the accumulated synthetic set D̂t at the last iteration, mean ± SE over replicates (0 = identical distributions, 1 = disjoint). Per-iteration values are in the stats files (section `tvd`).");
    let header = ["task", "strategy", "TVD(D0, final D̂t)"]
        .map(String::from)
        .to_vec();
    let body = i
        .tvd
        .iter()
        .map(|r| {
            vec![
                r.task.clone(),
                r.strategy.clone(),
                r.per_iteration.last().map_or("—".into(), pm),
            ]
        })
        .collect();
    d.table(header, body);
}

fn tokens(d: &mut Doc, i: &Inputs) {
    d.h(2, "Teacher cost");
    d.p("Final cumulative teacher tokens (mean over replicates; judge tokens are included in the totals and also shown apart). Accuracy per 1M tokens = mean final accuracy / (mean input + output tokens / 10⁶); gain per 1M tokens uses the final accuracy minus the base student's.");
    let header = [
        "task",
        "strategy",
        "input",
        "output",
        "judge input",
        "judge output",
        "calls",
        "final accuracy",
        "accuracy / 1M tokens",
        "gain / 1M tokens",
    ]
    .map(String::from)
    .to_vec();
    let body = i
        .tokens
        .iter()
        .map(|r: &TokenRow| {
            vec![
                r.task.clone(),
                r.strategy.clone(),
                f(r.input, 0),
                f(r.output, 0),
                f(r.judge_input, 0),
                f(r.judge_output, 0),
                f(r.calls, 1),
                f(r.accuracy, 4),
                f(r.acc_per_m, 3),
                f(r.gain_per_m, 3),
            ]
        })
        .collect();
    d.table(header, body);
}

fn vendi(d: &mut Doc, i: &Inputs) {
    d.h(2, "Diversity of the synthetic questions (Vendi score)");
    d.p(format!("Vendi score (exp of the entropy of the eigenvalues of the bag-of-words cosine similarity matrix / n) of each run's synthetic questions, at most {} per run (a seeded subsample), mean ± SE over replicates. It ranges from 1 (all identical) to the number of questions (all orthogonal).", super::analyses::VENDI_MAX));
    let header = ["task", "strategy", "Vendi score", "questions per run"]
        .map(String::from)
        .to_vec();
    let body = i
        .vendi
        .iter()
        .map(|r| {
            vec![
                r.task.clone(),
                r.strategy.clone(),
                pm(&r.score),
                f(r.size, 0),
            ]
        })
        .collect();
    d.table(header, body);
}
