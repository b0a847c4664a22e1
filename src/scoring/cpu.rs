//! The CPU reference backend. It is also meant to be fast: logits are never materialised
//! for all tokens, only for a block of at most [`ROW_BLOCK`] rows × [`V_TILE`] vocabulary
//! entries at a time, reduced with an online log-sum-exp; the products are blocked SGEMMs
//! from `matrixmultiply` (packed, SIMD micro-kernels). Work is spread with
//! `std::thread::scope` over fixed 64-row blocks (per-row log-sum-exp and `A(p − e_y)`,
//! blocks cross sequence boundaries so short sequences do not repack W) and then over
//! sequences (each reduced by one thread in row order). The partition never depends on
//! the thread count, so neither do the bits.

use super::{Projection, ScoringBackend, ScoringError, ScoringInput};
use std::sync::Mutex;

/// Token rows processed together (one SGEMM M dimension).
pub const ROW_BLOCK: usize = 128;
/// Vocabulary entries per logit tile (one SGEMM N dimension).
pub const V_TILE: usize = 512;

/// CPU scoring with a fixed number of worker threads.
#[derive(Clone, Debug)]
pub struct CpuBackend {
    threads: usize,
}

impl CpuBackend {
    /// A backend using `threads` workers (at least one).
    pub fn new(threads: usize) -> Self {
        CpuBackend {
            threads: threads.max(1),
        }
    }

    /// Worker thread count.
    pub fn threads(&self) -> usize {
        self.threads
    }
}

/// f32 views of the inputs, widened once (the only full copies made).
struct Prepared<'a> {
    h: std::borrow::Cow<'a, [f32]>,
    w: std::borrow::Cow<'a, [f32]>,
    d: usize,
    v: usize,
    targets: &'a [u32],
    offsets: &'a [usize],
}

impl<'a> Prepared<'a> {
    fn new(x: &ScoringInput<'a>) -> Result<Self, ScoringError> {
        x.validate()?;
        Ok(Prepared {
            h: x.h.to_f32(),
            w: x.w.to_f32(),
            d: x.d,
            v: x.v,
            targets: x.targets,
            offsets: x.offsets,
        })
    }
}

/// Per-thread buffers, reused across sequences.
struct Scratch {
    logits: Vec<f32>,
    m: Vec<f32>,
    s: Vec<f32>,
    ly: Vec<f32>,
    lse: Vec<f32>,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            logits: vec![0.0; ROW_BLOCK * V_TILE],
            m: vec![0.0; ROW_BLOCK],
            s: vec![0.0; ROW_BLOCK],
            ly: vec![0.0; ROW_BLOCK],
            lse: vec![0.0; ROW_BLOCK],
        }
    }
}

/// `logits[r, j] = h[r] · w[v0 + j]` for `rows` rows and `tv` vocabulary entries.
fn logit_tile(p: &Prepared, r0: usize, rows: usize, v0: usize, tv: usize, out: &mut [f32]) {
    let d = p.d;
    let h = &p.h[r0 * d..(r0 + rows) * d];
    let w = &p.w[v0 * d..(v0 + tv) * d];
    debug_assert!(out.len() >= rows * tv);
    // SAFETY: h is rows×d (row stride d), w is tv×d read transposed as d×tv (row stride
    // 1, column stride d), out is rows×tv with row stride tv; all within the slices.
    unsafe {
        matrixmultiply::sgemm(
            rows,
            d,
            tv,
            1.0,
            h.as_ptr(),
            d as isize,
            1,
            w.as_ptr(),
            1,
            d as isize,
            0.0,
            out.as_mut_ptr(),
            tv as isize,
            1,
        );
    }
}

