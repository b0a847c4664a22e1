//! Documented bounds on every numeric knob of a scenario, checked at the end of
//! validation: generous for the simulation (the paper's GSM8k seed set has 7473
//! examples; a "big" student here has d_model 512) and tight enough that no accepted
//! value can overflow an allocation size, run for years or make AdamW diverge by
//! construction. `docs/scenario-bounds.md` restates them; [`BOUNDS`] is the one source of
//! the numbers.

use super::Scenario;

/// A documented bound on one knob: `field` (a path pattern, `[]` for any index),
/// inclusive range, and why the bound is there.
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    pub field: &'static str,
    pub lo: f64,
    pub hi: f64,
    pub why: &'static str,
}

const fn b(field: &'static str, lo: f64, hi: f64, why: &'static str) -> Bound {
    Bound { field, lo, hi, why }
}

/// Every numeric bound (inclusive). Zero-or-positive checks with their own wording stay
/// in `validate.rs`; these are the upper ends and the ranges that prevent divergence.
pub const BOUNDS: &[Bound] = &[
    b("replicates", 1.0, 1000.0, "replicates of a simulation"),
    b("iterations", 1.0, 1000.0, "loop iterations"),
    b(
        "samples_per_iteration",
        1.0,
        100_000.0,
        "seeds per iteration",
    ),
    b("tasks[].seed_size", 1.0, 100_000.0, "|D0| (GSM8k: 7473)"),
    b("tasks[].val_size", 1.0, 100_000.0, "validation set"),
    b("tasks[].test_size", 1.0, 100_000.0, "test set"),
    b(
        "tasks[].samples_per_iteration",
        1.0,
        100_000.0,
        "this task's seeds per iteration",
    ),
    b(
        "tasks[].solutions_per_question",
        1.0,
        1000.0,
        "answers per seed question",
    ),
    b(
        "tasks[].pretrain_examples",
        1.0,
        100_000.0,
        "this task's base corpus",
    ),
    b(
        "tasks[].pretrain_epochs",
        1.0,
        1000.0,
        "this task's base pre-training passes",
    ),
    b(
        "tasks[].pretrain_rewrite_share",
        1e-6,
        1.0,
        "a share of the base corpus",
    ),
    b(
        "tasks[].pretrain_max_difficulty",
        0.0,
        100.0,
        "this task's base corpus difficulty cap",
    ),
    b(
        "tasks[].epochs",
        1.0,
        1000.0,
        "this task's passes over the synthetic set",
    ),
    b(
        "tasks[].learning_rate",
        1e-8,
        1.0,
        "this task's AdamW peak step size",
    ),
    b(
        "tasks[].lora_rank",
        0.0,
        4096.0,
        "this task's LoRA rank (0: full fine-tuning)",
    ),
    b(
        "strategies[].temperature",
        1e-6,
        1e6,
        "softmax(score/T) stays finite",
    ),
    b(
        "strategies[].dims",
        1.0,
        4096.0,
        "BADGE projection dimension",
    ),
    b("student.layers", 1.0, 64.0, "transformer blocks"),
    b("student.d_model", 1.0, 4096.0, "model width"),
    b("student.heads", 1.0, 64.0, "attention heads"),
    b("student.d_ff", 1.0, 16384.0, "MLP width"),
    b(
        "student.context",
        16.0,
        4096.0,
        "a prompt needs room for BOS, question, SEP",
    ),
    b("student.learning_rate", 1e-8, 1.0, "AdamW peak step size"),
    b(
        "student.pretrain_learning_rate",
        1e-8,
        1.0,
        "AdamW peak step size",
    ),
    b(
        "student.weight_decay",
        0.0,
        1.0,
        "decoupled decay: lr·wd must stay below 1",
    ),
    b("student.batch_size", 1.0, 4096.0, "sequences per step"),
    b(
        "student.epochs",
        1.0,
        1000.0,
        "passes over the synthetic set",
    ),
    b("student.min_steps", 0.0, 1_000_000.0, "optimiser steps"),
    b(
        "student.replay_examples",
        0.0,
        100_000.0,
        "rehearsal examples",
    ),
    b(
        "student.lora_rank",
        0.0,
        4096.0,
        "LoRA rank (0: full fine-tuning)",
    ),
    b("student.grad_clip", 1e-6, 1e6, "gradient-norm clip"),
    b("student.pretrain_examples", 1.0, 100_000.0, "base corpus"),
    b(
        "student.pretrain_epochs",
        1.0,
        1000.0,
        "base pre-training passes",
    ),
    b(
        "student.pretrain_max_difficulty",
        0.0,
        100.0,
        "task difficulty scale",
    ),
    b(
        "student.max_new_tokens",
        1.0,
        4096.0,
        "greedy decoding length",
    ),
    b(
        "teacher.few_shot",
        0.0,
        64.0,
        "few-shot examples per prompt (paper: 5)",
    ),
    b("dedup.max_retries", 0.0, 100.0, "regenerations per seed"),
    b("reward.length_bias", -1.0, 1.0, "reward per answer token"),
    b("reward.noise", 0.0, 100.0, "reward noise s.d."),
    b(
        "judge.noise",
        0.0,
        100.0,
        "judge noise s.d. on a 1-10 scale",
    ),
    b("judge.hard_margin", -10.0, 10.0, "judge scores are 1-10"),
];

