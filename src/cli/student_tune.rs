//! `activesynth student tune`: choose the fine-tuning recipe (learning rate, LoRA rank,
//! epochs) on the validation set, as the paper does (appendix B), never on the test set
//! and never on strategy outcomes.
//!
//! For each replicate r it builds the world `run` builds (`engine::world::build_world`:
//! the same D0, validation set, base student and rehearsal set), draws N seeds uniformly
//! from D0 and has the scenario's teacher rewrite them — what the `random` strategy trains
//! on at the first iteration, through the same code (`engine::steps`) — then fine-tunes a
//! copy of the base on them for every configuration of the grid, exactly as `run`
//! fine-tunes (rehearsal mixed in, best epoch on the validation set kept). Its random
//! draws come from the run streams of a strategy labelled [`STREAM_LABEL`], which no
//! scenario of the project uses: they are deterministic for the scenario's seed and apart
//! from every strategy's. When the scenario rehearses, the best configuration is then
//! fine-tuned on the rehearsal set alone ([`control`]): what rehearsal gives by itself,
//! and whether the base is converged on its own corpus.

mod control;
mod output;

use output::{rank_name, table, write_csv};

use super::{CliError, CliResult};
use crate::engine::steps;
use crate::engine::world::{build_world, World};
use crate::scenario::{Scenario, StudentSpec};
use crate::selection::{self, SeedScores, StrategySpec};
use crate::stats::{summary, world_checks::paired_gain};
use crate::student::TrainConfig;
use crate::tasks::Example;
use anyhow::Context as _;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The strategy label whose run streams (iteration 0: `select`, `generate`, `train`)
/// tune draws from. A scenario whose `random` strategy carries this label reproduces
/// tune's training set and fine-tuning bit for bit (`tests/student_tune.rs`).
pub const STREAM_LABEL: &str = "student-tune";
/// Most configurations one invocation may ask for.
pub const MAX_CONFIGS: usize = 64;
/// Most replicates one invocation may ask for.
pub const MAX_REPLICATES: u32 = 32;

/// Arguments of `student tune`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario whose world, teacher, student and rehearsal set are tuned for (the base
    /// of replicate r is the one `run` pre-trains for replicate r).
    #[arg(long)]
    pub scenario: PathBuf,
    /// Task of the scenario (default: its only task).
    #[arg(long)]
    pub task: Option<String>,
    /// Peak learning rates to try, comma-separated (default: the scenario's).
    #[arg(long, value_delimiter = ',')]
    pub lr: Vec<f64>,
    /// LoRA ranks to try (alpha = rank, base frozen; 0 = full fine-tuning; default: the
    /// scenario's).
    #[arg(long, value_delimiter = ',')]
    pub lora_rank: Vec<u32>,
    /// Epoch counts to try (default: the scenario's; the best epoch on the validation
    /// set is kept, as in `run`).
    #[arg(long, value_delimiter = ',')]
    pub epochs: Vec<u32>,
    /// Synthetic examples to fine-tune on: N seeds drawn uniformly from D0 and rewritten
    /// by the teacher (default: the task's m, its `samples_per_iteration` or else the
    /// scenario's, what `random` trains on at the first iteration).
    #[arg(long)]
    pub train: Option<u32>,
    /// Replicates 0..K (each its own world and base, as in `run`).
    #[arg(long, default_value_t = 1)]
    pub replicates: u32,
    /// At most this many fine-tunings at once (default: number of cores). Results do not
    /// depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Where cached base students live (default: $XDG_CACHE_HOME/activesynth, else
    /// ~/.cache/activesynth; `OUT/.cache` reuses the bases of a run of the scenario).
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Override a scenario value, e.g. `--set student.replay_examples=0` (repeatable, as
    /// in `run`; the grids above then vary the recipe).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Also write the table to this CSV file.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// One configuration of the grid.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Config {
    lr: f64,
    rank: u32,
    epochs: u32,
}

