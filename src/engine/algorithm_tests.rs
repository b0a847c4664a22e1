//! Algorithm 1 with fake components: every fake appends what it was asked to a shared
//! log, so the tests assert the exact order of the calls, the growth of D̂t, what each
//! strategy is asked to score, and that the records hold what the fakes produced.

use super::*;
use crate::engine::records::{RunKey, SyntheticRecord, Tokens};
use crate::rng::StreamKey;
use crate::scenario::{LossTarget, StrategySpec};
use crate::selection::{self, Need, SeedScores, Selector};
use crate::tasks::{self, Example};
use std::cell::RefCell;
use std::rc::Rc;

type Log = Rc<RefCell<Vec<String>>>;

const N: usize = 12;
const M: usize = 4;
const T: u32 = 3;

fn d0() -> Vec<Example> {
    let task = tasks::by_name("arith").unwrap();
    let mut rng = StreamKey::shared(7, "arith", 0, "fake-d0").rng();
    (0..N)
        .map(|i| task.generate(&mut rng, Some(1 + (i as u32 % 4))))
        .collect()
}

/// The fake student's loss: a known function of the example.
fn loss(ex: &Example) -> f64 {
    ex.difficulty as f64 + ex.question.len() as f64 / 1000.0
}

/// The fake student answers correctly exactly the examples of difficulty ≤ 2.
fn answer(ex: &Example) -> String {
    if ex.difficulty <= 2 {
        ex.answer.clone()
    } else {
        "#### wrong".into()
    }
}

/// The fake reward: a known function of the example and the answer.
fn reward_of(ex: &Example, ans: &str) -> f64 {
    ex.difficulty as f64 / 10.0 + (ans == ex.answer) as u8 as f64
}

/// The fake teacher's child of seed `p`: deterministic, and rejected when `p % 5 == 3`.
fn child(d0: &[Example], p: usize) -> Option<Example> {
    (p % 5 != 3).then(|| {
        let mut c = d0[(p + 1) % d0.len()].clone();
        c.difficulty = 100 + p as u32;
        c
    })
}

fn tokens_after(calls: u64) -> Tokens {
    Tokens {
        input: 10 * calls,
        output: 3 * calls,
        judge_input: 0,
        judge_output: 0,
        calls,
    }
}

struct FakeStudent {
    log: Log,
    d0: Vec<Example>,
    /// What the current model was fine-tuned on (`None`: the base).
    current: Option<Vec<Example>>,
    /// Make the own-generation loss of seed 0 NaN at this iteration.
    nan_at: Option<u32>,
}

impl LoopStudent for FakeStudent {
    async fn predict_seeds(&mut self) -> Res<Vec<String>> {
        self.log.borrow_mut().push("student.predict_seeds".into());
        Ok(self.d0.iter().map(answer).collect())
    }
    async fn score_seeds(
        &mut self,
        needs: Vec<Need>,
        answers: Vec<String>,
        iteration: u32,
    ) -> Res<SeedScores> {
        self.log
            .borrow_mut()
            .push(format!("student.score_seeds t={iteration} {needs:?}"));
        assert_eq!(answers, self.d0.iter().map(answer).collect::<Vec<_>>());
        let l: Vec<f64> = self.d0.iter().map(loss).collect();
        let mut s = SeedScores {
            n: self.d0.len(),
            ..Default::default()
        };
        if needs.contains(&Need::LossOwn) {
            let mut own = l.clone();
            if self.nan_at == Some(iteration) {
                own[0] = f64::NAN;
            }
            s.loss_own = Some(own);
        }
        if needs.contains(&Need::LossGt) {
            s.loss_gt = Some(l.iter().map(|x| 2.0 * x).collect());
        }
        if needs.contains(&Need::GradEmbed) {
            let emb = l.iter().flat_map(|&x| [x as f32, -(x as f32)]).collect();
            s.grad_embed = Some((emb, 2));
        }
        Ok(s)
    }
    async fn probe(&mut self, examples: Vec<Example>) -> Res<Probe> {
        self.log
            .borrow_mut()
            .push(format!("student.probe n={}", examples.len()));
        Ok(Probe {
            answers: examples.iter().map(answer).collect(),
            loss: examples.iter().map(loss).collect(),
        })
    }
    async fn train_from_base(&mut self, examples: Vec<Example>, iteration: u32) -> Res<Trained> {
        self.log.borrow_mut().push(format!(
            "student.train_from_base t={iteration} n={}",
            examples.len()
        ));
        // Restart from the base: the new model depends on this set only.
        let n = examples.len();
        self.current = Some(examples);
        Ok(Trained {
            val_accuracy: n as f64 / 1000.0,
            best_epoch: iteration + 1,
            tokens_per_s: 1.0,
            diverged_epoch: None,
        })
    }
    async fn evaluate_test(&mut self) -> Res<f64> {
        self.log.borrow_mut().push("student.evaluate_test".into());
        Ok(self
            .current
            .as_ref()
            .map_or(0.0, |c| c.len() as f64 / 100.0))
    }
}

struct FakeTeacher {
    log: Log,
    d0: Vec<Example>,
    calls: u64,
}

