//! Integration tests of the `logic` and `game24` task worlds.

use activesynth::rng::{Rng, StreamKey};
use activesynth::tasks::game24::{self, tree::Node, Game24};
use activesynth::tasks::logic::Logic;
use activesynth::tasks::{Example, Task};
use activesynth::text::tokenizer::Tokenizer;
use proptest::prelude::*;
use rand::SeedableRng;

fn rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

fn tasks() -> Vec<Box<dyn Task>> {
    vec![Box::new(Logic), Box::new(Game24)]
}

// ---------- ROUGE-L (rouge_score semantics) used only to measure lexical variety ----------

fn rouge_tokens(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_ascii_lowercase() && !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn lcs(a: &[String], b: &[String]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    for x in a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                cur[j].max(prev[j + 1])
            };
        }
        prev = cur;
    }
    prev[b.len()]
}

fn rouge_f(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * lcs(a, b) as f64 / (a.len() + b.len()) as f64
}

#[test]
fn rouge_helper_matches_known_values() {
    let f = |a: &str, b: &str| rouge_f(&rouge_tokens(a), &rouge_tokens(b));
    let v = f(
        "Give three tips for staying healthy.",
        "Give me three tips for staying healthy and fit.",
    );
    assert!((v - 0.8).abs() < 1e-12);
    let v = f(
        "Write a poem about the ocean.",
        "Write a short story about the ocean.",
    );
    assert!((v - 10.0 / 13.0).abs() < 1e-12);
}

/// Fraction of 300 random questions with ROUGE-L F > 0.7 against another of them.
fn near_duplicate_fraction(task: &dyn Task) -> f64 {
    let mut r = rng(99);
    let qs: Vec<Vec<String>> = (0..300)
        .map(|_| rouge_tokens(&task.generate(&mut r, None).question))
        .collect();
    let dup = (0..qs.len())
        .filter(|&i| (0..qs.len()).any(|j| j != i && rouge_f(&qs[i], &qs[j]) > 0.7))
        .count();
    dup as f64 / qs.len() as f64
}

#[test]
fn measure_rouge_near_duplicates() {
    let logic = near_duplicate_fraction(&Logic);
    let g24 = near_duplicate_fraction(&Game24);
    println!("near-duplicate fraction (ROUGE-L F > 0.7, 300 questions): logic {logic:.3}, game24 {g24:.3}");
    // Logic questions must be lexically varied enough for the teacher's dedup filter;
    // game24 runs with dedup off (as in the paper), its value is only reported.
    assert!(logic < 0.5, "logic near-duplicate fraction {logic}");
}

// ---------- shared task properties ----------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn generated_examples_verify_and_corruptions_fail(seed in any::<u64>(), d in 0u32..6, which in 0usize..2) {
        let task = &tasks()[which];
        let (lo, hi) = task.difficulty_range();
        let diff = if d == 0 { None } else { Some(lo + (d - 1) % (hi - lo + 1)) };
        let mut r = rng(seed);
        let ex = task.generate(&mut r, diff);
        if let Some(d) = diff { prop_assert_eq!(ex.difficulty, d); }
        prop_assert!(task.verify(&ex, &ex.answer).correct, "{:?}", ex);
        let n = task.count_steps(&ex.answer);
        prop_assert!(n >= 2);
        prop_assert_eq!(task.check_steps(&ex, &ex.answer), (n, n));
        let bad = task.corrupt_answer(&ex, &mut r);
        prop_assert!(!task.verify(&ex, &bad).correct, "{}", bad);
        let (v, t) = task.check_steps(&ex, &bad);
        prop_assert!(v < t, "corrupted steps all valid: {}", bad);
        prop_assert_eq!(t, n);
    }

    #[test]
    fn rewrites_verify(seed in any::<u64>(), fid in 0.0f64..=1.0, which in 0usize..2) {
        let task = &tasks()[which];
        let mut r = rng(seed);
        let ex = task.generate(&mut r, None);
        if let Some(new) = task.rewrite(&ex, fid, &mut r) {
            prop_assert!(task.verify(&new, &new.answer).correct, "{:?}", new);
            let n = task.count_steps(&new.answer);
            prop_assert_eq!(task.check_steps(&new, &new.answer), (n, n));
            prop_assert_ne!(&new.question, &ex.question);
        } else {
            prop_assert_eq!(task.name(), "game24");
        }
    }
}

