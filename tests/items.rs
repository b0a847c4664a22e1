//! The report's item-level section (`report::items`) on a hand-built results file: the
//! per-item test verdicts survive results.h5, and the paired differences by difficulty
//! and the test-sampling share match an independent numpy/scipy computation.
//!
//! Reference (numpy 2.4.6, scipy 1.17.1), with `diff`, `base`, `rnd`, `hi` the lists
//! below: for each difficulty, per replicate `mean(o[d]) - mean(r[d])`, then its mean and
//! `scipy.stats.t.interval(0.95, n-1, loc=mean, scale=scipy.stats.sem(ds))`; for the
//! spread, `drep = mean(o - r)` per replicate, `between = np.var(drep, ddof=1)`,
//! `sampling = mean(np.var(o - r, ddof=1) / len)`.

mod common;

use activesynth::engine::records::{
    IterationRecord, Outcome, RunKey, RunRecord, RunTiming, Tokens, WorldRecord,
};
use activesynth::output::results::{build, read, write};
use activesynth::report::{write_report, Format, ReportOptions};

const DIFF: [[u32; 6]; 3] = [[1, 1, 2, 2, 3, 3], [1, 2, 2, 3, 3, 3], [1, 1, 1, 2, 3, 3]];
const BASE: [[u8; 6]; 3] = [[1, 0, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0], [1, 1, 0, 1, 0, 0]];
const RND: [[u8; 6]; 3] = [[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 0, 1], [1, 1, 1, 1, 0, 0]];
const HI: [[u8; 6]; 3] = [[1, 0, 1, 1, 1, 0], [0, 1, 1, 1, 1, 0], [1, 0, 1, 1, 1, 0]];

fn bools(v: &[u8]) -> Vec<bool> {
    v.iter().map(|&x| x != 0).collect()
}

fn acc(v: &[u8]) -> f64 {
    v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64
}

