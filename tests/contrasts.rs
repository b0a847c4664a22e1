//! Per-task paired comparisons and variant contrasts of the report on a hand-made results
//! file with two tasks, three replicates and three strategies (random, loss-own-high and
//! its softmax variant). Reference values from scipy 1.17.1 and statsmodels:
//!
//! ```python
//! from scipy import stats; from statsmodels.stats.multitest import multipletests
//! stats.ttest_rel(x, y).pvalue             # per (task, comparison)
//! multipletests(ps, method="holm")[1]      # over the table's rows
//! ```

use activesynth::engine::records::{
    IterationRecord, Outcome, RunKey, RunRecord, RunTiming, Tokens, WorldRecord,
};
use activesynth::output::results::{build, write};
use activesynth::report::contrasts::{per_task_vs_random, variants, ContrastRow};
use activesynth::report::files::Stats;
use activesynth::report::merge;

const TASKS: [&str; 2] = ["arith", "logic"];
const LABELS: [&str; 3] = ["random", "loss-own-high", "loss-own-high-softmax"];

/// Final test accuracy by task, strategy (LABELS order) and replicate.
fn final_acc(task: usize, s: usize) -> [f64; 3] {
    [
        [[0.30, 0.35, 0.40], [0.33, 0.36, 0.45], [0.31, 0.40, 0.46]],
        [[0.50, 0.52, 0.55], [0.49, 0.50, 0.56], [0.55, 0.51, 0.60]],
    ][task][s]
}

fn outcome() -> Outcome {
    let (mut worlds, mut runs) = (Vec::new(), Vec::new());
    for (ti, task) in TASKS.iter().enumerate() {
        for r in 0..3u32 {
            worlds.push(WorldRecord {
                task: task.to_string(),
                replicate: r,
                d0_difficulty: vec![1; 4],
                d0_token_hist: vec![1, 1, 0, 0],
                base_test_accuracy: 0.2,
                base_val_accuracy: 0.2,
                base_by_difficulty: vec![(1, 10, 2)],
                d0_loss_own: vec![],
                d0_correct: vec![],
                test_difficulty: vec![],
                base_test_correct: vec![],
            });
            for (si, label) in LABELS.iter().enumerate() {
                // Two iterations: the first is a distractor, only the last counts.
                let iterations = (0..2u32)
                    .map(|t| IterationRecord {
                        iteration: t,
                        train_size: 4 * (t + 1),
                        generated: 4,
                        test_accuracy: if t == 1 {
                            final_acc(ti, si)[r as usize]
                        } else {
                            0.9
                        },
                        test_correct: vec![],
                        val_accuracy: 0.2,
                        best_epoch: 1,
                        tokens: Tokens::default(),
                        selected: vec![0, 1, 2, 3],
                        seed_scores: vec![],
                        token_hist: vec![1, 1, 1, 1],
                    })
                    .collect();
                runs.push(RunRecord {
                    key: RunKey {
                        task: task.to_string(),
                        replicate: r,
                        strategy: label.to_string(),
                    },
                    base_test_accuracy: 0.2,
                    base_val_accuracy: 0.2,
                    iterations,
                    synthetic: vec![],
                    timing: RunTiming::default(),
                });
            }
        }
    }
    Outcome {
        worlds,
        runs,
        resumed: 0,
    }
}

fn load() -> (tempfile::TempDir, merge::Merged) {
    load_with(outcome())
}

fn load_with(outcome: Outcome) -> (tempfile::TempDir, merge::Merged) {
    let scn =
        "name = \"ct\"\nseed = 3\nreplicates = 3\niterations = 2\nsamples_per_iteration = 4\n\n\
        [[tasks]]\nname = \"arith\"\n\n[[tasks]]\nname = \"logic\"\n\n\
        [[strategies]]\nname = \"random\"\n\n[[strategies]]\nname = \"loss\"\n\n\
        [[strategies]]\nname = \"loss\"\nmode = \"softmax\"\n";
    let tasks: Vec<String> = TASKS.map(String::from).to_vec();
    let labels: Vec<String> = LABELS.map(String::from).to_vec();
    let vocab: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
    let b = build(scn, "ct", &tasks, &labels, &vocab, &outcome).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("results.h5");
    write(&p, &b).unwrap();
    let m = merge::load(&[p]).unwrap();
    (dir, m)
}

/// The markdown report of the file `load` wrote (no plots).
fn report_md(dir: &tempfile::TempDir) -> String {
    let out = dir.path().join("rep");
    let opts = activesynth::report::ReportOptions {
        out_dir: Some(out.clone()),
        plots: false,
        ..Default::default()
    };
    activesynth::report::write_report(&[dir.path().join("results.h5")], &opts).unwrap();
    std::fs::read_to_string(out.join("report.md")).unwrap()
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-9, "{what}: {a} vs reference {b}");
}

