//! Scoring: per-sequence losses and last-layer gradient embeddings straight from final
//! hidden states and the output head (docs/architecture.md §8, issues 3 and 6).
//!
//! Inputs are H (tokens × d, row-major), W (V × d, row-major), one target id per token
//! row and CSR-style sequence offsets (`offsets.len() = n_seq + 1`, sequence `s` owns rows
//! `offsets[s]..offsets[s+1]`). Elements may be f32, f16 or bf16; all accumulation is f32
//! except BADGE's k-means++ update, which accumulates in f64 exactly as BADGE does.
//! The CPU backend ([`cpu::CpuBackend`]) is the reference and the default; the CUDA
//! backend ([`cuda::CudaBackend`]) is used only when libcuda and libnvrtc load and a device
//! answers. An empty sequence has loss 0 and a zero embedding (it carries no signal).

pub mod cpu;
pub mod cuda;
pub mod peak;
pub mod workload;

use half::{bf16, f16};
use rand::Rng as _;

/// Errors of the scoring entry points: malformed inputs or a failing device.
#[derive(Debug, thiserror::Error)]
pub enum ScoringError {
    /// Shapes, offsets or target ids do not fit together.
    #[error("invalid scoring input: {0}")]
    Invalid(String),
    /// The accelerator (driver, compiler or launch) failed.
    #[error("device error: {0}")]
    Device(String),
}

/// A borrowed matrix in one of the supported element types; row-major, shape given by
/// the [`ScoringInput`] that holds it.
#[derive(Clone, Copy, Debug)]
pub enum Elems<'a> {
    F32(&'a [f32]),
    F16(&'a [f16]),
    Bf16(&'a [bf16]),
}

/// Element type of an [`Elems`]; the CUDA kernels are instantiated once per type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    F32,
    F16,
    Bf16,
}

impl<'a> Elems<'a> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Elems::F32(x) => x.len(),
            Elems::F16(x) => x.len(),
            Elems::Bf16(x) => x.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            Elems::F32(_) => DType::F32,
            Elems::F16(_) => DType::F16,
            Elems::Bf16(_) => DType::Bf16,
        }
    }

    /// Widen `self[start..start + out.len()]` into `out` (exact: every f16/bf16 value is
    /// representable in f32).
    pub fn widen_into(&self, start: usize, out: &mut [f32]) {
        let n = out.len();
        match self {
            Elems::F32(x) => out.copy_from_slice(&x[start..start + n]),
            Elems::F16(x) => {
                for (o, v) in out.iter_mut().zip(&x[start..start + n]) {
                    *o = v.to_f32();
                }
            }
            Elems::Bf16(x) => {
                for (o, v) in out.iter_mut().zip(&x[start..start + n]) {
                    *o = v.to_f32();
                }
            }
        }
    }

    /// The whole matrix widened to f32 (borrowed when it already is f32).
    pub fn to_f32(&self) -> std::borrow::Cow<'a, [f32]> {
        match self {
            Elems::F32(x) => std::borrow::Cow::Borrowed(x),
            _ => {
                let mut v = vec![0.0f32; self.len()];
                self.widen_into(0, &mut v);
                std::borrow::Cow::Owned(v)
            }
        }
    }
}

/// Everything the scoring kernels read: hidden states, head, targets and offsets.
#[derive(Clone, Copy, Debug)]
pub struct ScoringInput<'a> {
    /// Final hidden states, tokens × d, row-major.
    pub h: Elems<'a>,
    /// Output head, V × d, row-major.
    pub w: Elems<'a>,
    /// Hidden size.
    pub d: usize,
    /// Vocabulary size.
    pub v: usize,
    /// Target id of each token row (`< v`).
    pub targets: &'a [u32],
    /// CSR sequence offsets, non-decreasing, `offsets[0] = 0`, last = tokens.
    pub offsets: &'a [usize],
}

impl ScoringInput<'_> {
    /// Number of token rows.
    pub fn tokens(&self) -> usize {
        self.targets.len()
    }

    /// Number of sequences.
    pub fn n_seq(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Check shapes, offsets and target range, so backends can index without checks
    /// failing deep inside a kernel.
    pub fn validate(&self) -> Result<(), ScoringError> {
        let bad = |m: String| Err(ScoringError::Invalid(m));
        let t = self.tokens();
        if self.d == 0 || self.v == 0 {
            return bad(format!(
                "d = {} and V = {} must be positive",
                self.d, self.v
            ));
        }
        if self.h.len() != t * self.d {
            return bad(format!(
                "H has {} elements, expected tokens·d = {}·{}",
                self.h.len(),
                t,
                self.d
            ));
        }
        if self.w.len() != self.v * self.d {
            return bad(format!(
                "W has {} elements, expected V·d = {}·{}",
                self.w.len(),
                self.v,
                self.d
            ));
        }
        if self.offsets.is_empty() || self.offsets[0] != 0 {
            return bad("offsets must start with 0 (n_seq + 1 entries)".into());
        }
        if self.offsets.windows(2).any(|w| w[0] > w[1]) {
            return bad("offsets must be non-decreasing".into());
        }
        if *self.offsets.last().unwrap_or(&0) != t {
            return bad(format!("last offset must equal the number of tokens {t}"));
        }
        if let Some((i, y)) = self
            .targets
            .iter()
            .enumerate()
            .find(|(_, &y)| y as usize >= self.v)
        {
            return bad(format!(
                "target {y} at row {i} is outside the vocabulary of {}",
                self.v
            ));
        }
        Ok(())
    }
}