fn outcome() -> Outcome {
    let mut worlds = Vec::new();
    let mut runs = Vec::new();
    for rep in 0..3 {
        worlds.push(WorldRecord {
            task: "arith".into(),
            replicate: rep as u32,
            d0_difficulty: vec![1, 2],
            d0_token_hist: vec![1, 1],
            base_test_accuracy: acc(&BASE[rep]),
            base_val_accuracy: 0.5,
            base_by_difficulty: vec![],
            d0_loss_own: vec![],
            d0_correct: vec![],
            test_difficulty: DIFF[rep].to_vec(),
            base_test_correct: bools(&BASE[rep]),
        });
        for (label, fin) in [("random", &RND[rep]), ("hi", &HI[rep])] {
            // Two iterations: the first is a distractor (all wrong); only the final counts.
            let iterations = (0..2u32)
                .map(|t| {
                    let v: Vec<u8> = if t == 1 { fin.to_vec() } else { vec![0; 6] };
                    IterationRecord {
                        iteration: t,
                        train_size: 2 * (t + 1),
                        generated: 2,
                        test_accuracy: acc(&v),
                        test_correct: bools(&v),
                        val_accuracy: 0.5,
                        best_epoch: 1,
                        tokens: Tokens::default(),
                        selected: vec![0, 1],
                        seed_scores: vec![],
                        token_hist: vec![1, 1],
                    }
                })
                .collect();
            runs.push(RunRecord {
                key: RunKey {
                    task: "arith".into(),
                    replicate: rep as u32,
                    strategy: label.into(),
                },
                base_test_accuracy: acc(&BASE[rep]),
                base_val_accuracy: 0.5,
                iterations,
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

fn close(a: f64, b: f64) {
    assert!((a - b).abs() <= 1e-12, "{a} vs {b}");
}

/// The hand-built results file, written under `dir`.
fn fixture(dir: &std::path::Path) -> std::path::PathBuf {
    let scenario = "name = \"items\"\nseed = 1\nreplicates = 3\niterations = 2\nsamples_per_iteration = 2\n\n[[tasks]]\nname = \"arith\"\n\n[[strategies]]\nname = \"random\"\n\n[[strategies]]\nname = \"loss\"\nlabel = \"hi\"\n";
    let labels = ["random".to_string(), "hi".to_string()];
    let b = build(
        scenario,
        "items",
        &["arith".to_string()],
        &labels,
        &["a".to_string(), "b".to_string()],
        &outcome(),
    )
    .unwrap();
    let path = dir.join("results.h5");
    write(&path, &b).unwrap();
    path
}

#[test]
fn item_level_differences_match_numpy() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(dir.path());

    // The verdicts come back as written.
    let back = read(&path).unwrap().outcome;
    assert_eq!(back.worlds[1].test_difficulty, DIFF[1].to_vec());
    assert_eq!(back.worlds[2].base_test_correct, bools(&BASE[2]));
    let hi1 = back
        .runs
        .iter()
        .find(|r| r.key.strategy == "hi" && r.key.replicate == 1)
        .unwrap();
    assert_eq!(hi1.iterations[1].test_correct, bools(&HI[1]));
    assert_eq!(hi1.iterations[0].test_correct, vec![false; 6]);

    let opts = ReportOptions {
        formats: vec![Format::Md],
        plots: false,
        ..Default::default()
    };
    let files = write_report(&[path], &opts).unwrap();
    let st = &files.stats;
    let get = |strategy: &str, setting: &str, stat: &str| {
        st.get("items_difficulty", "arith", strategy, setting, stat)
            .unwrap_or_else(|| panic!("no {strategy} {setting} {stat}"))
    };
    // hi − random, by difficulty: (diff, ci_lo, ci_hi, items, reference accuracy).
    let hi_ref = [
        (
            1,
            -0.6111111111111112,
            -1.472968613201488,
            0.2507463909792659,
            2.0,
            1.0,
        ),
        (
            2,
            0.16666666666666666,
            -0.5504421216249105,
            0.8837754549582437,
            1.6666666666666667,
            0.8333333333333334,
        ),
        (
            3,
            0.3333333333333333,
            -0.3837754549582438,
            1.0504421216249105,
            2.3333333333333335,
            0.2222222222222222,
        ),
    ];
    for (d, diff, lo, hi, items, racc) in hi_ref {
        let s = format!("vs random, d={d}");
        close(get("hi", &s, "diff"), diff);
        close(get("hi", &s, "ci_lo"), lo);
        close(get("hi", &s, "ci_hi"), hi);
        close(get("hi", &s, "items"), items);
        close(get("hi", &s, "reference_accuracy"), racc);
    }
    // random − base.
    let rb_ref = [
        (
            1,
            0.2777777777777778,
            -0.3546527278216822,
            0.9102082833772378,
            0.7222222222222222,
        ),
        (
            2,
            0.16666666666666666,
            -0.5504421216249105,
            0.8837754549582437,
            0.6666666666666666,
        ),
        (
            3,
            0.2222222222222222,
            -0.7339228288332138,
            1.1783672732776582,
            0.0,
        ),
    ];
    for (d, diff, lo, hi, racc) in rb_ref {
        let s = format!("vs base, d={d}");
        close(get("random", &s, "diff"), diff);
        close(get("random", &s, "ci_lo"), lo);
        close(get("random", &s, "ci_hi"), hi);
        close(get("random", &s, "reference_accuracy"), racc);
    }
    let samp = |strategy: &str, setting: &str, stat: &str| {
        st.get("items_sampling", "arith", strategy, setting, stat)
            .unwrap()
    };
    close(samp("hi", "vs random", "between_var"), 0.027777777777777776);
    close(samp("hi", "vs random", "sampling_var"), 0.08518518518518518);
    close(samp("hi", "vs random", "sampling_share"), 3.066666666666667);
    close(
        samp("random", "vs base", "between_var"),
        0.037037037037037035,
    );
    close(
        samp("random", "vs base", "sampling_var"),
        0.03518518518518519,
    );
    close(
        samp("random", "vs base", "sampling_share"),
        0.9500000000000001,
    );

    let md = std::fs::read_to_string(files.markdown.unwrap()).unwrap();
    assert!(md.contains("## Where the differences come from (test items)"));
    // 2 comparisons × 3 difficulty levels, 5 % of them.
    assert!(
        md.contains("of these 6 cells, about 0.3 would exclude 0"),
        "{md}"
    );
    assert!(md.contains("| hi − random | −0.611") || md.contains("| hi − random | -0.611"));
    // Projected SD with 4× the items: sqrt(max(0.0370 − 0.0352, 0) + 0.0352 / 4) = 0.1032.
    assert!(md.contains("0.1032"), "projected SD missing");
}

/// `plan --pilot` on the same file prints the larger-test-set projection from the same
/// split: test-set sampling 0.08519 of a between-replicate variance 0.02778 (the numpy
/// values above, 307 %), so the projected SD is sqrt(max(b − s, 0) + s/k): 0.2064,
/// 0.1459 and 0.0923 for k = 2, 4, 10 (computed by hand from those values).
#[test]
fn plan_projects_larger_test_sets_from_the_item_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(dir.path());
    let text = common::plan_pilot(&path);
    // The pooled SD the projection starts from: sqrt(0.02778) = 0.1667.
    assert!(
        text.contains("pooled SD of paired differences 0.1667"),
        "{text}"
    );
    assert!(
        text.contains("k times the 6 items; test-set sampling is 307 % of the pooled variance"),
        "{text}"
    );
    assert!(text.contains("more than 100 %"), "{text}");
    for (k, items, sd) in [(2, 12, "0.2064"), (4, 24, "0.1459"), (10, 60, "0.0923")] {
        let line = format!("x{k:<3} ({items} items): pooled SD {sd};");
        assert!(text.contains(&line), "missing {line:?} in {text}");
    }
}

#[test]
fn files_without_item_verdicts_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = outcome();
    for w in &mut o.worlds {
        w.test_difficulty.clear();
        w.base_test_correct.clear();
    }
    let scenario = "name = \"items\"\nseed = 1\nreplicates = 3\niterations = 2\nsamples_per_iteration = 2\n\n[[tasks]]\nname = \"arith\"\n\n[[strategies]]\nname = \"random\"\n";
    let b = build(
        scenario,
        "items",
        &["arith".to_string()],
        &["random".to_string(), "hi".to_string()],
        &["a".to_string(), "b".to_string()],
        &o,
    )
    .unwrap();
    let path = dir.path().join("results.h5");
    write(&path, &b).unwrap();
    let opts = ReportOptions {
        plots: false,
        ..Default::default()
    };
    let files = write_report(&[path], &opts).unwrap();
    let md = std::fs::read_to_string(files.markdown.unwrap()).unwrap();
    assert!(md.contains("no per-item test verdicts"), "{md}");
    assert!(files
        .stats
        .rows
        .iter()
        .all(|r| !r.section.starts_with("items")));
}
