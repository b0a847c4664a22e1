//! The report's item-level section ([`super::items`]): the final paired differences by
//! test-item difficulty, and how much of their spread a larger test set would remove.

use super::doc::Doc;
use super::items::{DifficultyRow, ItemAnalyses};
use super::section_kit::f;

fn cell(r: &DifficultyRow) -> String {
    match r.ci {
        Some((lo, hi)) => format!("{:+.3} [{lo:+.3}, {hi:+.3}]", r.diff),
        None => format!("{:+.3} (n={})", r.diff, r.pairs),
    }
}

/// Write the section (nothing when the files hold no per-item verdicts at all).
pub fn section(d: &mut Doc, a: &ItemAnalyses) {
    if a.difficulty.is_empty() && a.skipped.is_empty() {
        return;
    }
    d.h(2, "Where the differences come from (test items)");
    let cells = a.difficulty.len();
    d.p(format!("Final-iteration test accuracy, paired by replicate, item by item: `random` against the base student (what the synthetic data adds), and every other strategy against `random`. The first table breaks each paired difference down by the difficulty of the test items (mean over replicates, 95 % t-interval): a strategy can gain on hard items and lose on easy ones while its overall difference is zero. The second says how much of the spread of the overall paired difference between replicates is test-set sampling — each replicate grades its two students on a finite sample of items (per replicate s²/n, s² the variance of the item differences) — which a larger test set would shrink, and how much is variation between trained students and worlds, which only more replicates average out. With few replicates the observed variance is itself uncertain (n − 1 degrees of freedom), so read the share as a rough guide; it can exceed 100 % by chance. The intervals of the first tables are per cell and not adjusted for their number (of these {cells} cells, about {:.1} would exclude 0 by chance alone if nothing differed): read a pattern across difficulty levels, not a single cell; the tested comparisons are the paired tables above.", 0.05 * cells as f64));
    for (task, why) in &a.skipped {
        d.p(format!("Task `{task}`: not computed: {why}."));
    }
    let mut tasks: Vec<&str> = a.difficulty.iter().map(|r| r.task.as_str()).collect();
    tasks.dedup();
    for task in tasks {
        d.h(3, format!("Task `{task}`"));
        let rows: Vec<&DifficultyRow> = a.difficulty.iter().filter(|r| r.task == task).collect();
        let mut levels: Vec<u32> = rows.iter().map(|r| r.difficulty).collect();
        levels.sort_unstable();
        levels.dedup();
        let mut header = vec!["comparison".to_string()];
        header.extend(levels.iter().map(|l| {
            let n = rows
                .iter()
                .find(|r| r.difficulty == *l)
                .map_or(f64::NAN, |r| r.items);
            format!("d={l} (n̄={n:.0})")
        }));
        let mut body = Vec::new();
        let mut comparisons: Vec<(&str, &str)> = Vec::new();
        for r in &rows {
            let c = (r.other.as_str(), r.reference.as_str());
            if !comparisons.contains(&c) {
                comparisons.push(c);
            }
        }
        // One context row per reference (base, random): its accuracy, read from the
        // first comparison against it (every comparison against it carries the same).
        let mut seen: Vec<&str> = Vec::new();
        for (other, reference) in &comparisons {
            if seen.contains(reference) {
                continue;
            }
            seen.push(reference);
            let mut row = vec![format!("accuracy of {reference}")];
            row.extend(levels.iter().map(|l| {
                rows.iter()
                    .find(|r| r.other == *other && r.reference == *reference && r.difficulty == *l)
                    .map_or("—".into(), |r| f(r.reference_acc, 3))
            }));
            body.push(row);
        }
        for (other, reference) in &comparisons {
            let mut row = vec![format!("{other} − {reference}")];
            row.extend(levels.iter().map(|l| {
                rows.iter()
                    .find(|r| r.other == *other && r.reference == *reference && r.difficulty == *l)
                    .map_or("—".into(), |r| cell(r))
            }));
            body.push(row);
        }
        d.table(header, body);
        let sampling: Vec<_> = a.sampling.iter().filter(|r| r.task == task).collect();
        if sampling.is_empty() {
            d.p("Spread not decomposed: it needs at least two replicates.");
            continue;
        }
        let header = [
            "comparison",
            "pairs",
            "test items per replicate",
            "SD of the paired difference",
            "of which test sampling (share of variance)",
            "SD projected with 4× the test items",
        ]
        .map(String::from)
        .to_vec();
        let body = sampling
            .iter()
            .map(|r| {
                vec![
                    format!("{} − {}", r.other, r.reference),
                    r.pairs.to_string(),
                    format!("{:.0}", r.items),
                    f(r.between_var.sqrt(), 4),
                    format!("{:.0} %", 100.0 * r.share()),
                    f(r.projected_sd(4.0), 4),
                ]
            })
            .collect();
        d.table(header, body);
    }
}
