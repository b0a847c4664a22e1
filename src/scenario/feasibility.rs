//! Feasibility before work: documented bounds on every numeric knob, and an estimate of
//! the memory and work a resolved scenario needs, so that `check` and `run` refuse what
//! cannot finish (an allocation abort, a run of years, a results file HDF5 cannot hold)
//! before any CPU time is spent, and tell the user what a legitimate long run will cost.
//!
//! The bounds are generous for the simulation (the paper's GSM8k seed set has 7473
//! examples; a "big" student here has d_model 512) and tight enough that no accepted
//! value can overflow an allocation size or run for more than days. They are listed in
//! `docs/scenario-bounds.md`; [`BOUNDS`] is the one source of the numbers.
//!
//! The memory estimate counts what the code allocates: per model copy 4 bytes per
//! parameter; per training run the model, the restored-best copy, the gradient and the
//! AdamW moments (25 bytes/parameter); a packed batch's activations; the decoder's KV
//! cache (64 prompts at once); the shared worlds (base model + example texts); BADGE's
//! answer states and embeddings. It is an estimate (±30%), not an accounting.

use super::{Scenario, TaskSpec};
use crate::tasks;
use crate::text::Tokenizer;
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

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
    b("samples_per_iteration", 1.0, 100_000.0, "seeds per iteration"),
    b("tasks[].seed_size", 1.0, 100_000.0, "|D0| (GSM8k: 7473)"),
    b("tasks[].val_size", 1.0, 100_000.0, "validation set"),
    b("tasks[].test_size", 1.0, 100_000.0, "test set"),
    b("strategies[].temperature", 1e-6, 1e6, "softmax(score/T) stays finite"),
    b("strategies[].dims", 1.0, 4096.0, "BADGE projection dimension"),
    b("student.layers", 1.0, 64.0, "transformer blocks"),
    b("student.d_model", 1.0, 4096.0, "model width"),
    b("student.heads", 1.0, 64.0, "attention heads"),
    b("student.d_ff", 1.0, 16384.0, "MLP width"),
    b("student.context", 16.0, 4096.0, "a prompt needs room for BOS, question, SEP"),
    b("student.learning_rate", 1e-8, 1.0, "AdamW peak step size"),
    b("student.pretrain_learning_rate", 1e-8, 1.0, "AdamW peak step size"),
    b("student.weight_decay", 0.0, 1.0, "decoupled decay: lr·wd must stay below 1"),
    b("student.batch_size", 1.0, 4096.0, "sequences per step"),
    b("student.epochs", 1.0, 1000.0, "passes over the synthetic set"),
    b("student.min_steps", 0.0, 1_000_000.0, "optimiser steps"),
    b("student.replay_examples", 0.0, 100_000.0, "rehearsal examples"),
    b("student.grad_clip", 1e-6, 1e6, "gradient-norm clip"),
    b("student.pretrain_examples", 1.0, 100_000.0, "base corpus"),
    b("student.pretrain_epochs", 1.0, 1000.0, "base pre-training passes"),
    b("student.pretrain_max_difficulty", 0.0, 100.0, "task difficulty scale"),
    b("student.max_new_tokens", 1.0, 4096.0, "greedy decoding length"),
    b("teacher.few_shot", 0.0, 64.0, "few-shot examples per prompt (paper: 5)"),
    b("dedup.max_retries", 0.0, 100.0, "regenerations per seed"),
    b("reward.length_bias", -1.0, 1.0, "reward per answer token"),
    b("reward.noise", 0.0, 100.0, "reward noise s.d."),
    b("judge.noise", 0.0, 100.0, "judge noise s.d. on a 1-10 scale"),
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
            push(format!("strategies[{i}].dims"), "strategies[].dims", k as f64);
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
        ("student.grad_clip", st.grad_clip),
        ("student.pretrain_examples", st.pretrain_examples as f64),
        ("student.pretrain_epochs", st.pretrain_epochs as f64),
        ("student.pretrain_max_difficulty", st.pretrain_max_difficulty as f64),
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
    if s.student.learning_rate * s.student.weight_decay >= 1.0
        || s.student.pretrain_learning_rate * s.student.weight_decay >= 1.0
    {
        return Err(infeasible(
            "student.weight_decay",
            "learning_rate × weight_decay must stay below 1 (decoupled decay multiplies every weight by 1 − lr·wd)",
        ));
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

/// Typical token lengths of one task's examples under its student vocabulary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TaskShape {
    pub vocab: usize,
    /// Mean prompt tokens (BOS question SEP) and answer tokens (answer EOS).
    pub prompt: f64,
    pub answer: f64,
    /// The same for the pre-training corpus at difficulty ≤ `pretrain_max_difficulty`.
    pub pre_prompt: f64,
    pub pre_answer: f64,
    /// Mean bytes of an example's texts (question + answer).
    pub text_bytes: f64,
}

