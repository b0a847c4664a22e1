//! The statistical sections of the report (issue 13): paired comparisons with exact
//! small-sample p-values and their floor, power, the aggregate over tasks, data
//! efficiency with its spread, per-cell correlations and C.4 against the diagonal.
//! Kept apart from `sections.rs` so each stays readable; the wording rules are the
//! same: "significant" only for Holm-adjusted p < 0.05, and every limit of the design
//! (the smallest attainable p, the detectable difference) is stated where the number is.

use super::doc::Doc;
use super::inference::{Corr, C4_FRACTIONS};
use super::merge::Merged;
use super::section_kit::{f, figure, pval, safe, Inputs};
use crate::stats::paired::PairedAnalysis;
use crate::stats::spearman_cells::CellSummary;
use std::collections::BTreeMap;

/// Per input file: scenario hash, master seed, and per task the (own, reported)
/// replicate numbers.
type FileIdentities = BTreeMap<String, (String, String, BTreeMap<String, Vec<(u32, u32)>>)>;

/// Who the replicates are: one line per input file, and whether seeds differ.
pub fn identities(d: &mut Doc, m: &Merged) {
    let mut per_file: FileIdentities = BTreeMap::new();
    for id in &m.identities {
        let e = per_file
            .entry(id.file.display().to_string())
            .or_insert_with(|| {
                (
                    id.scenario_hash.clone(),
                    id.seed.map_or("unknown".into(), |s| s.to_string()),
                    BTreeMap::new(),
                )
            });
        e.2.entry(id.task.clone())
            .or_default()
            .push((id.replicate, id.merged_replicate));
    }
    let items: Vec<String> = per_file
        .iter()
        .map(|(file, (hash, seed, tasks))| {
            let t: Vec<String> = tasks
                .iter()
                .map(|(task, reps)| {
                    let own: Vec<String> = reps.iter().map(|r| r.0.to_string()).collect();
                    let renamed = reps.iter().any(|r| r.0 != r.1);
                    let merged: Vec<String> = reps.iter().map(|r| r.1.to_string()).collect();
                    if renamed {
                        format!(
                            "`{task}` replicates {{{}}} (reported as {{{}}})",
                            own.join(", "),
                            merged.join(", ")
                        )
                    } else {
                        format!("`{task}` replicates {{{}}}", own.join(", "))
                    }
                })
                .collect();
            format!(
                "`{file}`: scenario hash {hash}, master seed {seed}; {}",
                t.join("; ")
            )
        })
        .collect();
    d.p("**Run identities** (scenario hash, master seed, task, replicate; a replicate's D0, test set and base student are a function of master seed, task and replicate, so each such triple is counted once):");
    d.list(items);
    if m.seeds.len() > 1 {
        d.p(format!(
            "**Replicates from {} master seeds ({}) are combined.** They are independent replicates; where their numbers collided, later files' replicates were renumbered (notes below).",
            m.seeds.len(),
            m.seeds.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
        ));
    }
}

/// The paired win-rate matrix beside the paper's.
pub fn paired_winrate(d: &mut Doc, i: &Inputs) {
    let m = i.m;
    d.h(3, "Paired win-rate matrix");
    d.p(format!("Same layout, but each setting (task, iteration) compares the per-replicate differences: row i beats column j when the mean paired difference exceeds α = {} standard errors of that difference (at least 2 replicate pairs; differences that are constant up to rounding have SE 0). Every strategy of a replicate shares D0, the test set and the base student, so this is the comparison the design supports.", i.alpha));
    let mut header = vec!["row beats column (paired) →".to_string()];
    header.extend(m.strategies.iter().cloned());
    let w = i.paired_win;
    let mut rows: Vec<Vec<String>> = m
        .strategies
        .iter()
        .enumerate()
        .map(|(r, s)| {
            std::iter::once(s.clone())
                .chain(
                    w.p[r]
                        .iter()
                        .enumerate()
                        .map(|(c, v)| if r == c { "—".into() } else { f(*v, 2) }),
                )
                .collect()
        })
        .collect();
    rows.push(
        std::iter::once("**column score** (lower is better)".to_string())
            .chain(w.column_scores.iter().map(|v| format!("**{}**", f(*v, 3))))
            .collect(),
    );
    d.table(header, rows);
}

/// "Holm family: m = … comparisons", saying how many have an undefined paired-t p
/// (NaN among the adjusted `holm_t`).
pub(super) fn holm_family(holm_t: &[f64]) -> String {
    let undefined = holm_t.iter().filter(|p| p.is_nan()).count();
    let mut s = format!("Holm family: m = {} comparisons", holm_t.len());
    if undefined > 0 {
        s.push_str(&format!(
            ", of which {undefined} have an undefined paired t p (counted in m, shown as —)"
        ));
    }
    s
}

