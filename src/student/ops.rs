//! Dense kernels of the student: strided GEMM wrappers, LayerNorm and GELU.
//!
//! GEMMs go through `matrixmultiply::sgemm` (pure Rust, single-threaded, no build-time
//! cost): at the student's sizes (d = 32–128, a few thousand rows per batch) a framework
//! such as candle or burn spends most of its time in per-op dispatch (about 3× slower in
//! total) and adds minutes of build time, while sgemm with explicit strides lets attention
//! read heads straight out of the fused QKV buffer without copies. Being single-threaded,
//! every reduction has a fixed order, so results are bit-identical run to run.
//! The linear layers' products run in [`super::gemm_tiles`] instead where the CPU has
//! AVX-512 (no packing; the same bits).

use super::gemm_tiles;

/// `C[m,n] = alpha * A[m,k] B[k,n] + beta * C` with arbitrary (row, column) strides.
///
/// With α = 1, β ∈ {0, 1} and contiguous rows of C (every linear layer) it runs in
/// [`gemm_tiles`] where the CPU has AVX-512, with the same bits as `matrixmultiply`,
/// which takes every other case.
///
/// Safety is established in [`matrixmultiply_gemm`] once: the slices must cover the strided extents, which
/// the asserts check before the unsafe call.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn gemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    beta: f32,
    c: &mut [f32],
    (rsc, csc): (usize, usize),
) {
    if m == 0 || n == 0 {
        return;
    }
    if alpha == 1.0 && (beta == 0.0 || beta == 1.0) && csc == 1 && k > 0 && gemm_tiles::usable() {
        return gemm_in_tiles(m, k, n, a, (rsa, csa), b, (rsb, csb), beta == 1.0, c, rsc);
    }
    matrixmultiply_gemm(
        m,
        k,
        n,
        alpha,
        a,
        (rsa, csa),
        b,
        (rsb, csb),
        beta,
        c,
        (rsc, csc),
    );
}

thread_local! {
    /// B laid out by rows for [`gemm_in_tiles`] when the caller's B is transposed.
    static B_ROWS: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn init(accumulate: bool) -> gemm_tiles::Init<'static> {
    if accumulate {
        gemm_tiles::Init::Accumulate
    } else {
        gemm_tiles::Init::Zero
    }
}

/// [`gemm`] through [`gemm_tiles`] (same bits, operands read in place): B is used as it
/// is when its columns are contiguous, else copied once into row-major order.
#[allow(clippy::too_many_arguments)]
fn gemm_in_tiles(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    sa: (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    accumulate: bool,
    c: &mut [f32],
    rsc: usize,
) {
    if csb == 1 {
        return gemm_tiles::gemm(m, k, n, a, sa, b, rsb, init(accumulate), c, rsc);
    }
    assert!(b.len() > (k - 1) * rsb + (n - 1) * csb, "gemm: B too short");
    B_ROWS.with(|buf| {
        let mut bt = buf.borrow_mut();
        bt.clear();
        bt.reserve(k * n);
        for p in 0..k {
            bt.extend((0..n).map(|j| b[p * rsb + j * csb]));
        }
        gemm_tiles::gemm(m, k, n, a, sa, &bt, n, init(accumulate), c, rsc);
    });
}

/// [`gemm`] through `matrixmultiply::sgemm`: every case the tiles do not take, and the
/// reference the tiles are tested against.
#[allow(clippy::too_many_arguments)]
pub fn matrixmultiply_gemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    beta: f32,
    c: &mut [f32],
    (rsc, csc): (usize, usize),
) {
    if m == 0 || n == 0 {
        return;
    }
    let ext = |r: usize, c: usize, rs: usize, cs: usize| (r - 1) * rs + (c - 1) * cs + 1;
    if k > 0 {
        assert!(a.len() >= ext(m, k, rsa, csa), "gemm: A too short");
        assert!(b.len() >= ext(k, n, rsb, csb), "gemm: B too short");
    }
    assert!(c.len() >= ext(m, n, rsc, csc), "gemm: C too short");
    // SAFETY: extents checked above; A, B are only read, C only written, and C does not
    // alias A or B because it is a distinct `&mut` borrow.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            beta,
            c.as_mut_ptr(),
            rsc as isize,
            csc as isize,
        );
    }
}

