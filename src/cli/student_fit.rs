//! `activesynth student fit`: watch the student learn. Takes the base student that `run`
//! builds for replicate 0 of the task (the same sets, recipe and cache key:
//! [`crate::engine::world::Recipe`]), then fine-tunes a copy of it on N examples for
//! each N of `--train` (nested sets: the first N of one pool drawn beside the world's
//! sets) and prints per-epoch train loss, validation accuracy and throughput, then a
//! learning-curve table and the uncertainty check for the base and the last model
//! (own-generation loss on wrong vs right test items; AUROC for the errors of the mean,
//! largest and final-answer token loss; Spearman with difficulty). With several
//! `--seed`s it does all of that once per seed (each its own world and base) and ends
//! with the curve across seeds: mean ± SE per size and the paired smallest-to-largest
//! gain with its t-interval.

mod across_seeds;

use super::{CliError, CliResult};
use crate::engine::world::{
    accuracy, answer_ids, draw_distinct, own_sequence, to_sequence, Recipe,
};
use crate::scenario::{StudentSpec, TaskSpec};
use crate::stats::{spearman, summary, world_checks, Alternative};
use crate::student::{seq_nll, token_nll, try_train, Model, Sequence, TrainConfig};
use crate::tasks::{self, Example, Task};
use crate::text::tokenizer::Tokenizer;
use across_seeds::{across_seeds, Curve};
use anyhow::Context as _;
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
    /// Validation and test set size each (default: the task's `val_size` and
    /// `test_size` in the scenario, else 100 and 200). The validation set picks the
    /// base's best pre-training epoch, so another size makes another base.
    #[arg(long)]
    pub eval: Option<u32>,
    /// Master seed(s), comma-separated (default: the scenario's `seed`, else 0). Each
    /// seed is its own world: its own sets, training pool and base. With several, each
    /// prints its table in turn, then a table across seeds: the mean test accuracy per
    /// size with its standard error over seeds, and the gain from the smallest to the
    /// largest size paired by seed with its 95 % t-interval. One seed's table shows only
    /// test-set sampling; the spread between seeds is the student's and the world's.
    #[arg(long, value_delimiter = ',')]
    pub seed: Vec<u64>,
    /// Take the student's sizes and recipe (and pre-training settings) from this
    /// scenario's `[student]` section, the seed and the task's set sizes (its `[[tasks]]`
    /// entry) too, so that the base is the one `run` pre-trains for replicate 0 (default:
    /// the built-in defaults; without an entry for the task, an entry's defaults, D0 left
    /// out in game24's finite world).
    #[arg(long)]
    pub scenario: Option<std::path::PathBuf>,
    /// Override the peak fine-tuning learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Pre-train the base on this many examples (0: start from random weights; default:
    /// the scenario's `pretrain_examples`).
    #[arg(long)]
    pub base_examples: Option<u32>,
    /// Draw the training pool from the task's seed mix restricted to difficulty <= this,
    /// and keep only the validation and test examples of difficulty <= this (default:
    /// the whole mix). The base is unchanged (pre-trained as `run` does).
    #[arg(long)]
    pub max_difficulty: Option<u32>,
    /// Draw the training pool only from the task's seed mix restricted to these
    /// difficulties, `LO-HI` inclusive (or one level, `N`); validation and test keep the
    /// whole mix. This measures what examples of a given difficulty teach for the test
    /// mix, e.g. the hard examples that loss-based selection favours (default: the whole
    /// mix).
    #[arg(long, value_name = "LO-HI", value_parser = parse_difficulty_range)]
    pub pool_difficulty: Option<(u32, u32)>,
    /// Let each question of the training pool bring up to this many of its distinct
    /// answers, as `tasks[].solutions_per_question` does for D0 (game24 only: the paper
    /// counts each solution of a puzzle as a data point, D.1). The sizes of `--train`
    /// then count data points, drawn from ⌈largest size / K⌉ questions; this is what lets
    /// game24's finite world (1,362 puzzles) reach a pool of 3,000 (default: 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub solutions_per_question: Option<u32>,
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

/// `--pool-difficulty`'s `LO-HI` (or `N` for one level), both ends inclusive.
fn parse_difficulty_range(s: &str) -> Result<(u32, u32), String> {
    let num = |t: &str| {
        t.trim()
            .parse::<u32>()
            .map_err(|_| format!("`{s}`: expected LO-HI (e.g. 5-6) or one level (e.g. 4)"))
    };
    let (lo, hi) = match s.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => (num(s)?, num(s)?),
    };
    if lo > hi {
        return Err(format!(
            "`{s}`: the low end {lo} is above the high end {hi}"
        ));
    }
    Ok((lo, hi))
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
    /// The greedy answer tokens per test item and whether each is wrong (what the
    /// uncertainty check scores, so it need not decode and verify again).
    ids: Vec<Vec<u32>>,
    wrong: Vec<bool>,
}

