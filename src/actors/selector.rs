//! The Selector and Verifier actors: stateless, cheap, but actors all the same so that
//! the loop's structure is the paper's (and a selector from outside can be swapped in).

use super::messages::*;
use crate::rng::StreamKey;
use crate::selection::Selector;
use crate::tasks::Task;
use actix::{Actor, Handler, SyncContext};
use std::sync::Arc;

pub struct SelectorActor {
    selector: Arc<dyn Selector>,
    /// (master seed, task, replicate) of the run, for the selection stream.
    seed: u64,
    task: String,
    replicate: u32,
}

impl SelectorActor {
    pub fn new(selector: Arc<dyn Selector>, seed: u64, task: String, replicate: u32) -> Self {
        SelectorActor {
            selector,
            seed,
            task,
            replicate,
        }
    }
}

impl Actor for SelectorActor {
    type Context = SyncContext<Self>;
}

impl Handler<Select> for SelectorActor {
    type Result = Result<Vec<usize>, ActorFailure>;
    fn handle(&mut self, msg: Select, _: &mut Self::Context) -> Self::Result {
        guarded("selector", || {
            maybe_inject_panic("selector");
            let mut rng = StreamKey::run(
                self.seed,
                &self.task,
                self.replicate,
                self.selector.label(),
                msg.iteration,
                "select",
            )
            .rng();
            Ok(self.selector.select(&msg.scores, msg.m, &mut rng)?)
        })
    }
}

/// The exact verifier of a task.
pub struct VerifierActor {
    task: Arc<dyn Task>,
}

impl VerifierActor {
    pub fn new(task: Arc<dyn Task>) -> Self {
        VerifierActor { task }
    }
}

impl Actor for VerifierActor {
    type Context = SyncContext<Self>;
}

impl Handler<Verify> for VerifierActor {
    type Result = Result<Vec<bool>, ActorFailure>;
    fn handle(&mut self, msg: Verify, _: &mut Self::Context) -> Self::Result {
        guarded("verifier", || {
            maybe_inject_panic("verifier");
            anyhow::ensure!(
                msg.examples.len() == msg.answers.len(),
                "{} examples but {} answers",
                msg.examples.len(),
                msg.answers.len()
            );
            Ok(msg
                .examples
                .iter()
                .zip(&msg.answers)
                .map(|(e, a)| self.task.verify(e, a).correct)
                .collect())
        })
    }
}
