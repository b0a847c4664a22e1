//! Algorithm 1 and what it works on, below the actors that host its components
//! (docs/architecture.md §4): the loop itself over component traits ([`algorithm`]), the
//! shared worlds of a (task, replicate) ([`world`]), the records of a run ([`records`]),
//! progress display ([`progress`]), the `--resume` store ([`resume`]), D0 with several
//! answers per question ([`several_answers`]) and the generation
//! and fine-tuning steps as plain functions of a world ([`steps`], which `student tune`
//! calls too). Executing a scenario on actors is `crate::runner`.

pub mod algorithm;
pub mod phases;
pub mod progress;
pub mod records;
pub mod resume;
pub mod several_answers;
pub mod shard;
pub mod steps;
pub mod world;

pub use records::Outcome;
