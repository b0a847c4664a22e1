use super::*;
use crate::rng::{Rng, StreamKey};
use crate::tasks::expr;
use proptest::prelude::*;
use rand::SeedableRng;

fn rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

fn ints(s: &str) -> Vec<i64> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect()
}

fn q(a: i64, b: i64) -> Rational {
    Rational::new(a as i128, b as i128).unwrap()
}

/// Independent reference: solve the question from its text alone, by brute force
/// where possible (search for x, enumerate subsets, scan for divisors).
fn solve(ex: &Example) -> Rational {
    let t = ex.question.as_str();
    let k = ints(t);
    let has = |w: &str| t.contains(w);
    match ex.category.as_deref().unwrap() {
        "Algebra" => {
            let first = t.find(|c: char| c.is_ascii_digit()).unwrap();
            let last = t.rfind(|c: char| c.is_ascii_digit()).unwrap();
            let eq = &t[first..=last];
            let var = eq.chars().find(|c| c.is_ascii_alphabetic()).unwrap();
            let sols: Vec<i64> = (0..=200)
                .filter(|x| expr::check_equation(&eq.replace(var, &x.to_string())) == Some(true))
                .collect();
            assert_eq!(sols.len(), 1, "{t}");
            Rational::int(sols[0])
        }
        "Number Theory" => {
            let (a, b) = (k[0], k[1]);
            if has("remainder") || has("left over") || has("left after") {
                Rational::int(a % b)
            } else if has("least") || has("together") || has("meet again") {
                Rational::int((1..).find(|m| m % a == 0 && m % b == 0).unwrap())
            } else {
                Rational::int((1..=b).rev().find(|d| a % d == 0 && b % d == 0).unwrap())
            }
        }
        "Counting" => {
            let n = |i: usize| k[i];
            let pairs = |m: i64| (0..m).flat_map(|i| (i + 1..m).map(move |_| ())).count() as i64;
            if has("one of") && has("2 of") || has("coaches") {
                let (m, b) = (n(k.len() - 2), n(k.len() - 1));
                Rational::int(pairs(m) * b)
            } else if has("committee of 3") || has("choose 3") || has("groups of 3") {
                let m = *k.last().unwrap();
                let c = (0..m)
                    .flat_map(|i| (i + 1..m).flat_map(move |j| (j + 1..m).map(move |_| (i, j))))
                    .count();
                Rational::int(c as i64)
            } else if has("gold") || has("leader") || has("in a row") {
                let m = *k.last().unwrap();
                let mut c = 0;
                for i in 0..m {
                    for j in 0..m {
                        for l in 0..m {
                            if i != j && j != l && i != l {
                                c += 1;
                            }
                        }
                    }
                }
                Rational::int(c)
            } else if has("one ") {
                Rational::int(k[0] * k[1])
            } else {
                Rational::int(pairs(*k.last().unwrap()))
            }
        }
        "Geometry" => {
            if has("trapezoid") {
                q((k[0] + k[1]) * k[2], 2)
            } else if has("triang") {
                q(k[0] * k[1], 2)
            } else if has("cut") || has("hole") {
                Rational::int(k[1] * k[2] - k[0] * k[0])
            } else if has("perimeter") && has("length") {
                Rational::int(k[1] * (k[0] / 2 - k[1]))
            } else if has("perimeter") || has("fence") {
                Rational::int((k[0] / 4) * (k[0] / 4))
            } else if has("square") {
                Rational::int(k[0] * k[0])
            } else {
                Rational::int(k[0] * k[1])
            }
        }
        _ => {
            let words: Vec<&str> = t
                .split_whitespace()
                .map(|w| w.trim_end_matches(['.', '?', ',']))
                .collect();
            let fr: Vec<Rational> = words
                .iter()
                .filter(|w| w.contains('/'))
                .map(|w| Rational::parse(w).unwrap())
                .collect();
            let whole: Vec<i64> = words.iter().filter_map(|w| w.parse().ok()).collect();
            if fr.len() == 1 {
                fr[0].mul(Rational::int(whole[0])).unwrap()
            } else if has(" - ") || has("left") || has("farther") {
                fr[0].sub(fr[1]).unwrap()
            } else {
                fr[0].add(fr[1]).unwrap()
            }
        }
    }
}

#[test]
fn answers_match_an_independent_solver() {
    let t = MathMix;
    let mut r = rng(21);
    for i in 0..3000 {
        let level = 1 + (i % 3) as u32;
        let ex = t.generate(&mut r, Some(level));
        let truth = solve(&ex);
        assert_eq!(
            truth,
            Rational::parse(&ex.final_answer).unwrap(),
            "{}\n{}",
            ex.question,
            ex.answer
        );
        // Reduced fractions are written canonically.
        assert_eq!(truth.to_string(), ex.final_answer);
        assert!(
            truth > Rational::int(0) && truth < Rational::int(1000),
            "{}",
            ex.answer
        );
    }
}

