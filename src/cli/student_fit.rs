//! `activesynth student fit`: watch the student learn. Optionally pre-trains a base model
//! on easy examples (as the loop does), then fine-tunes a copy of it on N examples for
//! each N of `--train` (nested sets: the first N of one pool) and prints per-epoch train
//! loss, validation accuracy and throughput, then a learning-curve table and the
//! uncertainty check (own-generation loss on wrong vs right test items, Spearman with
//! difficulty).

use super::{CliError, CliResult};
use crate::engine::world::{accuracy, answer_ids, own_sequence, to_sequence};
use crate::rng::StreamKey;
use crate::scenario::StudentSpec;
use crate::stats::{spearman, summary, Alternative};
use crate::student::{seq_nll, try_train, Model, ModelConfig, Sequence, TrainConfig};
use crate::tasks::{self, Example, Task};
use crate::text::tokenizer::Tokenizer;
use anyhow::Context as _;
use rand::Rng as _;
use std::cell::Cell;
use std::time::Instant;

/// Arguments of `student fit`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Task world: arith, mathmix, logic or game24.
    #[arg(long)]
    pub task: String,
    /// Training-set sizes, comma-separated (each a fresh copy of the base fine-tuned on
    /// the first N examples of one pool).
    #[arg(long, value_delimiter = ',', default_value = "1000")]
    pub train: Vec<usize>,
    /// Fine-tuning epochs (default: the scenario's `epochs`, 6 without one).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Validation and test set size each.
    #[arg(long, default_value_t = 200)]
    pub eval: usize,
    /// Master seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Take the student's sizes and recipe (and pre-training settings) from this
    /// scenario's `[student]` section (default: the built-in defaults).
    #[arg(long)]
    pub scenario: Option<std::path::PathBuf>,
    /// Override the peak fine-tuning learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Pre-train a base model first on this many easy examples (0: start from random
    /// weights; default: the scenario's `pretrain_examples`).
    #[arg(long)]
    pub base_examples: Option<usize>,
    /// Draw the training pool, validation and test sets from the task's seed mix
    /// restricted to difficulty <= this (default: the whole mix).
    #[arg(long)]
    pub max_difficulty: Option<u32>,
    /// Fine-tune for at least this many optimiser steps (default: the scenario's
    /// `min_steps`).
    #[arg(long)]
    pub min_steps: Option<u32>,
    /// Mix this many examples of the base's pre-training corpus into every fine-tuning
    /// set (default: the scenario's `replay_examples`).
    #[arg(long)]
    pub replay: Option<u32>,
    /// Fine-tune LoRA adapters of this rank (alpha = rank) with the base frozen; 0: full
    /// fine-tuning (default: the scenario's `lora_rank`).
    #[arg(long)]
    pub lora_rank: Option<u32>,
    /// Print every epoch (default: only the summary per size).
    #[arg(long)]
    pub verbose: bool,
    /// Where cached base students live (default: $XDG_CACHE_HOME/activesynth, else
    /// ~/.cache/activesynth; never the current directory).
    #[arg(long)]
    pub cache_dir: Option<std::path::PathBuf>,
    /// Override a `[student]` value, e.g. `--set student.d_model=96` (repeatable; applied
    /// after `--scenario`, before the dedicated flags such as `--lr`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

fn fit(
    model: &mut Model,
    seqs: &[Sequence],
    tcfg: &TrainConfig,
    rng: &mut crate::rng::Rng,
    eval: &dyn Fn(&Model) -> anyhow::Result<f64>,
    verbose: bool,
) -> anyhow::Result<(crate::student::TrainReport, f64)> {
    let start = Instant::now();
    let epoch = Cell::new(0usize);
    let last = Cell::new(Instant::now());
    let report = try_train(model, seqs, tcfg, rng, |m| {
        let train_s = last.get().elapsed().as_secs_f64();
        let acc = eval(m)?;
        epoch.set(epoch.get() + 1);
        if verbose {
            println!(
                "  epoch {:>3}  val acc {:.3}  ({:.2} s train, {:.2} s eval)",
                epoch.get(),
                acc,
                train_s,
                last.get().elapsed().as_secs_f64() - train_s
            );
        }
        last.set(Instant::now());
        anyhow::Ok(acc)
    })?;
    if verbose {
        for (e, l) in report.epoch_loss.iter().enumerate() {
            println!("  epoch {:>3}  train loss {:.4}", e + 1, l);
        }
    }
    Ok((report, start.elapsed().as_secs_f64()))
}

