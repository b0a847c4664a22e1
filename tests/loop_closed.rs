//! Integration tests of the closed loop (issue 4, "Must show"), driving the compiled
//! `activesynth` binary on the tiny scenario `tests/data/loop/tiny.toml`:
//!
//! 1. `--jobs 1` and `--jobs 2` give bit-identical result tensors (everything but
//!    `/timing`), checked twice: with `first_difference` and with an independent walk
//!    over every dataset; `activesynth replay` then says "identical".
//! 2. A run killed with SIGKILL after its first finished run, resumed with `--resume`,
//!    ends with the same file as an uninterrupted run, and leaves no `*.tmp` files.
//! 3. h5py reads every dataset and its curves match `curves.csv` value by value.
//! 4. A panic injected into the selector, student or teacher actor ends the process with
//!    exit code 1 and a message naming the actor, never a hang.
//! 5. A malformed scenario exits 2 with a one-line error.
//! 6. `run --timings` prints every phase and changes no result tensor.
//!
//! One uninterrupted `--jobs 1` run is shared by tests 1–3 (a `OnceLock`), so the file
//! costs about six executions of the tiny scenario.

mod common;
use common::{activesynth, show, tiny};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use activesynth::output::h5::{first_difference, Data, H5File, Kind};

const TIMING: &str = "/timing";
/// Attributes only (version, command, host, times): differs between executions by design.
const PROVENANCE: &str = "/provenance";
/// Shape of the tiny scenario, restated here so the checks do not trust the code's own
/// reading of it: one task, 2 replicates, 3 strategies, 2 iterations, m = 6.
const TASK: &str = "arith";
const REPLICATES: u32 = 2;
const STRATEGIES: [&str; 3] = ["random", "loss-own-high", "badge"];
const ITERATIONS: usize = 2;
const M: usize = 6;

/// `activesynth run tiny.toml --out OUT --no-progress --jobs J [extra]`, which must succeed.
fn run_tiny(out: &Path, jobs: u32, extra: &[&str]) -> Output {
    let o = activesynth()
        .arg("run")
        .arg(tiny())
        .arg("--out")
        .arg(out)
        .args(["--no-progress", "--jobs", &jobs.to_string()])
        .args(extra)
        .output()
        .expect("spawn activesynth");
    assert!(o.status.success(), "run failed: {}", show(&o));
    o
}

/// The uninterrupted `--jobs 1` reference run, computed once and shared. It lives under
/// Cargo's per-target scratch directory because a static is never dropped.
fn clean_run() -> &'static Path {
    static CLEAN: OnceLock<PathBuf> = OnceLock::new();
    CLEAN.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("loop-clean-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("tempdir")
            .keep();
        let t = Instant::now();
        let o = run_tiny(&dir, 1, &[]);
        std::fs::write(dir.join("stdout.txt"), &o.stdout).expect("keep stdout");
        eprintln!("clean --jobs 1 run: {:.1} s", t.elapsed().as_secs_f64());
        dir
    })
}

/// A dataset's values as comparable bit patterns (floats by bits, so NaN == same NaN and
/// 0.0 != -0.0), written independently of `Data::first_bit_difference`.
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

fn under_timing(p: &str) -> bool {
    p == TIMING || p.starts_with("/timing/")
}

/// Every dataset outside `/timing`, path → (type, shape, values as bits).
fn tensors(path: &Path) -> BTreeMap<String, (String, Vec<usize>, Vec<String>)> {
    let f = H5File::open(path).expect("open results.h5");
    f.list()
        .expect("list")
        .into_iter()
        .filter(|(p, k)| *k == Kind::Dataset && !under_timing(p))
        .map(|(p, _)| {
            let a = f.read(&p).unwrap_or_else(|e| panic!("read {p}: {e:#}"));
            let v = (a.data.type_name().to_string(), a.shape, bits(&a.data));
            (p, v)
        })
        .collect()
}

fn run_group(rep: u32, strategy: &str) -> String {
    format!("/runs/{TASK}/rep{rep}/{strategy}")
}

