//! A task's own m (`tasks[].samples_per_iteration`), end to end on
//! `tests/data/loop/two_m.toml` (arith at the scenario's m = 6, mathmix at its own 3):
//! each run selects its task's m seeds per iteration, the report states both, and the
//! two shards of the scenario (one task each, so their files differ in m) merge into a
//! file equal to the unsharded run's.

mod common;
use common::{activesynth, show};

use std::path::{Path, PathBuf};

use activesynth::output::h5::{first_difference, H5File};

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/loop/two_m.toml")
}

fn run(out: &Path, extra: &[&str]) {
    let o = activesynth()
        .arg("run")
        .arg(scenario())
        .arg("--out")
        .arg(out)
        .args(["--no-progress", "--jobs", "1"])
        .args(extra)
        .output()
        .expect("spawn activesynth");
    assert!(o.status.success(), "run failed: {}", show(&o));
}

#[test]
fn each_task_selects_its_own_m_and_shards_merge() {
    let dir = tempfile::Builder::new()
        .prefix("two-m-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("tempdir");
    let full = dir.path().join("full");
    run(&full, &[]);
    let f = H5File::open(&full.join("results.h5")).expect("open");
    // m written by hand from two_m.toml: 6 for arith (the scenario's), 3 for mathmix
    for (task, m) in [("arith", 6), ("mathmix", 3)] {
        let sel = f
            .read(&format!("/runs/{task}/rep0/random/selected"))
            .expect("selected");
        assert_eq!(sel.shape, vec![2, m], "{task}");
    }
    let report = std::fs::read_to_string(full.join("report.md")).expect("report");
    assert!(
        report.contains("seeds selected per iteration m = arith 6, mathmix 3"),
        "report states each task's m"
    );

    let cache = dir.path().join("cache");
    let cache_arg = cache.to_str().expect("utf-8 path");
    for i in 1..=2 {
        let shard = format!("{i}/2");
        run(
            &dir.path().join(format!("shard{i}")),
            &["--shard", &shard, "--cache-dir", cache_arg],
        );
    }
    let merged = dir.path().join("merged");
    let o = activesynth()
        .arg("merge")
        .arg(dir.path().join("shard1"))
        .arg(dir.path().join("shard2"))
        .arg("--out")
        .arg(&merged)
        .output()
        .expect("spawn merge");
    assert!(o.status.success(), "merge failed: {}", show(&o));
    let diff = first_difference(
        &full.join("results.h5"),
        &merged.join("results.h5"),
        &["/timing", "/provenance"],
    );
    assert_eq!(diff, None, "merged shards equal the unsharded run");
}
