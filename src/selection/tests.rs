//! Contract tests for every strategy: exactly m distinct indices in range, direction
//! respected, argmax = true top-m with ties by index, seeded sampling.

use super::badge::kmeanspp;
use super::rank::top_m;
use super::StrategySpec;
use super::*;
use crate::rng::StreamKey;
use proptest::prelude::*;

fn spec(name: &str) -> StrategySpec {
    StrategySpec {
        name: name.into(),
        label: None,
        target: None,
        direction: None,
        mode: None,
        temperature: None,
        dims: None,
    }
}

fn all_specs() -> Vec<StrategySpec> {
    let mut v: Vec<StrategySpec> = [
        "random",
        "judge-hard",
        "lion",
        "badge",
        "incorrect",
        "evokd",
    ]
    .iter()
    .map(|n| spec(n))
    .collect();
    for target in [LossTarget::Own, LossTarget::Gt] {
        for dir in [Direction::High, Direction::Low] {
            for mode in [SelectMode::Argmax, SelectMode::Softmax] {
                let mut s = spec("loss");
                s.target = Some(target);
                s.direction = Some(dir);
                s.mode = Some(mode);
                v.push(s);
            }
        }
    }
    for dir in [Direction::High, Direction::Low] {
        let mut s = spec("reward");
        s.direction = Some(dir);
        v.push(s);
    }
    v
}

fn scores(vals: &[f64], flags: &[bool]) -> SeedScores {
    let n = vals.len();
    let emb: Vec<f32> = vals
        .iter()
        .enumerate()
        .flat_map(|(i, v)| [*v as f32, (i % 3) as f32, if flags[i] { 1.0 } else { 0.0 }])
        .collect();
    SeedScores {
        n,
        loss_own: Some(vals.to_vec()),
        loss_gt: Some(vals.iter().map(|v| -v).collect()),
        correct: Some(flags.to_vec()),
        reward: Some(vals.to_vec()),
        judge_gap: Some(vals.to_vec()),
        judge_hard: Some(flags.iter().map(|f| !f).collect()),
        grad_embed: Some((emb, 3)),
    }
}

fn rng(i: u32) -> crate::rng::Rng {
    StreamKey::run(1, "t", 0, "s", i, "select").rng()
}

proptest! {
    #[test]
    fn every_strategy_selects_exactly_m_distinct(
        vals in proptest::collection::vec(-5.0f64..5.0, 1..60),
        flag_bits in proptest::collection::vec(any::<bool>(), 60),
        m_frac in 0.0f64..=1.0,
        stream in 0u32..1000,
    ) {
        let n = vals.len();
        let m = ((n as f64) * m_frac).round() as usize;
        let s = scores(&vals, &flag_bits[..n]);
        for sp in all_specs() {
            let sel = from_spec(&sp, &sp.name).unwrap();
            let picked = sel.select(&s, m, &mut rng(stream)).unwrap();
            prop_assert_eq!(picked.len(), m, "{}", sp.name);
            let mut u = picked.clone();
            u.sort();
            u.dedup();
            prop_assert_eq!(u.len(), m, "duplicates from {}", sp.name);
            prop_assert!(picked.iter().all(|&i| i < n));
            // Same stream, same picks.
            let again = sel.select(&s, m, &mut rng(stream)).unwrap();
            prop_assert_eq!(&picked, &again);
        }
    }

    #[test]
    fn argmax_is_true_top_m_with_ties_by_index(
        vals in proptest::collection::vec(0u8..5, 1..40),
        m_frac in 0.0f64..=1.0,
    ) {
        // Brute force reference: sort (−value, index) pairs.
        let keys: Vec<f64> = vals.iter().map(|v| *v as f64).collect();
        let m = ((keys.len() as f64) * m_frac).round() as usize;
        let mut pairs: Vec<(i64, usize)> = vals.iter().enumerate().map(|(i, v)| (-(*v as i64), i)).collect();
        pairs.sort();
        let expected: Vec<usize> = pairs.iter().take(m).map(|p| p.1).collect();
        prop_assert_eq!(top_m(&keys, m), expected);
    }

    #[test]
    fn pools_are_preferred(
        flag_bits in proptest::collection::vec(any::<bool>(), 2..50),
        m_frac in 0.0f64..=1.0,
        stream in 0u32..100,
    ) {
        let n = flag_bits.len();
        let m = ((n as f64) * m_frac).round() as usize;
        let vals = vec![0.0; n];
        let s = scores(&vals, &flag_bits);
        let wrong = flag_bits.iter().filter(|f| !**f).count();
        let sel = from_spec(&spec("incorrect"), "incorrect").unwrap();
        let picked = sel.select(&s, m, &mut rng(stream)).unwrap();
        let picked_wrong = picked.iter().filter(|&&i| !flag_bits[i]).count();
        prop_assert_eq!(picked_wrong, m.min(wrong));
        // evokd: balanced between pools as far as the pools allow.
        let sel = from_spec(&spec("evokd"), "evokd").unwrap();
        let picked = sel.select(&s, m, &mut rng(stream)).unwrap();
        let pw = picked.iter().filter(|&&i| !flag_bits[i]).count();
        let pr = m - pw;
        let right = n - wrong;
        let expected_w = m.div_ceil(2).min(wrong).max(m.saturating_sub(right));
        prop_assert_eq!(pw, expected_w);
        prop_assert_eq!(pr, m - expected_w);
    }
}

