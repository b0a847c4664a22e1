//! `student tune` against an independent path: `run` on a scenario whose `random` strategy
//! carries the label whose streams tune draws from (`tests/data/tune/tiny.toml`), one
//! iteration, records in `curves.csv` the base's validation accuracy and the validation
//! accuracy after fine-tuning on the first iteration's synthetic set. tune, whose loop,
//! selection, teacher and world-building are driven without actors, must report the same
//! numbers for the same recipe, per replicate — for the scenario's recipe and for another
//! one given as tune's grid on one side and as `--set` on the other. Also: usage errors
//! before any work, and the same numbers whatever the run or `--jobs`.

mod common;
use common::{activesynth, show};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tune/tiny.toml")
}

/// Rows of a CSV file as maps column → value.
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            head.iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// `student tune` on the tiny scenario with these extra arguments; (stdout, CSV rows).
fn tune(dir: &Path, cache: &Path, extra: &[&str]) -> (String, Vec<BTreeMap<String, String>>) {
    let csv = dir.join(format!(
        "tune-{}.csv",
        extra.join("_").replace(['-', '.', '='], "")
    ));
    let o = activesynth()
        .args(["student", "tune", "--replicates", "2", "--scenario"])
        .arg(scenario())
        .arg("--cache-dir")
        .arg(cache)
        .arg("--out")
        .arg(&csv)
        .args(extra)
        .output()
        .expect("spawn activesynth");
    assert!(o.status.success(), "student tune failed: {}", show(&o));
    (String::from_utf8(o.stdout).unwrap(), csv_rows(&csv))
}

/// `run` on the tiny scenario; per replicate (base val, iteration-0 val, generated).
fn run(dir: &Path, cache: &Path, name: &str, sets: &[&str]) -> Vec<(f64, f64, usize)> {
    let out = dir.join(name);
    let mut cmd = activesynth();
    cmd.arg("run")
        .arg(scenario())
        .arg("--out")
        .arg(&out)
        .args(["--no-progress", "--no-report", "--jobs", "1", "--cache-dir"])
        .arg(cache);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let o = cmd.output().expect("spawn activesynth");
    assert!(o.status.success(), "run failed: {}", show(&o));
    let rows = csv_rows(&out.join("curves.csv"));
    let f = |r: &BTreeMap<String, String>, k: &str| r[k].parse::<f64>().unwrap();
    (0..2)
        .map(|rep| {
            let of = |it: &str| {
                rows.iter()
                    .find(|r| {
                        r["replicate"] == rep.to_string()
                            && r["iteration"] == it
                            && r["strategy"] == "student-tune"
                    })
                    .unwrap_or_else(|| panic!("no row rep {rep} iteration {it}: {rows:?}"))
            };
            (
                f(of("-1"), "val_accuracy"),
                f(of("0"), "val_accuracy"),
                of("0")["generated"].parse().unwrap(),
            )
        })
        .collect()
}

fn floats(s: &str) -> Vec<f64> {
    s.split(';').map(|x| x.parse().unwrap()).collect()
}

#[test]
fn tune_reports_the_validation_accuracy_run_records_for_the_same_recipe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    for (name, sets, grid) in [
        ("scenario-recipe", &[][..], &[][..]),
        (
            "lora",
            &[
                "student.learning_rate=0.001",
                "student.lora_rank=4",
                "student.epochs=3",
            ][..],
            &["--lr", "0.001", "--lora-rank", "4", "--epochs", "3"][..],
        ),
    ] {
        let reference = run(dir.path(), &cache, name, sets);
        let (stdout, rows) = tune(dir.path(), &cache, grid);
        assert_eq!(rows.len(), 1, "a 1×1×1 grid: {rows:?}");
        let row = &rows[0];
        let val = floats(&row["val_by_replicate"]);
        let base: Vec<f64> = reference.iter().map(|r| r.0).collect();
        let after: Vec<f64> = reference.iter().map(|r| r.1).collect();
        assert_eq!(
            val, after,
            "{name}: tune's validation accuracies vs run's\n{stdout}"
        );
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(
            close(row["base_val_accuracy"].parse().unwrap(), mean(&base)),
            "{name}"
        );
        assert!(
            close(row["gain"].parse().unwrap(), mean(&after) - mean(&base)),
            "{name}"
        );
        for (rep, (b, _, generated)) in reference.iter().enumerate() {
            let line = format!(
                "replicate {rep}: base validation accuracy {b:.3}; {generated} of 20 rewrites accepted"
            );
            assert!(stdout.contains(&line), "{name}: no {line:?} in\n{stdout}");
        }
        // Never the test set: no test accuracy is printed or written.
        assert!(!stdout.contains("test acc"), "{stdout}");
        assert!(row.keys().all(|k| !k.contains("test")), "{row:?}");
    }
}