impl LoopTeacher for FakeTeacher {
    async fn judge_seeds(&mut self, answers: Vec<String>, iteration: u32) -> Res<JudgeScores> {
        self.log.borrow_mut().push(format!(
            "teacher.judge_seeds t={iteration} n={}",
            answers.len()
        ));
        self.calls += answers.len() as u64;
        Ok(JudgeScores {
            gap: (0..answers.len()).map(|i| i as f64 * 0.5).collect(),
            hard: (0..answers.len()).map(|i| i % 2 == 0).collect(),
        })
    }
    async fn generate(&mut self, parents: Vec<usize>, iteration: u32) -> Res<Vec<Generated>> {
        self.log.borrow_mut().push(format!(
            "teacher.generate t={iteration} parents={parents:?}"
        ));
        self.calls += parents.len() as u64;
        Ok(parents
            .iter()
            .filter_map(|&p| {
                child(&self.d0, p).map(|example| Generated {
                    record: SyntheticRecord {
                        iteration,
                        parent: p as u32,
                        attempts: 1 + p as u32 % 3,
                        dedup_score: p as f64 / 100.0,
                        verified: true,
                        difficulty: example.difficulty,
                        parent_loss: 0.0,
                        parent_reward: 0.0,
                        parent_correct: false,
                        loss: 0.0,
                        reward: 0.0,
                        correct: false,
                        question: example.question.clone(),
                        answer: example.answer.clone(),
                    },
                    example,
                })
            })
            .collect())
    }
    async fn tokens(&mut self) -> Res<Tokens> {
        self.log.borrow_mut().push("teacher.tokens".into());
        Ok(tokens_after(self.calls))
    }
}

struct FakeVerifier {
    log: Log,
}

impl LoopVerifier for FakeVerifier {
    async fn verify(&mut self, examples: Vec<Example>, answers: Vec<String>) -> Res<Vec<bool>> {
        self.log
            .borrow_mut()
            .push(format!("verifier.verify n={}", examples.len()));
        assert_eq!(examples.len(), answers.len());
        Ok(examples
            .iter()
            .zip(&answers)
            .map(|(e, a)| *a == e.answer)
            .collect())
    }
}

struct FakeReward {
    log: Log,
}

impl LoopReward for FakeReward {
    async fn reward(
        &mut self,
        examples: Vec<Example>,
        answers: Vec<String>,
        stream_ids: Vec<u64>,
        iteration: u32,
        purpose: &'static str,
    ) -> Res<Vec<f64>> {
        self.log.borrow_mut().push(format!(
            "reward.reward t={iteration} {purpose} n={}",
            examples.len()
        ));
        assert_eq!(stream_ids, (0..examples.len() as u64).collect::<Vec<_>>());
        Ok(examples
            .iter()
            .zip(&answers)
            .map(|(e, a)| reward_of(e, a))
            .collect())
    }
}

/// Picks seeds `t·m .. t·m + m` (mod n), and logs which scores it was given.
struct FakeSelector {
    log: Log,
}

fn present(s: &SeedScores) -> String {
    let mut v = Vec::new();
    for (name, is) in [
        ("loss_own", s.loss_own.is_some()),
        ("loss_gt", s.loss_gt.is_some()),
        ("correct", s.correct.is_some()),
        ("reward", s.reward.is_some()),
        ("judge", s.judge_gap.is_some() && s.judge_hard.is_some()),
        ("grad_embed", s.grad_embed.is_some()),
    ] {
        if is {
            v.push(name);
        }
    }
    v.join(",")
}

impl LoopSelector for FakeSelector {
    async fn select(&mut self, scores: SeedScores, m: usize, iteration: u32) -> Res<Vec<usize>> {
        self.log.borrow_mut().push(format!(
            "selector.select t={iteration} m={m} [{}]",
            present(&scores)
        ));
        let t = iteration as usize;
        Ok((0..m).map(|j| (t * m + j) % scores.n).collect())
    }
}

/// A real strategy (as the Selector actor runs it), logging which scores it was given.
struct RealSelector {
    log: Log,
    selector: Box<dyn Selector>,
}

impl LoopSelector for RealSelector {
    async fn select(&mut self, scores: SeedScores, m: usize, iteration: u32) -> Res<Vec<usize>> {
        self.log.borrow_mut().push(format!(
            "selector.select t={iteration} m={m} [{}]",
            present(&scores)
        ));
        let mut rng =
            StreamKey::run(7, "arith", 0, self.selector.label(), iteration, "select").rng();
        self.selector
            .select(&scores, m, &mut rng)
            .map_err(|e| ActorFailure::caused_by("selector", e))
    }
}

type Fakes<L> = Components<FakeStudent, FakeTeacher, FakeVerifier, FakeReward, L>;

fn fakes<L>(log: &Log, selector: L) -> Fakes<L> {
    Components {
        student: FakeStudent {
            log: log.clone(),
            d0: d0(),
            current: None,
            nan_at: None,
        },
        teacher: FakeTeacher {
            log: log.clone(),
            d0: d0(),
            calls: 0,
        },
        verifier: FakeVerifier { log: log.clone() },
        reward: FakeReward { log: log.clone() },
        selector,
    }
}

