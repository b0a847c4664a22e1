//! `activesynth check SCENARIO.toml`: validate a scenario and print it with every default
//! filled in, so a user sees exactly what `run` would do before spending CPU time.

use super::{CliError, CliResult};
use crate::scenario;
use std::path::PathBuf;

/// Arguments of `activesynth check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (TOML) to validate.
    pub scenario: PathBuf,
}

/// Validate; on success print the resolved scenario as TOML to stdout. A malformed file
/// is a usage error (exit 2) with a one-line `FILE:LINE:COL: field ...` message.
pub fn run(args: &Args) -> CliResult {
    let s = scenario::load(&args.scenario).map_err(|e| CliError::Usage(e.to_string()))?;
    print!("{}", s.resolved().to_toml());
    Ok(())
}