/// Online log-sum-exp over all V tiles for rows `r0..r0+rows`: fills `sc.lse` and the
/// target logits `sc.ly`.
fn block_lse(p: &Prepared, r0: usize, rows: usize, sc: &mut Scratch) {
    sc.m[..rows].fill(f32::NEG_INFINITY);
    sc.s[..rows].fill(0.0);
    sc.ly[..rows].fill(0.0);
    let mut v0 = 0;
    while v0 < p.v {
        let tv = V_TILE.min(p.v - v0);
        logit_tile(p, r0, rows, v0, tv, &mut sc.logits);
        for r in 0..rows {
            let row = &sc.logits[r * tv..(r + 1) * tv];
            let mt = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let new_m = sc.m[r].max(mt);
            let mut acc = 0.0f32;
            for &l in row {
                acc += (l - new_m).exp();
            }
            sc.s[r] = sc.s[r] * (sc.m[r] - new_m).exp() + acc;
            sc.m[r] = new_m;
            let y = p.targets[r0 + r] as usize;
            if (v0..v0 + tv).contains(&y) {
                sc.ly[r] = row[y - v0];
            }
        }
        v0 += tv;
    }
    for r in 0..rows {
        sc.lse[r] = sc.m[r] + sc.s[r].ln();
    }
}

/// Turn the logit tile into `p − e_y` in place (softmax with the known row lse).
fn grad_tile(p: &Prepared, r0: usize, rows: usize, v0: usize, tv: usize, sc: &mut Scratch) {
    for r in 0..rows {
        let lse = sc.lse[r];
        let row = &mut sc.logits[r * tv..(r + 1) * tv];
        for l in row.iter_mut() {
            *l = (*l - lse).exp();
        }
        let y = p.targets[r0 + r] as usize;
        if (v0..v0 + tv).contains(&y) {
            row[y - v0] -= 1.0;
        }
    }
}

/// Per-row statistics for the row block `blk` (rows `blk·ROW_BLOCK ..`): `out` holds
/// (lse, target logit) pairs. Rows are independent, so blocks cross sequence boundaries:
/// W is packed once per 64 rows however short the sequences are.
fn row_stats_block(p: &Prepared, blk: usize, out: &mut [f32], sc: &mut Scratch) {
    let (r0, rows) = (blk * ROW_BLOCK, out.len() / 2);
    block_lse(p, r0, rows, sc);
    for r in 0..rows {
        out[2 * r] = sc.lse[r];
        out[2 * r + 1] = sc.ly[r];
    }
}

/// (lse, target logit) for every row, computed over fixed row blocks (thread-count
/// independent partition).
fn row_stats(p: &Prepared, threads: usize) -> Vec<f32> {
    let t = p.targets.len();
    let mut st = vec![0.0f32; 2 * t];
    par_seqs(
        threads,
        t.div_ceil(ROW_BLOCK),
        2 * ROW_BLOCK,
        &mut st,
        |blk, o, sc| row_stats_block(p, blk, o, sc),
    );
    st
}

/// U rows (`A(p − e_y)`, kA each) for the row block `blk`, given the row statistics.
fn u_block(
    p: &Prepared,
    proj: &Projection,
    st: &[f32],
    blk: usize,
    out: &mut [f32],
    sc: &mut Scratch,
) {
    let (ka, v) = (proj.ka, p.v);
    let (r0, rows) = (blk * ROW_BLOCK, out.len() / ka);
    for r in 0..rows {
        sc.lse[r] = st[2 * (r0 + r)];
    }
    out.fill(0.0);
    let mut v0 = 0;
    while v0 < v {
        let tv = V_TILE.min(v - v0);
        logit_tile(p, r0, rows, v0, tv, &mut sc.logits);
        grad_tile(p, r0, rows, v0, tv, sc);
        // U (rows × kA) += G_tile (rows × tv) · A[:, v0..v0+tv]ᵀ (tv × kA).
        // SAFETY: A is kA×V row-major; its tile read transposed has row stride 1 and
        // column stride V; every index stays below kA·V; out is rows×kA.
        unsafe {
            matrixmultiply::sgemm(
                rows,
                tv,
                ka,
                1.0,
                sc.logits.as_ptr(),
                tv as isize,
                1,
                proj.a.as_ptr().add(v0),
                1,
                v as isize,
                1.0,
                out.as_mut_ptr(),
                ka as isize,
                1,
            );
        }
        v0 += tv;
    }
}

