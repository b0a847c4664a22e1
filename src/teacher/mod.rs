//! The teacher: prompt templates (paper appendix D.2), the oracle teacher, the token
//! ledger, near-duplicate rejection and the text-only scorers (reward model, judge).
//!
//! A [`Teacher`] renders the paper's real prompt for every call and charges it to its
//! [`Ledger`], so teacher-token budgets are real and a real LLM can replace the built-in
//! [`OracleTeacher`] later; the oracle fulfils each prompt with the task's rewrite rule.

pub mod ledger;
pub mod oracle;
pub mod prompts;
pub mod scorers;
#[cfg(test)]
pub(crate) mod testkit;

pub use ledger::{CallKind, Ledger, LedgerError, Usage};
pub use oracle::{OracleTeacher, TeacherConfig};
pub use scorers::{gaussian, reward, JudgeOutcome};

use crate::rng::Rng;
use crate::tasks::Example;
use crate::text::Tokenizer;
use serde::{Deserialize, Serialize};

/// The project-wide tokenizer: every task lexicon plus the teacher's prompt templates
/// (it counts teacher tokens). Assembled here, above `text` and `tasks`, so that the
/// tokenizer itself knows no task (docs/architecture.md §4).
pub fn standard_tokenizer() -> Tokenizer {
    let mut texts: Vec<String> = Vec::new();
    for name in crate::tasks::TASK_NAMES {
        texts.extend(crate::tasks::by_name(name).expect("known task").lexicon());
    }
    texts.extend(prompts::lexicon());
    Tokenizer::from_lexicon(texts)
}

/// One synthetic training example and its provenance (docs/architecture.md §6).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Synthetic {
    /// The new question; `answer` is the teacher's answer text (the training label,
    /// possibly wrong), `final_answer` the rewrite rule's correct final answer.
    pub example: Example,
    /// Index of the seed in D0 it was generated from.
    pub parent: usize,
    /// Loop iteration t that generated it.
    pub iteration: u32,
    /// Whether the teacher's answer verifies against the example.
    pub teacher_correct: bool,
}

/// Why a generation request produced no example.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rejection {
    /// The generation call failed (the `failure_rate` knob).
    GenerationFailed,
    /// The rewrite rule found no new example (game24 `\boxed{null}`).
    RewriteFailed,
    /// Every attempt was a near duplicate of an earlier synthetic question.
    Duplicate,
    /// The verifier gate rejected the teacher's answer.
    NotVerified,
    /// Every attempt was a validation or test question (`tasks[].decontaminate`).
    HeldOut,
}

/// The result of asking the teacher for one synthetic example from one selected seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SynthOutcome {
    /// The accepted example, if any.
    pub example: Option<Synthetic>,
    /// Generation calls made (1 + dedup retries).
    pub attempts: u32,
    /// Max ROUGE-L F of the accepted question against earlier synthetic questions, or of
    /// the last rejected one (0 when nothing was generated).
    pub dedup_score: f64,
    /// Index (in this run's accepted synthetic questions) of the nearest question.
    pub nearest: Option<usize>,
    /// Whether the teacher's answer verified (false when no answer was written).
    pub verified: bool,
    /// Why no example came back.
    pub failure: Option<Rejection>,
    /// Tokens and calls this request cost.
    pub usage: Usage,
    /// The last generation prompt rendered (for inspection, `tasks sample`).
    pub prompt: String,
}

/// A teacher LLM as the loop sees it. Every method charges its calls to [`Teacher::ledger`].
pub trait Teacher: Send {
    /// Write one synthetic example from the selected seed `seed` (index `seed_index` in
    /// D0) at iteration `iteration`. Only near duplicates are regenerated (up to
    /// `max_retries`, each retry charged); a failed call, a failed rewrite (game24
    /// `\boxed{null}`) or a rejected answer (verifier gate) ends the request with no
    /// example, charged — the caller decides whether to ask again.
    fn generate(
        &mut self,
        seed: &Example,
        seed_index: usize,
        iteration: u32,
        rng: &mut Rng,
    ) -> Result<SynthOutcome, LedgerError>;

    /// The teacher's own chain-of-thought answer to a question (what the judge compares
    /// the student against).
    fn answer(&mut self, ex: &Example, rng: &mut Rng) -> Result<String, LedgerError>;

    /// Lion's pairwise judge of the student's answer against the teacher's own.
    fn judge(
        &mut self,
        ex: &Example,
        student_answer: &str,
        rng: &mut Rng,
    ) -> Result<JudgeOutcome, LedgerError>;

    /// Tokens charged so far.
    fn ledger(&self) -> &Ledger;
}
