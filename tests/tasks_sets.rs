//! `tasks sets` prints the world `run` draws: on the tiny scenario its test set's
//! difficulties, item by item, are the ones the run recorded in `results.h5`, its sets
//! have the scenario's sizes and share no question, and an absent replicate is refused.

mod common;
use common::{activesynth, run_tiny_one_replicate, show, tasks_sets, tiny};

use activesynth::output::h5::H5File;
use std::collections::BTreeSet;

/// `tasks sets` of the tiny scenario's arith world.
fn sets(replicate: u32) -> Vec<(String, usize, u32, String)> {
    tasks_sets(&tiny(), "arith", replicate)
}

#[test]
fn tasks_sets_prints_the_world_that_run_draws() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run_tiny_one_replicate(&out);
    let f = H5File::open(&out.join("results.h5")).expect("open results.h5");
    let (recorded, _) = f
        .read_f64("/worlds/arith/rep0/test_difficulty")
        .expect("test_difficulty");

    let rows = sets(0);
    let of = |name: &str| -> Vec<&(String, usize, u32, String)> {
        rows.iter().filter(|r| r.0 == name).collect()
    };
    let (d0, val, test) = (of("d0"), of("val"), of("test"));
    // tiny.toml: seed_size 40, val_size 10, test_size 20; indices in order.
    assert_eq!(
        (d0.len(), val.len(), test.len(), rows.len()),
        (40, 10, 20, 70)
    );
    assert!(test.iter().enumerate().all(|(i, r)| r.1 == i));
    let printed: Vec<f64> = test.iter().map(|r| r.2 as f64).collect();
    assert_eq!(printed, recorded, "test difficulties, item by item");
    let questions: BTreeSet<&str> = rows.iter().map(|r| r.3.as_str()).collect();
    assert_eq!(questions.len(), 70, "the sets share no question");

    // Another replicate is another world; one the scenario lacks is refused.
    let other: BTreeSet<String> = sets(1)
        .into_iter()
        .filter(|r| r.0 == "test")
        .map(|r| r.3)
        .collect();
    let here: BTreeSet<String> = test.iter().map(|r| r.3.clone()).collect();
    assert_ne!(other, here);
    let o = activesynth()
        .args(["tasks", "sets"])
        .arg(tiny())
        .args(["--task", "arith", "--replicate", "2"])
        .output()
        .expect("spawn activesynth");
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("replicates 0..2"));
}
