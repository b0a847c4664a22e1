//! `activesynth run SCENARIO.toml`: execute every (task, replicate, strategy) of a
//! scenario, write `results.h5` and `curves.csv`, print the summary table, and (unless
//! `--no-report`) write the report.

use crate::cli::{CliError, CliResult};
use crate::engine::shard::Shard;
use crate::engine::{self, Outcome};
use crate::output::results;
use crate::runner::{self, RunOptions};
use crate::scenario::Scenario;
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
    /// Replace the results an earlier execution left in the output directory (without
    /// it, `run` refuses to touch them; `--resume` continues them instead).
    #[arg(long, conflicts_with = "resume")]
    pub overwrite: bool,
    /// Refuse when the estimated peak memory exceeds this (e.g. 4G, 512M; default: the
    /// machine's available memory).
    #[arg(long)]
    pub max_memory: Option<String>,
    /// Where cached base students live (default: OUT/.cache; for a `--shard` without
    /// `--out`, the scenario output's .cache). A shared directory lets several outputs
    /// reuse one pre-training.
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Override a scenario value, e.g. `--set student.epochs=3 --set tasks[0].seed_size=500`
    /// (repeatable; see `activesynth check --set` for the resolved result).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Execute only shard I of N (1-based, `1 ≤ I ≤ N`): a deterministic, balanced
    /// 1/N of the runs. The output (default: `shard-I-of-N` under the scenario's output
    /// directory, bases cached in that directory's `.cache`) holds results.h5 with those
    /// runs only; combine the N shards with `activesynth merge` to get the full results
    /// and the report (docs/cluster.md).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// At the end, print the wall time per phase (pre-training, fine-tuning, decoding,
    /// scoring, teacher, output), summed over runs, with the busy and wall time and the
    /// parallel efficiency busy / (wall × jobs). Timing only: no result changes and
    /// nothing is added to results.h5.
    #[arg(long)]
    pub timings: bool,
}

/// What `run` may do with results an earlier execution left in the output directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Refuse (exit 2): never delete results silently.
    Refuse,
    /// Keep the finished runs of the same scenario and redo the rest.
    Resume,
    /// Delete them and start afresh.
    Overwrite,
}

/// Take the output directory for this process: lock it (a second writer exits 2 naming
/// the holder's pid), sweep the temporary files an interrupted run left, and apply the
/// `existing` policy to earlier results. The lock is held until the returned guard drops.
pub fn prepare_output(
    out: &Path,
    canonical: &str,
    existing: Existing,
    cache_dir: &Path,
) -> Result<crate::output::lock::DirLock, CliError> {
    use crate::atomic;
    use crate::output::lock;
    let guard = lock::lock_dir(out).map_err(|e| match e {
        lock::LockError::Held { .. } => CliError::Usage(e.to_string()),
        lock::LockError::Io { .. } => CliError::Failure(e.into()),
    })?;
    let own: Vec<PathBuf> = ["", ".runs", ".cache", "plots"]
        .iter()
        .map(|d| out.join(d))
        .collect();
    let mut swept = atomic::sweep_tmp(&own, false);
    if !cache_dir.starts_with(out) {
        swept.extend(atomic::sweep_tmp(&[cache_dir.to_path_buf()], true));
    }
    if !swept.is_empty() {
        eprintln!(
            "notice: removed {} temporary file(s) an interrupted run left (e.g. {})",
            swept.len(),
            swept[0].display()
        );
    }
    let store = engine::resume::ResumeStore::new(out, canonical);
    let h5 = out.join("results.h5");
    let holds = h5.exists() || store.has_records();
    match existing {
        Existing::Refuse if holds => {
            return Err(CliError::Usage(format!(
                "{} already holds results ({}); pass --resume to continue them or --overwrite to replace them",
                out.display(),
                if h5.exists() { "results.h5" } else { "finished runs in .runs" }
            )))
        }
        Existing::Refuse => {}
        Existing::Overwrite => {
            store.clear()?;
            if h5.exists() {
                std::fs::remove_file(&h5)
                    .with_context(|| format!("removing {}", h5.display()))?;
            }
        }
        Existing::Resume => {
            let scan = store.scan();
            if !scan.foreign.is_empty() {
                return Err(CliError::Usage(format!(
                    "--resume: {} holds {} finished run(s) of a different scenario (e.g. {}); resume with the scenario that wrote them, or pass --overwrite instead of --resume",
                    out.display(),
                    scan.foreign.len(),
                    scan.foreign[0].display()
                )));
            }
            for (p, why) in &scan.corrupt {
                eprintln!(
                    "warning: {} is not trusted ({why}); that run is recomputed",
                    p.display()
                );
            }
        }
    }
    Ok(guard)
}

