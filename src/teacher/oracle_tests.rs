//! Tests of the oracle teacher against the fake task: prompts, ledger, dedup, knobs,
//! judge. Expected values come from the tokenizer and ROUGE-L directly, and from
//! binomial bounds for the random knobs.

use super::*;
use crate::rng::StreamKey;
use crate::teacher::prompts::synthetic_answer_prompt;
use crate::teacher::testkit::{tokenizer, FakeTask};
use crate::text::rouge::rouge_l;

fn pool(task: &dyn Task, n: usize) -> Vec<Example> {
    let mut rng = StreamKey::shared(9, "fake", 0, "d0").rng();
    let mut v: Vec<Example> = Vec::new();
    while v.len() < n {
        let e = task.generate(&mut rng, None);
        if v.iter().all(|x| x.question != e.question) {
            v.push(e);
        }
    }
    v
}

fn config(f: impl FnOnce(&mut TeacherConfig)) -> TeacherConfig {
    let mut c = TeacherConfig::for_task(&FakeTask::default());
    c.teacher.failure_rate = 0.0;
    c.teacher.answer_error_rate = 0.0;
    c.dedup_enabled = false;
    f(&mut c);
    c
}

fn teacher(task: FakeTask, c: TeacherConfig) -> (OracleTeacher, Arc<Vec<Example>>, Arc<Tokenizer>) {
    let tok = Arc::new(tokenizer(&task));
    let d0 = Arc::new(pool(&task, 40));
    let t = OracleTeacher::new(Arc::new(task), Arc::clone(&tok), c, Arc::clone(&d0));
    (t, d0, tok)
}

fn rng(i: u64) -> Rng {
    crate::rng::child(
        &StreamKey::run(1, "fake", 0, "test", 0, "teacher"),
        "call",
        i,
    )
}

#[test]
fn prompt_has_seed_and_k_shots_and_ledger_counts_the_text() {
    for k in [5u32, 3] {
        let (mut t, d0, tok) = teacher(FakeTask::default(), config(|c| c.teacher.few_shot = k));
        let seed = d0[7].clone();
        let out = t.generate(&seed, 7, 2, &mut rng(0)).unwrap();
        let syn = out.example.expect("no failure knobs set");
        assert_eq!((syn.parent, syn.iteration), (7, 2));
        assert!(out.prompt.contains(&format!(
            "#Given Instruction#:\n{}\n#Rewritten",
            seed.question
        )));
        assert_eq!(out.prompt.matches("#Answer#:").count(), k as usize);
        let shots_from_d0 = d0
            .iter()
            .filter(|e| {
                out.prompt
                    .contains(&format!("#Given Instruction#:\n{}\n#Answer#:", e.question))
            })
            .count();
        assert_eq!(shots_from_d0, k as usize);
        let g = t.ledger().usage(CallKind::Generate);
        assert_eq!(g.calls, 1);
        assert_eq!(
            g.input_tokens as usize,
            tok.encode(&out.prompt).unwrap().len()
        );
        assert_eq!(
            g.output_tokens as usize,
            tok.encode(&syn.example.question).unwrap().len()
        );
        let a = t.ledger().usage(CallKind::Answer);
        let ap = synthetic_answer_prompt(Family::Gsm8k, &syn.example);
        assert!(ap.starts_with(&format!("Question: {} Solve", syn.example.question)));
        assert_eq!(a.input_tokens as usize, tok.encode(&ap).unwrap().len());
        assert_eq!(
            a.output_tokens as usize,
            tok.encode(&syn.example.answer).unwrap().len()
        );
        assert_eq!(out.usage, t.ledger().total());
        assert!(syn.teacher_correct && out.verified);
    }
}

