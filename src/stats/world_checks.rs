//! Pure computations behind the world checks W1–W5 (`docs/world-checks.md`): whether a
//! simulated world reproduces the paper's non-comparative observations, so that a
//! comparison of selection strategies in it measures selection rather than forgetting.
//!
//! Kept apart from the report so that each number can be tested against an independent
//! reference (sklearn's `roc_auc_score`, scipy's `t.ppf`, hand computations).

use super::spearman::{spearman, spearman_of_medians, Spearman};
use super::summary::{mean, median, std_err};
use super::{Alternative, StatsError, StatsResult};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Area under the ROC curve of `scores` for predicting `positive`: the probability that
/// a random positive scores higher than a random negative, ties counting ½ (the
/// Mann–Whitney form; equal to sklearn's `roc_auc_score(positive, scores)`, which also
/// treats tied scores as one threshold). Undefined when either class is empty or a score
/// is NaN.
pub fn auroc(scores: &[f64], positive: &[bool]) -> StatsResult<f64> {
    if scores.len() != positive.len() {
        return Err(StatsError::LengthMismatch {
            left: scores.len(),
            right: positive.len(),
        });
    }
    let ranks = super::spearman::average_ranks(scores)?;
    let n_pos = positive.iter().filter(|p| **p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err(StatsError::Invalid(
            "AUROC needs both classes (some errors and some correct answers)".into(),
        ));
    }
    let rank_sum: f64 = ranks
        .iter()
        .zip(positive)
        .filter(|(_, p)| **p)
        .map(|(r, _)| r)
        .sum();
    let (p, n) = (n_pos as f64, n_neg as f64);
    Ok((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Mean of paired differences with its two-sided t confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairedGain {
    pub mean: f64,
    pub n: usize,
    /// Bounds of the `level` t-interval mean ± t_{(1+level)/2, n−1}·SE; NaN when n < 2.
    pub low: f64,
    pub high: f64,
}

/// Mean of `after[i] − before[i]` and its t-interval at `level` (e.g. 0.95). Errors on
/// length mismatch or no pairs; the interval is NaN with a single pair.
pub fn paired_gain(after: &[f64], before: &[f64], level: f64) -> StatsResult<PairedGain> {
    if after.len() != before.len() {
        return Err(StatsError::LengthMismatch {
            left: after.len(),
            right: before.len(),
        });
    }
    if after.is_empty() {
        return Err(StatsError::TooFew { need: 1, got: 0 });
    }
    if !(level > 0.0 && level < 1.0) {
        return Err(StatsError::Invalid(format!("level {level} not in (0, 1)")));
    }
    let d: Vec<f64> = after.iter().zip(before).map(|(a, b)| a - b).collect();
    if d.iter().any(|x| x.is_nan()) {
        return Err(StatsError::NaN);
    }
    let m = mean(&d);
    let (low, high) = if d.len() < 2 {
        (f64::NAN, f64::NAN)
    } else {
        let q = t_quantile((1.0 + level) / 2.0, (d.len() - 1) as f64)?;
        let half = q * std_err(&d);
        (m - half, m + half)
    };
    Ok(PairedGain {
        mean: m,
        n: d.len(),
        low,
        high,
    })
}

/// Quantile of Student's t with `dof` degrees of freedom (scipy's `t.ppf`).
pub fn t_quantile(p: f64, dof: f64) -> StatsResult<f64> {
    let t = StudentsT::new(0.0, 1.0, dof).map_err(|e| StatsError::Invalid(e.to_string()))?;
    Ok(t.inverse_cdf(p))
}

/// The smallest |ρ| whose two-sided p is below `alpha` in a cell of `n` pairs, under the
/// same t approximation as [`spearman`]'s p-value (t = ρ √((n − 2)/(1 − ρ²)), n − 2
/// degrees of freedom): ρ* = t* / √(n − 2 + t*²) with t* the (1 − α/2) quantile.
///
/// W4b asks most cells for p < 0.001. Whether a cell can get there depends on how many
/// children it holds as much as on how strongly they inherit: 153 children need
/// |ρ| ≥ 0.26, 900 only 0.11. The report shows this bound beside W4b so that a
/// failure for want of children is not read as a failure of inheritance.
pub fn smallest_significant_rho(n: usize, alpha: f64) -> StatsResult<f64> {
    if n < 3 {
        return Err(StatsError::Invalid(format!(
            "a rank correlation's p-value needs at least 3 pairs, got {n}"
        )));
    }
    let dof = (n - 2) as f64;
    let t = t_quantile(1.0 - alpha / 2.0, dof)?;
    Ok(t / (dof + t * t).sqrt())
}

/// Paper C.4 on one cell (one replicate and iteration of `random`): the mean over
/// k = 1..N of A_random(k) − A_loss(k), where A(k) = (correct among the first k) / N.
///
/// A_random is the *expected* curve of a random order, the diagonal k/N · (overall
/// accuracy) (paper C.4: "for random sampling the cumulative accuracy … follows a
/// diagonal line"), not one seeded permutation, so the value has no permutation noise. A_loss walks the children in order of their parent's loss, high
/// first; a block of tied parent losses contributes its expected value under a random
/// order within the block (linear in the block), so ties do not depend on storage order.
/// Positive means high-loss parents front-load children the student gets wrong.
/// Errors on an empty cell, length mismatch or a NaN loss.
pub fn diagonal_difference(correct: &[bool], parent_loss: &[f64]) -> StatsResult<f64> {
    if correct.len() != parent_loss.len() {
        return Err(StatsError::LengthMismatch {
            left: correct.len(),
            right: parent_loss.len(),
        });
    }
    if correct.is_empty() {
        return Err(StatsError::TooFew { need: 1, got: 0 });
    }
    if parent_loss.iter().any(|x| x.is_nan()) {
        return Err(StatsError::NaN);
    }
    let n = correct.len();
    let nf = n as f64;
    let total = correct.iter().filter(|c| **c).count() as f64;
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| parent_loss[b].total_cmp(&parent_loss[a]));
    let mut sum_diff = 0.0;
    let mut hits = 0.0; // correct among the blocks already walked
    let mut k = 0usize;
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && parent_loss[idx[end]] == parent_loss[idx[start]] {
            end += 1;
        }
        let g = (end - start) as f64;
        let c = idx[start..end].iter().filter(|&&i| correct[i]).count() as f64;
        for j in 1..=(end - start) {
            k += 1;
            let by_loss = (hits + c * j as f64 / g) / nf;
            let diagonal = k as f64 / nf * total / nf;
            sum_diff += diagonal - by_loss;
        }
        hits += c;
        start = end;
    }
    Ok(sum_diff / nf)
}

/// Per-cell Spearman correlations between parent and child scores (check W4).
#[derive(Clone, Debug, PartialEq)]
pub struct CellCorrelations {
    /// One entry per cell: ρ and p, or why it is undefined.
    pub cells: Vec<Result<Spearman, StatsError>>,
    /// Median ρ over the cells where it is defined (NaN when none is).
    pub median_rho: f64,
    /// Fraction of *all* cells whose two-sided p is below `alpha` (an undefined cell
    /// counts as not significant).
    pub fraction_significant: f64,
}

/// Spearman's ρ (two-sided) in each cell of (parent score, child score) pairs; pairs
/// with a non-finite value are dropped first.
pub fn cell_correlations(cells: &[(Vec<f64>, Vec<f64>)], alpha: f64) -> CellCorrelations {
    let res: Vec<Result<Spearman, StatsError>> = cells
        .iter()
        .map(|(x, y)| {
            let (a, b) = finite_pairs(x, y)?;
            spearman(&a, &b, Alternative::TwoSided)
        })
        .collect();
    let rhos: Vec<f64> = res
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|s| s.rho)
        .collect();
    let sig = res
        .iter()
        .filter(|r| r.as_ref().is_ok_and(|s| s.p_value < alpha))
        .count();
    CellCorrelations {
        median_rho: median(&rhos).unwrap_or(f64::NAN),
        fraction_significant: if res.is_empty() {
            f64::NAN
        } else {
            sig as f64 / res.len() as f64
        },
        cells: res,
    }
}

