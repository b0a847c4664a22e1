//! The statistics module against scipy reference values (issue 5's "must show" list,
//! 12 significant digits) and its invariants as property tests. Issue 13 adds the
//! paired analysis, exact permutation tests, power, Fisher-z and IQM, against scipy
//! 1.17.1 / statsmodels 0.15.0 (the Python call is in the comment next to each literal;
//! exact permutation p-values are compared exactly, as counts over the group).

use activesynth::stats::efficiency::samples_to_reach;
use activesynth::stats::hypothesis::{holm, paired_t_test, welch_t_test};
use activesynth::stats::paired::{paired_analysis, t_interval};
use activesynth::stats::permutation::{sign_flip_min_p, sign_flip_test, spearman_exact};
use activesynth::stats::power::{min_detectable_effect, paired_power, replicates_needed, t_isf};
use activesynth::stats::spearman::spearman;
use activesynth::stats::spearman_cells::fisher_z_combine;
use activesynth::stats::summary::iqm;
use activesynth::stats::summary::std_err;
use activesynth::stats::{Alternative, StatsError};
use proptest::prelude::*;

/// |got − want| ≤ 1e-12·|want|: agreement to 12 significant digits.
fn assert_12_digits(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-12 * want.abs(),
        "{what}: got {got:.17e}, want {want:.17e}"
    );
}

#[test]
fn spearman_reference_values() {
    // scipy.stats.spearmanr([1,2,3,4,5], [5,6,7,8,7])
    let s = spearman(
        &[1.0, 2.0, 3.0, 4.0, 5.0],
        &[5.0, 6.0, 7.0, 8.0, 7.0],
        Alternative::TwoSided,
    )
    .unwrap();
    assert_12_digits(s.rho, 0.8207826816681233, "rho");
    assert_12_digits(s.p_value, 0.08858700531354384, "p");
    assert_eq!(s.n, 5);
    // ... alternative='greater' / 'less'
    let g = spearman(
        &[1.0, 2.0, 3.0, 4.0, 5.0],
        &[5.0, 6.0, 7.0, 8.0, 7.0],
        Alternative::Greater,
    )
    .unwrap();
    assert_12_digits(g.p_value, 0.04429350265677192, "p greater");
    let l = spearman(
        &[1.0, 2.0, 3.0, 4.0, 5.0],
        &[5.0, 6.0, 7.0, 8.0, 7.0],
        Alternative::Less,
    )
    .unwrap();
    assert_12_digits(l.p_value, 0.9557064973432281, "p less");

    // scipy.stats.spearmanr([1,2,2,3,4,4,5], [2,1,3,3,5,4,4]) (ties in both inputs)
    let x = [1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0];
    let y = [2.0, 1.0, 3.0, 3.0, 5.0, 4.0, 4.0];
    let s = spearman(&x, &y, Alternative::TwoSided).unwrap();
    assert_12_digits(s.rho, 0.8333333333333335, "rho ties");
    assert_12_digits(s.p_value, 0.0198680515233794, "p ties");
    let g = spearman(&x, &y, Alternative::Greater).unwrap();
    assert_12_digits(g.p_value, 0.0099340257616897, "p ties greater");
    let l = spearman(&x, &y, Alternative::Less).unwrap();
    assert_12_digits(l.p_value, 0.9900659742383103, "p ties less");

    // scipy gives nan (ConstantInputWarning): undefined here.
    assert_eq!(
        spearman(
            &[1.0, 1.0, 1.0, 1.0],
            &[1.0, 2.0, 3.0, 4.0],
            Alternative::TwoSided
        ),
        Err(StatsError::Constant)
    );
}

#[test]
fn standard_error_reference() {
    // scipy.stats.sem([0.712, 0.698, 0.705])
    assert_12_digits(std_err(&[0.712, 0.698, 0.705]), 0.0040414518843273845, "se");
}

