//! The shared world of one (task, replicate): seed set D0, validation and test sets, the
//! few-shot pool and the base student. Every strategy of the replicate runs against the
//! same `World` — the paired design of docs/architecture.md §1 — and all of it is drawn from
//! `Scope::Shared` streams.

use crate::engine::phases::{self, Phase};
use crate::engine::records::WorldRecord;
use crate::engine::several_answers;
use crate::rng::StreamKey;
use crate::scenario::{PretrainCorpus, Scenario, StudentSpec, TaskSpec};
use crate::student::{self, Model, ModelConfig, Sequence, TrainConfig};
use crate::tasks::{self, Example, Task};
use crate::text::Tokenizer;
use anyhow::{anyhow, bail, Context, Result};
use rand::seq::SliceRandom;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// Bump when the world's construction changes in a way that alters its bits (it is
/// part of the base-checkpoint cache key).
pub const WORLD_VERSION: u32 = 1;

/// Everything shared by the strategies of one (task, replicate).
pub struct World {
    pub scenario: Arc<Scenario>,
    pub task_spec: TaskSpec,
    pub replicate: u32,
    pub task: Arc<dyn Task>,
    /// The project-wide tokenizer: counts teacher tokens and builds token histograms.
    pub tokenizer: Arc<Tokenizer>,
    /// The student's own vocabulary ([`tasks::student_tokenizer`]): everything the student
    /// reads, generates and scores goes through this one.
    pub student_tokenizer: Arc<Tokenizer>,
    pub d0: Vec<Example>,
    pub val: Vec<Example>,
    pub test: Vec<Example>,
    pub base: Arc<Model>,
    /// The first `student.replay_examples` of the base's pre-training corpus, mixed
    /// into every fine-tuning set of this world (the same for every strategy).
    pub replay: Vec<Sequence>,
    pub record: WorldRecord,
}

impl World {
    pub fn task_name(&self) -> &str {
        &self.task_spec.name
    }

    /// This world's student recipe: the scenario's `[student]` with its task's
    /// overrides ([`TaskSpec::student`]). Fine-tuning reads its recipe here, so a
    /// per-task `epochs`, `learning_rate` or `lora_rank` reaches every run of the task.
    pub fn student(&self) -> StudentSpec {
        self.task_spec.student(&self.scenario.student)
    }

    /// A stream private to one strategy's run of this world at one iteration.
    pub fn run_stream(&self, strategy: &str, iteration: u32, purpose: &str) -> StreamKey {
        StreamKey::run(
            self.scenario.seed,
            &self.task_spec.name,
            self.replicate,
            strategy,
            iteration,
            purpose,
        )
    }

    /// The stream the teacher rewrites seeds from at `iteration` in `strategy`'s run
    /// (each seed then takes its own child of it): private to the run, or with
    /// `teacher.shared_draws` one stream per iteration shared by every strategy, so the
    /// same seed selected by two strategies at the same iteration gets the same draws.
    pub fn generation_stream(&self, strategy: &str, iteration: u32) -> StreamKey {
        if self.scenario.teacher.shared_draws == Some(true) {
            let mut key = self.shared_stream("generate");
            key.iteration = Some(iteration);
            key
        } else {
            self.run_stream(strategy, iteration, "generate")
        }
    }

    /// A stream shared by every strategy of this world.
    pub fn shared_stream(&self, purpose: &str) -> StreamKey {
        StreamKey::shared(
            self.scenario.seed,
            &self.task_spec.name,
            self.replicate,
            purpose,
        )
    }
}

/// Every student knob that determines the *base* checkpoint (architecture, pre-training
/// recipe, decoding length used by its validation), and none of the fine-tuning ones, so
/// that sweeping fine-tuning settings reuses cached bases.
pub fn base_key_fields(st: &StudentSpec) -> String {
    format!(
        "layers={} d_model={} heads={} d_ff={} context={} batch={} wd={} warmup={} schedule={:?} clip={} pre_lr={} pre_n={} pre_epochs={} pre_dmax={} max_new={}",
        st.layers,
        st.d_model,
        st.heads,
        st.d_ff,
        st.context,
        st.batch_size,
        st.weight_decay,
        st.warmup_fraction,
        st.schedule,
        st.grad_clip,
        st.pretrain_learning_rate,
        st.pretrain_examples,
        st.pretrain_epochs,
        st.pretrain_max_difficulty,
        st.max_new_tokens
    )
}

