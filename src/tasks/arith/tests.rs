use super::*;
use crate::rng::Rng;
use crate::rng::StreamKey;
use proptest::prelude::*;
use rand::SeedableRng;

fn rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// Independent reference: read the story sentence by sentence and apply the operation
/// each phrasing means, without looking at the generated answer.
fn interpret(question: &str) -> i64 {
    let nums = |s: &str| -> Vec<i64> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter_map(|w| w.parse().ok())
            .collect()
    };
    let mut v: Option<i64> = None;
    for s in question.split_inclusive(['.', '?']) {
        let s = s.trim();
        let k = nums(s);
        let has = |w: &str| s.contains(w);
        match v {
            None => {
                v = Some(if k.len() == 2 { k[0] * k[1] } else { k[0] });
            }
            Some(x) => {
                if s.ends_with('?') {
                    continue;
                }
                v = Some(if has("half") {
                    x / 2
                } else if has("doubles") || has("twice") {
                    x * 2
                } else if has("triple") || has("three times") {
                    x * 3
                } else if has("times") {
                    x * k[0]
                } else if has("equal") || has("equally") {
                    x / k[0]
                } else if has("more") {
                    x + k[0]
                } else {
                    x - k[0]
                });
            }
        }
    }
    v.expect("an opening sentence")
}

#[test]
fn answers_match_an_independent_reading_of_the_story() {
    let t = Arith;
    let mut r = rng(11);
    for i in 0..3000 {
        let d = 1 + (i % 6) as u32;
        let ex = t.generate(&mut r, Some(d));
        assert_eq!(
            interpret(&ex.question).to_string(),
            ex.final_answer,
            "{}\n{}",
            ex.question,
            ex.answer
        );
        // Difficulty is exactly the number of operations.
        assert_eq!(t.count_steps(&ex.answer), d as usize);
        let v: i64 = ex.final_answer.parse().unwrap();
        assert!((0..LIMIT).contains(&v), "{}", ex.answer);
    }
}

/// The scale that makes difficulty mean chain length (issue 3): every step is
/// `x op k = y` with a one-digit operand `k` (at most 3 for × and ÷ after the first
/// step; an opening "a groups of b" has b ≤ 9), and every value in the chain (start, each
/// result) lies in 1..=29. Read from the answer text, not the generator's state.
#[test]
fn operands_are_one_digit_and_values_below_thirty() {
    let t = Arith;
    let mut r = rng(12);
    let mut max_seen = 0;
    for i in 0..3000 {
        let ex = t.generate(&mut r, Some(1 + (i % 6) as u32));
        for (j, line) in chain::step_lines(&ex.answer).iter().enumerate() {
            let toks: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(toks.len(), 5, "{line}");
            let (x, op, k, y): (i64, &str, i64, i64) = (
                toks[0].parse().unwrap(),
                toks[1],
                toks[2].parse().unwrap(),
                toks[4].parse().unwrap(),
            );
            let kmax = if op == "+" || op == "-" || j == 0 {
                9
            } else {
                3
            };
            assert!((1..=kmax).contains(&k), "{line}\n{}", ex.question);
            assert!((1..=29).contains(&x) && (1..=29).contains(&y), "{line}");
            max_seen = max_seen.max(y);
        }
    }
    // The range is used, not collapsed to tiny values.
    assert!(max_seen >= 27, "largest value {max_seen}");
}

#[test]
fn the_paper_style_example_has_the_expected_format() {
    let ex = Example {
        question:
            "Mia has 5 pens. She buys 3 more. She gives 2 to Leo. How many pens does Mia have now?"
                .into(),
        answer: "5 + 3 = 8\n8 - 2 = 6\n#### 6".into(),
        final_answer: "6".into(),
        difficulty: 2,
        category: None,
    };
    let t = Arith;
    assert_eq!(interpret(&ex.question), 6);
    assert_eq!(t.count_steps(&ex.answer), 2);
    assert_eq!(t.check_steps(&ex, &ex.answer), (2, 2));
    assert!(t.verify(&ex, &ex.answer).correct);
    // A step using a number from nowhere is invalid even when arithmetically true.
    assert_eq!(t.check_steps(&ex, "5 + 3 = 8\n8 - 7 = 1\n#### 1"), (1, 2));
    let c = chain_of(&ex.answer).unwrap();
    assert_eq!(c.answer(), Rational::int(6));
}

#[test]
fn verifier_reads_messy_free_text() {
    let t = Arith;
    let ex = Example {
        question: "q".into(),
        answer: "#### 1200".into(),
        final_answer: "1200".into(),
        difficulty: 1,
        category: None,
    };
    for (resp, ok) in [
        ("Sure! Let me think.\n1000 + 200 = 1200\n#### 1200", true),
        ("blah\n####1,200 pens. Hope this helps!", true),
        ("The answer is \\boxed{1200}.", true),
        ("#### 1200.0", true),
        ("####   $1,200  ", true),
        ("\\boxed{7} no wait\n#### 1200\n(final)", true),
        ("#### 1200 then on reflection \\boxed{1201}", false),
        ("#### 120", false),
        ("the answer is 1200", false),
    ] {
        assert_eq!(t.verify(&ex, resp).correct, ok, "{resp:?}");
    }
    assert_eq!(t.verify(&ex, "no marker").extracted, None);
    assert_eq!(
        t.verify(&ex, "#### 1,200 pens").extracted.as_deref(),
        Some("1200")
    );
}