#[test]
fn welch_reference() {
    // scipy.stats.ttest_ind(a, b, equal_var=False)
    let r = welch_t_test(
        &[0.712, 0.698, 0.705],
        &[0.690, 0.681, 0.702],
        Alternative::TwoSided,
    )
    .unwrap();
    assert_12_digits(r.t, 1.9170289512680878, "t");
    assert_12_digits(r.dof, 3.4777883439750132, "dof");
    assert_12_digits(r.p_value, 0.1383280058502371, "p");
}

#[test]
fn holm_reference() {
    let adj = holm(&[0.01, 0.04, 0.03, 0.005]);
    for (g, w) in adj.iter().zip([0.03, 0.06, 0.06, 0.02]) {
        assert_12_digits(*g, w, "holm");
    }
}

#[test]
fn efficiency_reference() {
    let sizes = [1000.0, 2000.0, 4000.0, 8000.0];
    let random = [0.50, 0.58, 0.64, 0.70];
    assert_12_digits(
        samples_to_reach(&sizes, &random, 0.62).unwrap(),
        10000.0 / 3.0,
        "N(0.62)",
    );
    assert_eq!(
        samples_to_reach(&sizes, &random, 0.71).unwrap(),
        f64::INFINITY
    );
}

#[test]
fn holm_counts_nan_in_the_family() {
    // An undefined p still counts in m = 4; statsmodels
    // multipletests([0.01, 1.0, 0.03, 0.02], method='holm') = [0.04, 1, 0.06, 0.06]
    // (NaN ranked last, as p = 1), whereas dropping it would give [0.03, 0.04, 0.04].
    let adj = holm(&[0.01, f64::NAN, 0.03, 0.02]);
    assert_12_digits(adj[0], 0.04, "holm nan 0");
    assert!(adj[1].is_nan());
    assert_12_digits(adj[2], 0.06, "holm nan 2");
    assert_12_digits(adj[3], 0.06, "holm nan 3");
}

#[test]
fn sign_flip_exact_p_matches_scipy() {
    // scipy.stats.permutation_test((d,), np.mean, permutation_type='samples',
    // n_resamples=np.inf, alternative=...).pvalue, as count / 2^n.
    let cases: [(&[f64], [u64; 3]); 3] = [
        (&[0.01, 0.03, 0.02], [2, 1, 8]),
        (
            &[0.1, -0.02, 0.05, 0.07, 0.03, 0.04, -0.01, 0.06],
            [10, 5, 253],
        ),
        (
            &[
                1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, -12.0,
            ],
            [140, 70, 4041],
        ),
    ];
    for (d, [two, greater, less]) in cases {
        let total = 1u64 << d.len();
        for (alt, want) in [
            (Alternative::TwoSided, two),
            (Alternative::Greater, greater),
            (Alternative::Less, less),
        ] {
            let e = sign_flip_test(d, alt).unwrap();
            assert_eq!(e.total, total);
            assert_eq!(e.p_value, want as f64 / total as f64, "{d:?} {alt:?}");
        }
    }
    // With 3 replicates the two-sided floor is 0.25 (scipy: 0.25 for [.01, .03, .02]).
    assert_eq!(sign_flip_min_p(3, Alternative::TwoSided), 0.25);
}