fn fake_selector(log: &Log) -> FakeSelector {
    FakeSelector { log: log.clone() }
}

/// Run the loop on the fakes (on an actix system, as the Coordinator does).
fn run_loop<L: LoopSelector>(
    needs: &[Need],
    c: &mut Fakes<L>,
    log: &Log,
) -> Result<RunRecord, ActorFailure> {
    let d0 = d0();
    let tokenizer = crate::teacher::standard_tokenizer();
    let setup = Setup {
        key: RunKey {
            task: "arith".into(),
            replicate: 0,
            strategy: "fake".into(),
        },
        d0: &d0,
        iterations: T,
        samples_per_iteration: M,
        needs,
        tokenizer: &tokenizer,
        learning_rate: 0.5,
        weight_decay: 0.25,
        base_test_accuracy: 0.125,
        base_val_accuracy: 0.375,
    };
    let progress = log.clone();
    actix::System::new().block_on(run(&setup, c, move |t, acc| {
        progress
            .borrow_mut()
            .push(format!("progress t={t} acc={acc}"))
    }))
}

fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.borrow_mut())
}

/// The parents the fake selector picks at iteration t, and how many children they get.
fn picks(t: usize) -> Vec<usize> {
    (0..M).map(|j| (t * M + j) % N).collect()
}

fn accepted(t: usize) -> usize {
    picks(t)
        .iter()
        .filter(|&&p| child(&d0(), p).is_some())
        .count()
}

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
fn a_strategy_that_needs_no_scores_gets_no_predictions() {
    let log: Log = Rc::default();
    let mut c = fakes(&log, fake_selector(&log));
    let rec = run_loop(&[], &mut c, &log).unwrap();
    let calls = take(&log);
    assert_eq!(calls[0], format!("selector.select t=0 m={M} []"));
    assert!(!calls.iter().any(|c| c.contains("predict")
        || c.contains("score_seeds")
        || c.contains("judge")
        || c.contains("seed-reward")));
    assert!(rec.iterations.iter().all(|i| i.seed_scores.is_empty()));
}

/// The calls made at iteration 0 before the selection, for a real strategy.
fn scoring_calls(spec: &StrategySpec) -> (Vec<String>, Vec<String>) {
    let log: Log = Rc::default();
    let selector = selection::from_spec(spec, &spec.resolved_label()).unwrap();
    let needs = selector.needs();
    let mut c = fakes(
        &log,
        RealSelector {
            log: log.clone(),
            selector,
        },
    );
    let rec = run_loop(&needs, &mut c, &log).unwrap();
    let calls = take(&log);
    let before: Vec<String> = calls
        .iter()
        .take_while(|c| !c.starts_with("selector.select"))
        .cloned()
        .collect();
    // Every iteration asks the same, and the strategy got exactly what it asked for.
    let per_iteration = calls
        .iter()
        .filter(|c| c.as_str() == before.first().map_or("", |s| s.as_str()))
        .count();
    if !before.is_empty() {
        assert_eq!(per_iteration, T as usize, "{}", spec.name);
    }
    let columns = rec.iterations[0]
        .seed_scores
        .iter()
        .map(|(n, _)| n.clone())
        .collect();
    (before, columns)
}

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

#[test]
fn each_strategy_is_asked_to_score_exactly_what_it_needs() {
    let predict = "student.predict_seeds";
    let mut loss_gt = spec("loss");
    loss_gt.target = Some(LossTarget::Gt);
    let cases: Vec<(StrategySpec, Vec<String>, Vec<&str>)> = vec![
        (spec("random"), vec![], vec![]),
        (
            spec("loss"),
            vec![predict.into(), "student.score_seeds t=0 [LossOwn]".into()],
            vec!["loss_own"],
        ),
        (
            loss_gt,
            vec![predict.into(), "student.score_seeds t=0 [LossGt]".into()],
            vec!["loss_gt"],
        ),
        (
            spec("reward"),
            vec![
                predict.into(),
                format!("reward.reward t=0 seed-reward n={N}"),
            ],
            vec!["reward"],
        ),
        (
            spec("judge-hard"),
            vec![predict.into(), format!("teacher.judge_seeds t=0 n={N}")],
            vec!["judge_gap"],
        ),
        (
            spec("lion"),
            vec![predict.into(), format!("teacher.judge_seeds t=0 n={N}")],
            vec!["judge_gap"],
        ),
        (
            spec("incorrect"),
            vec![predict.into(), format!("verifier.verify n={N}")],
            vec!["correct"],
        ),
        (
            spec("evokd"),
            vec![predict.into(), format!("verifier.verify n={N}")],
            vec!["correct"],
        ),
        (
            spec("badge"),
            vec![predict.into(), "student.score_seeds t=0 [GradEmbed]".into()],
            vec![],
        ),
    ];
    for (s, calls, columns) in cases {
        let (got_calls, got_columns) = scoring_calls(&s);
        assert_eq!(got_calls, calls, "strategy {}", s.resolved_label());
        assert_eq!(got_columns, columns, "strategy {}", s.resolved_label());
    }
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