#[test]
fn same_arguments_same_numbers_whatever_the_jobs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let grid = ["--lr", "0.001,0.003", "--epochs", "1,2"];
    let strip = |rows: Vec<BTreeMap<String, String>>| -> Vec<BTreeMap<String, String>> {
        rows.into_iter()
            .map(|mut r| {
                r.remove("wall_s").expect("a wall_s column");
                r
            })
            .collect()
    };
    let (out1, a) = tune(dir.path(), &cache, &[&grid[..], &["--jobs", "1"]].concat());
    let (_, b) = tune(dir.path(), &cache, &[&grid[..], &["--jobs", "2"]].concat());
    let (_, c) = tune(dir.path(), &cache, &[&grid[..], &["--jobs", "3"]].concat());
    assert_eq!(a.len(), 4);
    let a = strip(a);
    assert_eq!(a, strip(b));
    assert_eq!(a, strip(c));
    // The verdict and the lines to paste follow the table.
    assert!(out1.contains("best by mean validation gain: "), "{out1}");
    assert!(out1.contains("\n[student]\nlearning_rate = "), "{out1}");
}

#[test]
fn absurd_grids_are_refused_before_any_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("never-created");
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--lr",
                "1e-4,2e-4,3e-4,4e-4,5e-4",
                "--lora-rank",
                "0,2,4,8",
                "--epochs",
                "1,2,3,4",
            ],
            "80 configurations asked for",
        ),
        (&["--epochs", "0,3"], "--epochs values must be positive"),
        (&["--lr", "0"], "--lr values must be positive"),
        (&["--lr", "1e-3,0.001"], "--lr lists 0.001 twice"),
        (&["--train", "0"], "--train must be positive"),
        (&["--train", "61"], "more than D0 holds (60 seeds of arith)"),
        (&["--replicates", "0"], "--replicates must be between 1"),
        (&["--lora-rank", "64"], "exceeds the student's d_model (48)"),
        (
            &["--task", "arth"],
            "unknown task \"arth\"; did you mean \"arith\"?",
        ),
        (&["--task", "logic"], "task logic is not in the scenario"),
    ];
    for (args, want) in cases {
        let o = activesynth()
            .args(["student", "tune", "--scenario"])
            .arg(scenario())
            .arg("--cache-dir")
            .arg(&cache)
            .args(*args)
            .output()
            .expect("spawn activesynth");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", show(&o));
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains(want), "{args:?}: want {want:?} in {e}");
        assert!(!cache.exists(), "{args:?} did work before refusing");
    }
}

/// The rehearsal-only control: printed when the scenario rehearses, with the synthetic
/// examples' gain over it equal to the table's gain minus the control's (both paired
/// by replicate, so their means subtract exactly, to the printed rounding); absent
/// without rehearsal. At a learning rate too small to move an f32 weight, fine-tuning on
/// the rehearsal set must leave the base's validation accuracy exactly: a control that
/// did not start from the base, or graded another set, would not.
#[test]
fn rehearsal_only_control_is_printed_consistent_and_starts_from_the_base() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let number = |s: &str, after: &str| -> f64 {
        let i = s
            .find(after)
            .unwrap_or_else(|| panic!("no {after:?} in\n{s}"))
            + after.len();
        s[i..].split_whitespace().next().unwrap().parse().unwrap()
    };
    let (out, rows) = tune(dir.path(), &cache, &[]);
    let control = number(
        &out,
        "on the 8 rehearsed examples, no synthetic ones): validation gain over the base ",
    );
    let add = number(&out, "the synthetic examples add ");
    let gain: f64 = rows[0]["gain"].parse().unwrap();
    assert!(
        (add - (gain - control)).abs() <= 0.0015,
        "add {add} vs gain {gain} − control {control}\n{out}"
    );
    assert!(out.contains("the base is "), "{out}");

    let (out, _) = tune(dir.path(), &cache, &["--set", "student.replay_examples=0"]);
    assert!(!out.contains("rehearsal alone"), "{out}");

    let (out, rows) = tune(dir.path(), &cache, &["--lr", "1e-12"]);
    assert_eq!(
        rows[0]["gain"], "0",
        "the grid's own row at lr 1e-12\n{out}"
    );
    assert!(
        out.contains("validation gain over the base +0.000 [+0.000, +0.000]"),
        "{out}"
    );
    // 8 of the tiny base's 600 examples rehearsed: too few to say it is converged.
    assert!(
        out.contains("rehearsing these 8 examples alone gains +0.000 (< 0.02); whether the base is converged on its whole corpus shows with --set student.replay_examples=600"),
        "{out}"
    );
}