#[test]
fn exact_spearman_matches_brute_force_reference() {
    // numpy enumeration of all n! pairings of rankdata(y) with scipy's spearmanr ρ,
    // two-sided = min(1, 2·min(P(ρ* ≤ ρ), P(ρ* ≥ ρ))) (permutation_test semantics).
    let x9: Vec<f64> = (1..=9).map(f64::from).collect();
    let mut y9 = x9.clone();
    let s = spearman_exact(&x9, &y9, Alternative::TwoSided).unwrap();
    assert_eq!(s.rho, 1.0);
    assert_eq!(s.exact.p_value, 2.0 / 362_880.0); // 5.5114638447971785e-06
    y9.swap(0, 1);
    let s = spearman_exact(&x9, &y9, Alternative::TwoSided).unwrap();
    assert_12_digits(s.rho, 0.9833333333333333, "rho 9");
    assert_eq!(s.exact.p_value, 18.0 / 362_880.0); // 4.96031746031746e-05
    assert_eq!(
        spearman_exact(&x9, &y9, Alternative::Greater)
            .unwrap()
            .exact
            .count,
        9
    );
    assert_eq!(
        spearman_exact(&x9, &y9, Alternative::Less)
            .unwrap()
            .exact
            .count,
        362_879
    );
    let x6 = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let y6 = [2.0, 1.0, 4.0, 3.0, 6.0, 5.0];
    let s = spearman_exact(&x6, &y6, Alternative::TwoSided).unwrap();
    assert_12_digits(s.rho, 0.8285714285714287, "rho 6");
    assert_eq!((s.exact.count, s.exact.total), (42, 720));
    // Ties in both inputs: 394 of 5040 pairings have ρ* ≥ ρ, 4670 have ρ* ≤ ρ.
    let x7 = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let y7 = [3.0, 1.0, 2.0, 2.0, 6.0, 5.0, 4.0];
    let s = spearman_exact(&x7, &y7, Alternative::TwoSided).unwrap();
    assert_12_digits(s.rho, 0.6090909090909091, "rho 7 ties");
    assert_eq!((s.exact.count, s.exact.total), (788, 5040));
    assert_eq!(
        spearman_exact(&x7, &y7, Alternative::Less)
            .unwrap()
            .exact
            .count,
        4670
    );
}

#[test]
fn t_interval_and_quantiles_match_scipy() {
    // scipy.stats.ttest_rel(x, y).confidence_interval(0.95)
    let x = [0.61, 0.64, 0.59, 0.66, 0.63];
    let y = [0.58, 0.62, 0.60, 0.61, 0.59];
    let d: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a - b).collect();
    let (lo, hi) = t_interval(&d, 0.95).unwrap();
    assert_12_digits(lo, -0.002585251909870228, "ci low");
    assert_12_digits(hi, 0.05458525190987028, "ci high");
    let a = paired_analysis(&x, &y).unwrap();
    assert_eq!(a.ci95, Ok((lo, hi)));
    assert_eq!(a.sign_flip.unwrap().total, 32);
    assert_eq!(a.prob_improvement, 0.8);
    // scipy.stats.t.isf(0.025, df)
    for (df, want) in [
        (1.0, 12.706204736174705),
        (2.0, 4.302652729749464),
        (4.0, 2.7764451051977943),
        (9.0, 2.2621571627982053),
        (29.0, 2.045229642132704),
    ] {
        assert_12_digits(t_isf(0.025, df).unwrap(), want, "t isf");
    }
}

#[test]
fn constant_paired_differences_are_undefined_for_t() {
    // The pair: the same differences 3/300, once with rounding noise that
    // used to give t = 5.4e14, once exactly constant.
    let f = |v: [f64; 3]| v.map(|a| a / 300.0);
    let a = paired_t_test(
        &f([80.0, 81.0, 87.0]),
        &f([77.0, 78.0, 84.0]),
        Alternative::TwoSided,
    );
    let b = paired_t_test(
        &f([93.0, 100.0, 120.0]),
        &f([90.0, 97.0, 117.0]),
        Alternative::TwoSided,
    );
    assert_eq!(a, Err(StatsError::Constant));
    assert_eq!(b, Err(StatsError::Constant));
}

#[test]
fn power_matches_statsmodels() {
    // statsmodels.stats.power.TTestPower().power(effect_size=d, nobs=n, alpha=0.05)
    for (d, n, want) in [
        (1.0, 3.0, 0.1792553937765517),
        (2.5, 3.0, 0.6191523278334763),
        (0.5, 20.0, 0.5645044184390203),
        (1.2, 8.0, 0.8279200603832425),
        (3.0, 5.0, 0.9976795774377042),
    ] {
        assert_12_digits(paired_power(d, n, 0.05).unwrap(), want, "power");
    }
    // The effect with power 0.8: scipy brentq(xtol=1e-15) on TTestPower().power
    // (statsmodels' own solve_power stops at ~1e-9: 3.264043552819638 for n = 3).
    for (n, want) in [
        (3.0, 3.264043549699573),
        (5.0, 1.6819969659555554),
        (10.0, 0.996001371455444),
    ] {
        assert_12_digits(min_detectable_effect(n, 0.05, 0.8).unwrap(), want, "mde");
    }
    // ceil(TTestPower().solve_power(effect_size=d, alpha=0.05, power=0.8)):
    // 33.367 → 34, 9.938 → 10, 4.221 → 5.
    for (d, want) in [(0.5, 34), (1.0, 10), (2.0, 5)] {
        assert_eq!(replicates_needed(d, 0.05, 0.8, 10_000).unwrap(), Some(want));
    }
}

