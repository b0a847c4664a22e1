//! Tests of `hypothesis.rs` against scipy/numpy reference values and brute force.

use super::*;
use crate::rng::{Rng, StreamKey};
use proptest::prelude::*;

fn rel_close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs()
}

#[test]
fn welch_matches_scipy() {
    // scipy.stats.ttest_ind(a, b, equal_var=False)
    let a = [0.712, 0.698, 0.705];
    let b = [0.690, 0.681, 0.702];
    let r = welch_t_test(&a, &b, Alternative::TwoSided).unwrap();
    assert!(rel_close(r.t, 1.9170289512680878, 1e-12), "{}", r.t);
    assert!(rel_close(r.dof, 3.4777883439750132, 1e-12), "{}", r.dof);
    assert!(
        rel_close(r.p_value, 0.1383280058502371, 1e-12),
        "{}",
        r.p_value
    );
    // ... alternative='greater'
    let g = welch_t_test(&a, &b, Alternative::Greater).unwrap();
    assert!(rel_close(g.p_value, 0.06916400292511855, 1e-12));
}

#[test]
fn paired_matches_scipy() {
    // scipy.stats.ttest_rel(x, y) and alternative='less'
    let x = [0.61, 0.64, 0.59, 0.66, 0.63];
    let y = [0.58, 0.62, 0.60, 0.61, 0.59];
    let r = paired_t_test(&x, &y, Alternative::TwoSided).unwrap();
    assert!(rel_close(r.t, 2.5253432421288866, 1e-12), "{}", r.t);
    assert_eq!(r.dof, 4.0);
    assert!(
        rel_close(r.p_value, 0.06498591034212063, 1e-12),
        "{}",
        r.p_value
    );
    let l = paired_t_test(&x, &y, Alternative::Less).unwrap();
    assert!(rel_close(l.p_value, 0.9675070448289397, 1e-12));
}

#[test]
fn t_tests_degenerate() {
    let a = Alternative::TwoSided;
    assert_eq!(
        paired_t_test(&[1.0, 2.0], &[0.0, 1.0], a),
        Err(StatsError::Constant)
    );
    assert!(paired_t_test(&[1.0], &[0.0], a).is_err());
    assert!(paired_t_test(&[1.0, 2.0], &[0.0], a).is_err());
    assert!(welch_t_test(&[1.0, 1.0], &[2.0, 2.0], a).is_err());
    assert!(welch_t_test(&[1.0, f64::NAN], &[2.0, 3.0], a).is_err());
}

#[test]
fn holm_reference() {
    // statsmodels.stats.multitest.multipletests(p, method='holm')
    let adj = holm(&[0.01, 0.04, 0.03, 0.005]);
    let want = [0.03, 0.06, 0.06, 0.02];
    for (g, w) in adj.iter().zip(want) {
        assert!((g - w).abs() < 1e-15, "{adj:?}");
    }
    let capped = holm(&[0.5, 0.6, f64::NAN]);
    assert_eq!(capped[0], 1.0);
    assert_eq!(capped[1], 1.0);
    assert!(capped[2].is_nan());
    assert!(holm(&[]).is_empty());
}

#[test]
fn quantile_matches_numpy() {
    // numpy.quantile(v, q) (linear method)
    let mut v = [0.3, 1.7, -0.4, 2.2, 0.9, 1.1, 0.0, 3.5, -1.2, 0.8];
    v.sort_by(f64::total_cmp);
    for (q, want) in [
        (0.025, -1.02),
        (0.975, 3.2075000000000005),
        (0.5, 0.8500000000000001),
        (0.1, -0.48),
    ] {
        assert!((quantile_sorted(&v, q) - want).abs() < 1e-14, "q={q}");
    }
}

#[test]
fn prob_improvement_known() {
    // x=[1,2,3], y=[2,2]: pairs won: 3>2 twice (2), ties 2=2 twice (1): 3/6 = 0.5.
    assert_eq!(
        prob_improvement(&[1.0, 2.0, 3.0], &[2.0, 2.0]).unwrap(),
        0.5
    );
    assert_eq!(prob_improvement(&[5.0], &[1.0, 2.0]).unwrap(), 1.0);
    assert!(prob_improvement(&[], &[1.0]).is_err());
    assert!(prob_improvement(&[f64::NAN], &[1.0]).is_err());
}