/// `Y[n_rows, out] = X[n_rows, inp] W[inp, out] + bias` (W row-major, input-major).
#[inline(always)]
pub fn linear(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    y: &mut [f32],
    rows: usize,
    inp: usize,
    out: usize,
) {
    if rows > 0 && gemm_tiles::usable() {
        // the bias added in the tiles' stores (`Init::Bias`): the bits of the copy below
        assert!(y.len() >= rows * out && bias.len() == out);
        return gemm_tiles::gemm(
            rows,
            inp,
            out,
            x,
            (inp, 1),
            w,
            out,
            gemm_tiles::Init::Bias(bias),
            y,
            out,
        );
    }
    for r in 0..rows {
        y[r * out..(r + 1) * out].copy_from_slice(bias);
    }
    gemm(
        rows,
        inp,
        out,
        1.0,
        x,
        (inp, 1),
        w,
        (out, 1),
        1.0,
        y,
        (out, 1),
    );
}

/// Backward of [`linear`]: `dW += Xᵀ dY`, `db += Σ_rows dY`, `dX = dY Wᵀ` (overwritten,
/// or accumulated when `accumulate_dx`). `row_ids`: see [`weight_gradient`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn linear_backward(
    x: &[f32],
    w: &[f32],
    dy: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    dx: &mut [f32],
    rows: usize,
    inp: usize,
    out: usize,
    accumulate_dx: bool,
    row_ids: Option<&[usize]>,
) {
    weight_gradient(x, dy, dw, rows, inp, out, row_ids);
    for r in 0..rows {
        for (b, g) in db.iter_mut().zip(&dy[r * out..(r + 1) * out]) {
            *b += g;
        }
    }
    let beta = if accumulate_dx { 1.0 } else { 0.0 };
    gemm(
        rows,
        out,
        inp,
        1.0,
        dy,
        (out, 1),
        w,
        (1, out),
        beta,
        dx,
        (inp, 1),
    );
}

/// LayerNorm epsilon (GPT-2's value).
pub const LN_EPS: f32 = 1e-5;

/// `dw += xᵀ dy` over `rows` rows. When the rows are a subset of a larger batch
/// (`row_ids`: each row's index in it, increasing), the k sum is cut where the whole
/// batch's would be cut, at every [`gemm_tiles::KC`]-th row of the batch: the result then
/// has the bits of the whole batch's product with zero gradient on the rows left out
/// (see `model::Workspace`), which adds only +0 terms to each chain.
#[inline(always)]
fn weight_gradient(
    x: &[f32],
    dy: &[f32],
    dw: &mut [f32],
    rows: usize,
    inp: usize,
    out: usize,
    row_ids: Option<&[usize]>,
) {
    let block = |s: usize| match row_ids {
        Some(ids) => ids[s] / gemm_tiles::KC,
        None => s / gemm_tiles::KC,
    };
    let mut s = 0;
    while s < rows {
        let mut e = s + 1;
        while e < rows && block(e) == block(s) {
            e += 1;
        }
        gemm(
            inp,
            e - s,
            out,
            1.0,
            &x[s * inp..],
            (1, inp),
            &dy[s * out..],
            (out, 1),
            1.0,
            dw,
            (out, 1),
        );
        s = e;
    }
}

/// LayerNorm over rows of width `d`; stores normalised `xhat` and `rstd` for backward.
#[inline(always)]
pub fn layernorm(
    x: &[f32],
    g: &[f32],
    b: &[f32],
    y: &mut [f32],
    xhat: &mut [f32],
    rstd: &mut [f32],
    d: usize,
) {
    for (r, row) in x.chunks_exact(d).enumerate() {
        let mean = row.iter().sum::<f32>() / d as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / d as f32;
        let rs = 1.0 / (var + LN_EPS).sqrt();
        rstd[r] = rs;
        let xh = &mut xhat[r * d..(r + 1) * d];
        let yr = &mut y[r * d..(r + 1) * d];
        for i in 0..d {
            xh[i] = (row[i] - mean) * rs;
            yr[i] = xh[i] * g[i] + b[i];
        }
    }
}

/// Backward of [`layernorm`]: accumulates `dg`, `db`; `dx` is accumulated into (the
/// residual stream's gradient already holds the skip-path contribution).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn layernorm_backward(
    dy: &[f32],
    xhat: &[f32],
    rstd: &[f32],
    g: &[f32],
    dg: &mut [f32],
    db: &mut [f32],
    dx: &mut [f32],
    d: usize,
) {
    for (r, dyr) in dy.chunks_exact(d).enumerate() {
        let xh = &xhat[r * d..(r + 1) * d];
        let mut mean_dxh = 0.0f32;
        let mut mean_dxh_xh = 0.0f32;
        for i in 0..d {
            let dxh = dyr[i] * g[i];
            mean_dxh += dxh;
            mean_dxh_xh += dxh * xh[i];
            dg[i] += dyr[i] * xh[i];
            db[i] += dyr[i];
        }
        mean_dxh /= d as f32;
        mean_dxh_xh /= d as f32;
        let rs = rstd[r];
        let dxr = &mut dx[r * d..(r + 1) * d];
        for i in 0..d {
            let dxh = dyr[i] * g[i];
            dxr[i] += rs * (dxh - mean_dxh - xh[i] * mean_dxh_xh);
        }
    }
}

