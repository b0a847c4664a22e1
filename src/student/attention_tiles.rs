//! Causal attention of one (sequence, head) in AVX-512 register tiles: the training
//! forward and backward of [`super::attention`] without a general GEMM.
//!
//! **Why.** A training step of the default student runs about 1,150 attention products
//! per step, each tiny (L ≈ 62, d_head = 16). Through `matrixmultiply` each one packs both
//! operands into fresh buffers and computes the full L × L square although causality
//! zeroes half of it; measured in a step, those products ran at 10–37 GFLOP/s against
//! 75–95 for the linear layers (issue 11). Here every product reads its operands in place
//! (the heads straight out of the fused QKV buffer), skips the tiles that lie entirely
//! above the diagonal, and keeps an 8-row × d_head tile of accumulators in registers.
//!
//! **Same bits as the GEMM path.** `matrixmultiply`'s kernels compute every element of
//! C as one FMA chain over k, in k order, starting from +0, then store `α·acc` (β = 0)
//! for k ≤ 256 (its `kc`). [`tile`] computes exactly that chain for each element. The
//! work it leaves out is of two kinds, neither of which changes a finite result:
//! - *leading* terms whose factor is an exact zero (`P[i][j] = 0` for i < j in dV and
//!   dK): the chain is then still +0 when the first real term arrives, as it is in
//!   the GEMM (`fma(0, x, +0) = +0` for finite x);
//! - *trailing* terms of tiles entirely above the diagonal, whose factor is an exact
//!   zero: `fma(0, x, acc) = acc` for finite x and acc ≠ −0. Within a computed tile the
//!   zero terms are kept, so only whole 8-row blocks stop early.
//!
//! Sequences longer than 256 (where `matrixmultiply` splits k into blocks) and head widths
//! that are not a multiple of 16 take the GEMM path. The tests compare both paths bit for
//! bit (`student::attention::tests`).

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Longest sequence the tiles take: `matrixmultiply`'s `kc` for f32, so that every chain
/// is one unbroken k block in both paths.
pub const MAX_LEN: usize = 256;

/// Rows of one register tile.
const MR: usize = 8;

/// Whether the tiles can compute a head of width `dh` for sequences up to [`MAX_LEN`]
/// on this CPU.
#[inline]
pub fn usable(dh: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        (dh == 16 || dh == 32 || dh == 48 || dh == 64) && std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = dh;
        false
    }
}

/// Scratch of one (sequence, head): a transposed operand (dh × Lp) and an L × Lp block
/// of scores or their gradients, Lp = L rounded up to 16.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    t: Vec<f32>,
    s: Vec<f32>,
}

/// `l` rounded up to a multiple of 16 (one vector of columns).
#[inline]
fn padded(l: usize) -> usize {
    l.div_ceil(16) * 16
}

impl Scratch {
    fn fit(&mut self, dh: usize, l: usize) -> usize {
        let lp = padded(l);
        self.t.resize(dh * lp, 0.0);
        self.s.resize(l * lp, 0.0);
        lp
    }

    /// Rows `i0..i0 + rows` of the score block `s = α · A tᵀ`, over the column vectors
    /// that meet the causal part of those rows (`j ≤ i0 + rows − 1`). `a` starts at row
    /// `i0` of A (row stride `a_rs`, `dh` wide); `t` holds the transposed other operand.
    #[allow(clippy::too_many_arguments)]
    fn causal_block(
        &mut self,
        a: &[f32],
        a_rs: usize,
        rows: usize,
        i0: usize,
        dh: usize,
        lp: usize,
        alpha: f32,
    ) {
        assert!(a.len() >= (rows - 1) * a_rs + dh && self.s.len() >= (i0 + rows) * lp);
        for jb in (0..i0 + rows).step_by(16) {
            // SAFETY: A rows 0..rows (stride a_rs, dh wide: asserted), B columns
            // jb..jb+16 ≤ lp of the dh transposed rows of lp, C rows i0..i0+rows of the
            // lp-wide score block (asserted); `s` and `t` are distinct buffers.
            unsafe {
                tile_dispatch(
                    rows,
                    0,
                    dh,
                    a.as_ptr(),
                    a_rs,
                    1,
                    self.t[jb..].as_ptr(),
                    lp,
                    16,
                    alpha,
                    self.s[i0 * lp + jb..].as_mut_ptr(),
                    lp,
                );
            }
        }
    }

    /// `t[c·lp + j] = src[j·stride + c]` for j < l, and 0 in the padding columns.
    fn transpose_from(&mut self, src: &[f32], stride: usize, l: usize, dh: usize, lp: usize) {
        for c in 0..dh {
            let row = &mut self.t[c * lp..(c + 1) * lp];
            for (j, x) in row[..l].iter_mut().enumerate() {
                *x = src[j * stride + c];
            }
            row[l..].fill(0.0);
        }
    }
}

