//! The Coordinator of one run: runs Algorithm 1 ([`crate::engine::algorithm::run`]) with
//! the run's Student, Teacher, Verifier, RewardModel and Selector actors as its
//! components. The actors own the state and the threads; this module only adapts their
//! addresses to the loop's traits (one message per trait method) and owns nothing heavy.

use super::messages::*;
use super::recorder::{IterationDone, Recorder};
use super::reward::RewardActor;
use super::selector::{SelectorActor, VerifierActor};
use super::student::StudentActor;
use super::teacher::TeacherActor;
use crate::engine::algorithm::{
    self, Components, LoopReward, LoopSelector, LoopStudent, LoopTeacher, LoopVerifier, Setup,
};
use crate::engine::records::{RunKey, RunRecord, Tokens};
use crate::engine::world::World;
use crate::selection::{Need, SeedScores};
use crate::tasks::Example;
use actix::dev::ToEnvelope;
use actix::prelude::*;
use std::sync::Arc;

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
        Err(e) => Err(ActorFailure::new(
            actor,
            format!("mailbox closed ({e}); the actor stopped"),
        )),
    }
}

async fn drive(
    world: Arc<World>,
    key: RunKey,
    needs: Vec<Need>,
    a: RunActors,
) -> Result<RunRecord, ActorFailure> {
    let scn = &world.scenario;
    let student = world.student();
    let setup = Setup {
        key: key.clone(),
        d0: &world.d0,
        iterations: scn.iterations,
        samples_per_iteration: world
            .task_spec
            .samples_per_iteration(scn.samples_per_iteration)
            as usize,
        needs: &needs,
        tokenizer: &world.tokenizer,
        learning_rate: student.learning_rate,
        weight_decay: student.weight_decay,
        base_test_accuracy: world.record.base_test_accuracy,
        base_val_accuracy: world.record.base_val_accuracy,
    };
    let mut components = Components {
        student: a.student,
        teacher: a.teacher,
        verifier: a.verifier,
        reward: a.reward,
        selector: a.selector,
    };
    let recorder = a.recorder;
    algorithm::run(&setup, &mut components, |iteration, test_accuracy| {
        recorder.do_send(IterationDone {
            key: key.clone(),
            iteration,
            test_accuracy,
        })
    })
    .await
}

impl LoopStudent for Addr<StudentActor> {
    async fn predict_seeds(&mut self) -> Result<Vec<String>, ActorFailure> {
        ask(self, "student", PredictSeeds).await
    }
    async fn score_seeds(
        &mut self,
        needs: Vec<Need>,
        answers: Vec<String>,
        iteration: u32,
    ) -> Result<SeedScores, ActorFailure> {
        let msg = ScoreSeeds {
            needs,
            answers,
            iteration,
        };
        ask(self, "student", msg).await
    }
    async fn probe(&mut self, examples: Vec<Example>) -> Result<Probe, ActorFailure> {
        ask(self, "student", ProbeExamples { examples }).await
    }
    async fn train_from_base(
        &mut self,
        examples: Vec<Example>,
        iteration: u32,
    ) -> Result<Trained, ActorFailure> {
        ask(
            self,
            "student",
            Train {
                examples,
                iteration,
            },
        )
        .await
    }
    async fn evaluate_test(&mut self) -> Result<TestOutcome, ActorFailure> {
        ask(self, "student", EvaluateTest).await
    }
}

impl LoopTeacher for Addr<TeacherActor> {
    async fn judge_seeds(
        &mut self,
        answers: Vec<String>,
        iteration: u32,
    ) -> Result<JudgeScores, ActorFailure> {
        ask(self, "teacher", JudgeSeeds { answers, iteration }).await
    }
    async fn generate(
        &mut self,
        parents: Vec<usize>,
        iteration: u32,
    ) -> Result<Vec<Generated>, ActorFailure> {
        ask(self, "teacher", Generate { parents, iteration }).await
    }
    async fn tokens(&mut self) -> Result<Tokens, ActorFailure> {
        ask(self, "teacher", LedgerSnapshot).await
    }
}

impl LoopVerifier for Addr<VerifierActor> {
    async fn verify(
        &mut self,
        examples: Vec<Example>,
        answers: Vec<String>,
    ) -> Result<Vec<bool>, ActorFailure> {
        ask(self, "verifier", Verify { examples, answers }).await
    }
}

impl LoopReward for Addr<RewardActor> {
    async fn reward(
        &mut self,
        examples: Vec<Example>,
        answers: Vec<String>,
        stream_ids: Vec<u64>,
        iteration: u32,
        purpose: &'static str,
    ) -> Result<Vec<f64>, ActorFailure> {
        let msg = Reward {
            examples,
            answers,
            stream_ids,
            iteration,
            purpose,
        };
        ask(self, "reward", msg).await
    }
}

impl LoopSelector for Addr<SelectorActor> {
    async fn select(
        &mut self,
        scores: SeedScores,
        m: usize,
        iteration: u32,
    ) -> Result<Vec<usize>, ActorFailure> {
        ask(
            self,
            "selector",
            Select {
                scores,
                m,
                iteration,
            },
        )
        .await
    }
}