/// One fine-tuning: a configuration on one replicate's world.
#[derive(Clone, Copy, Debug)]
struct Fit {
    val: f64,
    /// 1-based epoch whose weights were kept (0: the base kept, nothing generated).
    best_epoch: usize,
    diverged: bool,
    secs: f64,
}

/// A configuration's row of the table.
struct Row {
    config: Config,
    fits: Vec<Fit>,
    base: Vec<f64>,
    gain: f64,
    se: f64,
    low: f64,
    high: f64,
}

impl Row {
    fn diverged(&self) -> bool {
        self.fits.iter().any(|f| f.diverged)
    }
    fn val_mean(&self) -> f64 {
        summary::mean(&self.fits.iter().map(|f| f.val).collect::<Vec<_>>())
    }
    fn secs(&self) -> f64 {
        self.fits.iter().map(|f| f.secs).sum()
    }
}

fn usage(m: impl Into<String>) -> CliError {
    CliError::Usage(m.into())
}

/// Refuse an empty, oversized, duplicated or non-positive grid before any work.
fn check_grid(args: &Args) -> CliResult {
    if args.lr.iter().any(|x| !(x.is_finite() && *x > 0.0)) {
        return Err(usage("--lr values must be positive finite numbers"));
    }
    if args.epochs.contains(&0) {
        return Err(usage("--epochs values must be positive"));
    }
    if args.train == Some(0) {
        return Err(usage("--train must be positive"));
    }
    if args.replicates == 0 || args.replicates > MAX_REPLICATES {
        return Err(usage(format!(
            "--replicates must be between 1 and {MAX_REPLICATES}"
        )));
    }
    if args.jobs == Some(0) {
        return Err(usage("--jobs must be positive"));
    }
    let dup = |name: &str, v: Vec<String>| -> CliResult {
        match v.iter().enumerate().find(|(i, x)| v[..*i].contains(x)) {
            Some((_, x)) => Err(usage(format!("{name} lists {x} twice"))),
            None => Ok(()),
        }
    };
    dup("--lr", args.lr.iter().map(|x| x.to_string()).collect())?;
    dup(
        "--lora-rank",
        args.lora_rank.iter().map(|x| x.to_string()).collect(),
    )?;
    dup(
        "--epochs",
        args.epochs.iter().map(|x| x.to_string()).collect(),
    )?;
    let n = args.lr.len().max(1) * args.lora_rank.len().max(1) * args.epochs.len().max(1);
    if n > MAX_CONFIGS {
        return Err(usage(format!(
            "{n} configurations asked for (--lr × --lora-rank × --epochs); at most {MAX_CONFIGS}: tune in stages, a coarse grid first"
        )));
    }
    Ok(())
}

/// The resolved scenario with `--set` applied (as `run` loads it).
fn load(args: &Args) -> Result<Scenario, CliError> {
    let text = crate::scenario::read_text(&args.scenario).map_err(|e| usage(e.to_string()))?;
    let file = args.scenario.display().to_string();
    crate::scenario::overrides::parse_with_overrides(&text, &file, &args.set)
        .map(|s| s.resolved())
        .map_err(|e| usage(e.to_string()))
}

/// `f(0..n)` on at most `jobs` threads, results in index order.
fn par_map<T: Send>(n: usize, jobs: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, n.max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let v = f(i);
                out.lock().expect("no panic holds the lock")[i] = Some(v);
            });
        }
    });
    out.into_inner()
        .expect("no panic holds the lock")
        .into_iter()
        .map(|v| v.expect("every index computed"))
        .collect()
}

/// What `random` trains on at the first iteration, drawn from tune's streams: N seeds
/// uniformly from D0, rewritten by a fresh teacher of the run's settings.
fn training_set(world: &World, n: usize) -> anyhow::Result<Vec<Example>> {
    let random = selection::from_spec(&StrategySpec::named("random"), STREAM_LABEL)
        .expect("random is a registered strategy");
    let scores = SeedScores {
        n: world.d0.len(),
        ..Default::default()
    };
    let mut rng = world.run_stream(STREAM_LABEL, 0, "select").rng();
    let parents = random.select(&scores, n, &mut rng)?;
    let mut teacher = steps::new_teacher(world);
    let key = world.run_stream(STREAM_LABEL, 0, "generate");
    let generated = steps::generate(world, &mut teacher, &key, &parents, 0)?;
    Ok(generated.into_iter().map(|g| g.example).collect())
}

