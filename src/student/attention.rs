//! Causal multi-head self-attention, forward and backward over a packed batch, and the
//! decoder's one-row step against a KV cache — kept apart from the rest of the block (as
//! llm.c separates `attention_forward`/`attention_backward`) so each can be read, tested
//! and optimised on its own.
//!
//! Layout: `qkv` is rows × 3d (Q, K, V side by side, head `h` at columns `h·dh..`), the
//! output rows × d with the heads side by side. Each sequence `s` of the batch occupies
//! rows `starts[s]..starts[s+1]` and attends only within itself; `probs` keeps the
//! softmax of every (sequence, head) as an L×L block (upper triangle zero) for the
//! backward pass.

use super::attention_tiles as tiles;
use super::expf;
use super::ops::gemm;
use super::softmax;
use super::wide;

/// Forward: for every sequence and head, `P = softmax_causal(Q Kᵀ / √dh)` into `probs`
/// and `P V` into `att`. Inlined so that it is compiled into both copies of the
/// forward pass ([`super::wide`]).
///
/// Sequences of at most [`tiles::MAX_LEN`] rows with a head width the register tiles
/// take run there ([`super::attention_tiles`], the same bits); the others, and every
/// sequence when `use_tiles` is false, through `matrixmultiply`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn attention_forward(
    qkv: &[f32],
    starts: &[usize],
    d: usize,
    heads: usize,
    probs: &mut [f32],
    att: &mut [f32],
    scratch: &mut tiles::Scratch,
    use_tiles: bool,
) {
    let dh = d / heads;
    let scale = 1.0 / (dh as f32).sqrt();
    let tiled = use_tiles && tiles::usable(dh);
    let mut po = 0;
    for w in starts.windows(2) {
        let (o, l) = (w[0], w[1] - w[0]);
        // A sequence with nothing scorable has no rows; at the end of a batch its offset
        // is the row count, past every slice below.
        if l == 0 {
            continue;
        }
        if tiled && l <= tiles::MAX_LEN {
            for h in 0..heads {
                tiles::forward(
                    &qkv[o * 3 * d..],
                    l,
                    d,
                    dh,
                    h,
                    &mut probs[po..po + l * l],
                    &mut att[o * d..],
                    scratch,
                );
                po += l * l;
            }
            continue;
        }
        for h in 0..heads {
            let q = &qkv[o * 3 * d + h * dh..];
            let k = &qkv[o * 3 * d + d + h * dh..];
            let v = &qkv[o * 3 * d + 2 * d + h * dh..];
            let pr = &mut probs[po..po + l * l];
            gemm(
                l,
                dh,
                l,
                scale,
                q,
                (3 * d, 1),
                k,
                (1, 3 * d),
                0.0,
                pr,
                (l, 1),
            );
            for i in 0..l {
                softmax::causal_row(&mut pr[i * l..(i + 1) * l], i);
            }
            let out = &mut att[o * d + h * dh..];
            gemm(l, l, dh, 1.0, pr, (l, 1), v, (3 * d, 1), 0.0, out, (d, 1));
            po += l * l;
        }
    }
}

