//! The Coordinator of one run: drives Algorithm 1 by messages to the run's Student,
//! Teacher, Verifier, RewardModel and Selector actors, and owns nothing heavy — only the
//! growing synthetic set D̂t and the records.

use super::messages::*;
use super::recorder::{IterationDone, Recorder};
use super::reward::RewardActor;
use super::selector::{SelectorActor, VerifierActor};
use super::student::StudentActor;
use super::teacher::TeacherActor;
use crate::engine::records::{IterationRecord, RunKey, RunRecord, RunTiming, SyntheticRecord};
use crate::engine::world::{token_hist, World};
use crate::selection::{Need, SeedScores};
use crate::tasks::Example;
use actix::dev::ToEnvelope;
use actix::prelude::*;
use std::sync::Arc;
use std::time::Instant;

/// The addresses of one run's actors.
#[derive(Clone)]
pub struct RunActors {
    pub student: Addr<StudentActor>,
    pub teacher: Addr<TeacherActor>,
    pub verifier: Addr<VerifierActor>,
    pub reward: Addr<RewardActor>,
    pub selector: Addr<SelectorActor>,
    pub recorder: Addr<Recorder>,
}

/// Drives one run.
pub struct Coordinator {
    pub world: Arc<World>,
    pub key: RunKey,
    pub needs: Vec<Need>,
    pub actors: RunActors,
}

impl Actor for Coordinator {
    type Context = Context<Self>;
}

/// Run Algorithm 1 to the end and return the run's records.
#[derive(Message)]
#[rtype(result = "Result<RunRecord, ActorFailure>")]
pub struct RunLoop;

impl Handler<RunLoop> for Coordinator {
    type Result = ResponseFuture<Result<RunRecord, ActorFailure>>;
    fn handle(&mut self, _: RunLoop, _: &mut Self::Context) -> Self::Result {
        let world = self.world.clone();
        let key = self.key.clone();
        let needs = self.needs.clone();
        let actors = self.actors.clone();
        Box::pin(async move { drive(world, key, needs, actors).await })
    }
}