const GELU_C: f32 = 0.797_884_6; // sqrt(2/pi)

/// Branch-free rational `tanh` (Eigen's `generic_fast_tanh_float`: a degree-13/6 odd/even
/// minimax ratio on [-7.9053, 7.9053], clamped outside, where f32 `tanh` is ±1 to within
/// rounding). Maximum absolute error about 4e-7 against the exact `tanh`
/// (`fast_tanh_matches_exact` checks it over a dense grid). Why not libm: `tanhf` is scalar
/// and branchy, and was 42 % of all CPU time of a whole run in the GELU (issue 11); this
/// form has no branches and no calls, so loops over it vectorise. Results are still a
/// deterministic function of the input on every x86-64 machine (no FMA contraction).
#[inline(always)]
pub fn fast_tanh(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    const A1: f32 = 4.893_524_6e-3;
    const A3: f32 = 6.372_619_3e-4;
    const A5: f32 = 1.485_722_4e-5;
    const A7: f32 = 5.122_297e-8;
    const A9: f32 = -8.604_672e-11;
    const A11: f32 = 2.000_188e-13;
    const A13: f32 = -2.760_768_5e-16;
    const B0: f32 = 4.893_525e-3;
    const B2: f32 = 2.268_434_6e-3;
    const B4: f32 = 1.185_347_1e-4;
    const B6: f32 = 1.198_258_4e-6;
    let x = x.clamp(-CLAMP, CLAMP);
    let x2 = x * x;
    let mut p = x2 * A13 + A11;
    p = x2 * p + A9;
    p = x2 * p + A7;
    p = x2 * p + A5;
    p = x2 * p + A3;
    p = x2 * p + A1;
    p *= x;
    let mut q = x2 * B6 + B4;
    q = x2 * q + B2;
    q = x2 * q + B0;
    p / q
}

/// GELU, tanh approximation (GPT-2), with [`fast_tanh`].
#[inline(always)]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + fast_tanh(GELU_C * (x + 0.044715 * x * x * x)))
}

/// Derivative of [`gelu`] (of the exact tanh form; the rational's own derivative differs
/// from it by less than the finite-difference noise of f32).
#[inline(always)]
pub fn gelu_grad(x: f32) -> f32 {
    let u = GELU_C * (x + 0.044715 * x * x * x);
    let t = fast_tanh(u);
    0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * 0.044715 * x * x)
}

/// `out[i] = gelu(u[i])` over a slice: one tight loop the compiler vectorises.
#[inline(always)]
pub fn gelu_slice(u: &[f32], out: &mut [f32]) {
    for (g, &x) in out.iter_mut().zip(u) {
        *g = gelu(x);
    }
}

/// `g[i] *= gelu'(u[i])` over a slice (the MLP's backward through the activation).
#[inline(always)]
pub fn gelu_backward_slice(u: &[f32], g: &mut [f32]) {
    for (gi, &x) in g.iter_mut().zip(u) {
        *gi *= gelu_grad(x);
    }
}

