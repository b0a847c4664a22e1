//! Algorithm 1 with fake components: every fake appends what it was asked to a shared
//! log, so the tests assert the exact order of the calls, the growth of D̂t, what each
//! strategy is asked to score, and that the records hold what the fakes produced. The
//! fakes live here; the tests, by theme, in `order.rs` (iteration order, growth of D̂t,
//! records, failures) and `strategies.rs` (what each strategy is asked to score).

use super::*;
use crate::engine::records::{RunKey, SyntheticRecord, Tokens};
use crate::rng::StreamKey;
use crate::scenario::{LossTarget, StrategySpec};
use crate::selection::{self, Need, SeedScores, Selector};
use crate::tasks::{self, Example};
use std::cell::RefCell;
use std::rc::Rc;

mod order;
mod strategies;

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
    async fn evaluate_test(&mut self) -> Res<TestOutcome> {
        self.log.borrow_mut().push("student.evaluate_test".into());
        let accuracy = self
            .current
            .as_ref()
            .map_or(0.0, |c| c.len() as f64 / 100.0);
        // A 100-item test set whose first |D̂t| items are right: the verdicts' mean is
        // the accuracy, so recording them is checked without a real student.
        let n = self.current.as_ref().map_or(0, Vec::len);
        let correct = (0..100).map(|i| i < n).collect();
        Ok(TestOutcome { accuracy, correct })
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
                    record: SyntheticRecord::unscored(
                        iteration,
                        p as u32,
                        1 + p as u32 % 3,
                        p as f64 / 100.0,
                        true,
                        &example,
                    ),
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