/// Cache key of a base checkpoint: a SHA-256 of `header` (the recipe, e.g. from
/// [`base_key_fields`]), the pre-training corpus and the validation questions that pick
/// its best epoch, plus [`crate::student::NUMERICS_VERSION`]. Hashing the data itself means
/// a change to a task's generator never reuses a stale base; the numerics version does the
/// same for a change to the student's arithmetic (which changes the bits of every base).
pub fn base_cache_key(header: &str, pretrain: &[Example], val: &[Example]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(crate::student::NUMERICS_VERSION.to_le_bytes());
    h.update(header);
    for e in pretrain {
        h.update(e.question.as_bytes());
        h.update(e.answer.as_bytes());
    }
    for e in val {
        h.update(e.question.as_bytes());
    }
    h.finalize().to_vec()
}

/// The student's model configuration for a scenario.
pub fn model_config(scn: &Scenario, vocab: usize) -> ModelConfig {
    student_model_config(&scn.student, vocab)
}

/// The student's model configuration for a `[student]` section.
pub fn student_model_config(s: &StudentSpec, vocab: usize) -> ModelConfig {
    ModelConfig {
        vocab,
        layers: s.layers as usize,
        d_model: s.d_model as usize,
        heads: s.heads as usize,
        d_ff: s.d_ff as usize,
        context: s.context as usize,
    }
}

/// Prompt/answer token sequences of an example: BOS question SEP | answer EOS.
pub fn to_sequence(tok: &Tokenizer, ex: &Example) -> Result<Sequence> {
    let q = tok
        .encode(&ex.question)
        .map_err(|e| anyhow!("question {:?}: {e}", ex.question))?;
    let a = tok
        .encode(&ex.answer)
        .map_err(|e| anyhow!("answer {:?}: {e}", ex.answer))?;
    Ok(Sequence {
        prompt: prompt_ids(q),
        answer: a.into_iter().chain([crate::text::tokenizer::EOS]).collect(),
    })
}

/// BOS question SEP.
pub fn prompt_ids(question_ids: Vec<u32>) -> Vec<u32> {
    let mut p = Vec::with_capacity(question_ids.len() + 2);
    p.push(crate::text::tokenizer::BOS);
    p.extend(question_ids);
    p.push(crate::text::tokenizer::SEP);
    p
}