/// Fine-tune the world's base on `train` with `config`, as the Student actor of `run`
/// does at the first iteration.
fn fit(world: &World, train: &[Example], spec: &StudentSpec, c: Config) -> anyhow::Result<Fit> {
    if train.is_empty() {
        // Nothing generated: `run` keeps the base.
        return Ok(Fit {
            val: world.record.base_val_accuracy,
            best_epoch: 0,
            diverged: false,
            secs: 0.0,
        });
    }
    train_fit(world, train, spec, c)
}

/// Fine-tune the base on `train` plus the world's rehearsal set, whatever `train` holds:
/// with `train` empty this is the rehearsal-only control ([`control`]).
fn train_fit(
    world: &World,
    train: &[Example],
    spec: &StudentSpec,
    c: Config,
) -> anyhow::Result<Fit> {
    let start = Instant::now();
    let mut spec = spec.clone();
    spec.learning_rate = c.lr;
    spec.lora_rank = c.rank;
    spec.epochs = c.epochs;
    let tc = TrainConfig::from(&spec);
    let mut rng = world.run_stream(STREAM_LABEL, 0, "train").rng();
    let (model, rep) = steps::finetune(world, train, &tc, &mut rng, 0)?;
    let diverged = rep.epoch_loss.iter().any(|l| !l.is_finite())
        || model.params.iter().any(|p| !p.is_finite());
    Ok(Fit {
        val: if rep.best_val_score.is_nan() {
            0.0
        } else {
            rep.best_val_score
        },
        best_epoch: rep.best_epoch.map_or(0, |e| e + 1),
        diverged,
        secs: start.elapsed().as_secs_f64(),
    })
}

/// Paired gains over the base's validation accuracy: mean, SE and 95% t-interval (NaN
/// with one replicate).
fn row(config: Config, fits: Vec<Fit>, base: &[f64]) -> Row {
    let val: Vec<f64> = fits.iter().map(|f| f.val).collect();
    let g = paired_gain(&val, base, 0.95).expect("one finite value per replicate");
    let d: Vec<f64> = val.iter().zip(base).map(|(v, b)| v - b).collect();
    let se = if d.len() >= 2 {
        summary::std_err(&d)
    } else {
        f64::NAN
    };
    Row {
        config,
        fits,
        base: base.to_vec(),
        gain: g.mean,
        se,
        low: g.low,
        high: g.high,
    }
}

/// The best configuration by mean validation gain among those that did not diverge; ties
/// (to rounding) go to the smaller SE, then to the earlier row.
fn best(rows: &[Row]) -> Option<&Row> {
    rows.iter()
        .filter(|r| !r.diverged())
        .fold(None::<&Row>, |b, r| match b {
            Some(b) if b.gain > r.gain + 1e-9 => Some(b),
            Some(b) if b.gain > r.gain - 1e-9 && (r.se.is_nan() || r.se >= b.se) => Some(b),
            _ => Some(r),
        })
}

