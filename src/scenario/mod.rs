//! Scenario schema: everything one run of `activesynth run` needs, with documented
//! defaults, plus loading with precise errors: every failure is ONE line naming file,
//! line, column and field (`quick.toml:12:13: field `strategies[1].direction`: expected
//! one of "high", "low", got "up"`), for syntax, schema and semantic errors alike.
//!
//! Every struct is `deny_unknown_fields` so that a typo is an error, not a silently
//! ignored knob. Defaults follow the paper (section 5.2, Table 3) scaled down to CPU size;
//! `scenarios/reference.toml` lists every knob with its default and meaning, and
//! [`Scenario::resolved`] writes every default out.

pub mod advice;
pub mod bounds;
mod error;
pub mod feasibility;
mod locate;
pub mod overrides;
mod resolve;
mod validate;

pub use error::ScenarioError;
// The strategy parameters are defined by the strategy registry (`selection`), one layer
// below: a scenario file writes them, the registry says which apply to which strategy.
pub use crate::selection::{
    Direction, LossTarget, Param, SelectMode, StrategySpec, DEFAULT_BADGE_DIMS,
    DEFAULT_TEMPERATURE, STRATEGY_NAMES,
};

use std::path::Path;

use serde::{Deserialize, Serialize};

/// One scenario file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Free-form name, used in reports and default output directory.
    pub name: String,
    /// Master seed of every random stream (docs/architecture.md §5).
    #[serde(default = "d::seed")]
    pub seed: u64,
    /// Number of independent replicates (different D0, test set, base student).
    #[serde(default = "d::replicates")]
    pub replicates: u32,
    /// Loop iterations T (Algorithm 1 runs t = 0..T-1 generation rounds).
    #[serde(default = "d::iterations")]
    pub iterations: u32,
    /// Seeds selected per iteration, m.
    #[serde(default = "d::samples_per_iteration")]
    pub samples_per_iteration: u32,
    /// Tasks to run (at least one).
    pub tasks: Vec<TaskSpec>,
    /// Strategies to compare (at least one; `random` is the static-generation baseline).
    pub strategies: Vec<StrategySpec>,
    #[serde(default)]
    pub student: StudentSpec,
    #[serde(default)]
    pub teacher: TeacherSpec,
    #[serde(default)]
    pub dedup: DedupSpec,
    #[serde(default)]
    pub reward: RewardSpec,
    #[serde(default)]
    pub judge: JudgeSpec,
    #[serde(default)]
    pub output: OutputSpec,
}

