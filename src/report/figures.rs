//! The report's plots (SVG + PNG each, through `crate::output::plots`), made to stay
//! readable with a dozen strategies: the headline paired-difference chart (each strategy
//! minus random per iteration, with its 95% t-interval), learning curves as small
//! multiples (one panel per strategy, random in grey, the base dashed) and vs teacher
//! tokens, the win-rate heatmap on a fixed 0–1 scale with the column score apart, the
//! before/after loss scatter and the cumulative-accuracy curves.

use super::analyses::TaskCurves;
use super::inference::{records, CumRow};
use super::merge::Merged;
use crate::output::plots::{
    heatmap_with, interval_chart, line_chart, scatter, small_multiples, HeatmapOptions,
    IntervalSeries, Series,
};
use crate::stats::interval::t_interval;
use crate::stats::spearman::spearman;
use crate::stats::winrate::WinRate;
use crate::stats::Alternative;
use anyhow::Result;
use std::path::{Path, PathBuf};

/// A written plot: its stem relative to the output dir (e.g. `plots/winrate`) and title.
#[derive(Clone, Debug)]
pub struct Figure {
    pub stem: String,
    pub title: String,
}

/// File-name-safe version of a task name.
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

/// Per strategy other than random, its test accuracy minus random's at each iteration,
/// paired on the replicate (both runs share the replicate's world): mean and 95%
/// t-interval. `None` when the scenario has no `random` strategy or nothing else (the
/// chart would be empty).
fn paired_vs_random(m: &Merged, task: &str) -> Option<Vec<IntervalSeries>> {
    let random = m.runs_of(task, "random");
    if random.is_empty() || m.strategies.iter().all(|s| s == "random") {
        return None;
    }
    let mut out = Vec::new();
    for s in m.strategies.iter().filter(|s| s.as_str() != "random") {
        let runs = m.runs_of(task, s);
        let mut series = IntervalSeries {
            label: s.clone(),
            x: Vec::new(),
            y: Vec::new(),
            lo: Vec::new(),
            hi: Vec::new(),
        };
        for k in 0..m.iterations {
            let diffs: Vec<f64> = runs
                .iter()
                .filter_map(|r| {
                    let q = random.iter().find(|q| q.key.replicate == r.key.replicate)?;
                    Some(r.iterations.get(k)?.test_accuracy - q.iterations.get(k)?.test_accuracy)
                })
                .collect();
            let (mean, ci) = t_interval(&diffs);
            let (lo, hi) = ci.unwrap_or((f64::NAN, f64::NAN));
            series.x.push(k as f64);
            series.y.push(mean);
            series.lo.push(lo);
            series.hi.push(hi);
        }
        out.push(series);
    }
    Some(out)
}

/// The learning curves' panels and their grey reference: one panel per strategy other
/// than `random`, which is drawn in grey in every panel; a scenario with `random` alone
/// gets it as its only panel (coloured), not an empty grid.
fn learning_panels(curves: Vec<Series>) -> (Vec<Series>, Option<Series>) {
    let (random, others): (Vec<Series>, Vec<Series>) =
        curves.into_iter().partition(|c| c.label == "random");
    match (random.into_iter().next(), others.is_empty()) {
        (Some(r), true) => (vec![r], None),
        (r, _) => (others, r),
    }
}