/// Longest strategy label / scenario name: they become HDF5 group names, CSV values and
/// directory names.
pub const MAX_LABEL_CHARS: usize = 64;
/// At most this many strategies (the win-rate matrix and plots are per pair).
pub const MAX_STRATEGIES: usize = 64;
/// The resolved scenario is stored in one HDF5 attribute of `results.h5`, whose object
/// header holds at most 64 KiB in total; half of it is left for the other attributes.
pub const MAX_CANONICAL_BYTES: usize = 32 * 1024;

/// A scenario value that cannot work: the field and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Infeasible {
    pub field: String,
    pub message: String,
}

fn infeasible(field: impl Into<String>, message: impl Into<String>) -> Infeasible {
    Infeasible {
        field: field.into(),
        message: message.into(),
    }
}

/// Every bounded numeric field of a scenario with its value (per-task and per-strategy
/// fields once per entry), in file order.
pub fn numeric_fields(s: &Scenario) -> Vec<(String, &'static str, f64)> {
    let mut v: Vec<(String, &'static str, f64)> = Vec::new();
    let mut push = |path: String, pattern: &'static str, x: f64| v.push((path, pattern, x));
    push("replicates".into(), "replicates", s.replicates as f64);
    push("iterations".into(), "iterations", s.iterations as f64);
    push(
        "samples_per_iteration".into(),
        "samples_per_iteration",
        s.samples_per_iteration as f64,
    );
    for (i, t) in s.tasks.iter().enumerate() {
        push(
            format!("tasks[{i}].seed_size"),
            "tasks[].seed_size",
            t.seed_size as f64,
        );
        push(
            format!("tasks[{i}].val_size"),
            "tasks[].val_size",
            t.val_size as f64,
        );
        push(
            format!("tasks[{i}].test_size"),
            "tasks[].test_size",
            t.test_size as f64,
        );
        if let Some(m) = t.samples_per_iteration {
            push(
                format!("tasks[{i}].samples_per_iteration"),
                "tasks[].samples_per_iteration",
                m as f64,
            );
        }
        if let Some(n) = t.pretrain_examples {
            push(
                format!("tasks[{i}].pretrain_examples"),
                "tasks[].pretrain_examples",
                n as f64,
            );
        }
        if let Some(n) = t.pretrain_epochs {
            push(
                format!("tasks[{i}].pretrain_epochs"),
                "tasks[].pretrain_epochs",
                n as f64,
            );
        }
        if let Some(x) = t.pretrain_rewrite_share {
            push(
                format!("tasks[{i}].pretrain_rewrite_share"),
                "tasks[].pretrain_rewrite_share",
                x,
            );
        }
        for (pattern, x) in [
            (
                "tasks[].solutions_per_question",
                t.solutions_per_question.map(f64::from),
            ),
            (
                "tasks[].pretrain_max_difficulty",
                t.pretrain_max_difficulty.map(f64::from),
            ),
            ("tasks[].epochs", t.epochs.map(f64::from)),
            ("tasks[].learning_rate", t.learning_rate),
            ("tasks[].lora_rank", t.lora_rank.map(f64::from)),
        ] {
            if let Some(x) = x {
                push(
                    pattern.replace("tasks[]", &format!("tasks[{i}]")),
                    pattern,
                    x,
                );
            }
        }
    }
    for (i, st) in s.strategies.iter().enumerate() {
        if let Some(t) = st.temperature {
            push(
                format!("strategies[{i}].temperature"),
                "strategies[].temperature",
                t,
            );
        }
        if let Some(k) = st.dims {
            push(
                format!("strategies[{i}].dims"),
                "strategies[].dims",
                k as f64,
            );
        }
    }
    let st = &s.student;
    for (k, x) in [
        ("student.layers", st.layers as f64),
        ("student.d_model", st.d_model as f64),
        ("student.heads", st.heads as f64),
        ("student.d_ff", st.d_ff as f64),
        ("student.context", st.context as f64),
        ("student.learning_rate", st.learning_rate),
        ("student.pretrain_learning_rate", st.pretrain_learning_rate),
        ("student.weight_decay", st.weight_decay),
        ("student.batch_size", st.batch_size as f64),
        ("student.epochs", st.epochs as f64),
        ("student.min_steps", st.min_steps as f64),
        ("student.replay_examples", st.replay_examples as f64),
        ("student.lora_rank", st.lora_rank as f64),
        ("student.grad_clip", st.grad_clip),
        ("student.pretrain_examples", st.pretrain_examples as f64),
        ("student.pretrain_epochs", st.pretrain_epochs as f64),
        (
            "student.pretrain_max_difficulty",
            st.pretrain_max_difficulty as f64,
        ),
        ("student.max_new_tokens", st.max_new_tokens as f64),
        ("teacher.few_shot", s.teacher.few_shot as f64),
        ("dedup.max_retries", s.dedup.max_retries as f64),
        ("reward.length_bias", s.reward.length_bias),
        ("reward.noise", s.reward.noise),
        ("judge.noise", s.judge.noise),
        ("judge.hard_margin", s.judge.hard_margin),
    ] {
        push(k.to_string(), k, x);
    }
    v
}

fn bound_of(pattern: &str) -> &'static Bound {
    BOUNDS
        .iter()
        .find(|b| b.field == pattern)
        .expect("every numeric field has a bound")
}