/// Which task world and how large its sets are. Defaults are the paper's Table 3 ratios
/// (seed : validation : test ≈ 7473 : 748 : 500 for GSM8k) scaled to CPU size.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    /// `arith`, `mathmix`, `logic` or `game24`.
    pub name: String,
    /// |D0|, the seed set the student scores and the selector picks from.
    #[serde(default = "d::seed_size")]
    pub seed_size: u32,
    /// Validation set size (best-checkpoint selection).
    #[serde(default = "d::val_size")]
    pub val_size: u32,
    /// Held-out test set size.
    #[serde(default = "d::test_size")]
    pub test_size: u32,
    /// Seeds selected per iteration for this task, instead of the scenario's
    /// `samples_per_iteration` (the paper's synthetic budgets differ by dataset, and a
    /// world whose student needs more data to learn gets it without multiplying the other
    /// tasks' cost). Not written when unset, like `pretrain_corpus` below.
    /// [`TaskSpec::samples_per_iteration`] applies it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples_per_iteration: Option<u32>,
    /// D0 holds up to this many distinct answers of each of its questions, each a data
    /// point of its own, and `seed_size` counts data points (a task with several answers
    /// per question only: game24, whose paper seed set counts each solution of a puzzle
    /// as a data point, 2,217 of them from the 1,362-puzzle dataset, D.1). Unset: one
    /// answer per question, as before. D0's ⌈seed_size / k⌉ questions are drawn exactly
    /// as the `seed_size = ⌈seed_size / k⌉` world would draw them, so validation, test
    /// and the base's corpus are that world's; where questions with fewer than k answers
    /// leave room, those with more give one more each, round after round
    /// (`engine::several_answers`). Not written when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solutions_per_question: Option<u32>,
    /// Verifier gate on synthetic examples; default: on for game24 only (as in the paper).
    #[serde(default)]
    pub verify_synthetic: Option<bool>,
    /// ROUGE-L dedup; default: on for every task but game24 (as in the paper).
    #[serde(default)]
    pub dedup: Option<bool>,
    /// Decontamination: the teacher's synthetic questions that equal a validation or test
    /// question are rejected and the seed is rewritten again, as a near duplicate is (up
    /// to `dedup.max_retries` more attempts). Off by default, as in the paper, which does
    /// not say it decontaminates; in a finite world it matters: about 14 % of game24's
    /// backward rewrites are test puzzles, and the student's gain from them is on those
    /// puzzles (`results/calibration/g24_contamination.txt`). The same for every
    /// strategy. Not written when unset, like `pretrain_corpus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decontaminate: Option<bool>,
    /// What the base student is pre-trained on ([`PretrainCorpus`]); default `seeds`.
    /// The default is not written out, so the canonical text (and hash) of a scenario
    /// that does not use the knob is what it was before the knob existed: resume records
    /// and results of earlier builds keep matching.
    #[serde(default, skip_serializing_if = "PretrainCorpus::is_default")]
    pub pretrain_corpus: PretrainCorpus,
    /// With `pretrain_corpus = "other-targets"`: the share of the base corpus that is the
    /// teacher's rewrites (target-24 puzzles, as `"rewrites"` draws them) instead of
    /// other-target puzzles, in (0, 1]. An instruct model has usually seen *some* of the
    /// task before the loop; this sets how much, between a base that has never seen it
    /// (unset) and one trained on the loop's own distribution (`"rewrites"`). Not written
    /// when unset, like `pretrain_corpus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretrain_rewrite_share: Option<f64>,
    /// This task's base pre-training corpus size, instead of `student.pretrain_examples`
    /// (a task whose base needs more pre-training, e.g. game24 on rewrites, gets it
    /// without multiplying the other tasks' cost). Not written when unset, like
    /// `pretrain_corpus`. [`TaskSpec::student`] applies it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretrain_examples: Option<u32>,
    /// This task's base pre-training epochs, instead of `student.pretrain_epochs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretrain_epochs: Option<u32>,
    /// This task's base corpus difficulty cap, instead of
    /// `student.pretrain_max_difficulty` (a task whose base must leave the hard items to
    /// be learned, e.g. logic pre-trained on hop counts 1–2, gets it while the other tasks
    /// keep theirs). Not written when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretrain_max_difficulty: Option<u32>,
    /// This task's fine-tuning epochs, instead of `student.epochs`. The paper tunes its
    /// fine-tuning recipe per dataset (appendix B: Game of 24's differs from GSM8k's);
    /// these three give one scenario the per-task recipes its calibration found. Not
    /// written when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs: Option<u32>,
    /// This task's fine-tuning learning rate, instead of `student.learning_rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning_rate: Option<f64>,
    /// This task's LoRA rank, instead of `student.lora_rank` (0: full fine-tuning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lora_rank: Option<u32>,
}

/// The base student's pre-training corpus. The paper's students are instruct models with
/// partial skill on the task before any synthetic data; the base here gets that skill from
/// a corpus disjoint from D0, validation and test.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PretrainCorpus {
    /// Fresh examples of the task's own mix (difficulty uniform up to
    /// `pretrain_max_difficulty`), none of D0's, validation's or test's questions. In a
    /// finite world (game24: 1,362 puzzles) these are the few puzzles the sets left over,
    /// repeated.
    #[default]
    Seeds,
    /// The teacher's rewrites (fidelity 1) of such examples: the same skills on questions
    /// the world's sets can never contain when the rewrite leaves the seed mix's range
    /// (game24's backward-reasoned puzzles use numbers up to 99, its world 1..13), so a
    /// finite world gets a corpus of thousands of distinct questions.
    Rewrites,
    /// The task's skill on questions the task never asks ([`crate::tasks::Task::transfer_example`];
    /// game24: puzzles on the world's numbers with targets 10..=40 other than 24), so the
    /// base meets the task's own questions for the first time in the loop, as the paper's
    /// instruct models meet Game of 24. Refused for a task without such a corpus.
    #[serde(rename = "other-targets")]
    OtherTargets,
}

impl PretrainCorpus {
    fn is_default(&self) -> bool {
        *self == PretrainCorpus::default()
    }
}

/// Learning-rate decay after warm-up (the paper: linear).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    Linear,
    Cosine,
}