/// `mean [95% t-CI]` of a paired analysis.
pub(super) fn mean_ci_cell(a: &PairedAnalysis) -> String {
    let ci = a
        .ci95
        .as_ref()
        .map_or("—".into(), |c| format!("[{:+.4}, {:+.4}]", c.0, c.1));
    format!("{:+.4} {ci}", a.mean)
}

/// The exact sign-flip p with its floor, `— (n > 12)` when not enumerated.
pub(super) fn sign_flip_cell(a: &PairedAnalysis) -> String {
    a.sign_flip.map_or("— (n > 12)".into(), |e| {
        format!("{} (≥ {})", pval(e.p_value), pval(e.min_p))
    })
}

/// The verdict column of a paired comparison (Holm-adjusted; says when only the
/// normality-assuming t-test reaches significance).
pub(super) fn verdict(a: &PairedAnalysis, holm_t: f64, holm_exact: f64) -> String {
    let dir = |better: bool| if better { "better" } else { "worse" };
    if let Some(c) = a.constant {
        if c == 0.0 {
            // Identical accuracies in every pair: no direction, and the exact p is 1,
            // not the test's floor.
            return format!(
                "identical in all {} pairs (difference 0): no evidence either way",
                a.n
            );
        }
        let p = a.sign_flip.map_or("—".into(), |e| pval(e.p_value));
        return format!(
            "constant difference {c:+.4} in all {} pairs: t undefined; exact p = {p} (the smallest attainable with {} pairs)",
            a.n, a.n
        );
    }
    if holm_t < 0.05 {
        if a.sign_flip.is_some() && (holm_exact.is_nan() || holm_exact >= 0.05) {
            return format!(
                "{} by the paired t-test (Holm p < 0.05, assumes normal differences); the exact test cannot confirm it with {} pairs (p ≥ {})",
                dir(a.mean > 0.0),
                a.n,
                pval(a.min_p)
            );
        }
        return format!("significantly {} (Holm p < 0.05)", dir(a.mean > 0.0));
    }
    if a.n < 3 {
        return "underpowered (< 3 pairs)".into();
    }
    match &a.t {
        Ok(t) if t.p_value < 0.05 => format!(
            "no significant difference after Holm (unadjusted paired t p = {}{})",
            pval(t.p_value),
            match a.sign_flip {
                Some(e) if e.p_value <= e.min_p =>
                    format!("; exact p at its floor {}", pval(e.min_p)),
                _ => String::new(),
            }
        ),
        _ => "no significant difference".into(),
    }
}

/// Paired comparisons of every strategy with random.
pub fn paired(d: &mut Doc, i: &Inputs) {
    d.h(2, "Paired comparisons vs random (final iteration)");
    let rows = match i.paired {
        Err(e) => {
            d.p(format!("Not computed: {e}."));
            return;
        }
        Ok(r) => r,
    };
    d.p("Final test accuracy of each strategy minus `random`'s, paired by (task, replicate): the strategies of a replicate share the seed set, test set and base student, so the differences cancel that shared noise. The interval is the 95 % t-interval of the mean paired difference, per comparison (not adjusted for the family: an interval excluding 0 means an unadjusted paired t p < 0.05, which Holm may not confirm; no bootstrap: with fewer than 10 pairs a percentile bootstrap is just the range of the differences and covers far less than 95 %). The exact sign-flip p enumerates all 2ⁿ sign patterns of the differences (valid for any symmetric distribution, no normality assumed); the paired t p assumes normal differences. Holm adjusts each over the family of all comparisons below; a comparison whose p is undefined still counts in the family size m and is shown as —. P(improve) is the share of pairs in which the strategy beats its own replicate's random run (ties ½). Welch's unpaired test is shown only for comparison.");
    let min_n = rows
        .iter()
        .filter_map(|r| r.analysis.as_ref().ok())
        .map(|a| a.n)
        .min();
    if let Some(a) = rows
        .iter()
        .filter_map(|r| r.analysis.as_ref().ok())
        .find(|a| Some(a.n) == min_n && a.sign_flip.is_some())
    {
        if a.min_p >= 0.05 {
            d.p(format!("**With {} replicate pairs the exact two-sided sign-flip test cannot give p below {}** (2/2^{}), so no comparison in this table can be significant by the distribution-free test, whatever the data; only the paired t-test, through its normality assumption, can go lower. A p of {} here is the best possible outcome, not weak evidence.", a.n, pval(a.min_p), a.n, pval(a.min_p)));
        } else {
            d.p(format!(
                "With {} pairs the smallest attainable two-sided sign-flip p is {}.",
                a.n,
                pval(a.min_p)
            ));
        }
    }
    let holm_t: Vec<f64> = rows.iter().map(|r| r.holm_t).collect();
    d.p(format!("{}.", holm_family(&holm_t)));
    let header = [
        "strategy",
        "pairs",
        "mean diff [95% t-CI]",
        "SD of diff",
        "paired t (dof)",
        "t p",
        "Holm (t)",
        "exact sign-flip p (floor)",
        "Holm (exact)",
        "Welch p (unpaired)",
        "P(improve), paired",
        "verdict",
    ]
    .map(String::from)
    .to_vec();
    let body = rows
        .iter()
        .map(|r| match &r.analysis {
            Err(e) => vec![
                r.strategy.clone(),
                "0".into(),
                format!("— ({e})"),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                "not computed".into(),
            ],
            Ok(a) => {
                let (tt, tp) = match &a.t {
                    Ok(t) => (format!("{:.3} ({:.0})", t.t, t.dof), pval(t.p_value)),
                    Err(e) => (format!("undefined ({e})"), "—".into()),
                };
                vec![
                    r.strategy.clone(),
                    a.n.to_string(),
                    mean_ci_cell(a),
                    f(a.sd, 4),
                    tt,
                    tp,
                    pval(r.holm_t),
                    sign_flip_cell(a),
                    pval(r.holm_exact),
                    r.welch.as_ref().map_or("—".into(), |t| pval(t.p_value)),
                    format!("{:.3}", a.prob_improvement),
                    verdict(a, r.holm_t, r.holm_exact),
                ]
            }
        })
        .collect();
    d.table(header, body);
    if let Some(note) = super::section_kit::contamination_note(i) {
        d.p(note);
    }
}

