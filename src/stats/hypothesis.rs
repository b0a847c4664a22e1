//! Comparisons between strategies across replicates, beyond the paper: paired and
//! Welch t-tests, Holm–Bonferroni correction, probability of improvement and stratified
//! bootstrap confidence intervals (docs/architecture.md §7).
//!
//! The paired t-test fits the common-random-number design: for a replicate, every
//! strategy sees the same `D0`, test set and base student, so per-replicate differences
//! cancel the shared noise.

use std::collections::BTreeMap;

use rand::Rng as _;

use super::pvalue::{t_p_value, Alternative};
use super::summary::{mean, variance};
use super::{StatsError, StatsResult};
use crate::rng::Rng;

/// Whether the paired differences x − y are equal in exact arithmetic up to the
/// rounding of the subtraction: spread ≤ 4ε·max(|xᵢ| + |yᵢ|). Such differences have no
/// variance, so the t statistic is undefined rather than "huge"; a threshold relative to
/// the inputs treats [80, 81, 87]/300 − [77, 78, 84]/300 and [93, 100, 120]/300 −
/// [90, 97, 117]/300 (both 3/300 three times) alike.
pub fn constant_differences(x: &[f64], y: &[f64]) -> bool {
    let d: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    if d.is_empty() || d.iter().any(|v| v.is_nan()) {
        return false;
    }
    let scale = x
        .iter()
        .zip(y)
        .map(|(a, b)| a.abs() + b.abs())
        .fold(0.0f64, f64::max);
    let (lo, hi) = d
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    hi - lo <= 4.0 * f64::EPSILON * scale
}

/// Result of a t-test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TTest {
    /// The t statistic.
    pub t: f64,
    /// Degrees of freedom (n − 1 paired; Welch–Satterthwaite for Welch).
    pub dof: f64,
    /// p-value under the requested alternative.
    pub p_value: f64,
    /// Estimated effect: mean(x − y) (paired) or mean(a) − mean(b) (Welch).
    pub mean_diff: f64,
}

fn check_finite(xs: &[f64]) -> StatsResult<()> {
    if xs.iter().any(|x| x.is_nan()) {
        Err(StatsError::NaN)
    } else {
        Ok(())
    }
}

/// Paired t-test (scipy's `ttest_rel`): d = x − y, t = d̄ / (s_d / √n), dof = n − 1.
/// Errors when lengths differ, n < 2, NaN, or all differences are equal
/// ([`constant_differences`]: equal up to the rounding of x − y, so
/// floating-point noise never turns into t ≈ 10¹⁴).
pub fn paired_t_test(x: &[f64], y: &[f64], alternative: Alternative) -> StatsResult<TTest> {
    if x.len() != y.len() {
        return Err(StatsError::LengthMismatch {
            left: x.len(),
            right: y.len(),
        });
    }
    if x.len() < 2 {
        return Err(StatsError::TooFew {
            need: 2,
            got: x.len(),
        });
    }
    check_finite(x)?;
    check_finite(y)?;
    let d: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    let var = variance(&d);
    if var == 0.0 || constant_differences(x, y) {
        return Err(StatsError::Constant);
    }
    let n = d.len() as f64;
    let mean_diff = mean(&d);
    let t = mean_diff / (var / n).sqrt();
    let dof = n - 1.0;
    Ok(TTest {
        t,
        dof,
        p_value: t_p_value(t, dof, alternative),
        mean_diff,
    })
}

