//! Algorithm 1 on the fakes: the order of the calls, the growth of D̂t, what the records
//! hold, and how a non-finite score or a failing component ends the run.

use super::*;

#[test]
fn iteration_order_with_every_score() {
    let log: Log = Rc::default();
    let needs = [
        Need::LossOwn,
        Need::LossGt,
        Need::Correct,
        Need::Reward,
        Need::Judge,
        Need::GradEmbed,
    ];
    let mut c = fakes(&log, fake_selector(&log));
    run_loop(&needs, &mut c, &log).unwrap();
    let mut expected = Vec::new();
    let mut total = 0;
    for t in 0..T as usize {
        let k = accepted(t);
        total += k;
        expected.extend([
            "student.predict_seeds".to_string(),
            format!("student.score_seeds t={t} [LossOwn, LossGt, GradEmbed]"),
            format!("verifier.verify n={N}"),
            format!("reward.reward t={t} seed-reward n={N}"),
            format!("teacher.judge_seeds t={t} n={N}"),
            format!(
                "selector.select t={t} m={M} [loss_own,loss_gt,correct,reward,judge,grad_embed]"
            ),
            format!("teacher.generate t={t} parents={:?}", picks(t)),
            format!("student.probe n={}", 2 * k),
            format!("verifier.verify n={}", 2 * k),
            format!("reward.reward t={t} probe-reward n={}", 2 * k),
            format!("student.train_from_base t={t} n={total}"),
            "student.evaluate_test".to_string(),
            "teacher.tokens".to_string(),
            format!("progress t={t} acc={}", total as f64 / 100.0),
        ]);
    }
    assert_eq!(take(&log), expected);
}

#[test]
fn the_synthetic_set_accumulates_and_each_fine_tune_gets_all_of_it() {
    let log: Log = Rc::default();
    let mut c = fakes(&log, fake_selector(&log));
    let rec = run_loop(&[Need::LossOwn], &mut c, &log).unwrap();
    let ks: Vec<usize> = (0..T as usize).map(accepted).collect();
    // The fake teacher rejects some parents: fewer than m children in some iterations.
    assert_eq!(ks, [3, 4, 3]);
    let sizes: Vec<u32> = rec.iterations.iter().map(|i| i.train_size).collect();
    assert_eq!(sizes, [3, 7, 10]);
    let generated: Vec<u32> = rec.iterations.iter().map(|i| i.generated).collect();
    assert_eq!(generated, [3, 4, 3]);
    // Every fine-tune is asked to start from the base (the only training call there is)
    // with the whole of D̂t: the fake's model after iteration t saw exactly D̂t, which is
    // what its test accuracy reports.
    let trains: Vec<String> = take(&log)
        .into_iter()
        .filter(|c| c.starts_with("student.train_from_base"))
        .collect();
    assert_eq!(
        trains,
        [
            "student.train_from_base t=0 n=3",
            "student.train_from_base t=1 n=7",
            "student.train_from_base t=2 n=10"
        ]
    );
    let acc: Vec<f64> = rec.iterations.iter().map(|i| i.test_accuracy).collect();
    assert_eq!(acc, [0.03, 0.07, 0.10]);
    // The per-item verdicts are recorded beside the accuracy, as the student gave them.
    let right: Vec<usize> = rec
        .iterations
        .iter()
        .map(|i| {
            assert_eq!(i.test_correct.len(), 100);
            i.test_correct.iter().filter(|c| **c).count()
        })
        .collect();
    assert_eq!(right, [3, 7, 10]);
    let trained_on = c.student.current.unwrap();
    let d0 = d0();
    let expected: Vec<Example> = (0..T as usize)
        .flat_map(picks)
        .filter_map(|p| child(&d0, p))
        .collect();
    assert_eq!(trained_on, expected);
}