/// Power and planning.
pub fn power(d: &mut Doc, i: &Inputs) {
    d.h(2, "Power: what these replicates could detect");
    let tasks = match i.power {
        Err(e) => {
            d.p(format!("Not computed: {e}."));
            return;
        }
        Ok(t) => t,
    };
    d.p("For the two-sided paired t-test at α = 0.05 with power 0.8 (noncentral t, as statsmodels' TTestPower): the minimum detectable difference (MDE) in final accuracy is d_min(n) × SD, with n the replicate pairs and SD the observed SD of the paired differences (pooled over strategies: the root mean of their variances); \"replicates needed\" is the smallest n at which the largest observed difference would be detected with power 0.8 at that SD. Power is per comparison at unadjusted α = 0.05; under Holm over all comparisons more replicates are needed. The SDs are estimated from these few replicates and are themselves uncertain: treat these as planning figures. `activesynth plan --pilot results.h5` prints the same numbers for other replicate counts.");
    let header = [
        "task",
        "replicate pairs",
        "d_min (SD units)",
        "pooled paired SD",
        "MDE (accuracy)",
        "largest observed diff",
        "replicates needed for it",
    ]
    .map(String::from)
    .to_vec();
    let body = tasks
        .iter()
        .map(|t| {
            vec![
                t.task.clone(),
                t.n.to_string(),
                f(t.effect, 3),
                f(t.pooled_sd, 4),
                f(t.mde, 4),
                t.largest
                    .as_ref()
                    .map_or("—".into(), |(s, v)| format!("{v:+.4} ({s})")),
                t.needed_largest.map_or(
                    format!("> {} or undefined", super::planning::MAX_REPLICATES),
                    |n| n.to_string(),
                ),
            ]
        })
        .collect();
    d.table(header, body);
    let header = [
        "task",
        "strategy",
        "mean diff",
        "SD of diff",
        "MDE with these pairs",
        "replicates to detect this diff",
    ]
    .map(String::from)
    .to_vec();
    let body = tasks
        .iter()
        .flat_map(|t| {
            t.rows.iter().map(move |r| {
                vec![
                    t.task.clone(),
                    r.strategy.clone(),
                    format!("{:+.4}", r.mean_diff),
                    f(r.sd, 4),
                    f(r.mde, 4),
                    r.needed.map_or("—".into(), |n| n.to_string()),
                ]
            })
        })
        .collect();
    d.table(header, body);
}