/// Welch's unequal-variance t-test (scipy's `ttest_ind(equal_var=False)`):
/// t = (ā − b̄) / sqrt(vₐ/nₐ + v_b/n_b) with sample variances (ddof = 1), and the
/// Welch–Satterthwaite dof ν = (vₐ/nₐ + v_b/n_b)² / ((vₐ/nₐ)²/(nₐ − 1) + (v_b/n_b)²/(n_b − 1)).
/// Errors when a sample has fewer than 2 values, NaN, or both variances are zero.
pub fn welch_t_test(a: &[f64], b: &[f64], alternative: Alternative) -> StatsResult<TTest> {
    for s in [a, b] {
        if s.len() < 2 {
            return Err(StatsError::TooFew {
                need: 2,
                got: s.len(),
            });
        }
        check_finite(s)?;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (qa, qb) = (variance(a) / na, variance(b) / nb);
    let se2 = qa + qb;
    if se2 == 0.0 {
        return Err(StatsError::Constant);
    }
    let mean_diff = mean(a) - mean(b);
    let t = mean_diff / se2.sqrt();
    let dof = se2 * se2 / (qa * qa / (na - 1.0) + qb * qb / (nb - 1.0));
    Ok(TTest {
        t,
        dof,
        p_value: t_p_value(t, dof, alternative),
        mean_diff,
    })
}

/// Holm–Bonferroni adjusted p-values, in the input order. The family size m is the
/// number of entries **including NaN** (a comparison whose test is undefined is still a
/// comparison that was made; dropping it would loosen the correction for the others).
/// NaN entries are ranked last, as if their p were 1, which is the most conservative
/// placement for the rest. With p₍₁₎ ≤ … the non-NaN values in ascending order (ties by
/// index), p̃₍ₖ₎ = min(1, max_{j ≤ k} (m − j + 1)·p₍ⱼ₎): monotone in the sorted order,
/// ≥ the raw p and ≤ 1. NaN entries stay NaN.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let m = p.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running = 0.0f64;
    for (k, &i) in idx.iter().enumerate() {
        running = running.max((m - k) as f64 * p[i]);
        out[i] = running.min(1.0);
    }
    out
}

/// Probability of improvement P(X > Y) = Σᵢⱼ [1(xᵢ > yⱼ) + ½·1(xᵢ = yⱼ)] / (nₓ·n_y): the
/// chance a random replicate of X beats one of Y, ties counting half (the
/// Mann–Whitney U / (nₓ n_y)). P(X > Y) + P(Y > X) = 1. Errors on empty input or NaN.
pub fn prob_improvement(x: &[f64], y: &[f64]) -> StatsResult<f64> {
    if x.is_empty() || y.is_empty() {
        return Err(StatsError::TooFew { need: 1, got: 0 });
    }
    check_finite(x)?;
    check_finite(y)?;
    let mut ys = y.to_vec();
    ys.sort_by(f64::total_cmp);
    // Counts are exact integers (in halves), summed before the single division.
    let mut twice_wins: u64 = 0;
    for &xi in x {
        let below = ys.partition_point(|&v| v < xi) as u64;
        let not_above = ys.partition_point(|&v| v <= xi) as u64;
        twice_wins += 2 * below + (not_above - below);
    }
    Ok(twice_wins as f64 / (2.0 * x.len() as f64 * y.len() as f64))
}

/// Linear-interpolation quantile of sorted values (numpy's default, "type 7"):
/// h = (n − 1)·q, Q = x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎). `NaN` for an empty slice.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// A bootstrap confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BootstrapCi {
    /// The statistic on the original data.
    pub estimate: f64,
    /// Lower percentile bound, quantile (1 − level)/2 of the resampled statistics.
    pub low: f64,
    /// Upper percentile bound, quantile (1 + level)/2.
    pub high: f64,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
    /// Number of bootstrap resamples.
    pub resamples: usize,
}

