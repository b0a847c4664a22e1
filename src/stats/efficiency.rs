//! Data efficiency (the paper's section 2 and 5.4.2): how many training examples a
//! strategy needs to reach an accuracy level, and how many more random selection needs
//! than the best strategy.

use super::{StatsError, StatsResult};

/// Sample complexity N(τ) = inf{n : curve(n) ≥ τ} of a mean learning curve, with
/// `curve` linearly interpolated between the points (`sizes[k]`, `curve[k]`).
///
/// With k the first point where `curve[k] ≥ τ`: N = `sizes[0]` when k = 0 (reached at
/// the first size: nothing is extrapolated below it), otherwise
/// N = s₍ₖ₋₁₎ + (τ − c₍ₖ₋₁₎)/(cₖ − c₍ₖ₋₁₎) · (sₖ − s₍ₖ₋₁₎), the first crossing of the
/// piecewise-linear curve. `f64::INFINITY` when no point reaches τ. Because it is the
/// first crossing, N is non-decreasing in τ even for a non-monotone curve.
///
/// Errors when the lengths differ, the curve is empty, `sizes` is not strictly
/// ascending, or any value (or τ) is NaN.
pub fn samples_to_reach(sizes: &[f64], curve: &[f64], tau: f64) -> StatsResult<f64> {
    validate(sizes, curve)?;
    if tau.is_nan() {
        return Err(StatsError::NaN);
    }
    let Some(k) = curve.iter().position(|&c| c >= tau) else {
        return Ok(f64::INFINITY);
    };
    if k == 0 {
        return Ok(sizes[0]);
    }
    let (s0, s1, c0, c1) = (sizes[k - 1], sizes[k], curve[k - 1], curve[k]);
    // c0 < τ ≤ c1, so c1 > c0 and the fraction lies in (0, 1].
    let frac = (tau - c0) / (c1 - c0);
    Ok((s0 + frac * (s1 - s0)).min(s1))
}

fn validate(sizes: &[f64], curve: &[f64]) -> StatsResult<()> {
    if sizes.len() != curve.len() {
        return Err(StatsError::LengthMismatch {
            left: sizes.len(),
            right: curve.len(),
        });
    }
    if curve.is_empty() {
        return Err(StatsError::TooFew { need: 1, got: 0 });
    }
    if sizes.iter().chain(curve).any(|v| v.is_nan()) {
        return Err(StatsError::NaN);
    }
    if sizes.windows(2).any(|w| w[1] <= w[0]) {
        return Err(StatsError::Invalid(
            "training-set sizes must be strictly ascending".into(),
        ));
    }
    Ok(())
}

/// One row of the data-efficiency table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EfficiencyRow {
    /// Training-set size n.
    pub size: f64,
    /// Index of the best strategy at n (highest mean accuracy; ties → lowest index).
    pub best: usize,
    /// τ = the best strategy's mean accuracy at n.
    pub tau: f64,
    /// N_random(τ): examples random selection needs to reach τ (`INFINITY` if never).
    pub random_needs: f64,
    /// N_random(τ) / n: how many times more data random needs (≥ 1 when the best
    /// strategy is at least as good as random at n; `INFINITY` if never reached).
    pub ratio: f64,
}

