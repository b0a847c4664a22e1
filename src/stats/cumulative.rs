//! Cumulative accuracy of synthetic data ordered by the parent seed's score versus a
//! random order (the paper's Figures 7 and 11, section C.4).
//!
//! Each synthetic example has a parent seed with a score (loss, reward) and a
//! correctness bit (did the student answer the synthetic example correctly). Walking
//! through the examples in some order, the cumulative accuracy after k examples is
//! A(k) = (number correct among the first k) / N, N the total. Under a random order
//! A(k) follows the diagonal from 0 to the overall accuracy (as the paper describes);
//! ordering by score puts "hard" parents first, and the curve sagging below the
//! diagonal means their synthetic children are hard too. A(N) is the same for every
//! order (the overall accuracy).

use super::{StatsError, StatsResult};

/// Indices sorted by score: descending (`descending = true`, e.g. high loss first) or
/// ascending (e.g. low reward first). Stable: ties keep index order; NaN scores go last
/// in either direction.
pub fn order_by_score(scores: &[f64], descending: bool) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| {
        let (x, y) = (scores[a], scores[b]);
        let by_value = match (x.is_nan(), y.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            (false, false) if descending => y.total_cmp(&x),
            (false, false) => x.total_cmp(&y),
        };
        by_value.then(a.cmp(&b))
    });
    idx
}

/// A(k) for k = 1..=N in the given order: `out[k-1]` = Σ_{i<k} correct[order[i]] / N.
/// Errors when `order` is not a permutation of `0..correct.len()` or is empty.
pub fn cumulative_accuracy(correct: &[bool], order: &[usize]) -> StatsResult<Vec<f64>> {
    check_permutation(order, correct.len())?;
    let n = correct.len() as f64;
    let mut hits = 0usize;
    Ok(order
        .iter()
        .map(|&i| {
            hits += usize::from(correct[i]);
            hits as f64 / n
        })
        .collect())
}

fn check_permutation(order: &[usize], n: usize) -> StatsResult<()> {
    if order.len() != n {
        return Err(StatsError::LengthMismatch {
            left: n,
            right: order.len(),
        });
    }
    if n == 0 {
        return Err(StatsError::TooFew { need: 1, got: 0 });
    }
    let mut seen = vec![false; n];
    for &i in order {
        if i >= n || std::mem::replace(&mut seen[i], true) {
            return Err(StatsError::Invalid("order is not a permutation".into()));
        }
    }
    Ok(())
}

/// The paired curves of Figure 11 and their difference (Figure 7).
#[derive(Clone, Debug, PartialEq)]
pub struct CumulativeCurves {
    /// k / N for k = 1..=N: the fraction of the synthetic data seen (x axis).
    pub fraction: Vec<f64>,
    /// A(k) ordering by the parent's score.
    pub by_score: Vec<f64>,
    /// A(k) in the given random order.
    pub random: Vec<f64>,
    /// `random − by_score` (the paper's Figure 7: positive when score ordering
    /// front-loads examples the student gets wrong).
    pub difference: Vec<f64>,
}

/// Cumulative accuracy by parent score (`descending`: high loss first; ascending: low
/// reward first) versus `random_order` (a permutation drawn by the caller from its
/// seeded stream), and their difference random − by_score.
pub fn cumulative_by_score(
    correct: &[bool],
    parent_scores: &[f64],
    descending: bool,
    random_order: &[usize],
) -> StatsResult<CumulativeCurves> {
    if parent_scores.len() != correct.len() {
        return Err(StatsError::LengthMismatch {
            left: correct.len(),
            right: parent_scores.len(),
        });
    }
    let by_score = cumulative_accuracy(correct, &order_by_score(parent_scores, descending))?;
    let random = cumulative_accuracy(correct, random_order)?;
    let n = correct.len() as f64;
    Ok(CumulativeCurves {
        fraction: (1..=correct.len()).map(|k| k as f64 / n).collect(),
        difference: random.iter().zip(&by_score).map(|(r, s)| r - s).collect(),
        by_score,
        random,
    })
}

