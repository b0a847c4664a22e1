//! `activesynth run SCENARIO.toml`: execute every (task, replicate, strategy) of a
//! scenario, write `results.h5` and `curves.csv`, print the summary table, and (unless
//! `--no-report`) write the report.

use crate::cli::{CliError, CliResult};
use crate::engine::{self, Outcome, RunOptions};
use crate::output::results;
use crate::scenario::{self, Scenario};
use crate::text::Tokenizer;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Output directory (default: the scenario's `output.dir`, else `runs/<name>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// At most this many runs compute at once (default: number of cores). Results do
    /// not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Reuse the runs an interrupted execution already finished in the output directory.
    #[arg(long)]
    pub resume: bool,
    /// Show no progress (by default: a bar on a terminal, one timestamped line per
    /// finished world, epoch of base pre-training and run when stderr is not one).
    #[arg(long)]
    pub no_progress: bool,
    /// Do not write the report (results.h5 and curves.csv only).
    #[arg(long)]
    pub no_report: bool,
    /// Override a scenario value, e.g. `--set student.epochs=3 --set tasks[0].seed_size=500`
    /// (repeatable; see `activesynth check --set` for the resolved result).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Default for `--jobs`.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Output directory of a scenario.
pub fn out_dir(scn: &Scenario, explicit: Option<&Path>) -> PathBuf {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| scn.output.dir.as_ref().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("runs").join(&scn.name))
}

/// Execute a resolved scenario into `out` and write the result files; returns the
/// outcome. Shared by `run` and `replay`.
pub fn execute_to(
    scn: &Scenario,
    out: &Path,
    jobs: usize,
    resume: bool,
    progress: bool,
) -> anyhow::Result<(Outcome, PathBuf)> {
    let started = std::time::SystemTime::now();
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let canonical = scn.to_toml();
    let opts = RunOptions {
        out_dir: out.to_path_buf(),
        jobs,
        resume,
        progress,
    };
    let outcome = engine::execute(scn.clone(), &canonical, &opts)?;
    let tasks: Vec<String> = scn.tasks.iter().map(|t| t.name.clone()).collect();
    let labels = engine::strategy_labels(scn);
    let tok = Tokenizer::standard();
    let vocab: Vec<String> = (0..tok.vocab_size() as u32)
        .map(|i| tok.token(i).to_string())
        .collect();
    let mut file = results::build(&canonical, &scn.name, &tasks, &labels, &vocab, &outcome)?;
    crate::output::provenance::write(&mut file, Some(&canonical), started)?;
    let h5 = out.join("results.h5");
    results::write(&h5, &file)?;
    if scn.output.csv {
        results::write_curves_csv(&out.join("curves.csv"), &outcome)?;
    }
    Ok((outcome, h5))
}

/// The closing summary: per task the base row, each strategy's final accuracy with its
/// paired gain over the base and over random, and the teacher tokens (`cli::summary`).
pub fn summary_table(scn: &Scenario, outcome: &Outcome) -> String {
    crate::cli::summary::table(scn, outcome)
}

pub fn run(args: &Args) -> CliResult {
    let scn = scenario::overrides::load_with_overrides(&args.scenario, &args.set)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let scn = scn.resolved();
    let out = out_dir(&scn, args.out.as_deref());
    let jobs = args.jobs.unwrap_or_else(default_jobs);
    if jobs == 0 {
        return Err(CliError::Usage("--jobs must be at least 1".into()));
    }
    let start = Instant::now();
    let (outcome, h5) = execute_to(&scn, &out, jobs, args.resume, !args.no_progress)?;
    if outcome.resumed > 0 {
        eprintln!(
            "resumed {} finished runs from {}",
            outcome.resumed,
            out.display()
        );
    }
    print!("{}", summary_table(&scn, &outcome));
    println!(
        "wrote {} ({} runs) in {:.1} s",
        h5.display(),
        outcome.runs.len(),
        start.elapsed().as_secs_f64()
    );
    if scn.output.report && !args.no_report {
        let opts = crate::report::ReportOptions {
            out_dir: Some(out.clone()),
            alpha: 1.0,
            formats: vec![crate::report::Format::Md],
            plots: scn.output.plots,
        };
        let files = crate::report::write_report(&[h5], &opts)?;
        if let Some(md) = files.markdown {
            println!("wrote {}", md.display());
        }
    }
    Ok(())
}
