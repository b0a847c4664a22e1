//! CPU reference scoring inputs: the hidden states that predict each answer token (what
//! `src/scoring` turns into losses and gradient embeddings) and per-sequence mean NLL.

use super::model::{Batch, Model, Workspace};
use super::{push_sequence, Sequence};

/// Sequences per forward pass while scoring (bounds activation memory).
const CHUNK: usize = 64;

/// Answer-token hidden states of a set of sequences.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnswerStates {
    /// Row-major (Σ answer tokens) × d: the final-LayerNorm output at the position that
    /// predicts each answer token (logits = head · row).
    pub hidden: Vec<f32>,
    /// The answer token each row predicts.
    pub targets: Vec<u32>,
    /// Row offsets per sequence (len = n_seq + 1). A sequence whose answer exceeds the
    /// context contributes no rows.
    pub offsets: Vec<usize>,
    pub d: usize,
}

fn chunks<'a>(
    model: &'a Model,
    seqs: &'a [Sequence],
) -> impl Iterator<Item = (Batch, Workspace, f64)> + 'a {
    seqs.chunks(CHUNK).map(move |c| {
        let mut b = Batch::default();
        b.clear();
        for s in c {
            push_sequence(&mut b, s, model.cfg.context);
        }
        let mut ws = Workspace::default();
        let nll = ws.forward(model, &b);
        (b, ws, nll)
    })
}

/// Hidden states and targets of every answer token (see [`AnswerStates`]).
pub fn answer_states(model: &Model, seqs: &[Sequence]) -> AnswerStates {
    let d = model.cfg.d_model;
    let mut out = AnswerStates {
        offsets: vec![0],
        d,
        ..AnswerStates::default()
    };
    for (b, ws, _) in chunks(model, seqs) {
        out.hidden.extend_from_slice(&ws.hsel);
        out.targets.extend_from_slice(&b.targets);
        let base = *out.offsets.last().unwrap();
        out.offsets
            .extend(b.loss_starts[1..].iter().map(|&o| base + o));
    }
    out
}

/// Per-sequence mean token NLL (nats) of the answer given the prompt; NaN for a sequence
/// with no scorable answer token (empty answer or answer longer than the context).
pub fn seq_nll(model: &Model, seqs: &[Sequence]) -> Vec<f64> {
    let mut out = Vec::with_capacity(seqs.len());
    for (b, ws, _) in chunks(model, seqs) {
        let v = model.cfg.vocab;
        for s in 0..b.n_seq() {
            let (lo, hi) = (b.loss_starts[s], b.loss_starts[s + 1]);
            let mut sum = 0.0f64;
            for j in lo..hi {
                sum -= (ws.probs[j * v + b.targets[j] as usize] as f64).ln();
            }
            out.push(if hi > lo {
                sum / (hi - lo) as f64
            } else {
                f64::NAN
            });
        }
    }
    out
}

/// Per-token NLL (nats) of every answer token given the prompt and the answer's earlier
/// tokens, one vector per sequence (empty when no answer token is scorable). The
/// diagnostic behind `student fit`'s uncertainty table: it asks whether the student's
/// uncertainty sits in particular tokens (the final answer, its least likely step) that
/// [`seq_nll`]'s mean over the whole answer dilutes.
pub fn token_nll(model: &Model, seqs: &[Sequence]) -> Vec<Vec<f64>> {
    let mut out = Vec::with_capacity(seqs.len());
    for (b, ws, _) in chunks(model, seqs) {
        let v = model.cfg.vocab;
        for s in 0..b.n_seq() {
            let (lo, hi) = (b.loss_starts[s], b.loss_starts[s + 1]);
            out.push(
                (lo..hi)
                    .map(|j| -(ws.probs[j * v + b.targets[j] as usize] as f64).ln())
                    .collect(),
            );
        }
    }
    out
}

/// The student's own greedy generations as scorable sequences (for the paper's `loss`
/// score): each answer is the decoded tokens plus EOS. EOS is appended even when decoding
/// stopped at the length limit, so every sequence has at least one scored token.
pub fn own_generations(model: &Model, prompts: &[Vec<u32>], max_new: usize) -> Vec<Sequence> {
    let outs = super::greedy_decode(model, prompts, max_new);
    prompts
        .iter()
        .zip(outs)
        .map(|(p, mut a)| {
            a.push(crate::text::tokenizer::EOS);
            Sequence {
                prompt: p.clone(),
                answer: a,
            }
        })
        .collect()
}
