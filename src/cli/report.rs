//! `activesynth report A.h5 [B.h5 ...]`: the significance report of one or several
//! results files (see `crate::report`).

use crate::cli::{CliError, CliResult};
use crate::report::{write_report, DuplicateReplicate, Format, IncompatibleInputs, ReportOptions};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Results files (`results.h5`) of the same scenario schema; several are merged.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Win-rate α: i beats j when μi − α·sei > μj + α·sej.
    #[arg(long, default_value_t = 1.0)]
    pub alpha: f64,
    /// Report formats, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "md")]
    pub format: Vec<Format>,
    /// Output directory (default: the first input's directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip the plots.
    #[arg(long)]
    pub no_plots: bool,
}

/// Run the subcommand: missing inputs, a bad α, incompatible files or the same replicate
/// given twice are usage errors.
pub fn run(args: &Args) -> CliResult {
    if let Some(p) = args.inputs.iter().find(|p| !p.is_file()) {
        return Err(CliError::Usage(format!(
            "no such results file: {}",
            p.display()
        )));
    }
    // A file that is not a results file is malformed input (exit 2), said once.
    for p in &args.inputs {
        if let Err(e) = crate::output::results::read(p) {
            return Err(CliError::Usage(format!(
                "{}: not a readable activesynth results file: {}",
                p.display(),
                crate::cli::chain(&e)
            )));
        }
    }
    if !(args.alpha.is_finite() && args.alpha >= 0.0) {
        return Err(CliError::Usage(format!(
            "--alpha must be >= 0, got {}",
            args.alpha
        )));
    }
    // A shard (`run --shard I/N`) holds part of a scenario: several shards are merged
    // first (`activesynth merge`), and a single one is reported with a warning.
    for p in &args.inputs {
        let shard = crate::output::h5::H5File::open(p)
            .and_then(|f| crate::output::provenance::read_shard(&f))
            .ok()
            .flatten();
        if let Some(info) = shard {
            if args.inputs.len() > 1 {
                return Err(CliError::Usage(format!(
                    "{} is shard {} of its scenario: combine the shards with `activesynth merge SHARD… --out DIR` first, then report DIR/results.h5",
                    p.display(),
                    info.shard
                )));
            }
            eprintln!(
                "warning: {} is only shard {} of its scenario ({} runs): this report covers those runs only; `activesynth merge` the {} shards for the full report",
                p.display(),
                info.shard,
                info.runs.len(),
                info.shard.count
            );
        }
    }
    if args.inputs.len() > 1 && args.out.is_none() {
        let dir = args.inputs[0]
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        eprintln!(
            "notice: no --out: the merged report of {} files goes next to the first, into {}",
            args.inputs.len(),
            dir.display()
        );
    }
    let opts = ReportOptions {
        out_dir: args.out.clone(),
        alpha: args.alpha,
        formats: args.format.clone(),
        plots: !args.no_plots,
    };
    let files = write_report(&args.inputs, &opts).map_err(|e| {
        if e.downcast_ref::<IncompatibleInputs>().is_some()
            || e.downcast_ref::<DuplicateReplicate>().is_some()
        {
            CliError::Usage(crate::cli::chain(&e))
        } else {
            CliError::Failure(e)
        }
    })?;
    for p in files
        .markdown
        .iter()
        .chain(&files.html)
        .chain([&files.stats_csv, &files.stats_h5])
    {
        println!("wrote {}", p.display());
    }
    if !files.plots.is_empty() {
        println!("wrote {} plot files", files.plots.len());
    }
    Ok(())
}
