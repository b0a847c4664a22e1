//! LoRA fine-tuning (Hu et al. 2021), the way the paper fine-tunes (section 5.2: adapters
//! on every linear layer, rank = alpha, base weights frozen).
//!
//! Every linear weight of every block — `attn.wqkv`, `attn.wo`, `mlp.w1`, `mlp.w2`, each
//! stored input-major (`W[in, out]`, `y = x W`) — gets a low-rank update
//! `W = W₀ + (α/r)·A·B` with `A[in, r]`, `B[r, out]`. Embeddings, LayerNorms, biases and
//! the output head stay frozen (peft's `bias = "none"`; the head is excluded as in
//! peft's `all-linear`, which skips the output layer).
//!
//! Why merge-then-backward instead of a separate LoRA forward: the student's fused
//! forward/backward is verified against an f64 reference; keeping it untouched and
//! writing the merged `W` into the model before each step reuses it as is. The chain rule
//! then gives the adapter gradients from the merged weight's gradient `G = ∂L/∂W`:
//! `∂L/∂A = (α/r)·G·Bᵀ`, `∂L/∂B = (α/r)·Aᵀ·G` (checked by finite differences in
//! `student::tests`). The merge costs `in·r·out` multiply-adds per matrix and step, a few
//! percent of a step at the student's sizes. Initialisation as in peft: `B = 0` (so the
//! first merged model is the base bit for bit) and `A ~ U(−1/√in, 1/√in)`
//! (kaiming-uniform with a = √5).

use super::model::Model;
use super::ops::gemm;
use crate::rng::Rng;
use rand::Rng as _;

/// One adapted matrix: where its weight lives in [`Model::params`] and where its `A`
/// and `B` live in [`Lora::params`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoraTarget {
    /// The base tensor's name (e.g. `h0.attn.wqkv`).
    pub name: String,
    w: usize,
    inp: usize,
    out: usize,
    a: usize,
    b: usize,
    /// Offset of this matrix's frozen copy in `Lora::frozen`.
    w0: usize,
}

/// The adapters of one fine-tuning run plus frozen copies of the matrices they adapt.
#[derive(Clone, Debug)]
pub struct Lora {
    pub rank: usize,
    /// `α / r` (1 with the paper's rank = alpha).
    pub scale: f32,
    pub targets: Vec<LoraTarget>,
    /// All `A`s and `B`s, flat (the optimiser state mirrors this layout).
    pub params: Vec<f32>,
    frozen: Vec<f32>,
}

/// Names of the adapted tensors: every linear layer of every block.
fn is_target(name: &str) -> bool {
    ["attn.wqkv", "attn.wo", "mlp.w1", "mlp.w2"]
        .iter()
        .any(|s| name.ends_with(s))
}

impl Lora {
    /// Adapters of rank `rank` with `α = alpha` for every linear layer of `model`
    /// (whose current weights become the frozen `W₀`), `A` drawn from `rng`.
    pub fn new(model: &Model, rank: usize, alpha: f64, rng: &mut Rng) -> Lora {
        assert!(rank > 0, "LoRA rank must be positive");
        let mut targets = Vec::new();
        let (mut off, mut w0) = (0usize, 0usize);
        for t in model.tensors.iter().filter(|t| is_target(&t.name)) {
            let (inp, out) = (t.shape[0], t.shape[1]);
            targets.push(LoraTarget {
                name: t.name.clone(),
                w: t.offset,
                inp,
                out,
                a: off,
                b: off + inp * rank,
                w0,
            });
            off += (inp + out) * rank;
            w0 += inp * out;
        }
        let mut params = vec![0.0f32; off];
        let mut frozen = Vec::with_capacity(w0);
        for t in &targets {
            let bound = 1.0 / (t.inp as f32).sqrt();
            for x in &mut params[t.a..t.a + t.inp * rank] {
                *x = bound * (rng.gen::<f32>() * 2.0 - 1.0);
            }
            frozen.extend_from_slice(&model.params[t.w..t.w + t.inp * t.out]);
        }
        Lora {
            rank,
            scale: (alpha / rank as f64) as f32,
            targets,
            params,
            frozen,
        }
    }

    /// Number of trainable scalars.
    pub fn n_params(&self) -> usize {
        self.params.len()
    }

    /// Writes `W₀ + (α/r)·A·B` into each adapted matrix of `model`; nothing else of the
    /// model is touched, so frozen parameters stay bit-identical to the base.
    pub fn merge_into(&self, model: &mut Model) {
        let r = self.rank;
        for t in &self.targets {
            let n = t.inp * t.out;
            let w = &mut model.params[t.w..t.w + n];
            w.copy_from_slice(&self.frozen[t.w0..t.w0 + n]);
            gemm(
                t.inp,
                r,
                t.out,
                self.scale,
                &self.params[t.a..t.a + t.inp * r],
                (r, 1),
                &self.params[t.b..t.b + r * t.out],
                (t.out, 1),
                1.0,
                w,
                (t.out, 1),
            );
        }
    }

    /// Adapter gradients from the model's full gradient `grad` (laid out like
    /// `Model::params`): `∂A = s·G·Bᵀ`, `∂B = s·Aᵀ·G`, written into `out` (laid out like
    /// [`Lora::params`]).
    pub fn project_grad(&self, grad: &[f32], out: &mut [f32]) {
        let r = self.rank;
        assert_eq!(out.len(), self.params.len());
        for t in &self.targets {
            let g = &grad[t.w..t.w + t.inp * t.out];
            let (ga, gb) = out[t.a..t.b + r * t.out].split_at_mut(t.inp * r);
            gemm(
                t.inp,
                t.out,
                r,
                self.scale,
                g,
                (t.out, 1),
                &self.params[t.b..t.b + r * t.out],
                (1, t.out),
                0.0,
                ga,
                (r, 1),
            );
            gemm(
                r,
                t.inp,
                t.out,
                self.scale,
                &self.params[t.a..t.a + t.inp * r],
                (1, r),
                g,
                (t.out, 1),
                0.0,
                gb,
                (t.out, 1),
            );
        }
    }
}