#[test]
fn determinism_same_stream_same_example() {
    for task in tasks() {
        let key = StreamKey::shared(7, task.name(), 0, "d0");
        let (mut a, mut b) = (key.rng(), key.rng());
        let xa: Vec<Example> = (0..20).map(|_| task.generate(&mut a, None)).collect();
        let xb: Vec<Example> = (0..20).map(|_| task.generate(&mut b, None)).collect();
        assert_eq!(xa, xb);
        let ra = task.rewrite(&xa[0], 0.8, &mut a);
        let rb = task.rewrite(&xb[0], 0.8, &mut b);
        assert_eq!(ra, rb);
        let mut c = StreamKey::shared(8, task.name(), 0, "d0").rng();
        let xc: Vec<Example> = (0..20).map(|_| task.generate(&mut c, None)).collect();
        assert_ne!(xa, xc);
    }
}

#[test]
fn verifier_extracts_from_messy_text() {
    let mut r = rng(3);
    let ex = Logic.generate(&mut r, Some(2));
    let yes = ex.final_answer.clone();
    let no = if yes == "True" { "False" } else { "True" };
    for resp in [
        format!("Let me think.\nblah blah\n#### {yes}"),
        format!("#### {}\nThat is my answer.", yes.to_lowercase()),
        format!("So the answer is \\boxed{{{yes}}}."),
        format!("####   {yes} ."),
        format!("#### {no}\nwait, actually\n#### {yes}"),
    ] {
        assert!(Logic.verify(&ex, &resp).correct, "{resp}");
    }
    assert!(!Logic.verify(&ex, &format!("#### {no}")).correct);
    assert!(!Logic.verify(&ex, "no marker").correct);

    let ex = game24::example_from_tree(Node::parse("(6 - 4) * (4 + 8)").unwrap());
    assert_eq!(ex.question, "Use 4 4 6 8 to make 24.");
    for resp in [
        "I think\n#### (6-4)*(4+8)",
        "#### (4 + 8) * (6 - 4) = 24\nDone.",
        "The answer is \\boxed{(8 + 4)*(6 - 4)}.",
        "####  ( 6 - 4 ) * ( 8 + 4 )  ",
    ] {
        assert!(Game24.verify(&ex, resp).correct, "{resp}");
    }
    for resp in [
        "#### (6 - 4) * (4 + 8) * 1",
        "#### 6 * 4",
        "#### (8 - 4) * (6 - 4) + 16",
        "#### 24",
        "#### -(4 - 6) * (4 + 8)",
        "#### null",
    ] {
        assert!(!Game24.verify(&ex, resp).correct, "{resp}");
    }
}

// ---------- logic ----------

#[test]
fn logic_steps_strictly_increase_with_hops() {
    let mut r = rng(11);
    let mut prev = 0.0;
    for h in 1..=5 {
        let mean = (0..300)
            .map(|_| Logic.count_steps(&Logic.generate(&mut r, Some(h)).answer))
            .sum::<usize>() as f64
            / 300.0;
        // hops rule applications plus the restated fact.
        assert_eq!(mean, (h + 1) as f64);
        assert!(mean > prev);
        prev = mean;
    }
}