/// Backward of [`attention_forward`]: from `datt` (rows × d) and the saved `qkv` and
/// `probs`, writes (overwrites) dQ, dK, dV into `dqkv` (rows × 3d). `dp` is scratch.
/// Inlined into both copies of the backward pass, like the forward.
/// Which sequences take the register tiles: as in [`attention_forward`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn attention_backward(
    qkv: &[f32],
    probs: &[f32],
    datt: &[f32],
    starts: &[usize],
    d: usize,
    heads: usize,
    dp: &mut Vec<f32>,
    dqkv: &mut [f32],
    scratch: &mut tiles::Scratch,
    use_tiles: bool,
) {
    let dh = d / heads;
    let scale = 1.0 / (dh as f32).sqrt();
    let tiled = use_tiles && tiles::usable(dh);
    let mut po = 0;
    for w in starts.windows(2) {
        let (o, l) = (w[0], w[1] - w[0]);
        // A sequence with nothing scorable has no rows; at the end of a batch its offset
        // is the row count, past every slice below.
        if l == 0 {
            continue;
        }
        if tiled && l <= tiles::MAX_LEN {
            for h in 0..heads {
                tiles::backward(
                    &qkv[o * 3 * d..],
                    &probs[po..po + l * l],
                    &datt[o * d..],
                    l,
                    d,
                    dh,
                    h,
                    &mut dqkv[o * 3 * d..],
                    scratch,
                );
                po += l * l;
            }
            continue;
        }
        // every element of dp is written (a β = 0 GEMM) before it is read
        dp.resize(l * l, 0.0);
        for h in 0..heads {
            let pr = &probs[po..po + l * l];
            let dout = &datt[o * d + h * dh..];
            let qo = o * 3 * d + h * dh;
            let (ko, vo) = (qo + d, qo + 2 * d);
            // dP = dO Vᵀ
            gemm(
                l,
                dh,
                l,
                1.0,
                dout,
                (d, 1),
                &qkv[vo..],
                (1, 3 * d),
                0.0,
                dp,
                (l, 1),
            );
            // dV = Pᵀ dO
            gemm(
                l,
                l,
                dh,
                1.0,
                pr,
                (1, l),
                dout,
                (d, 1),
                0.0,
                &mut dqkv[vo..],
                (3 * d, 1),
            );
            // dS = P ∘ (dP − rowsum(dP ∘ P))
            for i in 0..l {
                let prow = &pr[i * l..(i + 1) * l];
                let drow = &mut dp[i * l..(i + 1) * l];
                let dot: f32 = prow[..=i].iter().zip(&drow[..=i]).map(|(a, b)| a * b).sum();
                for j in 0..=i {
                    drow[j] = prow[j] * (drow[j] - dot);
                }
                drow[i + 1..].fill(0.0);
            }
            // dQ = scale dS K ; dK = scale dSᵀ Q
            gemm(
                l,
                l,
                dh,
                scale,
                dp,
                (l, 1),
                &qkv[ko..],
                (3 * d, 1),
                0.0,
                &mut dqkv[qo..],
                (3 * d, 1),
            );
            gemm(
                l,
                l,
                dh,
                scale,
                dp,
                (1, l),
                &qkv[qo..],
                (3 * d, 1),
                0.0,
                &mut dqkv[ko..],
                (3 * d, 1),
            );
            po += l * l;
        }
    }
}

/// One decoder row of one head: the query `q` (dh) attends to cached positions
/// `0..=pos`. `kt` holds the head's keys **transposed**, dimension-major (`kt[i·stride +
/// j]` is dimension `i` of position `j`), so the scores of all positions are computed
/// together, one dimension at a time, in lanes that the compiler vectorises; each score
/// still adds its products in dimension order starting from −0.0, exactly the order of
/// `q·k` summed as an iterator, so the bits equal a row-at-a-time dot product. `v` holds
/// the values position-major with row stride `v_stride`. `scores` is scratch (≥ pos + 1).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn attend_cached(
    q: &[f32],
    kt: &[f32],
    stride: usize,
    v: &[f32],
    v_stride: usize,
    pos: usize,
    scores: &mut [f32],
    out: &mut [f32],
) {
    let dh = q.len();
    let scale = 1.0 / (dh as f32).sqrt();
    let sc = &mut scores[..=pos];
    sc.fill(-0.0);
    for (i, &qi) in q.iter().enumerate() {
        let krow = &kt[i * stride..i * stride + pos + 1];
        for (s, &k) in sc.iter_mut().zip(krow) {
            *s += qi * k;
        }
    }
    let inv = scaled_exp_row(sc, scale);
    match dh {
        8 => weighted_sum::<8>(sc, inv, v, v_stride, out),
        16 => weighted_sum::<16>(sc, inv, v, v_stride, out),
        32 => weighted_sum::<32>(sc, inv, v, v_stride, out),
        _ => {
            out.fill(0.0);
            for (j, s) in sc.iter().enumerate() {
                let w = s * inv;
                let vv = &v[j * v_stride..j * v_stride + dh];
                for (o, x) in out.iter_mut().zip(vv) {
                    *o += w * x;
                }
            }
        }
    }
}

/// A decoder row's scores scaled by `scale`, then replaced by `exp(s − max)`; returns
/// the reciprocal of their sum (f32, in position order), the softmax's normaliser.
#[inline(always)]
fn scaled_exp_row(sc: &mut [f32], scale: f32) -> f32 {
    let mut mx = f32::NEG_INFINITY;
    for s in sc.iter_mut() {
        *s *= scale;
        mx = mx.max(*s);
    }
    expf::exp_minus(sc, mx);
    let mut sum = 0.0f32;
    for s in sc.iter() {
        sum += *s;
    }
    1.0 / sum
}