/// E_s = (1/|s|) Σ_{r ∈ s} U_r ⊗ Z_r as one SGEMM over the sequence's rows.
fn outer_seq(p: &Prepared, proj: &Projection, u: &[f32], z: &[f32], s: usize, out: &mut [f32]) {
    let (a, b) = (p.offsets[s], p.offsets[s + 1]);
    out.fill(0.0);
    if a == b {
        return;
    }
    let (ka, kb, n) = (proj.ka, proj.kb, b - a);
    // SAFETY: Uᵀ (kA × n) read from U[a..b] (row stride 1, column stride kA), Z[a..b] is
    // n × kB row-major, out is kA × kB.
    unsafe {
        matrixmultiply::sgemm(
            ka,
            n,
            kb,
            1.0 / n as f32,
            u.as_ptr().add(a * ka),
            1,
            ka as isize,
            z.as_ptr().add(a * kb),
            kb as isize,
            1,
            0.0,
            out.as_mut_ptr(),
            kb as isize,
            1,
        );
    }
}
fn grad_exact_one(p: &Prepared, s: usize, sc: &mut Scratch, out: &mut [f32]) {
    let (a, b) = (p.offsets[s], p.offsets[s + 1]);
    out.fill(0.0);
    if a == b {
        return;
    }
    let (d, v) = (p.d, p.v);
    let mut r0 = a;
    while r0 < b {
        let rows = ROW_BLOCK.min(b - r0);
        block_lse(p, r0, rows, sc);
        let h = &p.h[r0 * d..(r0 + rows) * d];
        let mut v0 = 0;
        while v0 < v {
            let tv = V_TILE.min(v - v0);
            logit_tile(p, r0, rows, v0, tv, &mut sc.logits);
            grad_tile(p, r0, rows, v0, tv, sc);
            // SAFETY: G[v0..v0+tv] (tv × d) += G_tileᵀ (tv × rows) · H_block (rows × d);
            // the tile is read transposed (row stride 1, column stride tv).
            unsafe {
                matrixmultiply::sgemm(
                    tv,
                    rows,
                    d,
                    1.0,
                    sc.logits.as_ptr(),
                    1,
                    tv as isize,
                    h.as_ptr(),
                    d as isize,
                    1,
                    1.0,
                    out.as_mut_ptr().add(v0 * d),
                    d as isize,
                    1,
                );
            }
            v0 += tv;
        }
        r0 += rows;
    }
    let inv = 1.0 / (b - a) as f32;
    out.iter_mut().for_each(|e| *e *= inv);
}

/// Run `f(item, out_chunk, scratch)` for every item (sequence or row block; chunk
/// `item` of `out`, `stride` long) on `threads` workers. Sequences are
/// handed out dynamically, but each one is computed by exactly one worker, so the
/// output does not depend on scheduling.
fn par_seqs<F>(threads: usize, n_seq: usize, stride: usize, out: &mut [f32], f: F)
where
    F: Fn(usize, &mut [f32], &mut Scratch) + Sync,
{
    if n_seq == 0 {
        return;
    }
    let work: Vec<(usize, &mut [f32])> = out.chunks_mut(stride).enumerate().collect();
    let queue = Mutex::new(work.into_iter());
    let workers = threads.min(n_seq).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut sc = Scratch::new();
                loop {
                    let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                    match next {
                        Some((s, chunk)) => f(s, chunk, &mut sc),
                        None => break,
                    }
                }
            });
        }
    });
}

impl ScoringBackend for CpuBackend {
    fn name(&self) -> &str {
        "cpu"
    }

