//! The report's test-contamination paragraph against an independent count: on a tiny
//! game24 loop with two strategies, the synthetic questions read back from `results.h5`
//! with the HDF5 reader and the test questions printed by `tasks sets`, joined here, give
//! the numbers the report prints, in all and per strategy, and world check W1 measured
//! on the test items each `random` run had not trained on; with
//! `tasks[].decontaminate = true` the same loop has none.

mod common;
use common::{activesynth, show, tasks_sets};

use activesynth::output::h5::{Data, H5File};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/loop/tiny-game24.toml")
}

/// Run the scenario (with `--set` overrides) and report it; (results.h5, report.md).
fn run_and_report(dir: &Path, sets: &[&str]) -> (PathBuf, String) {
    let out = dir.join("out");
    let mut c = activesynth();
    c.arg("run").arg(scenario()).arg("--out").arg(&out);
    c.args(["--no-progress", "--jobs", "1"]);
    for s in sets {
        c.args(["--set", s]);
    }
    let o = c.output().expect("spawn activesynth");
    assert!(o.status.success(), "run failed: {}", show(&o));
    let o = activesynth()
        .arg("report")
        .arg(out.join("results.h5"))
        .arg("--out")
        .arg(dir.join("report"))
        .arg("--no-plots")
        .output()
        .expect("spawn activesynth");
    assert!(o.status.success(), "report failed: {}", show(&o));
    let md = std::fs::read_to_string(dir.join("report/report.md")).unwrap();
    (out.join("results.h5"), md)
}

fn test_questions(replicate: u32) -> BTreeSet<String> {
    let sets = tasks_sets(&scenario(), "game24", replicate);
    sets.into_iter()
        .filter(|r| r.0 == "test")
        .map(|r| r.3)
        .collect()
}

