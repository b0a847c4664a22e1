//! The paired analysis of a strategy against a baseline over replicates that share
//! their world (common random numbers): mean paired difference with a t-interval, the
//! paired t-test, an exact sign-flip p for small n with the smallest p the design can
//! give, and the paired probability of improvement.
//!
//! Why a module of its own: with 3 replicates, percentile-bootstrap intervals collapse
//! to [min d, max d] (coverage ≈ 75 %), unpaired P(X > Y) ignores that every replicate
//! shares D0 and the base student, and the t-test turns floating-point noise in constant
//! differences into t ≈ 10¹⁴. Each of those is handled explicitly here.

use super::hypothesis::{paired_t_test, TTest};
use super::permutation::{sign_flip_min_p, sign_flip_test, Exact, SIGN_FLIP_MAX_N};
use super::power::t_isf;
use super::summary::{mean, std_dev};
use super::{Alternative, StatsError, StatsResult};

pub use super::hypothesis::constant_differences;

/// Two-sided t confidence interval of the mean of `d` at `level` (scipy's
/// `ttest_rel(x, y).confidence_interval(level)` on d = x − y):
/// d̄ ± t₍(1+level)/2, n−1₎·s/√n. Errors when n < 2, on NaN, or for a bad level.
pub fn t_interval(d: &[f64], level: f64) -> StatsResult<(f64, f64)> {
    if d.len() < 2 {
        return Err(StatsError::TooFew {
            need: 2,
            got: d.len(),
        });
    }
    if d.iter().any(|v| v.is_nan()) {
        return Err(StatsError::NaN);
    }
    let c = t_isf((1.0 - level) / 2.0, (d.len() - 1) as f64)?;
    let half = c * std_dev(d) / (d.len() as f64).sqrt();
    let m = mean(d);
    Ok((m - half, m + half))
}

/// Paired probability of improvement: the share of pairs with d > 0, ties ½. Unlike the
/// unpaired P(X > Y) it compares each replicate with its own baseline. `NaN` when empty.
pub fn paired_prob_improvement(d: &[f64]) -> f64 {
    if d.is_empty() {
        return f64::NAN;
    }
    let twice: usize = d
        .iter()
        .map(|&v| {
            if v > 0.0 {
                2
            } else if v == 0.0 {
                1
            } else {
                0
            }
        })
        .sum();
    twice as f64 / (2 * d.len()) as f64
}

/// Everything the report says about one paired comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedAnalysis {
    /// Number of pairs.
    pub n: usize,
    /// Mean paired difference d̄.
    pub mean: f64,
    /// Sample SD of the differences (ddof 1; `NaN` for n < 2; 0 when constant).
    pub sd: f64,
    /// `Some(d)` when every difference equals d (see [`constant_differences`]).
    pub constant: Option<f64>,
    /// Paired t-test (`Err` when constant or n < 2).
    pub t: Result<TTest, StatsError>,
    /// 95 % t-interval of d̄ (`Err` when n < 2; a zero-width interval when constant).
    pub ci95: Result<(f64, f64), StatsError>,
    /// Exact two-sided sign-flip p (`None` for n > [`SIGN_FLIP_MAX_N`]).
    pub sign_flip: Option<Exact>,
    /// Smallest two-sided sign-flip p attainable with n pairs (0.25 for n = 3).
    pub min_p: f64,
    /// [`paired_prob_improvement`] of the differences.
    pub prob_improvement: f64,
}

impl PairedAnalysis {
    /// The p-value the report tests with: the exact sign-flip p when available (it is
    /// valid for any symmetric distribution of d and defined for constant differences),
    /// else the paired t p. `NaN` when neither is defined.
    pub fn primary_p(&self) -> f64 {
        match (&self.sign_flip, &self.t) {
            (Some(e), _) => e.p_value,
            (None, Ok(t)) => t.p_value,
            _ => f64::NAN,
        }
    }
}

/// Paired analysis of x against y (d = x − y). Errors on length mismatch, empty input
/// or NaN.
pub fn paired_analysis(x: &[f64], y: &[f64]) -> StatsResult<PairedAnalysis> {
    if x.len() != y.len() {
        return Err(StatsError::LengthMismatch {
            left: x.len(),
            right: y.len(),
        });
    }
    if x.is_empty() {
        return Err(StatsError::TooFew { need: 1, got: 0 });
    }
    if x.iter().chain(y).any(|v| v.is_nan()) {
        return Err(StatsError::NaN);
    }
    let d: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    let n = d.len();
    let m = mean(&d);
    let constant = (n >= 2 && constant_differences(x, y)).then_some(m);
    let ci95 = match constant {
        Some(c) => Ok((c, c)),
        None => t_interval(&d, 0.95),
    };
    Ok(PairedAnalysis {
        n,
        mean: m,
        sd: if constant.is_some() { 0.0 } else { std_dev(&d) },
        constant,
        t: paired_t_test(x, y, Alternative::TwoSided),
        ci95,
        sign_flip: if n <= SIGN_FLIP_MAX_N {
            sign_flip_test(&d, Alternative::TwoSided).ok()
        } else {
            None
        },
        min_p: sign_flip_min_p(n, Alternative::TwoSided),
        prob_improvement: paired_prob_improvement(&d),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_differences_are_explicit_both_ways() {
        // The two cases: the same differences 3/300, once with rounding noise.
        let a: Vec<f64> = [80.0, 81.0, 87.0].iter().map(|v| v / 300.0).collect();
        let b: Vec<f64> = [77.0, 78.0, 84.0].iter().map(|v| v / 300.0).collect();
        let c: Vec<f64> = [93.0, 100.0, 120.0].iter().map(|v| v / 300.0).collect();
        let e: Vec<f64> = [90.0, 97.0, 117.0].iter().map(|v| v / 300.0).collect();
        for (x, y) in [(&a, &b), (&c, &e)] {
            let r = paired_analysis(x, y).unwrap();
            assert!(r.constant.is_some(), "{r:?}");
            assert_eq!(r.t, Err(StatsError::Constant));
            assert_eq!(r.sign_flip.unwrap().p_value, 0.25);
            assert_eq!(r.min_p, 0.25);
            assert_eq!(r.prob_improvement, 1.0);
            assert_eq!(r.primary_p(), 0.25);
        }
    }

    #[test]
    fn prob_improvement_counts_ties_half() {
        assert_eq!(paired_prob_improvement(&[0.1, 0.0, -0.2, 0.3]), 0.625);
        assert!(paired_prob_improvement(&[]).is_nan());
    }
}
