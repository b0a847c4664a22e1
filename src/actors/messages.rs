//! Every message exchanged by the actors of one run, in one place. Messages are plain
//! data (indices, texts, score vectors); the heavy state (models, ledgers, dedup index)
//! never leaves the actor that owns it.
//!
//! Each handler returns `Result<_, ActorFailure>`: a panic inside a handler is caught and
//! turned into an `ActorFailure` naming the actor, so a crashed actor fails its run with
//! a message instead of leaving the coordinator waiting forever (actix does not restart
//! crashed actors).

pub use crate::engine::algorithm::{
    divergence, first_non_finite, ActorFailure, Generated, JudgeScores, Probe, TestOutcome, Trained,
};
use crate::engine::records::Tokens;
use crate::selection::{Need, SeedScores};
use crate::tasks::Example;
use actix::Message;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

/// Run a handler body, turning both errors and panics into an [`ActorFailure`].
pub fn guarded<T>(
    actor: &'static str,
    body: impl FnOnce() -> anyhow::Result<T>,
) -> Result<T, ActorFailure> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(ActorFailure::caused_by(actor, e)),
        Err(payload) => {
            let message = if let Some(s) = payload.downcast_ref::<&str>() {
                s.to_string()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                "panic with a non-string payload".to_string()
            };
            Err(ActorFailure::new(actor, format!("panicked: {message}")))
        }
    }
}

/// The fault-injection test hooks, read from the environment once per process (on the
/// first message that asks) instead of on every message: production runs pay one
/// `OnceLock` load per check. They stay in the binary rather than behind a cargo feature
/// because the integration tests (tests/loop_closed.rs) drive the binary that plain
/// `cargo test` builds, which has no features.
struct Faults {
    /// `ACTIVESYNTH_INJECT_PANIC`: the actor that panics on its first message.
    panic: Option<String>,
    /// `ACTIVESYNTH_INJECT_NAN`: where the student reports a NaN.
    nan: Option<String>,
}

fn faults() -> &'static Faults {
    static FAULTS: OnceLock<Faults> = OnceLock::new();
    FAULTS.get_or_init(|| Faults {
        panic: std::env::var("ACTIVESYNTH_INJECT_PANIC").ok(),
        nan: std::env::var("ACTIVESYNTH_INJECT_NAN").ok(),
    })
}

/// Test hook: `ACTIVESYNTH_INJECT_PANIC=<actor>` makes that actor panic on its first
/// message, to prove that a crashed actor fails the run cleanly (see tests/loop_*.rs).
pub fn maybe_inject_panic(actor: &str) {
    if faults().panic.as_deref() == Some(actor) {
        panic!("injected panic in the {actor} actor (ACTIVESYNTH_INJECT_PANIC)");
    }
}

/// Test hook: `ACTIVESYNTH_INJECT_NAN=<what>` (`loss_own` or `train`) makes the student
/// report a NaN there, to prove that a diverged run fails with exit 1 and a message
/// instead of recording NaN results (in-range knobs rarely diverge for real; see
/// tests/loop_closed.rs).
pub fn inject_nan(what: &str) -> bool {
    faults().nan.as_deref() == Some(what)
}

// ---- Student ----

/// Greedy-decode every seed question of D0 with the current student.
#[derive(Message)]
#[rtype(result = "Result<Vec<String>, ActorFailure>")]
pub struct PredictSeeds;

/// Score D0 under the current student: what `needs` asks for among own-generation loss,
/// ground-truth loss and gradient embeddings (the answers are the student's own).
#[derive(Message)]
#[rtype(result = "Result<SeedScores, ActorFailure>")]
pub struct ScoreSeeds {
    pub needs: Vec<Need>,
    pub answers: Vec<String>,
    pub iteration: u32,
}

/// Own-generation loss and greedy answers of the current student on arbitrary examples
/// (parents and their synthetic children, for the before/after analysis).
#[derive(Message)]
#[rtype(result = "Result<Probe, ActorFailure>")]
pub struct ProbeExamples {
    pub examples: Vec<Example>,
}

/// Restart from the base student and fine-tune on the accumulated synthetic set.
#[derive(Message)]
#[rtype(result = "Result<Trained, ActorFailure>")]
pub struct Train {
    pub examples: Vec<Example>,
    pub iteration: u32,
}

/// Accuracy of the current student on the test set, with the verdict on each item.
#[derive(Message)]
#[rtype(result = "Result<TestOutcome, ActorFailure>")]
pub struct EvaluateTest;

// ---- Verifier, reward model, selector ----

/// Verify free-text answers to D0 seeds (by index) or to given examples.
#[derive(Message)]
#[rtype(result = "Result<Vec<bool>, ActorFailure>")]
pub struct Verify {
    pub examples: Vec<Example>,
    pub answers: Vec<String>,
}

/// Process reward of answers; `stream_ids` name each item's noise stream so that a
/// reward does not depend on which other items were scored with it.
#[derive(Message)]
#[rtype(result = "Result<Vec<f64>, ActorFailure>")]
pub struct Reward {
    pub examples: Vec<Example>,
    pub answers: Vec<String>,
    pub stream_ids: Vec<u64>,
    pub iteration: u32,
    pub purpose: &'static str,
}

/// Select `m` seeds.
#[derive(Message)]
#[rtype(result = "Result<Vec<usize>, ActorFailure>")]
pub struct Select {
    pub scores: SeedScores,
    pub m: usize,
    pub iteration: u32,
}

// ---- Teacher ----

/// Judge every seed: teacher answer vs the student's, both orders (costs tokens).
#[derive(Message)]
#[rtype(result = "Result<JudgeScores, ActorFailure>")]
pub struct JudgeSeeds {
    pub answers: Vec<String>,
    pub iteration: u32,
}

/// Rewrite each selected seed into a synthetic example.
#[derive(Message)]
#[rtype(result = "Result<Vec<Generated>, ActorFailure>")]
pub struct Generate {
    pub parents: Vec<usize>,
    pub iteration: u32,
}

/// The teacher's cumulative token ledger.
#[derive(Message)]
#[rtype(result = "Result<Tokens, ActorFailure>")]
pub struct LedgerSnapshot;
