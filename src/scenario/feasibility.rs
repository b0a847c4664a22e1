//! Feasibility before work: an estimate of the memory and work a resolved scenario
//! needs, so that `check` and `run` refuse what cannot finish (an allocation abort) before
//! any CPU time is spent, and tell the user what a legitimate long run will cost. The
//! documented bounds on every knob are in [`super::bounds`] and re-exported here.
//!
//! The memory estimate counts what the code allocates: per model copy 4 bytes per
//! parameter; per training run the model, the restored-best copy, the gradient and the
//! AdamW moments (25 bytes/parameter); a packed batch's activations; the decoder's KV
//! cache ([`DECODE_CHUNK`] prompts at once); the shared worlds (base model + example texts); BADGE's
//! answer states and embeddings. It is an estimate (±30%), not an accounting.

pub use super::bounds::{
    check_bounds, numeric_fields, Bound, Infeasible, BOUNDS, MAX_CANONICAL_BYTES, MAX_LABEL_CHARS,
    MAX_STRATEGIES,
};
use super::{Scenario, StrategySpec, TaskSpec};
use crate::selection::{registry, Need};
use crate::tasks;
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

fn infeasible(field: impl Into<String>, message: impl Into<String>) -> Infeasible {
    Infeasible {
        field: field.into(),
        message: message.into(),
    }
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
    let tok = tasks::student_tokenizer(&*task);
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
    /// Tokens produced or consumed by greedy decoding and forward-only scoring.
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
/// Prompts the student's decoder runs together: it bounds the KV-cache memory (2·layers
/// ·context·d floats per prompt), which this module counts, so the number lives here, in
/// the layer below the student, and `student::decode` takes it from here. 32 rather than
/// 64: a decoding step reads every slot's cache, and half as many slots keep it nearer
/// the core; the peer benchmark's 4L-d128 decode went from 111–117 to 99–102 ms (2L-d64
/// unchanged), while 32 rows per step still fill the GEMMs' 12-row tiles. Which prompts
/// share a chunk does not change any prompt's tokens (`student::tests`).
pub const DECODE_CHUNK: usize = 32;

fn task_field(s: &Scenario, pick: impl Fn(&TaskSpec) -> u32, key: &str) -> String {
    let i = (0..s.tasks.len())
        .max_by_key(|&i| pick(&s.tasks[i]))
        .unwrap_or(0);
    format!("tasks[{i}].{key}")
}

/// Share of a world's distinct questions that the seed, validation and test sets may
/// take together. They are drawn at random until distinct, so the last few questions
/// take ever more draws: game24's 1,362 puzzles gave only 1,302 distinct ones within
/// the world builder's draw budget when 1,400 were asked for.
pub const MAX_DISTINCT_SHARE: f64 = 0.9;

/// Refuse, before any work, a task whose seed + validation + test sets need more
/// distinct questions than its world can provide.
fn distinct_sets_fit(s: &Scenario) -> Result<(), Infeasible> {
    for (i, t) in s.tasks.iter().enumerate() {
        let Some(cap) = tasks::by_name(&t.name).and_then(|w| w.distinct_questions()) else {
            continue;
        };
        // D0's questions: fewer than its data points when each holds several answers.
        let want = t.seed_questions() as u64 + t.val_size as u64 + t.test_size as u64;
        let max = (cap as f64 * MAX_DISTINCT_SHARE).floor() as u64;
        if want > max {
            return Err(infeasible(
                format!("tasks[{i}].seed_size"),
                format!(
                    "task {} has {cap} distinct questions; {} + val_size + test_size = {want} \
                     exceeds {max} ({:.0}% of them, the most that random draws find reliably)",
                    t.name,
                    if t.seed_questions() == t.seed_size {
                        "seed_size"
                    } else {
                        "D0's questions (seed_size / solutions_per_question, rounded up)"
                    },
                    MAX_DISTINCT_SHARE * 100.0
                ),
            ));
        }
    }
    Ok(())
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
            task_shape(&t.name, t.student(st).pretrain_max_difficulty)
                .ok_or_else(|| infeasible("tasks", format!("unknown task {}", t.name)))
        })
        .collect::<Result<_, _>>()?;
    distinct_sets_fit(s)?;
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
    let kv = 4.0 * DECODE_CHUNK as f64 * 2.0 * layers * ctx * d;
    // Strategies that score gradient embeddings (BADGE) hold them for every seed.
    let embeds = |x: &&StrategySpec| registry::needs(x).contains(&Need::GradEmbed);
    let badge = if s.strategies.iter().any(|x| embeds(&x)) {
        let dims = s
            .strategies
            .iter()
            .filter(embeds)
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
            let pre = t.student(st).pretrain_examples;
            let examples = (t.seed_size + t.val_size + t.test_size + pre) as f64;
            4.0 * n + examples * (2.0 * x.text_bytes + 160.0)
        })
        .sum::<f64>()
        * s.replicates as f64;
    // Phase 1, building worlds: `jobs` pre-trainings at once. Phase 2, the runs: every
    // world held, `parallel` runs each with a student, an optimiser, a batch, a KV cache.
    let build = BASELINE_BYTES
        + world_bytes
        + limits.jobs.max(1).min(worlds) as f64 * (optimiser + act + kv);
    let per_run = optimiser + act + kv + badge;
    let loop_peak = BASELINE_BYTES + world_bytes + parallel as f64 * per_run;
    let p = parallel as f64;
    let components = vec![
        (
            "model and AdamW state",
            "student.d_model".to_string(),
            p * optimiser,
        ),
        (
            "activations of a batch",
            "student.batch_size".to_string(),
            p * act,
        ),
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
        let tst = t.student(st);
        let pre = tst.pretrain_examples as f64
            * tst.pretrain_epochs as f64
            * (x.pre_prompt + x.pre_answer);
        let pre_dec = (t.val_size as f64 * tst.pretrain_epochs as f64
            + (t.val_size + t.test_size) as f64)
            * (x.prompt + x.answer.min(max_new));
        train_tokens += reps * pre;
        decode_tokens += reps * pre_dec;
        let dec_len = x.prompt + x.answer.min(max_new);
        let m = t.samples_per_iteration(s.samples_per_iteration) as f64;
        for strat in &s.strategies {
            let mut run_train = 0.0;
            let mut run_dec = 0.0;
            for it in 0..s.iterations {
                let size = m * (it as f64 + 1.0) + st.replay_examples as f64;
                let per_epoch = (size / bs).ceil().max(1.0);
                let epochs = (tst.epochs as f64).max((st.min_steps as f64 / per_epoch).ceil());
                run_train += size * epochs * (x.prompt + x.answer);
                // The seeds are predicted when anything is scored, and their losses or
                // BADGE's answer states computed in a forward pass when a model score is.
                let needs = registry::needs(strat);
                let predict = if needs.is_empty() {
                    0.0
                } else {
                    t.seed_size as f64
                };
                let decodes =
                    predict + 2.0 * m + t.test_size as f64 + t.val_size as f64 * tst.epochs as f64;
                // Forward-only scoring passes: the seeds' losses or BADGE's answer
                // states (loss, badge), and the probes' losses.
                let scored = if needs.iter().any(|x| x.model_pass()) {
                    t.seed_size as f64
                } else {
                    0.0
                } + 2.0 * m;
                run_dec += (decodes + scored) * dec_len;
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
        _ => {
            return Err(format!(
                "unknown size unit in \"{s}\" (use K, M, G, T or KiB, MiB, GiB)"
            ))
        }
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
}
