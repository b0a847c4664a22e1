//! Power of the paired t-test and the planning numbers derived from it: the minimum
//! detectable paired difference for the replicates at hand, and the replicates needed
//! for a given difference (statsmodels' `TTestPower`, two-sided).
//!
//! A report with 3 replicates that finds "no significant difference" means little unless
//! it also says how large a difference those 3 replicates could have detected; these
//! functions give that number from the observed paired SD.
//!
//! Power needs the noncentral t distribution, which statrs lacks. Its CDF is computed
//! with the Poisson-mixture series of incomplete beta functions (Lenth 1989, AS 243;
//! the same series Boost, and so scipy's `nct`, sums):
//! for t ≥ 0, F(t; ν, δ) = Φ(−δ) + ½·Σⱼ [pⱼ·I_x(j + ½, ν/2) + qⱼ·I_x(j + 1, ν/2)] with
//! x = t²/(t² + ν), pⱼ = e^{−δ²/2}(δ²/2)ʲ/j!, qⱼ = δ·e^{−δ²/2}(δ²/2)ʲ/(√2·Γ(j + 3/2));
//! for t < 0, F(t; ν, δ) = 1 − F(−t; ν, −δ).

use statrs::distribution::{Continuous, ContinuousCDF, StudentsT};
use statrs::function::{beta::beta_reg, gamma::ln_gamma};

use super::{StatsError, StatsResult};

/// Conventional planning targets.
pub const ALPHA: f64 = 0.05;
pub const POWER: f64 = 0.8;

/// Upper quantile of Student's t: the t with P(T > t) = q (scipy's `t.isf`). statrs'
/// inverse is refined by Newton steps on the survival function, which statrs computes
/// to near machine precision, so the quantile is accurate to a few ulps.
pub fn t_isf(q: f64, dof: f64) -> StatsResult<f64> {
    if !(q > 0.0 && q < 1.0) || dof.is_nan() || dof <= 0.0 {
        return Err(StatsError::Invalid(format!(
            "t quantile needs q in (0, 1) and dof > 0, got {q}, {dof}"
        )));
    }
    let dist = StudentsT::new(0.0, 1.0, dof).map_err(|e| StatsError::Invalid(e.to_string()))?;
    let mut t = dist.inverse_cdf(1.0 - q);
    for _ in 0..6 {
        let step = (dist.sf(t) - q) / dist.pdf(t);
        if !step.is_finite() {
            break;
        }
        t += step;
        if step.abs() <= 1e-16 * t.abs() {
            break;
        }
    }
    Ok(t)
}

/// Φ(x), the standard normal CDF, via libm's erfc for accuracy in the lower tail.
fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// The j-th term pⱼ·I_x(j + ½, ν/2) + qⱼ·I_x(j + 1, ν/2) of the series, and pⱼ + |qⱼ|
/// (a bound on it, as I_x ≤ 1). Weights in log space: λʲ/j! overflows for large λ.
fn nct_term(j: u64, x: f64, b: f64, nc: f64, lambda: f64) -> (f64, f64) {
    if nc == 0.0 {
        let p = if j == 0 { 1.0 } else { 0.0 };
        return (p * beta_reg(0.5, b, x), p);
    }
    let jf = j as f64;
    let log_pow = -lambda + jf * lambda.ln();
    let p = (log_pow - ln_gamma(jf + 1.0)).exp();
    let q = nc.signum()
        * (log_pow + nc.abs().ln() - 0.5 * std::f64::consts::LN_2 - ln_gamma(jf + 1.5)).exp();
    let term = if p == 0.0 && q == 0.0 {
        0.0
    } else {
        p * beta_reg(jf + 0.5, b, x) + q * beta_reg(jf + 1.0, b, x)
    };
    (term, p + q.abs())
}

/// F(t; ν, δ) for t ≥ 0 (see the module docs). The series is summed outward from the
/// mode j₀ = ⌊δ²/2⌋ of the Poisson weights, in both directions until the weights are
/// negligible (as Boost does), so a large noncentrality costs O(√λ) terms, not O(λ).
fn nct_cdf_nonneg(t: f64, dof: f64, nc: f64) -> f64 {
    let x = t * t / (t * t + dof);
    let lambda = 0.5 * nc * nc;
    let mut sum = 0.0;
    if x > 0.0 {
        let b = 0.5 * dof;
        let j0 = lambda.floor() as u64;
        let mut j = j0;
        loop {
            let (term, bound) = nct_term(j, x, b, nc, lambda);
            sum += term;
            if (j > j0 && bound < 1e-17) || j > j0 + 1_000_000 {
                break;
            }
            j += 1;
        }
        let mut j = j0;
        while j > 0 {
            j -= 1;
            let (term, bound) = nct_term(j, x, b, nc, lambda);
            sum += term;
            if bound < 1e-17 {
                break;
            }
        }
    }
    (norm_cdf(-nc) + 0.5 * sum).clamp(0.0, 1.0)
}

