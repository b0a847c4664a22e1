//! `activesynth tasks sets`: print the questions of one world's D0, validation and test
//! sets, one per line (`set<TAB>index<TAB>difficulty<TAB>question`), exactly as `run` draws them for a
//! (scenario, task, replicate). Results files keep the synthetic questions but not the
//! world's sets (they are a pure function of the scenario), so this is how an analysis
//! joins the two, e.g. to find synthetic questions that are test questions in a finite
//! world (`results/calibration/g24_contamination.py`).

use super::{CliError, CliResult};
use crate::engine::world::Recipe;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `tasks sets`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The scenario whose world to draw.
    pub scenario: PathBuf,
    /// The task (a `[[tasks]]` name of the scenario).
    #[arg(long)]
    pub task: String,
    /// The replicate (0-based).
    #[arg(long, default_value_t = 0)]
    pub replicate: u32,
}

/// Run the subcommand: print the sets to stdout.
pub fn run(args: &Args) -> CliResult {
    let scn = crate::scenario::load(&args.scenario).map_err(|e| CliError::Usage(e.to_string()))?;
    let Some(spec) = scn.tasks.iter().find(|t| t.name == args.task) else {
        let names: Vec<&str> = scn.tasks.iter().map(|t| t.name.as_str()).collect();
        return Err(CliError::Usage(format!(
            "{}: no task {:?} (its tasks: {})",
            args.scenario.display(),
            args.task,
            names.join(", ")
        )));
    };
    if args.replicate >= scn.replicates {
        return Err(CliError::Usage(format!(
            "--replicate {} is out of range: {} has replicates 0..{}",
            args.replicate,
            args.scenario.display(),
            scn.replicates
        )));
    }
    let task = crate::tasks::by_name(&spec.name)
        .ok_or_else(|| CliError::Usage(format!("unknown task {}", spec.name)))?;
    let student = spec.student(&scn.student);
    let recipe = Recipe {
        seed: scn.seed,
        task: task.as_ref(),
        task_spec: spec,
        replicate: args.replicate,
        student: &student,
    };
    let sets = recipe
        .draw_sets()
        .map_err(|e| CliError::Failure(e.context("drawing the world's sets")))?;
    let mut out = String::new();
    for (name, set) in [("d0", &sets.d0), ("val", &sets.val), ("test", &sets.test)] {
        for (i, e) in set.iter().enumerate() {
            // Questions are one line in every task; a newline would break the format.
            let q = e.question.replace('\n', " ");
            writeln!(out, "{name}\t{i}\t{}\t{q}", e.difficulty).expect("write to String");
        }
    }
    print!("{out}");
    Ok(())
}
