//! The student transformer: configuration, named parameters, GPT-2 initialisation, and
//! the hand-written packed forward and backward pass used for training and scoring.
//!
//! Architecture: token + learned position embeddings, `layers` pre-LN blocks (causal
//! multi-head attention with fused QKV, GELU MLP), final LayerNorm, and an **untied**
//! output head `head` (V × d, no bias). Untied so that the last-layer gradient embedding
//! the scoring module computes is the gradient of exactly one tensor.
//!
//! Batches are **packed**: the sequences of a batch are concatenated row-wise and
//! attention runs per sequence over its own rows. This is the same computation as
//! right-padding to the longest sequence with a key mask and a loss mask, minus the work
//! on pad positions (which with causal attention never influence real tokens).

use super::ops::{self, gemm};
use super::{attention, attention_tiles, wide};
use crate::rng::Rng;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

/// Model sizes. `context` is the maximum number of input positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelConfig {
    pub vocab: usize,
    pub layers: usize,
    pub d_model: usize,
    pub heads: usize,
    pub d_ff: usize,
    pub context: usize,
}

impl ModelConfig {
    /// Panics with a clear message on impossible sizes (heads must divide d_model).
    pub fn validate(&self) {
        assert!(self.vocab > 4, "vocab must exceed the 4 special tokens");
        assert!(self.layers > 0 && self.d_model > 0 && self.d_ff > 0 && self.context > 1);
        assert!(
            self.heads > 0 && self.d_model.is_multiple_of(self.heads),
            "heads ({}) must divide d_model ({})",
            self.heads,
            self.d_model
        );
    }

    /// Number of scalar parameters this configuration has (no allocation).
    pub fn n_params(&self) -> usize {
        layout(self).2
    }
}

/// One named parameter tensor: a slice `offset..offset+len` of [`Model::params`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorInfo {
    pub name: String,
    pub offset: usize,
    pub shape: Vec<usize>,
    /// Whether AdamW's decoupled weight decay applies (matrices yes; biases, LayerNorm no).
    pub decay: bool,
}

