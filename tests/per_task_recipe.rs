//! A task's own student recipe (`tasks[].epochs`, `learning_rate`, `lora_rank`,
//! `pretrain_max_difficulty`), end to end: a two-task scenario whose arith entry carries
//! the four overrides gives arith exactly the worlds and runs, bit for bit, of a one-task
//! scenario with the same values in `[student]`, and gives mathmix exactly what it gets
//! without them. So the override reaches the base, fine-tuning and everything recorded,
//! and nothing else.

mod common;
use common::{activesynth, show};

use std::path::Path;

use activesynth::output::h5::{H5File, Kind};

const HEAD: &str =
    "name = \"recipe\"\nseed = 7\nreplicates = 1\niterations = 2\nsamples_per_iteration = 6\n";
const ARITH: &str = "[[tasks]]\nname = \"arith\"\nseed_size = 40\nval_size = 10\ntest_size = 20\n";
const MATHMIX: &str =
    "[[tasks]]\nname = \"mathmix\"\nseed_size = 40\nval_size = 10\ntest_size = 20\n";
/// The four overrides, each away from its `[student]` default below.
const RECIPE: &str =
    "epochs = 3\nlearning_rate = 0.003\nlora_rank = 4\npretrain_max_difficulty = 2\n";
const REST: &str = "[[strategies]]\nname = \"random\"\n[[strategies]]\nname = \"loss\"\n";
const STUDENT: &str = "[student]\nlayers = 1\nd_model = 16\nheads = 2\nd_ff = 32\ncontext = 160\nepochs = 1\npretrain_examples = 20\npretrain_epochs = 1\nmax_new_tokens = 40\n";

fn run(dir: &Path, name: &str, text: &str) -> H5File {
    let scn = dir.join(format!("{name}.toml"));
    std::fs::write(&scn, text).expect("write scenario");
    let out = dir.join(name);
    let o = activesynth()
        .arg("run")
        .arg(&scn)
        .arg("--out")
        .arg(&out)
        .args(["--no-progress", "--jobs", "1", "--cache-dir"])
        .arg(dir.join("cache"))
        .output()
        .expect("spawn activesynth");
    assert!(o.status.success(), "run {name} failed: {}", show(&o));
    H5File::open(&out.join("results.h5")).expect("open results.h5")
}

/// Every dataset under `/runs/{task}` and `/worlds/{task}`, by path.
fn task_datasets(f: &H5File, task: &str) -> Vec<String> {
    let keep = |p: &str| {
        p.starts_with(&format!("/runs/{task}/")) || p.starts_with(&format!("/worlds/{task}/"))
    };
    let v: Vec<String> = f
        .list()
        .expect("list")
        .into_iter()
        .filter(|(p, k)| matches!(k, Kind::Dataset) && keep(p))
        .map(|(p, _)| p)
        .collect();
    assert!(v.len() > 20, "{task}: only {} datasets", v.len());
    v
}

/// The first dataset of `task` whose values or shape differ between `a` and `b`.
fn first_task_difference(a: &H5File, b: &H5File, task: &str) -> Option<String> {
    let (pa, pb) = (task_datasets(a, task), task_datasets(b, task));
    if pa != pb {
        return Some(format!("{task}: different dataset lists"));
    }
    pa.into_iter().find(|p| {
        let (x, y) = (a.read(p).expect("read"), b.read(p).expect("read"));
        x.shape != y.shape || x.data.first_bit_difference(&y.data).is_some()
    })
}

#[test]
fn a_tasks_own_recipe_reaches_its_runs_and_only_them() {
    let dir = tempfile::Builder::new()
        .prefix("task-recipe-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("tempdir");
    let per_task = run(
        dir.path(),
        "per-task",
        &format!("{HEAD}{ARITH}{RECIPE}{MATHMIX}{REST}{STUDENT}"),
    );
    // the same four values for every task, in [student] (later keys of a TOML table
    // cannot repeat, so the defaults' `epochs = 1` is replaced)
    let global_student = format!("{}{RECIPE}", STUDENT.replace("\nepochs = 1\n", "\n"));
    let global = run(
        dir.path(),
        "global",
        &format!("{HEAD}{ARITH}{REST}{global_student}"),
    );
    let plain = run(
        dir.path(),
        "plain",
        &format!("{HEAD}{ARITH}{MATHMIX}{REST}{STUDENT}"),
    );

    assert_eq!(
        first_task_difference(&per_task, &global, "arith"),
        None,
        "arith with its own recipe = arith with that recipe for every task"
    );
    assert_eq!(
        first_task_difference(&per_task, &plain, "mathmix"),
        None,
        "mathmix keeps [student]'s recipe"
    );
    assert!(
        first_task_difference(&per_task, &plain, "arith").is_some(),
        "the overrides change arith's runs"
    );
    let report = std::fs::read_to_string(dir.path().join("per-task/report.md")).expect("report");
    assert!(
        report.contains("its base pre-trained on 20 examples (difficulty ≤ 2) for 1 epochs, fine-tuned with lr 0.003, 3 epochs, LoRA rank 4"),
        "the report states arith's own recipe:\n{report}"
    );
}
