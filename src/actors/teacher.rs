//! The Teacher actor: owns one run's oracle teacher — its token ledger and its ROUGE-L
//! dedup index over every synthetic question of the run — and answers generation and
//! judge requests. Each seed's calls draw from their own child stream, so one seed's
//! randomness never depends on how many calls came before it (and, with
//! `teacher.shared_draws`, not on which strategy selected it either).

use super::messages::*;
use crate::engine::phases::{self, Phase};
use crate::engine::records::Tokens;
use crate::engine::steps;
use crate::engine::world::World;
use crate::rng::{child, StreamKey};
use crate::teacher::ledger::CallKind;
use crate::teacher::oracle::OracleTeacher;
use crate::teacher::Teacher;
use actix::{Actor, Handler, SyncContext};
use std::sync::Arc;

pub struct TeacherActor {
    world: Arc<World>,
    label: String,
    teacher: OracleTeacher,
}

impl TeacherActor {
    pub fn new(world: Arc<World>, label: String) -> Self {
        let teacher = steps::new_teacher(&world);
        TeacherActor {
            world,
            label,
            teacher,
        }
    }

    fn stream(&self, iteration: u32, purpose: &str) -> StreamKey {
        self.world.run_stream(&self.label, iteration, purpose)
    }
}

impl Actor for TeacherActor {
    type Context = SyncContext<Self>;
}

impl Handler<Generate> for TeacherActor {
    type Result = Result<Vec<Generated>, ActorFailure>;
    fn handle(&mut self, msg: Generate, _: &mut Self::Context) -> Self::Result {
        guarded("teacher", || {
            maybe_inject_panic("teacher");
            let _phase = phases::scope(Phase::Teacher);
            let key = self.world.generation_stream(&self.label, msg.iteration);
            steps::generate(
                &self.world,
                &mut self.teacher,
                &key,
                &msg.parents,
                msg.iteration,
            )
        })
    }
}

impl Handler<JudgeSeeds> for TeacherActor {
    type Result = Result<JudgeScores, ActorFailure>;
    fn handle(&mut self, msg: JudgeSeeds, _: &mut Self::Context) -> Self::Result {
        guarded("teacher", || {
            let d0 = &self.world.d0;
            let _phase = phases::scope(Phase::Teacher);
            anyhow::ensure!(
                msg.answers.len() == d0.len(),
                "one answer per seed expected"
            );
            let key = self.stream(msg.iteration, "judge");
            let mut gap = Vec::with_capacity(d0.len());
            let mut hard = Vec::with_capacity(d0.len());
            for (i, (ex, ans)) in d0.iter().zip(&msg.answers).enumerate() {
                let mut rng = child(&key, "seed", i as u64);
                let j = self.teacher.judge(ex, ans, &mut rng)?;
                gap.push(j.teacher_score - j.student_score);
                hard.push(j.hard);
            }
            Ok(JudgeScores { gap, hard })
        })
    }
}

impl Handler<LedgerSnapshot> for TeacherActor {
    type Result = Result<Tokens, ActorFailure>;
    fn handle(&mut self, _: LedgerSnapshot, _: &mut Self::Context) -> Self::Result {
        guarded("teacher", || {
            let l = self.teacher.ledger();
            let total = l.total();
            let judge = l.usage(CallKind::Judge);
            Ok(Tokens {
                input: total.input_tokens,
                output: total.output_tokens,
                judge_input: judge.input_tokens,
                judge_output: judge.output_tokens,
                calls: total.calls,
            })
        })
    }
}
