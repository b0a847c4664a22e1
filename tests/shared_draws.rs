//! `teacher.shared_draws` (common random numbers for the teacher), read back from
//! `results.h5` with the HDF5 reader: on the tiny arith loop with three strategies,
//! every seed that two strategies select at the same iteration gets the same rewrite
//! (question and answer) when neither run's dedup retried it, and gets a different one
//! almost always without the knob; the selections of the first iteration, which no
//! teacher draw can reach, and the world are the same bits in both modes.

mod common;
use common::{activesynth, show, tiny};

use activesynth::output::h5::{Data, H5File};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const LABELS: [&str; 3] = ["random", "loss-own-high", "badge"];

fn run(dir: &Path, shared: bool) -> PathBuf {
    let out = dir.join(if shared { "shared" } else { "private" });
    let mut c = activesynth();
    c.arg("run").arg(tiny()).arg("--out").arg(&out);
    // Half of D0 per iteration, so two strategies' selections overlap.
    c.args([
        "--no-progress",
        "--jobs",
        "1",
        "--set",
        "samples_per_iteration=20",
    ]);
    if shared {
        c.args(["--set", "teacher.shared_draws=true"]);
    }
    let o = c.output().expect("spawn activesynth");
    assert!(o.status.success(), "run failed: {}", show(&o));
    out.join("results.h5")
}

fn u32s(f: &H5File, path: &str) -> Vec<u32> {
    match f.read(path).unwrap_or_else(|e| panic!("{path}: {e}")).data {
        Data::U32(v) => v,
        d => panic!("{path}: {d:?}"),
    }
}

fn strs(f: &H5File, path: &str) -> Vec<String> {
    match f.read(path).unwrap_or_else(|e| panic!("{path}: {e}")).data {
        Data::Str(v) => v,
        d => panic!("{path}: {d:?}"),
    }
}

/// Per (replicate, strategy): (iteration, parent) → (question, answer, attempts).
type Children = BTreeMap<(u32, u32), (String, String, u32)>;

fn children(f: &H5File, rep: u32, label: &str) -> Children {
    let run = format!("/runs/arith/rep{rep}/{label}/synthetic");
    let it = u32s(f, &format!("{run}/iteration"));
    let parent = u32s(f, &format!("{run}/parent"));
    let attempts = u32s(f, &format!("{run}/attempts"));
    let q = strs(f, &format!("{run}/question"));
    let a = strs(f, &format!("{run}/answer"));
    let mut m = Children::new();
    for i in 0..it.len() {
        let prev = m.insert(
            (it[i], parent[i]),
            (q[i].clone(), a[i].clone(), attempts[i]),
        );
        assert!(prev.is_none(), "one child per (iteration, parent)");
    }
    m
}

/// (common parents whose rewrite took one attempt in both runs, of which identical).
fn agreement(f: &H5File) -> (usize, usize) {
    let (mut common, mut same) = (0, 0);
    for rep in 0..2 {
        let runs: Vec<Children> = LABELS.iter().map(|l| children(f, rep, l)).collect();
        for i in 0..runs.len() {
            for j in i + 1..runs.len() {
                for (key, (q, a, n)) in &runs[i] {
                    let Some((q2, a2, n2)) = runs[j].get(key) else {
                        continue;
                    };
                    if *n == 1 && *n2 == 1 {
                        common += 1;
                        same += usize::from(q == q2 && a == a2);
                    }
                }
            }
        }
    }
    (common, same)
}

#[test]
fn shared_draws_give_two_strategies_the_same_rewrite_of_the_same_seed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let private = H5File::open(&run(dir.path(), false)).expect("open");
    let shared = H5File::open(&run(dir.path(), true)).expect("open");

    let (common, same) = agreement(&shared);
    eprintln!("shared draws: {same} of {common} common rewrites identical");
    assert!(common >= 20, "too few common parents to test: {common}");
    assert_eq!(same, common, "shared draws: every common rewrite identical");

    let (common, same) = agreement(&private);
    eprintln!("private streams: {same} of {common} common rewrites identical");
    assert!(common >= 20, "too few common parents to test: {common}");
    assert!(
        same * 4 < common,
        "private streams: {same} of {common} common rewrites identical"
    );

    // The first iteration's selections use no teacher draw, and the world none at all.
    for rep in 0..2 {
        for label in LABELS {
            let sel = format!("/runs/arith/rep{rep}/{label}/selected");
            let (a, b) = (u32s(&private, &sel), u32s(&shared, &sel));
            assert_eq!(a[..20], b[..20], "{sel} at t = 0");
        }
        let w = format!("/worlds/arith/rep{rep}/base_test_correct");
        assert_eq!(
            format!("{:?}", private.read(&w).unwrap().data),
            format!("{:?}", shared.read(&w).unwrap().data),
            "{w}"
        );
    }
}
