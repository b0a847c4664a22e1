//! What every dataset of `results.h5` means: its `description`, `units` and axis names
//! (see `output::h5::meta` for how axes are recorded), applied after the file is built
//! so that no dataset can be added without documentation (a test checks that none is
//! left undocumented). `docs/results-layout.md` is the human-readable twin.

use crate::output::h5::meta::Doc;
use crate::output::h5::H5Builder;
use anyhow::{bail, Result};

/// Documentation of the dataset at `path` (components after the leading slash).
fn doc_of(c: &[&str]) -> Option<Doc> {
    let leaf = *c.last()?;
    Some(match (c.first().copied()?, c.len()) {
        ("tasks", 1) => Doc::new("task names, in scenario order", "text", &["task"]),
        ("strategies", 1) => Doc::new("strategy labels, in scenario order", "text", &["strategy"]),
        ("vocab", 1) => Doc::new(
            "token text of every token id (▁ marks a leading space)",
            "text",
            &["token_id"],
        ),
        ("worlds", 4) => match leaf {
            "d0_difficulty" => Doc::new(
                "difficulty level of each seed example of D0",
                "1",
                &["seed"],
            ),
            "d0_token_hist" => Doc::new(
                "token counts of the D0 questions and answers, by token id (/vocab)",
                "tokens",
                &["token_id"],
            ),
            "d0_loss_own" => Doc::new(
                "own-generation loss of the base student on each seed of D0 (world check W3)",
                "nats",
                &["seed"],
            ),
            "d0_correct" => Doc::new(
                "whether the base student's greedy answer to each seed of D0 is correct (world check W3)",
                "0/1",
                &["seed"],
            ),
            "base_test_accuracy" => Doc::new(
                "test accuracy of the base student, before any synthetic data",
                "fraction",
                &[],
            ),
            "base_val_accuracy" => Doc::new(
                "validation accuracy of the base student, before any synthetic data",
                "fraction",
                &[],
            ),
            "base_by_difficulty" => Doc::new(
                "base student on the test set per difficulty: columns (difficulty, n, correct)",
                "count",
                &["difficulty_level", "column"],
            ),
            "test_difficulty" => Doc::new(
                "difficulty of each test item, in test-set order",
                "level",
                &["test_item"],
            ),
            "base_test_correct" => Doc::new(
                "whether the base student answers each test item correctly",
                "0/1",
                &["test_item"],
            ),
            _ => return None,
        },
        ("runs", 5) => run_doc(leaf)?,
        ("runs", 6) if c[4] == "seed_scores" => {
            let (what, units) = match leaf {
                "loss_own" => ("mean token NLL of the student's own answer", "nats"),
                "loss_gt" => ("mean token NLL of the ground-truth answer", "nats"),
                "correct" => ("1 if the student answers the seed correctly", "0/1"),
                "reward" => ("process reward of the student's answer", "1"),
                "judge_gap" => ("judge score gap (hardness) of the seed", "1"),
                other => {
                    return Some(Doc::new(
                        format!("per-seed score {other}"),
                        "1",
                        &["iteration", "seed"],
                    ))
                }
            };
            Doc::new(
                format!("{what}, per seed of D0, under the student of iteration t"),
                units,
                &["iteration", "seed"],
            )
        }
        ("runs", 6) if c[4] == "synthetic" => synthetic_doc(leaf)?,
        ("timing", 5) => match leaf {
            "total_s" => Doc::new("wall-clock time of the whole run (not replayed)", "s", &[]),
            "per_iteration_s" => Doc::new(
                "wall-clock time of each iteration (not replayed)",
                "s",
                &["iteration"],
            ),
            "train_tokens_per_s" => Doc::new(
                "student fine-tuning throughput per iteration (not replayed)",
                "tokens/s",
                &["iteration"],
            ),
            _ => return None,
        },
        _ => return None,
    })
}

