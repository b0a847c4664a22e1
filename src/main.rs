//! `activesynth` command-line entry point: parse, dispatch to `activesynth::cli::*`, map
//! errors to exit codes (0 ok, 1 failure, 2 usage).

use activesynth::cli::CliResult;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "activesynth",
    version,
    about = "Active synthetic data generation: simulation and benchmark harness"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Significance report (tables, tests, plots) of one or several results files.
    Report(activesynth::cli::report::Args),
    /// Inspect the task worlds.
    Tasks {
        #[command(subcommand)]
        command: TasksCommand,
    },
}

#[derive(Subcommand)]
enum TasksCommand {
    /// Print seed examples, the teacher's rewrite of each and the verifier's verdicts.
    Sample(activesynth::cli::tasks_sample::Args),
}

fn dispatch(cli: Cli) -> CliResult {
    match cli.command {
        Command::Report(a) => activesynth::cli::report::run(&a),
        Command::Tasks { command } => match command {
            TasksCommand::Sample(a) => activesynth::cli::tasks_sample::run(&a),
        },
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
