//! Exact permutation tests for the small samples this project produces (3–10
//! replicates, 9 median-level points), where the t approximation is at its worst: the
//! sign-flip test of paired differences and the exact null distribution of Spearman's ρ.
//!
//! Both enumerate the whole permutation group, so the p-value is an exact rational
//! `count / total` with scipy's `permutation_test(..., n_resamples=np.inf)` semantics:
//! one-sided p counts the permutations at least as extreme, two-sided
//! p = min(1, 2·min(p_less, p_greater)). Each result also carries the smallest p the
//! design can produce, because with 3 replicates a two-sided sign-flip p cannot go
//! below 0.25 — a reader must know that "p = 0.25" is the best possible outcome.

use super::pvalue::Alternative;
use super::spearman::average_ranks;
use super::{StatsError, StatsResult};

/// Largest n for the exact sign-flip test (2ⁿ = 4096 sign vectors).
pub const SIGN_FLIP_MAX_N: usize = 12;
/// Largest n for the exact Spearman test (10! = 3,628,800 pairings).
pub const SPEARMAN_EXACT_MAX_N: usize = 10;

/// An exact permutation p-value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exact {
    /// `count / total` under the requested alternative.
    pub p_value: f64,
    /// Permutations at least as extreme (for two-sided: 2·min of the one-sided counts,
    /// before capping p at 1).
    pub count: u64,
    /// Size of the permutation group (2ⁿ sign vectors or n! pairings).
    pub total: u64,
    /// Smallest p any data of this size can give under this alternative: 2/total
    /// two-sided, 1/total one-sided (capped at 1).
    pub min_p: f64,
}

fn min_attainable(total: u64, alternative: Alternative) -> f64 {
    let k = if alternative == Alternative::TwoSided {
        2.0
    } else {
        1.0
    };
    (k / total as f64).min(1.0)
}

fn finish(less: u64, greater: u64, total: u64, alternative: Alternative) -> Exact {
    let count = match alternative {
        Alternative::Less => less,
        Alternative::Greater => greater,
        Alternative::TwoSided => 2 * less.min(greater),
    };
    Exact {
        p_value: (count as f64 / total as f64).min(1.0),
        count,
        total,
        min_p: min_attainable(total, alternative),
    }
}

/// Smallest p an exact sign-flip test of `n` paired differences can give (two-sided:
/// 2/2ⁿ, so 0.25 for n = 3 and 0.5 for n = 2).
pub fn sign_flip_min_p(n: usize, alternative: Alternative) -> f64 {
    if n >= 64 {
        return 0.0;
    }
    min_attainable(1u64 << n, alternative)
}

/// Exact sign-flip (paired permutation) test of H0: the paired differences `d` are
/// symmetric about 0. Under H0 every sign vector s ∈ {±1}ⁿ is equally likely; the
/// statistic is T(s) = Σ sᵢ·dᵢ (equivalent to the mean). Values within 100·ε·|T_obs|
/// of T_obs count as ties, as in scipy, so differences that are equal in theory but not
/// in floating point are not split.
///
/// Unlike the t-test this is defined for constant differences: d = (c, c, c) gives the
/// smallest attainable p, 2/2ⁿ. Errors when n = 0, n > [`SIGN_FLIP_MAX_N`] or on NaN.
pub fn sign_flip_test(d: &[f64], alternative: Alternative) -> StatsResult<Exact> {
    let n = d.len();
    if n == 0 {
        return Err(StatsError::TooFew { need: 1, got: 0 });
    }
    if n > SIGN_FLIP_MAX_N {
        return Err(StatsError::Invalid(format!(
            "exact sign-flip test is limited to n <= {SIGN_FLIP_MAX_N}, got {n}"
        )));
    }
    if d.iter().any(|v| v.is_nan()) {
        return Err(StatsError::NaN);
    }
    let observed: f64 = d.iter().sum();
    let gamma = (100.0 * f64::EPSILON * observed).abs();
    let total = 1u64 << n;
    let (mut less, mut greater) = (0u64, 0u64);
    for mask in 0..total {
        let t: f64 = d
            .iter()
            .enumerate()
            .map(|(i, &v)| if mask & (1 << i) != 0 { -v } else { v })
            .sum();
        less += u64::from(t <= observed + gamma);
        greater += u64::from(t >= observed - gamma);
    }
    Ok(finish(less, greater, total, alternative))
}