/// Every head of one decoder row at once: for each head `h`, the same operations in
/// the same order as [`attend_cached`] on that head (so the same bits), arranged for
/// instruction-level parallelism. `q` holds the row's queries of all heads (`H·DH`),
/// `kt` the transposed keys of the (slot, layer) with head `h` at `h·DH·stride`, `v` its
/// value rows (`H·DH` wide, head `h` at column `h·DH`), `scores` is scratch of at least
/// `2·H·stride`, `out` the row's `H·DH` outputs; `lanes` is the compiled copy that
/// runs (at most [`wide::Lanes::best`]): with AVX-512 and heads of a multiple of 32 the
/// weighted sum of values runs in [`weighted_sum_avx512`].
///
/// Why: one head at a time, the scores were summed through memory one dimension at a
/// time and the weighted sum of values was a single dependent chain per head, so a
/// decoder step waited on latencies (a third of decoding, issue 11). Here the scores of
/// 16 positions stay in registers across the dimensions, and the H heads' weighted sums
/// advance together, position by position, as independent chains.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn attend_cached_heads<const DH: usize, const H: usize>(
    q: &[f32],
    kt: &[f32],
    stride: usize,
    v: &[f32],
    pos: usize,
    scores: &mut [f32],
    out: &mut [f32],
    lanes: wide::Lanes,
) {
    let n = pos + 1;
    let d = H * DH;
    let scale = 1.0 / (DH as f32).sqrt();
    let mut inv = [0.0f32; H];
    for h in 0..H {
        let qh: &[f32; DH] = q[h * DH..(h + 1) * DH].try_into().expect("a head's query");
        let kh = &kt[h * DH * stride..(h + 1) * DH * stride];
        let sc = &mut scores[h * stride..h * stride + n];
        let mut j0 = 0;
        // 16 positions at a time while a whole block of every key row is in the row
        while j0 + 16 <= stride && j0 < n {
            let mut acc = [-0.0f32; 16];
            for (i, &qi) in qh.iter().enumerate() {
                let kr: &[f32; 16] = kh[i * stride + j0..i * stride + j0 + 16]
                    .try_into()
                    .expect("16 keys");
                for l in 0..16 {
                    acc[l] += qi * kr[l];
                }
            }
            let take = 16.min(n - j0);
            sc[j0..j0 + take].copy_from_slice(&acc[..take]);
            j0 += 16;
        }
        for j in j0..n {
            let mut s = -0.0f32;
            for (i, &qi) in qh.iter().enumerate() {
                s += qi * kh[i * stride + j];
            }
            sc[j] = s;
        }
        inv[h] = scaled_exp_row(sc, scale);
    }
    #[cfg(target_arch = "x86_64")]
    if lanes == wide::Lanes::Avx512 && DH.is_multiple_of(32) {
        // The softmax weights position-major (a position's H weights side by side), then
        // the weighted sum in AVX-512 registers. For 32-wide heads the compiler kept the
        // loop below's `acc` on the stack and updated it one float at a time: 16 % of
        // decoding the 4L-d128 student. For 16-wide heads it vectorises that loop itself,
        // and this path measured 2–3 % slower there (the extra pass over the weights).
        let (scores, wts) = scores.split_at_mut(H * stride);
        let wts = &mut wts[..H * n];
        for h in 0..H {
            for (j, s) in scores[h * stride..h * stride + n].iter().enumerate() {
                wts[j * H + h] = s * inv[h];
            }
        }
        assert!(v.len() >= n * d && out.len() >= d);
        // SAFETY: the CPU has AVX-512F (`lanes` is at most `Lanes::best()`), and the
        // lengths asserted above cover every element read and written.
        unsafe {
            match d {
                32 => weighted_sum_avx512::<2, DH, H>(wts, v, n, out),
                64 => weighted_sum_avx512::<4, DH, H>(wts, v, n, out),
                128 => weighted_sum_avx512::<8, DH, H>(wts, v, n, out),
                256 => weighted_sum_avx512::<16, DH, H>(wts, v, n, out),
                _ => unreachable!("no decoder fast path has d = {d}"),
            }
        }
        return;
    }
    let mut acc = [[0.0f32; DH]; H];
    for j in 0..n {
        let vj: &[f32] = &v[j * d..(j + 1) * d];
        for h in 0..H {
            let w = scores[h * stride + j] * inv[h];
            let vv: &[f32; DH] = vj[h * DH..(h + 1) * DH]
                .try_into()
                .expect("a head's values");
            for i in 0..DH {
                acc[h][i] += w * vv[i];
            }
        }
    }
    for h in 0..H {
        out[h * DH..(h + 1) * DH].copy_from_slice(&acc[h]);
    }
}