/// The paper's C.4 comparison for one (replicate, iteration) cell, at each fraction q of
/// the data: `(A_ordered(k), E_random[A(k)])` with k = ⌈q·N⌉ (at least 1). The second
/// value is the exact expectation over uniformly random orders, (k/N)·A(N) — the
/// diagonal the paper compares against — so no seeded permutation (one draw of a
/// random variable) stands in for the baseline. Errors as [`cumulative_accuracy`] or
/// when a fraction lies outside (0, 1].
pub fn ordered_vs_diagonal(
    correct: &[bool],
    scores: &[f64],
    descending: bool,
    fractions: &[f64],
) -> StatsResult<Vec<(f64, f64)>> {
    if scores.len() != correct.len() {
        return Err(StatsError::LengthMismatch {
            left: correct.len(),
            right: scores.len(),
        });
    }
    let curve = cumulative_accuracy(correct, &order_by_score(scores, descending))?;
    let n = correct.len();
    let total = curve[n - 1];
    fractions
        .iter()
        .map(|&q| {
            if !(q > 0.0 && q <= 1.0) {
                return Err(StatsError::Invalid(format!("fraction {q} outside (0, 1]")));
            }
            let k = ((q * n as f64).ceil() as usize).clamp(1, n);
            Ok((curve[k - 1], k as f64 / n as f64 * total))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_is_stable_with_nan_last() {
        let s = [0.5, f64::NAN, 0.9, 0.5, 0.1];
        assert_eq!(order_by_score(&s, true), vec![2, 0, 3, 4, 1]);
        assert_eq!(order_by_score(&s, false), vec![4, 0, 3, 2, 1]);
    }

    #[test]
    fn hand_computed_curves() {
        // Parents' losses and whether the student got each child right. High loss first:
        // order 1 (0.9, wrong), 3 (0.7, wrong), 0 (0.4, right), 2 (0.2, right).
        let correct = [true, false, true, false];
        let loss = [0.4, 0.9, 0.2, 0.7];
        let c = cumulative_by_score(&correct, &loss, true, &[0, 1, 2, 3]).unwrap();
        assert_eq!(c.by_score, vec![0.0, 0.0, 0.25, 0.5]);
        assert_eq!(c.random, vec![0.25, 0.25, 0.5, 0.5]);
        assert_eq!(c.difference, vec![0.25, 0.25, 0.25, 0.0]);
        assert_eq!(c.fraction, vec![0.25, 0.5, 0.75, 1.0]);
    }

    #[test]
    fn diagonal_is_the_expectation_over_all_orders() {
        // 4 examples, 2 correct: averaging A(k) over all 24 orders gives k/4 · 1/2.
        let correct = [true, false, true, false];
        let loss = [0.4, 0.9, 0.2, 0.7];
        let at = ordered_vs_diagonal(&correct, &loss, true, &[0.25, 0.5, 1.0]).unwrap();
        assert_eq!(at, vec![(0.0, 0.125), (0.0, 0.25), (0.5, 0.5)]);
        let mut sum = [0.0; 4];
        let mut perm = [0usize, 1, 2, 3];
        let mut count = 0;
        permute(&mut perm, 0, &mut |p| {
            let a = cumulative_accuracy(&correct, p).unwrap();
            for (s, v) in sum.iter_mut().zip(&a) {
                *s += v;
            }
            count += 1;
        });
        for (k, s) in sum.iter().enumerate() {
            assert!((s / count as f64 - (k + 1) as f64 / 4.0 * 0.5).abs() < 1e-15);
        }
        assert!(ordered_vs_diagonal(&correct, &loss, true, &[0.0]).is_err());
    }

    fn permute(p: &mut [usize; 4], i: usize, f: &mut dyn FnMut(&[usize])) {
        if i == p.len() {
            f(p);
            return;
        }
        for j in i..p.len() {
            p.swap(i, j);
            permute(p, i + 1, f);
            p.swap(i, j);
        }
    }

    #[test]
    fn invalid_orders() {
        assert!(cumulative_accuracy(&[true, false], &[0, 0]).is_err());
        assert!(cumulative_accuracy(&[true, false], &[0, 2]).is_err());
        assert!(cumulative_accuracy(&[true], &[0, 1]).is_err());
        assert!(cumulative_accuracy(&[], &[]).is_err());
        assert!(cumulative_by_score(&[true], &[0.1, 0.2], true, &[0]).is_err());
    }
}
