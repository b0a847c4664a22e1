//! `activesynth replay OUT/results.h5`: re-run the scenario embedded in a results file
//! and report whether every result tensor is bit-identical (timings excluded).

use crate::cli::{CliError, CliResult};
use crate::output::h5::{diff_files, H5File};
use crate::output::results::{self, TIMING_GROUP};
use crate::scenario;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A results file written by `activesynth run`.
    pub results: PathBuf,
    /// Where to re-run (default: a fresh temporary directory, removed afterwards).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// At most this many runs compute at once (results do not depend on it).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Show no progress (shown by default: a bar on a terminal, timestamped lines otherwise).
    #[arg(long)]
    pub no_progress: bool,
}

pub fn run(args: &Args) -> CliResult {
    if !args.results.is_file() {
        return Err(CliError::Usage(format!(
            "no such results file: {}",
            args.results.display()
        )));
    }
    let original = results::read(&args.results).map_err(|e| {
        CliError::Usage(format!(
            "{}: not a readable activesynth results file: {}",
            args.results.display(),
            crate::cli::chain(&e)
        ))
    })?;
    let scn = scenario::parse(
        &original.scenario_text,
        &format!("{} (embedded scenario)", args.results.display()),
    )
    .map_err(|e| CliError::Usage(e.to_string()))?
    .resolved();
    // A shard's file (`run --shard I/N`) replays that shard only.
    let shard = H5File::open(&args.results)
        .and_then(|f| crate::output::provenance::read_shard(&f))
        .map_err(|e| {
            CliError::Usage(format!(
                "{}: unreadable shard provenance: {}",
                args.results.display(),
                crate::cli::chain(&e)
            ))
        })?
        .map(|info| info.shard);
    let runs = match shard {
        Some(sh) => sh.runs(&scn).map_err(CliError::Usage)?.len(),
        None => crate::engine::shard::all_runs(&scn).len(),
    };
    let (dir, temporary) = match &args.out {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("activesynth-replay-{}", std::process::id())),
            true,
        ),
    };
    let jobs = args.jobs.unwrap_or_else(crate::cli::default_jobs);
    if jobs == 0 {
        return Err(CliError::Usage("--jobs must be at least 1".into()));
    }
    // An explicit --out is treated like `run`'s: locked, and never silently emptied.
    let cache_dir = dir.join(".cache");
    let lock = crate::cli::run::prepare_output(
        &dir,
        &scn.to_toml(),
        crate::cli::run::Existing::Refuse,
        &cache_dir,
    )?;
    eprintln!(
        "replaying {}{} ({runs} runs) into {}",
        scn.name,
        shard.map(|s| format!(" shard {s}")).unwrap_or_default(),
        dir.display()
    );
    let outcome = crate::cli::run::execute_to(
        &scn,
        &dir,
        jobs,
        false,
        !args.no_progress,
        &cache_dir,
        shard,
    );
    drop(lock);
    let result = outcome.and_then(|(_, h5)| {
        let a = H5File::open(&args.results)?;
        let b = H5File::open(&h5)?;
        diff_files(&a, &b, &[TIMING_GROUP, crate::output::provenance::GROUP])
    });
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    match result? {
        None => {
            println!("identical");
            Ok(())
        }
        Some(diff) => {
            println!("DIFFERENT: {diff}");
            Err(CliError::Failure(anyhow::anyhow!(
                "replay differs from {}: {diff}",
                args.results.display()
            )))
        }
    }
}