/// Aggregate over tasks (rliable style).
pub fn aggregate(d: &mut Doc, i: &Inputs) {
    d.h(2, "Aggregate over tasks (IQM, probability of improvement)");
    match i.aggregate {
        Err(e) => d.p(format!("Not computed: {e}.")),
        Ok(rows) => {
            d.p("Interquartile mean (rliable's IQM) of final accuracy over all (task, replicate) runs, and the probability of improvement over random — rliable's unpaired version (mean over tasks of P(X > Y)) and the paired one (mean over tasks of the share of replicates beating their own random run) — each with a 95 % percentile interval from a bootstrap stratified by task (replicates resampled within task, pairs kept together).");
            let ci = |c: &Result<crate::stats::hypothesis::BootstrapCi, String>| {
                c.as_ref().map_or("—".into(), |c| {
                    format!("{:.3} [{:.3}, {:.3}]", c.estimate, c.low, c.high)
                })
            };
            let header = [
                "strategy",
                "runs",
                "IQM [95%]",
                "P(improve) rliable [95%]",
                "P(improve) paired [95%]",
            ]
            .map(String::from)
            .to_vec();
            let body = rows
                .iter()
                .map(|r| {
                    vec![
                        r.strategy.clone(),
                        r.pairs.to_string(),
                        ci(&r.iqm),
                        ci(&r.poi_unpaired),
                        ci(&r.poi_paired),
                    ]
                })
                .collect();
            d.table(header, body);
        }
    }
}

/// Data efficiency per strategy.
pub fn efficiency(d: &mut Doc, i: &Inputs) {
    d.h(2, "Data efficiency vs random");
    d.p("For each strategy and iteration, τ is that strategy's own mean test accuracy and n its mean training-set size; N_random(τ) is the training-set size at which `random`'s mean learning curve first reaches τ (linear interpolation, no extrapolation) and the ratio N_random(τ)/n says how many times more examples random needs. The per-replicate column repeats the computation within each replicate (the strategy against that replicate's own random curve): its spread is the uncertainty of the ratio. A 95 % bootstrap interval is added only with at least 10 replicates. \"≤\" marks a τ that random's curve already reaches at its first point: nothing is extrapolated below it, so N_random is only bounded above there (and so are per-replicate values at that point). Caveats: random's curve is noisy and need not be monotone, so N_random jumps where τ crosses a dip or plateau (a tiny change of τ can move it by a whole iteration); and the row marked *best* takes the maximum of noisy means, which overstates the best strategy (winner's curse) — read it together with the paired tests above.");
    for (task, rows) in i.eff {
        d.h(3, format!("Task `{task}`"));
        match rows {
            Err(e) => d.p(format!("Not computed: {e}.")),
            Ok(rows) => {
                let header = [
                    "iteration",
                    "strategy",
                    "n",
                    "τ",
                    "N_random(τ)",
                    "ratio",
                    "per-replicate ratio (min – max)",
                    "95% bootstrap",
                ]
                .map(String::from)
                .to_vec();
                let ratio = |v: f64| {
                    if v.is_infinite() {
                        "∞".to_string()
                    } else if v.is_nan() {
                        "—".into()
                    } else {
                        format!("{v:.3}×")
                    }
                };
                let body = rows
                    .iter()
                    .map(|r| {
                        let lo = r.rep_ratios.iter().copied().fold(f64::INFINITY, f64::min);
                        let hi = r
                            .rep_ratios
                            .iter()
                            .copied()
                            .fold(f64::NEG_INFINITY, f64::max);
                        vec![
                            format!("t={}", r.iteration),
                            if r.best {
                                format!("{} (best: winner's curse)", r.strategy)
                            } else {
                                r.strategy.clone()
                            },
                            f(r.n, 1),
                            f(r.tau, 4),
                            if r.at_first {
                                format!("≤ {}", f(r.random_needs, 1))
                            } else {
                                f(r.random_needs, 1)
                            },
                            if r.at_first {
                                format!("≤ {}", ratio(r.ratio))
                            } else {
                                ratio(r.ratio)
                            },
                            if r.rep_ratios.is_empty() {
                                "—".into()
                            } else {
                                format!(
                                    "{} – {} ({} replicates)",
                                    ratio(lo),
                                    ratio(hi),
                                    r.rep_ratios.len()
                                )
                            },
                            r.ci.map_or("— (< 10 replicates)".into(), |c| {
                                format!("[{}, {}]", ratio(c.0), ratio(c.1))
                            }),
                        ]
                    })
                    .collect();
                d.table(header, body);
            }
        }
    }
}

fn cells_text(c: &CellSummary) -> [String; 4] {
    [
        format!("{} (n {}–{})", c.defined, c.n_range.0, c.n_range.1),
        f(c.median_rho, 3),
        if c.share_significant.is_nan() {
            "—".into()
        } else {
            format!("{:.0}%", 100.0 * c.share_significant)
        },
        c.fisher.as_ref().map_or_else(
            |e| format!("— ({e})"),
            |z| format!("{:.3} [{:.3}, {:.3}]", z.rho, z.low, z.high),
        ),
    ]
}

