//! The paper's pairwise win-rate matrix and column scores (section 5.4.2, Figures 4, 9).
//!
//! For strategies i, j and each setting s (a task and training-set size), i *beats* j at
//! s when `μi − α·sei > μj + α·sej`: the lower end of i's α-standard-error interval is
//! above the upper end of j's (α = 1: 68% intervals). `P_ij` = (settings where i beats
//! j) / (settings where both are present). Row i therefore says how often i wins; the
//! **column score** of j is the mean over i ≠ j of `P_ij`, i.e. how often j is beaten
//! on average — **lower is better** (the paper's last row).

use super::{StatsError, StatsResult};

/// Default α of the paper: one standard error on each side.
pub const DEFAULT_ALPHA: f64 = 1.0;

/// Mean and standard error of one strategy's accuracy at one setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeanSe {
    pub mean: f64,
    pub se: f64,
}

/// The win-rate matrix `p[i][j]` and the column scores.
#[derive(Clone, Debug, PartialEq)]
pub struct WinRate {
    /// `p[i][j]` = fraction of comparable settings where strategy i beats strategy j;
    /// zero diagonal. `NaN` when i and j share no comparable setting.
    pub p: Vec<Vec<f64>>,
    /// `column_scores[j]` = mean over i ≠ j of `p[i][j]` (lower is better; `NaN` entries
    /// are skipped; `NaN` with fewer than two strategies).
    pub column_scores: Vec<f64>,
    /// `comparable[i][j]` = number of settings where both i and j have a finite mean
    /// and standard error (the denominator of `p[i][j]`).
    pub comparable: Vec<Vec<usize>>,
}

/// Whether `a` beats `b`: `μa − α·sea > μb + α·seb`. False whenever a value is NaN.
pub fn beats(a: MeanSe, b: MeanSe, alpha: f64) -> bool {
    a.mean - alpha * a.se > b.mean + alpha * b.se
}

fn present(m: MeanSe) -> bool {
    m.mean.is_finite() && m.se.is_finite()
}

/// Win-rate matrix from `results[i][s]` = (mean, se) of strategy i at setting s.
///
/// A setting where either strategy's mean or se is not finite (missing run) is left out
/// of that pair's denominator. Errors when strategies have different numbers of
/// settings, α is negative or NaN, or a standard error is negative (any of these would
/// let i and j beat each other at once).
pub fn win_rate_matrix(results: &[Vec<MeanSe>], alpha: f64) -> StatsResult<WinRate> {
    if alpha.is_nan() || alpha < 0.0 {
        return Err(StatsError::Invalid(format!(
            "alpha must be >= 0, got {alpha}"
        )));
    }
    let k = results.len();
    let settings = results.first().map_or(0, |r| r.len());
    for r in results {
        if r.len() != settings {
            return Err(StatsError::LengthMismatch {
                left: settings,
                right: r.len(),
            });
        }
        if r.iter().any(|m| m.se < 0.0) {
            return Err(StatsError::Invalid("negative standard error".into()));
        }
    }
    let mut p = vec![vec![0.0; k]; k];
    let mut comparable = vec![vec![0usize; k]; k];
    for i in 0..k {
        for j in 0..k {
            if i == j {
                continue;
            }
            let (mut wins, mut n) = (0usize, 0usize);
            for (&a, &b) in results[i].iter().zip(&results[j]) {
                if present(a) && present(b) {
                    n += 1;
                    wins += usize::from(beats(a, b, alpha));
                }
            }
            comparable[i][j] = n;
            p[i][j] = if n == 0 {
                f64::NAN
            } else {
                wins as f64 / n as f64
            };
        }
    }
    Ok(with_column_scores(p, comparable))
}

/// The paired counterpart of [`win_rate_matrix`], for designs where every strategy of a
/// replicate shares its world (D0, test set, base student). `values[i][s]` holds strategy
/// i's per-replicate results at setting s, aligned by replicate (NaN = missing). At s,
/// i beats j when d̄ − α·se(d) > 0 for the per-replicate differences d = xᵢ − xⱼ (at
/// least 2 pairs; se = 0 for differences that are constant up to rounding). The
/// unpaired matrix adds both strategies' between-replicate spread to the comparison, so
/// it misses differences that are consistent in every replicate.
pub fn paired_win_rate_matrix(values: &[Vec<Vec<f64>>], alpha: f64) -> StatsResult<WinRate> {
    if alpha.is_nan() || alpha < 0.0 {
        return Err(StatsError::Invalid(format!(
            "alpha must be >= 0, got {alpha}"
        )));
    }
    let k = values.len();
    let settings = values.first().map_or(0, |r| r.len());
    if let Some(r) = values.iter().find(|r| r.len() != settings) {
        return Err(StatsError::LengthMismatch {
            left: settings,
            right: r.len(),
        });
    }
    let mut p = vec![vec![0.0; k]; k];
    let mut comparable = vec![vec![0usize; k]; k];
    for i in 0..k {
        for j in 0..k {
            if i == j {
                continue;
            }
            let (mut wins, mut n) = (0usize, 0usize);
            for (vi, vj) in values[i].iter().zip(&values[j]) {
                let (a, b): (Vec<f64>, Vec<f64>) = vi
                    .iter()
                    .zip(vj)
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .map(|(x, y)| (*x, *y))
                    .unzip();
                if a.len() < 2 {
                    continue;
                }
                n += 1;
                let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
                let se = if super::paired::constant_differences(&a, &b) {
                    0.0
                } else {
                    super::summary::std_err(&d)
                };
                wins += usize::from(super::summary::mean(&d) - alpha * se > 0.0);
            }
            comparable[i][j] = n;
            p[i][j] = if n == 0 {
                f64::NAN
            } else {
                wins as f64 / n as f64
            };
        }
    }
    Ok(with_column_scores(p, comparable))
}

