//! `student fit --seed A,B,C`: the learning curve across seeds. Each seed is its own world
//! and base, so the spread between seeds is the student's and the world's, which one
//! seed's test-set sampling does not show.

use crate::stats::{interval, summary};

/// One seed's learning curve: the base's test accuracy, then one per `--train` size.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Curve {
    pub base: f64,
    pub sizes: Vec<f64>,
}

/// The table across seeds: mean test accuracy and its standard error over seeds for the
/// base and each size, then the gain from the smallest size to the largest, paired by
/// seed, with its t-interval ([`interval::t_interval`]).
pub(super) fn across_seeds(train: &[usize], seeds: &[u64], curves: &[Curve]) -> String {
    use std::fmt::Write as _;
    let seed_list: Vec<String> = seeds.iter().map(u64::to_string).collect();
    let mut out = format!(
        "across {} seeds ({}; each its own world and base): test accuracy, mean ± SE over seeds (ddof 1)\n",
        seeds.len(),
        seed_list.join(", ")
    );
    let row = |out: &mut String, label: &str, xs: &[f64]| {
        let per: Vec<String> = xs.iter().map(|x| format!("{x:.3}")).collect();
        let _ = writeln!(
            out,
            "{label:>8}  {:>6.3} ± {:.3}   per seed {}",
            summary::mean(xs),
            summary::std_err(xs),
            per.join(" ")
        );
    };
    let bases: Vec<f64> = curves.iter().map(|c| c.base).collect();
    row(&mut out, "base", &bases);
    for (j, n) in train.iter().enumerate() {
        let xs: Vec<f64> = curves.iter().map(|c| c.sizes[j]).collect();
        row(&mut out, &n.to_string(), &xs);
    }
    let (lo, hi) = (
        (0..train.len()).min_by_key(|&j| train[j]),
        (0..train.len()).max_by_key(|&j| train[j]),
    );
    if let (Some(lo), Some(hi)) = (lo, hi) {
        if train[lo] < train[hi] {
            let d: Vec<f64> = curves.iter().map(|c| c.sizes[hi] - c.sizes[lo]).collect();
            let (m, ci) = interval::t_interval(&d);
            let _ = match ci {
                Some((a, b)) => writeln!(
                    out,
                    "{} − {} examples, paired by seed: {m:+.3}, 95 % t-interval [{a:+.3}, {b:+.3}] ({} df)",
                    train[hi],
                    train[lo],
                    d.len() - 1
                ),
                None => writeln!(
                    out,
                    "{} − {} examples, paired by seed: {m:+.3} (no interval)",
                    train[hi], train[lo]
                ),
            };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three logic curves of `results/calibration/fit-logic-md2-eval1000-seed*.txt`.
    /// References from numpy/scipy: means 0.56767 (base), 0.56833, 0.59133, 0.64933,
    /// 0.707 with standard errors (ddof 1) 0.044, 0.046, 0.032, 0.011, 0.007; the 3000 − 100 differences [0.164, 0.044, 0.208] have mean 0.138667, SE
    /// 0.049008 and `scipy.stats.t.interval(0.95, 2, loc=mean, scale=se)` =
    /// (−0.072197, +0.349531).
    #[test]
    fn across_seeds_matches_scipy_on_the_logic_curves() {
        let curves = [
            Curve {
                base: 0.554,
                sizes: vec![0.532, 0.529, 0.636, 0.696],
            },
            Curve {
                base: 0.649,
                sizes: vec![0.660, 0.638, 0.671, 0.704],
            },
            Curve {
                base: 0.500,
                sizes: vec![0.513, 0.607, 0.641, 0.721],
            },
        ];
        let t = across_seeds(&[100, 300, 1000, 3000], &[1, 2, 3], &curves);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 7, "{t}");
        assert!(lines[0].starts_with("across 3 seeds (1, 2, 3;"), "{t}");
        for (i, start) in [
            (1, "base   0.568 ± 0.044"),
            (2, "100   0.568 ± 0.046"),
            (3, "300   0.591 ± 0.032"),
            (5, "3000   0.707 ± 0.007"),
        ] {
            assert!(lines[i].trim_start().starts_with(start), "{t}");
        }
        assert!(lines[5].ends_with("per seed 0.696 0.704 0.721"), "{t}");
        assert_eq!(
            lines[6],
            "3000 − 100 examples, paired by seed: +0.139, 95 % t-interval [-0.072, +0.350] (2 df)"
        );
    }

    /// One seed has no spread: the gain is printed without an interval; sizes given out
    /// of order still compare the smallest with the largest.
    #[test]
    fn across_seeds_without_spread_and_out_of_order() {
        let c = Curve {
            base: 0.2,
            sizes: vec![0.5, 0.3],
        };
        let t = across_seeds(&[3000, 100], &[7], &[c]);
        assert!(
            t.ends_with("3000 − 100 examples, paired by seed: +0.200 (no interval)\n"),
            "{t}"
        );
    }
}