#[test]
fn report_counts_synthetic_questions_that_are_test_questions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (h5, md) = run_and_report(dir.path(), &[]);
    let f = H5File::open(&h5).expect("open results.h5");
    // The strategies' labels, in scenario order: random first, then loss's.
    let mut labels: Vec<String> = f
        .list()
        .expect("list")
        .into_iter()
        .filter_map(|(p, _)| {
            let rest = p
                .trim_start_matches('/')
                .strip_prefix("runs/game24/rep0/")?;
            Some(rest.split('/').next()?.to_string())
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    labels.sort_by_key(|l| l != "random");
    assert_eq!(labels.len(), 2, "{labels:?}");
    let tests: Vec<BTreeSet<String>> = (0..2).map(test_questions).collect();
    assert!(tests.iter().all(|t| t.len() == 300));
    let (mut total, mut in_test, mut seen) = (0usize, 0usize, 0usize);
    let mut parts = Vec::new();
    // Per replicate, the test questions any strategy trained on; per strategy its counts.
    let mut trained: [BTreeSet<String>; 2] = Default::default();
    let mut counts = Vec::new();
    for label in &labels {
        let (mut t_s, mut i_s, mut s_s) = (0usize, 0usize, 0usize);
        for (rep, test) in tests.iter().enumerate() {
            let q = f
                .read(&format!("/runs/game24/rep{rep}/{label}/synthetic/question"))
                .expect("synthetic questions");
            let Data::Str(q) = q.data else {
                panic!("questions are strings")
            };
            let hits: Vec<&String> = q.iter().filter(|x| test.contains(*x)).collect();
            trained[rep].extend(hits.iter().map(|x| x.to_string()));
            t_s += q.len();
            i_s += hits.len();
            s_s += hits.into_iter().collect::<BTreeSet<_>>().len();
        }
        parts.push(format!(
            "`{label}` {:.1} % ({:.1} items)",
            100.0 * i_s as f64 / t_s as f64,
            s_s as f64 / 2.0
        ));
        (total, in_test, seen) = (total + t_s, in_test + i_s, seen + s_s);
        counts.push((label.clone(), t_s, i_s, s_s as f64 / 2.0));
    }
    assert!(
        in_test > 0,
        "no test puzzle among {total} rewrites: the test cannot bite"
    );
    let want = format!(
        "**Test contamination:** {in_test} of the {total} synthetic questions ({:.1} %) are test questions; by its last iteration a run has trained on {:.1} of the 300 test items on average.",
        100.0 * in_test as f64 / total as f64,
        seen as f64 / 4.0
    );
    assert!(md.contains(&want), "want {want}\nin\n{md}");
    let want = format!(
        "By strategy, the share of synthetic questions that are test questions (test items trained on by the last iteration): {}.",
        parts.join(", ")
    );
    assert!(md.contains(&want), "want {want}\nin\n{md}");
    // The same share under the comparison of strategies with `random`.
    let want = format!(
        "**Test contamination:** in `game24` {in_test} of the {total} synthetic questions ({:.1} %, ",
        100.0 * in_test as f64 / total as f64
    );
    let paired = md
        .split("## Paired comparisons vs random")
        .nth(1)
        .expect("paired section");
    let paired = paired.split("\n## ").next().unwrap();
    assert!(paired.contains(&want), "want {want}\nin\n{paired}");
    w1_on_unseen_items(&f, &dir.path().join("report/stats.csv"), &md);
    // The same counts in stats.csv, and the items neither strategy trained on (with two
    // strategies, the test items outside the union of their trained-on sets).
    let csv = std::fs::read_to_string(dir.path().join("report/stats.csv")).unwrap();
    let stat = |label: &str, name: &str| -> f64 {
        let key = format!("contamination,game24,{label},all,{name},");
        let line = csv.lines().find(|l| l.starts_with(&key)).expect(&key);
        line[key.len()..].parse().unwrap()
    };
    for (label, syn, hits, items) in &counts {
        assert_eq!(stat(label, "synthetic"), *syn as f64, "{label}");
        assert_eq!(stat(label, "in_test"), *hits as f64, "{label}");
        assert_eq!(stat(label, "test_items_trained_on"), *items, "{label}");
    }
    let clean = trained.iter().map(|t| 300 - t.len()).sum::<usize>() as f64 / 2.0;
    assert!(clean < 300.0);
    assert_eq!(stat(&labels[1], "vs_random_clean_items"), clean);
    assert_eq!(stat(&labels[1], "vs_random_clean_replicates"), 2.0);

    let dir = tempfile::tempdir().expect("tempdir");
    let (_, md) = run_and_report(dir.path(), &["tasks[0].decontaminate=true"]);
    assert!(
        md.contains("| W1a | `random` after the first iteration minus the base student (test"),
        "without contamination W1a reads every test item:\n{md}"
    );
    assert!(
        md.contains("Test contamination: none of the"),
        "decontaminated:\n{md}"
    );
    assert!(!md.contains("**Test contamination:** in"), "{md}");
}

fn u8s(f: &H5File, path: &str) -> Vec<bool> {
    match f.read(path).expect(path).data {
        Data::U8(v) => v.into_iter().map(|x| x != 0).collect(),
        _ => panic!("{path} is not u8"),
    }
}

/// W1a and W1b in the report's `stats.csv` against their definition computed here from
/// the per-item verdicts: W1a is `random`'s accuracy after iteration 0 minus the base's
/// on the test items it had not trained on by then, W1b its last minus its first on the
/// items it never trained on, each averaged over the two replicates; the report names how
/// many items were left out. (This tiny student answers few game24 puzzles, so the
/// values alone may not tell the item sets apart: the counts do;
/// `tests/world_checks.rs` checks the arithmetic on a hand-made file.)
fn w1_on_unseen_items(f: &H5File, stats_csv: &Path, md: &str) {
    let (mut w1a, mut w1b) = (Vec::new(), Vec::new());
    let (mut seen0, mut seen1) = (0usize, 0usize);
    for rep in 0..2u32 {
        let order: Vec<String> = tasks_sets(&scenario(), "game24", rep)
            .into_iter()
            .filter(|r| r.0 == "test")
            .map(|r| r.3)
            .collect();
        let run = format!("/runs/game24/rep{rep}/random");
        let Data::Str(q) = f.read(&format!("{run}/synthetic/question")).unwrap().data else {
            panic!("questions are strings")
        };
        let it = match f.read(&format!("{run}/synthetic/iteration")).unwrap().data {
            Data::U32(v) => v,
            d => panic!("synthetic/iteration: {d:?}"),
        };
        let trained_by = |t: u32| -> BTreeSet<&str> {
            q.iter()
                .zip(&it)
                .filter(|(_, &i)| i <= t)
                .map(|(x, _)| x.as_str())
                .collect()
        };
        let base = u8s(f, &format!("/worlds/game24/rep{rep}/base_test_correct"));
        let correct = u8s(f, &format!("{run}/test_correct"));
        let (first, last) = (&correct[..300], &correct[300..600]);
        let acc = |v: &[bool], keep: &BTreeSet<&str>| {
            let idx: Vec<usize> = (0..300)
                .filter(|&i| !keep.contains(order[i].as_str()))
                .collect();
            idx.iter().filter(|&&i| v[i]).count() as f64 / idx.len() as f64
        };
        let (by0, by1) = (trained_by(0), trained_by(1));
        seen0 += order.iter().filter(|x| by0.contains(x.as_str())).count();
        seen1 += order.iter().filter(|x| by1.contains(x.as_str())).count();
        w1a.push(acc(first, &by0) - acc(&base, &by0));
        w1b.push(acc(last, &by1) - acc(first, &by1));
    }
    assert!(
        seen0 > 0 && seen1 > seen0,
        "{seen0} {seen1}: the check cannot bite"
    );
    for (check, seen) in [("W1a", seen0), ("W1b", seen1)] {
        let want = format!(
            "it had trained on {:.1} of 300 on average",
            seen as f64 / 2.0
        );
        let row = md
            .lines()
            .find(|l| l.starts_with(&format!("| {check} |")))
            .unwrap();
        assert!(row.contains(&want), "want {want} in {row}");
    }
    let csv = std::fs::read_to_string(stats_csv).expect("stats.csv");
    let value = |id: &str| -> f64 {
        let key = format!("world_checks,game24,all,{id},value,");
        let line = csv.lines().find(|l| l.starts_with(&key)).expect(&key);
        line[key.len()..].parse().unwrap()
    };
    for (id, v) in [("W1a", &w1a), ("W1b", &w1b)] {
        let want = (v[0] + v[1]) / 2.0;
        assert!(
            (value(id) - want).abs() < 1e-12,
            "{id}: {} != {want}",
            value(id)
        );
    }
}
