//! The training forward's two softmaxes: attention's causal rows and the loss rows over
//! the vocabulary, each one row at a time and, with the same bits, eight rows at a time.
//!
//! **Why blocks.** A softmax row's maximum and its sum are each one chain of dependent
//! operations in index order (the sum's order fixes its rounding, so it may not be split
//! into lanes without changing result bits). One chain waits ~3 cycles per element for
//! the previous step; eight rows' chains side by side keep the adders busy instead. Each
//! row still folds its own elements in index order from the same start value, so the
//! block versions give the single-row versions' bits (`tests` below compare them bit for
//! bit; `attention::tests` compares the whole tiled attention with the GEMM path, which
//! calls the single-row version).

use super::expf;

/// Rows per interleaved block.
pub const BLOCK: usize = 8;

/// Softmax of `row[..=i]` in place (max-subtracted, f32 sum in index order), and zeros
/// after `i` (the positions a causal query may not see).
#[inline(always)]
pub fn causal_row(row: &mut [f32], i: usize) {
    let mx = row[..=i].iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    expf::exp_minus(&mut row[..=i], mx);
    let mut sum = 0.0f32;
    for x in &row[..=i] {
        sum += *x;
    }
    let inv = 1.0 / sum;
    for x in row[..=i].iter_mut() {
        *x *= inv;
    }
    row[i + 1..].fill(0.0);
}

/// [`causal_row`] for rows `i0..i0 + rows` of the `l`-wide row-major block `p` (row `i`
/// at `p[i·l..]`), the same bits. A full block of [`BLOCK`] rows runs its chains
/// interleaved over the prefix `0..=i0` that every row has, then each row's own tail.
#[inline(always)]
pub fn causal_rows(p: &mut [f32], l: usize, i0: usize, rows: usize) {
    if rows != BLOCK {
        for i in i0..i0 + rows {
            causal_row(&mut p[i * l..(i + 1) * l], i);
        }
        return;
    }
    assert!(i0 + BLOCK <= l && p.len() >= (i0 + BLOCK) * l);
    let base = i0 * l;
    let mut mx = [f32::NEG_INFINITY; BLOCK];
    fold_rows(&p[base..], l, 0..i0 + 1, &mut mx, |a, x| a.max(x));
    for (r, m) in mx.iter_mut().enumerate().skip(1) {
        let row = &p[base + r * l..];
        *m = row[i0 + 1..=i0 + r].iter().fold(*m, |a, &b| a.max(b));
    }
    for (r, &m) in mx.iter().enumerate() {
        let i = i0 + r;
        expf::exp_minus(&mut p[i * l..=i * l + i], m);
    }
    let mut sum = [0.0f32; BLOCK];
    fold_rows(&p[base..], l, 0..i0 + 1, &mut sum, |a, x| a + x);
    for (r, s) in sum.iter_mut().enumerate().skip(1) {
        for x in &p[base + r * l + i0 + 1..=base + r * l + i0 + r] {
            *s += *x;
        }
    }
    for (r, &s) in sum.iter().enumerate() {
        let i = i0 + r;
        let row = &mut p[i * l..(i + 1) * l];
        let inv = 1.0 / s;
        for x in row[..=i].iter_mut() {
            *x *= inv;
        }
        row[i + 1..].fill(0.0);
    }
}

/// In-place softmax of a logit row; returns −log p[target] computed in f64 from the
/// log-sum-exp (stable). Inlined into each compiled copy of the forward pass, so that its
/// exponentials run in that copy's vectors (and fused multiply-adds; see [`super::expf`]).
#[inline(always)]
pub fn nll_row(row: &mut [f32], target: usize) -> f64 {
    let mx = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    let zt = row[target];
    expf::exp_minus(row, mx);
    let mut sum = 0.0f32;
    for x in row.iter() {
        sum += *x;
    }
    let inv = 1.0 / sum;
    for x in row.iter_mut() {
        *x *= inv;
    }
    (sum as f64).ln() - (zt - mx) as f64
}

/// [`nll_row`] on every `v`-wide row of `p` with its target, the same bits; returns the
/// rows' negative log-likelihoods summed in row order in f64, as a loop over
/// [`nll_row`] would. Full blocks of [`BLOCK`] rows run their chains interleaved.
#[inline(always)]
pub fn nll_rows(p: &mut [f32], v: usize, targets: &[u32]) -> f64 {
    assert_eq!(p.len(), v * targets.len());
    let mut nll = 0.0f64;
    let mut blocks = p.chunks_exact_mut(BLOCK * v);
    let mut tg = targets.chunks_exact(BLOCK);
    for (blk, t) in (&mut blocks).zip(&mut tg) {
        let mut mx = [f32::NEG_INFINITY; BLOCK];
        fold_rows(blk, v, 0..v, &mut mx, |a, x| a.max(x));
        let zt: [f32; BLOCK] = std::array::from_fn(|r| blk[r * v + t[r] as usize]);
        for (row, &m) in blk.chunks_exact_mut(v).zip(&mx) {
            expf::exp_minus(row, m);
        }
        let mut sum = [0.0f32; BLOCK];
        fold_rows(blk, v, 0..v, &mut sum, |a, x| a + x);
        for r in 0..BLOCK {
            let inv = 1.0 / sum[r];
            for x in blk[r * v..(r + 1) * v].iter_mut() {
                *x *= inv;
            }
            nll += (sum[r] as f64).ln() - (zt[r] - mx[r]) as f64;
        }
    }
    for (row, &t) in blocks
        .into_remainder()
        .chunks_exact_mut(v)
        .zip(tg.remainder())
    {
        nll += nll_row(row, t as usize);
    }
    nll
}

