//! The Student actor: owns the base checkpoint and the current fine-tuned model of one
//! run. Runs on its own `SyncArbiter` thread because every message is CPU-bound.

use super::messages::*;
use crate::engine::phases::{self, Phase};
use crate::engine::steps;
use crate::engine::world::{self, World};
use crate::rng::StreamKey;
use crate::scoring::{self, Elems, Projection, ScoringBackend, ScoringInput};
use crate::selection::{Need, SeedScores};
use crate::student::{self, Model, Sequence, TrainConfig};
use crate::tasks::Example;
use actix::{Actor, Handler, SyncContext};
use anyhow::Result;
use std::sync::Arc;

pub struct StudentActor {
    world: Arc<World>,
    label: String,
    current: Model,
    backend: Arc<dyn ScoringBackend>,
    /// Token ids of the last `PredictSeeds` answers (scored by `ScoreSeeds`).
    seed_answers: Vec<Vec<u32>>,
}

impl StudentActor {
    pub fn new(world: Arc<World>, label: String, backend: Arc<dyn ScoringBackend>) -> Self {
        let current = (*world.base).clone();
        StudentActor {
            world,
            label,
            current,
            backend,
            seed_answers: Vec::new(),
        }
    }

    fn max_new(&self) -> usize {
        self.world.scenario.student.max_new_tokens as usize
    }

    fn stream(&self, iteration: u32, purpose: &str) -> StreamKey {
        self.world.run_stream(&self.label, iteration, purpose)
    }

    /// The student's own generations as sequences, from the token ids it produced (a
    /// round trip through text is not exact: see `Tokenizer::encode_lenient`).
    fn own_sequences(&self, examples: &[Example], ids: &[Vec<u32>]) -> Result<Vec<Sequence>> {
        examples
            .iter()
            .zip(ids)
            .map(|(e, a)| world::own_sequence(&self.world.student_tokenizer, e, a))
            .collect()
    }
}

impl Actor for StudentActor {
    type Context = SyncContext<Self>;
}

impl Handler<PredictSeeds> for StudentActor {
    type Result = Result<Vec<String>, ActorFailure>;
    fn handle(&mut self, _: PredictSeeds, _: &mut Self::Context) -> Self::Result {
        guarded("student", || {
            maybe_inject_panic("student");
            let _phase = phases::scope(Phase::DecodeSeeds);
            let tok = &self.world.student_tokenizer;
            self.seed_answers =
                world::answer_ids(&self.current, tok, &self.world.d0, self.max_new())?;
            Ok(self
                .seed_answers
                .iter()
                .map(|ids| tok.decode(ids))
                .collect())
        })
    }
}

impl Handler<ScoreSeeds> for StudentActor {
    type Result = Result<SeedScores, ActorFailure>;
    fn handle(&mut self, msg: ScoreSeeds, _: &mut Self::Context) -> Self::Result {
        guarded("student", || {
            let _phase = phases::scope(Phase::Scoring);
            let d0 = &self.world.d0;
            let mut s = SeedScores {
                n: d0.len(),
                ..Default::default()
            };
            let own = if msg.needs.contains(&Need::LossOwn) || msg.needs.contains(&Need::GradEmbed)
            {
                anyhow::ensure!(
                    self.seed_answers.len() == d0.len() && msg.answers.len() == d0.len(),
                    "ScoreSeeds must follow PredictSeeds"
                );
                Some(self.own_sequences(d0, &self.seed_answers)?)
            } else {
                None
            };
            if msg.needs.contains(&Need::LossOwn) {
                let seqs = own.as_ref().expect("built above");
                let mut loss = student::seq_nll(&self.current, seqs);
                if inject_nan("loss_own") {
                    loss[0] = f64::NAN;
                }
                s.loss_own = Some(loss);
            }
            if msg.needs.contains(&Need::LossGt) {
                let seqs: Vec<Sequence> = d0
                    .iter()
                    .map(|e| world::to_sequence(&self.world.student_tokenizer, e))
                    .collect::<Result<_>>()?;
                s.loss_gt = Some(student::seq_nll(&self.current, &seqs));
            }
            if msg.needs.contains(&Need::GradEmbed) {
                let seqs = own.as_ref().expect("built above");
                let st = student::answer_states(&self.current, seqs);
                let dims = badge_dims(&self.world.scenario, &self.label)?;
                // Kronecker factors: kA·kB ≈ dims, kA = kB = ceil(sqrt(dims)).
                let k = (dims as f64).sqrt().ceil().max(1.0) as usize;
                let v = self.world.student_tokenizer.vocab_size();
                let mut rng = self.stream(msg.iteration, "badge-projection").rng();
                let proj = Projection::gaussian(k, k, v, st.d, &mut rng);
                let input = ScoringInput {
                    h: Elems::F32(&st.hidden),
                    w: Elems::F32(self.current.head()),
                    d: st.d,
                    v,
                    targets: &st.targets,
                    offsets: &st.offsets,
                };
                let emb = self.backend.grad_embed(&input, &proj)?;
                s.grad_embed = Some((emb, proj.dim()));
            }
            Ok(s)
        })
    }
}