#[test]
fn fisher_z_and_iqm_match_numpy_scipy() {
    // numpy: w = n − 3, z̄ = Σ w·arctanh(ρ)/Σ w, se = sqrt(1.06/Σ w),
    // tanh(z̄ ∓ norm.ppf(0.975)·se), p = 2·norm.sf(|z̄|/se).
    let f = fisher_z_combine(&[(0.1, 50), (0.25, 80), (-0.05, 40), (0.4, 120)]).unwrap();
    assert_12_digits(f.rho, 0.2536828499888388, "fisher rho");
    assert_12_digits(f.z, 0.25934506729387924, "fisher z");
    assert_12_digits(f.se, 0.06174908614941414, "fisher se");
    assert_12_digits(f.low, 0.13744366652862713, "fisher low");
    assert_12_digits(f.high, 0.36302966201737064, "fisher high");
    assert_12_digits(f.p_value, 2.6693587700737546e-05, "fisher p");
    // scipy.stats.trim_mean(v, 0.25) (rliable's IQM)
    let v = [0.3, 1.7, -0.4, 2.2, 0.9, 1.1, 0.0, 3.5, -1.2, 0.8, 0.45];
    assert_12_digits(iqm(&v), 0.75, "iqm 11");
    assert_12_digits(iqm(&v[..10]), 0.7999999999999999, "iqm 10");
}

/// Pairs of small integers (ties likely) as f64.
fn pairs() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (3usize..25).prop_flat_map(|n| {
        (
            proptest::collection::vec(-40i32..40, n),
            proptest::collection::vec(-40i32..40, n),
        )
            .prop_map(|(a, b)| {
                (
                    a.into_iter().map(f64::from).collect(),
                    b.into_iter().map(f64::from).collect(),
                )
            })
    })
}

