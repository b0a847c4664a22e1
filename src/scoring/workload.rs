//! Standard benchmark workloads shared by `activesynth bench-kernels` and the criterion
//! benches, with their FLOP and byte counts, so every throughput number is computed the
//! same way.
//!
//! FLOPs counted (exp/log and the online-LSE bookkeeping are *not* counted):
//! - `seq_loss`: the logits GEMM, 2·T·V·d;
//! - `grad_embed`: two passes of logits (4·T·V·d) plus A(p − e_y) (2·T·V·kA), B h
//!   (2·T·d·kB) and the outer products (2·T·kA·kB);
//! - `kmeanspp_update`: 3·n·dim (subtract, multiply, add; the square and sum in f64);
//!   it is memory bound, so bytes read (4·n·dim) are reported too.

use super::{Elems, Projection, ScoringInput};
use half::bf16;
use rand::{Rng as _, SeedableRng};

/// Element type of a workload's H and W.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WDType {
    F32,
    Bf16,
}

/// A named problem size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub name: &'static str,
    pub tokens: usize,
    pub d: usize,
    pub v: usize,
    /// Tokens per sequence (the last sequence may be shorter).
    pub seq_len: usize,
    pub dtype: WDType,
    /// k-means++ points (n × dim).
    pub km_n: usize,
    pub km_dim: usize,
}

/// Projection sizes used in every workload (embedding of kA·kB = 256 dims).
pub const KA: usize = 16;
pub const KB: usize = 16;

/// `small` = the simulated student, `medium`, and `llm` (LLM-like, bf16; GPU only).
pub const SIZES: [Size; 3] = [
    Size {
        name: "small",
        tokens: 2048,
        d: 64,
        v: 600,
        seq_len: 32,
        dtype: WDType::F32,
        km_n: 4096,
        km_dim: 256,
    },
    Size {
        name: "medium",
        tokens: 4096,
        d: 512,
        v: 8192,
        seq_len: 64,
        dtype: WDType::F32,
        km_n: 16384,
        km_dim: 256,
    },
    Size {
        name: "llm",
        tokens: 32768,
        d: 4096,
        v: 32768,
        seq_len: 256,
        dtype: WDType::Bf16,
        km_n: 65536,
        km_dim: 1024,
    },
];

/// Look a size up by name.
pub fn size(name: &str) -> Option<Size> {
    SIZES.iter().copied().find(|s| s.name == name)
}

impl Size {
    /// FLOPs of one `seq_loss` call.
    pub fn flops_seq_loss(&self) -> f64 {
        2.0 * (self.tokens * self.v * self.d) as f64
    }
    /// FLOPs of one `grad_embed` call.
    pub fn flops_grad_embed(&self) -> f64 {
        let (t, v, d) = (self.tokens as f64, self.v as f64, self.d as f64);
        let (ka, kb) = (KA as f64, KB as f64);
        4.0 * t * v * d + 2.0 * t * v * ka + 2.0 * t * d * kb + 2.0 * t * ka * kb
    }
    /// FLOPs and bytes read of one `kmeanspp_update` call.
    pub fn flops_bytes_kmeans(&self) -> (f64, f64) {
        let nd = (self.km_n * self.km_dim) as f64;
        (3.0 * nd, 4.0 * nd)
    }
}

/// The data of a workload, generated from a seeded ChaCha stream.
pub struct Workload {
    pub size: Size,
    h32: Vec<f32>,
    w32: Vec<f32>,
    h16: Vec<bf16>,
    w16: Vec<bf16>,
    pub targets: Vec<u32>,
    pub offsets: Vec<usize>,
    pub proj: Projection,
    pub points: Vec<f32>,
    pub centre: Vec<f32>,
    pub dist2: Vec<f64>,
}

impl Workload {
    /// Random inputs of the given size (H ~ U(−1, 1), W ~ U(−1, 1)/sqrt(d) so logits have
    /// unit scale, as in a trained model).
    pub fn generate(size: Size, seed: u64) -> Self {
        let mut rng = crate::rng::Rng::seed_from_u64(seed);
        let ws = 1.0 / (size.d as f32).sqrt();
        let h: Vec<f32> = (0..size.tokens * size.d)
            .map(|_| rng.gen_range(-1.0f32..1.0))
            .collect();
        let w: Vec<f32> = (0..size.v * size.d)
            .map(|_| rng.gen_range(-ws..ws))
            .collect();
        let targets = (0..size.tokens)
            .map(|_| rng.gen_range(0..size.v as u32))
            .collect();
        let mut offsets: Vec<usize> = (0..size.tokens).step_by(size.seq_len.max(1)).collect();
        offsets.push(size.tokens);
        let proj = Projection::gaussian(KA, KB, size.v, size.d, &mut rng);
        let points = (0..size.km_n * size.km_dim)
            .map(|_| rng.gen_range(-1.0f32..1.0))
            .collect();
        let centre = (0..size.km_dim)
            .map(|_| rng.gen_range(-1.0f32..1.0))
            .collect();
        let dist2 = vec![f64::INFINITY; size.km_n];
        let (h32, w32, h16, w16) = match size.dtype {
            WDType::F32 => (h, w, vec![], vec![]),
            WDType::Bf16 => {
                let hb = h.iter().map(|x| bf16::from_f32(*x)).collect();
                let wb = w.iter().map(|x| bf16::from_f32(*x)).collect();
                (vec![], vec![], hb, wb)
            }
        };
        Workload {
            size,
            h32,
            w32,
            h16,
            w16,
            targets,
            offsets,
            proj,
            points,
            centre,
            dist2,
        }
    }

    /// The scoring input view.
    pub fn input(&self) -> ScoringInput<'_> {
        let (h, w) = match self.size.dtype {
            WDType::F32 => (Elems::F32(&self.h32), Elems::F32(&self.w32)),
            WDType::Bf16 => (Elems::Bf16(&self.h16), Elems::Bf16(&self.w16)),
        };
        ScoringInput {
            h,
            w,
            d: self.size.d,
            v: self.size.v,
            targets: &self.targets,
            offsets: &self.offsets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flop_counts_and_shapes() {
        let s = size("small").unwrap();
        assert_eq!(s.flops_seq_loss(), 2.0 * 2048.0 * 600.0 * 64.0);
        let w = Workload::generate(s, 1);
        assert_eq!(w.offsets.len(), 2048 / 32 + 1);
        assert!(w.input().validate().is_ok());
        assert!(size("huge").is_none());
    }
}