/// The student transformer and its fine-tuning recipe (paper section 5.2: AdamW, linear
/// warm-up over 15% then linear decay, clipping 2.0, batch size 24).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StudentSpec {
    pub layers: u32,
    pub d_model: u32,
    pub heads: u32,
    pub d_ff: u32,
    /// Maximum sequence length (question + answer tokens).
    pub context: u32,
    /// Peak learning rate of fine-tuning (each iteration restarts from the base).
    pub learning_rate: f64,
    /// Peak learning rate of the base model's pre-training on the easy corpus.
    pub pretrain_learning_rate: f64,
    pub weight_decay: f64,
    pub batch_size: u32,
    pub epochs: u32,
    /// Fine-tuning runs at least this many optimiser steps, adding epochs over small
    /// sets (0: exactly `epochs`). The base's pre-training ignores it.
    pub min_steps: u32,
    /// Examples of the base's pre-training corpus mixed into every fine-tuning set
    /// (rehearsal against forgetting; 0: fine-tune on the synthetic set alone).
    pub replay_examples: u32,
    /// Fine-tune LoRA adapters of this rank (alpha = rank, paper 5.2) on every linear
    /// layer with the base frozen; 0 = full fine-tuning of every parameter.
    pub lora_rank: u32,
    pub warmup_fraction: f64,
    pub schedule: Schedule,
    pub grad_clip: f64,
    /// Size of the generic easy corpus the base checkpoint is pre-trained on.
    pub pretrain_examples: u32,
    pub pretrain_epochs: u32,
    /// Maximum difficulty of the pre-training corpus (task-specific scale).
    pub pretrain_max_difficulty: u32,
    /// Greedy decoding stops here if no end-of-answer token came.
    pub max_new_tokens: u32,
}

/// The oracle teacher's knobs (docs/architecture.md §2).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TeacherSpec {
    /// `oracle` (built in). Other kinds are reserved for a real LLM backend.
    pub kind: String,
    /// Few-shot examples from D0 in each generation prompt (paper: k = 5).
    pub few_shot: u32,
    /// Probability the teacher's answer to a synthetic question is wrong.
    pub answer_error_rate: f64,
    /// How strongly the synthetic difficulty follows the seed's (1 = same difficulty
    /// band, 0 = independent of the seed).
    pub fidelity: f64,
    /// Probability a generation call returns nothing usable.
    pub failure_rate: f64,
    /// Common random numbers for the teacher: its rewrite of seed `s` at iteration `t`
    /// draws from a stream shared by every strategy of the world instead of one private
    /// to the strategy, so two strategies that select the same seed at the same iteration
    /// get the same child (unless one run's dedup index rejects it and retries). Each
    /// run's teacher is still an independent-looking draw from the same distribution, so
    /// no comparison's expected value changes; what changes is how much of the spread of a
    /// paired difference is teacher luck rather than selection (a classic variance
    /// reduction for comparing simulated systems). The same for every strategy. Off by
    /// default: each strategy's own stream, as every result before it was added. Not
    /// written when unset, so no scenario hash changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_draws: Option<bool>,
}

/// ROUGE-L near-duplicate rejection of synthetic questions.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DedupSpec {
    /// Reject when ROUGE-L F against any earlier synthetic question exceeds this (paper 0.7).
    pub threshold: f64,
    /// Regenerations per selected seed before giving up (each one is charged).
    pub max_retries: u32,
}

/// The process reward model used by `reward` strategies.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RewardSpec {
    /// Added reward per answer token (the paper finds real reward models favour length).
    pub length_bias: f64,
    /// Standard deviation of Gaussian noise added to each reward.
    pub noise: f64,
}

/// The pairwise LLM-as-a-judge (Lion's protocol).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JudgeSpec {
    /// Standard deviation of the judge's noise on each 1–10 score.
    pub noise: f64,
    /// A seed is "hard" when teacher score − student score ≥ this (Lion: 1).
    pub hard_margin: f64,
}

/// What `run` writes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSpec {
    /// Output directory; default `runs/<scenario name>`.
    pub dir: Option<String>,
    pub csv: bool,
    pub report: bool,
    pub plots: bool,
}

impl Default for StudentSpec {
    fn default() -> Self {
        StudentSpec {
            layers: 2,
            d_model: 64,
            heads: 4,
            d_ff: 256,
            context: 160,
            learning_rate: 1e-3,
            pretrain_learning_rate: 3e-3,
            weight_decay: 0.01,
            batch_size: 24,
            epochs: 6,
            warmup_fraction: 0.15,
            schedule: Schedule::Linear,
            grad_clip: 2.0,
            pretrain_examples: 400,
            pretrain_epochs: 8,
            pretrain_max_difficulty: 1,
            max_new_tokens: 96,
            min_steps: 0,
            replay_examples: 0,
            lora_rank: 0,
        }
    }
}

