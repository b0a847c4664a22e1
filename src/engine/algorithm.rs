//! Algorithm 1 (docs/architecture.md §1) as one plain function, [`run`], over small traits
//! for the components it talks to: the student ([`LoopStudent`]), the teacher
//! ([`LoopTeacher`]), the verifier ([`LoopVerifier`]), the reward model ([`LoopReward`])
//! and the selector ([`LoopSelector`]). The actors of `crate::actors` are thin adapters
//! that implement these traits by sending messages to the actor that owns the state (the
//! model, the ledger, the dedup index); the unit tests (`algorithm_tests/`) drive the
//! same function with fake components.
//!
//! The function owns only the growing synthetic set D̂t and the records. Every call is
//! awaited in turn: the order of the calls is part of the result (each component draws
//! from its own named streams, so the order does not change any draw, but the student's
//! current model does depend on it).

// The traits are used with concrete generic types only (never `dyn`), inside one
// single-threaded actix future, so the missing `Send` bound on their futures is intended.
#![allow(async_fn_in_trait)]

use crate::engine::records::{
    IterationRecord, RunKey, RunRecord, RunTiming, SyntheticRecord, Tokens,
};
use crate::engine::world::token_hist;
use crate::selection::{Need, SeedScores};
use crate::tasks::Example;
use crate::text::Tokenizer;
use std::sync::Arc;
use std::time::Instant;

/// A failure inside a component of the loop (an error or a caught panic), naming it.
/// When an error caused it, that error is kept whole: `message` is its own text and
/// [`std::error::Error::source`] continues with its causes, so a report that walks the
/// chain (`cli::chain`, `{:#}`) shows every cause once.
#[derive(Clone, Debug)]
pub struct ActorFailure {
    pub actor: &'static str,
    /// What failed: the causing error's own text, or a panic's, closed mailbox's or
    /// divergence's description.
    pub message: String,
    /// The error that failed the component, with its source chain.
    pub cause: Option<Arc<anyhow::Error>>,
}

impl ActorFailure {
    /// A failure described by a message alone (a panic, a closed mailbox, divergence).
    pub fn new(actor: &'static str, message: impl Into<String>) -> Self {
        ActorFailure {
            actor,
            message: message.into(),
            cause: None,
        }
    }

    /// A failure caused by an error, which is kept with its source chain.
    pub fn caused_by(actor: &'static str, error: impl Into<anyhow::Error>) -> Self {
        let error = error.into();
        ActorFailure {
            actor,
            message: error.to_string(),
            cause: Some(Arc::new(error)),
        }
    }

    /// The message with every cause, joined by ": " (as the CLI prints it).
    pub fn full_message(&self) -> String {
        match &self.cause {
            Some(e) => format!("{e:#}"),
            None => self.message.clone(),
        }
    }
}

/// Equal when the component, the message and the cause chain's texts are.
impl PartialEq for ActorFailure {
    fn eq(&self, other: &Self) -> bool {
        self.actor == other.actor && self.full_message() == other.full_message()
    }
}

impl std::fmt::Display for ActorFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} actor failed: {}", self.actor, self.message)
    }
}

impl std::error::Error for ActorFailure {
    /// The causing error's own source: its text is already `message`.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().and_then(|e| {
            let e: &(dyn std::error::Error + 'static) = e.as_ref();
            e.source()
        })
    }
}

/// The failure of a run whose training or scores stopped being finite: names the step
/// and the knobs that cause it (divergence is a property of the recipe, not a bug).
pub fn divergence(iteration: u32, what: &str, lr: f64, wd: f64) -> ActorFailure {
    ActorFailure::new(
        "student",
        format!(
            "diverged at iteration {iteration}: {what} is NaN or infinite; lower student.learning_rate (now {lr}) or student.weight_decay (now {wd}), or raise student.warmup_fraction"
        ),
    )
}

/// The index of the first non-finite value, if any.
pub fn first_non_finite(v: &[f64]) -> Option<usize> {
    v.iter().position(|x| !x.is_finite())
}

/// What [`LoopStudent::probe`] returns.
#[derive(Clone, Debug)]
pub struct Probe {
    pub answers: Vec<String>,
    pub loss: Vec<f64>,
}