pub use super::default_jobs;

/// Output directory of a scenario.
pub fn out_dir(scn: &Scenario, explicit: Option<&Path>) -> PathBuf {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| scn.output.dir.as_ref().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("runs").join(&scn.name))
}

/// Execute a resolved scenario (or one `shard` of it) into `out` and write the result
/// files; returns the outcome. Shared by `run` and `replay`. A shard writes `results.h5`
/// only (its runs, and the shard recorded in `/provenance`); `curves.csv` and the report
/// come from `merge`.
/// The caller holds `out`'s lock ([`prepare_output`]).
pub fn execute_to(
    scn: &Scenario,
    out: &Path,
    jobs: usize,
    resume: bool,
    progress: bool,
    cache_dir: &Path,
    shard: Option<Shard>,
) -> anyhow::Result<(Outcome, PathBuf)> {
    let started = std::time::SystemTime::now();
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let canonical = scn.to_toml();
    let opts = RunOptions {
        out_dir: out.to_path_buf(),
        jobs,
        resume,
        progress,
        cache_dir: cache_dir.to_path_buf(),
        shard,
    };
    let outcome = runner::execute(scn.clone(), &canonical, &opts)?;
    let output = OutputPhase::start();
    let tasks: Vec<String> = scn.tasks.iter().map(|t| t.name.clone()).collect();
    let labels = runner::strategy_labels(scn);
    let tok = crate::teacher::standard_tokenizer();
    let vocab: Vec<String> = (0..tok.vocab_size() as u32)
        .map(|i| tok.token(i).to_string())
        .collect();
    let mut file = results::build(&canonical, &scn.name, &tasks, &labels, &vocab, &outcome)?;
    crate::output::provenance::write(&mut file, Some(&canonical), started)?;
    if let Some(sh) = shard {
        let runs: Vec<String> = outcome.runs.iter().map(|r| r.key.path()).collect();
        crate::output::provenance::write_shard(&mut file, sh, &runs)?;
    }
    let h5 = out.join("results.h5");
    results::write(&h5, &file)?;
    if scn.output.csv && shard.is_none() {
        results::write_curves_csv(&out.join("curves.csv"), &outcome)?;
    }
    drop(output);
    Ok((outcome, h5))
}

/// The closing summary: per task the base row, each strategy's final accuracy with its
/// paired gain over the base and over random, and the teacher tokens (`cli::summary`).
pub fn summary_table(scn: &Scenario, outcome: &Outcome) -> String {
    crate::cli::summary::table(scn, outcome)
}