/// Forward of one (sequence, head): `probs` (L × L, upper triangle zero) and the head's
/// output columns of `att`. `qkv` starts at the sequence's first row, `att` too; `h` is
/// the head. Requires [`usable`]`(dh)` and `l ≤ MAX_LEN`.
/// Inlined so that its scalar loops (transposes, softmax) are compiled into each copy of
/// the forward pass ([`super::wide`]).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn forward(
    qkv: &[f32],
    l: usize,
    d: usize,
    dh: usize,
    h: usize,
    probs: &mut [f32],
    att: &mut [f32],
    sc: &mut Scratch,
) {
    assert!((1..=MAX_LEN).contains(&l) && usable(dh));
    let s3 = 3 * d;
    assert!(qkv.len() >= (l - 1) * s3 + 3 * d && att.len() >= (l - 1) * d + d);
    assert!(probs.len() >= l * l);
    let scale = 1.0 / (dh as f32).sqrt();
    let lp = sc.fit(dh, l);
    sc.transpose_from(&qkv[d + h * dh..], s3, l, dh, lp);
    let q = &qkv[h * dh..];
    for i0 in (0..l).step_by(MR) {
        let rows = MR.min(l - i0);
        let last = i0 + rows - 1;
        // S = scale · Q Kᵀ over the column vectors that meet the causal part of the block
        sc.causal_block(&q[i0 * s3..], s3, rows, i0, dh, lp, scale);
        for i in i0..=last {
            probs[i * l..=i * l + i].copy_from_slice(&sc.s[i * lp..i * lp + i + 1]);
        }
        super::softmax::causal_rows(probs, l, i0, rows);
        // O = P V: the chain over j stops at the block's last row (P is zero beyond)
        // SAFETY: A = rows of P (stride l), k = 0..=last; B = value rows (stride 3d,
        // dh wide); C = the head's columns of att (stride d).
        unsafe {
            tile_dispatch(
                rows,
                0,
                last + 1,
                probs[i0 * l..].as_ptr(),
                l,
                1,
                qkv[2 * d + h * dh..].as_ptr(),
                s3,
                dh,
                1.0,
                att[i0 * d + h * dh..].as_mut_ptr(),
                d,
            );
        }
    }
}

/// Backward of one (sequence, head): from the head's columns of `datt` and the saved
/// `qkv` and `probs`, writes dQ, dK, dV into the head's columns of `dqkv`. Slices start
/// at the sequence's first row. Requires [`usable`]`(dh)` and `l ≤ MAX_LEN`.
/// Inlined into each copy of the backward pass, like [`forward`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn backward(
    qkv: &[f32],
    probs: &[f32],
    datt: &[f32],
    l: usize,
    d: usize,
    dh: usize,
    h: usize,
    dqkv: &mut [f32],
    sc: &mut Scratch,
) {
    assert!((1..=MAX_LEN).contains(&l) && usable(dh));
    let s3 = 3 * d;
    assert!(qkv.len() >= (l - 1) * s3 + 3 * d && dqkv.len() >= (l - 1) * s3 + 3 * d);
    assert!(datt.len() >= (l - 1) * d + d && probs.len() >= l * l);
    let scale = 1.0 / (dh as f32).sqrt();
    let lp = sc.fit(dh, l);
    let (qo, ko, vo) = (h * dh, d + h * dh, 2 * d + h * dh);
    sc.transpose_from(&qkv[vo..], s3, l, dh, lp);
    let dout = &datt[h * dh..];
    for i0 in (0..l).step_by(MR) {
        let rows = MR.min(l - i0);
        let last = i0 + rows - 1;
        // dP = dO Vᵀ
        sc.causal_block(&dout[i0 * d..], d, rows, i0, dh, lp, 1.0);
        // dS = P ∘ (dP − rowsum(dP ∘ P)), zero beyond the diagonal
        for i in i0..=last {
            let prow = &probs[i * l..(i + 1) * l];
            let drow = &mut sc.s[i * lp..(i + 1) * lp];
            let dot: f32 = prow[..=i].iter().zip(&drow[..=i]).map(|(a, b)| a * b).sum();
            for j in 0..=i {
                drow[j] = prow[j] * (drow[j] - dot);
            }
            drow[i + 1..].fill(0.0);
        }
    }
    for r0 in (0..l).step_by(MR) {
        let rows = MR.min(l - r0);
        let last = r0 + rows - 1;
        // SAFETY (all four): A is P or dS read either by rows (stride l or lp) or by
        // columns (row stride 1, k stride l or lp), k inside 0..l; B rows of Q, K (stride
        // 3d) or dO (stride d), dh wide; C the head's columns of dQ, dK, dV (stride 3d).
        unsafe {
            // dV[j] = Σ_{i ≥ j} P[i][j] dO[i]: leading terms (i < r0) are zero
            tile_dispatch(
                rows,
                r0,
                l,
                probs[r0..].as_ptr(),
                1,
                l,
                dout.as_ptr(),
                d,
                dh,
                1.0,
                dqkv[r0 * s3 + vo..].as_mut_ptr(),
                s3,
            );
            // dQ[i] = scale Σ_{j ≤ i} dS[i][j] K[j]
            tile_dispatch(
                rows,
                0,
                last + 1,
                sc.s[r0 * lp..].as_ptr(),
                lp,
                1,
                qkv[ko..].as_ptr(),
                s3,
                dh,
                scale,
                dqkv[r0 * s3 + qo..].as_mut_ptr(),
                s3,
            );
            // dK[j] = scale Σ_{i ≥ j} dS[i][j] Q[i]
            tile_dispatch(
                rows,
                r0,
                l,
                sc.s[r0..].as_ptr(),
                1,
                lp,
                qkv[qo..].as_ptr(),
                s3,
                dh,
                scale,
                dqkv[r0 * s3 + ko..].as_mut_ptr(),
                s3,
            );
        }
    }
}

