//! World checks W0–W5 (`docs/world-checks.md`) on a hand-made results file with known
//! values. The reference numbers come from `tests/data/world_checks_reference.py`
//! (scipy 1.17.1, scikit-learn 1.9.1, brute force over tie orders), which rebuilds the
//! same data from the same integer formulas; the tests do not call Python.

use activesynth::engine::records::{
    IterationRecord, Outcome, RunKey, RunRecord, RunTiming, SyntheticRecord, Tokens, WorldRecord,
};
use activesynth::output::results::{build, write};
use activesynth::report::files::Stats;
use activesynth::report::world::{compute, Verdict};
use activesynth::report::{merge, write_report, ReportOptions};
use std::path::{Path, PathBuf};

const REPS: u32 = 3;
const T: u32 = 2;
const N: usize = 10;
const BASE: [f64; 3] = [0.30, 0.32, 0.28];
const FACTOR: [f64; 6] = [0.1, 1.0, 3.0, 0.2, 2.0, 0.5];
/// Median cell ρ of `an_underpowered_w4b_says_it_lacks_power`'s weak children (scipy).
const W4A_WEAK: f64 = 0.2613993837824278;

fn acc(strategy: &str) -> [[f64; 2]; 3] {
    match strategy {
        "random" => [[0.35, 0.40], [0.36, 0.35], [0.31, 0.36]],
        _ => [[0.40, 0.95], [0.41, 0.93], [0.33, 0.91]],
    }
}

/// Parent loss, child loss and child correctness of one cell (python's `cell`).
fn cell(si: usize, r: usize, t: usize) -> (Vec<f64>, Vec<f64>, Vec<bool>) {
    let (mut pl, mut cl, mut ok) = (Vec::new(), Vec::new(), Vec::new());
    for j in 0..N {
        let mut p = ((j * 7 + 3 * r + 5 * t + 11 * si) % 13) as f64 / 4.0;
        if j == N - 1 {
            p = pl[0];
        }
        let f = FACTOR[(r * T as usize + t + si) % 6];
        let k = ((j * 5 + r + t + si) % 7) as f64;
        pl.push(p);
        cl.push(p * 0.5 + k / 10.0 * f);
        ok.push(if p < 1.5 {
            !(j * 3 + r + 2 * t + si).is_multiple_of(4)
        } else {
            (j + r + t).is_multiple_of(5)
        });
    }
    (pl, cl, ok)
}

/// The base student's loss_own and correctness on an 8-seed D0 (python's `d0`).
fn d0(r: usize) -> (Vec<f64>, Vec<bool>) {
    let loss = (0..8).map(|i| ((i * 3 + r) % 5) as f64 / 2.0).collect();
    let correct = (0..8).map(|i| (i * 3 + r) % 5 < 2 || i == r).collect();
    (loss, correct)
}

