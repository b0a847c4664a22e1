//! Integration tests of sharding (issue 11, item 5), driving the compiled `activesynth`
//! binary on the tiny scenario `tests/data/loop/tiny.toml` (6 runs, 2 worlds):
//!
//! 1. `run --shard I/3` for I = 1, 2, 3 in three processes at once (sharing one
//!    `--cache-dir`), then `merge`, gives result tensors bit-identical to one unsharded
//!    run — checked with the comparison `replay` uses and with an independent walk over
//!    every dataset — and the same `curves.csv` and `stats.csv`; the merged file says in
//!    `/provenance` that it was merged; `replay` of a shard's file replays that shard.
//! 2. `merge` refuses, exit 2 naming the files: a missing shard (naming its runs), shards
//!    of different scenarios, of different shard counts, a duplicate shard, a file that
//!    is not a shard, and an output that already holds results (unless `--overwrite`).
//! 3. A bad `--shard` spec exits 2 with a one-line error before any work.
//! 4. `report` of several shards points to `merge`; of one shard, it warns.
//!
//! The three shards, the unsharded run and the merge are computed once and shared (a
//! `OnceLock`), so the file costs about six executions of the tiny scenario.

mod common;
use common::{activesynth, show, tiny};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

use activesynth::output::h5::{first_difference, Attr, Data, H5File, Kind};

const TIMING: &str = "/timing";
const PROVENANCE: &str = "/provenance";

/// `activesynth run tiny.toml --out OUT --no-progress --jobs 1 [extra]`, not yet waited for.
fn run_cmd(out: &Path, extra: &[&str]) -> Command {
    let mut c = activesynth();
    c.arg("run")
        .arg(tiny())
        .arg("--out")
        .arg(out)
        .args(["--no-progress", "--jobs", "1"])
        .args(extra);
    c
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "command failed: {}", show(&o));
    o
}

/// The shared executions: an unsharded run, three shards run at once, and their merge.
struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    fn full(&self) -> PathBuf {
        self.dir.join("full")
    }
    fn shard(&self, i: u32) -> PathBuf {
        self.dir.join(format!("shard{i}"))
    }
    fn merged(&self) -> PathBuf {
        self.dir.join("merged")
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("shard-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("tempdir")
            .keep();
        let f = Fixture { dir };
        let t = Instant::now();
        ok(run_cmd(&f.full(), &[]).output().expect("spawn run"));
        eprintln!("unsharded run: {:.1} s", t.elapsed().as_secs_f64());
        // Three processes at once, one shared base-student cache.
        let t = Instant::now();
        let cache = f.dir.join("cache");
        let children: Vec<_> = (1..=3)
            .map(|i| {
                run_cmd(&f.shard(i), &["--shard", &format!("{i}/3"), "--cache-dir"])
                    .arg(&cache)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn shard")
            })
            .collect();
        for c in children {
            let o = ok(c.wait_with_output().expect("wait shard"));
            assert!(
                String::from_utf8_lossy(&o.stdout).contains("merge the 3 shards"),
                "a shard says it is partial: {}",
                show(&o)
            );
        }
        eprintln!("3 shards in parallel: {:.1} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        ok(activesynth()
            .arg("merge")
            .arg(f.shard(2).join("results.h5"))
            .arg(f.shard(3)) // a directory stands for its results.h5
            .arg(f.shard(1).join("results.h5"))
            .arg("--out")
            .arg(f.merged())
            .output()
            .expect("spawn merge"));
        eprintln!("merge: {:.1} s", t.elapsed().as_secs_f64());
        f
    })
}

/// A dataset's values as comparable bit patterns (floats by bits), written
/// independently of `Data::first_bit_difference`.
fn bits(d: &Data) -> Vec<String> {
    match d {
        Data::F64(v) => v.iter().map(|x| format!("{:016x}", x.to_bits())).collect(),
        Data::F32(v) => v.iter().map(|x| format!("{:08x}", x.to_bits())).collect(),
        Data::F16(v) => v.iter().map(|x| format!("{:04x}", x.to_bits())).collect(),
        Data::Str(v) => v.clone(),
        other => other
            .to_f64()
            .expect("integers widen")
            .iter()
            .map(|x| format!("{x}"))
            .collect(),
    }
}

/// Every dataset outside `/timing`, path → (type, shape, values as bits).
fn tensors(path: &Path) -> BTreeMap<String, (String, Vec<usize>, Vec<String>)> {
    let f = H5File::open(path).expect("open results.h5");
    f.list()
        .expect("list")
        .into_iter()
        .filter(|(p, k)| *k == Kind::Dataset && !p.starts_with("/timing/"))
        .map(|(p, _)| {
            let a = f.read(&p).unwrap_or_else(|e| panic!("read {p}: {e:#}"));
            (p, (a.data.type_name().to_string(), a.shape, bits(&a.data)))
        })
        .collect()
}