#[test]
fn logic_rewrite_keeps_the_seeds_kinds_of_distractor() {
    use activesynth::tasks::logic::{distractors, Distractor};
    // The most distractor rules per hop count, 1..=5 (the generator's cap).
    const CAP: [usize; 5] = [4, 4, 3, 3, 2];
    let mut r = rng(21);
    let mut opposite_total = 0;
    for _ in 0..300 {
        let seed = Logic.generate(&mut r, None);
        let kinds = distractors(&seed.question).unwrap();
        // Independent count of the classic distractor: every context sentence that
        // names the queried adjective, but for the one the chain ends in.
        let (ctx, query) = seed.question.split_once("True or false:").unwrap();
        let adj = query
            .trim()
            .trim_end_matches('.')
            .rsplit(' ')
            .next()
            .unwrap();
        let naming = ctx
            .split('.')
            .filter(|s| s.trim_end().ends_with(&format!(" {adj}")))
            .count();
        let opposite = kinds
            .iter()
            .filter(|k| **k == Distractor::OppositeProperty)
            .count();
        assert_eq!(opposite, naming - 1, "{}", seed.question);
        opposite_total += opposite;
        let child = Logic.rewrite(&seed, 1.0, &mut r).unwrap();
        let mut got = distractors(&child.question).unwrap();
        let keep = kinds.len().min(CAP[child.difficulty as usize - 1]);
        let mut want = kinds[..keep].to_vec();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{}\n{}", seed.question, child.question);
    }
    // The classic distractor is about a third of 2.6 distractors per question.
    assert!((150..400).contains(&opposite_total), "{opposite_total}");
}

#[test]
fn logic_answers_match_brute_force_closure() {
    // Independent reference: forward-chain every rule to a fixed point and read the
    // queried property off the closure.
    use activesynth::tasks::logic::{parse_question, Stmt};
    let mut r = rng(5);
    for _ in 0..500 {
        let ex = Logic.generate(&mut r, None);
        let (ctx, query) = parse_question(&ex.question).unwrap();
        let mut facts: Vec<Stmt> = ctx
            .iter()
            .filter(|s| matches!(s, Stmt::IsA(..)))
            .cloned()
            .collect();
        loop {
            let mut new = Vec::new();
            for f in &facts {
                let Stmt::IsA(n, c) = f else { continue };
                for rule in &ctx {
                    let s = match rule {
                        Stmt::Sub(a, b) if a == c => Stmt::IsA(n.clone(), b.clone()),
                        Stmt::Prop(a, adj, p) if a == c => Stmt::Has(n.clone(), adj.clone(), *p),
                        _ => continue,
                    };
                    if !facts.contains(&s) && !new.contains(&s) {
                        new.push(s);
                    }
                }
            }
            if new.is_empty() {
                break;
            }
            facts.extend(new);
        }
        let Stmt::Has(n, a, q) = query else { panic!() };
        let derived: Vec<bool> = facts
            .iter()
            .filter_map(|f| match f {
                Stmt::Has(n2, a2, p) if *n2 == n && *a2 == a => Some(*p),
                _ => None,
            })
            .collect();
        assert_eq!(
            derived.len(),
            1,
            "exactly one derivation of the property: {}",
            ex.question
        );
        let truth = if derived[0] == q { "True" } else { "False" };
        assert_eq!(ex.final_answer, truth, "{}", ex.question);
    }
}