/// What [`LoopStudent::train_from_base`] returns.
#[derive(Clone, Debug)]
pub struct Trained {
    pub val_accuracy: f64,
    pub best_epoch: u32,
    pub tokens_per_s: f64,
    /// The first epoch (0-based) whose mean loss was NaN or infinite, if any, or
    /// `Some(epochs)` when the restored weights themselves are non-finite: the run
    /// diverged and must fail rather than record NaN results.
    pub diverged_epoch: Option<usize>,
}

/// What [`LoopStudent::evaluate_test`] returns: the accuracy and the verdict on each test
/// item, in test-set order (recorded so that the report can pair strategies item by item
/// and break differences down by difficulty).
#[derive(Clone, Debug)]
pub struct TestOutcome {
    pub accuracy: f64,
    pub correct: Vec<bool>,
}

/// What [`LoopTeacher::judge_seeds`] returns.
#[derive(Clone, Debug)]
pub struct JudgeScores {
    pub gap: Vec<f64>,
    pub hard: Vec<bool>,
}

/// One accepted synthetic example with its provenance (scores are filled in later by
/// the loop).
#[derive(Clone, Debug)]
pub struct Generated {
    pub example: Example,
    pub record: SyntheticRecord,
}

type Res<T> = Result<T, ActorFailure>;

/// The student of one run: owns the base checkpoint and the current model.
pub trait LoopStudent {
    /// Greedy-decode every seed question of D0 with the current student.
    async fn predict_seeds(&mut self) -> Res<Vec<String>>;
    /// Score D0 under the current student: what `needs` asks for among own-generation
    /// loss, ground-truth loss and gradient embeddings (the answers are the student's own,
    /// from the last [`LoopStudent::predict_seeds`]).
    async fn score_seeds(
        &mut self,
        needs: Vec<Need>,
        answers: Vec<String>,
        iteration: u32,
    ) -> Res<SeedScores>;
    /// Own-generation loss and greedy answers of the current student on arbitrary
    /// examples (parents and their children, for the before/after analysis).
    async fn probe(&mut self, examples: Vec<Example>) -> Res<Probe>;
    /// Restart from the base checkpoint and fine-tune on `examples` (D̂t); the result is
    /// the new current student.
    async fn train_from_base(&mut self, examples: Vec<Example>, iteration: u32) -> Res<Trained>;
    /// Accuracy of the current student on the test set, and its verdict on each item.
    async fn evaluate_test(&mut self) -> Res<TestOutcome>;
}

/// The teacher of one run: owns its token ledger and dedup index.
pub trait LoopTeacher {
    /// Judge every seed: teacher answer vs the student's, both orders (costs tokens).
    async fn judge_seeds(&mut self, answers: Vec<String>, iteration: u32) -> Res<JudgeScores>;
    /// Rewrite each selected seed (index into D0) into a synthetic example; failed or
    /// rejected rewrites are left out.
    async fn generate(&mut self, parents: Vec<usize>, iteration: u32) -> Res<Vec<Generated>>;
    /// The cumulative token ledger.
    async fn tokens(&mut self) -> Res<Tokens>;
}

/// The task's exact verifier.
pub trait LoopVerifier {
    async fn verify(&mut self, examples: Vec<Example>, answers: Vec<String>) -> Res<Vec<bool>>;
}

/// The process reward model; `stream_ids` name each item's noise stream.
pub trait LoopReward {
    async fn reward(
        &mut self,
        examples: Vec<Example>,
        answers: Vec<String>,
        stream_ids: Vec<u64>,
        iteration: u32,
        purpose: &'static str,
    ) -> Res<Vec<f64>>;
}

/// The selection strategy φ of the run.
pub trait LoopSelector {
    async fn select(&mut self, scores: SeedScores, m: usize, iteration: u32) -> Res<Vec<usize>>;
}

/// The components of one run.
pub struct Components<S, T, V, R, L> {
    pub student: S,
    pub teacher: T,
    pub verifier: V,
    pub reward: R,
    pub selector: L,
}