impl Handler<ProbeExamples> for StudentActor {
    type Result = Result<Probe, ActorFailure>;
    fn handle(&mut self, msg: ProbeExamples, _: &mut Self::Context) -> Self::Result {
        guarded("student", || {
            let tok = &self.world.student_tokenizer;
            let phase = phases::scope(Phase::DecodeProbes);
            let ids = world::answer_ids(&self.current, tok, &msg.examples, self.max_new())?;
            let answers = ids.iter().map(|a| tok.decode(a)).collect();
            drop(phase);
            let _phase = phases::scope(Phase::Scoring);
            let seqs = self.own_sequences(&msg.examples, &ids)?;
            let loss = student::seq_nll(&self.current, &seqs);
            Ok(Probe { answers, loss })
        })
    }
}

impl Handler<Train> for StudentActor {
    type Result = Result<Trained, ActorFailure>;
    fn handle(&mut self, msg: Train, _: &mut Self::Context) -> Self::Result {
        guarded("student", || {
            let _phase = phases::scope(Phase::Finetune);
            let w = &self.world;
            if msg.examples.is_empty() {
                // Nothing was generated (every teacher call failed): the student stays the
                // base, as fine-tuning on an empty set would leave it.
                self.current = (*w.base).clone();
                return Ok(Trained {
                    val_accuracy: w.record.base_val_accuracy,
                    best_epoch: 0,
                    tokens_per_s: 0.0,
                    diverged_epoch: None,
                });
            }
            // Algorithm 1: always restart from the base checkpoint, never warm-start.
            let tc = TrainConfig::from(&w.student());
            let mut rng = self.stream(msg.iteration, "train").rng();
            let (model, report) = steps::finetune(w, &msg.examples, &tc, &mut rng, msg.iteration)?;
            let mut epoch_loss = report.epoch_loss.clone();
            if inject_nan("train") {
                epoch_loss.push(f64::NAN);
            }
            let diverged_epoch = first_non_finite(&epoch_loss).or_else(|| {
                model
                    .params
                    .iter()
                    .any(|p| !p.is_finite())
                    .then_some(report.epoch_loss.len())
            });
            self.current = model;
            let best = report.best_epoch.unwrap_or(0);
            Ok(Trained {
                val_accuracy: if report.best_val_score.is_nan() {
                    0.0
                } else {
                    report.best_val_score
                },
                best_epoch: best as u32,
                tokens_per_s: report.tokens as f64 / report.wall_s.max(1e-9),
                diverged_epoch,
            })
        })
    }
}

impl Handler<EvaluateTest> for StudentActor {
    type Result = Result<TestOutcome, ActorFailure>;
    fn handle(&mut self, _: EvaluateTest, _: &mut Self::Context) -> Self::Result {
        guarded("student", || {
            let _phase = phases::scope(Phase::DecodeTest);
            let w = &self.world;
            let (accuracy, correct) = world::accuracy(
                &self.current,
                &*w.task,
                &w.student_tokenizer,
                &w.test,
                self.max_new(),
            )?;
            Ok(TestOutcome { accuracy, correct })
        })
    }
}

/// The scoring backend used by the loop: the CPU reference (deterministic and the
/// default; one thread per run because runs are already parallel).
pub fn loop_backend() -> Arc<dyn ScoringBackend> {
    Arc::new(scoring::cpu::CpuBackend::new(1))
}

/// The gradient-embedding size of the run's own strategy, found by its label (labels are
/// unique within a scenario). Looking it up by name instead gave every BADGE strategy of
/// a scenario the first one's size (issue 12).
fn badge_dims(scenario: &crate::scenario::Scenario, label: &str) -> Result<usize> {
    let spec = scenario
        .strategies
        .iter()
        .find(|sp| sp.resolved_label() == label)
        .ok_or_else(|| anyhow::anyhow!("no strategy labelled {label:?} in the scenario"))?;
    Ok(spec.dims_or_default() as usize)
}

#[cfg(test)]
mod tests {
    use super::badge_dims;

    #[test]
    fn two_badge_strategies_keep_their_own_sizes() {
        let text = r#"
name = "two-badges"
[[tasks]]
name = "arith"
[[strategies]]
name = "badge"
[[strategies]]
name = "badge"
dims = 32
[[strategies]]
name = "random"
"#;
        let scn = crate::scenario::parse(text, "two.toml").unwrap().resolved();
        let labels: Vec<String> = scn.strategies.iter().map(|s| s.resolved_label()).collect();
        assert_eq!(labels, ["badge", "badge-k32", "random"]);
        assert_eq!(badge_dims(&scn, "badge").unwrap(), 16);
        assert_eq!(badge_dims(&scn, "badge-k32").unwrap(), 32);
        assert!(badge_dims(&scn, "badge-k64").is_err());
    }
}
