//! p-values from Student's t distribution, shared by Spearman's test and the t-tests.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Alternative hypothesis, with scipy's semantics: `Less` means the statistic (ρ, or
/// the mean difference) is below zero under the alternative, `Greater` above zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Alternative {
    /// p = 2 · min(F(t), 1 − F(t)).
    #[default]
    TwoSided,
    /// p = F(t) = P(T ≤ t).
    Less,
    /// p = 1 − F(t) = P(T ≥ t).
    Greater,
}

/// p-value of a t statistic with `dof` degrees of freedom, F the CDF of Student's t.
///
/// Each tail is taken from the side statrs computes directly (no `1 − x` cancellation),
/// so tiny p-values keep their relative precision; `t = ±∞` gives 0 or 1 exactly.
/// Returns `NaN` when `t` is NaN or `dof` is not positive.
pub fn t_p_value(t: f64, dof: f64, alternative: Alternative) -> f64 {
    if t.is_nan() || dof.is_nan() || dof <= 0.0 {
        return f64::NAN;
    }
    let dist = match StudentsT::new(0.0, 1.0, dof) {
        Ok(d) => d,
        Err(_) => return f64::NAN,
    };
    let (lower, upper) = if t.is_infinite() {
        if t > 0.0 {
            (1.0, 0.0)
        } else {
            (0.0, 1.0)
        }
    } else {
        (dist.cdf(t), dist.sf(t))
    };
    match alternative {
        Alternative::TwoSided => (2.0 * lower.min(upper)).min(1.0),
        Alternative::Less => lower,
        Alternative::Greater => upper,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_scipy_t_distribution() {
        // scipy.stats.t.sf(2.5, 7) (scipy 1.17)
        let sf = t_p_value(2.5, 7.0, Alternative::Greater);
        assert!((sf - SF_2_5_7).abs() < 1e-13 * SF_2_5_7, "{sf}");
        let two = t_p_value(-2.5, 7.0, Alternative::TwoSided);
        assert!((two - 2.0 * SF_2_5_7).abs() < 1e-13, "{two}");
        let less = t_p_value(-2.5, 7.0, Alternative::Less);
        assert!((less - SF_2_5_7).abs() < 1e-13);
        assert_eq!(t_p_value(f64::INFINITY, 3.0, Alternative::TwoSided), 0.0);
        assert_eq!(t_p_value(f64::NEG_INFINITY, 3.0, Alternative::Greater), 1.0);
        assert!(t_p_value(f64::NAN, 3.0, Alternative::Less).is_nan());
        assert!(t_p_value(1.0, 0.0, Alternative::Less).is_nan());
    }

    const SF_2_5_7: f64 = 0.020_496_109_292_876_444;
}
