//! activesynth: an embedded actor-system simulation and benchmark harness for active
//! synthetic data generation. See docs/architecture.md and README.md for the map.

pub mod actors;
pub mod atomic;
pub mod cli;
pub mod engine;
pub mod output;
pub mod report;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod scoring;
pub mod selection;
pub mod stats;
pub mod student;
pub mod tasks;
pub mod teacher;
pub mod text;