proptest! {
    #[test]
    fn spearman_invariant_under_increasing_transforms((x, y) in pairs()) {
        let Ok(base) = spearman(&x, &y, Alternative::TwoSided) else {
            // Undefined only for constant input (the generator gives n ≥ 3, no NaN).
            let constant = |v: &[f64]| v.iter().all(|&a| a == v[0]);
            prop_assert!(constant(&x) || constant(&y));
            return Ok(());
        };
        // Strictly increasing maps of either input keep every rank.
        let fx: Vec<f64> = x.iter().map(|v| (v / 10.0).exp()).collect();
        let fy: Vec<f64> = y.iter().map(|v| v * v * v + 3.0 * v + 1.0).collect();
        let t = spearman(&fx, &fy, Alternative::TwoSided).unwrap();
        prop_assert_eq!(t.rho, base.rho);
        prop_assert_eq!(t.p_value, base.p_value);
        // A strictly decreasing map of one input flips the sign.
        let gx: Vec<f64> = x.iter().map(|v| -2.0 * v + 5.0).collect();
        let d = spearman(&gx, &y, Alternative::TwoSided).unwrap();
        prop_assert!((d.rho + base.rho).abs() < 1e-12, "{} vs {}", d.rho, base.rho);
        prop_assert!((d.p_value - base.p_value).abs() < 1e-9);
        // ... and swaps the one-sided alternatives.
        let g = spearman(&x, &y, Alternative::Greater).unwrap();
        let l = spearman(&gx, &y, Alternative::Less).unwrap();
        prop_assert!((g.p_value - l.p_value).abs() < 1e-9);
    }

    #[test]
    fn spearman_never_panics(
        x in proptest::collection::vec(prop_oneof![Just(f64::NAN), -5.0f64..5.0, Just(1.0)], 0..8),
        y in proptest::collection::vec(prop_oneof![Just(f64::NAN), -5.0f64..5.0, Just(1.0)], 0..8),
    ) {
        if let Ok(s) = spearman(&x, &y, Alternative::TwoSided) {
            prop_assert!((-1.0..=1.0).contains(&s.rho));
            prop_assert!((0.0..=1.0).contains(&s.p_value));
        }
    }

    #[test]
    fn sign_flip_p_never_below_its_floor(d in proptest::collection::vec(-5i32..5, 1..10)) {
        let d: Vec<f64> = d.into_iter().map(|v| f64::from(v) / 7.0).collect();
        let two = sign_flip_test(&d, Alternative::TwoSided).unwrap();
        prop_assert!(two.p_value >= 2.0 / (1u64 << d.len()) as f64 - 1e-15);
        prop_assert!(two.p_value >= two.min_p && two.p_value <= 1.0);
        // Two-sided is twice the smaller one-sided p (capped at 1).
        let g = sign_flip_test(&d, Alternative::Greater).unwrap().p_value;
        let l = sign_flip_test(&d, Alternative::Less).unwrap().p_value;
        prop_assert_eq!(two.p_value, (2.0 * g.min(l)).min(1.0));
        // Negating every difference swaps the one-sided p-values.
        let neg: Vec<f64> = d.iter().map(|v| -v).collect();
        prop_assert_eq!(sign_flip_test(&neg, Alternative::Less).unwrap().p_value, g);
    }

    #[test]
    fn holm_counts_every_entry_in_m(
        p in proptest::collection::vec(prop_oneof![Just(f64::NAN), 0.0f64..=1.0], 1..10),
    ) {
        let adj = holm(&p);
        let m = p.len() as f64;
        // The smallest defined p is multiplied by the full family size, NaN included.
        if let Some((i, &pmin)) = p
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .min_by(|a, b| a.1.total_cmp(b.1))
        {
            prop_assert!((adj[i] - (m * pmin).min(1.0)).abs() <= 1e-15);
        }
        for (a, r) in adj.iter().zip(&p) {
            prop_assert_eq!(a.is_nan(), r.is_nan());
            if !r.is_nan() {
                prop_assert!(*a >= *r && *a <= 1.0);
            }
        }
    }

    #[test]
    fn exact_spearman_matches_enumeration_sum(
        x in proptest::collection::vec(0i32..4, 3..6),
        y in proptest::collection::vec(0i32..4, 3..6),
    ) {
        let n = x.len().min(y.len());
        let (x, y): (Vec<f64>, Vec<f64>) = (
            x[..n].iter().map(|&v| f64::from(v)).collect(),
            y[..n].iter().map(|&v| f64::from(v)).collect(),
        );
        if let Ok(e) = spearman_exact(&x, &y, Alternative::TwoSided) {
            let g = spearman_exact(&x, &y, Alternative::Greater).unwrap().exact;
            let l = spearman_exact(&x, &y, Alternative::Less).unwrap().exact;
            // Every pairing is counted at least once: P(≤) + P(≥) ≥ 1.
            prop_assert!(g.count + l.count >= e.exact.total);
            prop_assert!(e.exact.p_value >= e.exact.min_p);
            prop_assert!((0.0..=1.0).contains(&e.exact.p_value));
        }
    }
}

proptest! {
    // Each case solves for the effect by bisection over the noncentral t: keep it few.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn power_increases_with_effect_and_replicates(d in 0.1f64..2.0, n in 3u32..15) {
        let p = paired_power(d, f64::from(n), 0.05).unwrap();
        prop_assert!(p > 0.05 && p < 1.0);
        prop_assert!(paired_power(d * 1.1, f64::from(n), 0.05).unwrap() > p);
        prop_assert!(paired_power(d, f64::from(n + 1), 0.05).unwrap() > p);
        // The minimum detectable effect has power 0.8 by construction.
        let m = min_detectable_effect(f64::from(n), 0.05, 0.8).unwrap();
        prop_assert!((paired_power(m, f64::from(n), 0.05).unwrap() - 0.8).abs() < 1e-12);
    }
}