pub fn run(args: &Args) -> CliResult {
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(CliError::Usage)?;
    let limits = crate::cli::check::limits(args.max_memory.as_deref(), args.jobs)?;
    let (scn, est) = crate::cli::check::load_feasible(&args.scenario, &args.set, &limits)?;
    let shard_runs = match shard {
        Some(sh) => Some(sh.runs(&scn).map_err(CliError::Usage)?),
        None => None,
    };
    eprintln!(
        "estimate: {}",
        crate::cli::check::estimate_line(&est, &limits)
    );
    for n in crate::scenario::advice::notices(&scn) {
        eprintln!("notice: {n}");
    }
    // A shard without --out goes into a subdirectory of the scenario's output, and its
    // base students into that output's cache, so the shards of one machine (or of a
    // shared filesystem) share them and `merge`'s default output is their parent.
    let (out, default_cache) = match (shard, &args.out) {
        (Some(sh), None) => {
            let parent = out_dir(&scn, None);
            (
                parent.join(format!("shard-{}-of-{}", sh.index, sh.count)),
                parent.join(".cache"),
            )
        }
        _ => {
            let out = out_dir(&scn, args.out.as_deref());
            let cache = out.join(".cache");
            (out, cache)
        }
    };
    let jobs = limits.jobs;
    let cache_dir = args.cache_dir.clone().unwrap_or(default_cache);
    let existing = match (args.resume, args.overwrite) {
        (true, _) => Existing::Resume,
        (_, true) => Existing::Overwrite,
        _ => Existing::Refuse,
    };
    let _lock = prepare_output(&out, &scn.to_toml(), existing, &cache_dir)?;
    let start = Instant::now();
    if let (Some(sh), Some(runs)) = (shard, &shard_runs) {
        eprintln!(
            "shard {sh}: {} of {} runs ({} … {})",
            runs.len(),
            crate::engine::shard::all_runs(&scn).len(),
            runs[0].path(),
            runs[runs.len() - 1].path()
        );
    }
    let (outcome, h5) = execute_to(
        &scn,
        &out,
        jobs,
        args.resume,
        !args.no_progress,
        &cache_dir,
        shard,
    )?;
    if outcome.resumed > 0 {
        eprintln!(
            "resumed {} finished runs from {}",
            outcome.resumed,
            out.display()
        );
    }
    if let Some(sh) = shard {
        // A shard's runs alone cannot answer "did it help?" (no pairing across all
        // strategies and replicates): no summary, csv or report until the merge.
        println!(
            "wrote {} (shard {sh}: {} runs) in {:.1} s",
            h5.display(),
            outcome.runs.len(),
            start.elapsed().as_secs_f64()
        );
        let how = match &args.out {
            None => format!(
                "activesynth merge {}/shard-*-of-{}",
                out_dir(&scn, None).display(),
                sh.count
            ),
            Some(_) => "activesynth merge SHARD1/results.h5 … --out DIR".into(),
        };
        println!(
            "this is a partial result: merge the {} shards ({how}) to get curves.csv, the report and the summary",
            sh.count
        );
        if args.timings {
            print_timings(start, jobs);
        }
        return Ok(());
    }
    let wrote = format!(
        "wrote {} ({} runs) in {:.1} s",
        h5.display(),
        outcome.runs.len(),
        start.elapsed().as_secs_f64()
    );
    finish(&scn, &outcome, &h5, &out, &wrote, args.no_report)?;
    if args.timings {
        print_timings(start, jobs);
    }
    Ok(())
}

/// The `--timings` table (`engine::phases`) of this process since `start`.
fn print_timings(start: Instant, jobs: usize) {
    let wall = start.elapsed().as_secs_f64();
    let cpu = crate::engine::phases::process_cpu_s();
    print!(
        "{}",
        crate::engine::phases::snapshot().table(wall, jobs, cpu)
    );
}

/// The output phase (`--timings`): timed as a phase and as busy time until dropped.
struct OutputPhase {
    started: Instant,
    _scope: crate::engine::phases::Scope,
}

impl OutputPhase {
    fn start() -> Self {
        OutputPhase {
            started: Instant::now(),
            _scope: crate::engine::phases::scope(crate::engine::phases::Phase::Output),
        }
    }
}

impl Drop for OutputPhase {
    fn drop(&mut self) {
        crate::engine::phases::add_busy(self.started.elapsed().as_secs_f64());
    }
}

/// Everything after `results.h5` of a whole execution (shared by `run` and `merge`):
/// the summary table, the `wrote` line, the report unless the scenario or `no_report`
/// says not to, and the world-check verdicts.
pub fn finish(
    scn: &Scenario,
    outcome: &Outcome,
    h5: &Path,
    out: &Path,
    wrote: &str,
    no_report: bool,
) -> CliResult {
    print!("{}", summary_table(scn, outcome));
    println!("{wrote}");
    let _output = OutputPhase::start();
    if scn.output.report && !no_report {
        let opts = crate::report::ReportOptions {
            out_dir: Some(out.to_path_buf()),
            alpha: 1.0,
            formats: vec![crate::report::Format::Md],
            plots: scn.output.plots,
        };
        let files = crate::report::write_report(&[h5.to_path_buf()], &opts)?;
        if let Some(md) = files.markdown {
            println!("wrote {}", md.display());
        }
    }
    // Last word: can this world rank strategies at all (docs/world-checks.md)?
    let merged = crate::report::merge::load(&[h5.to_path_buf()])?;
    let mut scratch = crate::report::files::Stats::default();
    let contamination = crate::report::contamination::compute(&merged);
    for tc in crate::report::world::compute(&merged, &contamination, &mut scratch) {
        println!("{}", tc.line());
    }
    Ok(())
}
