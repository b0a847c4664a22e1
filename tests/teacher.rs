//! `activesynth tasks sample` end to end: same seed → byte-identical output, different
//! seed → different output, for every task world. Needs only the `Task` trait to be
//! implemented by the tasks; while a task is still a skeleton (its methods panic with
//! "not implemented") that task is reported and skipped.

use std::process::Command;

fn sample(task: &str, seed: u64) -> Option<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_activesynth"))
        .args(["tasks", "sample", "--task", task, "-n", "2", "--seed"])
        .arg(seed.to_string())
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("not implemented") {
        eprintln!("skipping {task}: the task world is still a skeleton");
        return None;
    }
    assert!(out.status.success(), "{task}: {stderr}");
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}

#[test]
fn tasks_sample_is_deterministic_per_seed() {
    for task in ["arith", "mathmix", "logic", "game24"] {
        let Some(a) = sample(task, 7) else { continue };
        let b = sample(task, 7).unwrap();
        assert_eq!(a, b, "{task}: same seed must give identical output");
        let c = sample(task, 8).unwrap();
        assert_ne!(a, c, "{task}: a different seed must change the output");
        assert_eq!(a.matches("### teacher rewrite").count(), 2, "{task}");
        assert!(a.contains("generation prompt:\n"), "{task}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_activesynth"))
        .args(["tasks", "sample", "--task", "nope", "-n", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown task"));
}
