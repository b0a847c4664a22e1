//! The data model of results: what one run (task, replicate, strategy) records at every
//! iteration. Plain serde data; `output::results` turns a set of these into
//! `results.h5` and `curves.csv`, and `--resume` stores finished runs as JSON.
//!
//! Result tensors and timings are kept apart (docs/architecture.md §5): everything in
//! [`RunRecord`] except [`RunRecord::timing`] is a deterministic function of the scenario.

use serde::{Deserialize, Serialize};

/// Identifies one run of Algorithm 1.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RunKey {
    pub task: String,
    pub replicate: u32,
    /// The strategy's resolved label.
    pub strategy: String,
}

impl RunKey {
    /// File-system and HDF5-path friendly name, e.g. `arith/rep0/loss-own-high-argmax`.
    pub fn path(&self) -> String {
        format!("{}/rep{}/{}", self.task, self.replicate, self.strategy)
    }
}

/// Teacher tokens, cumulative from the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    /// Of which spent on judge calls (LLM-as-a-judge, Lion).
    pub judge_input: u64,
    pub judge_output: u64,
    pub calls: u64,
}

/// One iteration t of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IterationRecord {
    pub iteration: u32,
    /// |D̂t| after accumulation (the learning curve's x axis).
    pub train_size: u32,
    /// New synthetic examples accepted this iteration (≤ m: failures and gate rejections).
    pub generated: u32,
    pub test_accuracy: f64,
    /// The verdict on each test item, in the world's test-set order (empty in files
    /// written before it was recorded). `test_accuracy` is its mean.
    #[serde(default)]
    pub test_correct: Vec<bool>,
    pub val_accuracy: f64,
    /// Epoch whose checkpoint was kept (best on validation).
    pub best_epoch: u32,
    pub tokens: Tokens,
    /// Indices into D0 chosen by the selector, in selection order.
    pub selected: Vec<u32>,
    /// Per-seed scores the strategy needed, by name (`loss_own`, `loss_gt`, `correct`,
    /// `reward`, `judge_gap`), each of length |D0|; sorted by name.
    pub seed_scores: Vec<(String, Vec<f64>)>,
    /// Token histogram (length V) of the accumulated synthetic set D̂t (questions and
    /// answers), for the token-distribution TVD of the paper's C.5.
    pub token_hist: Vec<u32>,
}

/// Provenance and before/after scores of one synthetic example.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyntheticRecord {
    pub iteration: u32,
    /// Index into D0 of the seed it was rewritten from.
    pub parent: u32,
    /// Generation calls spent (1 + dedup retries + failures).
    pub attempts: u32,
    /// Max ROUGE-L F of the question against earlier synthetic questions of the run.
    pub dedup_score: f64,
    /// Verifier verdict on the teacher's answer.
    pub verified: bool,
    pub difficulty: u32,
    /// Scores under the student that scored the parent (student of iteration t):
    /// own-generation loss, process reward, and correctness of its greedy answer —
    /// for the parent seed and for the synthetic example.
    pub parent_loss: f64,
    pub parent_reward: f64,
    pub parent_correct: bool,
    pub loss: f64,
    pub reward: f64,
    pub correct: bool,
    pub question: String,
    pub answer: String,
}

impl SyntheticRecord {
    /// The record of a freshly generated example, before the probe step scores it and
    /// its parent under the student (those six fields start at 0 / false).
    pub fn unscored(
        iteration: u32,
        parent: u32,
        attempts: u32,
        dedup_score: f64,
        verified: bool,
        example: &crate::tasks::Example,
    ) -> SyntheticRecord {
        SyntheticRecord {
            iteration,
            parent,
            attempts,
            dedup_score,
            verified,
            difficulty: example.difficulty,
            parent_loss: 0.0,
            parent_reward: 0.0,
            parent_correct: false,
            loss: 0.0,
            reward: 0.0,
            correct: false,
            question: example.question.clone(),
            answer: example.answer.clone(),
        }
    }
}

/// Wall-clock timings, stored apart from the result tensors.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunTiming {
    pub total_s: f64,
    pub per_iteration_s: Vec<f64>,
    pub train_tokens_per_s: Vec<f64>,
}

/// Everything one run recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub key: RunKey,
    /// Base student (before any synthetic data) on the test and validation sets.
    pub base_test_accuracy: f64,
    pub base_val_accuracy: f64,
    pub iterations: Vec<IterationRecord>,
    pub synthetic: Vec<SyntheticRecord>,
    pub timing: RunTiming,
}

/// Material shared by every strategy of a (task, replicate): recorded once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorldRecord {
    pub task: String,
    pub replicate: u32,
    pub d0_difficulty: Vec<u32>,
    /// Token histogram of D0 (questions and answers), length V.
    pub d0_token_hist: Vec<u32>,
    pub base_test_accuracy: f64,
    pub base_val_accuracy: f64,
    /// Per-difficulty test-set accuracy of the base student (difficulty, n, correct).
    pub base_by_difficulty: Vec<(u32, u32, u32)>,
    /// Difficulty of each test item, and whether the base student answers it right, in
    /// test-set order (the item-level pairing of the report; empty in older files).
    #[serde(default)]
    pub test_difficulty: Vec<u32>,
    #[serde(default)]
    pub base_test_correct: Vec<bool>,
    /// The base student's own-generation loss on each seed of D0 (what `loss_own`
    /// strategies see at t = 0), recorded once per world so that world check W3 (is
    /// uncertainty informative?) needs no strategy that happens to record it. Empty in
    /// files written before it existed.
    #[serde(default)]
    pub d0_loss_own: Vec<f64>,
    /// Whether the base student's greedy answer to each seed of D0 is correct (empty in
    /// older files).
    #[serde(default)]
    pub d0_correct: Vec<bool>,
}

/// Everything a scenario execution produced, in scenario order.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub worlds: Vec<WorldRecord>,
    pub runs: Vec<RunRecord>,
    /// Runs taken from an earlier execution by `--resume`.
    pub resumed: usize,
}