#[test]
fn difficulty_raises_mean_steps_strictly() {
    let t = Arith;
    let mut r = rng(5);
    let mut prev = 0.0;
    for d in 1..=6 {
        let total: usize = (0..300)
            .map(|_| t.count_steps(&t.generate(&mut r, Some(d)).answer))
            .sum();
        let mean = total as f64 / 300.0;
        assert!(mean > prev, "difficulty {d}: {mean} <= {prev}");
        prev = mean;
    }
}

#[test]
fn seed_mix_is_mostly_easy_with_a_hard_tail() {
    let t = Arith;
    let mut r = rng(9);
    let mut counts = [0usize; 7];
    for _ in 0..6000 {
        counts[t.generate(&mut r, None).difficulty as usize] += 1;
    }
    // Expected shares 22, 26, 22, 14, 10, 6 %: check the shape with wide margins.
    assert!(counts[1] + counts[2] + counts[3] > 4 * (counts[5] + counts[6]));
    assert!(counts[6] > 200 && counts[6] < counts[4]);
}

#[test]
fn rewrite_follows_the_seed_at_full_fidelity() {
    let t = Arith;
    let mut r = rng(3);
    for _ in 0..500 {
        let seed = t.generate(&mut r, None);
        let new = t.rewrite(&seed, 1.0, &mut r).unwrap();
        let d0 = seed.difficulty;
        assert!(new.difficulty > d0 || d0 == 6);
        assert!(new.difficulty <= (d0 + 3).min(6));
        assert_eq!(t.count_steps(&new.answer), new.difficulty as usize);
        assert!(t.verify(&new, &new.answer).correct);
        assert_eq!(interpret(&new.question).to_string(), new.final_answer);
        let seed_name = seed.question.split([' ', '\'']).next().unwrap();
        let new_name = new.question.split([' ', '\'']).next().unwrap();
        // Names change (the opening "At first," has no name first; skip it).
        if seed_name != "At" && new_name != "At" {
            assert_ne!(seed_name, new_name);
        }
    }
}

#[test]
fn rewrite_at_zero_fidelity_draws_from_the_mix() {
    let t = Arith;
    let mut r = rng(4);
    let seed = t.generate(&mut r, Some(1));
    let mut seen = [0usize; 7];
    for _ in 0..600 {
        seen[t.rewrite(&seed, 0.0, &mut r).unwrap().difficulty as usize] += 1;
    }
    // With fidelity 0 a difficulty-1 seed yields difficulty 1 items too (never at 1.0).
    assert!(seen[1] > 60, "{seen:?}");
    assert!(seen[6] > 0);
}

#[test]
fn same_stream_same_example() {
    let t = Arith;
    let key = StreamKey::shared(42, "arith", 0, "d0");
    let a: Vec<Example> = (0..20)
        .scan(key.rng(), |r, _| Some(t.generate(r, None)))
        .collect();
    let b: Vec<Example> = (0..20)
        .scan(key.rng(), |r, _| Some(t.generate(r, None)))
        .collect();
    assert_eq!(a, b);
    let c = t.generate(&mut StreamKey::shared(43, "arith", 0, "d0").rng(), None);
    assert_ne!(a[0], c);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_examples_verify(seed in any::<u64>(), d in prop::option::of(1u32..=6)) {
        let t = Arith;
        let ex = t.generate(&mut rng(seed), d);
        prop_assert!(t.verify(&ex, &ex.answer).correct);
        let n = t.count_steps(&ex.answer);
        prop_assert_eq!(t.check_steps(&ex, &ex.answer), (n, n));
    }

    #[test]
    fn corrupted_answers_are_rejected_and_flagged(seed in any::<u64>(), d in 1u32..=6) {
        let t = Arith;
        let mut r = rng(seed);
        let ex = t.generate(&mut r, Some(d));
        let bad = t.corrupt_answer(&ex, &mut r);
        prop_assert!(!t.verify(&ex, &bad).correct, "{}\n{}", ex.answer, bad);
        let (valid, total) = t.check_steps(&ex, &bad);
        prop_assert_eq!(total, d as usize);
        prop_assert!(valid < total, "{}\n{}", ex.answer, bad);
    }

    #[test]
    fn rewrites_verify(seed in any::<u64>(), fidelity in 0.0f64..=1.0) {
        let t = Arith;
        let mut r = rng(seed);
        let s = t.generate(&mut r, None);
        let ex = t.rewrite(&s, fidelity, &mut r).unwrap();
        prop_assert!(t.verify(&ex, &ex.answer).correct);
        let n = t.count_steps(&ex.answer);
        prop_assert_eq!(t.check_steps(&ex, &ex.answer), (n, n));
    }
}
