//! The built-in oracle teacher: renders the paper's prompt for each call, charges it, and
//! fulfils it algorithmically with the task's rewrite rule (docs/architecture.md §2).

use super::ledger::{CallKind, Ledger, LedgerError, Usage};
use super::prompts::{self, Family};
use super::scorers::{judge_pair, JudgeOutcome};
use super::{Rejection, SynthOutcome, Synthetic, Teacher};
use crate::rng::Rng;
use crate::scenario::{DedupSpec, JudgeSpec, Scenario, TaskSpec, TeacherSpec};
use crate::tasks::{Example, Task};
use crate::text::rouge::DedupIndex;
use crate::text::Tokenizer;
use rand::Rng as _;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Everything that configures one run's teacher, resolved from the scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct TeacherConfig {
    pub teacher: TeacherSpec,
    pub dedup: DedupSpec,
    pub judge: JudgeSpec,
    /// ROUGE-L rejection on (paper: every task but game24).
    pub dedup_enabled: bool,
    /// Keep only examples whose teacher answer verifies (paper: game24 only).
    pub verify_enabled: bool,
    /// Reject synthetic questions that are validation or test questions
    /// (`tasks[].decontaminate`; the questions themselves: [`OracleTeacher::with_held_out`]).
    pub decontaminate: bool,
}

impl TeacherConfig {
    /// A task's defaults ([`Task::teacher_defaults`]; the paper's: dedup off and verifier
    /// gate on for game24 only).
    pub fn for_task(task: &dyn Task) -> Self {
        let d = task.teacher_defaults();
        TeacherConfig {
            teacher: TeacherSpec::default(),
            dedup: DedupSpec::default(),
            judge: JudgeSpec::default(),
            dedup_enabled: d.dedup,
            verify_enabled: d.verify_synthetic,
            decontaminate: false,
        }
    }

    /// Resolve from a scenario and one of its tasks (unset per-task switches take the
    /// task's defaults, resolved once in `scenario::resolve`).
    pub fn from_scenario(s: &Scenario, t: &TaskSpec) -> Self {
        TeacherConfig {
            teacher: s.teacher.clone(),
            dedup: s.dedup.clone(),
            judge: s.judge.clone(),
            dedup_enabled: t.dedup_or_default(),
            verify_enabled: t.verify_synthetic_or_default(),
            decontaminate: t.decontaminate.unwrap_or(false),
        }
    }
}

/// The oracle teacher of one run: owns its ledger and the run's dedup index.
pub struct OracleTeacher {
    task: Arc<dyn Task>,
    tokenizer: Arc<Tokenizer>,
    config: TeacherConfig,
    pool: Arc<Vec<Example>>,
    ledger: Ledger,
    index: DedupIndex,
    /// The world's validation and test questions (empty unless set by `with_held_out`).
    held_out: Arc<BTreeSet<String>>,
}

impl OracleTeacher {
    /// `pool` is D0, from which few-shot examples are drawn (shared by every strategy of
    /// a replicate, the paired design).
    pub fn new(
        task: Arc<dyn Task>,
        tokenizer: Arc<Tokenizer>,
        config: TeacherConfig,
        pool: Arc<Vec<Example>>,
    ) -> Self {
        OracleTeacher {
            task,
            tokenizer,
            config,
            pool,
            ledger: Ledger::new(),
            index: DedupIndex::new(),
            held_out: Arc::new(BTreeSet::new()),
        }
    }

    /// The questions a decontaminating teacher must not produce: the world's validation
    /// and test questions, compared exactly (game24's questions are canonical: sorted
    /// numbers). Only read when `config.decontaminate` is on.
    pub fn with_held_out(mut self, questions: Arc<BTreeSet<String>>) -> Self {
        self.held_out = questions;
        self
    }

    /// The configuration in use.
    pub fn config(&self) -> &TeacherConfig {
        &self.config
    }

    /// Accepted synthetic questions so far (the dedup index size).
    pub fn accepted(&self) -> usize {
        self.index.len()
    }

    /// Draw the few-shot examples for `seed`: k from D0 without replacement, excluding
    /// the seed's own question; Math1-3 only from the seed's category; none for game24.
    pub fn draw_shots(&self, seed: &Example, rng: &mut Rng) -> Vec<usize> {
        let family = self.task.prompt_family();
        if !family.uses_few_shot() {
            return Vec::new();
        }
        let cand: Vec<usize> = (0..self.pool.len())
            .filter(|&i| {
                let e = &self.pool[i];
                e.question != seed.question
                    && (!family.same_category_shots() || e.category == seed.category)
            })
            .collect();
        let k = (self.config.teacher.few_shot as usize).min(cand.len());
        rand::seq::index::sample(rng, cand.len(), k)
            .into_iter()
            .map(|j| cand[j])
            .collect()
    }

    /// Render the generation prompt for `seed` with the given few-shot indices into D0.
    pub fn render_generation(&self, seed: &Example, shots: &[usize]) -> String {
        let shots: Vec<&Example> = shots.iter().map(|&i| &self.pool[i]).collect();
        prompts::generation_prompt(self.task.prompt_family(), seed, &shots)
    }