fn outcome(task: &str, strategies: &[&str]) -> Outcome {
    let mut worlds = Vec::new();
    let mut runs = Vec::new();
    for (r, &base) in BASE.iter().enumerate() {
        let (loss, correct) = d0(r);
        // Replicate 2 is an "old file" world: W3 must fall back to a strategy's t=0 scores.
        let old = r == 2;
        worlds.push(WorldRecord {
            task: task.into(),
            replicate: r as u32,
            d0_difficulty: vec![1; 8],
            d0_token_hist: vec![1, 1, 0, 0],
            base_test_accuracy: base,
            base_val_accuracy: base,
            base_by_difficulty: vec![(1, 10, 3)],
            d0_loss_own: if old { vec![] } else { loss.clone() },
            d0_correct: if old { vec![] } else { correct.clone() },
            test_difficulty: vec![],
            base_test_correct: vec![],
        });
        for s in strategies {
            let si = usize::from(*s != "random");
            let mut iterations = Vec::new();
            let mut synthetic = Vec::new();
            for t in 0..T as usize {
                let seed_scores = if *s == "loss" {
                    vec![
                        (
                            "correct".to_string(),
                            correct.iter().map(|c| f64::from(u8::from(*c))).collect(),
                        ),
                        ("loss_own".to_string(), loss.clone()),
                    ]
                } else {
                    vec![]
                };
                iterations.push(IterationRecord {
                    iteration: t as u32,
                    train_size: 10 * (t as u32 + 1),
                    generated: N as u32,
                    test_accuracy: acc(s)[r][t],
                    test_correct: vec![],
                    val_accuracy: acc(s)[r][t],
                    best_epoch: 1,
                    tokens: Tokens::default(),
                    selected: (0..N as u32).map(|i| i % 8).collect(),
                    seed_scores,
                    token_hist: vec![1, 1, 1, 1],
                });
                let (pl, cl, ok) = cell(si, r, t);
                for j in 0..N {
                    synthetic.push(SyntheticRecord {
                        iteration: t as u32,
                        parent: (j % 8) as u32,
                        attempts: 1,
                        dedup_score: 0.0,
                        verified: true,
                        difficulty: 1,
                        parent_loss: pl[j],
                        parent_reward: 0.0,
                        parent_correct: false,
                        loss: cl[j],
                        reward: 0.0,
                        correct: ok[j],
                        question: format!("q {r} {t} {j} {s}"),
                        answer: "1".into(),
                    });
                }
            }
            runs.push(RunRecord {
                key: RunKey {
                    task: task.into(),
                    replicate: r as u32,
                    strategy: s.to_string(),
                },
                base_test_accuracy: base,
                base_val_accuracy: base,
                iterations,
                synthetic,
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

fn write_fixture(dir: &Path, strategies: &[&str]) -> PathBuf {
    write_task_fixture(dir, "arith", strategies)
}

fn write_task_fixture(dir: &Path, task: &str, strategies: &[&str]) -> PathBuf {
    write_outcome(dir, task, strategies, &outcome(task, strategies))
}

fn write_outcome(dir: &Path, task: &str, strategies: &[&str], outcome: &Outcome) -> PathBuf {
    write_outcome_with(dir, task, "", strategies, outcome)
}

/// `write_outcome` with more keys in the task's `[[tasks]]` entry (`task_keys`).
fn write_outcome_with(
    dir: &Path,
    task: &str,
    task_keys: &str,
    strategies: &[&str],
    outcome: &Outcome,
) -> PathBuf {
    let mut scn = format!(
        "name = \"wc\"\nseed = 3\nreplicates = {REPS}\niterations = {T}\nsamples_per_iteration = {N}\n\n[[tasks]]\nname = \"{task}\"\n{task_keys}"
    );
    for s in strategies {
        scn.push_str(&format!(
            "\n[[strategies]]\nname = \"{s}\"\nlabel = \"{s}\"\n"
        ));
    }
    let labels: Vec<String> = strategies.iter().map(|s| s.to_string()).collect();
    let vocab: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
    let b = build(&scn, "wc", &[task.to_string()], &labels, &vocab, outcome).unwrap();
    let p = dir.join("results.h5");
    write(&p, &b).unwrap();
    p
}

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs reference {b}");
}

fn row(stats: &Stats, check: &str, stat: &str) -> f64 {
    stats
        .get("world_checks", "arith", "all", check, stat)
        .unwrap_or_else(|| panic!("no row {check}/{stat}"))
}

#[test]
fn headroom_is_measured_above_what_guessing_scores() {
    // The same file as below with the task renamed `logic` (True/False answers): the
    // mean base accuracy 0.30 is (0.30 − 0.5) / (1 − 0.5) = −0.4 above chance, a student
    // worse than a coin, so W2a fails low; for `arith` (open answers) it is 0.30.
    let dir = tempfile::tempdir().unwrap();
    let h5 = write_task_fixture(dir.path(), "logic", &["random", "loss"]);
    let m = merge::load(&[h5]).unwrap();
    let mut stats = Stats::default();
    let tc = &compute(&m, &[], &mut stats)[0];
    let w2a = tc.checks.iter().find(|c| c.id == "W2a").unwrap();
    close(w2a.value, -0.4, 1e-12, "W2a logic");
    assert_eq!(w2a.pass, Some(false));
    assert!(
        w2a.detail.contains("raw accuracy 0.3000, chance 0.5"),
        "{}",
        w2a.detail
    );
    assert!(w2a.meaning.contains("barely solves"), "{}", w2a.meaning);
    let v = stats
        .get("world_checks", "logic", "all", "W2a", "value")
        .unwrap();
    close(v, -0.4, 1e-12, "W2a logic in stats");
}

#[test]
fn every_check_matches_the_independent_reference() {
    let dir = tempfile::tempdir().unwrap();
    let h5 = write_fixture(dir.path(), &["random", "loss"]);
    let m = merge::load(&[h5]).unwrap();
    let mut stats = Stats::default();
    let tc = &compute(&m, &[], &mut stats)[0];
    let v = |id: &str| row(&stats, id, "value");
    let pass = |id: &str| row(&stats, id, "pass");

    // W1a: gains [0.05, 0.04, 0.03]; scipy t.interval(0.95, 2, 0.04, SE) =
    // (0.015158622882496656, 0.0648413771175033): above 0, pass.
    close(v("W1a"), 0.04, 1e-12, "W1a");
    // W0: m = N = 10 seeds per iteration of the default |D0| = 1000.
    close(v("W0"), 0.01, 1e-15, "W0");
    assert_eq!(pass("W0"), 1.0);
    let w0 = &tc.checks[0];
    assert_eq!(w0.id, "W0");
    assert!(
        w0.detail
            .contains("m = 10 seeds selected per iteration of |D0| = 1000"),
        "{}",
        w0.detail
    );
    let w1a = tc.checks.iter().find(|c| c.id == "W1a").unwrap();
    assert!(w1a.detail.contains("[+0.0152, +0.0648]"), "{}", w1a.detail);
    assert_eq!(pass("W1a"), 1.0);
    // W1b: mean of last − first = 0.03.
    close(v("W1b"), 0.03, 1e-12, "W1b");
    assert_eq!(pass("W1b"), 1.0);
    // W2a: mean base 0.30, pass; W2b: `loss` final mean 0.93 > 0.90, fail.
    close(v("W2a"), 0.3, 1e-12, "W2a");
    assert_eq!(pass("W2a"), 1.0);
    close(v("W2b"), 0.93, 1e-12, "W2b");
    assert_eq!(pass("W2b"), 0.0);
    // W3: sklearn roc_auc_score per replicate [1.0, 0.78125, 0.84375] (replicate 2 from
    // the `loss` strategy's t=0 scores), mean 0.875.
    close(v("W3"), 0.875, 1e-12, "W3");
    assert_eq!(pass("W3"), 1.0);
    let w3 = tc.checks.iter().find(|c| c.id == "W3").unwrap();
    assert!(
        w3.detail.contains("world record") && w3.detail.contains("`loss` t=0 scores"),
        "{}",
        w3.detail
    );
    assert!(w3.detail.contains("1.000, 0.781, 0.844"), "{}", w3.detail);
    // W4a: scipy spearmanr per random cell [0.997, 0.9423, 0.8389, 0.997, 0.6626,
    // 0.9726]; median 0.9574512312961018 > 0.7: fail (children copy their parents).
    close(v("W4a"), 0.9574512312961018, 1e-12, "W4a");
    assert_eq!(pass("W4a"), 0.0);
    // W4b: p = [3.7e-10, 4.5e-05, 2.4e-03, 3.7e-10, 3.7e-02, 2.4e-06]: 4 of 6 < 0.001.
    close(v("W4b"), 4.0 / 6.0, 1e-12, "W4b");
    assert_eq!(pass("W4b"), 1.0);
    // The bound a cell of 10 children must pass: scipy t.isf(0.0005, 8) / sqrt(8 + t²).
    let w4b = tc.checks.iter().find(|c| c.id == "W4b").unwrap();
    assert!(
        w4b.detail.contains("4 of 6 cells with p < 0.001")
            && w4b
                .detail
                .contains("median 10 children reaches it only for |ρ| ≥ 0.872"),
        "{}",
        w4b.detail
    );
    // W4c: spearmanr of the 12 cell medians (both strategies) = 0.31435789657976626.
    close(v("W4c"), 0.31435789657976626, 1e-12, "W4c");
    assert_eq!(pass("W4c"), 0.0);
    // W5: brute force over tie orders, per cell [0.035, 0.11, 0.095, 0.025, 0.075,
    // −0.01], mean 0.055 > 0; required for arith.
    close(v("W5"), 0.055, 1e-12, "W5");
    assert_eq!(pass("W5"), 1.0);
    assert_eq!(row(&stats, "W5", "required"), 1.0);

    // Thresholds travel with the values.
    assert_eq!(row(&stats, "W2a", "threshold_low"), 0.15);
    assert_eq!(row(&stats, "W2a", "threshold_high"), 0.60);
    assert_eq!(row(&stats, "W2b", "threshold_high"), 0.90);
    // Failed checks carry a sentence on what they mean; passed ones do not.
    for c in &tc.checks {
        assert_eq!(
            c.meaning.is_empty(),
            c.pass != Some(false),
            "{}: {:?}",
            c.id,
            c.meaning
        );
    }
    assert!(tc
        .checks
        .iter()
        .find(|c| c.id == "W4a")
        .unwrap()
        .meaning
        .contains("copy"));
    assert_eq!(tc.verdict(), Verdict::CannotRank);
    assert_eq!(row(&stats, "verdict", "can_rank"), 0.0);
    assert_eq!(
        tc.line(),
        "world checks arith: 7/10 required pass; fail W2b = 0.930, W4a = 0.957, W4c = 0.314 -> this world cannot rank strategies"
    );
}

/// A W4b that fails because its cells are too small to show p < 0.001 says so, instead of
/// reading the failure as absent inheritance.
#[test]
fn an_underpowered_w4b_says_it_lacks_power() {
    let dir = tempfile::tempdir().unwrap();
    let mut out = outcome("arith", &["random"]);
    // Child losses that follow their parent's only weakly: scipy spearmanr per cell
    // ρ = [0.474, 0.292, 0.231, 0.413, −0.012, −0.073], p ≥ 0.166 in all, median ρ
    // 0.2613993837824278, under 0.872, the bound for 10 pairs.
    for run in &mut out.runs {
        for (j, rec) in run.synthetic.iter_mut().enumerate() {
            rec.loss =
                ((j * 7 + run.key.replicate as usize * 3) % 10) as f64 + 0.05 * rec.parent_loss;
        }
    }
    let h5 = write_outcome(dir.path(), "arith", &["random"], &out);
    let m = merge::load(&[h5]).unwrap();
    let mut stats = Stats::default();
    let tc = &compute(&m, &[], &mut stats)[0];
    assert_eq!(row(&stats, "W4b", "value"), 0.0);
    assert_eq!(row(&stats, "W4b", "pass"), 0.0);
    let w4b = tc.checks.iter().find(|c| c.id == "W4b").unwrap();
    assert!(
        w4b.meaning
            .starts_with("Cells of 10 children cannot show p < 0.001 unless |ρ| ≥ 0.87"),
        "{}",
        w4b.meaning
    );
    close(row(&stats, "W4a", "value"), W4A_WEAK, 1e-12, "W4a");
}

#[test]
fn the_report_opens_with_the_world_checks_and_the_stats_files_hold_them() {
    let dir = tempfile::tempdir().unwrap();
    let h5 = write_fixture(dir.path(), &["random", "loss"]);
    let opts = ReportOptions {
        out_dir: Some(dir.path().join("rep")),
        plots: false,
        ..Default::default()
    };
    let files = write_report(&[h5], &opts).unwrap();
    let md = std::fs::read_to_string(files.markdown.unwrap()).unwrap();
    let first_h2 = md.lines().find(|l| l.starts_with("## ")).unwrap();
    assert_eq!(first_h2, "## Can this world rank strategies?");
    assert!(md.find("Can this world").unwrap() < md.find("## Scenario").unwrap());
    assert!(md.contains(
        "**This world cannot rank strategies.** Failing required checks: W2b, W4a, W4c."
    ));
    let csv = std::fs::read_to_string(&files.stats_csv).unwrap();
    assert!(
        csv.contains("world_checks,arith,all,W5,value,0.05"),
        "{csv}"
    );
    assert!(csv.contains("world_checks,arith,all,W2b,pass,0\n"));
    let f = activesynth::output::h5::H5File::open(&files.stats_h5).unwrap();
    let (vals, _) = f.read_f64("/world_checks/arith/all/pass").unwrap();
    assert_eq!(
        vals,
        vec![1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0],
        "W0 W1a W1b W2a W2b W3 W4a W4b W4c W5"
    );
}

#[test]
fn without_random_only_the_checks_that_do_not_need_it_are_computed() {
    let dir = tempfile::tempdir().unwrap();
    let h5 = write_fixture(dir.path(), &["loss"]);
    let m = merge::load(&[h5]).unwrap();
    let mut stats = Stats::default();
    let tc = &compute(&m, &[], &mut stats)[0];
    for c in &tc.checks {
        let needs_random = ["W1a", "W1b", "W4a", "W4b", "W5"].contains(&c.id);
        assert_eq!(c.pass.is_none(), needs_random, "{} {:?}", c.id, c.detail);
        if needs_random {
            assert!(c.detail.contains("no strategy is labelled `random`"));
            assert!(row(&stats, c.id, "pass").is_nan());
        }
    }
    // W4c over `loss`'s 6 cells alone: scipy spearmanr of those medians.
    let w4c = tc.checks.iter().find(|c| c.id == "W4c").unwrap();
    assert_eq!(w4c.detail.split(' ').next(), Some("6"));
    close(w4c.value, 0.3188740696088466, 1e-12, "W4c without random");
    // W3 and W2 need no `random` either.
    close(
        row(&stats, "W3", "value"),
        0.875,
        1e-12,
        "W3 without random",
    );
    // W2b fails, so the verdict is "cannot rank" even with checks missing.
    assert_eq!(tc.verdict(), Verdict::CannotRank);
    assert!(tc.line().contains("not computable W1a, W1b, W4a, W4b, W5"));
}

/// A scenario with one strategy (a calibration run of `random` alone) gets no comparison
/// sections and no comparison plots (they were empty tables and an empty chart), and its
/// learning curve is drawn as its own panel; with two strategies they are all there.
#[test]
fn one_strategy_reports_say_there_is_nothing_to_compare() {
    for (strategies, comparable) in [(&["random"][..], false), (&["random", "loss"][..], true)] {
        let dir = tempfile::tempdir().unwrap();
        let h5 = write_fixture(dir.path(), strategies);
        let opts = ReportOptions {
            out_dir: Some(dir.path().join("rep")),
            ..Default::default()
        };
        let files = write_report(&[h5], &opts).unwrap();
        let md = std::fs::read_to_string(files.markdown.unwrap()).unwrap();
        let plots = dir.path().join("rep/plots");
        let has = |stem: &str| plots.join(format!("{stem}.png")).exists();
        assert_eq!(
            md.contains("## Win-rate matrix"),
            comparable,
            "{strategies:?}"
        );
        assert_eq!(md.contains("## Paired comparisons vs random"), comparable);
        assert_eq!(md.contains("## Data efficiency vs random"), comparable);
        assert_eq!(
            md.contains("## Comparisons between strategies"),
            !comparable
        );
        assert_eq!(has("paired_arith"), comparable);
        assert_eq!(has("winrate"), comparable);
        assert!(has("learning_arith"));
        assert_eq!(md.contains("plots/paired_arith.png"), comparable);
        // Sections that need no second strategy stay.
        assert!(md.contains("## Where the differences come from (test items)"));
        let svg = std::fs::read_to_string(plots.join("learning_arith.svg")).unwrap();
        // random is a coloured panel of its own when alone, the grey reference otherwise.
        assert_eq!(svg.contains("grey: random"), comparable);
        assert!(svg.contains(if comparable {
            ">\nloss\n</text>"
        } else {
            ">\nrandom\n</text>"
        }));
    }
}

/// W0 fails when selection has little or no choice, and its sentence says how much two
/// strategies' selections must overlap: two m-subsets of n seeds share at least 2m − n.
#[test]
fn selection_without_a_choice_fails_w0() {
    for (seed_size, value, meaning) in [
        (10, 1.0, "Every iteration selects every seed"),
        // 10 of 16: 62.5 %; overlap at least (2·10 − 16)/10 = 40 %
        (16, 0.625, "Each iteration selects 62 % of the seeds, so any two strategies share at least 40 % of their selections"),
        (20, 0.5, ""),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = outcome("arith", &["random", "loss"]);
        let h5 = write_outcome_with(
            dir.path(),
            "arith",
            &format!("seed_size = {seed_size}\n"),
            &["random", "loss"],
            &out,
        );
        let m = merge::load(&[h5]).unwrap();
        let mut stats = Stats::default();
        let tc = &compute(&m, &[], &mut stats)[0];
        close(row(&stats, "W0", "value"), value, 1e-15, "W0");
        let w0 = tc.checks.iter().find(|c| c.id == "W0").unwrap();
        assert_eq!(w0.pass, Some(meaning.is_empty()), "{seed_size}");
        assert!(w0.meaning.starts_with(meaning), "{}", w0.meaning);
        assert_eq!(row(&stats, "W0", "required"), 1.0);
    }
}

/// W1 in a contaminated world: measured on the test items the `random` run had not
/// trained on. Ten test items; in every replicate the base answers items 0–2, and the
/// run trained on items 3 and 4 at iteration 0 and on item 7 at iteration 1, which it
/// then answers (memory). Unseen items it answers besides 0–2 after iteration 0: item 5
/// (replicate 0), items 5 and 6 (replicate 1), none (replicate 2); after iteration 1
/// none. By hand:
/// - W1a on the 8 items unseen at iteration 0: gains 1/8, 2/8, 0 (mean 0.125; scipy
///   `t.interval(0.95, 2, 0.125, 0.125/sqrt(3))` = (−0.1855, 0.4355): fail); on all
///   items 0.3, 0.4, 0.2 (mean 0.3, which alone would pass).
/// - W1b on the 7 items never trained on: −1/7, −2/7, 0 (mean −1/7: fail); on all items
///   0, −0.1, +0.1 (mean 0).
#[test]
fn w1_in_a_contaminated_world_reads_the_items_a_run_had_not_trained_on() {
    use activesynth::report::contamination::TaskContamination;
    use std::collections::BTreeMap;
    let dir = tempfile::tempdir().unwrap();
    let h5 = write_fixture(dir.path(), &["random", "loss"]);
    let mut m = merge::load(&[h5]).unwrap();
    let items = |set: &[usize]| -> Vec<bool> { (0..10).map(|i| set.contains(&i)).collect() };
    let mean = |v: &[bool]| v.iter().filter(|&&b| b).count() as f64 / v.len() as f64;
    let extra: [&[usize]; 3] = [&[5], &[5, 6], &[]];
    for w in m.worlds.iter_mut() {
        w.base_test_correct = items(&[0, 1, 2]);
        w.base_test_accuracy = 0.3;
    }
    let mut first_seen = BTreeMap::new();
    for r in m.runs.iter_mut() {
        r.base_test_accuracy = 0.3;
        if r.key.strategy != "random" {
            continue;
        }
        let rep = r.key.replicate as usize;
        let first: Vec<usize> = [0, 1, 2, 3, 4].iter().chain(extra[rep]).copied().collect();
        let per_iteration = [items(&first), items(&[0, 1, 2, 3, 4, 7])];
        for (it, correct) in r.iterations.iter_mut().zip(per_iteration) {
            it.test_accuracy = mean(&correct);
            it.test_correct = correct;
        }
        let mut seen = vec![None; 10];
        (seen[3], seen[4], seen[7]) = (Some(0), Some(0), Some(1));
        first_seen.insert(("random".to_string(), r.key.replicate), seen);
    }
    assert_eq!(first_seen.len(), 3);
    let contaminated = TaskContamination {
        task: "arith".into(),
        synthetic: 60,
        in_test: 9,
        seen: 3.0,
        test_size: 10,
        random_unseen: None,
        random_seen: None,
        by_strategy: Vec::new(),
        first_seen,
        vs_random_clean: Vec::new(),
    };
    let mut stats = Stats::default();
    let tc = &compute(&m, &[("arith".into(), Ok(contaminated))], &mut stats)[0];
    let check = |id: &str| tc.checks.iter().find(|c| c.id == id).unwrap();
    close(row(&stats, "W1a", "value"), 0.125, 1e-12, "W1a");
    assert_eq!(check("W1a").pass, Some(false));
    assert!(
        check("W1a").detail.contains("[-0.1855, +0.4355]"),
        "{}",
        check("W1a").detail
    );
    assert!(
        check("W1a")
            .detail
            .contains("it had trained on 2.0 of 10 on average); on all items the mean is +0.3000"),
        "{}",
        check("W1a").detail
    );
    assert!(check("W1a").what.contains("had not trained on"));
    close(row(&stats, "W1b", "value"), -1.0 / 7.0, 1e-12, "W1b");
    assert_eq!(check("W1b").pass, Some(false));
    assert!(
        check("W1b")
            .detail
            .contains("it had trained on 3.0 of 10 on average); on all items the mean is +0.0000"),
        "{}",
        check("W1b").detail
    );

    // Without the contamination record the same file is read on every item.
    let tc = &compute(&m, &[], &mut Stats::default())[0];
    let w1a = tc.checks.iter().find(|c| c.id == "W1a").unwrap();
    close(w1a.value, 0.3, 1e-12, "W1a on all items");
    assert!(!w1a.what.contains("had not trained on"));
}
