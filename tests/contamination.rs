//! The report's test-contamination paragraph against an independent count: on a tiny
//! game24 loop with two strategies, the synthetic questions read back from `results.h5`
//! with the HDF5 reader and the test questions printed by `tasks sets`, joined here, give
//! the numbers the report prints, in all and per strategy; with
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

    let dir = tempfile::tempdir().expect("tempdir");
    let (_, md) = run_and_report(dir.path(), &["tasks[0].decontaminate=true"]);
    assert!(
        md.contains("Test contamination: none of the"),
        "decontaminated:\n{md}"
    );
}
