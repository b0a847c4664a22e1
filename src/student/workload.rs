//! Standard student benchmark workloads shared by `activesynth student bench` (the Rust
//! half of the peer benchmark in `benches/peer/`) and the criterion bench
//! `benches/student.rs`, with their FLOP counts, so both time the same shapes and compute
//! throughput the same way. `benches/peer/student_torch.py` builds the same shapes in
//! PyTorch; keep the two in step.
//!
//! - Training step: a packed batch of 24 sequences, each BOS + 40 question tokens + SEP +
//!   20 answer tokens + EOS, i.e. 62 input rows and 21 scored rows per sequence: 1,488
//!   rows, 504 in the loss. One forward, backward, global-norm clip and AdamW update.
//! - Decode: 64 prompts of 42 tokens (BOS + 40 + SEP), greedy, exactly 20 new tokens
//!   each: the model's EOS row of the output head is made equal to PAD's
//!   ([`never_emit_eos`]), so EOS never wins the argmax (ties go to the lowest id) and
//!   decoding never stops early. Prefill is included (both peers do it).
//!
//! FLOPs (a multiply-add = 2; softmax, LayerNorm, GELU and the optimiser not counted):
//! - forward of a packed batch: per row and layer 2·d·3d (QKV) + 2·d·d (output) +
//!   4·d·d_ff (MLP); per sequence of L rows and layer 4·L²·d (QKᵀ and PV over the full
//!   L×L as computed); the head on the scored rows only, 2·d·V each;
//! - a training step: 3× the forward;
//! - decode: every processed position p (0-based, prompt and fed-back tokens alike) costs
//!   the per-row matmuls plus 4·d·(p+1) of attention per layer (keys 0..=p only); the head
//!   runs once per produced token.

use super::model::{Batch, Model, ModelConfig};
use super::{push_sequence, Sequence};
use crate::text::tokenizer::{EOS, PAD};
use rand::{Rng as _, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Vocabulary of every workload.
pub const VOCAB: usize = 400;
/// Context of every workload.
pub const CONTEXT: usize = 160;
/// Sequences per training batch.
pub const TRAIN_SEQS: usize = 24;
/// Question tokens per sequence (training and decode prompts).
pub const QUESTION: usize = 40;
/// Answer tokens per training sequence (EOS added).
pub const ANSWER: usize = 20;
/// Prompts decoded together.
pub const DECODE_PROMPTS: usize = 64;
/// New tokens per decoded prompt.
pub const DECODE_NEW: usize = 20;
/// Learning rate of the timed steps (constant; no schedule).
pub const LR: f64 = 1e-4;

/// A named model size of the peer benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub name: &'static str,
    pub cfg: ModelConfig,
}

/// `2L-d64` = the default scenario's student (161,536 parameters); `4L-d128` a larger one
/// (issue 11's second size; 4 heads of 32).
pub const SIZES: [Size; 2] = [
    Size {
        name: "2L-d64",
        cfg: ModelConfig {
            vocab: VOCAB,
            layers: 2,
            d_model: 64,
            heads: 4,
            d_ff: 256,
            context: CONTEXT,
        },
    },
    Size {
        name: "4L-d128",
        cfg: ModelConfig {
            vocab: VOCAB,
            layers: 4,
            d_model: 128,
            heads: 4,
            d_ff: 512,
            context: CONTEXT,
        },
    },
];

/// The size called `name`.
pub fn size(name: &str) -> Option<Size> {
    SIZES.iter().copied().find(|s| s.name == name)
}

/// `n` sequences of `q` question and `a` answer tokens, uniform over the non-special ids,
/// from a fixed stream (seed 1, as the criterion bench has always used).
pub fn sequences(n: usize, q: usize, a: usize) -> Vec<Sequence> {
    let mut r = ChaCha8Rng::seed_from_u64(1);
    (0..n)
        .map(|_| {
            let qt: Vec<u32> = (0..q).map(|_| r.gen_range(4..VOCAB as u32)).collect();
            let at: Vec<u32> = (0..a).map(|_| r.gen_range(4..VOCAB as u32)).collect();
            Sequence::new(&qt, &at)
        })
        .collect()
}

/// A model of `cfg` with the fixed initialisation seed 0.
pub fn model(cfg: ModelConfig) -> Model {
    Model::new(cfg, &mut ChaCha8Rng::seed_from_u64(0))
}

/// The training batch (24 × 62 rows, 504 scored).
pub fn train_batch(cfg: &ModelConfig) -> Batch {
    let mut b = Batch::default();
    b.clear();
    for s in &sequences(TRAIN_SEQS, QUESTION, ANSWER) {
        assert!(push_sequence(&mut b, s, cfg.context), "sequence rejected");
    }
    b
}

/// The decode prompts (64 × 42 tokens).
pub fn decode_prompts() -> Vec<Vec<u32>> {
    sequences(DECODE_PROMPTS, QUESTION, 0)
        .into_iter()
        .map(|s| s.prompt)
        .collect()
}