/// Greedy answers of a model to a set of examples, as token ids (EOS excluded).
pub fn answer_ids(
    model: &Model,
    tok: &Tokenizer,
    examples: &[Example],
    max_new: usize,
) -> Result<Vec<Vec<u32>>> {
    let prompts = examples
        .iter()
        .map(|e| {
            tok.encode(&e.question)
                .map(prompt_ids)
                .map_err(|err| anyhow!("question {:?}: {err}", e.question))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(student::greedy_decode(model, &prompts, max_new))
}

/// Greedy answers of a model to a set of examples, as text.
pub fn answer_texts(
    model: &Model,
    tok: &Tokenizer,
    examples: &[Example],
    max_new: usize,
) -> Result<Vec<String>> {
    Ok(answer_ids(model, tok, examples, max_new)?
        .iter()
        .map(|ids| tok.decode(ids))
        .collect())
}

/// The sequence "question → these answer ids" (the student's own generation), exactly
/// as generated: no round trip through text.
pub fn own_sequence(tok: &Tokenizer, ex: &Example, answer: &[u32]) -> Result<Sequence> {
    let q = tok
        .encode(&ex.question)
        .map_err(|e| anyhow!("question {:?}: {e}", ex.question))?;
    Ok(Sequence {
        prompt: prompt_ids(q),
        answer: answer
            .iter()
            .copied()
            .chain([crate::text::tokenizer::EOS])
            .collect(),
    })
}

/// Fraction of examples a model answers correctly, and the per-example verdicts.
pub fn accuracy(
    model: &Model,
    task: &dyn Task,
    tok: &Tokenizer,
    examples: &[Example],
    max_new: usize,
) -> Result<(f64, Vec<bool>)> {
    let answers = answer_texts(model, tok, examples, max_new)?;
    let correct: Vec<bool> = examples
        .iter()
        .zip(&answers)
        .map(|(e, a)| task.verify(e, a).correct)
        .collect();
    let acc = if correct.is_empty() {
        0.0
    } else {
        correct.iter().filter(|c| **c).count() as f64 / correct.len() as f64
    };
    Ok((acc, correct))
}

/// Draw `n` examples from a stream, skipping questions already in `taken` (so the test
/// and validation sets never contain a seed question verbatim). With `repeats`, the
/// drawn questions are not added to `taken` and may repeat among themselves.
fn draw(
    task: &dyn Task,
    key: &StreamKey,
    n: usize,
    difficulty_max: Option<u32>,
    taken: &mut BTreeSet<String>,
    repeats: bool,
) -> Result<Vec<Example>> {
    let mut rng = key.rng();
    draw_distinct(n, taken, repeats, || {
        Some(match difficulty_max {
            None => task.generate(&mut rng, None),
            Some(dmax) => {
                use rand::Rng as _;
                let (lo, hi) = task.difficulty_range();
                let d = rng.gen_range(lo..=dmax.clamp(lo, hi));
                task.generate(&mut rng, Some(d))
            }
        })
    })
    .map_err(|got| {
        anyhow!(
            "task {} could not produce {n} distinct examples for {:?} (got {got})",
            task.name(),
            key.purpose
        )
    })
}

/// One rewrite (the teacher's, fidelity 1) per parent, in order, each a question not in
/// `taken` and distinct from the others (a parent whose rewrite fails or collides is
/// rewritten again from the stream, cycling through the parents).
fn rewrites_of(
    task: &dyn Task,
    parents: &[Example],
    key: &StreamKey,
    taken: &mut BTreeSet<String>,
) -> Result<Vec<Example>> {
    let mut rng = key.rng();
    let mut i = 0usize;
    draw_distinct(parents.len(), taken, false, || {
        let p = &parents[i % parents.len()];
        i += 1;
        task.rewrite(p, 1.0, &mut rng)
    })
    .map_err(|got| {
        anyhow!(
            "task {} could not rewrite {} pre-training parents into distinct new questions (got {got})",
            task.name(),
            parents.len()
        )
    })
}

/// `n` distinct questions of the task's transfer corpus ([`Task::transfer_example`]),
/// none of them a set's question (they cannot be: the task never asks them).
fn transfer_corpus(
    task: &dyn Task,
    n: usize,
    max_difficulty: u32,
    key: &StreamKey,
    taken: &mut BTreeSet<String>,
) -> Result<Vec<Example>> {
    let Some(what) = task.transfer_corpus() else {
        bail!(
            "task {} has no other-target corpus (pretrain_corpus = \"other-targets\")",
            task.name()
        );
    };
    let mut rng = key.rng();
    draw_distinct(n, taken, false, || {
        task.transfer_example(&mut rng, max_difficulty)
    })
    .map_err(|got| anyhow!("could not draw {n} distinct {what} (got {got})"))
}

/// The draw loop of the worlds' sets ([`Recipe::draw_sets`]) and `student fit`'s pool: call `sample` (which may
/// decline with `None`) until `n` examples whose questions are not in `taken` are found,
/// adding each to `taken` unless `repeats` (then they may repeat among themselves).
/// Gives up after `50 n + 1000` tries with the number found.
pub fn draw_distinct(
    n: usize,
    taken: &mut BTreeSet<String>,
    repeats: bool,
    mut sample: impl FnMut() -> Option<Example>,
) -> std::result::Result<Vec<Example>, usize> {
    let mut out = Vec::with_capacity(n);
    let mut tries = 0usize;
    while out.len() < n {
        tries += 1;
        if tries > 50 * n + 1000 {
            return Err(out.len());
        }
        let Some(ex) = sample() else { continue };
        let fresh = if repeats {
            !taken.contains(&ex.question)
        } else {
            taken.insert(ex.question.clone())
        };
        if fresh {
            out.push(ex);
        }
    }
    Ok(out)
}

/// Token histogram (length V) of questions and answers.
pub fn token_hist(tok: &Tokenizer, examples: &[&Example]) -> Result<Vec<u32>> {
    let mut h = vec![0u32; tok.vocab_size()];
    for e in examples {
        for t in tok
            .encode(&e.question)
            .map_err(|err| anyhow!("{err}"))?
            .into_iter()
            .chain(tok.encode(&e.answer).map_err(|err| anyhow!("{err}"))?)
        {
            h[t as usize] += 1;
        }
    }
    Ok(h)
}

/// The data sets of one (task, replicate) world, drawn in this order from its shared
/// streams, each disjoint from the ones before. In a finite world (game24: 1,362
/// puzzles) D0, validation and test are one draw split at random, so they are
/// exchangeable ([`Recipe::draw_sets`]); its pre-training corpus, which cannot give
/// thousands of distinct questions beside them, repeats the puzzles those sets left over
/// (never one of theirs).
pub struct WorldSets {
    pub d0: Vec<Example>,
    pub val: Vec<Example>,
    pub test: Vec<Example>,
    /// The base's pre-training corpus (`pretrain_examples`, difficulty uniform in
    /// `1..=pretrain_max_difficulty`).
    pub pretrain: Vec<Example>,
    /// Every question a later draw must avoid (`student fit`'s training pool).
    pub taken: BTreeSet<String>,
}

/// The recipe of one (task, replicate) world and its base student — the one recipe that
/// `run` (through [`build_world`]) and `student fit` share, so that `student fit`
/// measures exactly the base a run fine-tunes from: the data sets ([`Recipe::draw_sets`]),
/// the initial weights, the pre-training hyper-parameters and the cache key
/// ([`Recipe::base_student`]).
pub struct Recipe<'a> {
    /// The scenario's master seed.
    pub seed: u64,
    pub task: &'a dyn Task,
    pub task_spec: &'a TaskSpec,
    pub replicate: u32,
    pub student: &'a StudentSpec,
}

impl Recipe<'_> {
    /// A `Scope::Shared` stream of this world.
    pub fn stream(&self, purpose: &str) -> StreamKey {
        StreamKey::shared(self.seed, &self.task_spec.name, self.replicate, purpose)
    }

    /// D0's questions (one answer each), validation and test: the first draws of a
    /// world, in this order; `taken` collects their questions for the draws after them.
    fn draw_question_sets(
        &self,
        taken: &mut BTreeSet<String>,
    ) -> Result<(Vec<Example>, Vec<Example>, Vec<Example>)> {
        let (task, spec) = (self.task, self.task_spec);
        let mut set = |purpose: &str, n: u32| {
            draw(task, &self.stream(purpose), n as usize, None, taken, false)
        };
        if task.distinct_questions().is_some() {
            // A finite world (game24) drawn set after set would leave the later sets the
            // puzzles the earlier ones did not take: with 700 + 100 + 300 of 1,362
            // puzzles, test puzzles had a third of D0's solutions on average (5.1 against
            // 14.8) and 6 % easy structures against D0's 25 %, so test accuracy measured
            // another distribution than the one the loop selects from. One draw of all
            // three, split at random, makes them exchangeable, like the paper's random
            // splits of one dataset.
            let (n0, nv, nt) = (spec.seed_questions(), spec.val_size, spec.test_size);
            let mut all = set("sets", n0 + nv + nt)?;
            all.shuffle(&mut self.stream("split").rng());
            let test = all.split_off((n0 + nv) as usize);
            let val = all.split_off(n0 as usize);
            Ok((all, val, test))
        } else {
            let d0 = set("d0", spec.seed_questions())?;
            let val = set("val", spec.val_size)?;
            let test = set("test", spec.test_size)?;
            Ok((d0, val, test))
        }
    }

    /// Validation and test exactly as [`Self::draw_sets`] draws them, without the
    /// pre-training corpus (seconds per world in game24): for analyses that join a
    /// results file with its world's held-out questions (`report::contamination`).
    pub fn draw_held_out(&self) -> Result<(Vec<Example>, Vec<Example>)> {
        let (_, val, test) = self.draw_question_sets(&mut BTreeSet::new())?;
        Ok((val, test))
    }

    /// D0, validation, test and the pre-training corpus ([`WorldSets`]).
    pub fn draw_sets(&self) -> Result<WorldSets> {
        let (task, spec, st) = (self.task, self.task_spec, self.student);
        let mut taken = BTreeSet::new();
        let (d0, val, test) = self.draw_question_sets(&mut taken)?;
        let mut set = |purpose: &str, n: u32, dmax: Option<u32>, repeats: bool| {
            draw(
                task,
                &self.stream(purpose),
                n as usize,
                dmax,
                &mut taken,
                repeats,
            )
        };
        let finite = task.distinct_questions().is_some();
        let pretrain = match spec.pretrain_corpus {
            PretrainCorpus::Seeds => set(
                "pretrain",
                st.pretrain_examples,
                Some(st.pretrain_max_difficulty),
                finite,
            )?,
            PretrainCorpus::Rewrites => {
                // Parents as `Seeds` draws them (never a set's question); their rewrites
                // must avoid every set's question too, and each other.
                let parents = set(
                    "pretrain",
                    st.pretrain_examples,
                    Some(st.pretrain_max_difficulty),
                    finite,
                )?;
                rewrites_of(task, &parents, &self.stream("pretrain-rewrite"), &mut taken)?
            }
            PretrainCorpus::OtherTargets => {
                // A share of rewrites (`pretrain_rewrite_share`) replaces as many
                // other-target puzzles; without it the draw is what it always was.
                let n = st.pretrain_examples as usize;
                let n_rewrites = spec
                    .pretrain_rewrite_share
                    .map_or(0, |x| ((x * n as f64).round() as usize).min(n));
                // Parents first: the sets' draw closure holds `taken` until its last use.
                let parents = match n_rewrites {
                    0 => Vec::new(),
                    k => set(
                        "pretrain",
                        k as u32,
                        Some(st.pretrain_max_difficulty),
                        finite,
                    )?,
                };
                let mut corpus = transfer_corpus(
                    task,
                    n - n_rewrites,
                    st.pretrain_max_difficulty,
                    &self.stream("pretrain-other-targets"),
                    &mut taken,
                )?;
                if n_rewrites > 0 {
                    corpus.extend(rewrites_of(
                        task,
                        &parents,
                        &self.stream("pretrain-rewrite"),
                        &mut taken,
                    )?);
                    corpus.shuffle(&mut self.stream("pretrain-mix").rng());
                }
                corpus
            }
        };
        // From its own stream, so that validation, test and the base stay exactly those
        // of the world with one answer per question.
        let d0 = match spec.solutions_per_question {
            Some(k) if k > 1 => several_answers::expand(
                task,
                "D0",
                d0,
                k as usize,
                spec.seed_size as usize,
                &self.stream("d0-answers"),
            )?,
            _ => d0,
        };
        Ok(WorldSets {
            d0,
            val,
            test,
            pretrain,
            taken,
        })
    }

    /// The student's architecture for a vocabulary of `vocab` tokens.
    pub fn model_config(&self, vocab: usize) -> ModelConfig {
        student_model_config(self.student, vocab)
    }

    /// The base's weights before pre-training (the `init` stream).
    pub fn initial_model(&self, vocab: usize) -> Model {
        Model::new(self.model_config(vocab), &mut self.stream("init").rng())
    }

    /// Cache key of the base pre-trained on `sets` ([`base_cache_key`] of the recipe's
    /// header, the corpus and the validation questions).
    pub fn base_cache_key(&self, vocab: usize, sets: &WorldSets) -> Vec<u8> {
        base_cache_key(
            &format!(
                "world-v{WORLD_VERSION}|{}|{}|{}|{}|{vocab}",
                self.seed,
                self.task_spec.name,
                self.replicate,
                base_key_fields(self.student)
            ),
            &sets.pretrain,
            &sets.val,
        )
    }

    /// The base student: [`Recipe::initial_model`] pre-trained on `sets.pretrain` (every
    /// weight, `pretrain_epochs` at `pretrain_learning_rate`, the best epoch on
    /// `sets.val` kept), or the identical one from the cache under `cache_dir`.
    /// `on_epoch` sees each pre-training epoch's validation accuracy (nothing when the
    /// base comes from the cache).
    pub fn base_student(
        &self,
        stok: &Tokenizer,
        sets: &WorldSets,
        cache_dir: &Path,
        mut on_epoch: impl FnMut(f64),
    ) -> Result<Model> {
        let (task, st) = (self.task, self.student);
        let vocab = stok.vocab_size();
        let cfg = self.model_config(vocab);
        let max_new = st.max_new_tokens as usize;
        let key = self.base_cache_key(vocab, sets);
        student::base::try_cached_or_train_checked(cache_dir, &key, &cfg, || {
            let _phase = phases::scope(Phase::Pretrain);
            let mut model = self.initial_model(vocab);
            let seqs: Vec<Sequence> = sets
                .pretrain
                .iter()
                .map(|e| to_sequence(stok, e))
                .collect::<Result<_>>()
                .expect("pre-training examples tokenize (checked by the task lexicon tests)");
            let mut tc = TrainConfig::from(st);
            tc.epochs = st.pretrain_epochs as usize;
            tc.learning_rate = st.pretrain_learning_rate;
            tc.min_steps = 0;
            tc.lora_rank = 0; // pre-training trains every weight; LoRA is for fine-tuning
            let mut train_rng = self.stream("pretrain-shuffle").rng();
            student::try_train(&mut model, &seqs, &tc, &mut train_rng, |m| {
                let acc = accuracy(m, task, stok, &sets.val, max_new)
                    .map(|r| r.0)
                    .context("validation pass of pre-training")?;
                on_epoch(acc);
                anyhow::Ok(acc)
            })?;
            anyhow::Ok(model)
        })
    }
}

