//! Two steps of one iteration of Algorithm 1 as plain functions of a [`World`]: step 4,
//! the teacher rewriting the selected seeds ([`new_teacher`], [`generate`]), and step 5,
//! fine-tuning from the base on D̂t plus the world's rehearsal set with the best epoch
//! on the validation set kept ([`finetune`]). The Teacher and Student actors of `run`
//! call them, and so does `activesynth student tune`, so that tune trains on exactly what
//! a strategy's first iteration would and measures it exactly as `run` does.

use crate::engine::algorithm::Generated;
use crate::engine::phases::{self, Phase};
use crate::engine::records::SyntheticRecord;
use crate::engine::world::{self, World};
use crate::rng::{child, Rng, StreamKey};
use crate::student::{self, Model, Sequence, TrainConfig, TrainReport};
use crate::tasks::Example;
use crate::teacher::oracle::{OracleTeacher, TeacherConfig};
use crate::teacher::Teacher as _;
use anyhow::{Context as _, Result};
use std::collections::BTreeSet;
use std::sync::Arc;

/// A run's oracle teacher: the scenario's teacher settings for the world's task, a fresh
/// ledger and dedup index, few-shot examples drawn from the world's D0.
pub fn new_teacher(world: &World) -> OracleTeacher {
    let config = TeacherConfig::from_scenario(&world.scenario, &world.task_spec);
    let held_out = if config.decontaminate {
        let questions = world.val.iter().chain(&world.test);
        questions.map(|e| e.question.clone()).collect()
    } else {
        BTreeSet::new()
    };
    OracleTeacher::new(
        world.task.clone(),
        world.tokenizer.clone(),
        config,
        Arc::new(world.d0.clone()),
    )
    .with_held_out(Arc::new(held_out))
}

/// Step 4: rewrite each selected seed (an index into D0), in the given order, with its own
/// child stream of `key` (the run's `generate` stream of the iteration), so one seed's
/// draws never depend on the calls before it. Failed or rejected rewrites are left out.
pub fn generate(
    world: &World,
    teacher: &mut OracleTeacher,
    key: &StreamKey,
    parents: &[usize],
    iteration: u32,
) -> Result<Vec<Generated>> {
    let mut out = Vec::new();
    for &p in parents {
        let mut rng = child(key, "seed", p as u64);
        let seed = &world.d0[p];
        let o = teacher.generate(seed, p, iteration, &mut rng)?;
        if let Some(s) = o.example {
            out.push(Generated {
                record: SyntheticRecord::unscored(
                    iteration,
                    p as u32,
                    o.attempts,
                    o.dedup_score,
                    o.verified,
                    &s.example,
                ),
                example: s.example,
            });
        }
    }
    Ok(out)
}

/// Step 5: a copy of the base (never a warm start) fine-tuned with `tc` on `examples`
/// followed by the world's rehearsal set (`world.replay`), shuffled from `rng`; the
/// validation accuracy after each evaluated epoch picks the weights kept
/// ([`student::try_train`]). `examples` must not be empty: with nothing generated the
/// caller keeps the base.
pub fn finetune(
    world: &World,
    examples: &[Example],
    tc: &TrainConfig,
    rng: &mut Rng,
    iteration: u32,
) -> Result<(Model, TrainReport)> {
    let mut seqs: Vec<Sequence> = examples
        .iter()
        .map(|e| world::to_sequence(&world.student_tokenizer, e))
        .collect::<Result<_>>()?;
    seqs.extend(world.replay.iter().cloned());
    let mut model = (*world.base).clone();
    let max_new = world.scenario.student.max_new_tokens as usize;
    let report = student::try_train(&mut model, &seqs, tc, rng, |m| {
        let _phase = phases::scope(Phase::DecodeValidation);
        world::accuracy(
            m,
            &*world.task,
            &world.student_tokenizer,
            &world.val,
            max_new,
        )
        .map(|r| r.0)
        .with_context(|| format!("validation pass of iteration {iteration}"))
    })?;
    Ok((model, report))
}