fn runs_in(path: &Path) -> Vec<String> {
    H5File::open(path)
        .unwrap()
        .list()
        .unwrap()
        .into_iter()
        .filter(|(p, k)| {
            *k == Kind::Group && p.matches('/').count() == 4 && p.starts_with("/runs/")
        })
        .map(|(p, _)| p)
        .collect()
}

#[test]
fn three_parallel_shards_merge_bit_identical_to_one_run() {
    let f = fixture();
    let (a, b) = (f.full().join("results.h5"), f.merged().join("results.h5"));

    // The comparison `replay` uses (timings and provenance skipped).
    assert_eq!(first_difference(&a, &b, &[TIMING, PROVENANCE]), None);
    // An independent walk over every dataset.
    let (ta, tb) = (tensors(&a), tensors(&b));
    assert_eq!(
        ta.keys().collect::<Vec<_>>(),
        tb.keys().collect::<Vec<_>>(),
        "same datasets"
    );
    for (p, va) in &ta {
        assert_eq!(
            va, &tb[p],
            "dataset {p} differs between the merge and one run"
        );
    }
    assert!(
        ta.keys().any(|p| p.ends_with("/selected")) && ta.len() > 50,
        "the walk covered the loop's tensors ({} datasets)",
        ta.len()
    );
    // Every shard holds a proper, non-empty part: 2 runs each, 6 in all, no overlap.
    let mut all = Vec::new();
    for i in 1..=3 {
        let r = runs_in(&f.shard(i).join("results.h5"));
        assert_eq!(r.len(), 2, "shard {i}: {r:?}");
        all.extend(r);
    }
    all.sort();
    let mut want = runs_in(&a);
    want.sort();
    assert_eq!(all, want);
    // The shards wrote results.h5 only; the merge wrote what a run writes, the same.
    assert!(!f.shard(1).join("curves.csv").exists());
    assert!(!f.shard(1).join("report.md").exists());
    for file in ["curves.csv", "stats.csv"] {
        assert_eq!(
            std::fs::read(f.full().join(file)).unwrap(),
            std::fs::read(f.merged().join(file)).unwrap(),
            "{file} differs"
        );
    }
    assert!(f.merged().join("report.md").exists());

    // Provenance: a shard says which; the merge says it was merged, from which files.
    let prov = |p: &Path, n: &str| H5File::open(p).unwrap().attr(PROVENANCE, n).unwrap();
    let s2 = f.shard(2).join("results.h5");
    assert_eq!(prov(&s2, "shard"), Some(Attr::Str("2/3".into())));
    assert_eq!(prov(&s2, "shard_count"), Some(Attr::I64(3)));
    assert_eq!(prov(&b, "merged_shard_count"), Some(Attr::I64(3)));
    match prov(&b, "merged_from") {
        Some(Attr::Strs(v)) => {
            assert_eq!(v.len(), 3, "{v:?}");
            assert!(
                v[0].starts_with("1/3 ") && v[2].starts_with("3/3 "),
                "{v:?}"
            );
        }
        other => panic!("merged_from: {other:?}"),
    }
    assert_eq!(prov(&b, "shard"), None, "the merge is not a shard");
}

#[test]
fn replay_of_a_shard_replays_that_shard() {
    let f = fixture();
    let o = ok(activesynth()
        .args(["replay", "--no-progress", "--jobs", "1"])
        .arg(f.shard(3).join("results.h5"))
        .output()
        .expect("spawn replay"));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("identical"),
        "{}",
        show(&o)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("shard 3/3 (2 runs)"),
        "{}",
        show(&o)
    );
}

/// `merge ARGS…` into a fresh output; must exit 2 with one `error:` line containing
/// every one of `needles`.
fn merge_refused(inputs: &[PathBuf], needles: &[&str]) {
    let out = tempfile::tempdir().unwrap();
    let o = activesynth()
        .arg("merge")
        .args(inputs)
        .arg("--out")
        .arg(out.path().join("m"))
        .output()
        .expect("spawn merge");
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
    assert!(!out.path().join("m/results.h5").exists(), "nothing written");
}

