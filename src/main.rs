//! `activesynth` command-line entry point: parse, dispatch to `activesynth::cli::*`, map
//! errors to exit codes (0 ok, 1 failure, 2 usage).

use activesynth::cli::{self, CliResult};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "activesynth",
    version,
    about = "Active synthetic data generation: an actor-system simulation and benchmark harness"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every (task, replicate, strategy) of a scenario through Algorithm 1.
    Run(cli::run::Args),
    /// Re-run the scenario embedded in a results file and compare every result tensor.
    Replay(cli::replay::Args),
    /// Statistics, significance tests, tables and plots from one or more results files.
    Report(cli::report::Args),
    /// Replicates needed to detect a paired difference, from a pilot's results file.
    Plan(cli::plan::Args),
    /// Validate a scenario and print it with every default filled in.
    Check(cli::check::Args),
    /// Inspect the task worlds.
    Tasks {
        #[command(subcommand)]
        command: TasksCommand,
    },
    /// The student transformer.
    #[command(subcommand)]
    Student(StudentCmd),
    /// Time the scoring kernels (CPU, and CUDA when present) against a baseline.
    BenchKernels(cli::bench_kernels::Args),
    /// Per-sequence losses and gradient embeddings from a real model's dumped hidden states.
    Score(cli::score::Args),
    /// Run a selection strategy on external scores and print or write the chosen indices.
    Select(cli::select::Args),
}

#[derive(Subcommand)]
enum TasksCommand {
    /// Print seed examples, the teacher's rewrite of each and the verifier's verdicts.
    Sample(cli::tasks_sample::Args),
}

#[derive(Subcommand)]
enum StudentCmd {
    /// Train a student on N examples of a task and print its learning progress.
    Fit(cli::student_fit::Args),
}

fn dispatch(cli: Cli) -> CliResult {
    match cli.command {
        Command::Run(a) => cli::run::run(&a),
        Command::Replay(a) => cli::replay::run(&a),
        Command::Report(a) => cli::report::run(&a),
        Command::Plan(a) => cli::plan::run(&a),
        Command::Check(a) => cli::check::run(&a),
        Command::Tasks { command } => match command {
            TasksCommand::Sample(a) => cli::tasks_sample::run(&a),
        },
        Command::Student(StudentCmd::Fit(a)) => cli::student_fit::run(&a),
        Command::BenchKernels(a) => cli::bench_kernels::run(&a),
        Command::Score(a) => cli::score::run(&a),
        Command::Select(a) => cli::select::run(&a),
    }
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    if let Err(e) = dispatch(cli) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