fn rng(label: &str) -> Rng {
    StreamKey::shared(1, "stats", 0, label).rng()
}

#[test]
fn stratified_bootstrap_preserves_strata() {
    // Values constant within each stratum: every stratified resample has the same mean
    // (2·1 + 3·5)/5 = 3.4, so the interval collapses to it exactly.
    let x = [1.0, 5.0, 1.0, 5.0, 5.0];
    let strata = [0, 1, 0, 1, 1];
    let ci = bootstrap_mean_ci(&x, &strata, 200, 0.95, &mut rng("a")).unwrap();
    assert!((ci.estimate - 3.4).abs() < 1e-15);
    assert!(
        (ci.low - 3.4).abs() < 1e-12 && (ci.high - 3.4).abs() < 1e-12,
        "{ci:?}"
    );
    // Without strata the same data does vary.
    let ci1 = bootstrap_mean_ci(&x, &[0; 5], 200, 0.95, &mut rng("a")).unwrap();
    assert!(ci1.low < 3.0 && ci1.high > 4.0, "{ci1:?}");
    // Each resample holds exactly two items of stratum 0.
    let mut counts = Vec::new();
    stratified_bootstrap(&strata, 50, 0.9, &mut rng("b"), |idx| {
        counts.push(idx.iter().filter(|&&i| strata[i] == 0).count());
        0.0
    })
    .unwrap();
    assert_eq!(counts.len(), 51); // the estimate plus 50 resamples
    assert!(counts.iter().all(|&c| c == 2));
}

#[test]
fn bootstrap_is_seeded_and_brackets_estimate() {
    let a: Vec<f64> = (0..30).map(|i| (i as f64 * 0.37).sin()).collect();
    let b: Vec<f64> = (0..20).map(|i| (i as f64 * 0.91).cos() - 0.5).collect();
    let sa: Vec<usize> = (0..30).map(|i| i % 3).collect();
    let sb: Vec<usize> = (0..20).map(|i| i % 2).collect();
    let c1 = bootstrap_mean_diff_ci(&a, &sa, &b, &sb, 500, 0.9, &mut rng("c")).unwrap();
    let c2 = bootstrap_mean_diff_ci(&a, &sa, &b, &sb, 500, 0.9, &mut rng("c")).unwrap();
    assert_eq!(c1, c2);
    let direct = a.iter().sum::<f64>() / 30.0 - b.iter().sum::<f64>() / 20.0;
    assert!((c1.estimate - direct).abs() < 1e-14);
    assert!(c1.low < direct && direct < c1.high, "{c1:?}");
    assert!(stratified_bootstrap(&[], 10, 0.9, &mut rng("d"), |_| 0.0).is_err());
    assert!(stratified_bootstrap(&[0], 10, 1.0, &mut rng("d"), |_| 0.0).is_err());
    assert!(stratified_bootstrap(&[0], 0, 0.9, &mut rng("d"), |_| 0.0).is_err());
}

proptest! {
    #[test]
    fn holm_bounds_and_monotone(p in proptest::collection::vec(0.0f64..=1.0, 0..12)) {
        let adj = holm(&p);
        for (a, r) in adj.iter().zip(&p) {
            prop_assert!(*a >= *r && *a <= 1.0);
        }
        // Monotone: a smaller raw p never gets a larger adjusted p.
        for i in 0..p.len() {
            for j in 0..p.len() {
                if p[i] < p[j] {
                    prop_assert!(adj[i] <= adj[j]);
                }
            }
        }
    }

    #[test]
    fn prob_improvement_complement_and_brute_force(
        x in proptest::collection::vec(0i32..6, 1..10),
        y in proptest::collection::vec(0i32..6, 1..10),
    ) {
        let xf: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        let yf: Vec<f64> = y.iter().map(|&v| v as f64).collect();
        let pxy = prob_improvement(&xf, &yf).unwrap();
        let pyx = prob_improvement(&yf, &xf).unwrap();
        prop_assert!((pxy + pyx - 1.0).abs() < 1e-12);
        let mut brute = 0.0;
        for a in &x { for b in &y {
            brute += if a > b { 1.0 } else if a == b { 0.5 } else { 0.0 };
        } }
        prop_assert!((pxy - brute / (x.len() * y.len()) as f64).abs() < 1e-12);
    }
}
