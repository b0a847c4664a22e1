//! Spearman's rank correlation with its t-distribution p-value (scipy's `spearmanr`),
//! at individual level and at the paper's "median level" (Figure 6, section C.3).
//!
//! Ranking is written here rather than taken from statrs, whose ranking panics on NaN:
//! every degenerate input (n < 3, NaN, constant input, length mismatch) is an error
//! value, never a panic.

use super::pvalue::{t_p_value, Alternative};
use super::summary::median;
use super::{StatsError, StatsResult};

/// Spearman's ρ, its p-value and the number of pairs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spearman {
    /// ρ = Pearson correlation of the average ranks.
    pub rho: f64,
    /// p-value of t = ρ·sqrt((n − 2)/((1 + ρ)(1 − ρ))) under Student's t with n − 2 dof.
    pub p_value: f64,
    /// Number of pairs.
    pub n: usize,
}

/// 1-based ranks with ties given the average of the ranks they span (scipy's
/// `rankdata(method="average")`). The order among equal values is by index, so the
/// result is deterministic. Errors on NaN.
pub fn average_ranks(xs: &[f64]) -> StatsResult<Vec<f64>> {
    if xs.iter().any(|x| x.is_nan()) {
        return Err(StatsError::NaN);
    }
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; xs.len()];
    let mut start = 0;
    while start < idx.len() {
        let mut end = start + 1;
        // `==` (not total_cmp) so that -0.0 and 0.0 tie, as in scipy.
        while end < idx.len() && xs[idx[end]] == xs[idx[start]] {
            end += 1;
        }
        // Ranks start+1 ..= end share their average.
        let avg = (start + 1 + end) as f64 / 2.0;
        for &i in &idx[start..end] {
            ranks[i] = avg;
        }
        start = end;
    }
    Ok(ranks)
}

/// Pearson correlation r = Σ(a − ā)(b − b̄) / sqrt(Σ(a − ā)² Σ(b − b̄)²), clamped to
/// [−1, 1]; `Constant` when either input has zero variance.
fn pearson(a: &[f64], b: &[f64]) -> StatsResult<f64> {
    let n = a.len() as f64;
    let ma = a.iter().sum::<f64>() / n;
    let mb = b.iter().sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    if saa == 0.0 || sbb == 0.0 {
        return Err(StatsError::Constant);
    }
    // sqrt(saa·sbb) rather than sqrt(saa)·sqrt(sbb): identical rankings give exactly ±1.
    Ok((sab / (saa * sbb).sqrt()).clamp(-1.0, 1.0))
}

/// Spearman's ρ between paired samples `x` and `y` and its p-value:
/// ρ = Pearson(rank(x), rank(y)) with average ranks for ties;
/// t = ρ·sqrt((n − 2)/((1 + ρ)(1 − ρ))), p from Student's t with n − 2 dof under the
/// given alternative (scipy's semantics; |ρ| = 1 gives t = ±∞).
///
/// Undefined (an error, never a panic) when the lengths differ, n < 3, either input
/// contains NaN, or either input is constant.
pub fn spearman(x: &[f64], y: &[f64], alternative: Alternative) -> StatsResult<Spearman> {
    if x.len() != y.len() {
        return Err(StatsError::LengthMismatch {
            left: x.len(),
            right: y.len(),
        });
    }
    if x.len() < 3 {
        return Err(StatsError::TooFew {
            need: 3,
            got: x.len(),
        });
    }
    let rho = pearson(&average_ranks(x)?, &average_ranks(y)?)?;
    let dof = (x.len() - 2) as f64;
    let denom = (1.0 + rho) * (1.0 - rho);
    let t = if denom <= 0.0 {
        rho.signum() * f64::INFINITY
    } else {
        rho * (dof / denom).sqrt()
    };
    Ok(Spearman {
        rho,
        p_value: t_p_value(t, dof, alternative),
        n: x.len(),
    })
}

