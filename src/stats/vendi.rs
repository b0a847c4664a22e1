//! Vendi score: the effective number of distinct items in a set (Friedman & Dieng,
//! 2023), used to measure the diversity of synthetic questions.
//!
//! VS(K) = exp(−Σᵢ λᵢ log λᵢ) with λᵢ the eigenvalues of K/n, K an n×n positive
//! semi-definite similarity matrix with Kᵢᵢ = 1 (so Σλᵢ = 1). It is 1 when all items
//! are identical and n when they are mutually dissimilar (K = I). No linear-algebra crate
//! is in the tree, so the eigenvalues come from a small cyclic Jacobi routine.

use std::collections::BTreeMap;

use super::{StatsError, StatsResult};

/// Eigenvalues of a symmetric matrix by the cyclic Jacobi method, ascending.
///
/// Each rotation zeroes one off-diagonal pair (p, q) with the angle from
/// θ = (a_qq − a_pp) / (2 a_pq), t = sign(θ)/(|θ| + sqrt(θ² + 1)); sweeps repeat until
/// the off-diagonal Frobenius norm is below 1e-15 of the total (or 100 sweeps). Errors
/// when the matrix is not square, not symmetric (tolerance 1e-12 relative) or has NaN.
pub fn symmetric_eigenvalues(a: &[Vec<f64>]) -> StatsResult<Vec<f64>> {
    let n = a.len();
    let scale = a.iter().flatten().fold(
        0.0f64,
        |m, v| if v.is_nan() { f64::NAN } else { m.max(v.abs()) },
    );
    if scale.is_nan() {
        return Err(StatsError::NaN);
    }
    for (i, row) in a.iter().enumerate() {
        if row.len() != n {
            return Err(StatsError::LengthMismatch {
                left: n,
                right: row.len(),
            });
        }
        for j in 0..i {
            if (row[j] - a[j][i]).abs() > 1e-12 * scale.max(1.0) {
                return Err(StatsError::Invalid("matrix is not symmetric".into()));
            }
        }
    }
    let mut m: Vec<Vec<f64>> = a.to_vec();
    let total: f64 = m.iter().flatten().map(|v| v * v).sum();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i][j] * m[i][j])
            .sum();
        if off <= 1e-30 * total || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if m[p][q] == 0.0 {
                    continue;
                }
                let theta = (m[q][q] - m[p][p]) / (2.0 * m[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // A ← Jᵀ A J, J the rotation in the (p, q) plane.
                for row in m.iter_mut() {
                    let (kp, kq) = (row[p], row[q]);
                    row[p] = c * kp - s * kq;
                    row[q] = s * kp + c * kq;
                }
                let (upper, lower) = m.split_at_mut(q);
                for (pk, qk) in upper[p].iter_mut().zip(lower[0].iter_mut()) {
                    let (a, b) = (*pk, *qk);
                    *pk = c * a - s * b;
                    *qk = s * a + c * b;
                }
            }
        }
    }
    let mut ev: Vec<f64> = (0..n).map(|i| m[i][i]).collect();
    ev.sort_by(f64::total_cmp);
    Ok(ev)
}

/// Vendi score exp(−Σ λ log λ) over the eigenvalues λ of K/n, skipping λ ≤ 0 (0·log 0
/// = 0; tiny negative values are round-off of a PSD matrix), as the reference
/// implementation does. Errors on an empty, non-square, asymmetric or NaN matrix.
pub fn vendi_score(k: &[Vec<f64>]) -> StatsResult<f64> {
    if k.is_empty() {
        return Err(StatsError::TooFew { need: 1, got: 0 });
    }
    let n = k.len() as f64;
    let scaled: Vec<Vec<f64>> = k
        .iter()
        .map(|row| row.iter().map(|v| v / n).collect())
        .collect();
    let entropy: f64 = symmetric_eigenvalues(&scaled)?
        .into_iter()
        .filter(|&l| l > 0.0)
        .map(|l| -l * l.ln())
        .sum();
    Ok(entropy.exp())
}

/// Bag-of-words cosine similarity matrix of texts: words are whitespace-separated and
/// lower-cased, Kᵢⱼ = ⟨cᵢ, cⱼ⟩ / (‖cᵢ‖ ‖cⱼ‖) over word counts. Kᵢᵢ = 1, also for an
/// empty text, whose similarity to any other text is 0. PSD as a Gram matrix of
/// normalised vectors.
pub fn bow_cosine_matrix<S: AsRef<str>>(texts: &[S]) -> Vec<Vec<f64>> {
    let mut vocab: BTreeMap<String, usize> = BTreeMap::new();
    let bags: Vec<BTreeMap<usize, f64>> = texts
        .iter()
        .map(|t| {
            let mut bag = BTreeMap::new();
            for w in t.as_ref().split_whitespace() {
                let next = vocab.len();
                let id = *vocab.entry(w.to_lowercase()).or_insert(next);
                *bag.entry(id).or_insert(0.0) += 1.0;
            }
            bag
        })
        .collect();
    let norms: Vec<f64> = bags
        .iter()
        .map(|b| b.values().map(|c| c * c).sum::<f64>().sqrt())
        .collect();
    let n = texts.len();
    let mut k = vec![vec![0.0; n]; n];
    for i in 0..n {
        k[i][i] = 1.0;
        for j in 0..i {
            let dot: f64 = bags[i]
                .iter()
                .filter_map(|(w, c)| bags[j].get(w).map(|d| c * d))
                .sum();
            let sim = if norms[i] > 0.0 && norms[j] > 0.0 {
                (dot / (norms[i] * norms[j])).min(1.0)
            } else {
                0.0
            };
            k[i][j] = sim;
            k[j][i] = sim;
        }
    }
    k
}