impl Default for TeacherSpec {
    fn default() -> Self {
        TeacherSpec {
            kind: "oracle".into(),
            few_shot: 5,
            answer_error_rate: 0.05,
            fidelity: 0.8,
            failure_rate: 0.02,
            shared_draws: None,
        }
    }
}

impl Default for DedupSpec {
    fn default() -> Self {
        DedupSpec {
            threshold: 0.7,
            max_retries: 3,
        }
    }
}

impl Default for RewardSpec {
    fn default() -> Self {
        RewardSpec {
            length_bias: 0.002,
            noise: 0.05,
        }
    }
}

impl Default for JudgeSpec {
    fn default() -> Self {
        JudgeSpec {
            noise: 0.5,
            hard_margin: 1.0,
        }
    }
}

impl TaskSpec {
    /// How many distinct questions D0 draws before their other answers are added
    /// (`seed_size` without `solutions_per_question`).
    pub fn seed_questions(&self) -> u32 {
        match self.solutions_per_question {
            Some(k) if k > 1 => self.seed_size.div_ceil(k),
            _ => self.seed_size,
        }
    }

    /// The task `name` with every size and switch at its default (what a scenario's
    /// `[[tasks]]` entry naming only the task gets; `student fit` without one).
    pub fn with_defaults(name: &str) -> Self {
        TaskSpec {
            name: name.to_string(),
            seed_size: d::seed_size(),
            val_size: d::val_size(),
            test_size: d::test_size(),
            samples_per_iteration: None,
            solutions_per_question: None,
            verify_synthetic: None,
            dedup: None,
            decontaminate: None,
            pretrain_corpus: PretrainCorpus::Seeds,
            pretrain_rewrite_share: None,
            pretrain_examples: None,
            pretrain_epochs: None,
            pretrain_max_difficulty: None,
            epochs: None,
            learning_rate: None,
            lora_rank: None,
        }
    }
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            dir: None,
            csv: true,
            report: true,
            plots: true,
        }
    }
}

mod d {
    pub fn seed() -> u64 {
        1
    }
    pub fn replicates() -> u32 {
        3
    }
    pub fn iterations() -> u32 {
        3
    }
    pub fn samples_per_iteration() -> u32 {
        100
    }
    pub fn seed_size() -> u32 {
        1000
    }
    pub fn val_size() -> u32 {
        100
    }
    pub fn test_size() -> u32 {
        200
    }
}

/// Largest scenario file read: a real one is a few kB; the bound keeps a 10 MB value or
/// `/dev/zero` from being read at all.
pub const MAX_SCENARIO_BYTES: u64 = 256 * 1024;

/// Read and [`parse`] a scenario file; the error names the path as given.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = read_text(path)?;
    parse(&text, &path.display().to_string())
}

/// Read a scenario file as UTF-8 text, refusing before reading anything that is not a
/// regular file (a FIFO would block forever, a device never ends) or is larger than
/// [`MAX_SCENARIO_BYTES`]. Invalid UTF-8 is reported at its line and column.
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    use std::io::Read as _;
    let file = path.display().to_string();
    let read_err = |reason: String| ScenarioError::Read {
        file: file.clone(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| read_err(e.to_string()))?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(read_err(format!("is {kind}; a scenario is a TOML file")));
    }
    let too_big = |n: u64| {
        read_err(format!(
            "is {n} bytes; a scenario file is at most {MAX_SCENARIO_BYTES} bytes"
        ))
    };
    if meta.len() > MAX_SCENARIO_BYTES {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| read_err(e.to_string()))?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    decode_text(bytes, &file)
}

/// A scenario file's bytes as text; invalid UTF-8 is an error located at the first bad
/// byte's line and column (and named by its byte offset).
pub fn decode_text(bytes: Vec<u8>, file: &str) -> Result<String, ScenarioError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let valid = std::str::from_utf8(&e.as_bytes()[..at]).unwrap_or_default();
        let (line, column) = locate::line_col(valid, at);
        ScenarioError::Invalid {
            file: file.to_string(),
            line,
            column,
            field: None,
            message: format!(
                "invalid UTF-8 (byte 0x{:02x} at byte offset {at}); a scenario is UTF-8 text",
                e.as_bytes()[at]
            ),
        }
    })
}

