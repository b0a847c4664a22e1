//! The statistics module against scipy reference values (issue 5's "must show" list,
//! 12 significant digits) and its invariants as property tests.

use activesynth::stats::efficiency::samples_to_reach;
use activesynth::stats::hypothesis::{holm, welch_t_test};
use activesynth::stats::spearman::spearman;
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
}
