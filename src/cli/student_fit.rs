//! `activesynth student fit`: train a student on N examples of a task and print
//! per-epoch train loss, validation accuracy and throughput, so a user can watch it learn.

use super::{CliError, CliResult};
use crate::rng::StreamKey;
use crate::scenario::StudentSpec;
use crate::student::{greedy_decode, train, Model, ModelConfig, Sequence, TrainConfig};
use crate::tasks::{self, Example, Task};
use crate::text::tokenizer::Tokenizer;
use anyhow::Context;
use std::cell::Cell;
use std::time::Instant;

/// Arguments of `student fit`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Task world: arith, mathmix, logic or game24.
    #[arg(long)]
    pub task: String,
    /// Number of training examples.
    #[arg(long, default_value_t = 1000)]
    pub train: usize,
    /// Training epochs.
    #[arg(long, default_value_t = 6)]
    pub epochs: usize,
    /// Validation and test set size each.
    #[arg(long, default_value_t = 200)]
    pub eval: usize,
    /// Master seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Take the student's sizes and recipe from this scenario's `[student]` section
    /// (default: the built-in defaults).
    #[arg(long)]
    pub scenario: Option<std::path::PathBuf>,
    /// Override the peak learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
}

fn encode(tok: &Tokenizer, ex: &Example) -> anyhow::Result<Sequence> {
    let q = tok
        .encode(&ex.question)
        .with_context(|| format!("question {:?}", ex.question))?;
    let a = tok
        .encode(&ex.answer)
        .with_context(|| format!("answer {:?}", ex.answer))?;
    Ok(Sequence::new(&q, &a))
}

/// Greedy-decode every question and return the verifier's accuracy.
pub fn accuracy(
    model: &Model,
    task: &dyn Task,
    tok: &Tokenizer,
    exs: &[Example],
    seqs: &[Sequence],
    max_new: usize,
) -> f64 {
    if exs.is_empty() {
        return 0.0;
    }
    let prompts: Vec<Vec<u32>> = seqs.iter().map(|s| s.prompt.clone()).collect();
    let outs = greedy_decode(model, &prompts, max_new);
    let ok = exs
        .iter()
        .zip(&outs)
        .filter(|(e, o)| task.verify(e, &tok.decode(o)).correct)
        .count();
    ok as f64 / exs.len() as f64
}

/// Run the subcommand.
pub fn run(args: &Args) -> CliResult {
    let task = tasks::by_name(&args.task).ok_or_else(|| {
        CliError::Usage(format!(
            "unknown task {:?} (expected one of {:?})",
            args.task,
            tasks::TASK_NAMES
        ))
    })?;
    if args.train == 0 || args.epochs == 0 {
        return Err(CliError::Usage(
            "--train and --epochs must be positive".into(),
        ));
    }
    let tok = Tokenizer::standard();
    let mut spec = match &args.scenario {
        Some(p) => {
            crate::scenario::load(p)
                .map_err(|e| CliError::Usage(e.to_string()))?
                .student
        }
        None => StudentSpec::default(),
    };
    if let Some(lr) = args.lr {
        spec.learning_rate = lr;
    }
    let gen = |purpose: &str, n: usize| -> anyhow::Result<(Vec<Example>, Vec<Sequence>)> {
        let mut r = StreamKey::shared(args.seed, &args.task, 0, purpose).rng();
        let exs: Vec<Example> = (0..n).map(|_| task.generate(&mut r, None)).collect();
        let seqs = exs
            .iter()
            .map(|e| encode(&tok, e))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok((exs, seqs))
    };
    let (_, train_seqs) = gen("fit-train", args.train)?;
    let (val_ex, val_seqs) = gen("fit-val", args.eval)?;
    let (test_ex, test_seqs) = gen("fit-test", args.eval)?;
    let cfg = ModelConfig {
        vocab: tok.vocab_size(),
        layers: spec.layers as usize,
        d_model: spec.d_model as usize,
        heads: spec.heads as usize,
        d_ff: spec.d_ff as usize,
        context: spec.context as usize,
    };
    let mut model = Model::new(
        cfg,
        &mut StreamKey::shared(args.seed, &args.task, 0, "fit-init").rng(),
    );
    let tcfg = TrainConfig {
        epochs: args.epochs,
        ..TrainConfig::from(&spec)
    };
    let max_new = spec.max_new_tokens as usize;
    println!(
        "student fit: task {} train {} epochs {} params {} (layers {} d {} heads {} ff {} ctx {} vocab {})",
        args.task, args.train, args.epochs, model.n_params(), cfg.layers, cfg.d_model, cfg.heads, cfg.d_ff, cfg.context, cfg.vocab
    );
    let tokens_per_epoch: usize = train_seqs
        .iter()
        .map(|s| (s.prompt.len() + s.answer.len() - 1).min(cfg.context))
        .sum();
    let epoch = Cell::new(0usize);
    let last = Cell::new(Instant::now());
    let mut rng = StreamKey::shared(args.seed, &args.task, 0, "fit-train-order").rng();
    let report = train(&mut model, &train_seqs, &tcfg, &mut rng, |m| {
        let train_s = last.get().elapsed().as_secs_f64();
        let acc = accuracy(m, task.as_ref(), &tok, &val_ex, &val_seqs, max_new);
        let e = epoch.get();
        println!(
            "epoch {:>3}  val acc {:.3}  train {:.0} tok/s  ({:.2} s train, {:.2} s eval)",
            e + 1,
            acc,
            tokens_per_epoch as f64 / train_s.max(1e-9),
            train_s,
            last.get().elapsed().as_secs_f64() - train_s
        );
        epoch.set(e + 1);
        last.set(Instant::now());
        acc
    });
    for (e, l) in report.epoch_loss.iter().enumerate() {
        println!("epoch {:>3}  train loss {:.4}", e + 1, l);
    }
    let test_acc = accuracy(&model, task.as_ref(), &tok, &test_ex, &test_seqs, max_new);
    println!(
        "best epoch {:?}  test acc {:.3}  steps {}  tokens {}  rejected {}  wall {:.1} s ({:.0} tok/s incl. eval)",
        report.best_epoch.map(|e| e + 1),
        test_acc,
        report.steps,
        report.tokens,
        report.rejected,
        report.wall_s,
        report.tokens as f64 / report.wall_s.max(1e-9)
    );
    Ok(())
}