/// Vendi score of texts under bag-of-words cosine similarity ([`bow_cosine_matrix`]).
pub fn vendi_of_texts<S: AsRef<str>>(texts: &[S]) -> StatsResult<f64> {
    vendi_score(&bow_cosine_matrix(texts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn jacobi_preserves_trace_and_frobenius_norm(
            n in 1usize..8,
            vals in proptest::collection::vec(-3.0f64..3.0, 64),
        ) {
            // Symmetric A from the lower triangle of the draws; the eigenvalues must sum
            // to tr(A) and their squares to ‖A‖²_F (both invariant under rotation).
            let a: Vec<Vec<f64>> = (0..n)
                .map(|i| (0..n).map(|j| vals[i.max(j) * 8 + i.min(j)]).collect())
                .collect();
            let ev = symmetric_eigenvalues(&a).unwrap();
            let trace: f64 = (0..n).map(|i| a[i][i]).sum();
            let frob: f64 = a.iter().flatten().map(|v| v * v).sum();
            prop_assert!((ev.iter().sum::<f64>() - trace).abs() < 1e-9);
            prop_assert!((ev.iter().map(|l| l * l).sum::<f64>() - frob).abs() < 1e-9 * frob.max(1.0));
            prop_assert!(ev.windows(2).all(|w| w[0] <= w[1]));
        }
    }

    #[test]
    fn limits_identity_and_all_ones() {
        let n = 5;
        let eye: Vec<Vec<f64>> = (0..n)
            .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
            .collect();
        assert!((vendi_score(&eye).unwrap() - 5.0).abs() < 1e-12);
        let ones = vec![vec![1.0; n]; n];
        assert!((vendi_score(&ones).unwrap() - 1.0).abs() < 1e-12);
        assert!(vendi_score(&[]).is_err());
    }

    #[test]
    fn two_by_two_closed_form() {
        // K = [[1, s], [s, 1]]: eigenvalues of K/2 are (1 ± s)/2.
        let s: f64 = 0.6;
        let (a, b) = ((1.0 + s) / 2.0, (1.0 - s) / 2.0);
        let want = (-(a * a.ln()) - b * b.ln()).exp();
        let got = vendi_score(&[vec![1.0, s], vec![s, 1.0]]).unwrap();
        assert!((got - want).abs() < 1e-14);
    }

    #[test]
    fn jacobi_matches_numpy_eigvalsh() {
        // numpy.linalg.eigvalsh(A)
        let a = vec![
            vec![4.0, 1.0, -2.0, 2.0],
            vec![1.0, 2.0, 0.0, 1.0],
            vec![-2.0, 0.0, 3.0, -2.0],
            vec![2.0, 1.0, -2.0, -1.0],
        ];
        let ev = symmetric_eigenvalues(&a).unwrap();
        for (g, w) in ev.iter().zip(EIGVALSH) {
            assert!((g - w).abs() < 1e-12, "{ev:?}");
        }
        assert!(symmetric_eigenvalues(&[vec![1.0, 2.0], vec![0.0, 1.0]]).is_err());
        assert!(symmetric_eigenvalues(&[vec![1.0, 2.0]]).is_err());
    }

    #[test]
    fn vendi_matches_reference_implementation() {
        // numpy: w = eigvalsh(K / 3); exp(-sum(w[w>0] * log(w[w>0])))
        let k = vec![
            vec![1.0, 0.8, 0.1],
            vec![0.8, 1.0, 0.3],
            vec![0.1, 0.3, 1.0],
        ];
        assert!((vendi_score(&k).unwrap() - VENDI_3).abs() < 1e-12);
    }

    #[test]
    fn bow_cosine_known_values() {
        // "a b" vs "a c": dot 1, norms √2·√2 → 0.5; "A a" vs "a b": (2·1)/(2·√2).
        let k = bow_cosine_matrix(&["a b", "a c", "A a", ""]);
        assert_eq!(k[0][0], 1.0);
        assert!((k[0][1] - 0.5).abs() < 1e-15);
        assert!((k[2][0] - 1.0 / 2f64.sqrt()).abs() < 1e-15);
        assert_eq!(k[3][3], 1.0);
        assert_eq!(k[3][0], 0.0);
        // Two copies and one disjoint text: K/3 has eigenvalues 2/3, 1/3, 0, so
        // VS = (2/3)^(-2/3) · (1/3)^(-1/3).
        let vs = vendi_of_texts(&["x y", "x y", "z"]).unwrap();
        let want = (2.0f64 / 3.0).powf(-2.0 / 3.0) * (1.0f64 / 3.0).powf(-1.0 / 3.0);
        assert!((vs - want).abs() < 1e-12, "{vs}");
    }

    const EIGVALSH: [f64; 4] = [
        -2.197516977439427,
        1.0843644637732177,
        2.2685314064312423,
        6.844621107234966,
    ];
    const VENDI_3: f64 = 2.269439697480568;
}
