//! The actors of one scenario execution (docs/architecture.md §4): per run a Coordinator
//! drives Algorithm 1; a Student owns the model; a Teacher owns its token ledger and dedup
//! index; Verifier, RewardModel and Selector are small; a Recorder collects results.
//! CPU-bound actors run on `SyncArbiter` threads. Message types: [`messages`].

pub mod coordinator;
pub mod messages;
pub mod recorder;
pub mod reward;
pub mod selector;
pub mod student;
pub mod teacher;
pub mod world_builder;