/// The paper's "median level" correlation (Figure 6): for each iteration t take the
/// median score of the selected seeds `before[t]` and of the synthetic data generated
/// from them `after[t]`, then Spearman's ρ between the two series of medians.
/// Undefined when an iteration is empty or has NaN, or as for [`spearman`].
pub fn spearman_of_medians(
    before: &[Vec<f64>],
    after: &[Vec<f64>],
    alternative: Alternative,
) -> StatsResult<Spearman> {
    if before.len() != after.len() {
        return Err(StatsError::LengthMismatch {
            left: before.len(),
            right: after.len(),
        });
    }
    let mb = before
        .iter()
        .map(|v| median(v))
        .collect::<StatsResult<Vec<_>>>()?;
    let ma = after
        .iter()
        .map(|v| median(v))
        .collect::<StatsResult<Vec<_>>>()?;
    spearman(&mb, &ma, alternative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_ranks_match_scipy_rankdata() {
        // scipy.stats.rankdata([3, 1, 4, 1, 5, 9, 2, 6, 5]) (average method)
        let r = average_ranks(&[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0]).unwrap();
        assert_eq!(r, vec![4.0, 1.5, 5.0, 1.5, 6.5, 9.0, 3.0, 8.0, 6.5]);
        assert_eq!(average_ranks(&[1.0, f64::NAN]), Err(StatsError::NaN));
        assert_eq!(average_ranks(&[-0.0, 0.0]).unwrap(), vec![1.5, 1.5]);
    }

    #[test]
    fn perfect_correlation_has_zero_p() {
        let s = spearman(
            &[1.0, 2.0, 3.0, 4.0],
            &[10.0, 20.0, 30.0, 40.0],
            Alternative::TwoSided,
        )
        .unwrap();
        assert_eq!(s.rho, 1.0);
        assert_eq!(s.p_value, 0.0);
        let s = spearman(
            &[1.0, 2.0, 3.0, 4.0],
            &[4.0, 3.0, 2.0, 1.0],
            Alternative::Greater,
        )
        .unwrap();
        assert_eq!(s.rho, -1.0);
        assert_eq!(s.p_value, 1.0);
    }

    #[test]
    fn undefined_cases() {
        let a = Alternative::TwoSided;
        assert_eq!(
            spearman(&[1.0, 2.0], &[1.0, 2.0], a),
            Err(StatsError::TooFew { need: 3, got: 2 })
        );
        assert_eq!(
            spearman(&[1.0, 2.0, 3.0], &[1.0, 2.0], a),
            Err(StatsError::LengthMismatch { left: 3, right: 2 })
        );
        assert_eq!(
            spearman(&[1.0, f64::NAN, 3.0], &[1.0, 2.0, 3.0], a),
            Err(StatsError::NaN)
        );
        assert_eq!(
            spearman(&[1.0, 2.0, 3.0], &[5.0, 5.0, 5.0], a),
            Err(StatsError::Constant)
        );
    }

    #[test]
    fn median_level_uses_per_iteration_medians() {
        // Medians before: [2, 5, 3.5, 8]; after: [1, 7, 4, 6] -> ranks [1,3,2,4] vs
        // [1,4,2,3]: d² = 0+1+0+1 = 2, ρ = 1 − 6·2/(4·15) = 0.8 (no ties, exact formula).
        let before = vec![
            vec![1.0, 2.0, 3.0],
            vec![5.0],
            vec![3.0, 4.0],
            vec![8.0, 8.0, 0.0],
        ];
        let after = vec![vec![1.0], vec![9.0, 7.0, 6.0], vec![4.0], vec![6.0, 6.0]];
        let s = spearman_of_medians(&before, &after, Alternative::TwoSided).unwrap();
        assert!((s.rho - 0.8).abs() < 1e-15);
        assert_eq!(s.n, 4);
        let bad = vec![vec![], vec![1.0], vec![2.0], vec![3.0]];
        assert!(spearman_of_medians(&bad, &after, Alternative::TwoSided).is_err());
    }
}