/// Stratified percentile bootstrap of any statistic.
///
/// `strata[i]` is item i's group id (e.g. task, or (task, size)). Each resample draws,
/// for every stratum in ascending id order, as many items as the stratum has, uniformly
/// with replacement from that stratum, so stratum sizes are preserved; `stat` receives
/// the resampled item indices (grouped by stratum). The interval is the
/// [`quantile_sorted`] of the resampled statistics at (1 ∓ level)/2; `estimate` is
/// `stat` on the original indices 0..n. All draws come from `rng`, so a seeded stream
/// gives the same interval every time.
///
/// Errors when there are no items, `resamples` is 0, `level` is outside (0, 1), or the
/// statistic returns NaN.
pub fn stratified_bootstrap<F>(
    strata: &[usize],
    resamples: usize,
    level: f64,
    rng: &mut Rng,
    mut stat: F,
) -> StatsResult<BootstrapCi>
where
    F: FnMut(&[usize]) -> f64,
{
    if strata.is_empty() {
        return Err(StatsError::TooFew { need: 1, got: 0 });
    }
    if resamples == 0 || !(level > 0.0 && level < 1.0) {
        return Err(StatsError::Invalid(format!(
            "need resamples > 0 and level in (0, 1), got {resamples}, {level}"
        )));
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &s) in strata.iter().enumerate() {
        groups.entry(s).or_default().push(i);
    }
    let original: Vec<usize> = (0..strata.len()).collect();
    let estimate = stat(&original);
    let mut stats = Vec::with_capacity(resamples);
    let mut idx = Vec::with_capacity(strata.len());
    for _ in 0..resamples {
        idx.clear();
        for members in groups.values() {
            for _ in 0..members.len() {
                idx.push(members[rng.gen_range(0..members.len())]);
            }
        }
        let v = stat(&idx);
        if v.is_nan() {
            return Err(StatsError::NaN);
        }
        stats.push(v);
    }
    stats.sort_by(f64::total_cmp);
    Ok(BootstrapCi {
        estimate,
        low: quantile_sorted(&stats, (1.0 - level) / 2.0),
        high: quantile_sorted(&stats, (1.0 + level) / 2.0),
        level,
        resamples,
    })
}

/// Stratified bootstrap CI of the mean of `x` (use per-replicate paired differences
/// x − y to get a CI of a paired mean difference). Errors on length mismatch, NaN, or
/// as [`stratified_bootstrap`].
pub fn bootstrap_mean_ci(
    x: &[f64],
    strata: &[usize],
    resamples: usize,
    level: f64,
    rng: &mut Rng,
) -> StatsResult<BootstrapCi> {
    if x.len() != strata.len() {
        return Err(StatsError::LengthMismatch {
            left: x.len(),
            right: strata.len(),
        });
    }
    check_finite(x)?;
    stratified_bootstrap(strata, resamples, level, rng, |idx| {
        idx.iter().map(|&i| x[i]).sum::<f64>() / idx.len() as f64
    })
}

/// Stratified bootstrap CI of mean(a) − mean(b) for two independent samples, each
/// resampled within its own strata (a's stratum s and b's stratum s are distinct
/// groups, so both sample sizes are preserved).
pub fn bootstrap_mean_diff_ci(
    a: &[f64],
    a_strata: &[usize],
    b: &[f64],
    b_strata: &[usize],
    resamples: usize,
    level: f64,
    rng: &mut Rng,
) -> StatsResult<BootstrapCi> {
    for (v, s) in [(a, a_strata), (b, b_strata)] {
        if v.len() != s.len() {
            return Err(StatsError::LengthMismatch {
                left: v.len(),
                right: s.len(),
            });
        }
        if v.is_empty() {
            return Err(StatsError::TooFew { need: 1, got: 0 });
        }
        check_finite(v)?;
    }
    let na = a.len();
    // Dense ids for the (sample, stratum) pairs keep the two samples apart.
    let mut ids: BTreeMap<(u8, usize), usize> = BTreeMap::new();
    let keys: Vec<(u8, usize)> = a_strata
        .iter()
        .map(|&s| (0u8, s))
        .chain(b_strata.iter().map(|&s| (1u8, s)))
        .collect();
    let strata: Vec<usize> = keys
        .iter()
        .map(|&key| {
            let next = ids.len();
            *ids.entry(key).or_insert(next)
        })
        .collect();
    stratified_bootstrap(&strata, resamples, level, rng, |idx| {
        let (mut sa, mut sb) = (0.0, 0.0);
        for &i in idx {
            if i < na {
                sa += a[i];
            } else {
                sb += b[i - na];
            }
        }
        sa / na as f64 - sb / b.len() as f64
    })
}

#[cfg(test)]
#[path = "hypothesis_tests.rs"]
mod tests;
