//! The Recorder: collects finished runs, persists each one atomically for `--resume`,
//! and reports progress (`engine::progress`). One per scenario execution.

use super::messages::ActorFailure;
use crate::engine::progress::Progress;
use crate::engine::records::{RunKey, RunRecord};
use crate::engine::resume::ResumeStore;
use actix::prelude::*;
use std::sync::Arc;

pub struct Recorder {
    store: ResumeStore,
    progress: Arc<Progress>,
}

impl Recorder {
    pub fn new(store: ResumeStore, progress: Arc<Progress>) -> Self {
        Recorder { store, progress }
    }
}

impl Actor for Recorder {
    type Context = Context<Self>;
}

/// One iteration of one run finished.
#[derive(Message)]
#[rtype(result = "()")]
pub struct IterationDone {
    pub key: RunKey,
    pub iteration: u32,
    pub test_accuracy: f64,
}

impl Handler<IterationDone> for Recorder {
    type Result = ();
    fn handle(&mut self, msg: IterationDone, _: &mut Self::Context) {
        self.progress.iteration_done(&msg.key.task, msg.iteration);
    }
}

/// A run finished: persist it so a later `--resume` skips it.
#[derive(Message)]
#[rtype(result = "Result<(), ActorFailure>")]
pub struct RunFinished(pub RunRecord);

impl Handler<RunFinished> for Recorder {
    type Result = Result<(), ActorFailure>;
    fn handle(&mut self, msg: RunFinished, _: &mut Self::Context) -> Self::Result {
        self.store
            .save(&msg.0)
            .map_err(|e| ActorFailure::caused_by("recorder", e))?;
        let acc = msg
            .0
            .iterations
            .last()
            .map_or(f64::NAN, |i| i.test_accuracy);
        self.progress.run_done(&msg.0.key.path(), acc);
        Ok(())
    }
}

/// Close the progress display.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Finish;

impl Handler<Finish> for Recorder {
    type Result = ();
    fn handle(&mut self, _: Finish, _: &mut Self::Context) {
        self.progress.finish();
    }
}