/// Make the output head's EOS row a copy of PAD's: EOS's logit then always equals PAD's,
/// and since argmax ties go to the lowest id (PAD = 0 < EOS), greedy decoding never emits
/// EOS and always produces `max_new` tokens (context permitting). Benchmark use only.
pub fn never_emit_eos(m: &mut Model) {
    let d = m.cfg.d_model;
    let head = m
        .tensors
        .iter()
        .find(|t| t.name == "head")
        .expect("head tensor")
        .offset;
    let (pad, eos) = (head + PAD as usize * d, head + EOS as usize * d);
    m.params.copy_within(pad..pad + d, eos);
}

/// Matmul FLOPs of one row through every layer (QKV, output projection, MLP).
fn per_row_flops(c: &ModelConfig) -> f64 {
    let (d, f) = (c.d_model as f64, c.d_ff as f64);
    c.layers as f64 * (2.0 * d * 3.0 * d + 2.0 * d * d + 4.0 * d * f)
}

/// Forward FLOPs of a packed batch with sequences of `lens` rows and `scored` head rows.
pub fn forward_flops(c: &ModelConfig, lens: &[usize], scored: usize) -> f64 {
    let d = c.d_model as f64;
    let rows: f64 = lens.iter().map(|&l| l as f64).sum();
    let att: f64 = lens
        .iter()
        .map(|&l| c.layers as f64 * 4.0 * (l * l) as f64 * d)
        .sum();
    rows * per_row_flops(c) + att + 2.0 * d * c.vocab as f64 * scored as f64
}

/// FLOPs of one training step on `b`: 3× its forward.
pub fn train_step_flops(c: &ModelConfig, b: &Batch) -> f64 {
    let lens: Vec<usize> = (0..b.n_seq())
        .map(|i| b.starts[i + 1] - b.starts[i])
        .collect();
    3.0 * forward_flops(c, &lens, b.loss_rows.len())
}

/// FLOPs of greedy decoding `n_prompts` prompts of `prompt_len` tokens for exactly
/// `new_tokens` new tokens each (the last produced token is never fed back).
pub fn decode_flops(
    c: &ModelConfig,
    n_prompts: usize,
    prompt_len: usize,
    new_tokens: usize,
) -> f64 {
    if new_tokens == 0 {
        return 0.0;
    }
    let d = c.d_model as f64;
    let positions = prompt_len + new_tokens - 1;
    let keys: f64 = (1..=positions).map(|k| k as f64).sum();
    let per_prompt = positions as f64 * per_row_flops(c)
        + c.layers as f64 * 4.0 * d * keys
        + 2.0 * d * c.vocab as f64 * new_tokens as f64;
    n_prompts as f64 * per_prompt
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::student::greedy_decode;

    #[test]
    fn train_batch_has_the_documented_shape_and_flops() {
        let s = size("2L-d64").unwrap();
        assert_eq!(s.cfg.n_params(), 161_536);
        let b = train_batch(&s.cfg);
        assert_eq!((b.n_seq(), b.rows(), b.loss_rows.len()), (24, 1488, 504));
        assert!((0..24).all(|i| b.starts[i + 1] - b.starts[i] == 62));
        // By hand: per row 2·(2·64·192 + 2·64·64 + 4·64·256) = 196,608; attention
        // 24·2·4·62²·64 = 47,235,072; head 2·64·400·504 = 25,804,800.
        let fwd = 1488.0 * 196_608.0 + 47_235_072.0 + 25_804_800.0;
        assert_eq!(fwd, 365_592_576.0);
        assert_eq!(train_step_flops(&s.cfg, &b), 3.0 * fwd);
        let big = size("4L-d128").unwrap().cfg;
        // per row 4·(2·128·384 + 2·128·128 + 4·128·512) = 1,572,864
        let fwd =
            1488.0 * 1_572_864.0 + 24.0 * 4.0 * 4.0 * 3844.0 * 128.0 + 2.0 * 128.0 * 400.0 * 504.0;
        assert_eq!(train_step_flops(&big, &train_batch(&big)), 3.0 * fwd);
    }

    #[test]
    fn decode_flops_by_hand() {
        let c = size("2L-d64").unwrap().cfg;
        // 61 positions: 61·196,608 matmuls, 2 layers · 4·64·(1+…+61 = 1,891) attention,
        // 20 head rows · 2·64·400.
        let per_prompt = 61.0 * 196_608.0 + 2.0 * 256.0 * 1891.0 + 20.0 * 51_200.0;
        assert_eq!(decode_flops(&c, 64, 42, 20), 64.0 * per_prompt);
        assert_eq!(decode_flops(&c, 64, 42, 0), 0.0);
    }

    #[test]
    fn masked_model_decodes_every_token_and_no_eos() {
        let c = size("2L-d64").unwrap().cfg;
        let prompts = decode_prompts();
        assert!(prompts.iter().all(|p| p.len() == 42));
        let mut m = model(c);
        let plain: usize = greedy_decode(&m, &prompts, DECODE_NEW)
            .iter()
            .map(|o| o.len())
            .sum();
        never_emit_eos(&mut m);
        let out = greedy_decode(&m, &prompts, DECODE_NEW);
        assert!(out
            .iter()
            .all(|o| o.len() == DECODE_NEW && !o.contains(&EOS)));
        // The unmasked random model stops early (why the mask exists).
        assert!(plain < DECODE_PROMPTS * DECODE_NEW, "{plain}");
    }
}
