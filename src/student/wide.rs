//! Run-time choice of wider vector instructions for the student's hot loops.
//!
//! The crate is compiled for the baseline x86-64 instruction set (SSE2: 4 f32 lanes), so
//! one binary runs on every machine and no `-C target-cpu` is needed. The element-wise
//! loops of a training step and of decoding (GELU, LayerNorm's normalisation, residual
//! adds, AdamW, the decoder's scores) then run 4 lanes wide. The forward, backward,
//! optimiser and decoder entry points therefore also exist as copies compiled with AVX2
//! (8 lanes), chosen once per call when the CPU has it.
//!
//! **The copies produce the same bits.** LLVM never reassociates or contracts (FMA) f32
//! arithmetic unless fast-math flags allow it, which Rust never sets: a wider vector runs
//! the same per-element operations in more lanes, and reductions stay in source order.
//! `libm` calls (`expf`) are the same function in both copies. The GEMMs are
//! `matrixmultiply`'s, which chooses its kernel at run time in both copies alike.
//! `student::tests` checks a training step and a decode bit for bit under both paths.

/// Whether the AVX2 copies may run on this CPU (detected once, then a cached load).
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}
