//! `run`'s closing summary: for each task, does fine-tuning on synthetic data help?
//! The base student's accuracy, then per strategy its final test accuracy, the paired
//! gain over the base and over `random` (mean and 95% t-interval over replicates, pairs
//! sharing a replicate's world), the teacher tokens spent and a plain verdict. A person
//! never sees `NaN`: with one replicate the spread columns say so instead.

use crate::engine::Outcome;
use crate::runner;
use crate::scenario::Scenario;
use crate::stats::summary::{mean, std_err};

use crate::stats::interval::{t_interval, LEVEL};

/// `+0.012 [-0.020, +0.044]`, or `+0.012 (1 replicate: no SE)`.
fn gain(xs: &[f64]) -> String {
    match t_interval(xs) {
        (m, _) if m.is_nan() => "n/a".into(),
        (m, Some((lo, hi))) => format!("{m:+.3} [{lo:+.3}, {hi:+.3}]"),
        (m, None) => format!("{m:+.3} (1 replicate: no SE)"),
    }
}

/// Reading of a gain interval against zero.
fn verdict(xs: &[f64], what: &str) -> String {
    match t_interval(xs) {
        (_, Some((lo, _))) if lo > 0.0 => format!("better than {what}"),
        (_, Some((_, hi))) if hi < 0.0 => format!("worse than {what}"),
        (_, Some(_)) => format!("no clear difference from {what}"),
        (m, None) if m.is_nan() => "n/a".into(),
        (_, None) => "undecided (1 replicate)".into(),
    }
}

/// `0.190 ± 0.010` (SE), or `0.190 (1 replicate: no SE)`.
fn acc(xs: &[f64]) -> String {
    let m = mean(xs);
    if m.is_nan() {
        "n/a".into()
    } else if xs.len() < 2 {
        format!("{m:.3} (no SE)")
    } else {
        format!("{m:.3} ± {:.3}", std_err(xs))
    }
}