/// A located error for `field` of a scenario text (its key's line and column, or its
/// nearest written parent's): how `check` and `run` report a refusal found after
/// parsing, such as an infeasible memory estimate.
pub fn located(text: &str, file: &str, field: &str, message: &str) -> ScenarioError {
    let index = locate::SpanIndex::new(text).unwrap_or_default();
    validate::Ctx {
        text,
        file,
        index: &index,
    }
    .at(field, message)
}

/// Parse and validate a scenario text. `file_name` only labels errors. The result is
/// as written (use [`Scenario::resolved`] for every default filled in).
pub fn parse(text: &str, file_name: &str) -> Result<Scenario, ScenarioError> {
    prescan(text, file_name)?;
    let scenario: Scenario =
        toml::from_str(text).map_err(|e| deserialize_error(&e, text, file_name))?;
    // The text deserialized, so it is valid TOML and indexes.
    let index = locate::SpanIndex::new(text).unwrap_or_default();
    let ctx = validate::Ctx {
        text,
        file: file_name,
        index: &index,
    };
    validate::validate(&scenario, &ctx)?;
    Ok(scenario)
}

impl Scenario {
    /// The scenario as TOML text (what `activesynth check` prints for the resolved form).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a Scenario always serializes: plain tables and scalars")
    }
}

/// Turn a toml/serde error into the one-line located form.
fn deserialize_error(e: &toml::de::Error, text: &str, file: &str) -> ScenarioError {
    let span = e.span();
    let offset = span.as_ref().map_or(0, |r| r.start);
    let (line, column) = locate::line_col(text, offset);
    // Every error carries a message: some parser errors come with an empty one, and a
    // stray control character (NUL, a lone CR) is named rather than called "invalid key".
    let stray_control = text.get(offset..).is_some_and(|rest| {
        let mut it = rest.chars();
        match it.next() {
            Some('\r') => it.next() != Some('\n'),
            Some(c) => c.is_control() && c != '\n' && c != '\t',
            None => false,
        }
    });
    let invalid = |field: Option<String>, message: String| ScenarioError::Invalid {
        file: file.to_string(),
        line,
        column,
        field,
        message: if stray_control
            || message.trim().is_empty()
            || message.trim() == "TOML syntax error:"
        {
            format!(
                "TOML syntax error: {}",
                error::describe_char_at(text, offset)
            )
        } else {
            message
        },
    };
    let Some(index) = locate::SpanIndex::new(text) else {
        let message = format!("TOML syntax error: {}", error::one_line(e.message()));
        return invalid(locate::guess_key_at(text, offset), message);
    };
    let classified = error::classify(e.message());
    // A span covering the whole document means "at the top level".
    let top_level = span
        .as_ref()
        .is_none_or(|r| r.start == 0 && r.end >= text.trim_end().len());
    let at = if top_level {
        None
    } else {
        index.path_at(offset).map(str::to_string)
    };
    let field = match &classified {
        error::SerdeMessage::MissingField(f) => Some(match at {
            Some(parent) => format!("{parent}.{f}"),
            None => f.clone(),
        }),
        error::SerdeMessage::UnknownField(f, _) => Some(match at {
            Some(p) if p == *f || p.ends_with(&format!(".{f}")) => p,
            Some(parent) => format!("{parent}.{f}"),
            None => f.clone(),
        }),
        _ => at,
    };
    invalid(field, error::reword(&classified))
}

/// Cheap line scan before the TOML parser: too many `[[strategies]]` / `[[tasks]]`
/// entries are refused at the first one over the bound, so parse and validation time
/// stay bounded whatever the file holds.
fn prescan(text: &str, file: &str) -> Result<(), ScenarioError> {
    let (mut strategies, mut tasks) = (0usize, 0usize);
    for (i, line) in text.lines().enumerate() {
        let l = line.trim_start();
        if !l.starts_with("[[") {
            continue;
        }
        let name: String = l[2..].chars().take_while(|c| *c != ']').collect();
        let (count, max, what) = match name.trim() {
            "strategies" => (&mut strategies, feasibility::MAX_STRATEGIES, "strategies"),
            "tasks" => (&mut tasks, crate::tasks::TASK_NAMES.len(), "tasks"),
            _ => continue,
        };
        *count += 1;
        if *count > max {
            return Err(ScenarioError::Invalid {
                file: file.to_string(),
                line: i + 1,
                column: line.len() - l.len() + 1,
                field: Some(format!("{what}[{max}]")),
                message: format!("more than {max} [[{what}]] entries"),
            });
        }
    }
    Ok(())
}