/// (task, other, reference, mean diff, paired t p, Holm p) against scipy/statsmodels.
fn check(rows: &[ContrastRow], want: &[(&str, &str, &str, f64, f64, f64)]) {
    assert_eq!(rows.len(), want.len());
    for (r, &(task, other, reference, mean, p, holm)) in rows.iter().zip(want) {
        assert_eq!((r.task.as_str(), r.other.as_str()), (task, other));
        assert_eq!(r.reference, reference);
        let a = r.analysis.as_ref().unwrap();
        assert_eq!(a.n, 3, "{task} {other}");
        close(a.mean, mean, "mean diff");
        close(a.t.as_ref().unwrap().p_value, p, "paired t p");
        close(r.holm_t, holm, "Holm p");
    }
}

#[test]
fn per_task_comparisons_match_scipy_and_holm_covers_every_row() {
    let (_dir, m) = load();
    let mut stats = Stats::default();
    let rows = per_task_vs_random(&m, &mut stats).unwrap();
    check(
        &rows,
        &[
            (
                "arith",
                "loss-own-high",
                "random",
                0.03,
                0.12168993434631997,
                0.4804692394875208,
            ),
            (
                "arith",
                "loss-own-high-softmax",
                "random",
                0.04,
                0.1201173098718802,
                0.4804692394875208,
            ),
            (
                "logic",
                "loss-own-high",
                "random",
                -0.006666666666666672,
                0.5285954792089683,
                0.5447862497820025,
            ),
            (
                "logic",
                "loss-own-high-softmax",
                "random",
                0.03,
                0.27239312489100126,
                0.5447862497820025,
            ),
        ],
    );
    // All three arith differences of loss-own-high are positive: exact p = 2/8.
    close(
        rows[0]
            .analysis
            .as_ref()
            .unwrap()
            .sign_flip
            .unwrap()
            .p_value,
        0.25,
        "sign flip",
    );
    let got = stats
        .get(
            "paired_task",
            "logic",
            "loss-own-high",
            "final: loss-own-high − random",
            "mean_diff",
        )
        .unwrap();
    close(got, -0.006666666666666672, "stats row");
}

#[test]
fn the_softmax_variant_is_contrasted_with_its_argmax_twin_per_task() {
    let (_dir, m) = load();
    let mut stats = Stats::default();
    let rows = variants(&m, &mut stats).unwrap();
    check(
        &rows,
        &[
            (
                "arith",
                "loss-own-high-softmax",
                "loss-own-high",
                0.01,
                0.6220355269907728,
                0.6220355269907728,
            ),
            (
                "logic",
                "loss-own-high-softmax",
                "loss-own-high",
                0.03666666666666666,
                0.12764325571004165,
                0.2552865114200833,
            ),
        ],
    );
    assert_eq!(rows[0].change, "mode: argmax → softmax (T = 1)");
}

#[test]
fn the_report_shows_both_sections() {
    let (dir, m) = load();
    drop(m);
    let md = report_md(&dir);
    assert!(md.contains("## Paired comparisons vs random, per task"));
    assert!(md.contains(
        "| loss-own-high-softmax − loss-own-high (mode: argmax → softmax (T = 1)) | 3 |"
    ));
}

/// A shard's file lists every task of the scenario but holds runs of some only: the
/// tasks without runs give no rows and do not enlarge the Holm family.
#[test]
fn tasks_without_runs_are_left_out_of_the_family() {
    let mut o = outcome();
    o.runs.retain(|r| r.key.task == "arith");
    let (_dir, m) = load_with(o);
    let mut stats = Stats::default();
    let rows = variants(&m, &mut stats).unwrap();
    assert_eq!(rows.len(), 1);
    // Alone in its family, Holm leaves the p unchanged (scipy: 0.6220355269907728).
    close(
        rows[0].holm_t,
        0.6220355269907728,
        "Holm of a family of one",
    );
    let rows = per_task_vs_random(&m, &mut stats).unwrap();
    assert_eq!(rows.len(), 2);
    // Two rows: statsmodels' Holm of (0.12168993434631997, 0.1201173098718802).
    close(rows[0].holm_t, 0.2402346197437604, "Holm of the arith pair");
}

/// A variant that ties its reference in every replicate is reported as identical, not as a
/// "constant difference" at the exact test's floor (its exact p is 1).
#[test]
fn identical_pairs_are_called_identical() {
    let mut o = outcome();
    for run in o.runs.iter_mut() {
        if run.key.strategy == "loss-own-high-softmax" {
            let ti = TASKS.iter().position(|t| *t == run.key.task).unwrap();
            let last = run.iterations.last_mut().unwrap();
            last.test_accuracy = final_acc(ti, 1)[run.key.replicate as usize];
        }
    }
    let (dir, m) = load_with(o);
    let mut stats = Stats::default();
    let rows = variants(&m, &mut stats).unwrap();
    let a = rows[0].analysis.as_ref().unwrap();
    assert_eq!((a.constant, a.sign_flip.unwrap().p_value), (Some(0.0), 1.0));
    drop(m);
    let md = report_md(&dir);
    assert!(md.contains("identical in all 3 pairs (difference 0): no evidence either way"));
    assert!(!md.contains("constant difference +0.0000"));
}
