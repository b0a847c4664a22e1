//! `activesynth plan --pilot results.h5`: how many replicates a comparison needs, from
//! the paired SDs of a pilot run (issue 13, item 6). For each task: the minimum
//! detectable paired difference in final accuracy (two-sided paired t-test, α = 0.05,
//! power 0.8) at several replicate counts, and the replicates each observed difference
//! against `random` would need. The numbers are those of the report's power section.
//!
//! The second lever, a larger test set, is printed beside it when the pilot recorded
//! per-item verdicts: the pooled paired variance split into test-set sampling and the
//! rest (the report's "Where the differences come from"), and the SD and minimum
//! detectable difference projected for test sets 2, 4 and 10 times the pilot's, the
//! sampling part shrinking with the items and the rest not (`SamplingRow::projected_sd`).
//! Decoding the test set is a few percent of a run, fine-tuning most of it
//! (`run --timings`), so where sampling is a large share this is the cheaper lever.

use crate::cli::{CliError, CliResult};
use crate::report::files::Stats;
use crate::report::items::{self, SamplingRow};
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
    let item_level = items::compute(&m, &mut Stats::default());
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
        let rows: Vec<&SamplingRow> = item_level
            .sampling
            .iter()
            .filter(|r| r.task == t.task && r.reference != "base")
            .collect();
        if let Some(TestSetProjection {
            share,
            items,
            projected,
        }) = larger_test_sets(&rows)
        {
            println!(
                "  larger test sets (the same students graded on k times the {items:.0} items; test-set sampling is {:.0} % of the pooled variance):",
                100.0 * share
            );
            if share > 1.0 {
                println!("    (more than 100 %: the sampling variance, averaged over every replicate's items, is the steadier estimate; the observed spread between replicates came out below it by chance, so the projection starts from the sampling part alone and can exceed the pooled SD above)");
            }
            for (k, sd) in projected {
                let cells: Vec<String> = mde_table(sd, &args.replicates)
                    .iter()
                    .map(|(n, v)| format!("{n}: {v:.4}"))
                    .collect();
                println!(
                    "    x{k:<3} ({:.0} items): pooled SD {sd:.4}; minimum detectable difference {}",
                    items * k,
                    cells.join(", ")
                );
            }
        } else if item_level.skipped.iter().any(|(task, _)| task == &t.task) {
            println!(
                "  larger test sets: not computable (the pilot recorded no per-item verdicts)"
            );
        }
    }
    Ok(())
}

/// Test-set sizes, as multiples of the pilot's, at which the projection is printed.
const TEST_MULTIPLES: [f64; 3] = [2.0, 4.0, 10.0];

/// One task's larger-test-set projection.
struct TestSetProjection {
    /// Test-set sampling as a share of the pooled paired variance.
    share: f64,
    /// Test items per replicate in the pilot.
    items: f64,
    /// (multiple of the pilot's test set, projected pooled SD).
    projected: Vec<(f64, f64)>,
}

/// Pooled over the strategies compared with `random` as the power rows pool them (root
/// mean of the variances), for each of [`TEST_MULTIPLES`].
fn larger_test_sets(rows: &[&SamplingRow]) -> Option<TestSetProjection> {
    if rows.is_empty() {
        return None;
    }
    let n = rows.len() as f64;
    let between = rows.iter().map(|r| r.between_var).sum::<f64>() / n;
    let sampling = rows.iter().map(|r| r.sampling_var).sum::<f64>() / n;
    let items = rows.iter().map(|r| r.items).sum::<f64>() / n;
    let projected = TEST_MULTIPLES
        .iter()
        .map(|&k| {
            let var = rows.iter().map(|r| r.projected_sd(k).powi(2)).sum::<f64>() / n;
            (k, var.sqrt())
        })
        .collect();
    Some(TestSetProjection {
        share: sampling / between,
        items,
        projected,
    })
}