/// `1e-6` / `4096` / `0.5`: the shortest faithful form of a bound.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:e}")
    }
}

/// The first value outside its documented bound, in file order; also the lengths of
/// names and labels and the number of strategies. Linear in the number of entries.
pub fn check_bounds(s: &Scenario) -> Result<(), Infeasible> {
    if s.name.chars().count() > MAX_LABEL_CHARS {
        return Err(infeasible(
            "name",
            format!(
                "is {} characters; at most {MAX_LABEL_CHARS} (it names the output directory)",
                s.name.chars().count()
            ),
        ));
    }
    if s.strategies.len() > MAX_STRATEGIES {
        return Err(infeasible(
            format!("strategies[{MAX_STRATEGIES}]"),
            format!(
                "{} strategies; at most {MAX_STRATEGIES} in one scenario",
                s.strategies.len()
            ),
        ));
    }
    for (i, st) in s.strategies.iter().enumerate() {
        if let Some(l) = &st.label {
            if l.chars().count() > MAX_LABEL_CHARS {
                return Err(infeasible(
                    format!("strategies[{i}].label"),
                    format!(
                        "is {} characters; at most {MAX_LABEL_CHARS} (labels name HDF5 groups and CSV values)",
                        l.chars().count()
                    ),
                ));
            }
        }
    }
    for (path, pattern, x) in numeric_fields(s) {
        let bd = bound_of(pattern);
        if !(x >= bd.lo && x <= bd.hi) {
            return Err(infeasible(
                path,
                format!(
                    "{} is outside the documented range [{}, {}] ({})",
                    num(x),
                    num(bd.lo),
                    num(bd.hi),
                    bd.why
                ),
            ));
        }
    }
    const DECAY: &str = "learning_rate × weight_decay must stay below 1 (decoupled decay multiplies every weight by 1 − lr·wd)";
    if s.student.learning_rate * s.student.weight_decay >= 1.0
        || s.student.pretrain_learning_rate * s.student.weight_decay >= 1.0
    {
        return Err(infeasible("student.weight_decay", DECAY));
    }
    for (i, t) in s.tasks.iter().enumerate() {
        if t.learning_rate
            .is_some_and(|lr| lr * s.student.weight_decay >= 1.0)
        {
            return Err(infeasible(format!("tasks[{i}].learning_rate"), DECAY));
        }
    }
    let canonical = s.resolved().to_toml().len();
    if canonical > MAX_CANONICAL_BYTES {
        return Err(infeasible(
            "strategies",
            format!(
                "the resolved scenario is {canonical} bytes; results.h5 stores it in one attribute of at most {MAX_CANONICAL_BYTES} bytes (shorten names and labels, or split the scenario)"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_numeric_field_has_a_bound() {
        let s: Scenario = crate::scenario::parse(
            "name = \"x\"\n[[tasks]]\nname = \"arith\"\n[[strategies]]\nname = \"badge\"\ndims = 4\n[[strategies]]\nname = \"loss\"\nmode = \"softmax\"\ntemperature = 0.5\n",
            "x.toml",
        )
        .unwrap();
        for (_, pattern, _) in numeric_fields(&s) {
            bound_of(pattern);
        }
        assert!(check_bounds(&s).is_ok());
    }
}
