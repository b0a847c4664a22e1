//! The Teacher actor: owns one run's oracle teacher — its token ledger and its ROUGE-L
//! dedup index over every synthetic question of the run — and answers generation and
//! judge requests. Each seed's calls draw from their own child stream, so one seed's
//! randomness never depends on how many calls came before it.

use super::messages::*;
use crate::engine::phases::{self, Phase};
use crate::engine::records::{SyntheticRecord, Tokens};
use crate::engine::world::World;
use crate::rng::{child, StreamKey};
use crate::teacher::ledger::CallKind;
use crate::teacher::oracle::{OracleTeacher, TeacherConfig};
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
        let config = TeacherConfig::from_scenario(&world.scenario, &world.task_spec);
        let teacher = OracleTeacher::new(
            world.task.clone(),
            world.tokenizer.clone(),
            config,
            Arc::new(world.d0.clone()),
        );
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
            let key = self.stream(msg.iteration, "generate");
            let mut out = Vec::new();
            for &p in &msg.parents {
                let mut rng = child(&key, "seed", p as u64);
                let seed = &self.world.d0[p];
                let o = self.teacher.generate(seed, p, msg.iteration, &mut rng)?;
                if let Some(s) = o.example {
                    out.push(Generated {
                        record: SyntheticRecord {
                            iteration: msg.iteration,
                            parent: p as u32,
                            attempts: o.attempts,
                            dedup_score: o.dedup_score,
                            verified: o.verified,
                            difficulty: s.example.difficulty,
                            parent_loss: 0.0,
                            parent_reward: 0.0,
                            parent_correct: false,
                            loss: 0.0,
                            reward: 0.0,
                            correct: false,
                            question: s.example.question.clone(),
                            answer: s.example.answer.clone(),
                        },
                        example: s.example,
                    });
                }
            }
            Ok(out)
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