impl TensorInfo {
    /// Number of scalars.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    /// Whether the tensor has no scalars.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Its slice of the flat parameter buffer.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.len()
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct LayerIdx {
    pub ln1_g: usize,
    pub ln1_b: usize,
    pub wqkv: usize,
    pub bqkv: usize,
    pub wo: usize,
    pub bo: usize,
    pub ln2_g: usize,
    pub ln2_b: usize,
    pub w1: usize,
    pub b1: usize,
    pub w2: usize,
    pub b2: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct Idx {
    pub wte: usize,
    pub wpe: usize,
    pub layers: Vec<LayerIdx>,
    pub lnf_g: usize,
    pub lnf_b: usize,
    pub head: usize,
}

/// The student: configuration plus all parameters in one flat f32 buffer (named views in
/// [`Model::tensors`]), which keeps the optimiser, clipping and checkpoints trivial.
#[derive(Clone, Debug)]
pub struct Model {
    pub cfg: ModelConfig,
    pub params: Vec<f32>,
    pub tensors: Vec<TensorInfo>,
    pub(crate) idx: Idx,
}

fn layout(cfg: &ModelConfig) -> (Vec<TensorInfo>, Idx, usize) {
    let (v, d, f, c) = (cfg.vocab, cfg.d_model, cfg.d_ff, cfg.context);
    let mut tensors = Vec::new();
    let mut off = 0usize;
    let mut add = |name: String, shape: Vec<usize>, decay: bool| -> usize {
        let o = off;
        off += shape.iter().product::<usize>();
        tensors.push(TensorInfo {
            name,
            offset: o,
            shape,
            decay,
        });
        o
    };
    let wte = add("wte".into(), vec![v, d], true);
    let wpe = add("wpe".into(), vec![c, d], true);
    let mut layers = Vec::new();
    for l in 0..cfg.layers {
        let p = |s: &str| format!("h{l}.{s}");
        layers.push(LayerIdx {
            ln1_g: add(p("ln1.g"), vec![d], false),
            ln1_b: add(p("ln1.b"), vec![d], false),
            wqkv: add(p("attn.wqkv"), vec![d, 3 * d], true),
            bqkv: add(p("attn.bqkv"), vec![3 * d], false),
            wo: add(p("attn.wo"), vec![d, d], true),
            bo: add(p("attn.bo"), vec![d], false),
            ln2_g: add(p("ln2.g"), vec![d], false),
            ln2_b: add(p("ln2.b"), vec![d], false),
            w1: add(p("mlp.w1"), vec![d, f], true),
            b1: add(p("mlp.b1"), vec![f], false),
            w2: add(p("mlp.w2"), vec![f, d], true),
            b2: add(p("mlp.b2"), vec![d], false),
        });
    }
    let lnf_g = add("lnf.g".into(), vec![d], false);
    let lnf_b = add("lnf.b".into(), vec![d], false);
    let head = add("head".into(), vec![v, d], true);
    let idx = Idx {
        wte,
        wpe,
        layers,
        lnf_g,
        lnf_b,
        head,
    };
    (tensors, idx, off)
}

/// Standard normal draw by Box–Muller from the given stream (rand 0.8 core has no Normal).
fn normal(rng: &mut Rng) -> f32 {
    let u1: f64 = 1.0 - rng.gen::<f64>(); // (0, 1]
    let u2: f64 = rng.gen::<f64>();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

impl Model {
    /// GPT-2 initialisation from `rng`: matrices N(0, 0.02²), residual output projections
    /// (`attn.wo`, `mlp.w2`) scaled by 1/√(2·layers), biases 0, LayerNorm gains 1.
    pub fn new(cfg: ModelConfig, rng: &mut Rng) -> Model {
        let mut m = Model::zeros(cfg);
        let resid = 0.02 / ((2 * cfg.layers) as f32).sqrt();
        for t in &m.tensors {
            let std = if t.name.ends_with("attn.wo") || t.name.ends_with("mlp.w2") {
                resid
            } else {
                0.02
            };
            let dst = &mut m.params[t.range()];
            if t.name.ends_with(".g") {
                dst.fill(1.0);
            } else if t.decay {
                for x in dst.iter_mut() {
                    *x = std * normal(rng);
                }
            }
        }
        m
    }

    /// All-zero parameters with the right layout (checkpoint loading fills them).
    pub fn zeros(cfg: ModelConfig) -> Model {
        cfg.validate();
        let (tensors, idx, n) = layout(&cfg);
        Model {
            cfg,
            params: vec![0.0; n],
            tensors,
            idx,
        }
    }

    /// Number of scalar parameters.
    pub fn n_params(&self) -> usize {
        self.params.len()
    }

    /// A parameter tensor by name.
    pub fn tensor(&self, name: &str) -> Option<&[f32]> {
        self.tensors
            .iter()
            .find(|t| t.name == name)
            .map(|t| &self.params[t.range()])
    }

    /// The output head, V × d row-major (logits = head · h): what scoring consumes.
    pub fn head(&self) -> &[f32] {
        let n = self.cfg.vocab * self.cfg.d_model;
        &self.params[self.idx.head..self.idx.head + n]
    }
}

/// A packed batch: rows are the concatenated input tokens of its sequences.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    pub tokens: Vec<u32>,
    pub pos: Vec<usize>,
    /// Row offsets, one per sequence plus the end (len = n_seq + 1).
    pub starts: Vec<usize>,
    /// Rows whose next-token prediction is scored (answer tokens), in row order.
    pub loss_rows: Vec<usize>,
    /// Target id for each loss row.
    pub targets: Vec<u32>,
    /// For each sequence, its range in `loss_rows` (len = n_seq + 1).
    pub loss_starts: Vec<usize>,
}

impl Batch {
    /// Number of rows (input tokens).
    pub fn rows(&self) -> usize {
        self.tokens.len()
    }
    /// Number of sequences.
    pub fn n_seq(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }
    /// Start an empty batch.
    pub fn clear(&mut self) {
        self.tokens.clear();
        self.pos.clear();
        self.starts.clear();
        self.starts.push(0);
        self.loss_rows.clear();
        self.targets.clear();
        self.loss_starts.clear();
        self.loss_starts.push(0);
    }
    /// Append one sequence: `input` tokens (positions 0..), and `first_target` — the
    /// index in `input` of the first row whose successor is scored; the targets are
    /// `full[first_target+1..]` where `full` = input + last token.
    pub fn push(&mut self, full: &[u32], first_scored_row: usize) {
        let base = self.tokens.len();
        let n_in = full.len() - 1;
        for (i, &t) in full[..n_in].iter().enumerate() {
            self.tokens.push(t);
            self.pos.push(i);
        }
        for i in first_scored_row..n_in {
            self.loss_rows.push(base + i);
            self.targets.push(full[i + 1]);
        }
        self.starts.push(self.tokens.len());
        self.loss_starts.push(self.loss_rows.len());
    }
}

/// Saved activations of one block.
#[derive(Clone, Debug, Default)]
pub(super) struct LayerActs {
    pub(super) x_in: Vec<f32>,
    pub(super) xhat1: Vec<f32>,
    pub(super) rstd1: Vec<f32>,
    pub(super) h1: Vec<f32>,
    pub(super) qkv: Vec<f32>,
    /// Attention probabilities, per sequence then head, L×L each.
    pub(super) probs: Vec<f32>,
    pub(super) att: Vec<f32>,
    pub(super) x_mid: Vec<f32>,
    pub(super) xhat2: Vec<f32>,
    pub(super) rstd2: Vec<f32>,
    pub(super) h2: Vec<f32>,
    pub(super) u: Vec<f32>,
    pub(super) gu: Vec<f32>,
}

/// Reusable forward/backward workspace: after [`Workspace::forward`], `hsel` holds the
/// final-LayerNorm outputs of the loss rows and `probs` their softmax over the vocab.
///
/// **The last block computes the loss rows only** after its attention. Every row's keys
/// and values feed the loss rows' attention, so the last block's LayerNorm, QKV and
/// attention still run on every row; but its output projection, MLP and the final
/// LayerNorm reach the loss only through the loss rows (about half the rows of a
/// fine-tuning batch: 46 % on `quick`'s arith). For those the other rows' gradient is
/// exactly zero, so leaving them out changes no bit: a row's forward does not depend on
/// the others', the backward's sums over rows (weight and bias gradients) only lose
/// `+0`-valued terms, and the weight gradients' k sums are still cut every
/// [`gemm_tiles::KC`](super::gemm_tiles::KC) rows of the *whole* batch
/// ([`ops::linear_backward`]). (The one exception would be a sum that underflows to
/// −0 mid-chain, where an omitted +0 term would have made it +0.) The tests compare it,
/// bit for bit, with the last block on every row (`all_rows`).
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    pub(super) layers: Vec<LayerActs>,
    /// Rows the last block computes after its attention, in row order: the loss rows
    /// (every row when `all_rows`). Its `att`, `x_mid`, LayerNorm and MLP activations,
    /// and the final LayerNorm's, hold these rows only.
    pub(super) kept: Vec<usize>,
    /// For each loss row, its index among `kept`.
    pub(super) sel: Vec<usize>,
    /// Scratch for gathering rows into `kept` order and spreading them back.
    pub(super) spread: Vec<f32>,
    pub(super) x_out: Vec<f32>,
    pub(super) xhatf: Vec<f32>,
    pub(super) rstdf: Vec<f32>,
    pub(super) hf: Vec<f32>,
    /// Final hidden states of the loss rows, M × d.
    pub hsel: Vec<f32>,
    /// Softmax over the vocab at the loss rows, M × V (after forward), then dlogits.
    pub probs: Vec<f32>,
    // backward scratch
    pub(super) dx: Vec<f32>,
    pub(super) dh: Vec<f32>,
    pub(super) dbig: Vec<f32>,
    pub(super) dqkv: Vec<f32>,
    pub(super) datt: Vec<f32>,
    pub(super) dp: Vec<f32>,
    pub(super) dhsel: Vec<f32>,
    /// Scratch of the attention's register tiles.
    pub(super) tiles: attention_tiles::Scratch,
    /// Compute attention through `matrixmultiply` only (the tests compare the two paths).
    pub(super) gemm_attention: bool,
    /// Run the last block on every row, not only the loss rows (the tests compare the
    /// two paths).
    pub(super) all_rows: bool,
}

/// `buf`'s rows `rows` (each `d` wide), gathered in order into `buf` itself (through
/// `scratch`, which is left holding the old contents).
fn gather_rows(buf: &mut Vec<f32>, rows: &[usize], d: usize, scratch: &mut Vec<f32>) {
    fit(scratch, rows.len() * d);
    for (i, &r) in rows.iter().enumerate() {
        scratch[i * d..(i + 1) * d].copy_from_slice(&buf[r * d..(r + 1) * d]);
    }
    std::mem::swap(buf, scratch);
}

/// The inverse of [`gather_rows`]: `buf`'s i-th row moved to row `rows[i]` of an
/// `n`-row buffer whose other rows are +0, the value the full computation gives them.
pub(super) fn spread_rows(
    buf: &mut Vec<f32>,
    rows: &[usize],
    n: usize,
    d: usize,
    scratch: &mut Vec<f32>,
) {
    resize(scratch, n * d);
    for (i, &r) in rows.iter().enumerate() {
        scratch[r * d..(r + 1) * d].copy_from_slice(&buf[i * d..(i + 1) * d]);
    }
    std::mem::swap(buf, scratch);
}

/// Set `v` to `n` zeros (for buffers that are accumulated into).
pub(super) fn resize(v: &mut Vec<f32>, n: usize) {
    v.clear();
    v.resize(n, 0.0);
}

/// Set `v`'s length to `n` without zeroing what it already holds: for buffers whose
/// every element the caller then overwrites (a β = 0 GEMM, a LayerNorm, a copy), so the
/// stale values are never read and the results are bit-identical to zeroing first.
/// Only elements beyond the previous length are zero-filled (once, as the workspace
/// grows), so a reused workspace does no zero-filling in the steady state.
pub(super) fn fit(v: &mut Vec<f32>, n: usize) {
    v.resize(n, 0.0);
}

/// Total attention-probability storage for a batch (Σ_seq heads·L²).
pub(super) fn probs_len(b: &Batch, heads: usize) -> usize {
    (0..b.n_seq())
        .map(|s| {
            let l = b.starts[s + 1] - b.starts[s];
            heads * l * l
        })
        .sum()
}

impl Workspace {
    /// Forward pass over a packed batch. Returns the per-loss-row negative log-likelihood
    /// summed in f64 (the caller divides by the number of loss rows for a mean).
    pub fn forward(&mut self, m: &Model, b: &Batch) -> f64 {
        self.forward_with(wide::Lanes::best(), m, b)
    }

