//! `student fit` measures the base student that `run` fine-tunes from: both go through
//! one recipe (`engine::world::Recipe`: the world's sets, the initial weights, the
//! pre-training hyper-parameters, the cache key), so on the tiny scenario `student fit`
//! pre-trains a checkpoint byte-identical to the one `run` cached, under the same name,
//! takes `run`'s cached one when pointed at its cache, and prints the base accuracies
//! `run` recorded for replicate 0.

mod common;
use common::{activesynth, run_tiny_one_replicate, show, tiny};

use activesynth::output::h5::H5File;
use std::path::{Path, PathBuf};

/// The cached base checkpoints of a cache directory, sorted.
fn checkpoints(cache: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(cache)
        .unwrap_or_else(|e| panic!("{}: {e}", cache.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ckpt"))
        .collect();
    v.sort();
    v
}

/// `student fit` on the tiny scenario's task with this cache; its stdout.
fn fit(cache: &Path) -> String {
    let o = activesynth()
        .args(["student", "fit", "--task", "arith", "--scenario"])
        .arg(tiny())
        .args(["--train", "5", "--epochs", "1", "--cache-dir"])
        .arg(cache)
        .output()
        .expect("spawn activesynth");
    assert!(o.status.success(), "student fit failed: {}", show(&o));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn student_fit_measures_the_base_that_run_uses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run_tiny_one_replicate(&out);
    let run_cache = out.join(".cache");
    let run_ckpts = checkpoints(&run_cache);
    assert_eq!(run_ckpts.len(), 1, "one world, one base: {run_ckpts:?}");

    // Trained afresh by `student fit`: the same cache key and the same bytes.
    let own_cache = dir.path().join("fit-cache");
    let printed = fit(&own_cache);
    let own_ckpts = checkpoints(&own_cache);
    assert_eq!(own_ckpts.len(), 1, "{own_ckpts:?}");
    assert_eq!(
        own_ckpts[0].file_name(),
        run_ckpts[0].file_name(),
        "same cache key"
    );
    assert!(
        std::fs::read(&own_ckpts[0]).unwrap() == std::fs::read(&run_ckpts[0]).unwrap(),
        "student fit pre-trained a different base from run's"
    );

    // Pointed at the run's cache it takes the run's base and trains nothing new.
    assert_eq!(base_row(&fit(&run_cache)), base_row(&printed));
    assert_eq!(checkpoints(&run_cache), run_ckpts);

    // Its base row is the run's base, measured on the run's validation and test sets.
    let f = H5File::open(&out.join("results.h5")).expect("open results.h5");
    let acc = |name: &str| {
        let (v, _) = f
            .read_f64(&format!("/worlds/arith/rep0/{name}"))
            .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        format!("{:.3}", v[0])
    };
    assert_eq!(
        base_row(&printed),
        (acc("base_val_accuracy"), acc("base_test_accuracy")),
        "student fit's base row vs the run's base accuracies:\n{printed}"
    );
}

/// The validation and test accuracy of the learning-curve table's `base` row.
fn base_row(printed: &str) -> (String, String) {
    let row = printed
        .lines()
        .find(|l| l.trim_start().starts_with("base "))
        .unwrap_or_else(|| panic!("no base row in:\n{printed}"));
    let cols: Vec<&str> = row.split_whitespace().collect();
    (cols[1].to_string(), cols[2].to_string())
}

/// `student fit --solutions-per-question K` (game24): the sizes count data points, drawn
/// from ⌈largest / K⌉ puzzles; each size still gets its own row.
#[test]
fn student_fit_draws_several_solutions_per_puzzle_for_game24() {
    let o = activesynth()
        .args(["student", "fit", "--task", "game24", "--base-examples", "0"])
        .args(["--train", "20,61", "--epochs", "1", "--eval", "10"])
        .args(["--solutions-per-question", "3"])
        .output()
        .expect("spawn activesynth");
    assert!(o.status.success(), "student fit failed: {}", show(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    // ⌈61 / 3⌉ = 21 puzzles.
    assert!(
        out.contains("training pool: 61 data points, answers to 21 questions, up to 3 each"),
        "{out}"
    );
    for n in ["20", "61"] {
        assert!(
            out.lines().any(|l| l.split_whitespace().next() == Some(n)),
            "no row for {n}:\n{out}"
        );
    }
}

#[test]
fn student_fit_refuses_several_solutions_for_a_task_with_one_answer() {
    let o = activesynth()
        .args(["student", "fit", "--task", "arith", "--base-examples", "0"])
        .args(["--train", "5", "--solutions-per-question", "2"])
        .output()
        .expect("spawn activesynth");
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("one answer per question"), "{err}");
}

/// `student fit` with random weights on arith; its stdout (exit checked).
fn fit_untrained(extra: &[&str]) -> String {
    let o = activesynth()
        .args(["student", "fit", "--task", "arith", "--base-examples", "0"])
        .args(["--train", "12,30", "--epochs", "1", "--eval", "25"])
        .args(extra)
        .output()
        .expect("spawn activesynth");
    assert!(o.status.success(), "student fit failed: {}", show(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// The counts of the `training pool by difficulty` line.
fn pool_counts(out: &str) -> Vec<usize> {
    let line = out
        .lines()
        .find(|l| l.starts_with("training pool by difficulty 1..=6: "))
        .unwrap_or_else(|| panic!("no pool line in:\n{out}"));
    line["training pool by difficulty 1..=6: ".len()..]
        .split(" (")
        .next()
        .unwrap()
        .split_whitespace()
        .map(|c| c.parse().unwrap())
        .collect()
}

/// `--pool-difficulty 5-6` draws every training example from difficulties 5 and 6 and
/// leaves the validation and test sets alone: the untrained base's own-generation loss
/// on the test items, a number that depends on each item, is the same to the last digit.
#[test]
fn student_fit_restricts_the_pool_only_to_the_asked_difficulties() {
    let whole = fit_untrained(&[]);
    let hard = fit_untrained(&["--pool-difficulty", "5-6"]);
    let (w, h) = (pool_counts(&whole), pool_counts(&hard));
    assert_eq!(w.len(), 6, "{whole}");
    assert_eq!(w.iter().sum::<usize>(), 30, "{whole}");
    assert!(
        w[..4].iter().sum::<usize>() > 0,
        "the whole mix has easy examples: {w:?}"
    );
    assert_eq!(h.iter().sum::<usize>(), 30, "{hard}");
    assert_eq!(&h[..4], &[0, 0, 0, 0], "{hard}");
    assert!(
        hard.contains("validation and test: the whole mix"),
        "{hard}"
    );
    let base_loss = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("own-generation loss (base):"))
            .unwrap_or_else(|| panic!("no base loss line in:\n{out}"))
            .to_string()
    };
    assert_eq!(base_loss(&whole), base_loss(&hard));
    assert_eq!(base_row(&whole), base_row(&hard));
}

#[test]
fn student_fit_refuses_a_pool_difficulty_outside_the_task_or_with_max_difficulty() {
    for (extra, says) in [
        (
            &["--pool-difficulty", "5-7"][..],
            "task arith has difficulties 1..=6",
        ),
        (
            &["--pool-difficulty", "4-2"][..],
            "low end 4 is above the high end 2",
        ),
        (&["--pool-difficulty", "hard"][..], "expected LO-HI"),
        (
            &["--pool-difficulty", "5-6", "--max-difficulty", "6"][..],
            "cannot be combined with --max-difficulty",
        ),
    ] {
        let o = activesynth()
            .args(["student", "fit", "--task", "arith", "--base-examples", "0"])
            .args(["--train", "5"])
            .args(extra)
            .output()
            .expect("spawn activesynth");
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", show(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{extra:?}: {err}");
    }
}
