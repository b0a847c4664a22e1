//! `activesynth check SCENARIO.toml`: validate a scenario and print it with every default
//! filled in, so a user sees exactly what `run` would do before spending CPU time.

use super::{CliError, CliResult};
use crate::scenario::overrides;
use std::path::PathBuf;

/// Arguments of `activesynth check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (TOML) to validate.
    pub scenario: PathBuf,
    /// Override a scenario value, as `run --set` does (repeatable); each override's
    /// resolved value is echoed as a comment above the scenario.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Validate; on success print the resolved scenario as TOML to stdout. A malformed file
/// is a usage error (exit 2) with a one-line `FILE:LINE:COL: field ...` message (or
/// `--set KEY=VALUE: field ...` when an override is to blame).
pub fn run(args: &Args) -> CliResult {
    let s = overrides::load_with_overrides(&args.scenario, &args.set)
        .map_err(|e| CliError::Usage(e.to_string()))?
        .resolved();
    // Echo what each override resolved to, so a typo'd path or a bare string taken
    // literally shows up before a run spends CPU time on it.
    for raw in &args.set {
        let key = raw.split_once('=').map_or(raw.as_str(), |(k, _)| k.trim());
        let value = overrides::resolved_value(&s, key).unwrap_or_else(|| "(unset)".into());
        println!("# --set {raw}  →  {key} = {value}");
    }
    print!("{}", s.to_toml());
    Ok(())
}