/// The summary text (see the module doc).
pub fn table(scn: &Scenario, outcome: &Outcome) -> String {
    let labels = runner::strategy_labels(scn);
    let width = labels.iter().map(|l| l.len()).max().unwrap_or(8).max(8);
    let reps = scn.replicates;
    let mut s = String::new();
    for task in &scn.tasks {
        let base: Vec<(u32, f64)> = outcome
            .worlds
            .iter()
            .filter(|w| w.task == task.name)
            .map(|w| (w.replicate, w.base_test_accuracy))
            .collect();
        let finals = |label: &str| -> Vec<(u32, f64)> {
            outcome
                .runs
                .iter()
                .filter(|r| r.key.task == task.name && r.key.strategy == label)
                .filter_map(|r| {
                    r.iterations
                        .last()
                        .map(|i| (r.key.replicate, i.test_accuracy))
                })
                .collect()
        };
        // Differences of two per-replicate series, paired on the replicate.
        let paired = |a: &[(u32, f64)], b: &[(u32, f64)]| -> Vec<f64> {
            a.iter()
                .filter_map(|(r, x)| b.iter().find(|(q, _)| q == r).map(|(_, y)| x - y))
                .collect()
        };
        let random = labels
            .iter()
            .find(|l| l.as_str() == "random")
            .map(|l| finals(l));
        let spread = if reps < 2 {
            "1 replicate: no SE or interval".to_string()
        } else {
            format!(
                "mean ± SE; gains paired by replicate, {:.0}% t-interval",
                LEVEL * 100.0
            )
        };
        s.push_str(&format!(
            "task {}: test accuracy after {} iterations of {} samples, {} replicate{} ({spread})\n",
            task.name,
            scn.iterations,
            task.samples_per_iteration(scn.samples_per_iteration),
            reps,
            if reps == 1 { "" } else { "s" },
        ));
        let rows: Vec<[String; 6]> = std::iter::once([
            "base (no synthetic)".to_string(),
            acc(&base.iter().map(|x| x.1).collect::<Vec<_>>()),
            "".into(),
            "".into(),
            "0".into(),
            "".into(),
        ])
        .chain(labels.iter().map(|l| {
            let f = finals(l);
            let tokens: Vec<f64> = outcome
                .runs
                .iter()
                .filter(|r| r.key.task == task.name && &r.key.strategy == l)
                .filter_map(|r| r.iterations.last())
                .map(|i| (i.tokens.input + i.tokens.output) as f64)
                .collect();
            let vs_base = paired(&f, &base);
            let vs_random = match &random {
                Some(rf) if l != "random" => gain(&paired(&f, rf)),
                _ => String::new(),
            };
            let tok = mean(&tokens);
            [
                l.clone(),
                acc(&f.iter().map(|x| x.1).collect::<Vec<_>>()),
                gain(&vs_base),
                vs_random,
                if tok.is_nan() {
                    "n/a".into()
                } else {
                    format!("{tok:.0}")
                },
                verdict(&vs_base, "base"),
            ]
        }))
        .collect();
        let head = [
            "strategy",
            "final test acc",
            "gain vs base",
            "gain vs random",
            "teacher tokens",
            "did it help?",
        ];
        let mut w = head.map(|h| h.chars().count());
        w[0] = w[0].max(width);
        for r in &rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let line = |cells: &[String]| -> String {
            let mut out = String::new();
            for (i, c) in cells.iter().enumerate() {
                let pad = w[i].saturating_sub(c.chars().count());
                if i == 4 {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(c);
                } else {
                    out.push_str(c);
                    if i + 1 < cells.len() {
                        out.push_str(&" ".repeat(pad));
                    }
                }
                if i + 1 < cells.len() {
                    out.push_str("  ");
                }
            }
            out.trim_end().to_string() + "\n"
        };
        s.push_str(&line(&head.map(String::from)));
        for r in &rows {
            s.push_str(&line(r));
        }
        // The one-sentence answer: the best strategy against the base.
        let best = labels
            .iter()
            .map(|l| (l, t_interval(&paired(&finals(l), &base))))
            .filter(|(_, (m, _))| m.is_finite())
            .max_by(|a, b| a.1 .0.total_cmp(&b.1 .0));
        if let Some((l, (m, ci))) = best {
            let reading = match ci {
                Some((lo, _)) if lo > 0.0 => "yes: the best gain's interval is above 0",
                Some((_, hi)) if hi < 0.0 => "no: even the best strategy is clearly below the base",
                Some(_) if m < 0.0 => {
                    "no: every strategy ends below the base on average, none clearly"
                }
                Some(_) => "not clearly: the best gain's interval includes 0",
                None => "undecided with 1 replicate",
            };
            s.push_str(&format!(
                "did it help? {reading}; best: {l}, {m:+.3} vs the base\n"
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::records::{
        IterationRecord, RunKey, RunRecord, RunTiming, Tokens, WorldRecord,
    };

    fn scenario(replicates: u32) -> Scenario {
        crate::scenario::parse(
            &format!(
                "name = \"s\"\nreplicates = {replicates}\niterations = 1\n\
                 samples_per_iteration = 10\n[[tasks]]\nname = \"arith\"\nseed_size = 50\n\
                 [[strategies]]\nname = \"random\"\n[[strategies]]\nname = \"incorrect\"\n"
            ),
            "s.toml",
        )
        .unwrap()
        .resolved()
    }

    /// Worlds with these base accuracies and runs ending at these accuracies.
    fn outcome(base: &[f64], finals: &[(&str, Vec<f64>)]) -> Outcome {
        let worlds = base
            .iter()
            .enumerate()
            .map(|(r, &b)| WorldRecord {
                task: "arith".into(),
                replicate: r as u32,
                d0_difficulty: vec![],
                d0_token_hist: vec![],
                base_test_accuracy: b,
                base_val_accuracy: b,
                base_by_difficulty: vec![],
                d0_loss_own: vec![],
                d0_correct: vec![],
                test_difficulty: vec![],
                base_test_correct: vec![],
            })
            .collect();
        let mut runs = Vec::new();
        for (label, accs) in finals {
            for (r, &a) in accs.iter().enumerate() {
                runs.push(RunRecord {
                    key: RunKey {
                        task: "arith".into(),
                        replicate: r as u32,
                        strategy: label.to_string(),
                    },
                    base_test_accuracy: base[r],
                    base_val_accuracy: base[r],
                    iterations: vec![IterationRecord {
                        iteration: 0,
                        train_size: 10,
                        generated: 10,
                        test_accuracy: a,
                        test_correct: vec![],
                        val_accuracy: a,
                        best_epoch: 1,
                        tokens: Tokens {
                            input: 1000,
                            output: 500,
                            ..Default::default()
                        },
                        selected: vec![],
                        seed_scores: vec![],
                        token_hist: vec![],
                    }],
                    synthetic: vec![],
                    timing: RunTiming::default(),
                });
            }
        }
        Outcome {
            worlds,
            runs,
            resumed: 0,
        }
    }

    #[test]
    fn paired_gains_match_scipy() {
        let o = outcome(
            &[0.5, 0.6],
            &[("random", vec![0.55, 0.7]), ("incorrect", vec![0.55, 0.68])],
        );
        let t = table(&scenario(2), &o);
        // random − base = [0.05, 0.1]: scipy.stats.t.interval(0.95, 1, loc=0.075,
        // scale=sem) = (-0.2426551184, 0.3926551184).
        assert!(t.contains("+0.075 [-0.243, +0.393]"), "{t}");
        // incorrect − random = [0.0, -0.02]: (-0.1370620474, 0.1170620474).
        assert!(t.contains("-0.010 [-0.137, +0.117]"), "{t}");
        assert!(t.contains("base (no synthetic)  0.550 ± 0.050"), "{t}");
        assert!(t.contains("no clear difference from base"), "{t}");
        assert!(t.contains("1500"), "teacher tokens: {t}");
        assert!(!t.contains("NaN"), "{t}");
    }

    #[test]
    fn one_replicate_table_has_no_nan() {
        let o = outcome(&[0.5], &[("random", vec![0.4]), ("incorrect", vec![0.45])]);
        let t = table(&scenario(1), &o);
        assert!(!t.contains("NaN"), "{t}");
        assert!(t.contains("1 replicate: no SE or interval"), "{t}");
        assert!(t.contains("-0.100 (1 replicate: no SE)"), "{t}");
        assert!(t.contains("did it help? undecided with 1 replicate"), "{t}");
    }

    #[test]
    fn one_replicate_shows_no_nan() {
        assert_eq!(gain(&[0.05]), "+0.050 (1 replicate: no SE)");
        assert_eq!(acc(&[0.5]), "0.500 (no SE)");
        assert_eq!(verdict(&[0.05], "base"), "undecided (1 replicate)");
        assert_eq!(verdict(&[0.1, 0.2, 0.15], "base"), "better than base");
        assert_eq!(verdict(&[-0.1, -0.2, -0.15], "base"), "worse than base");
        assert_eq!(
            verdict(&[-0.1, 0.2, 0.0], "random"),
            "no clear difference from random"
        );
    }
}