/// The paper's median-level correlation (5.4.3, C.3) over cells: each cell (a selected
/// set at one iteration of one run) contributes the median parent score and the median
/// child score; ρ is taken over those medians. Non-finite pairs are dropped and empty
/// cells skipped.
pub fn median_level(cells: &[(Vec<f64>, Vec<f64>)]) -> StatsResult<Spearman> {
    let mut before = Vec::new();
    let mut after = Vec::new();
    for (x, y) in cells {
        let (a, b) = finite_pairs(x, y)?;
        if !a.is_empty() {
            before.push(a);
            after.push(b);
        }
    }
    spearman_of_medians(&before, &after, Alternative::TwoSided)
}

fn finite_pairs(x: &[f64], y: &[f64]) -> StatsResult<(Vec<f64>, Vec<f64>)> {
    if x.len() != y.len() {
        return Err(StatsError::LengthMismatch {
            left: x.len(),
            right: y.len(),
        });
    }
    Ok(x.iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .unzip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auroc_matches_sklearn_with_ties() {
        // sklearn.metrics.roc_auc_score([1,0,1,1,0,0,1,0], [0.9,0.3,0.5,0.5,0.5,0.1,0.8,0.8])
        // = 0.78125 (scikit-learn 1.9.1; ties at 0.5 and 0.8 across classes).
        let y = [true, false, true, true, false, false, true, false];
        let s = [0.9, 0.3, 0.5, 0.5, 0.5, 0.1, 0.8, 0.8];
        assert!((auroc(&s, &y).unwrap() - 0.78125).abs() < 1e-15);
        // All scores tied: 0.5.
        assert_eq!(auroc(&[1.0; 4], &[true, false, true, false]).unwrap(), 0.5);
        assert!(auroc(&[1.0, 2.0], &[true, true]).is_err());
        assert!(auroc(&[1.0, f64::NAN], &[true, false]).is_err());
    }

    #[test]
    fn t_interval_matches_scipy() {
        // scipy.stats.t.ppf(0.975, 2) = 4.302652729749462 (scipy 1.17.1)
        assert!((t_quantile(0.975, 2.0).unwrap() - 4.302652729749462).abs() < 1e-9);
        // d = [0.02, 0.05, -0.01]: mean 0.02, SE = std(ddof=1)/sqrt(3) = 0.0173205…
        let g = paired_gain(&[0.42, 0.45, 0.39], &[0.40, 0.40, 0.40], 0.95).unwrap();
        assert!((g.mean - 0.02).abs() < 1e-12);
        // scipy.stats.t.interval(0.95, 2, loc=0.02, scale=0.03/sqrt(3))
        // = (-0.054524131352509914, 0.09452413135250992)
        assert!((g.low + 0.054524131352509914).abs() < 1e-9);
        assert!((g.high - 0.09452413135250992).abs() < 1e-9);
        let one = paired_gain(&[0.5], &[0.4], 0.95).unwrap();
        assert!(one.low.is_nan() && (one.mean - 0.1).abs() < 1e-12);
    }

    #[test]
    fn smallest_significant_rho_matches_scipy() {
        // r* = t.isf(0.0005, n - 2) / sqrt(n - 2 + t.isf(0.0005, n - 2)**2), scipy 1.17.1;
        // a ρ of exactly r* gives p = 0.001 in scipy's spearmanr t approximation.
        for (n, want) in [
            (10, 0.8721151568058807),
            (153, 0.2634677478834262),
            (391, 0.16578687882475907),
            (902, 0.10938532504876093),
        ] {
            let got = smallest_significant_rho(n, 0.001).unwrap();
            assert!((got - want).abs() < 1e-9, "n = {n}: {got} against {want}");
        }
        // Just above the bound a cell is significant, just below it is not.
        let n = 153;
        let r = smallest_significant_rho(n, 0.001).unwrap();
        let dof = (n - 2) as f64;
        let p = |rho: f64| {
            let t = rho * (dof / (1.0 - rho * rho)).sqrt();
            2.0 * (1.0 - StudentsT::new(0.0, 1.0, dof).unwrap().cdf(t))
        };
        assert!(p(r + 1e-6) < 0.001 && p(r - 1e-6) > 0.001);
        assert!(smallest_significant_rho(2, 0.001).is_err());
    }

    #[test]
    fn diagonal_difference_by_hand() {
        // Losses high→low: child correct [F, F, T, T]; N = 4, accuracy 0.5.
        // A_loss = [0, 0, .25, .5]; diagonal = [.125, .25, .375, .5];
        // differences [.125, .25, .125, 0] → mean 0.125.
        let v = diagonal_difference(&[true, false, true, false], &[0.4, 0.9, 0.2, 0.7]).unwrap();
        assert!((v - 0.125).abs() < 1e-15);
        // All losses tied: the expected by-loss curve is the diagonal itself.
        let v = diagonal_difference(&[true, false, false, true], &[1.0; 4]).unwrap();
        assert!(v.abs() < 1e-15);
        assert!(diagonal_difference(&[], &[]).is_err());
    }
}