    /// The oracle's answer text: the correct CoT, or with probability
    /// `answer_error_rate` a corrupted one. The coin is always drawn, so the stream does
    /// not depend on the outcome.
    fn oracle_answer(&self, ex: &Example, rng: &mut Rng) -> String {
        let wrong = rng.gen::<f64>() < self.config.teacher.answer_error_rate;
        if wrong {
            self.task.corrupt_answer(ex, rng)
        } else {
            ex.answer.clone()
        }
    }

    fn charge(
        &mut self,
        usage: &mut Usage,
        kind: CallKind,
        prompt: &str,
        completion: &str,
    ) -> Result<(), LedgerError> {
        let u = self
            .ledger
            .charge(&self.tokenizer, kind, prompt, completion)?;
        usage.calls += u.calls;
        usage.input_tokens += u.input_tokens;
        usage.output_tokens += u.output_tokens;
        Ok(())
    }
}

impl Teacher for OracleTeacher {
    fn generate(
        &mut self,
        seed: &Example,
        seed_index: usize,
        iteration: u32,
        rng: &mut Rng,
    ) -> Result<SynthOutcome, LedgerError> {
        let game24 = self.task.prompt_family() == Family::Game24;
        let mut out = SynthOutcome {
            example: None,
            attempts: 0,
            dedup_score: 0.0,
            nearest: None,
            verified: false,
            failure: None,
            usage: Usage::default(),
            prompt: String::new(),
        };
        let max_attempts = if self.config.dedup_enabled || self.config.decontaminate {
            1 + self.config.dedup.max_retries
        } else {
            1
        };
        while out.attempts < max_attempts {
            out.attempts += 1;
            let shots = self.draw_shots(seed, rng);
            let prompt = self.render_generation(seed, &shots);
            let failed = rng.gen::<f64>() < self.config.teacher.failure_rate;
            if failed {
                self.charge(&mut out.usage, CallKind::Generate, &prompt, "")?;
                out.prompt = prompt;
                out.failure = Some(Rejection::GenerationFailed);
                return Ok(out);
            }
            let new = self.task.rewrite(seed, self.config.teacher.fidelity, rng);
            let completion = match (&new, game24) {
                (_, true) => prompts::game24_backward_completion(seed, new.as_ref()),
                (Some(n), false) => n.question.clone(),
                (None, false) => String::new(),
            };
            self.charge(&mut out.usage, CallKind::Generate, &prompt, &completion)?;
            out.prompt = prompt;
            let Some(new) = new else {
                out.failure = Some(Rejection::RewriteFailed);
                return Ok(out);
            };
            if self.config.decontaminate && self.held_out.contains(&new.question) {
                out.failure = Some(Rejection::HeldOut);
                continue;
            }
            let (f, nearest) = self.index.max_f(&new.question);
            out.dedup_score = f;
            out.nearest = nearest;
            if self.config.dedup_enabled && f > self.config.dedup.threshold {
                out.failure = Some(Rejection::Duplicate);
                continue;
            }
            out.failure = None;
            let answer_prompt = prompts::synthetic_answer_prompt(self.task.prompt_family(), &new);
            let text = self.oracle_answer(&new, rng);
            self.charge(&mut out.usage, CallKind::Answer, &answer_prompt, &text)?;
            out.verified = self.task.verify(&new, &text).correct;
            if self.config.verify_enabled && !out.verified {
                out.failure = Some(Rejection::NotVerified);
                return Ok(out);
            }
            self.index.insert(&new.question);
            out.example = Some(Synthetic {
                example: Example {
                    answer: text,
                    ..new
                },
                parent: seed_index,
                iteration,
                teacher_correct: out.verified,
            });
            return Ok(out);
        }
        Ok(out)
    }

    fn answer(&mut self, ex: &Example, rng: &mut Rng) -> Result<String, LedgerError> {
        let prompt = prompts::answer_prompt(self.task.prompt_family(), &ex.question);
        let text = self.oracle_answer(ex, rng);
        let mut u = Usage::default();
        self.charge(&mut u, CallKind::Answer, &prompt, &text)?;
        Ok(text)
    }

    fn judge(
        &mut self,
        ex: &Example,
        student_answer: &str,
        rng: &mut Rng,
    ) -> Result<JudgeOutcome, LedgerError> {
        let teacher_answer = self.answer(ex, rng)?;
        let spec = self.config.judge.clone();
        let task = Arc::clone(&self.task);
        let tokenizer = Arc::clone(&self.tokenizer);
        judge_pair(
            task.as_ref(),
            &tokenizer,
            &mut self.ledger,
            &spec,
            ex,
            &teacher_answer,
            student_answer,
            rng,
        )
    }

    fn ledger(&self) -> &Ledger {
        &self.ledger
    }
}

#[cfg(test)]
#[path = "oracle_tests.rs"]
mod tests;
