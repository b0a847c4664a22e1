//! The t-interval of a mean, for paired differences shown to a person (`run`'s summary,
//! the report's paired-difference plot): the mean and its two-sided 95% interval
//! `x̄ ± t(0.975, n − 1) · s/√n`, with no interval from a single value.

use super::summary::{mean, std_err};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Confidence level of the intervals.
pub const LEVEL: f64 = 0.95;

/// Mean and two-sided [`LEVEL`] t-interval of `xs`; the interval is `None` with fewer
/// than two values (no spread to estimate) or a non-finite spread.
pub fn t_interval(xs: &[f64]) -> (f64, Option<(f64, f64)>) {
    let m = mean(xs);
    if xs.len() < 2 {
        return (m, None);
    }
    let dof = (xs.len() - 1) as f64;
    let q = StudentsT::new(0.0, 1.0, dof)
        .map(|d| d.inverse_cdf(0.5 + LEVEL / 2.0))
        .unwrap_or(f64::NAN);
    let h = q * std_err(xs);
    if h.is_finite() {
        (m, Some((m - h, m + h)))
    } else {
        (m, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_interval_matches_scipy() {
        // scipy.stats.t.interval(0.95, 3, loc=x.mean(), scale=scipy.stats.sem(x)) for
        // x = [0.1, 0.2, 0.4, 0.3] (scipy 1.x): (0.04457397432394794, 0.45542602567605206).
        let (m, ci) = t_interval(&[0.1, 0.2, 0.4, 0.3]);
        let (lo, hi) = ci.unwrap();
        assert!((m - 0.25).abs() < 1e-15);
        assert!((lo - 0.04457397432394794).abs() < 1e-9, "{lo}");
        assert!((hi - 0.45542602567605206).abs() < 1e-9, "{hi}");
        assert_eq!(t_interval(&[0.3]).1, None);
        assert!(t_interval(&[]).0.is_nan());
    }
}
