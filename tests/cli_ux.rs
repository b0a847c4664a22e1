//! What a person sees when a command is given bad input: each error said once, exit
//! code 2 as the README promises, one wording for unknown names with a "did you mean",
//! `-k` for select, `--set` overrides echoed by `check` or reported against
//! themselves, and the notice for a finite world without decontamination. None of these
//! trains a model.

use std::path::Path;
use std::process::{Command, Output};

fn activesynth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_activesynth"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run activesynth")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn missing_or_malformed_inputs_exit_2_and_say_it_once() {
    let o = activesynth(&["replay", "runs/none/result.h5"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        "error: no such results file: runs/none/result.h5"
    );

    // Not an HDF5 file at all: a malformed input, exit 2, the reason once.
    let o = activesynth(&[
        "report",
        "README.md",
        "--out",
        "/nonexistent-dir-never-written",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.starts_with("error: README.md: not a readable activesynth results file"),
        "{e}"
    );
    assert_eq!(e.matches("signature").count(), 1, "said once: {e}");
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[test]
fn unknown_names_share_one_wording_with_a_suggestion() {
    let want = "error: unknown task \"arth\"; did you mean \"arith\"? \
                (expected one of \"arith\", \"mathmix\", \"logic\", \"game24\")";
    for args in [
        &["tasks", "sample", "--task", "arth"][..],
        &["student", "fit", "--task", "arth"][..],
    ] {
        let o = activesynth(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&o).trim(), want, "{args:?}");
    }
    let o = activesynth(&[
        "select",
        "--input",
        "x.h5",
        "--strategy",
        "bagde",
        "-k",
        "3",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown strategy \"bagde\"; did you mean \"badge\"?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn n_zero_is_an_error_and_select_takes_short_k() {
    let o = activesynth(&["tasks", "sample", "--task", "arith", "-n", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).trim(), "error: -n must be at least 1, got 0");
    // `-k` parses (the missing input file is what fails, after argument parsing).
    let o = activesynth(&[
        "select",
        "--input",
        "no-such.h5",
        "--strategy",
        "loss",
        "-k",
        "3",
    ]);
    assert!(
        !stderr(&o).contains("unexpected argument"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_echoes_overrides_and_blames_the_bad_one() {
    let quick = Path::new("scenarios/quick.toml").to_str().unwrap();
    let o = activesynth(&[
        "check",
        quick,
        "--set",
        "student.epochs=3",
        "--set",
        "tasks[0].seed_size=500",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with(
        "# --set student.epochs=3  →  student.epochs = 3\n\
         # --set tasks[0].seed_size=500  →  tasks[0].seed_size = 500\n"
    ));
    assert!(out.contains("\nepochs = 3\n"), "{out}");
    assert!(out.contains("\nseed_size = 500\n"), "{out}");

    let o = activesynth(&["check", quick, "--set", "student.epochs=many"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(
            "error: --set student.epochs=many: field `student.epochs`: expected a non-negative integer"
        ),
        "{}",
        stderr(&o)
    );
    let o = activesynth(&["student", "fit", "--task", "arith", "--set", "iterations=2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("only takes student.* overrides"),
        "{}",
        stderr(&o)
    );
}

/// A game24 task without `decontaminate` gets a notice before any work, from `check` (a
/// TOML comment, so stdout still parses as the scenario) and from `run` (on stderr);
/// none with `decontaminate = true`, and none for a task whose world is unbounded.
#[test]
fn a_finite_world_without_decontamination_gets_a_notice() {
    let g24 = "tests/data/loop/tiny-game24.toml";
    let o = activesynth(&["check", g24]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let notices: Vec<&str> = out.lines().filter(|l| l.starts_with("# notice:")).collect();
    assert_eq!(notices.len(), 1, "{out}");
    assert!(
        notices[0].contains("tasks[0] (game24): its world holds only 1362 distinct questions")
            && notices[0].contains("set `decontaminate = true`"),
        "{}",
        notices[0]
    );
    let parsed: toml::Value = toml::from_str(&out).expect("check's stdout is TOML");
    assert_eq!(parsed["tasks"][0]["name"].as_str(), Some("game24"));

    let o = activesynth(&["check", g24, "--set", "tasks[0].decontaminate=true"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("notice"));
    let o = activesynth(&["check", "tests/data/loop/tiny.toml"]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("notice"));

    // `run` says it on stderr before the work (here refused afterwards, because the
    // output directory holds earlier results, so nothing trains).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("results.h5"), b"earlier").unwrap();
    let out = dir.path().display().to_string();
    let o = activesynth(&["run", g24, "--out", &out, "--no-progress"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert_eq!(e.matches("notice: tasks[0] (game24)").count(), 1, "{e}");
    assert_eq!(
        std::fs::read(dir.path().join("results.h5")).unwrap(),
        b"earlier"
    );
}