/// The seeded Kronecker-factored random projection: A (kA × V) and B (kB × d), entries
/// N(0, 1/k) so that the projected embedding `A g Bᵀ` preserves inner products in
/// expectation (Johnson–Lindenstrauss) without materialising the V×d gradient `g`.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    pub ka: usize,
    pub kb: usize,
    pub v: usize,
    pub d: usize,
    /// kA × V, row-major.
    pub a: Vec<f32>,
    /// kB × d, row-major.
    pub b: Vec<f32>,
}

impl Projection {
    /// Draw A then B from `rng` (Box–Muller on ChaCha draws, so the bits depend only on
    /// the stream), scaled by 1/sqrt(kA) and 1/sqrt(kB).
    pub fn gaussian(ka: usize, kb: usize, v: usize, d: usize, rng: &mut crate::rng::Rng) -> Self {
        let a = gaussian_vec(ka * v, 1.0 / (ka as f64).sqrt(), rng);
        let b = gaussian_vec(kb * d, 1.0 / (kb as f64).sqrt(), rng);
        Projection { ka, kb, v, d, a, b }
    }

    /// Flattened embedding length kA·kB.
    pub fn dim(&self) -> usize {
        self.ka * self.kb
    }

    /// Project an exact V×d embedding: `(A g Bᵀ)` flattened row-major (index a·kB + b).
    /// Used to check the fused path and for callers holding exact gradients.
    pub fn project_exact(&self, g: &[f32]) -> Vec<f32> {
        let (v, d) = (self.v, self.d);
        assert_eq!(g.len(), v * d, "exact embedding must be V·d");
        // T = g Bᵀ (V × kB), then A T (kA × kB).
        let mut t = vec![0.0f32; v * self.kb];
        let mut out = vec![0.0f32; self.dim()];
        // SAFETY: shapes and strides describe the row-major buffers allocated above.
        unsafe {
            matrixmultiply::sgemm(
                v,
                d,
                self.kb,
                1.0,
                g.as_ptr(),
                d as isize,
                1,
                self.b.as_ptr(),
                1,
                d as isize,
                0.0,
                t.as_mut_ptr(),
                self.kb as isize,
                1,
            );
            matrixmultiply::sgemm(
                self.ka,
                v,
                self.kb,
                1.0,
                self.a.as_ptr(),
                v as isize,
                1,
                t.as_ptr(),
                self.kb as isize,
                1,
                0.0,
                out.as_mut_ptr(),
                self.kb as isize,
                1,
            );
        }
        out
    }
}

fn gaussian_vec(n: usize, scale: f64, rng: &mut crate::rng::Rng) -> Vec<f32> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        // u1 in (0, 1] so ln(u1) is finite.
        let u1: f64 = 1.0 - rng.gen::<f64>();
        let u2: f64 = rng.gen::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        let th = 2.0 * std::f64::consts::PI * u2;
        out.push((r * th.cos() * scale) as f32);
        if out.len() < n {
            out.push((r * th.sin() * scale) as f32);
        }
    }
    out
}

/// One implementation of the scoring entry points (CPU reference or CUDA).
pub trait ScoringBackend: Send + Sync {
    /// Short name for logs and benchmark tables ("cpu", "cuda").
    fn name(&self) -> &str;

    /// Per-sequence mean token cross-entropy: mean over the sequence's rows of
    /// `logsumexp(W h) − (W h)[y]`.
    fn seq_loss(&self, x: &ScoringInput) -> Result<Vec<f32>, ScoringError>;

    /// Per-sequence projected gradient embedding `(1/|y|) Σj (A(pj − e_yj)) ⊗ (B hj)`,
    /// n_seq × (kA·kB) row-major.
    fn grad_embed(&self, x: &ScoringInput, p: &Projection) -> Result<Vec<f32>, ScoringError>;

    /// Per-sequence exact embedding `(1/|y|) Σj (pj − e_yj) hjᵀ`, n_seq × (V·d); only
    /// sensible for small V·d.
    fn grad_embed_exact(&self, x: &ScoringInput) -> Result<Vec<f32>, ScoringError>;

    /// BADGE's D² update: `dist2[i] = min(dist2[i], ||x_i − centre||²)` for the n × dim
    /// row-major `points`, with the arithmetic of its CPU reference
    /// [`crate::selection::badge::kmeanspp_update`] (differences in f32, squares and sums
    /// in f64 in dimension order), which is what BADGE runs in the loop.
    fn kmeanspp_update(
        &self,
        points: &[f32],
        centre: &[f32],
        dist2: &mut [f64],
    ) -> Result<(), ScoringError>;
}

/// Which backend to use (`--device auto|cpu|cuda`).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    /// CUDA when available, else the CPU.
    #[default]
    Auto,
    /// Always the CPU reference.
    Cpu,
    /// CUDA; falls back to the CPU with a notice when it cannot start.
    Cuda,
}

/// Default CPU thread count: the machine's available parallelism.
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Pick a backend. CUDA is tried for `Auto` and `Cuda`; when it is unavailable (no
/// libcuda/libnvrtc, no device, compile failure) the CPU backend is returned and one line
/// saying why is printed on stderr, so runs on GPU-less machines still work.
pub fn select_backend(device: Device) -> Box<dyn ScoringBackend> {
    let threads = default_threads();
    if device == Device::Cpu {
        return Box::new(cpu::CpuBackend::new(threads));
    }
    match cuda::CudaBackend::try_new(0) {
        Ok(b) => Box::new(b),
        Err(why) => {
            eprintln!(
                "notice: CUDA unavailable ({why}); scoring on the CPU with {threads} threads"
            );
            Box::new(cpu::CpuBackend::new(threads))
        }
    }
}

#[cfg(test)]
mod tests;