/// The closing lines: the best configuration by mean validation gain (ties to the smaller
/// SE, then to the earlier row), whether anything beats the base, and the `[student]`
/// lines to paste.
fn verdict(rows: &[Row], k: usize, n: usize, val_n: u32) -> String {
    let mut s = String::new();
    let Some(best) = best(rows) else {
        return "every configuration diverged: lower the learning rates\n".into();
    };
    let c = best.config;
    let _ = writeln!(
        s,
        "best by mean validation gain: lr {} rank {} epochs {}: validation {:.3}, gain {:+.3}{}",
        c.lr,
        rank_name(c.rank),
        c.epochs,
        best.val_mean(),
        best.gain,
        if k >= 2 {
            format!(" [{:+.3}, {:+.3}] over {k} replicates", best.low, best.high)
        } else {
            " (one replicate: no interval)".into()
        }
    );
    if best.gain <= 0.0 {
        let _ = writeln!(
            s,
            "no configuration beats the base on validation: synthetic SFT on {n} examples does not help in this world with these recipes"
        );
    } else if k >= 2 && best.low <= 0.0 {
        let _ = writeln!(
            s,
            "its gain is within the noise: the 95% interval includes 0 at {k} replicates"
        );
    } else if k >= 2 && best.se == 0.0 {
        let _ = writeln!(
            s,
            "its gain is the same in every replicate, so its interval has no width: a coincidence on {val_n} validation items, not certainty"
        );
    }
    let _ = writeln!(
        s,
        "(validation accuracy is that of the best evaluated epoch, as in `run`, and this is the best of {} configurations on the same validation set: the gain is optimistic; confirm it with `run`)",
        rows.len()
    );
    let _ = write!(
        s,
        "\n[student]\nlearning_rate = {:?}\nlora_rank = {}\nepochs = {}\n(for this task only, the same three keys in its [[tasks]] entry)\n",
        c.lr, c.rank, c.epochs
    );
    s
}

