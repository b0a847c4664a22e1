//! Command-line subcommands, one module each. `main.rs` only parses and dispatches.
//!
//! Exit codes: 0 ok, 1 failure (the work itself failed), 2 usage (bad arguments or a
//! malformed input file such as a scenario).

pub mod bench_kernels;
pub mod check;
pub mod merge;
pub mod plan;
pub mod replay;
pub mod report;
pub mod run;
pub mod score;
pub mod select;
pub mod student_bench;
pub mod student_fit;
pub mod student_tune;
pub mod suggest;
pub mod summary;
pub mod tasks_sample;
pub mod tasks_sets;

use std::fmt;

/// Default for `--jobs`.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// An error that ends a subcommand, with the exit code it maps to.
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments or malformed input: exit code 2.
    Usage(String),
    /// The command ran and failed: exit code 1.
    Failure(anyhow::Error),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failure(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) => write!(f, "{m}"),
            CliError::Failure(e) => write!(f, "{}", chain(e)),
        }
    }
}

/// An error and its causes joined by ": ", each said once: a cause whose text the
/// message above it already contains (an I/O error wrapped by a library that prints
/// its source) is not repeated.
pub fn chain(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let m = cause.to_string();
        if !parts.iter().any(|p| p.contains(&m)) {
            parts.push(m);
        }
    }
    parts.join(": ")
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Failure(e)
    }
}

/// Result of a subcommand.
pub type CliResult = Result<(), CliError>;
