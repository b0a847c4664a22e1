//! Run-time choice of wider vector instructions for the student's hot loops.
//!
//! The crate is compiled for the baseline x86-64 instruction set (SSE2: 4 f32 lanes), so
//! one binary runs on every machine and no `-C target-cpu` is needed. The element-wise
//! loops of a training step and of decoding (GELU, LayerNorm's normalisation, residual
//! adds, AdamW, the decoder's scores) then run 4 lanes wide. The forward, backward,
//! optimiser and decoder entry points therefore also exist as copies compiled with AVX2
//! (8 lanes) and with AVX-512 (16 lanes), the widest the CPU has chosen once per call
//! ([`Lanes::best`]).
//!
//! **The copies produce the same bits.** LLVM never reassociates or contracts (FMA) f32
//! arithmetic unless fast-math flags allow it, which Rust never sets: a wider vector runs
//! the same per-element operations in more lanes, and reductions stay in source order.
//! The exponentials are [`super::expf`]'s, whose `mul_add`s round once in every copy
//! (an FMA instruction in the wide ones, a correctly rounded call in the portable one).
//! The GEMMs are
//! the register tiles' (or `matrixmultiply`'s), chosen at run time in every copy alike.
//! `student::tests` checks a training step and a decode bit for bit under every copy the
//! CPU can run.

/// Whether the AVX2 copies may run on this CPU (detected once, then a cached load). They
/// are compiled with FMA too (every AVX2 CPU from Intel and AMD has it), so that
/// [`super::expf`]'s fused multiply-adds are instructions rather than calls.
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// Whether the AVX-512 copies may run on this CPU: the foundation, byte/word, vector-length
/// and doubleword/quadword subsets, which every AVX-512 CPU since Skylake-SP has.
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn avx512() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vl")
        && std::is_x86_feature_detected!("avx512dq")
        && avx2()
}

/// Which compiled copy of an entry point runs: the widest the CPU has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lanes {
    /// The crate's baseline (SSE2 on x86-64).
    Portable,
    /// 8 f32 lanes.
    Avx2,
    /// 16 f32 lanes.
    Avx512,
}

impl Lanes {
    /// The widest copy this CPU can run.
    #[inline]
    pub fn best() -> Lanes {
        #[cfg(target_arch = "x86_64")]
        {
            if avx512() {
                return Lanes::Avx512;
            }
            if avx2() {
                return Lanes::Avx2;
            }
        }
        Lanes::Portable
    }

    /// Every copy this CPU can run, narrowest first (what the bit-identity tests compare).
    pub fn available() -> Vec<Lanes> {
        [Lanes::Portable, Lanes::Avx2, Lanes::Avx512]
            .into_iter()
            .filter(|l| *l <= Lanes::best())
            .collect()
    }
}

impl PartialOrd for Lanes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Lanes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}
