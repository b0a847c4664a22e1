//! Hand-written backward pass of the student (see `model` for the forward and the
//! architecture). Gradients are accumulated in a fixed order (rows, then sequences, then
//! heads), single-threaded, so they are bit-reproducible.

use super::model::{fit, probs_len, resize, spread_rows, Batch, Model, Workspace};
use super::ops::{self, gemm};
use super::{attention, wide};

impl Workspace {
    /// Backward pass for the loss `scale · Σ NLL(loss rows)`; gradients are written
    /// (overwritten) into `grad`, laid out like `Model::params`. Requires the preceding
    /// `forward` on the same model and batch.
    pub fn backward(&mut self, m: &Model, b: &Batch, scale_loss: f32, grad: &mut [f32]) {
        self.backward_with(wide::Lanes::best(), m, b, scale_loss, grad)
    }

    /// [`Self::backward`] through the copy compiled for `lanes`: the same bits
    /// ([`super::wide`]). `lanes` must be one the CPU has.
    pub(super) fn backward_with(
        &mut self,
        lanes: wide::Lanes,
        m: &Model,
        b: &Batch,
        scale_loss: f32,
        grad: &mut [f32],
    ) {
        assert!(
            lanes <= wide::Lanes::best(),
            "{lanes:?} copy on a CPU without it"
        );
        match lanes {
            wide::Lanes::Portable => self.backward_portable(m, b, scale_loss, grad),
            // SAFETY: the CPU has these instructions (asserted just above).
            #[cfg(target_arch = "x86_64")]
            wide::Lanes::Avx2 => unsafe { self.backward_avx2(m, b, scale_loss, grad) },
            #[cfg(target_arch = "x86_64")]
            wide::Lanes::Avx512 => unsafe { self.backward_avx512(m, b, scale_loss, grad) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!(),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn backward_avx2(&mut self, m: &Model, b: &Batch, scale_loss: f32, grad: &mut [f32]) {
        self.backward_portable(m, b, scale_loss, grad)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2")]
    fn backward_avx512(&mut self, m: &Model, b: &Batch, scale_loss: f32, grad: &mut [f32]) {
        self.backward_portable(m, b, scale_loss, grad)
    }

    /// The backward pass for any CPU (the crate's baseline instruction set).
    #[inline(always)]
    pub(super) fn backward_portable(
        &mut self,
        m: &Model,
        b: &Batch,
        scale_loss: f32,
        grad: &mut [f32],
    ) {
        let cfg = &m.cfg;
        let (n, d, f, v, nh) = (b.rows(), cfg.d_model, cfg.d_ff, cfg.vocab, cfg.heads);
        let p = &m.params;
        grad.fill(0.0);
        let mr = b.loss_rows.len();
        // dlogits = scale (p - onehot)
        for (j, row) in self.probs.chunks_exact_mut(v).enumerate() {
            row[b.targets[j] as usize] -= 1.0;
            for x in row.iter_mut() {
                *x *= scale_loss;
            }
        }
        let (hd, hn) = (m.idx.head, v * d);
        gemm(
            v,
            mr,
            d,
            1.0,
            &self.probs,
            (1, v),
            &self.hsel,
            (d, 1),
            1.0,
            &mut grad[hd..hd + hn],
            (d, 1),
        );
        fit(&mut self.dhsel, mr * d);
        gemm(
            mr,
            v,
            d,
            1.0,
            &self.probs,
            (v, 1),
            &p[hd..hd + hn],
            (d, 1),
            0.0,
            &mut self.dhsel,
            (d, 1),
        );
        // The last block and the final LayerNorm hold the kept rows only (see
        // `Workspace`): their gradients are computed on those rows, then spread over
        // every row for the last block's attention.
        let k = self.kept.len();
        resize(&mut self.dh, k * d);
        for (j, &r) in self.sel.iter().enumerate() {
            self.dh[r * d..(r + 1) * d].copy_from_slice(&self.dhsel[j * d..(j + 1) * d]);
        }
        resize(&mut self.dx, k * d);
        {
            let (g0, rest) = grad.split_at_mut(m.idx.lnf_b);
            ops::layernorm_backward(
                &self.dh,
                &self.xhatf,
                &self.rstdf,
                &p[m.idx.lnf_g..m.idx.lnf_g + d],
                &mut g0[m.idx.lnf_g..m.idx.lnf_g + d],
                &mut rest[..d],
                &mut self.dx,
                d,
            );
        }
        let last = cfg.layers - 1;
        for (li, li_idx) in m.idx.layers.iter().enumerate().rev() {
            let a = &self.layers[li];
            // Rows of this block's activations after its attention (`kept` in the last
            // block): the weight gradients' k sums are cut where the whole batch's are.
            let (rows, ids) = if li == last {
                (k, Some(&self.kept[..]))
            } else {
                (n, None)
            };
            // MLP: x = x_mid + W2 gelu(W1 LN2(x_mid))
            fit(&mut self.dbig, rows * f);
            {
                let (gw2, gb2) = two_mut(grad, li_idx.w2, f * d, li_idx.b2, d);
                ops::linear_backward(
                    &a.gu,
                    &p[li_idx.w2..li_idx.w2 + f * d],
                    &self.dx,
                    gw2,
                    gb2,
                    &mut self.dbig,
                    rows,
                    f,
                    d,
                    false,
                    ids,
                );
            }
            ops::gelu_backward_slice(&a.u, &mut self.dbig);
            fit(&mut self.dh, rows * d);
            {
                let (gw1, gb1) = two_mut(grad, li_idx.w1, d * f, li_idx.b1, f);
                ops::linear_backward(
                    &a.h2,
                    &p[li_idx.w1..li_idx.w1 + d * f],
                    &self.dbig,
                    gw1,
                    gb1,
                    &mut self.dh,
                    rows,
                    d,
                    f,
                    false,
                    ids,
                );
            }
            {
                let (gg, gb) = two_mut(grad, li_idx.ln2_g, d, li_idx.ln2_b, d);
                ops::layernorm_backward(
                    &self.dh,
                    &a.xhat2,
                    &a.rstd2,
                    &p[li_idx.ln2_g..li_idx.ln2_g + d],
                    gg,
                    gb,
                    &mut self.dx,
                    d,
                );
            }
            // attention: x_mid = x_in + Wo att
            fit(&mut self.datt, rows * d);
            {
                let (gwo, gbo) = two_mut(grad, li_idx.wo, d * d, li_idx.bo, d);
                ops::linear_backward(
                    &a.att,
                    &p[li_idx.wo..li_idx.wo + d * d],
                    &self.dx,
                    gwo,
                    gbo,
                    &mut self.datt,
                    rows,
                    d,
                    d,
                    false,
                    ids,
                );
            }
            if li == last {
                spread_rows(&mut self.datt, &self.kept, n, d, &mut self.spread);
                spread_rows(&mut self.dx, &self.kept, n, d, &mut self.spread);
            }
            fit(&mut self.dqkv, n * 3 * d);
            debug_assert_eq!(probs_len(b, nh), a.probs.len());
            attention::attention_backward(
                &a.qkv,
                &a.probs,
                &self.datt,
                &b.starts,
                d,
                nh,
                &mut self.dp,
                &mut self.dqkv,
                &mut self.tiles,
                !self.gemm_attention,
            );
            fit(&mut self.dh, n * d);
            {
                let (gw, gbq) = two_mut(grad, li_idx.wqkv, d * 3 * d, li_idx.bqkv, 3 * d);
                ops::linear_backward(
                    &a.h1,
                    &p[li_idx.wqkv..li_idx.wqkv + 3 * d * d],
                    &self.dqkv,
                    gw,
                    gbq,
                    &mut self.dh,
                    n,
                    d,
                    3 * d,
                    false,
                    None,
                );
            }
            {
                let (gg, gb) = two_mut(grad, li_idx.ln1_g, d, li_idx.ln1_b, d);
                ops::layernorm_backward(
                    &self.dh,
                    &a.xhat1,
                    &a.rstd1,
                    &p[li_idx.ln1_g..li_idx.ln1_g + d],
                    gg,
                    gb,
                    &mut self.dx,
                    d,
                );
            }
        }
        // embeddings, scattered in row order (deterministic)
        for r in 0..n {
            let t = b.tokens[r] as usize;
            let dxr = &self.dx[r * d..(r + 1) * d];
            let we = m.idx.wte + t * d;
            for (g, x) in grad[we..we + d].iter_mut().zip(dxr) {
                *g += x;
            }
            let pe = m.idx.wpe + b.pos[r] * d;
            for (g, x) in grad[pe..pe + d].iter_mut().zip(dxr) {
                *g += x;
            }
        }
    }
}

/// Two disjoint mutable sub-slices `a..a+na` and `b..b+nb` of `g` (requires a + na ≤ b).
fn two_mut(g: &mut [f32], a: usize, na: usize, b: usize, nb: usize) -> (&mut [f32], &mut [f32]) {
    assert!(a + na <= b);
    let (lo, hi) = g.split_at_mut(b);
    (&mut lo[a..a + na], &mut hi[..nb])
}