/// CDF of the noncentral t distribution with `dof` degrees of freedom and noncentrality
/// `nc` (scipy's `nct.cdf`). `NaN` for NaN input or dof ≤ 0.
pub fn nct_cdf(t: f64, dof: f64, nc: f64) -> f64 {
    if t.is_nan() || dof.is_nan() || nc.is_nan() || dof <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 1.0 } else { 0.0 };
    }
    if t >= 0.0 {
        nct_cdf_nonneg(t, dof, nc)
    } else {
        1.0 - nct_cdf_nonneg(-t, dof, -nc)
    }
}

/// Power of the two-sided one-sample / paired t-test at level `alpha` with `n` pairs
/// when the true standardized paired difference is `effect` = μ_d/σ_d (statsmodels'
/// `TTestPower().power(effect, n, alpha)`): with ν = n − 1, δ = effect·√n and
/// c = t_isf(α/2, ν), power = 1 − F(c; ν, δ) + F(−c; ν, δ).
pub fn paired_power(effect: f64, n: f64, alpha: f64) -> StatsResult<f64> {
    if n.is_nan() || n < 2.0 || !(alpha > 0.0 && alpha < 1.0) || effect.is_nan() {
        return Err(StatsError::Invalid(format!(
            "power needs n >= 2, alpha in (0, 1) and a number as effect, got {n}, {alpha}, {effect}"
        )));
    }
    let dof = n - 1.0;
    let nc = effect * n.sqrt();
    let c = t_isf(alpha / 2.0, dof)?;
    Ok((1.0 - nct_cdf(c, dof, nc)) + nct_cdf(-c, dof, nc))
}

/// Smallest standardized effect |μ_d|/σ_d the two-sided paired t-test with `n` pairs
/// detects with probability `power` at level `alpha` (statsmodels'
/// `solve_power(nobs=n, ...)`, solved here by bisection to full precision).
pub fn min_detectable_effect(n: f64, alpha: f64, power: f64) -> StatsResult<f64> {
    if !(power > alpha && power < 1.0) {
        return Err(StatsError::Invalid(format!(
            "target power must lie in (alpha, 1), got {power}"
        )));
    }
    let f = |d: f64| paired_power(d, n, alpha).map(|p| p - power);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while f(hi)? < 0.0 {
        lo = hi;
        hi *= 2.0;
        if hi > 1e6 {
            return Err(StatsError::Invalid("power target unreachable".into()));
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid)? < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(hi)
}

/// Smallest whole number of pairs n ≥ 2 at which the two-sided paired t-test reaches
/// `power` for the standardized effect |`effect`| (the ceiling of statsmodels'
/// `solve_power(effect_size=effect, nobs=None, ...)`). `None` when more than `max_n`
/// would be needed or the effect is 0.
pub fn replicates_needed(
    effect: f64,
    alpha: f64,
    power: f64,
    max_n: u32,
) -> StatsResult<Option<u32>> {
    if effect.is_nan() {
        return Err(StatsError::NaN);
    }
    let e = effect.abs();
    if e == 0.0 {
        return Ok(None);
    }
    // Power is increasing in n. Double from 2 first so that no power is evaluated at a
    // replicate count far beyond the answer, then bisect on integers.
    let max_n = max_n.max(2);
    let (mut lo, mut hi) = (1u32, 2u32);
    while paired_power(e, f64::from(hi), alpha)? < power {
        if hi >= max_n {
            return Ok(None);
        }
        lo = hi;
        hi = (hi * 2).min(max_n);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if paired_power(e, f64::from(mid), alpha)? >= power {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noncentral_reduces_to_central() {
        let d = StudentsT::new(0.0, 1.0, 4.0).unwrap();
        for t in [-3.0, -0.5, 0.0, 0.7, 2.5] {
            assert!((nct_cdf(t, 4.0, 0.0) - d.cdf(t)).abs() < 1e-14, "{t}");
        }
        assert_eq!(nct_cdf(f64::INFINITY, 3.0, 1.0), 1.0);
        assert!(nct_cdf(1.0, 0.0, 1.0).is_nan());
    }

    #[test]
    fn power_is_alpha_at_zero_effect_and_increasing() {
        let p0 = paired_power(0.0, 5.0, 0.05).unwrap();
        assert!((p0 - 0.05).abs() < 1e-13, "{p0}");
        let a = paired_power(0.5, 5.0, 0.05).unwrap();
        let b = paired_power(1.0, 5.0, 0.05).unwrap();
        assert!(p0 < a && a < b);
        assert_eq!(replicates_needed(0.0, 0.05, 0.8, 100).unwrap(), None);
        assert_eq!(replicates_needed(0.01, 0.05, 0.8, 100).unwrap(), None);
    }
}