/// What the loop needs to know about its run: the seed set, the knobs, what the strategy
/// needs scored, and the base student's accuracies (recorded with the run).
pub struct Setup<'a> {
    pub key: RunKey,
    pub d0: &'a [Example],
    pub iterations: u32,
    /// m, the seeds selected per iteration.
    pub samples_per_iteration: usize,
    pub needs: &'a [Need],
    /// Counts the token histogram of D̂t.
    pub tokenizer: &'a Tokenizer,
    /// For the divergence message.
    pub learning_rate: f64,
    pub weight_decay: f64,
    pub base_test_accuracy: f64,
    pub base_val_accuracy: f64,
}

fn as_f64(v: &[bool]) -> Vec<f64> {
    v.iter().map(|b| *b as u8 as f64).collect()
}

/// Run Algorithm 1 to the end and return the run's records. `on_iteration(t, accuracy)`
/// is called after every iteration (progress).
pub async fn run<S, T, V, R, L>(
    setup: &Setup<'_>,
    c: &mut Components<S, T, V, R, L>,
    mut on_iteration: impl FnMut(u32, f64),
) -> Res<RunRecord>
where
    S: LoopStudent,
    T: LoopTeacher,
    V: LoopVerifier,
    R: LoopReward,
    L: LoopSelector,
{
    let d0 = setup.d0;
    let m = setup.samples_per_iteration;
    let (lr, wd) = (setup.learning_rate, setup.weight_decay);
    let start = Instant::now();
    let mut timing = RunTiming::default();
    let mut iterations = Vec::new();
    let mut synthetic: Vec<SyntheticRecord> = Vec::new();
    let mut train_set: Vec<Example> = Vec::new();
    for t in 0..setup.iterations {
        let it_start = Instant::now();
        // 1-2. Predict and score only what the strategy needs.
        let scores = score_seeds(setup, c, t).await?;
        let seed_scores = seed_score_columns(&scores);

        // 3. Select.
        let selected = c.selector.select(scores, m, t).await?;

        // 4. Generate.
        let generated = c.teacher.generate(selected.clone(), t).await?;

        // Before/after: the student that scored the parents scores the children.
        let k = generated.len();
        let mut probe_set: Vec<Example> = generated
            .iter()
            .map(|g| d0[g.record.parent as usize].clone())
            .collect();
        probe_set.extend(generated.iter().map(|g| g.example.clone()));
        let probe = c.student.probe(probe_set.clone()).await?;
        if let Some(i) = first_non_finite(&probe.loss) {
            return Err(divergence(
                t,
                &format!("the student's loss on probe example {i}"),
                lr,
                wd,
            ));
        }
        let correct = c
            .verifier
            .verify(probe_set.clone(), probe.answers.clone())
            .await?;
        let stream_ids: Vec<u64> = (0..2 * k as u64).collect();
        let rewards = c
            .reward
            .reward(probe_set, probe.answers, stream_ids, t, "probe-reward")
            .await?;
        for (i, g) in generated.iter().enumerate() {
            let mut r = g.record.clone();
            r.parent_loss = probe.loss[i];
            r.parent_reward = rewards[i];
            r.parent_correct = correct[i];
            r.loss = probe.loss[k + i];
            r.reward = rewards[k + i];
            r.correct = correct[k + i];
            synthetic.push(r);
            train_set.push(g.example.clone());
        }

        // 5. Train from the base on D̂t = D̂t ∪ D̂t−1; 6. evaluate.
        let trained = c.student.train_from_base(train_set.clone(), t).await?;
        if let Some(e) = trained.diverged_epoch {
            return Err(divergence(
                t,
                &format!("the fine-tuning loss (epoch {})", e + 1),
                lr,
                wd,
            ));
        }
        let TestOutcome {
            accuracy: test_accuracy,
            correct: test_correct,
        } = c.student.evaluate_test().await?;
        let tokens = c.teacher.tokens().await?;
        let hist = token_hist(setup.tokenizer, &train_set.iter().collect::<Vec<_>>())
            .map_err(|e| ActorFailure::caused_by("coordinator", e))?;
        iterations.push(IterationRecord {
            iteration: t,
            train_size: train_set.len() as u32,
            generated: k as u32,
            test_accuracy,
            test_correct,
            val_accuracy: trained.val_accuracy,
            best_epoch: trained.best_epoch,
            tokens,
            selected: selected.iter().map(|&i| i as u32).collect(),
            seed_scores,
            token_hist: hist,
        });
        timing
            .per_iteration_s
            .push(it_start.elapsed().as_secs_f64());
        timing.train_tokens_per_s.push(trained.tokens_per_s);
        on_iteration(t, test_accuracy);
    }
    timing.total_s = start.elapsed().as_secs_f64();
    Ok(RunRecord {
        key: setup.key.clone(),
        base_test_accuracy: setup.base_test_accuracy,
        base_val_accuracy: setup.base_val_accuracy,
        iterations,
        synthetic,
        timing,
    })
}

