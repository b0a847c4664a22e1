//! The student's linear-layer GEMMs in AVX-512 register tiles, reading both operands in
//! place: `C (+)= A · B` with A at any strides and B, C row-major.
//!
//! **Why.** `matrixmultiply` packs both operands into fresh buffers on every call. At the
//! student's sizes (k = 64–512, a few thousand rows in training, 64 in a decoding step)
//! that packing was 14 % of a training step and 9 % of decoding, and the weights were
//! re-packed for every one of a decode's hundreds of calls (issue 11). Here A (activations,
//! or their transpose for a weight gradient) is broadcast straight from memory, and B is
//! read by rows: the weights as stored for `x W`, or transposed once per call when the
//! product needs `Wᵀ` ([`crate::student::ops`]).
//!
//! **Same bits as `matrixmultiply`.** Its kernels compute every element of C as one FMA
//! chain over k, in k order, from +0, restarted every 256 (`kc`); the first block is
//! stored as `acc` (β = 0) or `acc + C` (β = 1), every later block as `acc + C`. [`gemm`]
//! does exactly that, so each element gets the same bits; only α = 1 is taken (every
//! linear-layer call), since `matrixmultiply` rounds `α·acc + C` differently in its full
//! and its edge tiles. `student::ops` tests compare the two on random shapes.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// `matrixmultiply`'s k block for f32: every chain restarts at a multiple of this.
pub const KC: usize = 256;

/// Rows of one register tile.
const MR: usize = 12;
/// Columns of one register tile (two vectors of 16).
const NR: usize = 32;

/// What [`gemm`] adds to the first k block's sums (every later block adds C, which then
/// holds the sums so far).
#[derive(Clone, Copy, Debug)]
pub enum Init<'a> {
    /// Nothing: `C = A·B` (β = 0).
    Zero,
    /// C as it is: `C += A·B` (β = 1).
    Accumulate,
    /// One row of n values added to every row: `C = A·B + bias`, a linear layer's bias
    /// without first copying it into every row of C. The additions are those of copying
    /// it in and accumulating, so the bits are too; the copy was a pass over the whole
    /// output (4 % of decoding the 4L-d128 student, 2–3 % of a training step).
    Bias(&'a [f32]),
}

/// Whether [`gemm`] runs on this CPU.
#[inline]
pub fn usable() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `C[m×n] = A[m×k] B[k×n]` plus what `init` says ([`Init`]), with `A[i][p]` at `a[i·rsa + p·csa]`,
/// `B[p][j]` at `b[p·rsb + j]` and `C[i][j]` at `c[i·rsc + j]`. Requires [`usable`].
#[allow(clippy::too_many_arguments)]
pub fn gemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    rsb: usize,
    init: Init,
    c: &mut [f32],
    rsc: usize,
) {
    assert!(usable(), "gemm_tiles::gemm needs AVX-512F");
    if m == 0 || n == 0 {
        return;
    }
    if let Init::Bias(bias) = init {
        assert!(bias.len() >= n, "gemm: bias too short");
    }
    if k == 0 {
        for i in 0..m {
            match init {
                Init::Zero => c[i * rsc..i * rsc + n].fill(0.0),
                Init::Accumulate => {}
                Init::Bias(bias) => c[i * rsc..i * rsc + n].copy_from_slice(&bias[..n]),
            }
        }
        return;
    }
    assert!(a.len() > (m - 1) * rsa + (k - 1) * csa, "gemm: A too short");
    assert!(b.len() >= (k - 1) * rsb + n, "gemm: B too short");
    assert!(c.len() >= (m - 1) * rsc + n, "gemm: C too short");
    for k0 in (0..k).step_by(KC) {
        let k1 = (k0 + KC).min(k);
        for j0 in (0..n).step_by(NR) {
            let cols = NR.min(n - j0);
            for i0 in (0..m).step_by(MR) {
                let rows = MR.min(m - i0);
                // SAFETY: rows i0..i0+rows of A and C, columns j0..j0+cols of B and C,
                // k in k0..k1: inside the slices (asserted above); C is a distinct
                // `&mut` borrow, so it overlaps neither A nor B.
                #[cfg(target_arch = "x86_64")]
                unsafe {
                    let cp = c.as_mut_ptr().add(i0 * rsc + j0);
                    // the row added to each row's sums, and its stride (0: one row for all)
                    let addend = match init {
                        _ if k0 > 0 => Some((cp as *const f32, rsc)),
                        Init::Zero => None,
                        Init::Accumulate => Some((cp as *const f32, rsc)),
                        Init::Bias(bias) => Some((bias.as_ptr().add(j0), 0)),
                    };
                    tile(
                        rows,
                        k1 - k0,
                        a.as_ptr().add(i0 * rsa + k0 * csa),
                        rsa,
                        csa,
                        b.as_ptr().add(k0 * rsb + j0),
                        rsb,
                        cols,
                        addend,
                        cp,
                        rsc,
                    );
                }
            }
        }
    }
}

/// Lane mask of the first `cols` of 16 columns.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn mask(cols: usize) -> __mmask16 {
    if cols >= 16 {
        0xffff
    } else {
        ((1u32 << cols) - 1) as __mmask16
    }
}

/// One MR × NR tile: `C[r][j] = Σ_{p<k} A[r][p] B[p][j]`, plus `D[r][j]` when `addend` is
/// `Some((D, row stride))` (C itself, or a bias row with stride 0), stored for `r < rows`,
/// `j < cols`. Rows past `rows` repeat the last real row (valid
/// memory) and are not stored; columns past `cols` are masked off in every load and store.
///
/// # Safety
/// AVX-512F; the addresses of [`gemm`]'s contract for this tile are valid.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx512f")]
unsafe fn tile(
    rows: usize,
    k: usize,
    a: *const f32,
    rsa: usize,
    csa: usize,
    b: *const f32,
    rsb: usize,
    cols: usize,
    addend: Option<(*const f32, usize)>,
    c: *mut f32,
    rsc: usize,
) {
    let (m0, m1) = (mask(cols), mask(cols.saturating_sub(16)));
    let mut acc0 = [_mm512_setzero_ps(); MR];
    let mut acc1 = [_mm512_setzero_ps(); MR];
    let mut arow = [a; MR];
    for (r, p) in arow.iter_mut().enumerate() {
        *p = a.add(r.min(rows - 1) * rsa);
    }
    if cols > 16 {
        for p in 0..k {
            let bp = b.add(p * rsb);
            let b0 = _mm512_loadu_ps(bp);
            let b1 = _mm512_maskz_loadu_ps(m1, bp.add(16));
            for r in 0..MR {
                let av = _mm512_set1_ps(*arow[r].add(p * csa));
                acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
                acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
            }
        }
    } else {
        for p in 0..k {
            let b0 = _mm512_maskz_loadu_ps(m0, b.add(p * rsb));
            for r in 0..MR {
                let av = _mm512_set1_ps(*arow[r].add(p * csa));
                acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
            }
        }
    }
    for r in 0..rows {
        let cr = c.add(r * rsc);
        let (mut x0, mut x1) = (acc0[r], acc1[r]);
        if let Some((d, rsd)) = addend {
            let dr = d.add(r * rsd);
            x0 = _mm512_add_ps(x0, _mm512_maskz_loadu_ps(m0, dr));
            if cols > 16 {
                x1 = _mm512_add_ps(x1, _mm512_maskz_loadu_ps(m1, dr.add(16)));
            }
        }
        _mm512_mask_storeu_ps(cr, m0, x0);
        if cols > 16 {
            _mm512_mask_storeu_ps(cr.add(16), m1, x1);
        }
    }
}
