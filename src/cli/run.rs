//! `activesynth run SCENARIO.toml`: execute every (task, replicate, strategy) of a
//! scenario, write `results.h5` and `curves.csv`, print the summary table, and (unless
//! `--no-report`) write the report.

use crate::cli::{CliError, CliResult};
use crate::engine::{self, Outcome, RunOptions};
use crate::output::results;
use crate::scenario::{self, Scenario};
use crate::stats::summary::{mean, std_err};
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
    /// Never draw the progress bar (it is also hidden when stderr is not a terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// Do not write the report (results.h5 and curves.csv only).
    #[arg(long)]
    pub no_report: bool,
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
    let file = results::build(&canonical, &scn.name, &tasks, &labels, &vocab, &outcome)?;
    let h5 = out.join("results.h5");
    results::write(&h5, &file)?;
    if scn.output.csv {
        results::write_curves_csv(&out.join("curves.csv"), &outcome)?;
    }
    Ok((outcome, h5))
}

/// The one-table summary: final test accuracy mean ± SE over replicates per task and
/// strategy, and the teacher tokens spent.
pub fn summary_table(scn: &Scenario, outcome: &Outcome) -> String {
    let labels = engine::strategy_labels(scn);
    let width = labels.iter().map(|l| l.len()).max().unwrap_or(8).max(8);
    let mut s = String::new();
    for task in &scn.tasks {
        s.push_str(&format!(
            "{:<width$}  {:>17}  {:>13}  (task {}, {} replicates)\n",
            "strategy", "final test acc", "teacher tok", task.name, scn.replicates
        ));
        for l in &labels {
            let runs: Vec<_> = outcome
                .runs
                .iter()
                .filter(|r| r.key.task == task.name && &r.key.strategy == l)
                .collect();
            let finals: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.iterations.last().map(|i| i.test_accuracy))
                .collect();
            let tokens: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.iterations.last())
                .map(|i| (i.tokens.input + i.tokens.output) as f64)
                .collect();
            let se = if finals.len() > 1 {
                std_err(&finals)
            } else {
                f64::NAN
            };
            s.push_str(&format!(
                "{:<width$}  {:>7.3} ± {:<7.3}  {:>13.0}\n",
                l,
                mean(&finals),
                se,
                mean(&tokens)
            ));
        }
    }
    s
}

pub fn run(args: &Args) -> CliResult {
    let scn = scenario::load(&args.scenario).map_err(|e| CliError::Usage(e.to_string()))?;
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
        let files = crate::report::write_report(std::slice::from_ref(&h5), &opts)?;
        if let Some(md) = files.markdown {
            println!("wrote {}", md.display());
        }
    }
    // Last word: can this world rank strategies at all (docs/world-checks.md)?
    let merged = crate::report::merge::load(&[h5])?;
    let mut scratch = crate::report::files::Stats::default();
    for tc in crate::report::world::compute(&merged, &mut scratch) {
        println!("{}", tc.line());
    }
    Ok(())
}
