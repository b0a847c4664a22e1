//! The student: a small decoder-only transformer trained from scratch on the CPU
//! (docs/architecture.md §2, issue 3). Hand-written forward/backward on `matrixmultiply`
//! (see `ops`), AdamW fine-tuning (`train`), KV-cache greedy decoding (`decode`),
//! scoring inputs (`score`), checkpoints (`checkpoint`) and the base-model cache (`base`).
//!
//! Training is single-threaded per model (runs are parallelised one level up), so the
//! same seed gives bit-identical weights whatever the thread count.

pub mod attention;
pub mod attention_tiles;
pub mod backward;
pub mod base;
pub mod checkpoint;
pub mod decode;
pub mod expf;
pub mod gemm_tiles;
pub mod lora;
pub mod model;
pub mod ops;
pub mod score;
pub mod softmax;
pub mod train;
pub mod wide;
pub mod workload;

#[cfg(test)]
mod tests;

/// Version of the student's arithmetic, hashed into every base-checkpoint cache key: bump
/// it whenever a change alters the bits a forward or backward pass produces (a new
/// activation approximation, a reordered reduction), so a cached base trained by older
/// code is never loaded as if it were this code's. 2: rational `tanh` in the GELU.
pub const NUMERICS_VERSION: u32 = 2;

pub use base::cached_or_train;
pub use decode::{greedy_decode, CHUNK as DECODE_CHUNK};
pub use model::{Batch, Model, ModelConfig, TensorInfo, Workspace};
pub use score::{answer_states, own_generations, seq_nll, token_nll, AnswerStates};
pub use train::{train, try_train, TrainConfig, TrainReport, Trainer};

use crate::text::tokenizer::{BOS, EOS, SEP};

/// One training/scoring sequence: `prompt` = BOS + question tokens + SEP, `answer` =
/// answer tokens + EOS. Only answer tokens are scored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sequence {
    pub prompt: Vec<u32>,
    pub answer: Vec<u32>,
}

impl Sequence {
    /// Build from question and answer token ids (adds BOS, SEP and EOS).
    pub fn new(question: &[u32], answer: &[u32]) -> Sequence {
        let mut prompt = Vec::with_capacity(question.len() + 2);
        prompt.push(BOS);
        prompt.extend_from_slice(question);
        prompt.push(SEP);
        let mut a = answer.to_vec();
        a.push(EOS);
        Sequence { prompt, answer: a }
    }
}

/// Append `seq` to a packed batch. The model reads `prompt ++ answer` minus its last
/// token; when that exceeds `context`, the prompt is **truncated from the left** (BOS
/// first). A sequence whose answer alone exceeds the context, or whose prompt is empty,
/// is **rejected**: nothing is appended and `false` is returned.
pub fn push_sequence(batch: &mut Batch, seq: &Sequence, context: usize) -> bool {
    if seq.prompt.is_empty() || seq.answer.len() > context {
        batch.starts.push(batch.rows());
        batch.loss_starts.push(batch.loss_rows.len());
        return false;
    }
    let full: Vec<u32> = seq.prompt.iter().chain(&seq.answer).copied().collect();
    let n_in = full.len() - 1;
    let drop = n_in.saturating_sub(context);
    batch.push(&full[drop..], seq.prompt.len() - 1 - drop);
    true
}