/// Write every plot under `out/plots/`; returns them in report order.
pub fn write_all(
    out: &Path,
    m: &Merged,
    curves: &[TaskCurves],
    win: &WinRate,
    cum: &[CumRow],
) -> Result<Vec<Figure>> {
    let dir = out.join("plots");
    std::fs::create_dir_all(&dir)?;
    let mut figs = Vec::new();
    let mut add = |stem: String, title: String| -> PathBuf {
        figs.push(Figure {
            stem: format!("plots/{stem}"),
            title,
        });
        dir.join(stem)
    };
    for tc in curves {
        let t = safe(&tc.task);
        if let Some(series) = paired_vs_random(m, &tc.task) {
            let title = format!(
                "{}: test accuracy minus random, paired by replicate (mean, 95% t-interval)",
                tc.task
            );
            let p = add(format!("paired_{t}"), title.clone());
            let names: Vec<String> = tc
                .mean_size
                .iter()
                .enumerate()
                // Short enough that five iterations' labels do not run into each other.
                .map(|(k, n)| format!("t={k}, n={n:.0}"))
                .collect();
            interval_chart(
                &p,
                &title,
                "iteration t, n = mean synthetic training-set size",
                "accuracy − random's accuracy",
                &series,
                &names,
            )?;
        }
        let by_size: Vec<Series> = tc
            .curves
            .iter()
            .map(|c| Series {
                label: c.label.clone(),
                x: std::iter::once(0.0).chain(c.size.iter().copied()).collect(),
                y: std::iter::once(tc.base.mean)
                    .chain(c.acc.iter().map(|s| s.mean))
                    .collect(),
                err: Some(
                    std::iter::once(tc.base.se)
                        .chain(c.acc.iter().map(|s| s.se))
                        .collect(),
                ),
            })
            .collect();
        let title = format!(
            "{}: test accuracy vs training-set size (mean ± SE, {} replicates)",
            tc.task, tc.replicates
        );
        let p = add(format!("learning_{t}"), title.clone());
        let (panels, random) = learning_panels(by_size);
        small_multiples(
            &p,
            &title,
            "synthetic training-set size (mean over replicates; 0 = the base student)",
            "test accuracy",
            &panels,
            random.as_ref(),
            Some(tc.base.mean).filter(|b| b.is_finite()),
        )?;
        let by_tokens: Vec<Series> = tc
            .curves
            .iter()
            .map(|c| Series {
                label: c.label.clone(),
                x: c.tokens.clone(),
                y: c.acc.iter().map(|s| s.mean).collect(),
                err: Some(c.acc.iter().map(|s| s.se).collect()),
            })
            .collect();
        let title = format!("{}: test accuracy vs teacher tokens (mean ± SE)", tc.task);
        let p = add(format!("learning_tokens_{t}"), title.clone());
        line_chart(
            &p,
            &title,
            "cumulative teacher tokens, input + output (mean)",
            "test accuracy",
            &by_tokens,
            false,
        )?;
    }
    // With one strategy there is nothing to compare: no chart rather than a 1 × 1 grid.
    if m.strategies.len() > 1 {
        let title = "Win rate: P(row beats column) over (task, iteration) settings".to_string();
        let p = add("winrate".into(), title.clone());
        let rows = m.strategies.clone();
        // The diagonal is undefined (a strategy against itself): grey, not a misleading 0.
        let mut values = win.p.clone();
        for (i, row) in values.iter_mut().enumerate() {
            row[i] = f64::NAN;
        }
        // A fixed 0–1 scale: 0.33 must not look like a certain win. The column score is on
        // another scale (lower is better), so it is a separate, uncoloured row.
        let opts = HeatmapOptions {
            range: Some((0.0, 1.0)),
            footer: Some((
                "column score (lower = better)".into(),
                win.column_scores.clone(),
            )),
        };
        let fmt = |v: f64| {
            if v.is_nan() {
                "—".into()
            } else {
                format!("{v:.2}")
            }
        };
        heatmap_with(&p, &title, &rows, &m.strategies, &values, &fmt, &opts)?;
    }
    for task in &m.tasks {
        let recs = records(m, task, None);
        let pts: Vec<(f64, f64)> = recs
            .iter()
            .map(|(_, s)| (s.parent_loss, s.loss))
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .collect();
        if pts.is_empty() {
            continue;
        }
        let (x, y): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
        let note = match spearman(&x, &y, Alternative::TwoSided) {
            Ok(s) => format!(
                "pooled Spearman ρ = {:.3} over n = {} (all cells; per-cell ρ in the report)",
                s.rho, s.n
            ),
            Err(e) => format!("Spearman undefined ({e}), n = {}", x.len()),
        };
        let title = format!(
            "{task}: loss of the seed (before) vs its synthetic child (after), all strategies"
        );
        let p = add(format!("scatter_loss_{}", safe(task)), title.clone());
        scatter(
            &p,
            &title,
            "parent seed loss (before generation)",
            "synthetic example loss (after)",
            &pts,
            &note,
        )?;
    }
    for task in &m.tasks {
        let rows: Vec<&CumRow> = cum.iter().filter(|c| &c.task == task).collect();
        if rows.is_empty() {
            continue;
        }
        let title =
            format!("{task}: cumulative accuracy of random's synthetic data, by parent score");
        let p = add(format!("cumulative_{}", safe(task)), title.clone());
        let grid = super::inference::c4_grid();
        let mut s: Vec<Series> = rows
            .iter()
            .map(|c| Series {
                label: format!("{} (t={})", c.ordering, c.iteration),
                x: grid.clone(),
                y: c.ordered_curve.clone(),
                err: None,
            })
            .collect();
        for c in rows.iter().filter(|c| c.ordering.starts_with("loss")) {
            s.push(Series {
                label: format!("random order (t={})", c.iteration),
                x: grid.clone(),
                y: c.diagonal_curve.clone(),
                err: None,
            });
        }
        line_chart(
            &p,
            &title,
            "fraction of synthetic data seen",
            "cumulative accuracy A(k)",
            &s,
            false,
        )?;
    }
    Ok(figs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(label: &str) -> Series {
        Series {
            label: label.into(),
            x: vec![0.0, 1.0],
            y: vec![0.3, 0.4],
            err: None,
        }
    }

    fn labels(v: &[Series]) -> Vec<&str> {
        v.iter().map(|c| c.label.as_str()).collect()
    }

    #[test]
    fn random_is_the_grey_reference_or_the_only_panel() {
        let (p, r) = learning_panels(vec![s("loss"), s("random"), s("badge")]);
        assert_eq!(labels(&p), ["loss", "badge"]);
        assert_eq!(r.unwrap().label, "random");
        // random alone: its own panel, no reference (the grid was empty before).
        let (p, r) = learning_panels(vec![s("random")]);
        assert_eq!(labels(&p), ["random"]);
        assert!(r.is_none());
        // no random: every strategy a panel, no reference.
        let (p, r) = learning_panels(vec![s("loss"), s("badge")]);
        assert_eq!(labels(&p), ["loss", "badge"]);
        assert!(r.is_none());
    }
}