/// Run the subcommand.
pub fn run(args: &Args) -> CliResult {
    check_grid(args)?;
    let scn = load(args)?;
    let task_spec = match &args.task {
        Some(t) => scn.tasks.iter().find(|s| &s.name == t).ok_or_else(|| {
            if crate::tasks::by_name(t).is_none() {
                return usage(super::suggest::unknown(
                    "task",
                    t,
                    &crate::tasks::TASK_NAMES,
                ));
            }
            let names: Vec<&str> = scn.tasks.iter().map(|s| s.name.as_str()).collect();
            usage(format!(
                "task {t} is not in the scenario (its tasks: {})",
                names.join(", ")
            ))
        })?,
        None if scn.tasks.len() == 1 => &scn.tasks[0],
        None => {
            let names: Vec<&str> = scn.tasks.iter().map(|s| s.name.as_str()).collect();
            return Err(usage(format!(
                "the scenario has several tasks ({}): name one with --task",
                names.join(", ")
            )));
        }
    }
    .clone();
    // The task's recipe: its own `epochs`/`learning_rate`/`lora_rank` when it has them.
    let st = task_spec.student(&scn.student);
    let n = args
        .train
        .unwrap_or(task_spec.samples_per_iteration(scn.samples_per_iteration)) as usize;
    if n > task_spec.seed_size as usize {
        return Err(usage(format!(
            "--train {n} is more than D0 holds ({} seeds of {}): ask for fewer",
            task_spec.seed_size, task_spec.name
        )));
    }
    let or = |v: &[u32], d: u32| if v.is_empty() { vec![d] } else { v.to_vec() };
    let lrs = if args.lr.is_empty() {
        vec![st.learning_rate]
    } else {
        args.lr.clone()
    };
    let ranks = or(&args.lora_rank, st.lora_rank);
    let epochs = or(&args.epochs, st.epochs);
    if let Some(r) = ranks.iter().find(|r| **r > st.d_model) {
        return Err(usage(format!(
            "--lora-rank {r} exceeds the student's d_model ({})",
            st.d_model
        )));
    }
    let mut configs = Vec::new();
    for &lr in &lrs {
        for &rank in &ranks {
            for &epochs in &epochs {
                configs.push(Config { lr, rank, epochs });
            }
        }
    }
    let k = args.replicates as usize;
    let jobs = args.jobs.unwrap_or_else(super::default_jobs);
    let cache = args
        .cache_dir
        .clone()
        .unwrap_or_else(crate::student::base::user_cache_dir);
    println!(
        "student tune: scenario {} task {} seed {}, {} configurations × {k} replicate(s), {n} synthetic examples + {} rehearsal, validation set of {} (never the test set)",
        scn.name,
        task_spec.name,
        scn.seed,
        configs.len(),
        st.replay_examples,
        task_spec.val_size
    );
    let scn = Arc::new(scn);
    let tokenizer = Arc::new(crate::teacher::standard_tokenizer());
    let start = Instant::now();
    let worlds: Vec<(World, Vec<Example>)> = par_map(k, jobs, |r| {
        let w = build_world(scn.clone(), &task_spec, r as u32, tokenizer.clone(), &cache)
            .with_context(|| format!("world of replicate {r}"))?;
        let train =
            training_set(&w, n).with_context(|| format!("training set of replicate {r}"))?;
        anyhow::Ok((w, train))
    })
    .into_iter()
    .collect::<anyhow::Result<_>>()
    .map_err(CliError::Failure)?;
    for (w, train) in &worlds {
        println!(
            "replicate {}: base validation accuracy {:.3}; {} of {n} rewrites accepted",
            w.replicate,
            w.record.base_val_accuracy,
            train.len()
        );
    }
    eprintln!(
        "worlds ready in {:.1} s (bases cached in {})",
        start.elapsed().as_secs_f64(),
        cache.display()
    );
    let done = AtomicUsize::new(0);
    let total = configs.len() * k;
    let fits: Vec<Fit> = par_map(total, jobs, |i| {
        let (c, r) = (configs[i / k], i % k);
        let (w, train) = &worlds[r];
        let f = fit(w, train, &st, c).with_context(|| {
            format!(
                "lr {} rank {} epochs {} replicate {r}",
                c.lr, c.rank, c.epochs
            )
        });
        let d = done.fetch_add(1, Ordering::Relaxed) + 1;
        eprintln!(
            "[{d}/{total}] lr {} rank {} epochs {} replicate {r}: {}",
            c.lr,
            rank_name(c.rank),
            c.epochs,
            match &f {
                Ok(f) => format!("validation {:.3} ({:.1} s)", f.val, f.secs),
                Err(e) => format!("failed: {e:#}"),
            }
        );
        f
    })
    .into_iter()
    .collect::<anyhow::Result<_>>()
    .map_err(CliError::Failure)?;
    let base: Vec<f64> = worlds
        .iter()
        .map(|(w, _)| w.record.base_val_accuracy)
        .collect();
    let rows: Vec<Row> = configs
        .iter()
        .zip(fits.chunks(k))
        .map(|(c, f)| row(*c, f.to_vec(), &base))
        .collect();
    println!(
        "\nbase validation accuracy {:.3} (mean of {k}); gain = validation accuracy − the base's, paired by replicate\n",
        summary::mean(&base)
    );
    print!("{}", table(&rows, k));
    println!();
    print!("{}", verdict(&rows, k, n, task_spec.val_size));
    if let (Some(best), true) = (best(&rows), st.replay_examples > 0) {
        let fits: Vec<Fit> = par_map(k, jobs, |r| {
            train_fit(&worlds[r].0, &[], &st, best.config)
                .with_context(|| format!("rehearsal-only control, replicate {r}"))
        })
        .into_iter()
        .collect::<anyhow::Result<_>>()
        .map_err(CliError::Failure)?;
        for (r, f) in fits.iter().enumerate() {
            eprintln!(
                "rehearsal-only control, replicate {r}: validation {:.3} (best epoch {}, {:.1} s)",
                f.val, f.best_epoch, f.secs
            );
        }
        let val: Vec<f64> = fits.iter().map(|f| f.val).collect();
        let best_val: Vec<f64> = best.fits.iter().map(|f| f.val).collect();
        print!(
            "{}",
            control::lines(
                &val,
                &best_val,
                &base,
                st.replay_examples,
                st.pretrain_examples
            )
        );
    }
    if let Some(p) = &args.out {
        write_csv(p, &rows).map_err(CliError::Failure)?;
        println!("\nwrote {}", p.display());
    }
    Ok(())
}