fn diagnose(
    model: &Model,
    task: &dyn Task,
    tok: &Tokenizer,
    test: &[Example],
    max_new: usize,
    show_wrong: bool,
) -> anyhow::Result<Diagnosis> {
    let ids = answer_ids(model, tok, test, max_new)?;
    let answers: Vec<String> = ids.iter().map(|a| tok.decode(a)).collect();
    let mut wrong = Vec::with_capacity(test.len());
    let (lo, hi) = task.difficulty_range();
    let mut per = vec![(0usize, 0usize); (hi - lo + 1) as usize];
    let (mut valid, mut steps, mut right, mut shown) = (0usize, 0usize, 0usize, 0usize);
    for (e, a) in test.iter().zip(&answers) {
        let ok = task.verify(e, a).correct;
        wrong.push(!ok);
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
        ids,
        wrong,
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
    let scenario = match &args.scenario {
        Some(p) => Some(crate::scenario::load(p).map_err(|e| CliError::Usage(e.to_string()))?),
        None => None,
    };
    let spec = scenario
        .as_ref()
        .map_or_else(StudentSpec::default, |s| s.student.clone());
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
    if args.solutions_per_question.is_some_and(|k| k > 1) {
        if !task.has_several_answers() {
            return Err(CliError::Usage(format!(
                "--solutions-per-question: task {} has one answer per question; only game24 \
                 (several solutions per puzzle) takes it",
                args.task
            )));
        }
        if args.max_difficulty.is_some() || args.pool_difficulty.is_some() {
            return Err(CliError::Usage(
                "--solutions-per-question cannot be combined with --max-difficulty or \
                 --pool-difficulty (a question's other answers may lie outside them)"
                    .into(),
            ));
        }
    }
    if let Some((lo, hi)) = args.pool_difficulty {
        let (min, max) = task.difficulty_range();
        if args.max_difficulty.is_some() {
            return Err(CliError::Usage(
                "--pool-difficulty cannot be combined with --max-difficulty (one restricts \
                 the pool only, the other the pool and the test set)"
                    .into(),
            ));
        }
        if lo < min || hi > max {
            return Err(CliError::Usage(format!(
                "--pool-difficulty {lo}-{hi}: task {} has difficulties {min}..={max}",
                args.task
            )));
        }
    }
    let tok = crate::tasks::student_tokenizer(task);
    // The world `run` builds for replicate 0 of this task: its seed, set sizes and
    // student, hence its sets, its pre-training corpus and its base.
    let entry = scenario
        .as_ref()
        .and_then(|s| s.tasks.iter().find(|t| t.name == args.task).cloned());
    let has_entry = entry.is_some();
    let mut task_spec = entry.unwrap_or_else(|| TaskSpec::with_defaults(&args.task));
    if let Some(n) = args.eval {
        task_spec.val_size = n;
        task_spec.test_size = n;
    }
    if !has_entry && task.distinct_questions().is_some() {
        // No scenario entry, so no run to match: in a finite world (game24, 1,362
        // puzzles) the default D0 of 1,000, which `student fit` never uses, would leave
        // too few puzzles for the pool and the pre-training corpus, so it is left out.
        task_spec.seed_size = 0;
    }
    // The task's own pre-training budget (`tasks[].pretrain_examples`/`_epochs`), then
    // the command line's, which wins.
    let mut spec = task_spec.student(&spec);
    if let Some(n) = args.base_examples {
        spec.pretrain_examples = n;
    }
    let seeds = if args.seed.is_empty() {
        vec![scenario.as_ref().map_or(0, |s| s.seed)]
    } else {
        args.seed.clone()
    };
    let mut curves = Vec::with_capacity(seeds.len());
    for (i, &seed) in seeds.iter().enumerate() {
        if i > 0 {
            println!();
        }
        curves.push(fit_seed(args, task, &tok, &task_spec, &spec, seed)?);
    }
    if seeds.len() > 1 {
        print!("\n{}", across_seeds(&args.train, &seeds, &curves));
    }
    Ok(())
}

/// `student fit` for one master seed: its world, base and curve, printed as it goes.
fn fit_seed(
    args: &Args,
    task: &dyn Task,
    tok: &Tokenizer,
    task_spec: &TaskSpec,
    spec: &StudentSpec,
    seed: u64,
) -> Result<Curve, CliError> {
    let recipe = Recipe {
        seed,
        task,
        task_spec,
        replicate: 0,
        student: spec,
    };
    let stream = |p: &str| recipe.stream(p).rng();
    let mut sets = recipe.draw_sets().map_err(|e| {
        CliError::Usage(format!(
            "{e:#}: ask for fewer (--eval, --base-examples, or smaller sets in the scenario)"
        ))
    })?;
    // The training pool shares no question with D0, validation or test (nor, except in a
    // finite world such as game24, 1,362 puzzles, where pool and corpus may repeat the
    // puzzles left over, with the pre-training corpus): the student is never tested on
    // what it trained on.
    let max_n = *args.train.iter().max().expect("at least one size");
    let per_question = args.solutions_per_question.unwrap_or(1) as usize;
    let n_questions = max_n.div_ceil(per_question);
    let pool = {
        let mut r = stream("fit-train");
        draw_distinct(
            n_questions,
            &mut sets.taken,
            task.distinct_questions().is_some(),
            || {
                Some(task.generate(&mut r, None)).filter(|e| {
                    args.max_difficulty.is_none_or(|m| e.difficulty <= m)
                        && args
                            .pool_difficulty
                            .is_none_or(|(lo, hi)| (lo..=hi).contains(&e.difficulty))
                })
            },
        )
        .map_err(|got| {
            CliError::Usage(format!(
                "task {} could not produce {} training {} distinct from the world's \
                 sets (got {got}): ask for fewer (--train)",
                args.task,
                n_questions,
                if per_question > 1 {
                    "questions"
                } else {
                    "examples"
                }
            ))
        })?
    };
    // Several answers per question: from their own stream, so that the questions, and
    // everything before them, are those of the pool with one answer each.
    let pool = if per_question > 1 {
        let questions = pool.len();
        let pool = crate::engine::several_answers::expand(
            task,
            "the training pool",
            pool,
            per_question,
            max_n,
            &recipe.stream("fit-train-answers"),
        )
        .map_err(|e| CliError::Usage(format!("{e:#}: ask for fewer (--train)")))?;
        println!(
            "training pool: {max_n} data points, answers to {questions} questions, up to \
             {per_question} each (more where a question has fewer)"
        );
        pool
    } else {
        pool
    };
    let seqs = |exs: &[Example]| -> anyhow::Result<Vec<Sequence>> {
        exs.iter().map(|e| to_sequence(tok, e)).collect()
    };
    let pool_seqs = seqs(&pool)?;
    let mut val = sets.val.clone();
    let mut test = sets.test.clone();
    if let Some(m) = args.max_difficulty {
        val.retain(|e| e.difficulty <= m);
        test.retain(|e| e.difficulty <= m);
        if val.is_empty() || test.is_empty() {
            return Err(CliError::Usage(format!(
                "no validation or test example of difficulty <= {m}: raise --max-difficulty or --eval"
            )));
        }
    }
    let cfg = recipe.model_config(tok.vocab_size());
    let max_new = spec.max_new_tokens as usize;
    let eval = |m: &Model| {
        accuracy(m, task, tok, &val, max_new)
            .map(|r| r.0)
            .context("validation pass")
    };
    println!(
        "student fit: task {} seed {seed} params {} (layers {} d {} heads {} ff {} ctx {} vocab {}), lr {}, epochs {}, {}",
        args.task,
        recipe.initial_model(cfg.vocab).n_params(),
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
    let base_n = spec.pretrain_examples;
    let (base, replay) = if base_n > 0 {
        let cache = args
            .cache_dir
            .clone()
            .unwrap_or_else(crate::student::base::user_cache_dir);
        let start = Instant::now();
        let mut epoch = 0;
        let base = recipe
            .base_student(tok, &sets, &cache, |acc| {
                epoch += 1;
                if args.verbose {
                    println!("  epoch {epoch:>3}  val acc {acc:.3} (the world's validation set)");
                }
            })
            .context("pre-training the base")
            .map_err(CliError::Failure)?;
        println!(
            "base: pre-trained on {base_n} examples of difficulty <= {} for {} epochs ({}, cached in {})",
            spec.pretrain_max_difficulty,
            spec.pretrain_epochs,
            if epoch == 0 {
                "taken from the cache".to_string()
            } else {
                format!("{:.1} s", start.elapsed().as_secs_f64())
            },
            cache.display()
        );
        // The run's replay set: the first `replay_examples` of the base's corpus.
        let n = (spec.replay_examples as usize).min(sets.pretrain.len());
        (base, seqs(&sets.pretrain[..n])?)
    } else {
        (recipe.initial_model(cfg.vocab), Vec::new())
    };
    let (lo, hi) = task.difficulty_range();
    // The sizes are prefixes of one pool, so the largest one's mix bounds them all.
    let counts: Vec<String> = (lo..=hi)
        .map(|d| {
            pool.iter()
                .filter(|e| e.difficulty == d)
                .count()
                .to_string()
        })
        .collect();
    println!(
        "training pool by difficulty {lo}..={hi}: {} ({} examples){}",
        counts.join(" "),
        pool.len(),
        match args.pool_difficulty {
            Some((a, b)) =>
                format!(" (--pool-difficulty {a}-{b}; validation and test: the whole mix)"),
            None => String::new(),
        }
    );
    let base_diag = diagnose(&base, task, tok, &test, max_new, args.verbose)?;
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
    let tcfg = TrainConfig::from(spec);
    let mut curve = Curve {
        base: base_diag.acc,
        sizes: Vec::with_capacity(args.train.len()),
    };
    let mut last = None;
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
        let d = diagnose(&model, task, tok, &test, max_new, args.verbose)?;
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
        curve.sizes.push(d.acc);
        last = Some((model, d));
    }
    uncertainty("base", &base, tok, &test, &base_diag)?;
    if let Some((model, d)) = &last {
        uncertainty("last model", model, tok, &test, d)?;
    }
    Ok(curve)
}

/// The uncertainty check on the test items: the student's own greedy answers scored by
/// the student, split by whether the answer is right. W3 uses the mean token loss (the
/// paper's score); the largest token loss and the final answer token's loss (the last
/// token before EOS) say whether an uncertainty that the mean hides sits in one token.
/// AUROC is for predicting an error (0.5: uninformative).
fn uncertainty(
    label: &str,
    model: &Model,
    tok: &Tokenizer,
    test: &[Example],
    diag: &Diagnosis,
) -> anyhow::Result<()> {
    let wrong = diag.wrong.as_slice();
    let own: Vec<Sequence> = test
        .iter()
        .zip(&diag.ids)
        .map(|(e, a)| own_sequence(tok, e, a))
        .collect::<anyhow::Result<_>>()?;
    // One forward pass: the mean token loss (seq_nll's value, W3's score) is derived
    // from the per-token losses, summed in the same order.
    let tokens = token_nll(model, &own);
    let loss: Vec<f64> = tokens
        .iter()
        .map(|t| {
            if t.is_empty() {
                f64::NAN
            } else {
                t.iter().sum::<f64>() / t.len() as f64
            }
        })
        .collect();
    let pick = |want_wrong: bool| -> Vec<f64> {
        loss.iter()
            .zip(wrong)
            .filter(|(l, w)| **w == want_wrong && l.is_finite())
            .map(|(l, _)| *l)
            .collect()
    };
    let (lw, lr) = (pick(true), pick(false));
    println!(
        "\nown-generation loss ({label}): wrong items {:.4} (n={}), right items {:.4} (n={})",
        summary::mean(&lw),
        lw.len(),
        summary::mean(&lr),
        lr.len()
    );
    let max_tok: Vec<f64> = tokens
        .iter()
        .map(|t| t.iter().copied().fold(f64::NAN, f64::max))
        .collect();
    let final_tok: Vec<f64> = tokens
        .iter()
        .map(|t| match t.len() {
            0 => f64::NAN,
            1 => t[0],
            n => t[n - 2],
        })
        .collect();
    let show = |name: &str, scores: &[f64]| {
        // Items with nothing scorable are left out of every AUROC alike.
        let (s, w): (Vec<f64>, Vec<bool>) = scores
            .iter()
            .zip(wrong)
            .filter(|(l, _)| l.is_finite())
            .map(|(l, w)| (*l, *w))
            .unzip();
        match world_checks::auroc(&s, &w) {
            Ok(a) => format!("{name} {a:.3}"),
            Err(e) => format!("{name} undefined ({e})"),
        }
    };
    println!(
        "AUROC for the errors ({label}): {}, {}, {}",
        show("mean token loss (W3's score)", &loss),
        show("largest token loss", &max_tok),
        show("final answer token loss", &final_tok)
    );
    let diff: Vec<f64> = test.iter().map(|e| e.difficulty as f64).collect();
    match spearman::spearman(&loss, &diff, Alternative::TwoSided) {
        Ok(s) => println!(
            "Spearman(own loss, difficulty) ({label}) = {:.3} (p = {:.2e}, n = {})",
            s.rho, s.p_value, s.n
        ),
        Err(e) => println!("Spearman(own loss, difficulty) ({label}) undefined: {e}"),
    }
    Ok(())
}