/// Measure a task's shape on 48 generated examples (cached per task and difficulty cap).
pub fn task_shape(name: &str, pretrain_max_difficulty: u32) -> Option<TaskShape> {
    static CACHE: OnceLock<Mutex<BTreeMap<(String, u32), TaskShape>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (name.to_string(), pretrain_max_difficulty);
    if let Some(s) = cache.lock().ok()?.get(&key) {
        return Some(*s);
    }
    let task = tasks::by_name(name)?;
    let tok = Tokenizer::for_task(&*task);
    let measure = |dmax: Option<u32>| -> (f64, f64, f64) {
        use rand::Rng as _;
        let mut rng = crate::rng::StreamKey::shared(0, name, 0, "feasibility").rng();
        let (lo, hi) = task.difficulty_range();
        let n = 48;
        let (mut p, mut a, mut bytes) = (0usize, 0usize, 0usize);
        for _ in 0..n {
            let d = dmax.map(|m| rng.gen_range(lo..=m.clamp(lo, hi)));
            let e = task.generate(&mut rng, d);
            p += tok.encode(&e.question).map_or(0, |v| v.len()) + 2;
            a += tok.encode(&e.answer).map_or(0, |v| v.len()) + 1;
            bytes += e.question.len() + e.answer.len();
        }
        let n = n as f64;
        (p as f64 / n, a as f64 / n, bytes as f64 / n)
    };
    let (prompt, answer, text_bytes) = measure(None);
    let (pre_prompt, pre_answer, _) = measure(Some(pretrain_max_difficulty));
    let shape = TaskShape {
        vocab: tok.vocab_size(),
        prompt,
        answer,
        pre_prompt,
        pre_answer,
        text_bytes,
    };
    cache.lock().ok()?.insert(key, shape);
    Some(shape)
}

/// Parameters of the student (the layout of `student::model`, counted in f64 so that
/// no size can overflow): embeddings, per block LN + fused QKV + output + LN + MLP,
/// final LN, untied head.
pub fn n_params(vocab: f64, s: &super::StudentSpec) -> f64 {
    let (d, f, c, l) = (
        s.d_model as f64,
        s.d_ff as f64,
        s.context as f64,
        s.layers as f64,
    );
    let block = 2.0 * d + 3.0 * d * d + 3.0 * d + d * d + d + 2.0 * d + d * f + f + f * d + d;
    vocab * d + c * d + l * block + 2.0 * d + vocab * d
}

/// What a scenario will need.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Peak resident bytes, and the components of the largest phase.
    pub peak_bytes: f64,
    pub components: Vec<(&'static str, String, f64)>,
    /// Student parameters (largest task vocabulary).
    pub params: f64,
    /// Tokens processed by training (forward + backward), pre-training included.
    pub train_tokens: f64,
    /// Tokens produced or consumed by greedy decoding.
    pub decode_tokens: f64,
    /// Floating-point operations of training and decoding (≈ 6 and 2 per parameter
    /// per token).
    pub train_flops: f64,
    pub decode_flops: f64,
    /// Runs (task × replicate × strategy) and worlds (task × replicate).
    pub runs: usize,
    pub worlds: usize,
    /// Runs computing at once.
    pub parallel: usize,
}

/// Limits `check` and `run` hold a scenario to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Refuse when the estimated peak exceeds this many bytes.
    pub max_memory: f64,
    /// `--jobs`: runs computing at once.
    pub jobs: usize,
}

const BASELINE_BYTES: f64 = 64e6;
const DECODE_CHUNK: f64 = 64.0;

fn task_field(s: &Scenario, pick: impl Fn(&TaskSpec) -> u32, key: &str) -> String {
    let i = (0..s.tasks.len())
        .max_by_key(|&i| pick(&s.tasks[i]))
        .unwrap_or(0);
    format!("tasks[{i}].{key}")
}