fn corr_text(c: &Corr, with_p: bool) -> String {
    match c {
        Ok(s) if with_p => format!("{:.3} (p = {}, n = {})", s.rho, pval(s.p_value), s.n),
        Ok(s) => format!("{:.3} (n = {})", s.rho, s.n),
        Err(e) => format!("undefined ({e})"),
    }
}

/// Spearman before/after per cell.
pub fn correlations(d: &mut Doc, i: &Inputs) {
    d.h(2, "Seed score before vs synthetic score after (Spearman)");
    d.p("Spearman's ρ between a seed's score and the score of the synthetic example generated from it, computed within each (replicate, iteration) cell — one student, one seed set — as the paper does per generation step. Per cell: the number of cells (and their sizes), the median ρ over cells, the share of cells with p < 0.001, and a Fisher-z combined ρ with 95 % interval (weights n − 3, variance 1.06/Σ(n − 3) for Spearman; it treats cells as independent). Medians level: ρ between the per-cell median scores, with the exact permutation p (n ≤ 10: all n! pairings; the t approximation prints p = 0 for ρ = 1). Pooled: ρ over all pairs of all cells, shown for reference only and without a p, because pooling mixes differences between students and replicates and the pairs are not independent. `all` pools the strategies of a task.");
    let header = [
        "task",
        "strategy",
        "score",
        "cells",
        "median ρ per cell",
        "cells p < 0.001",
        "Fisher-z ρ [95%]",
        "ρ of medians (exact p)",
        "pooled ρ (reference)",
    ]
    .map(String::from)
    .to_vec();
    let mut body = Vec::new();
    for c in i.corr {
        for (score, cells, med, pooled) in [
            ("loss", &c.loss_cells, &c.loss_median, &c.loss_pooled),
            (
                "reward",
                &c.reward_cells,
                &c.reward_median,
                &c.reward_pooled,
            ),
        ] {
            let mut r = vec![c.task.clone(), c.strategy.clone(), score.to_string()];
            r.extend(cells_text(cells));
            r.push(corr_text(med, true));
            r.push(corr_text(pooled, false));
            body.push(r);
        }
    }
    d.table(header, body);
    for t in &i.m.tasks {
        figure(d, i.figures, &format!("plots/scatter_loss_{}", safe(t)));
    }
}

/// Paper C.4 per iteration and replicate, against the diagonal.
pub fn cumulative(d: &mut Doc, i: &Inputs) {
    d.h(2, "Cumulative accuracy by parent score (paper C.4)");
    let rows = match i.cum {
        Err(e) => {
            d.p(format!("Not computed: {e}."));
            return;
        }
        Ok(r) => r,
    };
    d.p("`random`'s synthetic examples (their parents are a uniform sample of D0), per (replicate, iteration) cell, walked in order of the parent seed's score — loss high → low, or reward low → high — as in the paper's Figures 7 and 11. A(k) = correct among the first k / N. Under a random order the expected A(k) is exactly the diagonal (k/N)·A(N), so that is the baseline (no seeded permutation). The table gives the percentage difference 100·(diagonal − ordered)/diagonal at 25 %, 50 % and 75 % of the data, mean ± SE over replicates: positive means the high-loss (low-reward) seeds produce synthetic examples the student gets wrong more often, i.e. seed difficulty carries over. Cells where the student got no synthetic example right have no defined percentage and are left out (the replicates column counts the rest).");
    let mut header = ["task", "ordering", "iteration", "replicates", "N per cell"]
        .map(String::from)
        .to_vec();
    header.extend(
        C4_FRACTIONS
            .iter()
            .map(|q| format!("% diff at {:.0}%", 100.0 * q)),
    );
    let body = rows
        .iter()
        .map(|c| {
            let mut r = vec![
                c.task.clone(),
                c.ordering.clone(),
                format!("t={}", c.iteration),
                c.cells.to_string(),
                f(c.n_mean, 0),
            ];
            r.extend(c.pct.iter().map(|s| {
                if s.n == 0 {
                    "—".into()
                } else if s.se.is_finite() {
                    format!("{:+.1} ± {:.1}", s.mean, s.se)
                } else {
                    format!("{:+.1} (n={})", s.mean, s.n)
                }
            }));
            r
        })
        .collect();
    d.table(header, body);
    for t in &i.m.tasks {
        figure(d, i.figures, &format!("plots/cumulative_{}", safe(t)));
    }
}