/// Assembles a [`WinRate`] from its matrix: the column score of j is the mean of column j
/// over the defined entries i ≠ j (NaN when none), shared by the unpaired and paired forms.
fn with_column_scores(p: Vec<Vec<f64>>, comparable: Vec<Vec<usize>>) -> WinRate {
    let k = p.len();
    let column_scores = (0..k)
        .map(|j| {
            let col: Vec<f64> = (0..k)
                .filter(|&i| i != j && !p[i][j].is_nan())
                .map(|i| p[i][j])
                .collect();
            if col.is_empty() {
                f64::NAN
            } else {
                col.iter().sum::<f64>() / col.len() as f64
            }
        })
        .collect();
    WinRate {
        p,
        column_scores,
        comparable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(mean: f64, se: f64) -> MeanSe {
        MeanSe { mean, se }
    }

    #[test]
    fn hand_computed_matrix() {
        // Three strategies, two settings, α = 1.
        // s0: A=0.70±0.01 [0.69,0.71], B=0.60±0.02 [0.58,0.62], C=0.65±0.05 [0.60,0.70]
        //   A beats B (0.69 > 0.62), A beats C (0.69 > 0.70? no), C beats B (0.60 > 0.62? no)
        // s1: A=0.50±0.00, B=0.55±0.01 [0.54,0.56], C=0.40±0.01 [0.39,0.41]
        //   B beats A (0.54 > 0.50), B beats C, A beats C (0.50 > 0.41)
        let r = vec![
            vec![ms(0.70, 0.01), ms(0.50, 0.0)],
            vec![ms(0.60, 0.02), ms(0.55, 0.01)],
            vec![ms(0.65, 0.05), ms(0.40, 0.01)],
        ];
        let w = win_rate_matrix(&r, 1.0).unwrap();
        let want = vec![
            vec![0.0, 0.5, 0.5],
            vec![0.5, 0.0, 0.5],
            vec![0.0, 0.0, 0.0],
        ];
        assert_eq!(w.p, want);
        // Column means over i ≠ j: A (0.5+0)/2, B (0.5+0)/2, C (0.5+0.5)/2.
        assert_eq!(w.column_scores, vec![0.25, 0.25, 0.5]);
        // With α = 0 C beats B at s0 (0.65 > 0.60) and A beats C at s0.
        let w0 = win_rate_matrix(&r, 0.0).unwrap();
        assert_eq!(w0.p[2][1], 0.5);
        assert_eq!(w0.p[0][2], 1.0);
    }

    #[test]
    fn paired_matrix_sees_consistent_differences() {
        // A is 0.01 above B in every replicate while both vary a lot between
        // replicates: the unpaired rule sees overlapping intervals, the paired one a win.
        let a = vec![vec![0.31, 0.51, 0.71]];
        let b = vec![vec![0.30, 0.50, 0.70]];
        let w = paired_win_rate_matrix(&[a.clone(), b.clone()], 1.0).unwrap();
        assert_eq!(w.p[0][1], 1.0);
        assert_eq!(w.p[1][0], 0.0);
        assert_eq!(w.column_scores, vec![0.0, 1.0]);
        let unpaired = win_rate_matrix(
            &[
                vec![ms(0.51, super::super::summary::std_err(&a[0]))],
                vec![ms(0.50, super::super::summary::std_err(&b[0]))],
            ],
            1.0,
        )
        .unwrap();
        assert_eq!(unpaired.p[0][1], 0.0);
        // One pair is not enough for a standard error.
        let one = paired_win_rate_matrix(&[vec![vec![0.3]], vec![vec![0.2]]], 1.0).unwrap();
        assert!(one.p[0][1].is_nan());
    }

    #[test]
    fn missing_settings_and_errors() {
        let r = vec![
            vec![ms(0.9, 0.0), ms(f64::NAN, f64::NAN)],
            vec![ms(0.1, 0.0), ms(0.5, 0.0)],
        ];
        let w = win_rate_matrix(&r, 1.0).unwrap();
        assert_eq!(w.comparable[0][1], 1);
        assert_eq!(w.p[0][1], 1.0);
        assert!(win_rate_matrix(&r, -1.0).is_err());
        assert!(win_rate_matrix(&[vec![ms(0.1, -0.1)]], 1.0).is_err());
        assert!(win_rate_matrix(&[vec![ms(0.1, 0.1)], vec![]], 1.0).is_err());
        let single = win_rate_matrix(&[vec![ms(0.1, 0.1)]], 1.0).unwrap();
        assert!(single.column_scores[0].is_nan());
    }

    proptest! {
        #[test]
        fn zero_diagonal_and_no_mutual_wins(
            k in 1usize..6, s in 1usize..6,
            vals in proptest::collection::vec((0.0f64..1.0, 0.0f64..0.1), 36),
            alpha in 0.0f64..3.0,
        ) {
            let r: Vec<Vec<MeanSe>> = (0..k)
                .map(|i| (0..s).map(|t| { let (m, e) = vals[(i * s + t) % vals.len()]; ms(m, e) }).collect())
                .collect();
            let w = win_rate_matrix(&r, alpha).unwrap();
            for i in 0..k {
                prop_assert_eq!(w.p[i][i], 0.0);
                for j in 0..k {
                    prop_assert!(w.p[i][j] + w.p[j][i] <= 1.0 + 1e-12);
                    prop_assert!((0.0..=1.0).contains(&w.p[i][j]));
                }
            }
        }
    }
}