#[test]
fn jobs_1_and_jobs_2_are_bit_identical_and_replay_agrees() {
    let clean = clean_run();
    let other = tempfile::tempdir().expect("tempdir");
    let t = Instant::now();
    run_tiny(other.path(), 2, &[]);
    eprintln!("--jobs 2 run: {:.1} s", t.elapsed().as_secs_f64());
    let (a, b) = (clean.join("results.h5"), other.path().join("results.h5"));

    // Check 1: the library's comparison, timings skipped.
    assert_eq!(first_difference(&a, &b, &[TIMING, PROVENANCE]), None);

    // Check 2: independent walk over every dataset.
    let (ta, tb) = (tensors(&a), tensors(&b));
    assert_eq!(
        ta.keys().collect::<Vec<_>>(),
        tb.keys().collect::<Vec<_>>(),
        "same datasets"
    );
    for (p, va) in &ta {
        assert_eq!(
            va, &tb[p],
            "dataset {p} differs between --jobs 1 and --jobs 2"
        );
    }
    // The walk really covered the loop's tensors (not an empty or partial file).
    for rep in 0..REPLICATES {
        for s in STRATEGIES {
            let g = run_group(rep, s);
            let (_, shape, acc) = &ta[&format!("{g}/test_accuracy")];
            assert_eq!(shape, &vec![ITERATIONS], "{g}/test_accuracy shape");
            assert_eq!(acc.len(), ITERATIONS);
            let (_, shape, _) = &ta[&format!("{g}/selected")];
            assert_eq!(shape, &vec![ITERATIONS, M], "{g}/selected shape");
        }
    }
    // Timings exist in both files and are the only thing excluded.
    for f in [&a, &b] {
        let l = H5File::open(f).unwrap().list().unwrap();
        assert!(
            l.iter().any(|(p, _)| p == TIMING),
            "{} lacks /timing",
            f.display()
        );
    }

    // replay re-runs the embedded scenario and must find it identical.
    let t = Instant::now();
    let o = activesynth()
        .args(["replay", "--jobs", "2"])
        .arg(&a)
        .output()
        .expect("spawn replay");
    eprintln!("replay: {:.1} s", t.elapsed().as_secs_f64());
    assert_eq!(o.status.code(), Some(0), "replay: {}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("identical"),
        "replay stdout: {}",
        show(&o)
    );
}

/// `run --timings` prints every phase with non-negative seconds whose sum is at most the
/// busy time, and changes no result tensor (issue 11). No assertion on speed.
#[test]
fn timings_table_lists_every_phase_and_changes_no_tensor() {
    let clean = clean_run();
    let other = tempfile::tempdir().expect("tempdir");
    let o = run_tiny(other.path(), 2, &["--timings"]);
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    let seconds = |name: &str| -> f64 {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no {name:?} row in:\n{stdout}"));
        // The number just before the unit "s".
        let words: Vec<&str> = line.split_whitespace().collect();
        words
            .windows(2)
            .find(|w| w[1] == "s")
            .and_then(|w| w[0].parse().ok())
            .unwrap_or_else(|| panic!("no seconds in {line:?}"))
    };
    let phases = [
        "pre-training",
        "fine-tuning",
        "decoding: seeds",
        "decoding: probes",
        "decoding: validation",
        "decoding: test",
        "scoring",
        "teacher",
        "output",
    ];
    let mut sum = 0.0;
    for p in phases {
        let s = seconds(p);
        assert!(s >= 0.0, "{p}: {s}");
        sum += s;
    }
    let busy = seconds("busy");
    let wall = seconds("wall");
    assert!(busy > 0.0 && wall > 0.0, "{stdout}");
    // Rows are printed to 0.01 s: allow the rounding of nine rows.
    assert!(
        sum <= busy + 0.05,
        "phases sum to {sum} > busy {busy}:\n{stdout}"
    );
    assert!(stdout.contains("parallel efficiency"), "{stdout}");
    // Not a result: the file equals a run without --timings, bit for bit.
    let (a, b) = (clean.join("results.h5"), other.path().join("results.h5"));
    assert_eq!(first_difference(&a, &b, &[TIMING, PROVENANCE]), None);
    let (ta, tb) = (tensors(&a), tensors(&b));
    assert_eq!(ta, tb, "result tensors differ with --timings");
    // And it is not written into results.h5.
    let listed = H5File::open(&b).unwrap().list().unwrap();
    assert_eq!(
        listed.len(),
        H5File::open(&a).unwrap().list().unwrap().len(),
        "--timings adds nothing to results.h5"
    );
}