/// `out[c·16 + l] = Σ_j w[j, h] · v[j, c·16 + l]` with `h = (c·16 + l) / DH`, for the
/// `NV` vectors of 16 columns of a row of H heads: per element a multiply then an add, in
/// position order, from +0 — the operations of [`attend_cached_heads`]' portable loop, so
/// the same bits. `wts` holds `n` rows of H weights, `v` `n` rows of `NV·16` values.
///
/// # Safety
/// The CPU has AVX-512F; `wts.len() ≥ n·H`, `v.len() ≥ n·NV·16`, `out.len() ≥ NV·16`, and
/// DH is a multiple of 16.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn weighted_sum_avx512<const NV: usize, const DH: usize, const H: usize>(
    wts: &[f32],
    v: &[f32],
    n: usize,
    out: &mut [f32],
) {
    use std::arch::x86_64::*;
    debug_assert!(DH.is_multiple_of(16) && NV * 16 == H * DH);
    debug_assert!(wts.len() >= n * H && v.len() >= n * NV * 16 && out.len() >= NV * 16);
    let mut acc = [_mm512_setzero_ps(); NV];
    for j in 0..n {
        let vj = v.as_ptr().add(j * NV * 16);
        let wj = wts.as_ptr().add(j * H);
        for (c, a) in acc.iter_mut().enumerate() {
            let w = _mm512_set1_ps(*wj.add(c * 16 / DH));
            *a = _mm512_add_ps(*a, _mm512_mul_ps(w, _mm512_loadu_ps(vj.add(c * 16))));
        }
    }
    for (c, a) in acc.iter().enumerate() {
        _mm512_storeu_ps(out.as_mut_ptr().add(c * 16), *a);
    }
}