/// Build the world of one (task, replicate); the base student comes from the on-disk
/// cache under `cache_dir` when an identical one was trained before.
pub fn build_world(
    scenario: Arc<Scenario>,
    task_spec: &TaskSpec,
    replicate: u32,
    tokenizer: Arc<Tokenizer>,
    cache_dir: &Path,
) -> Result<World> {
    let task: Arc<dyn Task> = Arc::from(
        tasks::by_name(&task_spec.name)
            .ok_or_else(|| anyhow!("unknown task {}", task_spec.name))?,
    );
    let st = &task_spec.student(&scenario.student);
    let recipe = Recipe {
        seed: scenario.seed,
        task: &*task,
        task_spec,
        replicate,
        student: st,
    };
    let sets = recipe.draw_sets()?;
    let stok = Arc::new(tasks::student_tokenizer(&*task));
    let max_new = st.max_new_tokens as usize;
    let base = recipe
        .base_student(&stok, &sets, cache_dir, |_| {
            if let Some(p) = crate::engine::progress::current() {
                p.pretrain_epoch(&task_spec.name, replicate);
            }
        })
        .with_context(|| format!("base student for {} replicate {replicate}", task_spec.name))?;
    let WorldSets {
        d0,
        val,
        test,
        pretrain,
        ..
    } = sets;

    let replay: Vec<Sequence> = pretrain
        .iter()
        .take(st.replay_examples as usize)
        .map(|e| to_sequence(&stok, e))
        .collect::<Result<_>>()?;
    let phase = phases::scope(Phase::DecodeTest);
    let (base_test, test_correct) = accuracy(&base, &*task, &stok, &test, max_new)?;
    let (base_val, _) = accuracy(&base, &*task, &stok, &val, max_new)?;
    drop(phase);
    let mut by_diff: std::collections::BTreeMap<u32, (u32, u32)> = Default::default();
    for (e, c) in test.iter().zip(&test_correct) {
        let s = by_diff.entry(e.difficulty).or_default();
        s.0 += 1;
        s.1 += *c as u32;
    }
    // The base student's own view of D0 (world check W3): greedy answers, their loss
    // and correctness, computed exactly as a strategy's t = 0 `loss_own` and `correct`.
    // Deterministic and RNG-free, so no other tensor changes.
    let phase = phases::scope(Phase::DecodeSeeds);
    let d0_answers = answer_ids(&base, &stok, &d0, max_new)?;
    drop(phase);
    let d0_own: Vec<Sequence> = d0
        .iter()
        .zip(&d0_answers)
        .map(|(e, a)| own_sequence(&stok, e, a))
        .collect::<Result<_>>()?;
    let d0_loss_own = {
        let _phase = phases::scope(Phase::Scoring);
        student::seq_nll(&base, &d0_own)
    };
    let d0_correct: Vec<bool> = d0
        .iter()
        .zip(&d0_answers)
        .map(|(e, a)| task.verify(e, &stok.decode(a)).correct)
        .collect();
    let record = WorldRecord {
        task: task_spec.name.clone(),
        replicate,
        d0_difficulty: d0.iter().map(|e| e.difficulty).collect(),
        d0_token_hist: token_hist(&tokenizer, &d0.iter().collect::<Vec<_>>())?,
        base_test_accuracy: base_test,
        base_val_accuracy: base_val,
        base_by_difficulty: by_diff.into_iter().map(|(d, (n, c))| (d, n, c)).collect(),
        test_difficulty: test.iter().map(|e| e.difficulty).collect(),
        base_test_correct: test_correct,
        d0_loss_own,
        d0_correct,
    };
    Ok(World {
        scenario,
        task_spec: task_spec.clone(),
        replicate,
        task,
        tokenizer,
        student_tokenizer: stok,
        d0,
        val,
        test,
        base: Arc::new(base),
        replay,
        record,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(q: &str, a: &str) -> Example {
        Example {
            question: q.into(),
            answer: a.into(),
            final_answer: String::new(),
            difficulty: 1,
            category: None,
        }
    }

    #[test]
    fn base_cache_key_changes_with_the_data_not_only_the_recipe() {
        let pre = [ex("Mia has 5 pens.", "5 + 3 = 8\n#### 8")];
        let val = [ex("Leo has 2 cups.", "#### 2")];
        let k = base_cache_key("recipe", &pre, &val);
        assert_eq!(k.len(), 32);
        assert_eq!(k, base_cache_key("recipe", &pre, &val));
        assert_ne!(k, base_cache_key("recipe2", &pre, &val));
        // Same recipe, one pre-training answer regenerated differently: a new key.
        let pre2 = [ex("Mia has 5 pens.", "5 + 3 = 9\n#### 9")];
        assert_ne!(k, base_cache_key("recipe", &pre2, &val));
        let val2 = [ex("Leo has 3 cups.", "#### 3")];
        assert_ne!(k, base_cache_key("recipe", &pre, &val2));
    }

    /// `pretrain_corpus = "rewrites"` in game24's finite world: thousands of distinct
    /// pre-training puzzles (the seed mix has only the ~260 puzzles the sets leave over),
    /// none of them a D0, validation or test puzzle, each a correct worked solution by the
    /// task's own verifier, most outside the world's numbers 1..13.
    #[test]
    fn rewrite_corpus_is_distinct_disjoint_and_correct() {
        let task = tasks::by_name("game24").unwrap();
        let mut spec = TaskSpec::with_defaults("game24");
        (spec.seed_size, spec.val_size, spec.test_size) = (700, 100, 300);
        spec.pretrain_corpus = PretrainCorpus::Rewrites;
        let student = StudentSpec {
            pretrain_examples: 2000,
            pretrain_max_difficulty: 3,
            ..StudentSpec::default()
        };
        let recipe = Recipe {
            seed: 4,
            task: task.as_ref(),
            task_spec: &spec,
            replicate: 1,
            student: &student,
        };
        let sets = recipe.draw_sets().unwrap();
        assert_eq!(sets.pretrain.len(), 2000);
        let world: BTreeSet<&str> = sets
            .d0
            .iter()
            .chain(&sets.val)
            .chain(&sets.test)
            .map(|e| e.question.as_str())
            .collect();
        assert_eq!(world.len(), 1100);
        let corpus: BTreeSet<&str> = sets.pretrain.iter().map(|e| e.question.as_str()).collect();
        assert_eq!(corpus.len(), 2000, "pre-training questions repeat");
        assert!(corpus.is_disjoint(&world));
        let mut beyond_13 = 0;
        for e in &sets.pretrain {
            assert!(task.verify(e, &e.answer).correct, "{}", e.question);
            let nums: Vec<i64> = e
                .question
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            beyond_13 += usize::from(nums.iter().any(|&n| n > 13 && n != 24));
        }
        assert!(
            beyond_13 > 1500,
            "only {beyond_13} of 2000 leave the world's numbers"
        );
        // Deterministic: the same recipe draws the same corpus.
        let again = recipe.draw_sets().unwrap();
        assert!(again
            .pretrain
            .iter()
            .zip(&sets.pretrain)
            .all(|(a, b)| a.question == b.question));
    }
}