#[test]
fn direction_is_respected() {
    let vals: Vec<f64> = (0..10).map(|i| i as f64).collect();
    let s = scores(&vals, &[true; 10]);
    let mut hi = spec("loss");
    hi.direction = Some(Direction::High);
    let mut lo = spec("loss");
    lo.direction = Some(Direction::Low);
    let h = from_spec(&hi, "h")
        .unwrap()
        .select(&s, 3, &mut rng(0))
        .unwrap();
    let l = from_spec(&lo, "l")
        .unwrap()
        .select(&s, 3, &mut rng(0))
        .unwrap();
    assert_eq!(h, vec![9, 8, 7]);
    assert_eq!(l, vec![0, 1, 2]);
    // Reward defaults to low; loss gt is the negated vector here, so high gt = low own.
    let r = from_spec(&spec("reward"), "r")
        .unwrap()
        .select(&s, 2, &mut rng(0))
        .unwrap();
    assert_eq!(r, vec![0, 1]);
    let mut gt = spec("loss");
    gt.target = Some(LossTarget::Gt);
    let g = from_spec(&gt, "g")
        .unwrap()
        .select(&s, 2, &mut rng(0))
        .unwrap();
    assert_eq!(g, vec![0, 1]);
}

#[test]
fn softmax_sampling_favours_the_direction_and_depends_on_the_stream() {
    let vals: Vec<f64> = (0..100).map(|i| i as f64 / 10.0).collect();
    let s = scores(&vals, &[true; 100]);
    let mut sp = spec("loss");
    sp.mode = Some(SelectMode::Softmax);
    let sel = from_spec(&sp, "x").unwrap();
    let a = sel.select(&s, 10, &mut rng(1)).unwrap();
    let b = sel.select(&s, 10, &mut rng(2)).unwrap();
    assert_ne!(a, b, "different streams should give different samples");
    // Over many streams the mean picked score is well above the population mean (4.95).
    let mut total = 0.0;
    for k in 0..50 {
        total += sel
            .select(&s, 10, &mut rng(k))
            .unwrap()
            .iter()
            .map(|&i| vals[i])
            .sum::<f64>();
    }
    assert!(total / 500.0 > 7.0, "mean picked {}", total / 500.0);
}

#[test]
fn too_many_and_missing_scores_are_errors() {
    let s = SeedScores {
        n: 3,
        ..Default::default()
    };
    let sel = from_spec(&spec("random"), "random").unwrap();
    assert_eq!(
        sel.select(&s, 4, &mut rng(0)),
        Err(SelectError::TooMany { m: 4, n: 3 })
    );
    let sel = from_spec(&spec("badge"), "badge").unwrap();
    assert!(matches!(
        sel.select(&s, 2, &mut rng(0)),
        Err(SelectError::Missing {
            need: Need::GradEmbed,
            ..
        })
    ));
}

#[test]
fn badge_starts_at_largest_norm_and_spreads_out() {
    // Two tight clusters far apart plus one huge-norm point; the first centre must be the
    // huge one, and the next two must come from the two different clusters.
    let mut pts: Vec<f32> = Vec::new();
    for i in 0..10 {
        pts.extend([0.0 + i as f32 * 1e-3, 0.0]);
    }
    for i in 0..10 {
        pts.extend([10.0 + i as f32 * 1e-3, 0.0]);
    }
    pts.extend([0.0, 100.0]);
    for k in 0..20 {
        let c = kmeanspp(&pts, 2, 3, &mut rng(k));
        assert_eq!(c[0], 20);
        let clusters: Vec<usize> = c[1..].iter().map(|&i| i / 10).collect();
        assert!(clusters.contains(&0) && clusters.contains(&1), "{c:?}");
    }
}

#[test]
fn badge_handles_duplicates() {
    let pts = vec![1.0f32; 2 * 5];
    let c = kmeanspp(&pts, 2, 5, &mut rng(0));
    let mut u = c.clone();
    u.sort();
    assert_eq!(u, vec![0, 1, 2, 3, 4]);
}
