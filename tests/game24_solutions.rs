//! `tasks[].solutions_per_question`: a game24 D0 whose data points are solutions, as the
//! paper counts its Game of 24 seed set (D.1). Checked against an independent evaluation
//! of every expression and against the world with one solution per puzzle.

use activesynth::engine::world::{Recipe, WorldSets};
use activesynth::scenario::{PretrainCorpus, StudentSpec, TaskSpec};
use activesynth::tasks::expr::{self, Rational};
use activesynth::tasks::game24::{puzzle_numbers, Game24};
use activesynth::tasks::{Example, Task};
use std::collections::{BTreeMap, BTreeSet};

/// Whether `e`'s final answer makes 24 from exactly its question's four numbers
/// (evaluated by the expression parser, not by the solver that produced it).
fn solves_its_puzzle(e: &Example) -> bool {
    let mut want = puzzle_numbers(&e.question).unwrap();
    let v = expr::eval(&e.final_answer).unwrap();
    let mut lit = v.literals.clone();
    want.sort();
    lit.sort();
    v.value == Rational::int(24) && lit == want
}

fn try_draw(spec: &TaskSpec, student: &StudentSpec) -> anyhow::Result<WorldSets> {
    Recipe {
        seed: 11,
        task: &Game24,
        task_spec: spec,
        replicate: 2,
        student,
    }
    .draw_sets()
}

fn draw(spec: &TaskSpec, student: &StudentSpec) -> WorldSets {
    try_draw(spec, student).unwrap()
}

#[test]
fn other_answers_are_the_puzzles_other_solutions() {
    let task = Game24;
    let mut rng = activesynth::rng::StreamKey::shared(1, "game24", 0, "t").rng();
    let mut several = 0;
    for _ in 0..200 {
        let ex = task.generate(&mut rng, None);
        let others = task.other_answers(&ex);
        let mut finals: BTreeSet<&str> = others.iter().map(|o| o.final_answer.as_str()).collect();
        assert_eq!(
            finals.len(),
            others.len(),
            "answers repeat for {}",
            ex.question
        );
        assert!(
            finals.insert(&ex.final_answer),
            "the drawn answer is among the others"
        );
        for o in &others {
            assert_eq!(o.question, ex.question);
            assert!(
                solves_its_puzzle(o),
                "{} does not solve {}",
                o.final_answer,
                o.question
            );
            assert!(task.verify(&ex, &o.answer).correct);
        }
        several += usize::from(!others.is_empty());
    }
    // Most puzzles have several solutions (D0 averaged ~15 per puzzle).
    assert!(
        several > 150,
        "{several} of 200 puzzles with more than one solution"
    );
    // A question the world does not hold has none.
    let mut odd = task.generate(&mut rng, None);
    odd.question = "Use 97 98 99 100 to make 24.".into();
    assert!(task.other_answers(&odd).is_empty());
}

#[test]
fn several_solutions_per_puzzle_keep_the_one_solution_worlds_other_sets() {
    // The calibrated world's corpus: other targets, a quarter target-24 rewrites.
    let student = StudentSpec {
        pretrain_examples: 1000,
        pretrain_max_difficulty: 3,
        ..StudentSpec::default()
    };
    let mut one = TaskSpec::with_defaults("game24");
    (one.seed_size, one.val_size, one.test_size) = (700, 100, 300);
    one.pretrain_corpus = PretrainCorpus::OtherTargets;
    one.pretrain_rewrite_share = Some(0.25);
    let mut three = one.clone();
    three.seed_size = 2099; // ⌈2099 / 3⌉ = 700 puzzles
    three.solutions_per_question = Some(3);
    let a = draw(&one, &student);
    let b = draw(&three, &student);
    // Validation, test and the base's corpus are the one-solution world's: its cached
    // base is this world's base.
    assert_eq!(b.val, a.val);
    assert_eq!(b.test, a.test);
    assert_eq!(b.pretrain, a.pretrain);
    assert_eq!(b.taken, a.taken);
    assert_eq!(b.d0.len(), 2099);
    assert_eq!(draw(&three, &student).d0, b.d0, "not deterministic");

    let mut per_question: BTreeMap<&str, Vec<&Example>> = BTreeMap::new();
    for e in &b.d0 {
        assert!(solves_its_puzzle(e), "{} / {}", e.question, e.final_answer);
        per_question.entry(&e.question).or_default().push(e);
    }
    for (q, answers) in &per_question {
        let finals: BTreeSet<&str> = answers.iter().map(|e| e.final_answer.as_str()).collect();
        assert_eq!(finals.len(), answers.len(), "{q}: an answer repeats");
    }
    // Exactly the one-solution world's puzzles, each with its drawn solution.
    assert_eq!(per_question.len(), 700);
    for e in &a.d0 {
        let got = &per_question[e.question.as_str()];
        assert!(got.iter().any(|g| g.final_answer == e.final_answer));
    }
    // Up to 3 each; the room the puzzles with fewer leave is made up one solution at a
    // time by the puzzles with more, so no puzzle holds more than one above the others'
    // cap: counts are min(solutions, c) or min(solutions, c + 1) for one c ≥ 3.
    let solutions = |e: &Example| 1 + Game24.other_answers(e).len();
    let room: usize = a.d0.iter().map(|e| 3 - solutions(e).min(3)).sum();
    assert!(
        room > 0,
        "this world has puzzles with fewer than 3 solutions"
    );
    let c = per_question.values().map(|v| v.len()).max().unwrap() - 1;
    assert!(c >= 3, "the room was not made up: cap {c}");
    for e in &a.d0 {
        let (n, got) = (solutions(e), per_question[e.question.as_str()].len());
        assert!(
            got == n.min(c) || got == n.min(c + 1) || got + 1 == n.min(c),
            "{}: {got} of {n} solutions with cap {c}",
            e.question
        );
    }
    // Shuffled: a puzzle's solutions are not kept together.
    let adjacent =
        b.d0.windows(2)
            .filter(|w| w[0].question == w[1].question)
            .count();
    assert!(adjacent < 200, "{adjacent} adjacent pairs share a puzzle");
    // More data points than the puzzles' solutions: refused with the count.
    let mut all = three.clone();
    all.solutions_per_question = Some(1000);
    all.seed_size = 700_000;
    let err = try_draw(&all, &student)
        .err()
        .expect("more than every solution");
    assert!(err.to_string().contains("answers in all"), "{err}");
}
