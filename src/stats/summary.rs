//! Mean, sample standard deviation and standard error over replicates (ddof = 1), and
//! the median used for the paper's "median level" correlations.

use super::{StatsError, StatsResult};

/// Mean ± standard error of a set of replicates, as reported in every results table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Number of observations.
    pub n: usize,
    /// Sample mean x̄ = Σx / n.
    pub mean: f64,
    /// Sample standard deviation s = sqrt(Σ(x − x̄)² / (n − 1)); `NaN` when n < 2.
    pub sd: f64,
    /// Standard error of the mean se = s / √n; `NaN` when n < 2.
    pub se: f64,
}

/// Arithmetic mean x̄ = Σx / n; `NaN` for an empty slice.
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample variance Σ(x − x̄)² / (n − 1) (two-pass, ddof = 1); `NaN` when n < 2.
pub fn variance(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return f64::NAN;
    }
    let m = mean(xs);
    xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64
}

/// Sample standard deviation s = sqrt(variance) with ddof = 1; `NaN` when n < 2.
pub fn std_dev(xs: &[f64]) -> f64 {
    variance(xs).sqrt()
}

/// Standard error of the mean se = s / √n (ddof = 1); `NaN` when n < 2.
pub fn std_err(xs: &[f64]) -> f64 {
    std_dev(xs) / (xs.len() as f64).sqrt()
}

/// All of [`Summary`] in one call.
pub fn summarize(xs: &[f64]) -> Summary {
    let sd = std_dev(xs);
    Summary {
        n: xs.len(),
        mean: mean(xs),
        sd,
        se: sd / (xs.len() as f64).sqrt(),
    }
}

/// Median: the middle order statistic, or the mean of the two middle ones for even n
/// (numpy's `median`). Errors on an empty slice or any NaN.
pub fn median(xs: &[f64]) -> StatsResult<f64> {
    if xs.is_empty() {
        return Err(StatsError::TooFew { need: 1, got: 0 });
    }
    if xs.iter().any(|x| x.is_nan()) {
        return Err(StatsError::NaN);
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Ok(if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    })
}

/// Interquartile mean (rliable's IQM, scipy's `trim_mean(x, 0.25)`): sort, drop
/// ⌊n/4⌋ values from each end, average the rest. Robust to the outlying runs a plain
/// mean over few replicates is sensitive to. `NaN` for an empty slice or any NaN.
pub fn iqm(xs: &[f64]) -> f64 {
    if xs.is_empty() || xs.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let cut = v.len() / 4;
    mean(&v[cut..v.len() - cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn standard_error_matches_scipy() {
        // scipy.stats.sem([0.712, 0.698, 0.705]) (ddof = 1)
        let xs = [0.712, 0.698, 0.705];
        assert!(close(std_err(&xs), 0.0040414518843273845, 1e-12));
        // numpy.std([0.712, 0.698, 0.705], ddof=1) = 0.007
        assert!(close(std_dev(&xs), 0.007, 1e-12));
        let s = summarize(&xs);
        assert_eq!(s.n, 3);
        assert!(close(s.mean, 0.705, 1e-15));
        assert!(close(s.se, 0.0040414518843273845, 1e-12));
    }

    #[test]
    fn degenerate_inputs_are_nan_not_panics() {
        assert!(mean(&[]).is_nan());
        assert!(std_err(&[1.0]).is_nan());
        assert_eq!(std_dev(&[2.0, 2.0, 2.0]), 0.0);
    }

    #[test]
    fn median_odd_even_and_errors() {
        assert_eq!(median(&[3.0, 1.0, 2.0]).unwrap(), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]).unwrap(), 2.5);
        assert_eq!(median(&[]), Err(StatsError::TooFew { need: 1, got: 0 }));
        assert_eq!(median(&[1.0, f64::NAN]), Err(StatsError::NaN));
    }
}