/// Send a message and flatten mailbox errors (a dead actor) into an [`ActorFailure`].
async fn ask<A, M, T>(addr: &Addr<A>, actor: &'static str, msg: M) -> Result<T, ActorFailure>
where
    A: Actor + Handler<M>,
    A::Context: ToEnvelope<A, M>,
    M: Message<Result = Result<T, ActorFailure>> + Send + 'static,
    T: Send + 'static,
{
    match addr.send(msg).await {
        Ok(r) => r,
        Err(e) => Err(ActorFailure {
            actor,
            message: format!("mailbox closed ({e}); the actor stopped"),
        }),
    }
}

fn as_f64(v: &[bool]) -> Vec<f64> {
    v.iter().map(|b| *b as u8 as f64).collect()
}

async fn drive(
    world: Arc<World>,
    key: RunKey,
    needs: Vec<Need>,
    a: RunActors,
) -> Result<RunRecord, ActorFailure> {
    let scn = world.scenario.clone();
    let m = scn.samples_per_iteration as usize;
    let start = Instant::now();
    let mut timing = RunTiming::default();
    let mut iterations = Vec::new();
    let mut synthetic: Vec<SyntheticRecord> = Vec::new();
    let mut train_set: Vec<Example> = Vec::new();
    let n = world.d0.len();
    for t in 0..scn.iterations {
        let it_start = Instant::now();
        // 1-2. Predict and score only what the strategy needs.
        let mut scores = SeedScores {
            n,
            ..Default::default()
        };
        let mut seed_scores: Vec<(String, Vec<f64>)> = Vec::new();
        if !needs.is_empty() {
            let answers = ask(&a.student, "student", PredictSeeds).await?;
            let model_needs: Vec<Need> = needs
                .iter()
                .copied()
                .filter(|x| matches!(x, Need::LossOwn | Need::LossGt | Need::GradEmbed))
                .collect();
            if !model_needs.is_empty() {
                let s = ask(
                    &a.student,
                    "student",
                    ScoreSeeds {
                        needs: model_needs,
                        answers: answers.clone(),
                        iteration: t,
                    },
                )
                .await?;
                let diverged = |what: &str, v: &[f64]| {
                    first_non_finite(v).map(|i| {
                        divergence(
                            t,
                            &format!("{what} of seed {i}"),
                            scn.student.learning_rate,
                            scn.student.weight_decay,
                        )
                    })
                };
                for (what, v) in [("loss_own", &s.loss_own), ("loss_gt", &s.loss_gt)] {
                    if let Some(e) = v.as_deref().and_then(|v| diverged(what, v)) {
                        return Err(e);
                    }
                }
                if let Some((emb, _)) = &s.grad_embed {
                    if emb.iter().any(|x| !x.is_finite()) {
                        return Err(divergence(
                            t,
                            "a gradient embedding",
                            scn.student.learning_rate,
                            scn.student.weight_decay,
                        ));
                    }
                }
                scores.loss_own = s.loss_own;
                scores.loss_gt = s.loss_gt;
                scores.grad_embed = s.grad_embed;
            }
            if needs.contains(&Need::Correct) {
                let c = ask(
                    &a.verifier,
                    "verifier",
                    Verify {
                        examples: world.d0.clone(),
                        answers: answers.clone(),
                    },
                )
                .await?;
                scores.correct = Some(c);
            }
            if needs.contains(&Need::Reward) {
                let r = ask(
                    &a.reward,
                    "reward",
                    Reward {
                        examples: world.d0.clone(),
                        answers: answers.clone(),
                        stream_ids: (0..n as u64).collect(),
                        iteration: t,
                        purpose: "seed-reward",
                    },
                )
                .await?;
                scores.reward = Some(r);
            }
            if needs.contains(&Need::Judge) {
                let j = ask(
                    &a.teacher,
                    "teacher",
                    JudgeSeeds {
                        answers,
                        iteration: t,
                    },
                )
                .await?;
                scores.judge_gap = Some(j.gap);
                scores.judge_hard = Some(j.hard);
            }
        }
        if let Some(v) = &scores.correct {
            seed_scores.push(("correct".into(), as_f64(v)));
        }
        if let Some(v) = &scores.judge_gap {
            seed_scores.push(("judge_gap".into(), v.clone()));
        }
        if let Some(v) = &scores.loss_gt {
            seed_scores.push(("loss_gt".into(), v.clone()));
        }
        if let Some(v) = &scores.loss_own {
            seed_scores.push(("loss_own".into(), v.clone()));
        }
        if let Some(v) = &scores.reward {
            seed_scores.push(("reward".into(), v.clone()));
        }
        seed_scores.sort_by(|x, y| x.0.cmp(&y.0));

        // 3. Select.
        let selected = ask(
            &a.selector,
            "selector",
            Select {
                scores,
                m,
                iteration: t,
            },
        )
        .await?;

        // 4. Generate.
        let generated = ask(
            &a.teacher,
            "teacher",
            Generate {
                parents: selected.clone(),
                iteration: t,
            },
        )
        .await?;

        // Before/after: the student that scored the parents scores the children.
        let k = generated.len();
        let mut probe_set: Vec<Example> = generated
            .iter()
            .map(|g| world.d0[g.record.parent as usize].clone())
            .collect();
        probe_set.extend(generated.iter().map(|g| g.example.clone()));
        let probe = ask(
            &a.student,
            "student",
            ProbeExamples {
                examples: probe_set.clone(),
            },
        )
        .await?;
        if let Some(i) = first_non_finite(&probe.loss) {
            return Err(divergence(
                t,
                &format!("the student's loss on probe example {i}"),
                scn.student.learning_rate,
                scn.student.weight_decay,
            ));
        }
        let correct = ask(
            &a.verifier,
            "verifier",
            Verify {
                examples: probe_set.clone(),
                answers: probe.answers.clone(),
            },
        )
        .await?;
        let stream_ids: Vec<u64> = (0..2 * k as u64).collect();
        let rewards = ask(
            &a.reward,
            "reward",
            Reward {
                examples: probe_set,
                answers: probe.answers,
                stream_ids,
                iteration: t,
                purpose: "probe-reward",
            },
        )
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
        let trained = ask(
            &a.student,
            "student",
            Train {
                examples: train_set.clone(),
                iteration: t,
            },
        )
        .await?;
        if let Some(e) = trained.diverged_epoch {
            return Err(divergence(
                t,
                &format!("the fine-tuning loss (epoch {})", e + 1),
                scn.student.learning_rate,
                scn.student.weight_decay,
            ));
        }
        let test_accuracy = ask(&a.student, "student", EvaluateTest).await?;
        let tokens = ask(&a.teacher, "teacher", LedgerSnapshot).await?;
        let hist =
            token_hist(&world.tokenizer, &train_set.iter().collect::<Vec<_>>()).map_err(|e| {
                ActorFailure {
                    actor: "coordinator",
                    message: format!("{e:#}"),
                }
            })?;
        iterations.push(IterationRecord {
            iteration: t,
            train_size: train_set.len() as u32,
            generated: k as u32,
            test_accuracy,
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
        a.recorder.do_send(IterationDone {
            key: key.clone(),
            iteration: t,
            test_accuracy,
        });
    }
    timing.total_s = start.elapsed().as_secs_f64();
    Ok(RunRecord {
        key,
        base_test_accuracy: world.record.base_test_accuracy,
        base_val_accuracy: world.record.base_val_accuracy,
        iterations,
        synthetic,
        timing,
    })
}