    fn seq_loss(&self, x: &ScoringInput) -> Result<Vec<f32>, ScoringError> {
        let p = Prepared::new(x)?;
        let st = row_stats(&p, self.threads);
        // Each sequence's mean is a sequential sum in row order.
        Ok((0..x.n_seq())
            .map(|s| {
                let (a, b) = (p.offsets[s], p.offsets[s + 1]);
                let sum: f32 = (a..b).map(|r| st[2 * r] - st[2 * r + 1]).sum();
                if b > a {
                    sum / (b - a) as f32
                } else {
                    0.0
                }
            })
            .collect())
    }

    fn grad_embed(&self, x: &ScoringInput, proj: &Projection) -> Result<Vec<f32>, ScoringError> {
        let p = Prepared::new(x)?;
        if proj.v != x.v || proj.d != x.d || proj.ka == 0 || proj.kb == 0 {
            return Err(ScoringError::Invalid(format!(
                "projection is for V = {}, d = {} (kA = {}, kB = {}); input has V = {}, d = {}",
                proj.v, proj.d, proj.ka, proj.kb, x.v, x.d
            )));
        }
        let (t, ka, kb, d) = (x.tokens(), proj.ka, proj.kb, x.d);
        let st = row_stats(&p, self.threads);
        let mut u = vec![0.0f32; t * ka];
        par_seqs(
            self.threads,
            t.div_ceil(ROW_BLOCK),
            ROW_BLOCK * ka,
            &mut u,
            |blk, o, sc| u_block(&p, proj, &st, blk, o, sc),
        );
        let mut z = vec![0.0f32; t * kb];
        if t > 0 {
            // SAFETY: Z (T × kB) = H (T × d) · Bᵀ (d × kB); B is kB×d row-major.
            unsafe {
                matrixmultiply::sgemm(
                    t,
                    d,
                    kb,
                    1.0,
                    p.h.as_ptr(),
                    d as isize,
                    1,
                    proj.b.as_ptr(),
                    1,
                    d as isize,
                    0.0,
                    z.as_mut_ptr(),
                    kb as isize,
                    1,
                );
            }
        }
        let k = proj.dim();
        let mut out = vec![0.0f32; x.n_seq() * k];
        par_seqs(self.threads, x.n_seq(), k, &mut out, |s, o, _| {
            outer_seq(&p, proj, &u, &z, s, o)
        });
        Ok(out)
    }

    fn grad_embed_exact(&self, x: &ScoringInput) -> Result<Vec<f32>, ScoringError> {
        let p = Prepared::new(x)?;
        let k = x.v * x.d;
        let mut out = vec![0.0f32; x.n_seq() * k];
        par_seqs(self.threads, x.n_seq(), k, &mut out, |s, o, sc| {
            grad_exact_one(&p, s, sc, o);
        });
        Ok(out)
    }

    fn kmeanspp_update(
        &self,
        points: &[f32],
        centre: &[f32],
        dist2: &mut [f64],
    ) -> Result<(), ScoringError> {
        kmeanspp_check(points, centre, dist2)?;
        let dim = centre.len();
        if dist2.is_empty() {
            return Ok(());
        }
        // BADGE's own update (the loop runs it on one thread), over contiguous chunks of
        // points: a point's bits do not depend on the split.
        let per = dist2.len().div_ceil(self.threads);
        std::thread::scope(|scope| {
            for (ci, chunk) in dist2.chunks_mut(per).enumerate() {
                let pts = &points[ci * per * dim..(ci * per + chunk.len()) * dim];
                scope.spawn(move || crate::selection::badge::kmeanspp_update(pts, centre, chunk));
            }
        });
        Ok(())
    }
}

/// Shared shape check for the k-means++ update (all backends).
pub fn kmeanspp_check(points: &[f32], centre: &[f32], dist2: &[f64]) -> Result<(), ScoringError> {
    if centre.is_empty() || points.len() != dist2.len() * centre.len() {
        return Err(ScoringError::Invalid(format!(
            "kmeans++ update: {} point values for {} points of dimension {}",
            points.len(),
            dist2.len(),
            centre.len()
        )));
    }
    Ok(())
}