/// Test-set accuracy broken down so a user can see *what* the student has not learnt.
struct Diagnosis {
    acc: f64,
    /// Fraction of generated reasoning steps that the task's process check accepts.
    step_valid: f64,
    /// Accuracy per difficulty level, e.g. `0.90 0.62 0.31 ...` (`-` where none).
    by_difficulty: String,
}

fn diagnose(
    model: &Model,
    task: &dyn Task,
    tok: &Tokenizer,
    test: &[Example],
    max_new: usize,
    show_wrong: bool,
) -> anyhow::Result<Diagnosis> {
    let answers: Vec<String> = answer_ids(model, tok, test, max_new)?
        .iter()
        .map(|a| tok.decode(a))
        .collect();
    let (lo, hi) = task.difficulty_range();
    let mut per = vec![(0usize, 0usize); (hi - lo + 1) as usize];
    let (mut valid, mut steps, mut right, mut shown) = (0usize, 0usize, 0usize, 0usize);
    for (e, a) in test.iter().zip(&answers) {
        let ok = task.verify(e, a).correct;
        let (v, s) = task.check_steps(e, a);
        valid += v;
        steps += s;
        right += usize::from(ok);
        let slot = &mut per[(e.difficulty.clamp(lo, hi) - lo) as usize];
        slot.0 += usize::from(ok);
        slot.1 += 1;
        if show_wrong && !ok && shown < 3 {
            shown += 1;
            println!(
                "  wrong (difficulty {}): {}\n    expected: {}\n    got:      {}",
                e.difficulty,
                e.question,
                e.answer.replace('\n', " | "),
                a.replace('\n', " | ")
            );
        }
    }
    if show_wrong {
        let gt: Vec<Sequence> = test
            .iter()
            .map(|e| to_sequence(tok, e))
            .collect::<anyhow::Result<_>>()?;
        let nll = seq_nll(model, &gt);
        let mut by = vec![(0.0f64, 0usize); (hi - lo + 1) as usize];
        for (e, l) in test.iter().zip(&nll) {
            let slot = &mut by[(e.difficulty.clamp(lo, hi) - lo) as usize];
            slot.0 += l;
            slot.1 += 1;
        }
        let txt: Vec<String> = by
            .iter()
            .map(|(s, n)| format!("{:.3}", s / (*n).max(1) as f64))
            .collect();
        println!("  ground-truth answer NLL by difficulty: {}", txt.join(" "));
    }
    let by_difficulty = per
        .iter()
        .map(|(r, n)| {
            if *n == 0 {
                "-".to_string()
            } else {
                format!("{:.2}", *r as f64 / *n as f64)
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Diagnosis {
        acc: right as f64 / test.len().max(1) as f64,
        step_valid: valid as f64 / steps.max(1) as f64,
        by_difficulty,
    })
}

/// Run the subcommand.
pub fn run(args: &Args) -> CliResult {
    let task = tasks::by_name(&args.task).ok_or_else(|| {
        CliError::Usage(super::suggest::unknown(
            "task",
            &args.task,
            &tasks::TASK_NAMES,
        ))
    })?;
    if args.train.contains(&0) || args.epochs == Some(0) {
        return Err(CliError::Usage(
            "--train sizes and --epochs must be positive".into(),
        ));
    }
    let spec = match &args.scenario {
        Some(p) => {
            crate::scenario::load(p)
                .map_err(|e| CliError::Usage(e.to_string()))?
                .student
        }
        None => StudentSpec::default(),
    };
    let mut spec = crate::scenario::overrides::apply_to_student(&spec, &args.set)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(lr) = args.lr {
        spec.learning_rate = lr;
    }
    if let Some(r) = args.replay {
        spec.replay_examples = r;
    }
    if let Some(s) = args.min_steps {
        spec.min_steps = s;
    }
    if let Some(r) = args.lora_rank {
        spec.lora_rank = r;
    }
    if let Some(e) = args.epochs {
        spec.epochs = e as u32;
    }
    let task: &dyn Task = task.as_ref();
    let tok = crate::tasks::student_tokenizer(task);
    let stream = |p: &str| StreamKey::shared(args.seed, &args.task, 0, p).rng();
    // The four sets never share a question with the test and validation sets (nor the
    // training pool with each other), as in the loop's worlds: a finite world such as
    // game24 (1,362 puzzles) otherwise pre-trains and fine-tunes the student on most of
    // its test puzzles. In a finite world the training pool and the pre-training corpus
    // may repeat questions among themselves (never a test or validation one).
    let finite = task.distinct_questions().is_some();
    let mut taken = std::collections::BTreeSet::new();
    let mut gen = |purpose: &str,
                   n: usize,
                   dmax: Option<u32>,
                   repeats: bool|
     -> Result<Vec<Example>, CliError> {
        let mut r = stream(purpose);
        crate::engine::world::draw_distinct(n, &mut taken, repeats, || match dmax {
            None => Some(task.generate(&mut r, None))
                .filter(|e| args.max_difficulty.is_none_or(|m| e.difficulty <= m)),
            Some(m) => {
                let (lo, hi) = task.difficulty_range();
                let d = r.gen_range(lo..=m.clamp(lo, hi));
                Some(task.generate(&mut r, Some(d)))
            }
        })
        .map_err(|got| {
            CliError::Usage(format!(
                "task {} could not produce {n} {purpose} examples distinct from the \
                 other sets (got {got}): ask for fewer (--train, --eval)",
                args.task
            ))
        })
    };
    let seqs = |exs: &[Example]| -> anyhow::Result<Vec<Sequence>> {
        exs.iter().map(|e| to_sequence(&tok, e)).collect()
    };
    let max_n = *args.train.iter().max().expect("at least one size");
    let test = gen("fit-test", args.eval, None, false)?;
    let val = gen("fit-val", args.eval, None, false)?;
    let pool = gen("fit-train", max_n, None, finite)?;
    let pool_seqs = seqs(&pool)?;
    let cfg = ModelConfig {
        vocab: tok.vocab_size(),
        layers: spec.layers as usize,
        d_model: spec.d_model as usize,
        heads: spec.heads as usize,
        d_ff: spec.d_ff as usize,
        context: spec.context as usize,
    };
    let max_new = spec.max_new_tokens as usize;
    let eval = |m: &Model| {
        accuracy(m, task, &tok, &val, max_new)
            .map(|r| r.0)
            .context("validation pass")
    };
    let mut base = Model::new(cfg, &mut stream("fit-init"));
    println!(
        "student fit: task {} params {} (layers {} d {} heads {} ff {} ctx {} vocab {}), lr {}, epochs {}, {}",
        args.task,
        base.n_params(),
        cfg.layers,
        cfg.d_model,
        cfg.heads,
        cfg.d_ff,
        cfg.context,
        cfg.vocab,
        spec.learning_rate,
        spec.epochs,
        if spec.lora_rank > 0 {
            format!("LoRA rank {} (alpha = rank)", spec.lora_rank)
        } else {
            "full fine-tuning".to_string()
        }
    );
    let base_n = args
        .base_examples
        .unwrap_or(spec.pretrain_examples as usize);
    let mut replay: Vec<Sequence> = Vec::new();
    if base_n > 0 {
        let easy = gen(
            "fit-pretrain",
            base_n,
            Some(spec.pretrain_max_difficulty),
            finite,
        )?;
        replay = seqs(&easy[..(spec.replay_examples as usize).min(easy.len())])?;
        let tcfg = TrainConfig {
            epochs: spec.pretrain_epochs as usize,
            learning_rate: spec.pretrain_learning_rate,
            min_steps: 0,
            lora_rank: 0,
            ..TrainConfig::from(&spec)
        };
        // Cached like the loop's base students, keyed by everything that determines it:
        // the recipe, and the pre-training corpus and validation set themselves, so that a
        // change to a task's generator never reuses a stale base.
        let key = crate::engine::world::base_cache_key(
            &format!(
                "student-fit-base-v4|{}|{}|{base_n}|{}|{}",
                args.task,
                args.seed,
                crate::engine::world::base_key_fields(&spec),
                tok.vocab_size()
            ),
            &easy,
            &val,
        );
        let cache = args
            .cache_dir
            .clone()
            .unwrap_or_else(crate::student::base::user_cache_dir);
        let start = Instant::now();
        let init = base.clone();
        let cfg = base.cfg;
        base = crate::student::base::try_cached_or_train_checked(&cache, &key, &cfg, || {
            let mut m = init;
            fit(
                &mut m,
                &seqs(&easy)?,
                &tcfg,
                &mut stream("fit-pretrain-order"),
                &eval,
                args.verbose,
            )
            .context("pre-training the base")?;
            anyhow::Ok(m)
        })
        .map_err(CliError::Failure)?;
        println!(
            "base: pre-trained on {base_n} examples of difficulty <= {} for {} epochs ({:.1} s, cached in {})",
            spec.pretrain_max_difficulty,
            spec.pretrain_epochs,
            start.elapsed().as_secs_f64(),
            cache.display()
        );
    }
    let (lo, hi) = task.difficulty_range();
    let base_diag = diagnose(&base, task, &tok, &test, max_new, args.verbose)?;
    // The validation accuracy is what a recipe may be chosen on (paper appendix B); the
    // test accuracy is reported, never tuned on.
    println!(
        "\n{:>8}  {:>8}  {:>9}  {:>8}  {:>10}  {:>10}  by difficulty {lo}..={hi}",
        "train n", "val acc", "test acc", "time s", "tokens/s", "step valid"
    );
    println!(
        "{:>8}  {:>8.3}  {:>9.3}  {:>8}  {:>10}  {:>10.3}  {}",
        "base",
        eval(&base).map_err(CliError::Failure)?,
        base_diag.acc,
        "-",
        "-",
        base_diag.step_valid,
        base_diag.by_difficulty
    );
    let tcfg = TrainConfig::from(&spec);
    let mut last_model = base.clone();
    for &n in &args.train {
        let mut model = base.clone();
        let (rep, secs) = fit(
            &mut model,
            &[&pool_seqs[..n], &replay[..]].concat(),
            &tcfg,
            &mut stream("fit-train-order"),
            &eval,
            args.verbose,
        )
        .with_context(|| format!("fine-tuning on {n} examples"))
        .map_err(CliError::Failure)?;
        let d = diagnose(&model, task, &tok, &test, max_new, args.verbose)?;
        println!(
            "{:>8}  {:>8.3}  {:>9.3}  {:>8.1}  {:>10.0}  {:>10.3}  {}",
            n,
            rep.best_val_score,
            d.acc,
            secs,
            rep.tokens as f64 / rep.wall_s.max(1e-9),
            d.step_valid,
            d.by_difficulty
        );
        last_model = model;
    }
    // Uncertainty check: own-generation loss on the items the student gets wrong vs right.
    let ids = answer_ids(&last_model, &tok, &test, max_new)?;
    let answers: Vec<String> = ids.iter().map(|a| tok.decode(a)).collect();
    let own: Vec<Sequence> = test
        .iter()
        .zip(&ids)
        .map(|(e, a)| own_sequence(&tok, e, a))
        .collect::<anyhow::Result<_>>()?;
    let loss = seq_nll(&last_model, &own);
    let correct: Vec<bool> = test
        .iter()
        .zip(&answers)
        .map(|(e, a)| task.verify(e, a).correct)
        .collect();
    let pick = |want: bool| -> Vec<f64> {
        loss.iter()
            .zip(&correct)
            .filter(|(l, c)| **c == want && l.is_finite())
            .map(|(l, _)| *l)
            .collect()
    };
    let (wrong, right) = (pick(false), pick(true));
    println!(
        "\nown-generation loss (last model): wrong items {:.4} (n={}), right items {:.4} (n={})",
        summary::mean(&wrong),
        wrong.len(),
        summary::mean(&right),
        right.len()
    );
    let diff: Vec<f64> = test.iter().map(|e| e.difficulty as f64).collect();
    match spearman::spearman(&loss, &diff, Alternative::TwoSided) {
        Ok(s) => println!(
            "Spearman(own loss, difficulty) = {:.3} (p = {:.2e}, n = {})",
            s.rho, s.p_value, s.n
        ),
        Err(e) => println!("Spearman(own loss, difficulty) undefined: {e}"),
    }
    Ok(())
}
