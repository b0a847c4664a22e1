//! Builds the shared world of a (task, replicate) — data sets and the pre-trained base
//! student — on a pool of `jobs` SyncArbiter threads before the runs start.

use super::messages::{guarded, ActorFailure};
use crate::engine::phases;
use crate::engine::world::{build_world, World};
use crate::scenario::Scenario;
use crate::student::checkpoint::CheckpointError;
use crate::text::Tokenizer;
use actix::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

pub struct WorldBuilder {
    scenario: Arc<Scenario>,
    tokenizer: Arc<Tokenizer>,
    cache_dir: PathBuf,
}

impl WorldBuilder {
    pub fn new(scenario: Arc<Scenario>, tokenizer: Arc<Tokenizer>, cache_dir: PathBuf) -> Self {
        WorldBuilder {
            scenario,
            tokenizer,
            cache_dir,
        }
    }
}

impl Actor for WorldBuilder {
    type Context = SyncContext<Self>;
}

/// Build the world of `scenario.tasks[task_index]`, replicate `replicate`.
#[derive(Message)]
#[rtype(result = "Result<Arc<World>, ActorFailure>")]
pub struct BuildWorld {
    pub task_index: usize,
    pub replicate: u32,
}

impl Handler<BuildWorld> for WorldBuilder {
    type Result = Result<Arc<World>, ActorFailure>;
    fn handle(&mut self, msg: BuildWorld, _: &mut Self::Context) -> Self::Result {
        let started = std::time::Instant::now();
        let built = guarded("world-builder", || {
            let spec = &self.scenario.tasks[msg.task_index];
            let world = build_world(
                self.scenario.clone(),
                spec,
                msg.replicate,
                self.tokenizer.clone(),
                &self.cache_dir,
            )
            .map_err(|e| {
                // A diverged pre-training: name the knobs (the base is never cached).
                let diverged = e.chain().any(|c| {
                    matches!(c.downcast_ref::<CheckpointError>(), Some(CheckpointError::NonFinite))
                });
                if diverged {
                    let st = &self.scenario.student;
                    e.context(format!(
                        "base pre-training of {} replicate {} diverged; lower student.pretrain_learning_rate (now {}) or student.weight_decay (now {})",
                        spec.name, msg.replicate, st.pretrain_learning_rate, st.weight_decay
                    ))
                } else {
                    e
                }
            })?;
            if world.base.params.iter().any(|p| !p.is_finite()) {
                anyhow::bail!(
                    "the base student of {} replicate {} has non-finite weights; delete its cache file and lower student.pretrain_learning_rate",
                    spec.name,
                    msg.replicate
                );
            }
            if let Some(p) = crate::engine::progress::current() {
                p.world_done(&spec.name, msg.replicate, world.record.base_test_accuracy);
            }
            Ok(Arc::new(world))
        });
        phases::add_busy(started.elapsed().as_secs_f64());
        built
    }
}