/// Estimate memory and work of a validated scenario (resolved or not) and refuse it
/// when the estimated peak exceeds `limits.max_memory`, naming the field that drives
/// the largest component. Call [`check_bounds`] first: the arithmetic assumes bounded
/// values (it never allocates, so it cannot abort either way).
pub fn assess(s: &Scenario, limits: &Limits) -> Result<Estimate, Infeasible> {
    let st = &s.student;
    let shapes: Vec<TaskShape> = s
        .tasks
        .iter()
        .map(|t| {
            task_shape(&t.name, st.pretrain_max_difficulty)
                .ok_or_else(|| infeasible("tasks", format!("unknown task {}", t.name)))
        })
        .collect::<Result<_, _>>()?;
    let vocab = shapes.iter().map(|x| x.vocab).max().unwrap_or(0) as f64;
    let n = n_params(vocab, st);
    let (d, f, h, layers, ctx) = (
        st.d_model as f64,
        st.d_ff as f64,
        st.heads as f64,
        st.layers as f64,
        st.context as f64,
    );
    let runs = s.tasks.len() * s.replicates as usize * s.strategies.len();
    let worlds = s.tasks.len() * s.replicates as usize;
    let parallel = limits.jobs.max(1).min(runs.max(1));
    let bs = st.batch_size as f64;
    let seq_len = shapes
        .iter()
        .map(|x| x.prompt + x.answer)
        .fold(0.0, f64::max)
        .min(ctx);
    // A packed batch: its rows, per-layer activations, attention probabilities, the
    // backward scratch and the softmax over the vocabulary at the answer rows.
    let rows = bs * (2.0 * seq_len).min(ctx);
    let attn = bs * h * (2.0 * seq_len).min(ctx).powi(2);
    let act = 4.0
        * (layers * (rows * (10.0 * d + 2.0 * f) + attn)
            + rows * (9.0 * d + f)
            + attn
            + rows * (vocab + 2.0 * d));
    let optimiser = 25.0 * n;
    let kv = 4.0 * DECODE_CHUNK * 2.0 * layers * ctx * d;
    let badge = if s.strategies.iter().any(|x| x.name == "badge") {
        let dims = s
            .strategies
            .iter()
            .filter(|x| x.name == "badge")
            .map(|x| x.dims_or_default() as f64)
            .fold(0.0, f64::max);
        let k2 = dims.sqrt().ceil().powi(2);
        let seeds = s.tasks.iter().map(|t| t.seed_size).max().unwrap_or(0) as f64;
        let ans = (st.max_new_tokens as f64 + 1.0).min(ctx);
        seeds * (4.0 * ans * (d + 1.0) + 12.0 * k2)
    } else {
        0.0
    };
    let world_bytes: f64 = s
        .tasks
        .iter()
        .zip(&shapes)
        .map(|(t, x)| {
            let examples =
                (t.seed_size + t.val_size + t.test_size + st.pretrain_examples) as f64;
            4.0 * n + examples * (2.0 * x.text_bytes + 160.0)
        })
        .sum::<f64>()
        * s.replicates as f64;
    // Phase 1, building worlds: `jobs` pre-trainings at once. Phase 2, the runs: every
    // world held, `parallel` runs each with a student, an optimiser, a batch, a KV cache.
    let build = BASELINE_BYTES + world_bytes + limits.jobs.max(1).min(worlds) as f64 * (optimiser + act + kv);
    let per_run = optimiser + act + kv + badge;
    let loop_peak = BASELINE_BYTES + world_bytes + parallel as f64 * per_run;
    let p = parallel as f64;
    let components = vec![
        ("model and AdamW state", "student.d_model".to_string(), p * optimiser),
        ("activations of a batch", "student.batch_size".to_string(), p * act),
        ("KV cache", "student.context".to_string(), p * kv),
        (
            "worlds (data sets and base models)",
            task_field(s, |t| t.seed_size + t.val_size + t.test_size, "seed_size"),
            world_bytes,
        ),
        (
            "BADGE states and embeddings",
            task_field(s, |t| t.seed_size, "seed_size"),
            p * badge,
        ),
    ];
    let peak = build.max(loop_peak);

    // Work: pre-training of every world, then every run's iterations.
    let mut train_tokens = 0.0;
    let mut decode_tokens = 0.0;
    let max_new = st.max_new_tokens as f64;
    for (t, x) in s.tasks.iter().zip(&shapes) {
        let reps = s.replicates as f64;
        let pre = st.pretrain_examples as f64 * st.pretrain_epochs as f64 * (x.pre_prompt + x.pre_answer);
        let pre_dec = (t.val_size as f64 * st.pretrain_epochs as f64 + (t.val_size + t.test_size) as f64)
            * (x.prompt + x.answer.min(max_new));
        train_tokens += reps * pre;
        decode_tokens += reps * pre_dec;
        let dec_len = x.prompt + x.answer.min(max_new);
        for strat in &s.strategies {
            let mut run_train = 0.0;
            let mut run_dec = 0.0;
            for it in 0..s.iterations {
                let size = s.samples_per_iteration as f64 * (it as f64 + 1.0)
                    + st.replay_examples as f64;
                let per_epoch = (size / bs).ceil().max(1.0);
                let epochs = (st.epochs as f64).max((st.min_steps as f64 / per_epoch).ceil());
                run_train += size * epochs * (x.prompt + x.answer);
                let predict = if strat.name == "random" {
                    0.0
                } else {
                    t.seed_size as f64
                };
                let decodes = predict
                    + 2.0 * s.samples_per_iteration as f64
                    + t.test_size as f64
                    + t.val_size as f64 * st.epochs as f64;
                run_dec += decodes * dec_len;
            }
            train_tokens += reps * run_train;
            decode_tokens += reps * run_dec;
        }
    }
    let attn_per_token = 2.0 * layers * seq_len * d;
    let est = Estimate {
        peak_bytes: peak,
        components,
        params: n,
        train_tokens,
        decode_tokens,
        train_flops: train_tokens * (6.0 * n + 3.0 * attn_per_token),
        decode_flops: decode_tokens * (2.0 * n + attn_per_token),
        runs,
        worlds,
        parallel,
    };
    if peak > limits.max_memory {
        let (what, field, bytes) = est
            .components
            .iter()
            .max_by(|a, b| a.2.total_cmp(&b.2))
            .cloned()
            .expect("five components");
        return Err(infeasible(
            field,
            format!(
                "estimated peak memory {} exceeds the limit {} (largest part: {what}, {}; {:.3} G student parameters, {} runs at once); shrink it, lower --jobs, or raise --max-memory",
                human_bytes(peak),
                human_bytes(limits.max_memory),
                human_bytes(bytes),
                n / 1e9,
                parallel
            ),
        ));
    }
    Ok(est)
}