#[test]
fn logic_rewrite_changes_words_and_moves_hops_by_one() {
    let mut r = rng(8);
    for _ in 0..300 {
        let seed = Logic.generate(&mut r, None);
        let new = Logic.rewrite(&seed, 1.0, &mut r).unwrap();
        assert_eq!((new.difficulty as i64 - seed.difficulty as i64).abs(), 1);
        let seed_name = seed
            .question
            .split("True or false: ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_string();
        let new_name = new
            .question
            .split("True or false: ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_string();
        assert_ne!(seed_name, new_name);
    }
}

// ---------- game24 ----------

/// Independent reference: floating-point search allowing any order and negative
/// intermediates.
fn solvable_f64(nums: &[f64]) -> bool {
    if nums.len() == 1 {
        return (nums[0] - 24.0).abs() < 1e-9;
    }
    for i in 0..nums.len() {
        for j in 0..nums.len() {
            if i == j {
                continue;
            }
            let rest: Vec<f64> = (0..nums.len())
                .filter(|&k| k != i && k != j)
                .map(|k| nums[k])
                .collect();
            let (a, b) = (nums[i], nums[j]);
            let mut cands = vec![a + b, a - b, a * b];
            if b != 0.0 {
                cands.push(a / b);
            }
            for c in cands {
                let mut next = rest.clone();
                next.push(c);
                if solvable_f64(&next) {
                    return true;
                }
            }
        }
    }
    false
}

#[test]
fn game24_world_has_every_solvable_puzzle() {
    let t0 = std::time::Instant::now();
    let w = game24::world();
    // Reported, never asserted (another test may have built the world first).
    println!("game24 world ready after {:?}", t0.elapsed());
    println!(
        "game24: {} solvable puzzles of 1820, {} distinct solutions (d1 {}, d2 {}, d3 {})",
        w.solvable_puzzles,
        w.solutions.len(),
        w.by_difficulty[0].len(),
        w.by_difficulty[1].len(),
        w.by_difficulty[2].len()
    );
    assert_eq!(game24::solver::all_puzzles().len(), 1820);
    // The well-known count of solvable 1..13 puzzles.
    assert_eq!(w.solvable_puzzles, 1362);
    let reference = game24::solver::all_puzzles()
        .iter()
        .filter(|p| solvable_f64(&p.iter().map(|&x| x as f64).collect::<Vec<_>>()))
        .count();
    assert_eq!(reference, 1362);
    // Every stored solution verifies, and its chain of thought is fully valid.
    for (i, s) in w.solutions.iter().enumerate() {
        assert!(game24::solves(&s.numbers, &s.expr), "{s:?}");
        if i % 7 == 0 {
            let ex = game24::example_from_tree(Node::parse(&s.expr).unwrap());
            assert_eq!(ex.final_answer, s.expr);
            assert_eq!(ex.difficulty, w.difficulty[i]);
            assert!(Game24.verify(&ex, &ex.answer).correct);
            assert_eq!(Game24.check_steps(&ex, &ex.answer), (3, 3));
        }
    }
    // Distinct means distinct canonical strings: no duplicates within a puzzle.
    let mut keys: Vec<(&[i64; 4], &String)> =
        w.solutions.iter().map(|s| (&s.numbers, &s.expr)).collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n);
}

#[test]
fn game24_known_solutions_are_present() {
    let w = game24::world();
    let has =
        |nums: [i64; 4], e: &str| w.solutions.iter().any(|s| s.numbers == nums && s.expr == e);
    assert!(has([4, 4, 6, 8], "(8 + 4) * (6 - 4)"));
    assert!(has([3, 3, 8, 8], "8 / (3 - 8 / 3)"));
    // 1 1 1 1 is unsolvable.
    assert!(!w.solutions.iter().any(|s| s.numbers == [1, 1, 1, 1]));
}

#[test]
fn game24_difficulty_is_the_solution_structure() {
    let mut r = rng(21);
    for d in 1..=3u32 {
        for _ in 0..300 {
            let ex = Game24.generate(&mut r, Some(d));
            assert_eq!(Game24.count_steps(&ex.answer), 3);
            let e = &ex.final_answer;
            let fraction = ex
                .answer
                .lines()
                .any(|l| l.split("(left:").nth(1).is_some_and(|x| x.contains('/')));
            let nested = e.contains("((")
                || e.matches('(').count() >= 2 && {
                    let mut depth = 0i32;
                    let mut max = 0;
                    for c in e.chars() {
                        if c == '(' {
                            depth += 1;
                            max = max.max(depth);
                        }
                        if c == ')' {
                            depth -= 1;
                        }
                    }
                    max >= 2
                };
            let expected = if fraction || nested {
                3
            } else if e.contains('-') || e.contains('/') {
                2
            } else {
                1
            };
            assert_eq!(ex.difficulty, expected, "{}", ex.answer);
        }
    }
}

#[test]
fn game24_backward_rewrites_never_wrong() {
    let mut r = rng(2024);
    let mut none = 0;
    let mut bigger = 0;
    for _ in 0..10_000 {
        let seed = Game24.generate(&mut r, None);
        match Game24.rewrite(&seed, 0.9, &mut r) {
            None => none += 1,
            Some(ex) => {
                let nums = game24::puzzle_numbers(&ex.question).unwrap();
                assert_eq!(nums.len(), 4);
                assert!(nums
                    .iter()
                    .all(|x| (1..=game24::MAX_REWRITE_NUMBER).contains(x)));
                if nums.iter().any(|&x| x > 13) {
                    bigger += 1;
                }
                assert!(game24::solves(&nums, &ex.final_answer), "{ex:?}");
                assert!(Game24.verify(&ex, &ex.answer).correct);
                assert_eq!(Game24.check_steps(&ex, &ex.answer), (3, 3));
            }
        }
    }
    println!("game24 backward reasoning: {none} of 10000 rewrites returned None; {bigger} used a number > 13");
    assert!(none < 10_000);
}

#[test]
fn game24_check_steps_bookkeeping() {
    let ex = game24::example_from_tree(Node::parse("(6 - 4) * (4 + 8)").unwrap());
    let ok = "8 + 4 = 12 (left: 4 6 12)\n6 - 4 = 2 (left: 2 12)\n12 * 2 = 24 (left: 24)";
    assert_eq!(Game24.check_steps(&ex, ok), (3, 3));
    // Wrong arithmetic.
    let bad = "8 + 4 = 13 (left: 4 6 13)\n6 - 4 = 2 (left: 2 13)\n13 * 2 = 24 (left: 24)";
    assert_eq!(Game24.check_steps(&ex, bad), (1, 3));
    // Wrong bookkeeping: a number used that is not left.
    let bad = "8 + 4 = 12 (left: 4 6 12)\n8 - 4 = 4 (left: 4 12)\n12 * 2 = 24 (left: 24)";
    assert_eq!(Game24.check_steps(&ex, bad), (1, 3));
    // Fractions: 8 / (3 - 8 / 3).
    let ex = game24::example_from_tree(Node::parse("8 / (3 - 8 / 3)").unwrap());
    assert_eq!(ex.difficulty, 3);
    assert!(
        ex.answer.contains("8 / 3 = 8/3 (left: 8/3 3 8)"),
        "{}",
        ex.answer
    );
    assert!(
        ex.answer.contains("8 / (1/3) = 24 (left: 24)"),
        "{}",
        ex.answer
    );
    assert_eq!(Game24.check_steps(&ex, &ex.answer), (3, 3));
}

// ---------- lexicon and lengths ----------

#[test]
fn lexicon_covers_everything_and_lengths_are_compact() {
    for task in tasks() {
        let tok = Tokenizer::from_lexicon(task.lexicon());
        let (lo, hi) = task.difficulty_range();
        let mut r = rng(77);
        let mut maxq = vec![0usize; (hi + 1) as usize];
        let mut maxa = vec![0usize; (hi + 1) as usize];
        let mut n = 0;
        for i in 0..2400u32 {
            let d = lo + i % (hi - lo + 1);
            let ex = task.generate(&mut r, if i % 5 == 0 { None } else { Some(d) });
            let mut texts = vec![(ex.difficulty, ex.question.clone(), ex.answer.clone())];
            let bad = task.corrupt_answer(&ex, &mut r);
            texts.push((ex.difficulty, ex.question.clone(), bad));
            if let Some(rw) = task.rewrite(&ex, 0.5, &mut r) {
                texts.push((rw.difficulty, rw.question, rw.answer));
            }
            for (d, q, a) in texts {
                let lq = tok
                    .count(&q)
                    .unwrap_or_else(|e| panic!("{}: {e} in {q}", task.name()));
                let la = tok
                    .count(&a)
                    .unwrap_or_else(|e| panic!("{}: {e} in {a}", task.name()));
                maxq[d as usize] = maxq[d as usize].max(lq);
                maxa[d as usize] = maxa[d as usize].max(la);
                n += 1;
            }
        }
        for d in lo..=hi {
            println!(
                "{} difficulty {d}: max question {} tokens, max answer {} tokens",
                task.name(),
                maxq[d as usize],
                maxa[d as usize]
            );
            // Budgets: question <= ~60 tokens; answer <= ~90 (game24's hardest items, with
            // fractions and two-digit numbers in every "left:" list, reach ~110).
            let answer_budget = if task.name() == "game24" && d == 3 {
                112
            } else {
                90
            };
            assert!(
                maxq[d as usize] <= 60,
                "{} d{d} question {}",
                task.name(),
                maxq[d as usize]
            );
            assert!(
                maxa[d as usize] <= answer_budget,
                "{} d{d} answer {}",
                task.name(),
                maxa[d as usize]
            );
        }
        assert!(n >= 2000 * 2);
    }
}

#[test]
fn logic_generation_is_pinned() {
    // Every logic world (D0, validation, test, base corpus) is drawn by `generate`; a
    // change to what it draws changes every logic result. These are its first two
    // examples from seed 1; the rewrite's inherited distractors left `generate` as it was
    // at 0fb2275 (`tasks sample`, 600 examples, identical).
    let mut r = rng(1);
    let want = [
        (
            "Gorpuses are not sad. Brimpuses are rompuses. Each rompus is sad. Tara is a brimpus. True or false: Tara is sad.",
            "Tara is a brimpus.\nTara is a rompus.\nTara is sad.\n#### True",
        ),
        (
            "Each sterpus is a numpus. Each lorpus is a jompus. Each jompus is a numpus. Each numpus is fruity. Leo is a jompus. True or false: Leo is fruity.",
            "Leo is a jompus.\nLeo is a numpus.\nLeo is fruity.\n#### True",
        ),
    ];
    for (q, a) in want {
        let ex = Logic.generate(&mut r, None);
        assert_eq!((ex.question.as_str(), ex.answer.as_str()), (q, a));
    }
}

/// `pretrain_corpus = "other-targets"`: the base's corpus is the same game on the world's
/// numbers with targets other than 24, so none of it is a D0, validation or test puzzle
/// (those all say "make 24"); every puzzle is distinct and correct by an independent
/// evaluation of its expression; targets cover both sides of 24; deterministic.
#[test]
fn other_target_corpus_never_asks_for_24_and_is_correct() {
    use activesynth::engine::world::Recipe;
    use activesynth::scenario::{PretrainCorpus, StudentSpec, TaskSpec};
    use activesynth::tasks::expr;
    use std::collections::BTreeSet;
    let task = Game24;
    let mut spec = TaskSpec::with_defaults("game24");
    (spec.seed_size, spec.val_size, spec.test_size) = (700, 100, 300);
    spec.pretrain_corpus = PretrainCorpus::OtherTargets;
    let student = StudentSpec {
        pretrain_examples: 1500,
        pretrain_max_difficulty: 3,
        ..StudentSpec::default()
    };
    let recipe = Recipe {
        seed: 4,
        task: &task,
        task_spec: &spec,
        replicate: 1,
        student: &student,
    };
    let sets = recipe.draw_sets().unwrap();
    for e in sets.d0.iter().chain(&sets.val).chain(&sets.test) {
        assert!(e.question.ends_with("to make 24."), "{}", e.question);
    }
    assert_eq!(sets.pretrain.len(), 1500);
    let distinct: BTreeSet<&str> = sets.pretrain.iter().map(|e| e.question.as_str()).collect();
    assert_eq!(distinct.len(), 1500);
    let (mut below, mut above) = (0, 0);
    for e in &sets.pretrain {
        let words: Vec<&str> = e.question.trim_end_matches('.').split(' ').collect();
        let target: i64 = words.last().unwrap().parse().unwrap();
        assert_ne!(target, 24, "{}", e.question);
        below += usize::from(target < 24);
        above += usize::from(target > 24);
        let mut numbers: Vec<i64> = words[1..5].iter().map(|w| w.parse().unwrap()).collect();
        assert!(
            numbers.iter().all(|n| (1..=13).contains(n)),
            "{}",
            e.question
        );
        let value = expr::eval(&e.final_answer).unwrap();
        let mut literals = value.literals.clone();
        literals.sort();
        numbers.sort();
        assert_eq!(literals, numbers, "{}", e.final_answer);
        assert_eq!(
            value.value,
            expr::Rational::int(target),
            "{}",
            e.final_answer
        );
        assert_eq!(task.check_steps(e, &e.answer), (3, 3), "{}", e.answer);
    }
    // 14 targets below 24 and 16 above, uniformly: about 700 and 800 of 1500.
    assert!((600..=800).contains(&below) && (700..=900).contains(&above));
    let again = recipe.draw_sets().unwrap();
    assert_eq!(again.pretrain, sets.pretrain);
}

/// `pretrain_rewrite_share`: a fraction of the other-target corpus replaced by the
/// teacher's target-24 rewrites. Exactly round(share × n) puzzles ask for 24, none of them
/// a set's puzzle, all distinct and correct by an independent evaluation; the other-target
/// part is the unmixed corpus's first puzzles (the same stream), so an unset
/// share leaves the corpus, and every base built on it, unchanged.
#[test]
fn rewrite_share_mixes_target_24_rewrites_into_the_other_target_corpus() {
    use activesynth::engine::world::Recipe;
    use activesynth::scenario::{PretrainCorpus, StudentSpec, TaskSpec};
    use activesynth::tasks::expr;
    use std::collections::BTreeSet;
    let task = Game24;
    let mut spec = TaskSpec::with_defaults("game24");
    (spec.seed_size, spec.val_size, spec.test_size) = (700, 100, 300);
    spec.pretrain_corpus = PretrainCorpus::OtherTargets;
    let student = StudentSpec {
        pretrain_examples: 1000,
        pretrain_max_difficulty: 3,
        ..StudentSpec::default()
    };
    let draw = |spec: &TaskSpec| {
        Recipe {
            seed: 4,
            task: &task,
            task_spec: spec,
            replicate: 1,
            student: &student,
        }
        .draw_sets()
        .unwrap()
    };
    let plain = draw(&spec);
    spec.pretrain_rewrite_share = Some(0.25);
    let mixed = draw(&spec);
    assert_eq!(mixed.pretrain.len(), 1000);
    assert_eq!(
        (mixed.d0.clone(), mixed.test.clone()),
        (plain.d0, plain.test)
    );
    let world: BTreeSet<&str> = mixed
        .d0
        .iter()
        .chain(&mixed.val)
        .chain(&mixed.test)
        .map(|e| e.question.as_str())
        .collect();
    let questions: BTreeSet<&str> = mixed.pretrain.iter().map(|e| e.question.as_str()).collect();
    assert_eq!(questions.len(), 1000, "pre-training questions repeat");
    assert!(questions.is_disjoint(&world));
    let (rewrites, others): (Vec<_>, Vec<_>) = mixed
        .pretrain
        .iter()
        .partition(|e| e.question.ends_with("to make 24."));
    assert_eq!(rewrites.len(), 250);
    for e in &rewrites {
        let value = expr::eval(&e.final_answer).unwrap();
        assert_eq!(value.value, expr::Rational::int(24), "{}", e.final_answer);
    }
    // The other-target part: the unmixed corpus's first 750 puzzles, as a set.
    let plain_first: BTreeSet<&str> = plain.pretrain[..750]
        .iter()
        .map(|e| e.question.as_str())
        .collect();
    let mixed_others: BTreeSet<&str> = others.iter().map(|e| e.question.as_str()).collect();
    assert_eq!(mixed_others, plain_first);
    // Mixed, not appended: the rewrites are spread over the corpus.
    let first_half = mixed.pretrain[..500]
        .iter()
        .filter(|e| e.question.ends_with("to make 24."))
        .count();
    assert!(
        (90..=160).contains(&first_half),
        "{first_half} of 250 in the first half"
    );
    assert_eq!(draw(&spec).pretrain, mixed.pretrain);
}

/// game24's world is finite (1,362 puzzles), so D0, validation and test drawn one after
/// another would leave the later sets the puzzles the earlier ones skipped: before the
/// split, with 700 + 100 + 300 the test puzzles had 5.1 solutions on average against
/// D0's 14.8. Drawn as one set and split at random, the three are exchangeable: the
/// average number of solutions per puzzle (counted by the exhaustive solver) and the
/// share of easy structures agree within sampling error, and the sets stay disjoint.
#[test]
fn game24_sets_are_exchangeable_and_disjoint() {
    use activesynth::engine::world::Recipe;
    use activesynth::scenario::{StudentSpec, TaskSpec};
    use std::collections::{BTreeMap, BTreeSet};
    let mut solutions: BTreeMap<Vec<i64>, f64> = BTreeMap::new();
    for s in &game24::world().solutions {
        *solutions.entry(s.numbers.to_vec()).or_default() += 1.0;
    }
    let task = Game24;
    let mut spec = TaskSpec::with_defaults("game24");
    (spec.seed_size, spec.val_size, spec.test_size) = (700, 100, 300);
    let student = StudentSpec {
        pretrain_examples: 100,
        pretrain_max_difficulty: 3,
        ..StudentSpec::default()
    };
    let (mut d0_mean, mut test_mean, mut d0_easy, mut test_easy) = (0.0, 0.0, 0.0, 0.0);
    for replicate in 0..3 {
        let recipe = Recipe {
            seed: 1,
            task: &task,
            task_spec: &spec,
            replicate,
            student: &student,
        };
        let sets = recipe.draw_sets().unwrap();
        let (d0, val, test) = (&sets.d0, &sets.val, &sets.test);
        assert_eq!((d0.len(), val.len(), test.len()), (700, 100, 300));
        let questions: BTreeSet<&str> = d0
            .iter()
            .chain(val)
            .chain(test)
            .map(|e| e.question.as_str())
            .collect();
        assert_eq!(questions.len(), 1100, "sets share a puzzle");
        let mean = |v: &[Example]| {
            v.iter()
                .map(|e| {
                    let mut n = game24::puzzle_numbers(&e.question).unwrap();
                    n.sort();
                    solutions[&n]
                })
                .sum::<f64>()
                / v.len() as f64
        };
        let easy =
            |v: &[Example]| v.iter().filter(|e| e.difficulty == 1).count() as f64 / v.len() as f64;
        d0_mean += mean(d0) / 3.0;
        test_mean += mean(test) / 3.0;
        d0_easy += easy(d0) / 3.0;
        test_easy += easy(test) / 3.0;
    }
    // Solutions per puzzle have SD ≈ 10 in this world: over 3 × 300 test puzzles the
    // mean's SE is ≈ 0.35 (drawn without replacement, less), so 1.5 is > 4 SE. The
    // sequential draw gave a gap of 9.6. Easy shares: SE ≈ 0.014; sequential: 0.24 vs 0.06.
    assert!(
        (d0_mean - test_mean).abs() < 1.5,
        "{d0_mean} vs {test_mean}"
    );
    assert!(
        (d0_easy - test_easy).abs() < 0.06,
        "{d0_easy} vs {test_easy}"
    );
}
