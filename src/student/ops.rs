//! Dense kernels of the student: strided GEMM wrappers, LayerNorm and GELU.
//!
//! GEMMs go through `matrixmultiply::sgemm` (pure Rust, single-threaded, no build-time
//! cost): at the student's sizes (d = 32–128, a few thousand rows per batch) a framework
//! such as candle or burn spends most of its time in per-op dispatch (about 3× slower in
//! total) and adds minutes of build time, while sgemm with explicit strides lets attention
//! read heads straight out of the fused QKV buffer without copies. Being single-threaded,
//! every reduction has a fixed order, so results are bit-identical run to run.

/// `C[m,n] = alpha * A[m,k] B[k,n] + beta * C` with arbitrary (row, column) strides.
///
/// Safety is established here once: the slices must cover the strided extents, which
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
pub fn linear(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    y: &mut [f32],
    rows: usize,
    inp: usize,
    out: usize,
) {
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
/// or accumulated when `accumulate_dx`).
#[allow(clippy::too_many_arguments)]
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
) {
    gemm(
        inp,
        rows,
        out,
        1.0,
        x,
        (1, inp),
        dy,
        (out, 1),
        1.0,
        dw,
        (out, 1),
    );
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

/// LayerNorm over rows of width `d`; stores normalised `xhat` and `rstd` for backward.
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

/// GELU, tanh approximation (GPT-2).
#[inline]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + (GELU_C * (x + 0.044715 * x * x * x)).tanh())
}

/// Derivative of [`gelu`].
#[inline]
pub fn gelu_grad(x: f32) -> f32 {
    let u = GELU_C * (x + 0.044715 * x * x * x);
    let t = u.tanh();
    0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * 0.044715 * x * x)
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
    fn argmax_ties_lowest_index() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), 1);
        assert_eq!(argmax(&[0.0, 0.0]), 0);
    }
}