/// `out = Σ_j (scores[j]·inv) v_j` for a head width known at compile time: the
/// accumulator lives in registers across positions instead of being loaded and stored
/// for every position. Same operations in the same order as the general loop.
#[inline(always)]
fn weighted_sum<const DH: usize>(
    scores: &[f32],
    inv: f32,
    v: &[f32],
    v_stride: usize,
    out: &mut [f32],
) {
    let mut acc = [0.0f32; DH];
    for (j, s) in scores.iter().enumerate() {
        let w = s * inv;
        let vv: &[f32; DH] = v[j * v_stride..j * v_stride + DH]
            .try_into()
            .expect("a head's values");
        for i in 0..DH {
            acc[i] += w * vv[i];
        }
    }
    out.copy_from_slice(&acc);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> f32 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*seed >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    }

    /// The register tiles give the GEMM path's bits: probabilities, output and dQ, dK, dV,
    /// at every head width they take, at lengths that leave partial row blocks and
    /// partial column vectors (1, 7, 8, 9, 16, 17, 62, 200, 256), and beside a 257-row
    /// sequence that both runs take through the GEMM.
    #[test]
    fn tiles_and_gemm_give_the_same_bits() {
        if !tiles::usable(16) {
            eprintln!("no AVX-512 on this CPU: the tiles are never used, nothing to compare");
            return;
        }
        for (dh, heads) in [(16, 4), (32, 2), (48, 1), (64, 2)] {
            let d = dh * heads;
            let lens = [1usize, 7, 8, 9, 16, 17, 62, 200, 256, 257];
            let mut starts = vec![0];
            for l in lens {
                starts.push(starts.last().unwrap() + l);
            }
            let n = *starts.last().unwrap();
            let mut seed = dh as u64;
            let qkv: Vec<f32> = (0..n * 3 * d).map(|_| lcg(&mut seed) * 4.0).collect();
            let datt: Vec<f32> = (0..n * d).map(|_| lcg(&mut seed)).collect();
            let plen: usize = lens.iter().map(|l| heads * l * l).sum();
            let mut out = Vec::new();
            for use_tiles in [true, false] {
                let mut sc = tiles::Scratch::default();
                let (mut probs, mut att) = (vec![f32::NAN; plen], vec![f32::NAN; n * d]);
                attention_forward(
                    &qkv, &starts, d, heads, &mut probs, &mut att, &mut sc, use_tiles,
                );
                let (mut dp, mut dqkv) = (Vec::new(), vec![f32::NAN; n * 3 * d]);
                attention_backward(
                    &qkv, &probs, &datt, &starts, d, heads, &mut dp, &mut dqkv, &mut sc, use_tiles,
                );
                let bits = |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert!(att.iter().chain(&dqkv).all(|x| x.is_finite()));
                out.push((bits(&probs), bits(&att), bits(&dqkv)));
            }
            assert!(out[0].0 == out[1].0, "probs, dh {dh}");
            assert!(out[0].1 == out[1].1, "output, dh {dh}");
            assert!(out[0].2 == out[1].2, "dq dk dv, dh {dh}");
        }
    }

    /// The cached one-row step equals the plain definition (row-at-a-time dot products
    /// summed as an iterator, softmax, weighted sum of values) bit for bit.
    #[test]
    fn cached_row_equals_row_at_a_time_bits() {
        for dh in [4, 8, 16, 32] {
            cached_row_case(dh);
        }
    }

    /// All heads of a row at once give the bits of one head at a time.
    #[test]
    fn cached_heads_equal_one_head_at_a_time_bits() {
        heads_case::<16, 4>(160, &[0, 1, 15, 16, 17, 41, 62, 159]);
        heads_case::<32, 4>(160, &[0, 30, 100]);
        heads_case::<8, 2>(40, &[0, 7, 23, 39]);
        heads_case::<16, 4>(20, &[0, 15, 16, 19]);
    }

    fn heads_case<const DH: usize, const H: usize>(ctx: usize, positions: &[usize]) {
        let d = H * DH;
        let mut seed = (DH * 31 + H) as u64;
        let q: Vec<f32> = (0..d).map(|_| lcg(&mut seed) * 3.0).collect();
        let kt: Vec<f32> = (0..H * DH * ctx).map(|_| lcg(&mut seed) * 3.0).collect();
        let v: Vec<f32> = (0..ctx * d).map(|_| lcg(&mut seed)).collect();
        for &pos in positions {
            let mut scores = vec![0.0; 2 * H * ctx];
            let mut out = vec![0.0; d];
            attend_cached_heads::<DH, H>(
                &q,
                &kt,
                ctx,
                &v,
                pos,
                &mut scores,
                &mut out,
                wide::Lanes::best(),
            );
            let mut portable = vec![0.0; d];
            attend_cached_heads::<DH, H>(
                &q,
                &kt,
                ctx,
                &v,
                pos,
                &mut scores,
                &mut portable,
                wide::Lanes::Portable,
            );
            let mut want = vec![0.0; d];
            let mut sc = vec![0.0; ctx];
            for h in 0..H {
                attend_cached(
                    &q[h * DH..(h + 1) * DH],
                    &kt[h * DH * ctx..(h + 1) * DH * ctx],
                    ctx,
                    &v[h * DH..],
                    d,
                    pos,
                    &mut sc,
                    &mut want[h * DH..(h + 1) * DH],
                );
            }
            let bits = |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&out), bits(&want), "dh {DH}, heads {H}, pos {pos}");
            assert_eq!(
                bits(&portable),
                bits(&want),
                "portable: dh {DH}, heads {H}, pos {pos}"
            );
        }
    }

    fn cached_row_case(dh: usize) {
        let (ctx, pos) = (40, 29);
        let mut seed = 7;
        let q: Vec<f32> = (0..dh).map(|_| lcg(&mut seed) * 3.0).collect();
        let k: Vec<Vec<f32>> = (0..ctx)
            .map(|_| (0..dh).map(|_| lcg(&mut seed) * 3.0).collect())
            .collect();
        let v: Vec<f32> = (0..ctx * dh).map(|_| lcg(&mut seed)).collect();
        let mut kt = vec![0.0; dh * ctx];
        for (j, kj) in k.iter().enumerate() {
            for i in 0..dh {
                kt[i * ctx + j] = kj[i];
            }
        }
        let mut scores = vec![0.0; ctx];
        let mut out = vec![0.0; dh];
        attend_cached(&q, &kt, ctx, &v, dh, pos, &mut scores, &mut out);
        // reference
        let scale = 1.0 / (dh as f32).sqrt();
        let s: Vec<f32> = (0..=pos)
            .map(|j| q.iter().zip(&k[j]).map(|(a, b)| a * b).sum::<f32>() * scale)
            .collect();
        let mx = s.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        let e: Vec<f32> = s.iter().map(|x| (x - mx).exp()).collect();
        let inv = 1.0 / e.iter().fold(0.0f32, |a, b| a + b);
        let mut want = vec![0.0f32; dh];
        for (j, ej) in e.iter().enumerate() {
            for i in 0..dh {
                want[i] += ej * inv * v[j * dh + i];
            }
        }
        let bits = |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&out), bits(&want));
    }
}
