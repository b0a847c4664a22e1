//! The Recorder: collects finished runs, persists each one atomically for `--resume`,
//! and drives the progress bar. One per scenario execution.

use super::messages::ActorFailure;
use crate::engine::records::{RunKey, RunRecord};
use crate::engine::resume::ResumeStore;
use actix::prelude::*;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub struct Recorder {
    store: ResumeStore,
    bar: ProgressBar,
    runs_total: usize,
    runs_done: usize,
}

impl Recorder {
    /// `show`: whether a progress bar may be drawn (it is also hidden when stderr is not
    /// a terminal). `already_done` runs are counted as finished (resumed).
    pub fn new(
        store: ResumeStore,
        runs_total: usize,
        already_done: usize,
        iterations: u32,
        show: bool,
    ) -> Self {
        let bar = if show && std::io::stderr().is_terminal() {
            let b = ProgressBar::with_draw_target(
                Some((runs_total * iterations as usize) as u64),
                ProgressDrawTarget::stderr(),
            );
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} iterations  {msg}  ETA {eta}",
                )
                .expect("valid template"),
            );
            b.inc((already_done * iterations as usize) as u64);
            b
        } else {
            ProgressBar::hidden()
        };
        let r = Recorder {
            store,
            bar,
            runs_total,
            runs_done: already_done,
        };
        r.bar.set_message(r.message());
        r
    }

    fn message(&self) -> String {
        format!("runs {}/{}", self.runs_done, self.runs_total)
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
    fn handle(&mut self, _: IterationDone, _: &mut Self::Context) {
        self.bar.inc(1);
    }
}

/// A run finished: persist it so a later `--resume` skips it.
#[derive(Message)]
#[rtype(result = "Result<(), ActorFailure>")]
pub struct RunFinished(pub RunRecord);

impl Handler<RunFinished> for Recorder {
    type Result = Result<(), ActorFailure>;
    fn handle(&mut self, msg: RunFinished, _: &mut Self::Context) -> Self::Result {
        self.store.save(&msg.0).map_err(|e| ActorFailure {
            actor: "recorder",
            message: format!("{e:#}"),
        })?;
        self.runs_done += 1;
        self.bar.set_message(self.message());
        Ok(())
    }
}

/// Close the progress bar.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Finish;

impl Handler<Finish> for Recorder {
    type Result = ();
    fn handle(&mut self, _: Finish, _: &mut Self::Context) {
        self.bar.finish_and_clear();
    }
}
