//! The four procedurally generated task worlds behind one [`Task`] trait
//! (docs/architecture.md §2): `arith` (GSM8k-like), `mathmix` (MATH levels 1–3),
//! `logic` (ProntoQA) and `game24` (Game of 24).
//!
//! Each task has a generator with a difficulty knob, chain-of-thought answers in a fixed
//! format ending in a final answer, an exact verifier that extracts the final answer from
//! free text, the teacher's rewrite rule, and a closed lexicon from which the tokenizer's
//! vocabulary is built.

use crate::rng::Rng;
use crate::text::Tokenizer;
use serde::{Deserialize, Serialize};

pub mod answer;
pub mod arith;
pub mod expr;
pub mod game24;
pub mod logic;
pub mod mathmix;

/// One question–answer pair of a task world.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// The question text shown to the student and the teacher.
    pub question: String,
    /// Chain-of-thought answer in the task's fixed format, ending in the final answer
    /// (`#### x` or `\boxed{x}`).
    pub answer: String,
    /// The canonical final answer (what the verifier compares against). For game24, the
    /// four numbers are in the question and any valid expression is accepted.
    pub final_answer: String,
    /// Difficulty on the task's own scale (operations, level, hops, solution structure).
    pub difficulty: u32,
    /// Sub-type where the task has one (mathmix category), used in prompts and reports.
    pub category: Option<String>,
}

/// The verifier's verdict on a free-text response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The final answer extracted from the response (`None`: no `#### x` / `\boxed{x}`).
    pub extracted: Option<String>,
    /// Whether the extracted answer is correct for the question.
    pub correct: bool,
}

/// A task world. Implementations are pure functions of their inputs and the given RNG,
/// so every example is reproducible from its stream (docs/architecture.md §5).
pub trait Task: Send + Sync {
    /// `arith`, `mathmix`, `logic` or `game24`.
    fn name(&self) -> &'static str;

    /// Inclusive range of the difficulty knob.
    fn difficulty_range(&self) -> (u32, u32);

    /// Draw one example. `Some(d)` fixes the difficulty; `None` draws from the seed-set
    /// mix: most items easy to medium, a tail of hard ones.
    fn generate(&self, rng: &mut Rng, difficulty: Option<u32>) -> Example;

    /// Extract the final answer from free text and check it against `ex`.
    fn verify(&self, ex: &Example, response: &str) -> Verdict;

    /// Number of chain-of-thought steps in an answer written in the task's format.
    fn count_steps(&self, answer: &str) -> usize;

    /// Process check of a response: (valid steps, total steps). A step is valid when it
    /// is internally correct (e.g. `3 + 4 = 7`) and uses only known quantities.
    fn check_steps(&self, ex: &Example, response: &str) -> (usize, usize);

    /// The teacher's rewrite rule (docs/architecture.md §2): a new example inspired by `seed`
    /// with a correct answer, or `None` when the rule fails (game24 backward reasoning).
    /// `fidelity` in [0, 1]: how strongly the new difficulty follows the seed's.
    fn rewrite(&self, seed: &Example, fidelity: f64, rng: &mut Rng) -> Option<Example>;

    /// A plausible wrong answer in the same format (the teacher's answer errors).
    fn corrupt_answer(&self, ex: &Example, rng: &mut Rng) -> String;

    /// Every word, number-free, the task's generator and rewrite rule can emit; the
    /// tokenizer's closed vocabulary is the union of all lexicons and prompt templates.
    fn lexicon(&self) -> Vec<String>;

    /// Which of the paper's D.2 prompt families the teacher renders for this task
    /// (`teacher::prompts`). Required: a task cannot fall back to another's prompts.
    fn prompt_family(&self) -> PromptFamily;

    /// The paper's defaults for the teacher's synthetic data on this task (a scenario's
    /// `tasks[i].dedup` and `verify_synthetic` override them).
    fn teacher_defaults(&self) -> TeacherDefaults;

    /// Accuracy of a student that guesses: 1/2 where the final answer is True/False,
    /// 0 where it is open (a number, an expression). The headroom check W2a measures
    /// the base's accuracy above it (`report::world`).
    fn chance_accuracy(&self) -> f64;

    /// How many distinct questions the world holds, when that is small enough to matter
    /// for a scenario's seed, validation and test sets (which never share a question).
    /// `None`: effectively unlimited.
    fn distinct_questions(&self) -> Option<usize> {
        None
    }

