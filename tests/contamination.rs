//! The report's test-contamination paragraph against an independent count: on a tiny
//! game24 loop, the synthetic questions read back from `results.h5` with the HDF5 reader
//! and the test questions printed by `tasks sets`, joined here, give the numbers the
//! report prints; with `tasks[].decontaminate = true` the same loop has none.

mod common;
use common::{activesynth, show};

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
    let o = activesynth()
        .args(["tasks", "sets"])
        .arg(scenario())
        .args(["--task", "game24", "--replicate", &replicate.to_string()])
        .output()
        .expect("spawn activesynth");
    assert!(o.status.success(), "{}", show(&o));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("test\t"))
        .map(|l| l.splitn(4, '\t').nth(3).unwrap().to_string())
        .collect()
}

#[test]
fn report_counts_synthetic_questions_that_are_test_questions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (h5, md) = run_and_report(dir.path(), &[]);
    let f = H5File::open(&h5).expect("open results.h5");
    let (mut total, mut in_test, mut seen) = (0usize, 0usize, 0usize);
    for rep in 0..2 {
        let test = test_questions(rep);
        assert_eq!(test.len(), 300);
        let q = f
            .read(&format!("/runs/game24/rep{rep}/random/synthetic/question"))
            .expect("synthetic questions");
        let Data::Str(q) = q.data else {
            panic!("questions are strings")
        };
        total += q.len();
        in_test += q.iter().filter(|x| test.contains(*x)).count();
        seen += q
            .iter()
            .filter(|x| test.contains(*x))
            .collect::<BTreeSet<_>>()
            .len();
    }
    assert!(
        in_test > 0,
        "no test puzzle among {total} rewrites: the test cannot bite"
    );
    let want = format!(
        "**Test contamination:** {in_test} of the {total} synthetic questions ({:.1} %) are test questions; by its last iteration a run has trained on {:.1} of the 300 test items on average.",
        100.0 * in_test as f64 / total as f64,
        seen as f64 / 2.0
    );
    assert!(md.contains(&want), "want {want}\nin\n{md}");

    let dir = tempfile::tempdir().expect("tempdir");
    let (_, md) = run_and_report(dir.path(), &["tasks[0].decontaminate=true"]);
    assert!(
        md.contains("Test contamination: none of the"),
        "decontaminated:\n{md}"
    );
}
