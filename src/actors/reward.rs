//! The RewardModel actor: the text-only process reward `r(x, ŷ)` with its length bias and
//! noise (docs/architecture.md §2). Each item's noise comes from its own child stream.

use super::messages::*;
use crate::engine::world::World;
use crate::rng::child;
use crate::teacher::scorers;
use actix::{Actor, Handler, SyncContext};
use std::sync::Arc;

pub struct RewardActor {
    world: Arc<World>,
    label: String,
}

impl RewardActor {
    pub fn new(world: Arc<World>, label: String) -> Self {
        RewardActor { world, label }
    }
}

impl Actor for RewardActor {
    type Context = SyncContext<Self>;
}

impl Handler<Reward> for RewardActor {
    type Result = Result<Vec<f64>, ActorFailure>;
    fn handle(&mut self, msg: Reward, _: &mut Self::Context) -> Self::Result {
        guarded("reward", || {
            maybe_inject_panic("reward");
            let w = &self.world;
            anyhow::ensure!(
                msg.examples.len() == msg.answers.len()
                    && msg.answers.len() == msg.stream_ids.len(),
                "examples, answers and stream ids must have equal lengths"
            );
            let key = w.run_stream(&self.label, msg.iteration, msg.purpose);
            msg.examples
                .iter()
                .zip(&msg.answers)
                .zip(&msg.stream_ids)
                .map(|((ex, ans), id)| {
                    let mut rng = child(&key, "item", *id);
                    scorers::reward(
                        &*w.task,
                        &w.tokenizer,
                        &w.scenario.reward,
                        ex,
                        ans,
                        &mut rng,
                    )
                    .map_err(|e| anyhow::anyhow!("reward of {:?}: {e}", ans))
                })
                .collect()
        })
    }
}