#[test]
fn dedup_rejects_near_duplicates_and_charges_retries() {
    let (mut t, d0, _) = teacher(FakeTask::default(), config(|c| c.dedup_enabled = true));
    let mut accepted: Vec<String> = Vec::new();
    let (mut attempts, mut retried, mut gave_up) = (0u64, 0, 0);
    for i in 0..150u64 {
        let s = (i as usize) % d0.len();
        let out = t.generate(&d0[s], s, 0, &mut rng(i)).unwrap();
        attempts += u64::from(out.attempts);
        assert!(out.attempts <= 4);
        retried += usize::from(out.attempts > 1);
        // Brute force against every earlier accepted question.
        match &out.example {
            Some(syn) => {
                let best = accepted
                    .iter()
                    .map(|q| rouge_l(q, &syn.example.question))
                    .fold(0.0, f64::max);
                assert!(best <= 0.7, "{best}");
                assert!((out.dedup_score - best).abs() < 1e-12);
                accepted.push(syn.example.question.clone());
            }
            None => {
                assert_eq!(out.failure, Some(Rejection::Duplicate));
                assert_eq!(out.attempts, 4);
                assert!(out.dedup_score > 0.7);
                gave_up += 1;
            }
        }
    }
    assert!(
        retried > 10,
        "the fake world's questions collide often: {retried}"
    );
    assert!(gave_up > 0);
    assert_eq!(t.ledger().usage(CallKind::Generate).calls, attempts);
    assert_eq!(
        t.ledger().usage(CallKind::Answer).calls,
        accepted.len() as u64
    );
    assert_eq!(t.accepted(), accepted.len());
}

/// |count − n·p| within 5 binomial standard deviations.
fn within_binomial(count: usize, n: usize, p: f64) -> bool {
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    (count as f64 - n as f64 * p).abs() <= 5.0 * sd
}

#[test]
fn failure_rate_is_honoured_and_failed_calls_charged() {
    let (mut t, d0, _) = teacher(
        FakeTask::default(),
        config(|c| c.teacher.failure_rate = 0.2),
    );
    let n = 2000;
    let mut failed = 0;
    for i in 0..n {
        let out = t
            .generate(&d0[i % 40], i % 40, 0, &mut rng(i as u64))
            .unwrap();
        if out.failure == Some(Rejection::GenerationFailed) {
            failed += 1;
            assert!(out.example.is_none());
            assert_eq!(out.usage.output_tokens, 0);
            assert!(out.usage.input_tokens > 0);
        }
    }
    assert!(within_binomial(failed, n, 0.2), "{failed}");
    assert_eq!(t.ledger().usage(CallKind::Generate).calls, n as u64);
    assert_eq!(
        t.ledger().usage(CallKind::Answer).calls,
        (n - failed) as u64
    );
}

#[test]
fn answer_error_rate_is_honoured_and_gate_filters() {
    for gate in [false, true] {
        let (mut t, d0, _) = teacher(
            FakeTask::default(),
            config(|c| {
                c.teacher.answer_error_rate = 0.3;
                c.verify_enabled = gate;
            }),
        );
        let n = 2000;
        let (mut wrong, mut kept) = (0, 0);
        for i in 0..n {
            let out = t
                .generate(&d0[i % 40], i % 40, 0, &mut rng(i as u64))
                .unwrap();
            if !out.verified {
                wrong += 1;
            }
            if let Some(s) = out.example {
                kept += 1;
                let v = FakeTask::default()
                    .verify(&s.example, &s.example.answer)
                    .correct;
                assert_eq!(v, s.teacher_correct);
                assert!(!gate || v, "the gate lets only verified answers through");
            } else {
                assert!(gate);
                assert_eq!(out.failure, Some(Rejection::NotVerified));
            }
        }
        assert!(within_binomial(wrong, n, 0.3), "{wrong}");
        assert_eq!(kept, if gate { n - wrong } else { n });
    }
}

#[test]
fn rewrite_failure_is_charged_without_example() {
    let task = FakeTask {
        rewrite_none_rate: 1.0,
    };
    let (mut t, d0, _) = teacher(task, config(|_| {}));
    let out = t.generate(&d0[0], 0, 0, &mut rng(0)).unwrap();
    assert_eq!(out.failure, Some(Rejection::RewriteFailed));
    assert!(out.example.is_none());
    assert_eq!(t.ledger().usage(CallKind::Generate).calls, 1);
    assert_eq!(t.ledger().usage(CallKind::Answer).calls, 0);
}

