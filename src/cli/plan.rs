//! `activesynth plan --pilot results.h5`: how many replicates a comparison needs, from
//! the paired SDs of a pilot run (issue 13, item 6). For each task: the minimum
//! detectable paired difference in final accuracy (two-sided paired t-test, α = 0.05,
//! power 0.8) at several replicate counts, and the replicates each observed difference
//! against `random` would need. The numbers are those of the report's power section.

use crate::cli::{CliError, CliResult};
use crate::report::files::Stats;
use crate::report::merge::load;
use crate::report::planning::{mde_table, power_rows, MAX_REPLICATES};
use crate::report::{DuplicateReplicate, IncompatibleInputs};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Pilot results file(s) (`results.h5`); several are merged as by `report`.
    #[arg(long, required = true, num_args = 1..)]
    pub pilot: Vec<PathBuf>,
    /// Replicate counts at which to print the minimum detectable difference.
    #[arg(long, value_delimiter = ',', default_value = "3,5,10,20,30,50")]
    pub replicates: Vec<u32>,
}

/// Run the subcommand: a missing file, incompatible pilots or a pilot without `random`
/// are usage errors (exit 2).
pub fn run(args: &Args) -> CliResult {
    if let Some(p) = args.pilot.iter().find(|p| !p.is_file()) {
        return Err(CliError::Usage(format!(
            "no such results file: {}",
            p.display()
        )));
    }
    if let Some(n) = args.replicates.iter().find(|&&n| n < 2) {
        return Err(CliError::Usage(format!(
            "--replicates must all be >= 2, got {n}"
        )));
    }
    let m = load(&args.pilot).map_err(|e| {
        if e.downcast_ref::<IncompatibleInputs>().is_some()
            || e.downcast_ref::<DuplicateReplicate>().is_some()
        {
            CliError::Usage(format!("{e:#}"))
        } else {
            CliError::Failure(e)
        }
    })?;
    let tasks = power_rows(&m, &mut Stats::default()).map_err(CliError::Usage)?;
    println!(
        "Planning from {} ({}); two-sided paired t-test vs random on final accuracy, alpha = 0.05, power = 0.8.",
        args.pilot.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        m.scenario_name
    );
    println!("The SDs are the pilot's own estimates; with few pilot replicates they are uncertain, so round up.");
    for t in &tasks {
        println!();
        println!(
            "task {}: {} replicate pairs in the pilot, pooled SD of paired differences {:.4}",
            t.task, t.n, t.pooled_sd
        );
        let cells: Vec<String> = mde_table(t.pooled_sd, &args.replicates)
            .iter()
            .map(|(n, v)| format!("{n}: {v:.4}"))
            .collect();
        println!(
            "  minimum detectable difference by replicates: {}",
            cells.join(", ")
        );
        match (&t.largest, t.needed_largest) {
            (Some((s, d)), Some(n)) => println!(
                "  largest observed difference {d:+.4} ({s}) needs {n} replicates (at the pooled SD)"
            ),
            (Some((s, d)), None) => println!(
                "  largest observed difference {d:+.4} ({s}) needs more than {MAX_REPLICATES} replicates, or is undefined"
            ),
            _ => {}
        }
        println!(
            "  {:<24} {:>10} {:>10} {:>12} {:>18}",
            "strategy", "mean diff", "SD", "MDE (pilot n)", "replicates needed"
        );
        for r in &t.rows {
            println!(
                "  {:<24} {:>+10.4} {:>10.4} {:>12.4} {:>18}",
                r.strategy,
                r.mean_diff,
                r.sd,
                r.mde,
                r.needed.map_or("—".to_string(), |n| n.to_string())
            );
        }
    }
    Ok(())
}