/// `acc[r] = f(acc[r], p[r·stride + j])` for `j` in `cols`, in order, for the [`BLOCK`]
/// rows side by side: each row's chain is the left fold it would be alone.
#[inline(always)]
fn fold_rows(
    p: &[f32],
    stride: usize,
    cols: std::ops::Range<usize>,
    acc: &mut [f32; BLOCK],
    f: impl Fn(f32, f32) -> f32,
) {
    if cols.is_empty() {
        return;
    }
    assert!(cols.end <= stride && p.len() >= (BLOCK - 1) * stride + cols.end);
    let mut a = *acc;
    for j in cols {
        for (r, a) in a.iter_mut().enumerate() {
            // SAFETY: r < BLOCK and j < cols.end, so the index is below
            // (BLOCK − 1)·stride + cols.end ≤ p.len() (asserted above).
            *a = f(*a, unsafe { *p.get_unchecked(r * stride + j) });
        }
    }
    *acc = a;
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn logits(rng: &mut rand_chacha::ChaCha8Rng, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| (rng.gen::<f32>() - 0.5) * scale).collect()
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// Every block start of every causal length up to 70 (full and partial blocks,
    /// prefixes of 1 to 63), with logits large enough that the maximum matters and
    /// exact ties between rows' values: the block gives the row-by-row bits.
    #[test]
    fn causal_rows_give_the_single_row_bits() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for l in 1..=70 {
            for scale in [1.0f32, 40.0] {
                let mut a = logits(&mut rng, l * l, scale);
                // repeated values across rows and within a row
                for k in (0..a.len()).step_by(5) {
                    a[k] = 1.5;
                }
                let mut b = a.clone();
                for i0 in (0..l).step_by(BLOCK) {
                    let rows = BLOCK.min(l - i0);
                    causal_rows(&mut a, l, i0, rows);
                    for i in i0..i0 + rows {
                        causal_row(&mut b[i * l..(i + 1) * l], i);
                    }
                }
                assert_eq!(bits(&a), bits(&b), "l = {l}, scale {scale}");
                // a real softmax: every row sums to 1 within rounding, upper part zero
                for i in 0..l {
                    let s: f64 = a[i * l..=i * l + i].iter().map(|&x| x as f64).sum();
                    assert!((s - 1.0).abs() < 1e-5, "row {i} of {l} sums to {s}");
                    assert!(a[i * l + i + 1..(i + 1) * l].iter().all(|&x| x == 0.0));
                }
            }
        }
    }

    /// Row counts that leave 0 to 7 rows after the full blocks, widths 1 to 401: the
    /// same probabilities and the same f64 sum as [`nll_row`] row by row, and that sum
    /// against an f64 log-sum-exp.
    #[test]
    fn nll_rows_give_the_single_row_bits() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for v in [1usize, 2, 17, 64, 400, 401] {
            for n in [0usize, 1, 7, 8, 9, 16, 23, 63] {
                let mut a = logits(&mut rng, n * v, 30.0);
                let targets: Vec<u32> = (0..n).map(|_| rng.gen_range(0..v) as u32).collect();
                let orig = a.clone();
                let mut b = a.clone();
                let got = nll_rows(&mut a, v, &targets);
                let mut want = 0.0f64;
                for (row, &t) in b.chunks_exact_mut(v).zip(&targets) {
                    want += nll_row(row, t as usize);
                }
                assert_eq!(got.to_bits(), want.to_bits(), "v {v}, n {n}");
                assert_eq!(bits(&a), bits(&b), "v {v}, n {n}");
                let exact: f64 = orig
                    .chunks_exact(v)
                    .zip(&targets)
                    .map(|(row, &t)| {
                        let m = row.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b as f64));
                        let lse = m + row.iter().map(|&x| (x as f64 - m).exp()).sum::<f64>().ln();
                        lse - row[t as usize] as f64
                    })
                    .sum();
                assert!(
                    (got - exact).abs() <= 1e-5 * (1.0 + exact.abs()),
                    "v {v}, n {n}: {got} against {exact}"
                );
            }
        }
    }
}
