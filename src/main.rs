//! `activesynth` command-line entry point: parse, dispatch to `activesynth::cli::*`, map
//! errors to exit codes (0 ok, 1 failure, 2 usage) — and no other code: a broken pipe on
//! stdout (`… | head`) ends quietly with 0, and a panic anywhere is reported through
//! [`panic_report`] and becomes exit 1 via the actors' `guarded` handlers or the hook.

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
    /// Combine the results files of the N shards of a scenario (`run --shard I/N`) into
    /// the results, report and summary of one run.
    Merge(cli::merge::Args),
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
    /// Print the questions of one world's D0, validation and test sets, as `run` draws them.
    Sets(cli::tasks_sets::Args),
}

#[derive(Subcommand)]
enum StudentCmd {
    /// Train a student on N examples of a task and print its learning progress.
    Fit(cli::student_fit::Args),
    /// Choose learning rate, LoRA rank and epochs on the validation set (paper appendix B):
    /// fine-tune the run's base on what `random` trains on at the first iteration.
    Tune(cli::student_tune::Args),
    /// Time a training step and greedy decoding at the peer benchmark's sizes (per-thread
    /// CPU time, one JSON line each; see benches/peer/).
    Bench(cli::student_bench::Args),
}

fn dispatch(cli: Cli) -> CliResult {
    match cli.command {
        Command::Run(a) => cli::run::run(&a),
        Command::Replay(a) => cli::replay::run(&a),
        Command::Merge(a) => cli::merge::run(&a),
        Command::Report(a) => cli::report::run(&a),
        Command::Plan(a) => cli::plan::run(&a),
        Command::Check(a) => cli::check::run(&a),
        Command::Tasks { command } => match command {
            TasksCommand::Sample(a) => cli::tasks_sample::run(&a),
            TasksCommand::Sets(a) => cli::tasks_sets::run(&a),
        },
        Command::Student(StudentCmd::Fit(a)) => cli::student_fit::run(&a),
        Command::Student(StudentCmd::Tune(a)) => cli::student_tune::run(&a),
        Command::Student(StudentCmd::Bench(a)) => cli::student_bench::run(&a),
        Command::BenchKernels(a) => cli::bench_kernels::run(&a),
        Command::Score(a) => cli::score::run(&a),
        Command::Select(a) => cli::select::run(&a),
    }
}

/// Set (under the stderr lock) once the final `error:` line is written: the process is
/// exiting, and a panic report of another actor thread arriving later would land after the
/// line a person reads last (seen with two runs in parallel whose actors both panic).
static CLOSING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Write `text` to stderr in one locked call, so a line from another thread (an actor's
/// panic report) can never land in the middle of it. With `last`, nothing else is written
/// after it: later panic reports are dropped.
fn write_stderr(text: &str, last: bool) {
    use std::io::Write as _;
    use std::sync::atomic::Ordering;
    let mut e = std::io::stderr().lock();
    if CLOSING.load(Ordering::SeqCst) {
        return;
    }
    if last {
        CLOSING.store(true, Ordering::SeqCst);
    }
    let _ = e.write_all(text.as_bytes());
    let _ = e.flush();
}

/// The panic hook. Std's default hook writes its report in several unlocked pieces, which
/// interleaved with the main thread's `error:` line (issue 15); this one formats the whole
/// report (with a backtrace when `RUST_BACKTRACE` asks for one) and writes it at once.
/// A panic from printing to a closed stdout (`activesynth tasks sample | head`) is not a
/// failure of the command: the process ends quietly with 0.
fn panic_report(info: &std::panic::PanicHookInfo<'_>) {
    let msg = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-string payload".into());
    if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
        std::process::exit(0);
    }
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("<unnamed>");
    let at = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    let bt = std::backtrace::Backtrace::capture();
    let trace = match bt.status() {
        std::backtrace::BacktraceStatus::Captured => format!("stack backtrace:\n{bt}\n"),
        _ => String::new(),
    };
    write_stderr(
        &format!("thread '{name}' panicked{at}:\n{msg}\n{trace}"),
        false,
    );
}

fn main() {
    std::panic::set_hook(Box::new(panic_report));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    match std::panic::catch_unwind(|| dispatch(cli)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            write_stderr(&format!("error: {e}\n"), true);
            std::process::exit(e.exit_code());
        }
        // Reported by the hook; a panic on the main thread is a failure, not exit 101.
        Err(_) => {
            write_stderr(
                "error: internal error (the panic above); please report it\n",
                true,
            );
            std::process::exit(1);
        }
    }
}