    /// [`Self::forward`] through the copy compiled for `lanes` (see [`super::wide`]): the
    /// same operations in wider lanes, so the same bits. `lanes` must be one the CPU has
    /// ([`wide::Lanes::available`]).
    pub(super) fn forward_with(&mut self, lanes: wide::Lanes, m: &Model, b: &Batch) -> f64 {
        assert!(
            lanes <= wide::Lanes::best(),
            "{lanes:?} copy on a CPU without it"
        );
        match lanes {
            wide::Lanes::Portable => self.forward_portable(m, b),
            // SAFETY: the CPU has these instructions (asserted just above).
            #[cfg(target_arch = "x86_64")]
            wide::Lanes::Avx2 => unsafe { self.forward_avx2(m, b) },
            #[cfg(target_arch = "x86_64")]
            wide::Lanes::Avx512 => unsafe { self.forward_avx512(m, b) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!(),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn forward_avx2(&mut self, m: &Model, b: &Batch) -> f64 {
        self.forward_portable(m, b)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2")]
    fn forward_avx512(&mut self, m: &Model, b: &Batch) -> f64 {
        self.forward_portable(m, b)
    }

    /// The forward pass for any CPU (the crate's baseline instruction set).
    #[inline(always)]
    pub(super) fn forward_portable(&mut self, m: &Model, b: &Batch) -> f64 {
        let cfg = &m.cfg;
        let (n, d, f, v, nh) = (b.rows(), cfg.d_model, cfg.d_ff, cfg.vocab, cfg.heads);
        let p = &m.params;
        self.layers.resize_with(cfg.layers, LayerActs::default);
        // embeddings
        let mut x = std::mem::take(&mut self.x_out);
        fit(&mut x, n * d);
        for r in 0..n {
            let t = b.tokens[r] as usize;
            assert!(t < v, "token id {t} out of vocabulary {v}");
            assert!(b.pos[r] < cfg.context, "position beyond context");
            let e = &p[m.idx.wte + t * d..m.idx.wte + (t + 1) * d];
            let pe = &p[m.idx.wpe + b.pos[r] * d..m.idx.wpe + (b.pos[r] + 1) * d];
            for i in 0..d {
                x[r * d + i] = e[i] + pe[i];
            }
        }
        let plen = probs_len(b, nh);
        debug_assert!(b.loss_rows.windows(2).all(|w| w[0] < w[1]));
        self.kept.clear();
        self.sel.clear();
        if self.all_rows {
            self.kept.extend(0..n);
            self.sel.extend_from_slice(&b.loss_rows);
        } else {
            self.kept.extend_from_slice(&b.loss_rows);
            self.sel.extend(0..b.loss_rows.len());
        }
        let last = cfg.layers - 1;
        for (li, li_idx) in m.idx.layers.iter().enumerate() {
            let a = &mut self.layers[li];
            // The block's input is kept for the backward pass; `x` is then rewritten
            // (by the MLP's output projection) before it is read again, so the two
            // buffers are swapped rather than copied.
            std::mem::swap(&mut a.x_in, &mut x);
            fit(&mut a.xhat1, n * d);
            fit(&mut a.rstd1, n);
            fit(&mut a.h1, n * d);
            ops::layernorm(
                &a.x_in,
                &p[li_idx.ln1_g..li_idx.ln1_g + d],
                &p[li_idx.ln1_b..li_idx.ln1_b + d],
                &mut a.h1,
                &mut a.xhat1,
                &mut a.rstd1,
                d,
            );
            fit(&mut a.qkv, n * 3 * d);
            ops::linear(
                &a.h1,
                &p[li_idx.wqkv..li_idx.wqkv + d * 3 * d],
                &p[li_idx.bqkv..li_idx.bqkv + 3 * d],
                &mut a.qkv,
                n,
                d,
                3 * d,
            );
            fit(&mut a.probs, plen);
            fit(&mut a.att, n * d);
            attention::attention_forward(
                &a.qkv,
                &b.starts,
                d,
                nh,
                &mut a.probs,
                &mut a.att,
                &mut self.tiles,
                !self.gemm_attention,
            );
            // From here on the last block computes the kept rows only.
            let rows = if li == last {
                gather_rows(&mut a.att, &self.kept, d, &mut self.spread);
                self.kept.len()
            } else {
                n
            };
            fit(&mut a.x_mid, rows * d);
            ops::linear(
                &a.att,
                &p[li_idx.wo..li_idx.wo + d * d],
                &p[li_idx.bo..li_idx.bo + d],
                &mut a.x_mid,
                rows,
                d,
                d,
            );
            if li == last {
                for (y, &r) in a.x_mid.chunks_exact_mut(d).zip(&self.kept) {
                    for (y, xi) in y.iter_mut().zip(&a.x_in[r * d..(r + 1) * d]) {
                        *y += xi;
                    }
                }
            } else {
                for (y, xi) in a.x_mid.iter_mut().zip(&a.x_in) {
                    *y += xi;
                }
            }
            fit(&mut a.xhat2, rows * d);
            fit(&mut a.rstd2, rows);
            fit(&mut a.h2, rows * d);
            ops::layernorm(
                &a.x_mid,
                &p[li_idx.ln2_g..li_idx.ln2_g + d],
                &p[li_idx.ln2_b..li_idx.ln2_b + d],
                &mut a.h2,
                &mut a.xhat2,
                &mut a.rstd2,
                d,
            );
            fit(&mut a.u, rows * f);
            ops::linear(
                &a.h2,
                &p[li_idx.w1..li_idx.w1 + d * f],
                &p[li_idx.b1..li_idx.b1 + f],
                &mut a.u,
                rows,
                d,
                f,
            );
            fit(&mut a.gu, rows * f);
            ops::gelu_slice(&a.u, &mut a.gu);
            fit(&mut x, rows * d);
            ops::linear(
                &a.gu,
                &p[li_idx.w2..li_idx.w2 + f * d],
                &p[li_idx.b2..li_idx.b2 + d],
                &mut x,
                rows,
                f,
                d,
            );
            for (y, xm) in x.iter_mut().zip(&a.x_mid) {
                *y += xm;
            }
        }
        self.x_out = x;
        let k = self.kept.len();
        fit(&mut self.xhatf, k * d);
        fit(&mut self.rstdf, k);
        fit(&mut self.hf, k * d);
        ops::layernorm(
            &self.x_out,
            &p[m.idx.lnf_g..m.idx.lnf_g + d],
            &p[m.idx.lnf_b..m.idx.lnf_b + d],
            &mut self.hf,
            &mut self.xhatf,
            &mut self.rstdf,
            d,
        );
        // head only on the scored rows
        let mr = b.loss_rows.len();
        fit(&mut self.hsel, mr * d);
        for (j, &r) in self.sel.iter().enumerate() {
            self.hsel[j * d..(j + 1) * d].copy_from_slice(&self.hf[r * d..(r + 1) * d]);
        }
        fit(&mut self.probs, mr * v);
        gemm(
            mr,
            d,
            v,
            1.0,
            &self.hsel,
            (d, 1),
            m.head(),
            (1, d),
            0.0,
            &mut self.probs,
            (v, 1),
        );
        super::softmax::nll_rows(&mut self.probs, v, &b.targets)
    }
}

#[cfg(test)]
mod layout_tests {
    use super::ModelConfig;
    use crate::scenario::feasibility::n_params;
    use crate::scenario::StudentSpec;

    /// The memory estimate's closed form (`scenario::feasibility`) counts what the model
    /// allocates (here, above `scenario`, so that the check imports downward only).
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
}