/// Finished run files (`*.json`, not `*.json.tmp`) in `OUT/.runs`.
fn finished_runs(out: &Path) -> usize {
    std::fs::read_dir(out.join(".runs"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .count()
        })
        .unwrap_or(0)
}

/// Every file under `dir` whose name ends in `.tmp`, recursively.
fn tmp_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().filter_map(|e| e.ok()) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".tmp") {
                found.push(p);
            }
        }
    }
    found
}

#[test]
fn sigkill_then_resume_equals_an_uninterrupted_run() {
    let out = tempfile::tempdir().expect("tempdir");
    let t = Instant::now();
    let mut child = activesynth()
        .arg("run")
        .arg(tiny())
        .arg("--out")
        .arg(out.path())
        .args(["--no-progress", "--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn run");
    let deadline = Instant::now() + Duration::from_secs(60);
    while finished_runs(out.path()) == 0 {
        if let Some(st) = child.try_wait().unwrap() {
            panic!("run exited ({st}) before any finished run file appeared");
        }
        assert!(Instant::now() < deadline, "no finished run after 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    // Still running: the kill interrupts the scenario, it does not follow its end.
    assert!(
        child.try_wait().unwrap().is_none(),
        "run finished before it could be killed: the scenario is too small"
    );
    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix.
    let st = child.wait().unwrap();
    assert!(!st.success(), "killed run reported success");
    eprintln!("killed after {:.2} s", t.elapsed().as_secs_f64());
    assert!(
        !out.path().join("results.h5").exists(),
        "results.h5 written before the kill"
    );
    let done = finished_runs(out.path());
    let total = REPLICATES as usize * STRATEGIES.len();
    assert!(
        (1..total).contains(&done),
        "{done} of {total} runs finished at kill"
    );

    let t = Instant::now();
    let o = run_tiny(out.path(), 2, &["--resume"]);
    eprintln!("resume: {:.1} s", t.elapsed().as_secs_f64());
    let stderr = String::from_utf8_lossy(&o.stderr);
    let resumed_line = stderr
        .lines()
        .find(|l| l.contains("resumed"))
        .unwrap_or_else(|| panic!("stderr does not mention resumed runs: {}", show(&o)));
    let n: usize = resumed_line
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no count in {resumed_line:?}"));
    assert_eq!(
        n, done,
        "resumed count vs finished run files: {resumed_line}"
    );

    let clean = clean_run();
    assert_eq!(
        first_difference(
            &clean.join("results.h5"),
            &out.path().join("results.h5"),
            &[TIMING, PROVENANCE]
        ),
        None
    );
    assert_eq!(
        std::fs::read(clean.join("curves.csv")).unwrap(),
        std::fs::read(out.path().join("curves.csv")).unwrap(),
        "curves.csv differs after resume"
    );
    assert_eq!(tmp_files(out.path()), Vec::<PathBuf>::new(), "*.tmp left");
}

/// True when h5py imports; otherwise SKIP (or fail under ACTIVESYNTH_REQUIRE_H5PY=1).
fn have_h5py(test: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import h5py"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert_ne!(
            std::env::var("ACTIVESYNTH_REQUIRE_H5PY").as_deref(),
            Ok("1"),
            "{test}: h5py is required (ACTIVESYNTH_REQUIRE_H5PY=1) but cannot be imported"
        );
        println!("SKIP {test}: python3 with h5py is not available");
        eprintln!("SKIP {test}: python3 with h5py is not available");
    }
    ok
}

/// Reads every dataset with h5py and prints the curves of every run (floats as repr,
/// which round-trips exactly), the dataset count and the scenario attribute.
const H5PY_CURVES: &str = r#"
import sys, json, h5py, numpy as np
out = {'datasets': 0, 'runs': {}, 'base': {}, 'worlds': {}, 'loss_own_t0': {}}
def visit(name, obj):
    if not isinstance(obj, h5py.Dataset):
        return
    vals = obj[()]  # read every dataset, whatever its type
    out['datasets'] += 1
    parts = name.split('/')
    if parts[0] == 'runs' and len(parts) == 5:
        key = '/'.join(parts[1:4])
        field = parts[4]
        flat = np.asarray(vals).ravel().tolist()
        if field in ('test_accuracy', 'base_test_accuracy'):
            out['runs'].setdefault(key, {})[field] = [repr(float(x)) for x in flat]
        elif field in ('train_size', 'tokens_input', 'iteration'):
            out['runs'].setdefault(key, {})[field] = [int(x) for x in flat]
    if parts[0] == 'runs' and parts[4:] == ['seed_scores', 'loss_own']:
        out['loss_own_t0']['/'.join(parts[1:4])] = [repr(float(x)) for x in np.asarray(vals)[0]]
    if parts[0] == 'worlds' and len(parts) == 4:
        w = out['worlds'].setdefault('/'.join(parts[1:3]), {})
        w[parts[3]] = [repr(float(x)) for x in np.asarray(vals).ravel().tolist()]
with h5py.File(sys.argv[1], 'r') as f:
    f.visititems(visit)
    s = f.attrs['scenario']
    out['scenario'] = s.decode('utf-8') if isinstance(s, bytes) else str(s)
print(json.dumps(out, sort_keys=True))
"#;

#[test]
fn h5py_reads_every_dataset_and_matches_curves_csv() {
    if !have_h5py("h5py_reads_every_dataset_and_matches_curves_csv") {
        return;
    }
    let clean = clean_run();
    let h5 = clean.join("results.h5");
    let o = Command::new("python3")
        .args(["-c", H5PY_CURVES])
        .arg(&h5)
        .output()
        .expect("run python3");
    assert!(o.status.success(), "python: {}", show(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");

    // h5py saw as many datasets as the file lists.
    let ours = H5File::open(&h5)
        .unwrap()
        .list()
        .unwrap()
        .iter()
        .filter(|(_, k)| *k == Kind::Dataset)
        .count();
    assert_eq!(v["datasets"].as_u64(), Some(ours as u64), "dataset count");

    // curves.csv, parsed with the csv crate: (replicate, strategy, iteration) → row.
    let mut rdr = csv::Reader::from_path(clean.join("curves.csv")).expect("curves.csv");
    let head = rdr.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (c_task, c_rep, c_strat, c_it) = (
        col("task"),
        col("replicate"),
        col("strategy"),
        col("iteration"),
    );
    let (c_acc, c_size, c_tok) = (col("test_accuracy"), col("train_size"), col("tokens_input"));
    let mut rows = BTreeMap::new();
    for r in rdr.records() {
        let r = r.unwrap();
        assert_eq!(&r[c_task], TASK);
        let key = (
            format!("{}/rep{}/{}", TASK, &r[c_rep], &r[c_strat]),
            r[c_it].parse::<i64>().unwrap(),
        );
        let val = (
            r[c_acc].parse::<f64>().unwrap(),
            r[c_size].parse::<u64>().unwrap(),
            r[c_tok].parse::<u64>().unwrap(),
        );
        assert!(rows.insert(key, val).is_none(), "duplicate csv row");
    }
    let runs = v["runs"].as_object().unwrap();
    let n_runs = REPLICATES as usize * STRATEGIES.len();
    assert_eq!(runs.len(), n_runs, "runs seen by h5py");
    assert_eq!(rows.len(), n_runs * (ITERATIONS + 1), "csv rows");
    let f = |x: &serde_json::Value| x.as_str().unwrap().parse::<f64>().unwrap();
    let mut compared = 0;
    for rep in 0..REPLICATES {
        for s in STRATEGIES {
            let key = format!("{TASK}/rep{rep}/{s}");
            let run = &runs[&key];
            let its = run["iteration"].as_array().unwrap();
            assert_eq!(its.len(), ITERATIONS, "{key}");
            for (j, it) in its.iter().enumerate() {
                let row = rows[&(key.clone(), it.as_i64().unwrap())];
                let acc = f(&run["test_accuracy"][j]);
                assert_eq!(acc.to_bits(), row.0.to_bits(), "{key} t={it} test_accuracy");
                assert_eq!(
                    run["train_size"][j].as_u64(),
                    Some(row.1),
                    "{key} train_size"
                );
                assert_eq!(run["tokens_input"][j].as_u64(), Some(row.2), "{key} tokens");
                compared += 1;
            }
            // The csv's base row (iteration -1) is the base student.
            let base = rows[&(key.clone(), -1)];
            let b = f(&run["base_test_accuracy"][0]);
            assert_eq!(b.to_bits(), base.0.to_bits(), "{key} base accuracy");
            assert_eq!((base.1, base.2), (0, 0), "{key} base row sizes");
            // Cumulative tokens never decrease; the training set grows.
            let tok: Vec<u64> = (0..ITERATIONS)
                .map(|j| run["tokens_input"][j].as_u64().unwrap())
                .collect();
            assert!(tok.windows(2).all(|w| w[0] <= w[1]), "{key} tokens {tok:?}");
            assert!(tok[0] > 0, "{key}: the teacher was never charged");
        }
    }
    assert_eq!(compared, n_runs * ITERATIONS);

    // The world's base-student scores on D0 (world check W3) are exactly what
    // `loss-own-high` saw at t = 0 (its student is the base then), one per seed.
    for rep in 0..REPLICATES {
        let w = &v["worlds"][format!("{TASK}/rep{rep}")];
        let n = w["d0_difficulty"].as_array().unwrap().len();
        let own = w["d0_loss_own"].as_array().expect("d0_loss_own");
        let t0 = v["loss_own_t0"][format!("{TASK}/rep{rep}/loss-own-high")]
            .as_array()
            .expect("loss-own-high t=0 scores");
        assert_eq!(own.len(), n, "rep{rep} d0_loss_own length");
        for (a, b) in own.iter().zip(t0) {
            assert_eq!(
                f(a).to_bits(),
                f(b).to_bits(),
                "rep{rep} d0_loss_own vs t=0"
            );
        }
        let correct = w["d0_correct"].as_array().expect("d0_correct");
        assert_eq!(correct.len(), n, "rep{rep} d0_correct length");
        assert!(correct.iter().all(|c| f(c) == 0.0 || f(c) == 1.0));
    }
    // `run` ends with one world-check line per task.
    let stdout = std::fs::read_to_string(clean.join("stdout.txt")).unwrap();
    let last = stdout.lines().last().unwrap_or("");
    assert!(
        last.starts_with(&format!("world checks {TASK}: ")),
        "last line of run: {last:?}"
    );

    // The embedded scenario parses back to the tiny scenario with defaults written out.
    let embedded = activesynth::scenario::parse(v["scenario"].as_str().unwrap(), "embedded")
        .expect("embedded scenario parses");
    let text = std::fs::read_to_string(tiny()).unwrap();
    let original = activesynth::scenario::parse(&text, "tiny.toml")
        .unwrap()
        .resolved();
    assert_eq!(embedded, original);
}

#[test]
fn injected_actor_panics_exit_1_promptly() {
    for actor in ["selector", "student", "teacher"] {
        let out = tempfile::tempdir().expect("tempdir");
        let t = Instant::now();
        let mut child = activesynth()
            .env("ACTIVESYNTH_INJECT_PANIC", actor)
            .arg("run")
            .arg(tiny())
            .arg("--out")
            .arg(out.path())
            .args(["--no-progress", "--jobs", "2"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn run");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                let o = child.wait_with_output().unwrap();
                panic!("{actor}: still running after 60 s (hang): {}", show(&o));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let o = child.wait_with_output().unwrap();
        eprintln!(
            "{actor} panic: exit after {:.2} s",
            t.elapsed().as_secs_f64()
        );
        assert_eq!(o.status.code(), Some(1), "{actor}: {}", show(&o));
        let stderr = String::from_utf8_lossy(&o.stderr);
        // The actor's panic report (a backtrace too under RUST_BACKTRACE=1, which CI
        // sets on a second pass) comes first and whole; the error line is the last line.
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{actor}: {}", show(&o));
        let err = errors[0];
        assert_eq!(stderr.lines().last(), Some(err), "{actor}: {}", show(&o));
        assert!(err.contains(actor), "{actor}: error line {err:?}");
        assert!(
            err.contains("injected panic"),
            "{actor}: error line {err:?}"
        );
        assert!(
            !out.path().join("results.h5").exists(),
            "{actor}: results written"
        );
    }
}

#[test]
fn malformed_scenario_exits_2_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(tiny())
        .unwrap()
        .replace("name = \"loss\"", "name = \"loss\"\ndirection = \"up\"");
    std::fs::write(&bad, text).unwrap();
    let o = activesynth()
        .arg("run")
        .arg(&bad)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--no-progress")
        .output()
        .expect("spawn run");
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line: {}", show(&o));
    assert!(
        lines[0].contains("bad.toml"),
        "names the file: {}",
        lines[0]
    );
    assert!(
        lines[0].contains("direction"),
        "names the field: {}",
        lines[0]
    );
    assert!(!dir.path().join("out/results.h5").exists());
}

/// The pid written in `OUT/.lock` once a run holds it.
fn lock_pid(out: &Path) -> Option<u32> {
    std::fs::read_to_string(out.join(".lock"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[test]
fn two_runs_into_one_directory_the_second_exits_2_naming_the_holder() {
    let out = tempfile::tempdir().expect("tempdir");
    let mut first = activesynth()
        .arg("run")
        .arg(tiny())
        .arg("--out")
        .arg(out.path())
        .args(["--no-progress", "--jobs", "1", "--no-report"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn first run");
    let deadline = Instant::now() + Duration::from_secs(60);
    while lock_pid(out.path()) != Some(first.id()) {
        assert!(first.try_wait().unwrap().is_none(), "first run ended early");
        assert!(Instant::now() < deadline, "no lock after 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    // A different scenario into the same directory, while the first still runs.
    let dir = tempfile::tempdir().expect("tempdir");
    let other = dir.path().join("other.toml");
    let text = std::fs::read_to_string(tiny())
        .unwrap()
        .replace("seed = 7", "seed = 8");
    std::fs::write(&other, text).unwrap();
    let second = activesynth()
        .arg("run")
        .arg(&other)
        .arg("--out")
        .arg(out.path())
        .args(["--no-progress", "--overwrite"])
        .output()
        .expect("spawn second run");
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first run finished before the second started: the scenario is too small"
    );
    assert_eq!(second.status.code(), Some(2), "{}", show(&second));
    let err = String::from_utf8_lossy(&second.stderr);
    let line = err.lines().find(|l| l.starts_with("error:")).unwrap();
    assert!(
        line.contains("in use") && line.contains(&format!("pid {}", first.id())),
        "{line}"
    );
    let o = first.wait_with_output().unwrap();
    assert!(o.status.success(), "first run: {}", show(&o));
    // The first run's results and records survived the attempt.
    assert_eq!(
        first_difference(
            &clean_run().join("results.h5"),
            &out.path().join("results.h5"),
            &[TIMING, PROVENANCE]
        ),
        None
    );
    assert_eq!(
        finished_runs(out.path()),
        REPLICATES as usize * STRATEGIES.len()
    );

    // Later, without the first: a plain run refuses to replace the results...
    let again = activesynth()
        .arg("run")
        .arg(&other)
        .arg("--out")
        .arg(out.path())
        .arg("--no-progress")
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "{}", show(&again));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--overwrite"));
    // ...and `--resume` with another scenario's records is refused too.
    let resume = activesynth()
        .arg("run")
        .arg(&other)
        .arg("--out")
        .arg(out.path())
        .args(["--no-progress", "--resume"])
        .output()
        .unwrap();
    assert_eq!(resume.status.code(), Some(2), "{}", show(&resume));
    assert!(
        String::from_utf8_lossy(&resume.stderr).contains("different scenario"),
        "{}",
        show(&resume)
    );
}

#[test]
fn edited_checkpoint_header_and_resume_record_are_not_trusted() {
    let clean = clean_run();
    let out = tempfile::tempdir().expect("tempdir");
    let copy = |sub: &str| {
        std::fs::create_dir_all(out.path().join(sub)).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(clean.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for p in &names {
            std::fs::copy(p, out.path().join(sub).join(p.file_name().unwrap())).unwrap();
        }
        names
    };
    let ckpts = copy(".cache");
    let records = copy(".runs");
    // heads 2 -> 4 in the header of one cached base (the parameter count is unchanged).
    let ckpt = out
        .path()
        .join(".cache")
        .join(ckpts[0].file_name().unwrap());
    let mut bytes = std::fs::read(&ckpt).unwrap();
    assert_eq!(bytes[36], 2, "heads of tiny.toml at byte 36");
    bytes[36] = 4;
    std::fs::write(&ckpt, bytes).unwrap();
    // One test_accuracy changed in one resume record.
    let rec = out
        .path()
        .join(".runs")
        .join(records[0].file_name().unwrap());
    let text = std::fs::read_to_string(&rec).unwrap();
    let at = text.find("\"test_accuracy\":").unwrap() + "\"test_accuracy\":".len();
    let edited = format!(
        "{}0.987654{}",
        &text[..at],
        &text[at..].trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
    );
    assert_ne!(edited, text);
    std::fs::write(&rec, edited).unwrap();

    let o = run_tiny(out.path(), 1, &["--resume", "--no-report"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is unusable") && err.contains("hash mismatch") && err.contains("retraining"),
        "{}",
        show(&o)
    );
    assert!(
        err.contains("not trusted") && err.contains("checksum"),
        "{}",
        show(&o)
    );
    let resumed = err.lines().find(|l| l.contains("resumed")).unwrap();
    assert!(
        resumed.contains(&format!("resumed {} finished runs", records.len() - 1)),
        "{resumed}"
    );
    // Retrained and recomputed: the very bits of the clean run.
    assert_eq!(
        first_difference(
            &clean.join("results.h5"),
            &out.path().join("results.h5"),
            &[TIMING, PROVENANCE]
        ),
        None
    );
}

#[test]
fn divergence_fails_the_run_with_exit_1_naming_run_iteration_and_knob() {
    // (what is poisoned, the run that sees it first, what the message must name)
    for (what, run, says) in [
        ("loss_own", "loss-own-high", "loss_own of seed 0"),
        ("train", "arith/rep", "the fine-tuning loss (epoch 2)"),
    ] {
        let out = tempfile::tempdir().expect("tempdir");
        let o = activesynth()
            .env("ACTIVESYNTH_INJECT_NAN", what)
            .arg("run")
            .arg(tiny())
            .arg("--out")
            .arg(out.path())
            .args(["--no-progress", "--jobs", "1"])
            .output()
            .expect("spawn run");
        assert_eq!(o.status.code(), Some(1), "{what}: {}", show(&o));
        let stderr = String::from_utf8_lossy(&o.stderr);
        let err = stderr.lines().last().unwrap_or_default();
        for fragment in [
            "error: run arith/rep0/",
            run,
            "diverged at iteration 0",
            says,
            "NaN or infinite",
            "student.learning_rate",
        ] {
            assert!(
                err.contains(fragment),
                "{what}: {fragment:?} not in {err:?}"
            );
        }
        assert!(
            !out.path().join("results.h5").exists(),
            "{what}: NaN results written"
        );
    }
}