/// `1.2 GB`, `340 MB`, `12 kB` (decimal units, as `--max-memory` reads them).
pub fn human_bytes(x: f64) -> String {
    let units = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    for (u, s) in units {
        if x >= s {
            return format!("{:.1} {u}", x / s);
        }
    }
    format!("{x:.0} B")
}

/// `3.4 G`, `12.0 M`, `950 k` for counts.
pub fn human_count(x: f64) -> String {
    for (u, s) in [("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)] {
        if x >= s {
            return format!("{:.1} {u}", x / s);
        }
    }
    format!("{x:.0}")
}

/// Parse a memory size: `4G`, `4GB`, `512M`, `4GiB`, `1.5g`, or plain bytes.
pub fn parse_bytes(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let x: f64 = num
        .parse()
        .map_err(|_| format!("expected a size such as 4G or 512M, got \"{s}\""))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024f64.powi(4),
        _ => return Err(format!("unknown size unit in \"{s}\" (use K, M, G, T or KiB, MiB, GiB)")),
    };
    let v = x * mult;
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("expected a positive size, got \"{s}\""));
    }
    Ok(v)
}

/// Available memory (`MemAvailable` of /proc/meminfo), or `None` where unknown.
pub fn available_memory() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::StudentSpec;
    use crate::student::ModelConfig;

    #[test]
    fn parameter_count_matches_the_model_layout() {
        let s = StudentSpec::default();
        let cfg = ModelConfig {
            vocab: 97,
            layers: s.layers as usize,
            d_model: s.d_model as usize,
            heads: s.heads as usize,
            d_ff: s.d_ff as usize,
            context: s.context as usize,
        };
        assert_eq!(n_params(97.0, &s), cfg.n_params() as f64);
        let big = StudentSpec {
            layers: 3,
            d_model: 48,
            heads: 3,
            d_ff: 100,
            context: 33,
            ..s
        };
        let cfg = ModelConfig {
            layers: 3,
            d_model: 48,
            heads: 3,
            d_ff: 100,
            context: 33,
            ..cfg
        };
        assert_eq!(n_params(97.0, &big), cfg.n_params() as f64);
    }

    #[test]
    fn sizes_parse_in_decimal_and_binary_units() {
        assert_eq!(parse_bytes("4G").unwrap(), 4e9);
        assert_eq!(parse_bytes("512MB").unwrap(), 512e6);
        assert_eq!(parse_bytes("1GiB").unwrap(), 1073741824.0);
        assert_eq!(parse_bytes("1000").unwrap(), 1000.0);
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("4X").is_err());
        assert!(parse_bytes("0").is_err());
    }

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