/// `C[r][c] = α · Σ_{k = k0..k1} A[r][k] B[k][c]` for `r < rows ≤ 8` and `c < width`
/// (16, 32, 48 or 64), each sum one FMA chain in k order from +0, as `matrixmultiply`'s
/// kernel computes it. `A[r][k]` is at `a + r·a_rs + k·a_cs`, `B[k][c]` at `b + k·b_rs
/// + c`, `C[r][c]` at `c + r·c_rs + c`.
///
/// # Safety
/// The CPU has AVX-512F, and every address named above is inside one live allocation
/// (A for `r < rows`, `k0 ≤ k < k1`; B for `k0 ≤ k < k1`, `c < width`; C for `r < rows`,
/// `c < width`), with C not overlapping A or B.
#[allow(clippy::too_many_arguments)]
#[inline]
unsafe fn tile_dispatch(
    rows: usize,
    k0: usize,
    k1: usize,
    a: *const f32,
    a_rs: usize,
    a_cs: usize,
    b: *const f32,
    b_rs: usize,
    width: usize,
    alpha: f32,
    c: *mut f32,
    c_rs: usize,
) {
    #[cfg(target_arch = "x86_64")]
    match width {
        16 => tile::<1>(rows, k0, k1, a, a_rs, a_cs, b, b_rs, alpha, c, c_rs),
        32 => tile::<2>(rows, k0, k1, a, a_rs, a_cs, b, b_rs, alpha, c, c_rs),
        48 => tile::<3>(rows, k0, k1, a, a_rs, a_cs, b, b_rs, alpha, c, c_rs),
        64 => tile::<4>(rows, k0, k1, a, a_rs, a_cs, b, b_rs, alpha, c, c_rs),
        _ => unreachable!("tile width {width}"),
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (rows, k0, k1, a, a_rs, a_cs, b, b_rs, alpha, c, c_rs);
        unreachable!("attention tiles need x86-64 with AVX-512 (`usable`)");
    }
}

/// The register tile of [`tile_dispatch`] for `NV` vectors of 16 columns.
///
/// # Safety
/// As [`tile_dispatch`].
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx512f")]
unsafe fn tile<const NV: usize>(
    rows: usize,
    k0: usize,
    k1: usize,
    a: *const f32,
    a_rs: usize,
    a_cs: usize,
    b: *const f32,
    b_rs: usize,
    alpha: f32,
    c: *mut f32,
    c_rs: usize,
) {
    debug_assert!((1..=MR).contains(&rows));
    let mut acc = [[_mm512_setzero_ps(); NV]; MR];
    // Rows past `rows` repeat the last real row (valid memory), and are not stored.
    let mut arow = [a; MR];
    for (r, p) in arow.iter_mut().enumerate() {
        *p = a.add(r.min(rows - 1) * a_rs);
    }
    for k in k0..k1 {
        let bk = b.add(k * b_rs);
        let mut bv = [_mm512_setzero_ps(); NV];
        for (v, x) in bv.iter_mut().enumerate() {
            *x = _mm512_loadu_ps(bk.add(16 * v));
        }
        for r in 0..MR {
            let av = _mm512_set1_ps(*arow[r].add(k * a_cs));
            for v in 0..NV {
                acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
            }
        }
    }
    let alphav = _mm512_set1_ps(alpha);
    for (r, accr) in acc.iter().enumerate().take(rows) {
        let cr = c.add(r * c_rs);
        for (v, x) in accr.iter().enumerate() {
            _mm512_storeu_ps(cr.add(16 * v), _mm512_mul_ps(alphav, *x));
        }
    }
}
