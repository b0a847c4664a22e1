//! Helpers shared by the integration tests that drive the binary on the tiny scenario.
#![allow(dead_code)] // each test crate uses a subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_activesynth");

/// `tests/data/loop/tiny.toml`: the closed loop in a few seconds.
pub fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/loop/tiny.toml")
}

/// The binary with a clean environment for the fault-injection hooks.
pub fn activesynth() -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("ACTIVESYNTH_INJECT_PANIC");
    c.env_remove("ACTIVESYNTH_INJECT_NAN");
    c
}

/// Exit status, stdout and stderr, for assertion messages.
pub fn show(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `run` the tiny scenario with one replicate into `out`, asserting success.
pub fn run_tiny_one_replicate(out: &Path) {
    let o = activesynth()
        .arg("run")
        .arg(tiny())
        .arg("--out")
        .arg(out)
        .args(["--no-progress", "--jobs", "1", "--set", "replicates=1"])
        .output()
        .expect("spawn activesynth");
    assert!(o.status.success(), "run failed: {}", show(&o));
}

/// `tasks sets SCENARIO --task T --replicate R`: (set, index, difficulty, question) per
/// line, asserting success and the four-column format.
pub fn tasks_sets(
    scenario: &Path,
    task: &str,
    replicate: u32,
) -> Vec<(String, usize, u32, String)> {
    let o = activesynth()
        .args(["tasks", "sets"])
        .arg(scenario)
        .args(["--task", task, "--replicate", &replicate.to_string()])
        .output()
        .expect("spawn activesynth");
    assert!(o.status.success(), "tasks sets failed: {}", show(&o));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, '\t').collect();
            assert_eq!(f.len(), 4, "{l}");
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].to_string(),
            )
        })
        .collect()
}

/// `plan --pilot PATH`: its stdout, asserting exit 0.
pub fn plan_pilot(path: &Path) -> String {
    let o = activesynth()
        .args(["plan", "--pilot"])
        .arg(path)
        .output()
        .expect("spawn activesynth");
    assert_eq!(o.status.code(), Some(0), "plan failed: {}", show(&o));
    String::from_utf8(o.stdout).expect("plan's stdout is UTF-8")
}