#[test]
fn same_stream_same_outcome() {
    let run = || {
        let (mut t, d0, _) = teacher(
            FakeTask::default(),
            TeacherConfig::for_task(&FakeTask::default()),
        );
        (0..20)
            .map(|i| t.generate(&d0[i], i, 1, &mut rng(i as u64)).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn judge_marks_wrong_students_hard_and_charges_both_orders() {
    let task = FakeTask::default();
    let (mut t, d0, tok) = teacher(
        FakeTask::default(),
        TeacherConfig::for_task(&FakeTask::default()),
    );
    let n = 200;
    let (mut hard_right, mut hard_wrong) = (0, 0);
    for i in 0..n {
        let ex = &d0[i % 40];
        let mut r = rng(i as u64);
        let wrong = task.corrupt_answer(ex, &mut r);
        hard_right += usize::from(t.judge(ex, &ex.answer, &mut r).unwrap().hard);
        hard_wrong += usize::from(t.judge(ex, &wrong, &mut r).unwrap().hard);
    }
    assert!(hard_wrong > n * 4 / 5, "{hard_wrong}");
    assert!(hard_right < n / 5, "{hard_right}");
    assert!(hard_wrong > hard_right);
    assert_eq!(t.ledger().usage(CallKind::Judge).calls, 4 * n as u64);
    assert_eq!(t.ledger().usage(CallKind::Answer).calls, 2 * n as u64);

    // One judgement's input tokens: its teacher answer prompt plus both judge prompts.
    let (mut t, d0, _) = teacher(
        FakeTask::default(),
        TeacherConfig::for_task(&FakeTask::default()),
    );
    let ex = &d0[0];
    let student = "1 + 1 = 2\n#### 2";
    let o = t.judge(ex, student, &mut rng(5)).unwrap();
    let p1 = prompts::judge_prompt(&ex.question, &o.teacher_answer, student);
    let p2 = prompts::judge_prompt(&ex.question, student, &o.teacher_answer);
    let expect = tok.count(&p1).unwrap() + tok.count(&p2).unwrap();
    assert_eq!(
        t.ledger().usage(CallKind::Judge).input_tokens as usize,
        expect
    );
    let ap = prompts::answer_prompt(Family::Gsm8k, &ex.question);
    assert_eq!(
        t.ledger().usage(CallKind::Answer).input_tokens as usize,
        tok.count(&ap).unwrap()
    );
    assert!((1.0..=10.0).contains(&o.teacher_score) && (1.0..=10.0).contains(&o.student_score));
}

/// Decontamination: with the rewrites a plain teacher makes of some game24 seeds held
/// out, a decontaminating teacher never returns a held-out question; where the plain
/// teacher's first rewrite was not held out it returns exactly that rewrite (the same
/// draws), and where it was, it retries (more attempts) or gives up with `HeldOut`.
#[test]
fn decontamination_rejects_held_out_questions_and_changes_nothing_else() {
    let task: Arc<dyn Task> = crate::tasks::by_name("game24").unwrap().into();
    let tok = Arc::new(crate::teacher::standard_tokenizer());
    let mut r = StreamKey::shared(9, "game24", 0, "d0").rng();
    let d0: Arc<Vec<Example>> = Arc::new((0..60).map(|_| task.generate(&mut r, None)).collect());
    let cfg = |decontaminate: bool| {
        let mut c = TeacherConfig::for_task(&*task);
        c.teacher.failure_rate = 0.0;
        c.decontaminate = decontaminate;
        c
    };
    let mut plain = OracleTeacher::new(task.clone(), tok.clone(), cfg(false), d0.clone());
    let first: Vec<Option<String>> = (0..60)
        .map(|i| {
            let o = plain.generate(&d0[i], i, 0, &mut rng(i as u64)).unwrap();
            o.example.map(|s| s.example.question)
        })
        .collect();
    // Hold out every other seed's rewrite.
    let held: BTreeSet<String> = first.iter().step_by(2).flatten().cloned().collect();
    assert!(held.len() >= 20, "{} held out", held.len());
    let mut clean = OracleTeacher::new(task.clone(), tok, cfg(true), d0.clone())
        .with_held_out(Arc::new(held.clone()));
    let (mut retried, mut kept) = (0, 0);
    for i in 0..60 {
        let o = clean.generate(&d0[i], i, 0, &mut rng(i as u64)).unwrap();
        let q = o.example.as_ref().map(|s| s.example.question.clone());
        assert!(
            q.as_ref().is_none_or(|q| !held.contains(q)),
            "seed {i}: {q:?}"
        );
        match &first[i] {
            Some(f) if held.contains(f) => {
                assert!(
                    o.attempts > 1 || o.failure == Some(Rejection::HeldOut),
                    "seed {i}"
                );
                retried += 1;
            }
            _ => {
                assert_eq!((&q, o.attempts), (&first[i], 1), "seed {i}");
                kept += 1;
            }
        }
    }
    assert!(
        retried >= 20 && kept >= 20,
        "{retried} retried, {kept} kept"
    );
}