#[test]
fn merge_refuses_incomplete_mixed_or_duplicate_shards() {
    let f = fixture();
    let s = |i: u32| f.shard(i).join("results.h5");
    let (s1, s2, s3) = (s(1), s(2), s(3));

    // Missing shard 2: named, with its runs.
    merge_refused(
        &[s1.clone(), s3.clone()],
        &[
            "missing 1 of 3 shards",
            "shard 2/3",
            "arith/rep0/badge",
            "arith/rep1/random",
        ],
    );
    // The same shard twice.
    let copy = f.dir.join("copy-of-shard1.h5");
    std::fs::copy(&s1, &copy).unwrap();
    merge_refused(
        &[s1.clone(), copy.clone(), s2.clone(), s3.clone()],
        &["both shard 1/3", "copy-of-shard1.h5"],
    );
    // A whole execution is not a shard.
    merge_refused(
        &[s1.clone(), f.full().join("results.h5")],
        &["is not a shard", "full/results.h5"],
    );

    // A shard of another scenario (another master seed) and a shard of another split.
    let other = f.dir.join("other-seed");
    ok(run_cmd(&other, &["--shard", "2/3", "--set", "seed=8"])
        .output()
        .unwrap());
    merge_refused(
        &[s1.clone(), other.join("results.h5"), s3.clone()],
        &[
            "different scenarios",
            "shard1/results.h5",
            "other-seed/results.h5",
        ],
    );
    let halves = f.dir.join("half");
    ok(run_cmd(&halves, &["--shard", "1/2"]).output().unwrap());
    merge_refused(
        &[s1.clone(), halves.join("results.h5")],
        &["different shard counts", "shard 1/3", "shard 1/2"],
    );
}

#[test]
fn merge_never_overwrites_silently() {
    let f = fixture();
    let inputs: Vec<PathBuf> = (1..=3).map(|i| f.shard(i).join("results.h5")).collect();
    let merge = |out: &Path, extra: &[&str]| {
        activesynth()
            .arg("merge")
            .args(&inputs)
            .arg("--out")
            .arg(out)
            .args(["--no-report"])
            .args(extra)
            .output()
            .unwrap()
    };
    // Into a directory that already holds results: refused, then replaced on request.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    ok(merge(&out, &[]));
    let o = merge(&out, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--overwrite"),
        "{}",
        show(&o)
    );
    ok(merge(&out, &["--overwrite"]));
    // A file output: the same rule.
    let file = dir.path().join("merged.h5");
    ok(merge(&file, &[]));
    assert_eq!(
        first_difference(&file, &f.full().join("results.h5"), &[TIMING, PROVENANCE]),
        None
    );
    let o = merge(&file, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("already exists"),
        "{}",
        show(&o)
    );
    // Over an input: refused even with --overwrite.
    let o = merge(&inputs[0], &["--overwrite"]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("would overwrite the input"),
        "{}",
        show(&o)
    );
}

#[test]
fn report_sends_several_shards_to_merge_and_warns_on_one() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    let report = |inputs: &[PathBuf]| {
        activesynth()
            .arg("report")
            .args(inputs)
            .arg("--out")
            .arg(out.path())
            .arg("--no-plots")
            .output()
            .unwrap()
    };
    let (s1, s2) = (f.shard(1).join("results.h5"), f.shard(2).join("results.h5"));
    let o = report(&[s1.clone(), s2]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is shard 1/3") && err.contains("activesynth merge"),
        "{err}"
    );
    let o = ok(report(&[s1]));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("only shard 1/3 of its scenario (2 runs)"),
        "{err}"
    );
}

#[test]
fn default_outputs_put_shards_under_the_scenario_output_and_merge_into_it() {
    let f = fixture();
    let cwd = tempfile::tempdir().unwrap();
    let at = |args: &[&str]| {
        let mut c = activesynth();
        c.current_dir(cwd.path()).args(args);
        ok(c.output().unwrap())
    };
    let scenario = tiny();
    let scenario = scenario.to_str().unwrap();
    for i in 1..=2 {
        let spec = format!("{i}/2");
        let o = at(&[
            "run",
            scenario,
            "--shard",
            &spec,
            "--no-progress",
            "--jobs",
            "1",
        ]);
        assert!(
            String::from_utf8_lossy(&o.stdout)
                .contains("activesynth merge runs/loop-tiny/shard-*-of-2"),
            "{}",
            show(&o)
        );
    }
    let base = cwd.path().join("runs/loop-tiny");
    assert!(base.join("shard-1-of-2/results.h5").is_file());
    assert!(
        base.join(".cache").is_dir(),
        "the shards share the output's cache"
    );
    assert!(!base.join("shard-1-of-2/.cache").exists());
    at(&[
        "merge",
        "runs/loop-tiny/shard-2-of-2",
        "runs/loop-tiny/shard-1-of-2",
        "--no-report",
    ]);
    assert_eq!(
        first_difference(
            &base.join("results.h5"),
            &f.full().join("results.h5"),
            &[TIMING, PROVENANCE]
        ),
        None
    );
}

#[test]
fn bad_shard_specs_exit_2_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    for (spec, needle) in [
        ("0/3", "numbered from 1"),
        ("4/3", "exceeds the count 3"),
        ("1/0", "at least 1"),
        ("3", "expected I/N"),
        ("x/3", "not a whole number"),
        ("7/7", "only 6 runs, so at most 6 shards"),
    ] {
        let out = dir.path().join(spec.replace('/', "_"));
        let o = run_cmd(&out, &["--shard", spec]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "--shard {spec}: {}", show(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "--shard {spec}: {err}");
        assert!(!out.join("results.h5").exists(), "--shard {spec} did work");
    }
}
