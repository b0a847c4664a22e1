//! Spearman's ρ computed where its assumptions hold — within one (replicate, iteration)
//! cell, one student and one seed set — and summarised across cells, as the paper does
//! per generation step (its 5.4.3, Figure 10, C.3).
//!
//! Pooling every cell into one ρ mixes the within-cell association with differences
//! between students and replicates, and its p treats thousands of clustered pairs as
//! independent. The summary here is the median ρ over cells, the share of cells with
//! p < 0.001, and a Fisher-z combined estimate: z̄ = Σ wᶜ·atanh(ρᶜ) / Σ wᶜ with
//! wᶜ = nᶜ − 3 and, for Spearman's ρ, var(z̄) = 1.06 / Σ wᶜ (Fieller, Hartley &
//! Pearson 1957). The combined interval treats cells as independent, which they are
//! not quite (iterations of a replicate share D0); it is a summary, not a test.
//!
//! Small samples (n ≤ 10, e.g. the 9 median-level points of 3 replicates × 3
//! iterations) get the exact permutation p instead of the t approximation, which prints
//! p = 0 for ρ = 1 where the exact p is 2/9! = 5.5·10⁻⁶.

use super::permutation::{spearman_exact, SPEARMAN_EXACT_MAX_N};
use super::spearman::{spearman, Spearman};
use super::summary::median;
use super::{Alternative, StatsError, StatsResult};

/// Standard normal 0.975 quantile (scipy's `norm.ppf(0.975)`).
pub const Z_975: f64 = 1.959_963_984_540_054;
/// Variance inflation of atanh(Spearman ρ) relative to Pearson's 1/(n − 3).
pub const SPEARMAN_Z_VARIANCE: f64 = 1.06;

/// Spearman's ρ with the exact permutation p when n ≤ [`SPEARMAN_EXACT_MAX_N`] (the
/// flag says which), else the t-approximation p of [`spearman`].
pub fn spearman_small(
    x: &[f64],
    y: &[f64],
    alternative: Alternative,
) -> StatsResult<(Spearman, bool)> {
    let s = spearman(x, y, alternative)?;
    if s.n <= SPEARMAN_EXACT_MAX_N {
        let e = spearman_exact(x, y, alternative)?;
        return Ok((
            Spearman {
                p_value: e.exact.p_value,
                ..s
            },
            true,
        ));
    }
    Ok((s, false))
}

/// A Fisher-z combination of per-cell correlations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FisherZ {
    /// tanh(z̄): the combined correlation.
    pub rho: f64,
    /// 95 % interval tanh(z̄ ∓ 1.96·se).
    pub low: f64,
    pub high: f64,
    pub z: f64,
    pub se: f64,
    /// Two-sided normal p of z̄/se.
    pub p_value: f64,
    /// Cells that entered (n ≥ 4, |ρ| < 1).
    pub cells: usize,
}

/// Fisher-z combination of `(ρ, n)` cells (module docs). Cells with n < 4 carry no
/// weight and are skipped; |ρ| = 1 has an infinite z and is an error.
pub fn fisher_z_combine(cells: &[(f64, usize)]) -> StatsResult<FisherZ> {
    let (mut sw, mut swz, mut used) = (0.0, 0.0, 0usize);
    for &(rho, n) in cells {
        if rho.is_nan() {
            return Err(StatsError::NaN);
        }
        if n < 4 {
            continue;
        }
        if rho.abs() >= 1.0 {
            return Err(StatsError::Invalid(
                "a cell has |ρ| = 1, whose Fisher z is infinite".into(),
            ));
        }
        let w = (n - 3) as f64;
        sw += w;
        swz += w * rho.atanh();
        used += 1;
    }
    if used == 0 {
        return Err(StatsError::TooFew { need: 1, got: 0 });
    }
    let z = swz / sw;
    let se = (SPEARMAN_Z_VARIANCE / sw).sqrt();
    let p_value = libm::erfc((z / se).abs() / std::f64::consts::SQRT_2);
    Ok(FisherZ {
        rho: z.tanh(),
        low: (z - Z_975 * se).tanh(),
        high: (z + Z_975 * se).tanh(),
        z,
        se,
        p_value,
        cells: used,
    })
}

/// The across-cell summary of per-cell Spearman correlations.
#[derive(Clone, Debug, PartialEq)]
pub struct CellSummary {
    /// Per-cell results, in input order (`Err` where ρ is undefined in a cell).
    pub per_cell: Vec<StatsResult<Spearman>>,
    /// Cells with a defined ρ.
    pub defined: usize,
    /// Median ρ over defined cells (`NaN` when none).
    pub median_rho: f64,
    /// Share of defined cells with p < `threshold`.
    pub share_significant: f64,
    pub threshold: f64,
    pub fisher: StatsResult<FisherZ>,
    /// Smallest and largest cell size.
    pub n_range: (usize, usize),
}

/// Spearman per cell (`cells[c]` = the paired scores of cell c; exact p when a cell has
/// n ≤ 10) and the summary across cells.
pub fn summarize_cells(cells: &[(Vec<f64>, Vec<f64>)], threshold: f64) -> CellSummary {
    let per_cell: Vec<StatsResult<Spearman>> = cells
        .iter()
        .map(|(x, y)| spearman_small(x, y, Alternative::TwoSided).map(|(s, _)| s))
        .collect();
    let ok: Vec<&Spearman> = per_cell.iter().filter_map(|r| r.as_ref().ok()).collect();
    let rhos: Vec<f64> = ok.iter().map(|s| s.rho).collect();
    let sizes = cells.iter().map(|(x, _)| x.len());
    CellSummary {
        defined: ok.len(),
        median_rho: median(&rhos).unwrap_or(f64::NAN),
        share_significant: if ok.is_empty() {
            f64::NAN
        } else {
            ok.iter().filter(|s| s.p_value < threshold).count() as f64 / ok.len() as f64
        },
        threshold,
        fisher: fisher_z_combine(&ok.iter().map(|s| (s.rho, s.n)).collect::<Vec<_>>()),
        n_range: (sizes.clone().min().unwrap_or(0), sizes.max().unwrap_or(0)),
        per_cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_samples_get_the_exact_p() {
        let x: Vec<f64> = (1..=9).map(f64::from).collect();
        let (s, exact) = spearman_small(&x, &x, Alternative::TwoSided).unwrap();
        assert!(exact);
        assert_eq!(s.rho, 1.0);
        // 2 of 9! pairings are as extreme as ρ = 1 (two-sided).
        assert_eq!(s.p_value, 2.0 / 362_880.0);
        let big: Vec<f64> = (1..=11).map(f64::from).collect();
        let (b, exact) = spearman_small(&big, &big, Alternative::TwoSided).unwrap();
        assert!(!exact);
        assert_eq!(b.p_value, 0.0);
    }

    #[test]
    fn fisher_skips_tiny_cells_and_rejects_perfect() {
        assert!(fisher_z_combine(&[(0.5, 3)]).is_err());
        assert!(fisher_z_combine(&[(1.0, 30)]).is_err());
        let one = fisher_z_combine(&[(0.3, 13), (0.9, 2)]).unwrap();
        assert_eq!(one.cells, 1);
        assert!((one.rho - 0.3).abs() < 1e-15);
    }
}