/// Index of the largest value, ties broken by the lowest index (NaN never wins).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemm_strided_matches_naive() {
        // A is 2x3 read transposed from a 3x2 buffer.
        let at = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]; // A = [[1,2,3],[4,5,6]]
        let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0]; // 3x2
        let mut c = [0.0f32; 4];
        gemm(2, 3, 2, 1.0, &at, (1, 2), &b, (2, 1), 0.0, &mut c, (2, 1));
        assert_eq!(c, [4.0, 5.0, 10.0, 11.0]);
    }

    /// The tiles give `matrixmultiply`'s bits for every case [`gemm`] sends them:
    /// β 0 and 1, k across the 256 block boundary, partial row tiles and column vectors,
    /// A read by rows or transposed, B by rows or transposed (copied), C with a row
    /// stride wider than n.
    #[test]
    fn tiles_give_matrixmultiply_bits() {
        if !gemm_tiles::usable() {
            eprintln!("no AVX-512 on this CPU: the tiles are never used, nothing to compare");
            return;
        }
        let mut seed = 11u64;
        let mut rnd = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        };
        let mut cases = 0;
        for &m in &[1usize, 5, 12, 13, 40] {
            for &k in &[1usize, 7, 64, 256, 257, 600] {
                for &n in &[1usize, 15, 16, 17, 32, 33, 64, 100] {
                    for (ta, tb, beta) in [
                        (false, false, 0.0),
                        (true, false, 1.0),
                        (false, true, 0.0),
                        (true, true, 1.0),
                        (false, false, 1.0),
                    ] {
                        let a: Vec<f32> = (0..m * k).map(|_| rnd() * 3.0).collect();
                        let b: Vec<f32> = (0..k * n).map(|_| rnd() * 3.0).collect();
                        let sa = if ta { (1, m) } else { (k, 1) };
                        let sb = if tb { (1, k) } else { (n, 1) };
                        let rsc = n + 3;
                        let c0: Vec<f32> = (0..m * rsc).map(|_| rnd()).collect();
                        let (mut c1, mut c2) = (c0.clone(), c0.clone());
                        gemm(m, k, n, 1.0, &a, sa, &b, sb, beta, &mut c1, (rsc, 1));
                        matrixmultiply_gemm(m, k, n, 1.0, &a, sa, &b, sb, beta, &mut c2, (rsc, 1));
                        let bits = |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                        assert!(
                            bits(&c1) == bits(&c2),
                            "m {m} k {k} n {n} ta {ta} tb {tb} beta {beta}"
                        );
                        cases += 1;
                    }
                }
            }
        }
        assert_eq!(cases, 5 * 6 * 8 * 5);
    }

    /// A linear layer's bias added in the tiles' stores (`gemm_tiles::Init::Bias`) gives
    /// the bits of copying it into every row and accumulating with `matrixmultiply`,
    /// across the 256 k block, partial row tiles and partial column vectors.
    #[test]
    fn linear_bias_in_the_tiles_gives_copy_then_accumulate_bits() {
        if !gemm_tiles::usable() {
            eprintln!("no AVX-512 on this CPU: the tiles are never used, nothing to compare");
            return;
        }
        let mut seed = 5u64;
        let mut rnd = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        };
        let bits = |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        for &m in &[1usize, 5, 12, 13, 40] {
            for &k in &[1usize, 64, 256, 257, 600] {
                for &n in &[1usize, 15, 16, 17, 33, 100] {
                    let x: Vec<f32> = (0..m * k).map(|_| rnd() * 3.0).collect();
                    let w: Vec<f32> = (0..k * n).map(|_| rnd() * 3.0).collect();
                    let bias: Vec<f32> = (0..n).map(|_| rnd() * 2.0).collect();
                    let mut got: Vec<f32> = (0..m * n).map(|_| f32::NAN).collect();
                    linear(&x, &w, &bias, &mut got, m, k, n);
                    let mut want: Vec<f32> = bias.iter().copied().cycle().take(m * n).collect();
                    matrixmultiply_gemm(
                        m,
                        k,
                        n,
                        1.0,
                        &x,
                        (k, 1),
                        &w,
                        (n, 1),
                        1.0,
                        &mut want,
                        (n, 1),
                    );
                    assert_eq!(bits(&got), bits(&want), "m {m} k {k} n {n}");
                }
            }
        }
    }

    #[test]
    fn gelu_grad_matches_finite_difference() {
        for &x in &[-3.0f64, -1.0, -0.2, 0.0, 0.5, 2.0] {
            let f = |x: f64| {
                0.5 * x
                    * (1.0
                        + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh())
            };
            let fd = (f(x + 1e-5) - f(x - 1e-5)) / 2e-5;
            assert!((gelu_grad(x as f32) as f64 - fd).abs() < 1e-5, "{x}");
            assert!((gelu(x as f32) as f64 - f(x)).abs() < 1e-6);
        }
    }

    #[test]
    fn fast_tanh_matches_exact() {
        // Dense grid over the whole useful range plus the saturated tails.
        let mut worst = 0.0f64;
        for i in -200_000..=200_000 {
            let x = i as f64 * 1e-4;
            let err = (fast_tanh(x as f32) as f64 - x.tanh()).abs();
            worst = worst.max(err);
        }
        assert!(worst < 1e-6, "max abs error {worst}");
        assert_eq!(fast_tanh(0.0), 0.0);
        assert_eq!(fast_tanh(-3.0), -fast_tanh(3.0), "odd");
        assert!((fast_tanh(1e30) - 1.0).abs() < 1e-6 && (fast_tanh(-1e30) + 1.0).abs() < 1e-6);
        assert!(
            fast_tanh(f32::NAN).is_nan(),
            "NaN propagates (divergence stays visible)"
        );
    }

    #[test]
    fn argmax_ties_lowest_index() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), 1);
        assert_eq!(argmax(&[0.0, 0.0]), 0);
    }
}