#[test]
fn records_hold_what_the_fakes_produced() {
    let log: Log = Rc::default();
    let mut c = fakes(&log, fake_selector(&log));
    let needs = [Need::LossOwn, Need::Correct, Need::Reward, Need::Judge];
    let rec = run_loop(&needs, &mut c, &log).unwrap();
    let d0 = d0();
    let tokenizer = crate::teacher::standard_tokenizer();
    assert_eq!(rec.key.strategy, "fake");
    assert_eq!(
        (rec.base_test_accuracy, rec.base_val_accuracy),
        (0.125, 0.375)
    );
    assert_eq!(rec.iterations.len(), T as usize);
    assert_eq!(rec.timing.per_iteration_s.len(), T as usize);
    assert_eq!(rec.timing.train_tokens_per_s, vec![1.0; T as usize]);
    let mut train_set = Vec::new();
    let mut calls = 0u64;
    for (t, it) in rec.iterations.iter().enumerate() {
        assert_eq!(it.iteration, t as u32);
        let sel: Vec<u32> = picks(t).iter().map(|&p| p as u32).collect();
        assert_eq!(it.selected, sel);
        let names: Vec<&str> = it.seed_scores.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["correct", "judge_gap", "loss_own", "reward"]);
        let col = |name: &str| {
            it.seed_scores
                .iter()
                .find(|(n, _)| n == name)
                .unwrap()
                .1
                .clone()
        };
        let correct: Vec<f64> = d0
            .iter()
            .map(|e| (answer(e) == e.answer) as u8 as f64)
            .collect();
        assert_eq!(col("correct"), correct);
        assert!(correct.contains(&0.0) && correct.contains(&1.0));
        assert_eq!(col("loss_own"), d0.iter().map(loss).collect::<Vec<_>>());
        let rewards: Vec<f64> = d0.iter().map(|e| reward_of(e, &answer(e))).collect();
        assert_eq!(col("reward"), rewards);
        assert_eq!(
            col("judge_gap"),
            (0..N).map(|i| i as f64 * 0.5).collect::<Vec<_>>()
        );
        train_set.extend(picks(t).into_iter().filter_map(|p| child(&d0, p)));
        calls += (N + M) as u64;
        assert_eq!(it.tokens, tokens_after(calls));
        assert_eq!(it.val_accuracy, train_set.len() as f64 / 1000.0);
        assert_eq!(it.best_epoch, t as u32 + 1);
        let refs: Vec<&Example> = train_set.iter().collect();
        assert_eq!(it.token_hist, token_hist(&tokenizer, &refs).unwrap());
    }
    // One synthetic record per accepted child, with the before/after scores of parent
    // and child under the student of its iteration.
    let expected: Vec<(u32, u32)> = (0..T)
        .flat_map(|t| {
            picks(t as usize)
                .into_iter()
                .filter(|&p| child(&d0, p).is_some())
                .map(move |p| (t, p as u32))
        })
        .collect();
    let got: Vec<(u32, u32)> = rec
        .synthetic
        .iter()
        .map(|s| (s.iteration, s.parent))
        .collect();
    assert_eq!(got, expected);
    for s in &rec.synthetic {
        let parent = &d0[s.parent as usize];
        let kid = child(&d0, s.parent as usize).unwrap();
        assert_eq!((&s.question, &s.answer), (&kid.question, &kid.answer));
        assert_eq!(s.difficulty, 100 + s.parent);
        assert_eq!(s.attempts, 1 + s.parent % 3);
        assert_eq!(s.parent_loss, loss(parent));
        assert_eq!(s.loss, loss(&kid));
        assert_eq!(s.parent_reward, reward_of(parent, &answer(parent)));
        assert_eq!(s.reward, reward_of(&kid, &answer(&kid)));
        assert_eq!(s.parent_correct, answer(parent) == parent.answer);
        assert_eq!(s.correct, answer(&kid) == kid.answer);
    }
}

#[test]
fn a_non_finite_score_stops_the_run_before_selection() {
    let log: Log = Rc::default();
    let mut c = fakes(&log, fake_selector(&log));
    c.student.nan_at = Some(1);
    let err = run_loop(&[Need::LossOwn], &mut c, &log).unwrap_err();
    assert_eq!(err.actor, "student");
    assert!(
        err.message
            .starts_with("diverged at iteration 1: loss_own of seed 0 is NaN")
            && err.message.contains("(now 0.5)")
            && err.message.contains("(now 0.25)"),
        "{err}"
    );
    let calls = take(&log);
    assert_eq!(
        calls.last().unwrap(),
        "student.score_seeds t=1 [LossOwn]",
        "nothing runs after the divergence"
    );
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("progress")).count(),
        1
    );
}

/// A selector that fails at iteration 1.
struct FailingSelector {
    log: Log,
}

impl LoopSelector for FailingSelector {
    async fn select(&mut self, scores: SeedScores, m: usize, iteration: u32) -> Res<Vec<usize>> {
        self.log
            .borrow_mut()
            .push(format!("selector.select t={iteration}"));
        if iteration == 1 {
            return Err(ActorFailure::new("selector", "boom"));
        }
        Ok((0..m.min(scores.n)).collect())
    }
}

#[test]
fn a_failing_component_fails_the_run_and_nothing_runs_after_it() {
    let log: Log = Rc::default();
    let mut c = fakes(&log, FailingSelector { log: log.clone() });
    let err = run_loop(&[], &mut c, &log).unwrap_err();
    assert_eq!(err.to_string(), "selector actor failed: boom");
    let calls = take(&log);
    assert_eq!(calls.last().unwrap(), "selector.select t=1");
    assert!(c.student.current.is_some(), "iteration 0 trained");
}

#[test]
fn an_actor_failure_keeps_its_cause_chain() {
    use anyhow::Context as _;
    let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
    let err = Err::<(), _>(io)
        .context("reading the validation set")
        .context("validation pass of iteration 2")
        .unwrap_err();
    let f = ActorFailure::caused_by("student", err);
    assert_eq!(
        f.to_string(),
        "student actor failed: validation pass of iteration 2"
    );
    let top = anyhow::Error::new(f.clone()).context("run arith/r0/loss-own-high failed");
    let chain: Vec<String> = top.chain().map(|c| c.to_string()).collect();
    assert_eq!(
        chain,
        [
            "run arith/r0/loss-own-high failed",
            "student actor failed: validation pass of iteration 2",
            "reading the validation set",
            "no such file",
        ]
    );
    assert!(std::error::Error::source(&f)
        .unwrap()
        .to_string()
        .contains("reading the validation set"));
    assert_eq!(
        f.full_message(),
        "validation pass of iteration 2: reading the validation set: no such file"
    );
}