/// Data-efficiency ratios: for each size n, τ = max over `strategies[i][n]` (the best
/// strategy's mean accuracy at n) and ratio = N_random(τ) / n with N from
/// [`samples_to_reach`] on random's mean curve. `strategies` may include random itself.
/// Errors as [`samples_to_reach`], or when a strategy's curve length differs or there
/// are no strategies.
pub fn efficiency_ratios(
    sizes: &[f64],
    random: &[f64],
    strategies: &[Vec<f64>],
) -> StatsResult<Vec<EfficiencyRow>> {
    validate(sizes, random)?;
    if strategies.is_empty() {
        return Err(StatsError::TooFew { need: 1, got: 0 });
    }
    for c in strategies {
        validate(sizes, c)?;
    }
    (0..sizes.len())
        .map(|n| {
            let mut best = 0;
            for (i, c) in strategies.iter().enumerate() {
                if c[n] > strategies[best][n] {
                    best = i;
                }
            }
            let tau = strategies[best][n];
            let random_needs = samples_to_reach(sizes, random, tau)?;
            Ok(EfficiencyRow {
                size: sizes[n],
                best,
                tau,
                random_needs,
                ratio: random_needs / sizes[n],
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SIZES: [f64; 4] = [1000.0, 2000.0, 4000.0, 8000.0];
    const RANDOM: [f64; 4] = [0.50, 0.58, 0.64, 0.70];

    #[test]
    fn reference_values() {
        // τ = 0.62 lies between 2000 (0.58) and 4000 (0.64): 2000 + (0.04/0.06)·2000.
        let n = samples_to_reach(&SIZES, &RANDOM, 0.62).unwrap();
        assert!((n - 10000.0 / 3.0).abs() < 1e-9, "{n}");
        assert_eq!(
            samples_to_reach(&SIZES, &RANDOM, 0.71).unwrap(),
            f64::INFINITY
        );
        assert_eq!(samples_to_reach(&SIZES, &RANDOM, 0.40).unwrap(), 1000.0);
        assert_eq!(samples_to_reach(&SIZES, &RANDOM, 0.70).unwrap(), 8000.0);
        assert_eq!(samples_to_reach(&SIZES, &RANDOM, 0.58).unwrap(), 2000.0);
    }

    #[test]
    fn non_monotone_curve_uses_first_crossing() {
        let n = samples_to_reach(&[1.0, 2.0, 3.0], &[0.1, 0.9, 0.5], 0.5).unwrap();
        assert!((n - 1.5).abs() < 1e-15);
    }

    #[test]
    fn ratios_table() {
        let best = vec![0.58, 0.64, 0.66, 0.75];
        let rows = efficiency_ratios(&SIZES, &RANDOM, &[RANDOM.to_vec(), best]).unwrap();
        // n=1000: τ=0.58 → random needs 2000, ratio 2.
        assert_eq!(rows[0].best, 1);
        assert!((rows[0].ratio - 2.0).abs() < 1e-12);
        // n=2000: τ=0.64 → 4000, ratio 2.
        assert!((rows[1].random_needs - 4000.0).abs() < 1e-9);
        // n=4000: τ=0.66 → 4000 + (0.02/0.06)·4000 = 5333.3…, ratio 4/3.
        assert!((rows[2].ratio - 4.0 / 3.0).abs() < 1e-12);
        // n=8000: τ=0.75 never reached by random.
        assert_eq!(rows[3].ratio, f64::INFINITY);
        // A tie between random and another strategy picks the lower index.
        let tie = efficiency_ratios(&SIZES, &RANDOM, &[RANDOM.to_vec(), RANDOM.to_vec()]).unwrap();
        assert!(tie.iter().all(|r| r.best == 0));
        assert_eq!(tie[0].ratio, 1.0);
    }

    #[test]
    fn invalid_inputs() {
        assert!(samples_to_reach(&[1.0, 1.0], &[0.1, 0.2], 0.1).is_err());
        assert!(samples_to_reach(&[1.0], &[0.1, 0.2], 0.1).is_err());
        assert!(samples_to_reach(&[], &[], 0.1).is_err());
        assert!(samples_to_reach(&[1.0, 2.0], &[0.1, f64::NAN], 0.1).is_err());
        assert!(samples_to_reach(&[1.0, 2.0], &[0.1, 0.2], f64::NAN).is_err());
        assert!(efficiency_ratios(&SIZES, &RANDOM, &[]).is_err());
    }

    proptest! {
        #[test]
        fn monotone_in_tau(
            curve in proptest::collection::vec(0.0f64..1.0, 1..8),
            t1 in -0.1f64..1.1, t2 in -0.1f64..1.1,
        ) {
            let sizes: Vec<f64> = (0..curve.len()).map(|i| 100.0 * (i as f64 + 1.0).powi(2)).collect();
            let (lo, hi) = if t1 <= t2 { (t1, t2) } else { (t2, t1) };
            let a = samples_to_reach(&sizes, &curve, lo).unwrap();
            let b = samples_to_reach(&sizes, &curve, hi).unwrap();
            prop_assert!(a <= b, "N({lo}) = {a} > N({hi}) = {b}");
            prop_assert!(a >= sizes[0]);
        }
    }
}