    /// What [`Task::transfer_example`] draws, in words (reports, errors); `None` when the
    /// task has no such corpus, and `pretrain_corpus = "other-targets"` is refused.
    fn transfer_corpus(&self) -> Option<&'static str> {
        None
    }

    /// One example of the task's skill on a question the task itself never asks (game24:
    /// the same game with another target), for a base that must meet the task's own
    /// questions for the first time in the loop (`pretrain_corpus = "other-targets"`).
    /// Difficulty at most `max_difficulty`; `None` when a draw fails.
    fn transfer_example(&self, _rng: &mut Rng, _max_difficulty: u32) -> Option<Example> {
        None
    }

    /// Whether a question of this task can have several distinct answers, each a data
    /// point of its own (game24: one per solution, as the paper counts its Game of 24
    /// seed set); `tasks[].solutions_per_question` is refused for a task without.
    fn has_several_answers(&self) -> bool {
        false
    }

    /// The other answers to `ex`'s question, each an example with the same question and
    /// a different final answer, in a fixed order (empty for a task with one answer per
    /// question).
    fn other_answers(&self, _ex: &Example) -> Vec<Example> {
        Vec::new()
    }
}

/// The student's tokenizer for one task: that task's lexicon only (a few hundred
/// tokens, docs/architecture.md §2). A student never reads teacher prompts, so a
/// project-wide vocabulary would only make its embedding and output head (the largest
/// matrices at these sizes) several times bigger and slower.
pub fn student_tokenizer(task: &dyn Task) -> Tokenizer {
    Tokenizer::from_lexicon(task.lexicon())
}

/// The paper's D.2 prompt families (rendered by `teacher::prompts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptFamily {
    /// D.2.1 (GSM8k).
    Gsm8k,
    /// D.2.2 (MATH), few-shot of the same category.
    Math,
    /// D.2.3 (ProntoQA).
    ProntoQa,
    /// D.2.4 (Game of 24), backward reasoning, no few-shot from D0.
    Game24,
}

/// A task's defaults for the teacher's synthetic data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TeacherDefaults {
    /// ROUGE-L rejection of near-duplicate synthetic questions.
    pub dedup: bool,
    /// Keep only synthetic examples whose teacher answer verifies.
    pub verify_synthetic: bool,
}

/// One task of the registry: its name and its constructor. Everything else a task
/// declares (prompt family, teacher defaults, lexicon, ...) is a required method of
/// [`Task`], so a new task is its module plus one entry here.
pub struct TaskEntry {
    pub name: &'static str,
    pub build: fn() -> Box<dyn Task>,
}

/// The task registry, in a fixed order.
pub const TASKS: &[TaskEntry] = &[
    TaskEntry {
        name: "arith",
        build: || Box::new(arith::Arith),
    },
    TaskEntry {
        name: "mathmix",
        build: || Box::new(mathmix::MathMix),
    },
    TaskEntry {
        name: "logic",
        build: || Box::new(logic::Logic),
    },
    TaskEntry {
        name: "game24",
        build: || Box::new(game24::Game24),
    },
];

/// All task names, in the registry's order.
pub const TASK_NAMES: [&str; TASKS.len()] = {
    let mut out = [""; TASKS.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = TASKS[i].name;
        i += 1;
    }
    out
};

/// Look a task up by name (`None`: not in the registry).
pub fn by_name(name: &str) -> Option<Box<dyn Task>> {
    TASKS.iter().find(|e| e.name == name).map(|e| (e.build)())
}

#[cfg(test)]
mod registry_tests {
    use super::*;

    #[test]
    fn every_registered_task_is_built_under_its_own_name() {
        for e in TASKS {
            assert_eq!((e.build)().name(), e.name);
        }
        assert!(by_name("physics").is_none());
    }

    #[test]
    fn task_facts_are_the_papers() {
        let facts = |n: &str| {
            let t = by_name(n).unwrap();
            (t.prompt_family(), t.teacher_defaults())
        };
        let on = TeacherDefaults {
            dedup: true,
            verify_synthetic: false,
        };
        assert_eq!(facts("arith"), (PromptFamily::Gsm8k, on));
        assert_eq!(facts("mathmix"), (PromptFamily::Math, on));
        assert_eq!(facts("logic"), (PromptFamily::ProntoQa, on));
        let game24 = TeacherDefaults {
            dedup: false,
            verify_synthetic: true,
        };
        assert_eq!(facts("game24"), (PromptFamily::Game24, game24));
    }
}