/// Steps 1–2: predict, then compute only the scores the strategy needs (none at all for
/// a strategy that needs none: not even the predictions).
async fn score_seeds<S, T, V, R, L>(
    setup: &Setup<'_>,
    c: &mut Components<S, T, V, R, L>,
    t: u32,
) -> Res<SeedScores>
where
    S: LoopStudent,
    T: LoopTeacher,
    V: LoopVerifier,
    R: LoopReward,
    L: LoopSelector,
{
    let d0 = setup.d0;
    let needs = setup.needs;
    let n = d0.len();
    let mut scores = SeedScores {
        n,
        ..Default::default()
    };
    if needs.is_empty() {
        return Ok(scores);
    }
    let answers = c.student.predict_seeds().await?;
    let model_needs: Vec<Need> = needs.iter().copied().filter(|x| x.model_pass()).collect();
    if !model_needs.is_empty() {
        let s = c
            .student
            .score_seeds(model_needs, answers.clone(), t)
            .await?;
        let (lr, wd) = (setup.learning_rate, setup.weight_decay);
        let diverged = |what: &str, v: &[f64]| {
            first_non_finite(v).map(|i| divergence(t, &format!("{what} of seed {i}"), lr, wd))
        };
        for (what, v) in [("loss_own", &s.loss_own), ("loss_gt", &s.loss_gt)] {
            if let Some(e) = v.as_deref().and_then(|v| diverged(what, v)) {
                return Err(e);
            }
        }
        if let Some((emb, _)) = &s.grad_embed {
            if emb.iter().any(|x| !x.is_finite()) {
                return Err(divergence(t, "a gradient embedding", lr, wd));
            }
        }
        scores.loss_own = s.loss_own;
        scores.loss_gt = s.loss_gt;
        scores.grad_embed = s.grad_embed;
    }
    if needs.contains(&Need::Correct) {
        let v = c.verifier.verify(d0.to_vec(), answers.clone()).await?;
        scores.correct = Some(v);
    }
    if needs.contains(&Need::Reward) {
        let ids = (0..n as u64).collect();
        let r = c
            .reward
            .reward(d0.to_vec(), answers.clone(), ids, t, "seed-reward")
            .await?;
        scores.reward = Some(r);
    }
    if needs.contains(&Need::Judge) {
        let j = c.teacher.judge_seeds(answers, t).await?;
        scores.judge_gap = Some(j.gap);
        scores.judge_hard = Some(j.hard);
    }
    Ok(scores)
}

/// The per-seed score columns recorded with an iteration, sorted by name (gradient
/// embeddings are not recorded).
fn seed_score_columns(scores: &SeedScores) -> Vec<(String, Vec<f64>)> {
    let mut out: Vec<(String, Vec<f64>)> = Vec::new();
    if let Some(v) = &scores.correct {
        out.push(("correct".into(), as_f64(v)));
    }
    if let Some(v) = &scores.judge_gap {
        out.push(("judge_gap".into(), v.clone()));
    }
    if let Some(v) = &scores.loss_gt {
        out.push(("loss_gt".into(), v.clone()));
    }
    if let Some(v) = &scores.loss_own {
        out.push(("loss_own".into(), v.clone()));
    }
    if let Some(v) = &scores.reward {
        out.push(("reward".into(), v.clone()));
    }
    out.sort_by(|x, y| x.0.cmp(&y.0));
    out
}

#[cfg(test)]
#[path = "algorithm_tests/mod.rs"]
mod tests;
