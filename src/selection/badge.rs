//! BADGE (Ash et al., 2020): diverse *and* uncertain seeds via k-means++ seeding on the
//! last-layer gradient embeddings of the student's own generation. As in the reference
//! implementation, the first centre is the embedding with the largest norm, then each
//! next centre is drawn with probability ∝ D², the squared distance to the nearest chosen
//! centre. Chosen points have D² = 0 and so are never drawn twice; if every remaining D²
//! is 0 (duplicates), the next centre is drawn uniformly from the unchosen points.
//!
//! The D² update, [`kmeanspp_update`], is also the CPU reference of the scoring kernel of
//! the same name (`scoring::ScoringBackend::kmeanspp_update`, which `bench-kernels`
//! benchmarks): the CPU backend runs this function over thread chunks and the CUDA
//! kernel repeats its arithmetic, so the kernel that is benchmarked is the one BADGE runs.

use super::{check_len, check_m, need, Need, SeedScores, SelectError, Selector};
use crate::rng::Rng;
use rand::Rng as _;

pub struct Badge {
    pub label: String,
}

/// The k-means++ D² update: `dist2[i] = min(dist2[i], ||x_i − centre||²)` for the
/// `dist2.len() × centre.len()` row-major `points`. Each difference is taken in f32, then
/// squared (exactly) and summed in f64 in dimension order; the bits of one point's
/// distance depend on nothing else, so any split of the points gives the same bits.
pub fn kmeanspp_update(points: &[f32], centre: &[f32], dist2: &mut [f64]) {
    let dims = centre.len();
    for (i, d) in dist2.iter_mut().enumerate() {
        let row = &points[i * dims..(i + 1) * dims];
        let s: f64 = row
            .iter()
            .zip(centre)
            .map(|(a, b)| {
                let t = (*a - *b) as f64;
                t * t
            })
            .sum();
        if s < *d {
            *d = s;
        }
    }
}

/// k-means++ seeding of `m` centres over `n × dims` points; returns centre indices in
/// the order chosen.
pub fn kmeanspp(points: &[f32], dims: usize, m: usize, rng: &mut Rng) -> Vec<usize> {
    let n = points.len().checked_div(dims).unwrap_or(0);
    let m = m.min(n);
    if m == 0 {
        return vec![];
    }
    let norm2 = |i: usize| -> f64 {
        points[i * dims..(i + 1) * dims]
            .iter()
            .map(|v| (*v as f64) * (*v as f64))
            .sum()
    };
    let first = (0..n).fold(0, |best, i| if norm2(i) > norm2(best) { i } else { best });
    let mut chosen = vec![first];
    let mut taken = vec![false; n];
    taken[first] = true;
    let mut dist2 = vec![f64::INFINITY; n];
    kmeanspp_update(
        points,
        &points[first * dims..(first + 1) * dims],
        &mut dist2,
    );
    while chosen.len() < m {
        let total: f64 = (0..n).filter(|&i| !taken[i]).map(|i| dist2[i]).sum();
        let next = if total > 0.0 && total.is_finite() {
            let mut u = rng.gen_range(0.0..total);
            let mut pick = None;
            for i in (0..n).filter(|&i| !taken[i]) {
                if dist2[i] > 0.0 {
                    pick = Some(i);
                    if u < dist2[i] {
                        break;
                    }
                    u -= dist2[i];
                }
            }
            pick.expect("positive total implies a candidate")
        } else {
            let free: Vec<usize> = (0..n).filter(|&i| !taken[i]).collect();
            free[rng.gen_range(0..free.len())]
        };
        taken[next] = true;
        chosen.push(next);
        kmeanspp_update(points, &points[next * dims..(next + 1) * dims], &mut dist2);
    }
    chosen
}

impl Selector for Badge {
    fn label(&self) -> &str {
        &self.label
    }
    fn needs(&self) -> Vec<Need> {
        vec![Need::GradEmbed]
    }
    fn select(&self, s: &SeedScores, m: usize, rng: &mut Rng) -> Result<Vec<usize>, SelectError> {
        check_m(m, s.n)?;
        let (emb, dims) = need(&s.grad_embed, &self.label, Need::GradEmbed)?;
        check_len(if *dims == 0 { 0 } else { emb.len() / dims }, s.n)?;
        Ok(kmeanspp(emb, *dims, m, rng))
    }
}