fn run_doc(leaf: &str) -> Option<Doc> {
    let it = |desc: &str, units: &str| Doc::new(desc, units, &["iteration"]);
    Some(match leaf {
        "iteration" => it("loop iteration t (the iteration axis)", "1"),
        "train_size" => it(
            "|D̂t|: synthetic training examples after iteration t",
            "examples",
        ),
        "generated" => it("synthetic examples accepted at iteration t", "examples"),
        "best_epoch" => it("fine-tuning epoch kept (best on validation)", "epoch"),
        "test_accuracy" => it("test accuracy of the student fine-tuned on D̂t", "fraction"),
        "test_correct" => Doc::new(
            "whether the student fine-tuned on D̂t answers each test item correctly (mean = test_accuracy)",
            "0/1",
            &["iteration", "test_item"],
        ),
        "val_accuracy" => it(
            "validation accuracy of the student fine-tuned on D̂t",
            "fraction",
        ),
        "tokens_input" => it("cumulative teacher input tokens, all calls", "tokens"),
        "tokens_output" => it("cumulative teacher output tokens, all calls", "tokens"),
        "judge_tokens_input" => it(
            "cumulative judge input tokens (part of tokens_input)",
            "tokens",
        ),
        "judge_tokens_output" => it(
            "cumulative judge output tokens (part of tokens_output)",
            "tokens",
        ),
        "teacher_calls" => it("cumulative teacher calls", "calls"),
        "base_test_accuracy" => Doc::new(
            "test accuracy of the base student (as the world's)",
            "fraction",
            &[],
        ),
        "base_val_accuracy" => Doc::new(
            "validation accuracy of the base student (as the world's)",
            "fraction",
            &[],
        ),
        "selected" => Doc::new(
            "D0 indices selected at iteration t, in selection order",
            "index",
            &["iteration", "rank"],
        ),
        "token_hist" => Doc::new(
            "token counts of D̂t after iteration t, by token id (/vocab)",
            "tokens",
            &["iteration", "token_id"],
        ),
        _ => return None,
    })
}

fn synthetic_doc(leaf: &str) -> Option<Doc> {
    let (desc, units) = match leaf {
        "iteration" => ("iteration that generated the example", "1"),
        "parent" => (
            "D0 index of the seed the example was generated from",
            "index",
        ),
        "attempts" => ("teacher generation calls spent on the example", "calls"),
        "difficulty" => ("difficulty level of the example", "1"),
        "dedup_score" => (
            "max ROUGE-L F against the run's earlier synthetic questions",
            "1",
        ),
        "verified" => ("1 if the verifier accepted the teacher's answer", "0/1"),
        "parent_loss" => (
            "parent seed's own-answer loss under the student of that iteration",
            "nats",
        ),
        "parent_reward" => (
            "parent seed's reward under the student of that iteration",
            "1",
        ),
        "parent_correct" => (
            "1 if that student answered the parent seed correctly",
            "0/1",
        ),
        "loss" => (
            "the example's own-answer loss under the same student",
            "nats",
        ),
        "reward" => ("the example's reward under the same student", "1"),
        "correct" => (
            "1 if the same student answered the example correctly",
            "0/1",
        ),
        "question" => ("the synthetic question", "text"),
        "answer" => ("the teacher's answer (the training label)", "text"),
        _ => return None,
    };
    Some(Doc::new(desc, units, &["synthetic"]))
}

/// Documents every dataset of a results file and records the coordinates of each axis
/// that has them (a run's `iteration`, `/vocab` for token ids). Fails on a dataset the schema
/// does not know, so a new dataset cannot ship undocumented.
pub fn annotate(f: &mut H5Builder) -> Result<()> {
    for (path, rank) in f.datasets() {
        let c: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let Some(doc) = doc_of(&c) else {
            bail!("{path}: no documentation in output::results::schema");
        };
        f.describe(&path, rank, &doc)?;
        let run_iteration = match c.first().copied() {
            Some("runs") => format!("/runs/{}/{}/{}/iteration", c[1], c[2], c[3]),
            Some("timing") => format!("/runs/{}/{}/{}/iteration", c[1], c[2], c[3]),
            _ => String::new(),
        };
        if path == run_iteration {
            continue;
        }
        let scales: Vec<&str> = doc
            .dims
            .iter()
            .map(|axis| match axis.as_str() {
                "iteration" => run_iteration.as_str(),
                "token_id" => "/vocab",
                _ => "",
            })
            .collect();
        if path != "/vocab" && scales.iter().any(|s| !s.is_empty()) {
            f.coordinates(&path, &scales)?;
        }
    }
    Ok(())
}