/// Spearman's ρ with its exact permutation p-value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExactSpearman {
    pub rho: f64,
    pub n: usize,
    pub exact: Exact,
}

/// Exact test of Spearman's ρ: all n! pairings of `y` with `x` are equally likely under
/// independence. With average ranks (ties allowed), ρ is an increasing affine function of
/// S = Σ rank(xᵢ)·rank(y_π(i)) for fixed margins, so the enumeration compares S in exact
/// integer arithmetic (doubled ranks are integers). Heap's algorithm changes S by one
/// swap term per permutation, so n = 10 takes 3.6M O(1) steps.
///
/// Errors when the lengths differ, n < 3, n > [`SPEARMAN_EXACT_MAX_N`], on NaN, or when
/// an input is constant.
pub fn spearman_exact(
    x: &[f64],
    y: &[f64],
    alternative: Alternative,
) -> StatsResult<ExactSpearman> {
    let base = super::spearman::spearman(x, y, alternative)?;
    let n = x.len();
    if n > SPEARMAN_EXACT_MAX_N {
        return Err(StatsError::Invalid(format!(
            "exact Spearman test is limited to n <= {SPEARMAN_EXACT_MAX_N}, got {n}"
        )));
    }
    let twice = |v: &[f64]| -> StatsResult<Vec<i64>> {
        Ok(average_ranks(v)?
            .iter()
            .map(|r| (2.0 * r).round() as i64)
            .collect())
    };
    let (rx, ry) = (twice(x)?, twice(y)?);
    let observed: i64 = rx.iter().zip(&ry).map(|(a, b)| a * b).sum();
    let mut perm: Vec<usize> = (0..n).collect();
    let mut s = observed;
    let (mut less, mut greater) = (0u64, 0u64);
    let mut count = |s: i64| {
        less += u64::from(s <= observed);
        greater += u64::from(s >= observed);
    };
    count(s);
    // Heap's algorithm, iterative form.
    let mut c = vec![0usize; n];
    let mut i = 1;
    while i < n {
        if c[i] < i {
            let (a, b) = if i % 2 == 0 { (0, i) } else { (c[i], i) };
            s += (rx[a] - rx[b]) * (ry[perm[b]] - ry[perm[a]]);
            perm.swap(a, b);
            count(s);
            c[i] += 1;
            i = 1;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    let total: u64 = (1..=n as u64).product();
    Ok(ExactSpearman {
        rho: base.rho,
        n,
        exact: finish(less, greater, total, alternative),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_flip_floor_and_constant_differences() {
        let a = Alternative::TwoSided;
        let e = sign_flip_test(&[0.01, 0.01, 0.01], a).unwrap();
        assert_eq!((e.p_value, e.count, e.total, e.min_p), (0.25, 2, 8, 0.25));
        assert_eq!(sign_flip_min_p(3, a), 0.25);
        assert_eq!(sign_flip_min_p(2, a), 0.5);
        assert_eq!(sign_flip_min_p(1, a), 1.0);
        assert_eq!(sign_flip_min_p(3, Alternative::Greater), 0.125);
        // All zeros: every sign vector ties, p = 1.
        assert_eq!(sign_flip_test(&[0.0, 0.0], a).unwrap().p_value, 1.0);
        assert!(sign_flip_test(&[], a).is_err());
        assert!(sign_flip_test(&[f64::NAN], a).is_err());
        assert!(sign_flip_test(&[1.0; 13], a).is_err());
    }

    #[test]
    fn spearman_exact_brute_force_small() {
        // n = 4, y reversed: ρ = −1 is the single most extreme of 24 pairings.
        let e = spearman_exact(
            &[1.0, 2.0, 3.0, 4.0],
            &[4.0, 3.0, 2.0, 1.0],
            Alternative::Less,
        )
        .unwrap();
        assert_eq!(e.rho, -1.0);
        assert_eq!((e.exact.count, e.exact.total), (1, 24));
        assert!(spearman_exact(&[1.0; 11], &[1.0; 11], Alternative::Less).is_err());
        assert!(spearman_exact(&[1.0, 2.0, 3.0], &[1.0, 1.0, 1.0], Alternative::Less).is_err());
    }
}