#[test]
fn paper_style_linear_example() {
    let ex = Example {
        question: "Solve for x: 3 * x + 5 = 20.".into(),
        answer: "- 20 - 5 = 15\n- 15 / 3 = 5\n\\boxed{5}".into(),
        final_answer: "5".into(),
        difficulty: 1,
        category: Some("Algebra".into()),
    };
    let t = MathMix;
    assert_eq!(solve(&ex), Rational::int(5));
    assert_eq!(t.count_steps(&ex.answer), 2);
    assert_eq!(t.check_steps(&ex, &ex.answer), (2, 2));
    assert_eq!(t.check_steps(&ex, "- 20 - 5 = 14\n- 14 / 3 = 14/3"), (1, 2));
    let c = chain_of(&ex).unwrap();
    assert_eq!(c.answer(), Rational::int(5));
}

#[test]
fn verifier_reads_messy_free_text() {
    let t = MathMix;
    let ex = Example {
        question: "What is 1/4 + 1/2?".into(),
        answer: "\\boxed{3/4}".into(),
        final_answer: "3/4".into(),
        difficulty: 2,
        category: Some("Prealgebra".into()),
    };
    for (resp, ok) in [
        ("Let me see...\n- 1 + 2 = 3\nso \\boxed{3/4} is it.", true),
        ("\\boxed{\\frac{3}{4}}", true),
        ("\\boxed{ \\dfrac{6}{8} }", true),
        ("#### 3 / 4", true),
        ("\\boxed{0.75} (I think)", true),
        ("\\boxed{x = 3/4}", true),
        ("\\boxed{4/3}", false),
        ("\\boxed{3}", false),
        ("3/4", false),
    ] {
        assert_eq!(t.verify(&ex, resp).correct, ok, "{resp:?}");
    }
    assert_eq!(
        t.verify(&ex, "\\boxed{\\frac{6}{8}}").extracted.as_deref(),
        Some("3/4")
    );
}

#[test]
fn level_raises_mean_steps_strictly_overall_and_per_category() {
    let t = MathMix;
    let mut r = rng(8);
    let mut prev = 0.0;
    for level in 1..=3 {
        let total: usize = (0..300)
            .map(|_| t.count_steps(&t.generate(&mut r, Some(level)).answer))
            .sum();
        let mean = total as f64 / 300.0;
        assert!(mean > prev, "level {level}: {mean} <= {prev}");
        prev = mean;
    }
    for (cat, label) in CATEGORIES.iter().enumerate() {
        let mut prev = 0.0;
        for level in 1..=3 {
            let total: usize = (0..100)
                .map(|_| t.count_steps(&t.build(&mut r, cat, level).answer))
                .sum();
            let mean = total as f64 / 100.0;
            assert!(mean > prev, "{label} level {level}");
            prev = mean;
        }
    }
}

#[test]
fn rewrite_keeps_category_and_moves_level_by_fidelity() {
    let t = MathMix;
    let mut r = rng(2);
    for _ in 0..300 {
        let seed = t.generate(&mut r, None);
        let same = t.rewrite(&seed, 1.0, &mut r).unwrap();
        assert_eq!(same.category, seed.category);
        assert_eq!(same.difficulty, seed.difficulty);
        assert_ne!(same.question, seed.question);
        let moved = t.rewrite(&seed, 0.0, &mut r).unwrap();
        assert_eq!(moved.category, seed.category);
        assert_eq!(moved.difficulty.abs_diff(seed.difficulty), 1);
        assert_eq!(
            solve(&moved).to_string(),
            moved.final_answer,
            "{}",
            moved.question
        );
    }
}

#[test]
fn same_stream_same_example() {
    let t = MathMix;
    let key = StreamKey::shared(42, "mathmix", 0, "d0");
    let a: Vec<Example> = (0..20)
        .scan(key.rng(), |r, _| Some(t.generate(r, None)))
        .collect();
    let b: Vec<Example> = (0..20)
        .scan(key.rng(), |r, _| Some(t.generate(r, None)))
        .collect();
    assert_eq!(a, b);
    let c = t.generate(&mut StreamKey::shared(43, "mathmix", 0, "d0").rng(), None);
    assert_ne!(a[0], c);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_examples_verify(seed in any::<u64>(), d in prop::option::of(1u32..=3)) {
        let t = MathMix;
        let ex = t.generate(&mut rng(seed), d);
        prop_assert!(t.verify(&ex, &ex.answer).correct);
        let n = t.count_steps(&ex.answer);
        prop_assert_eq!(t.check_steps(&ex, &ex.answer), (n, n), "{}", ex.answer);
    }

    #[test]
    fn corrupted_answers_are_rejected_and_flagged(seed in any::<u64>(), d in 1u32..=3) {
        let t = MathMix;
        let mut r = rng(seed);
        let ex = t.generate(&mut r, Some(d));
        let bad = t.corrupt_answer(&ex, &mut r);
        prop_assert!(!t.verify(&ex, &bad).correct, "{}\n{}", ex.answer, bad);
        let (valid, total) = t.check_steps(&ex, &bad);
        prop_assert_eq!(total, t.count_steps(&ex.answer));
        prop_assert!(valid < total, "{}\n{}", ex.answer, bad);
    }

    #[test]
    fn rewrites_verify(seed in any::<u64>(), fidelity in 0.0f64..=1.0) {
        let t = MathMix;
        let mut r = rng(seed);
        let s = t.generate(&mut r, None);
        let ex = t.rewrite(&s, fidelity, &mut r).unwrap();
        prop_assert!(t.verify(&ex, &ex.answer).correct);
        let n = t.count_steps(&ex.answer);
        prop_assert_eq!(t.check_steps(&ex, &ex.answer), (n, n));
    }
}
