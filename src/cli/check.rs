//! `activesynth check SCENARIO.toml`: validate a scenario and print it with every default
//! filled in, so a user sees exactly what `run` would do before spending CPU time —
//! followed by what it will cost (peak memory, tokens to train and decode, a rough time
//! at this machine's measured throughput), as TOML comments so stdout stays valid TOML.
//!
//! `run` goes through the same [`load_feasible`]: whatever `check` refuses, `run`
//! refuses before any work, with the same one-line `FILE:LINE:COL: field …` message.

use super::{CliError, CliResult};
use crate::scenario::feasibility::{self, Estimate, Limits};
use crate::scenario::overrides;
use crate::scenario::{self, Scenario};
use crate::student::{self, Model, ModelConfig, Sequence, TrainConfig};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `activesynth check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (TOML) to validate.
    pub scenario: PathBuf,
    /// Refuse when the estimated peak memory exceeds this (e.g. 4G, 512M; default: the
    /// machine's available memory).
    #[arg(long)]
    pub max_memory: Option<String>,
    /// Runs computing at once, as `run --jobs` (the memory estimate scales with it).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Override a scenario value, as `run --set` does (repeatable); each override's
    /// resolved value is echoed as a comment above the scenario.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// The limits of `--max-memory` and `--jobs` (default: available memory, all cores).
pub fn limits(max_memory: Option<&str>, jobs: Option<usize>) -> Result<Limits, CliError> {
    let jobs = jobs.unwrap_or_else(super::default_jobs);
    if jobs == 0 {
        return Err(CliError::Usage("--jobs must be at least 1".into()));
    }
    let max_memory = match max_memory {
        Some(s) => feasibility::parse_bytes(s)
            .map_err(|e| CliError::Usage(format!("--max-memory: {e}")))?,
        None => feasibility::available_memory().unwrap_or(f64::INFINITY),
    };
    Ok(Limits { max_memory, jobs })
}

/// Parse, validate, bound and estimate a scenario text: the resolved scenario and its
/// estimate, or a usage error located in the text. The in-process entry point of
/// `check` (the fuzz test drives it directly).
pub fn check_text(
    text: &str,
    file: &str,
    sets: &[String],
    limits: &Limits,
) -> Result<(Scenario, Estimate), CliError> {
    let scn = overrides::parse_with_overrides(text, file, sets)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let scn = scn.resolved();
    let est = feasibility::assess(&scn, limits).map_err(|e| {
        CliError::Usage(scenario::located(text, file, &e.field, &e.message).to_string())
    })?;
    Ok((scn, est))
}

/// Read a scenario file (refusing non-regular and oversized files), apply `--set`
/// overrides and [`check_text`] it.
pub fn load_feasible(
    path: &Path,
    sets: &[String],
    limits: &Limits,
) -> Result<(Scenario, Estimate), CliError> {
    let text = scenario::read_text(path).map_err(|e| CliError::Usage(e.to_string()))?;
    check_text(&text, &path.display().to_string(), sets, limits)
}

/// One line: peak memory against the limit, training and decoding tokens.
pub fn estimate_line(est: &Estimate, limits: &Limits) -> String {
    let limit = if limits.max_memory.is_finite() {
        format!(" (limit {})", feasibility::human_bytes(limits.max_memory))
    } else {
        String::new()
    };
    format!(
        "~{} peak memory{limit}, {:.2} M student parameters, ~{} training tokens, ~{} decoding and scoring tokens, {} runs ({} at once)",
        feasibility::human_bytes(est.peak_bytes),
        est.params / 1e6,
        feasibility::human_count(est.train_tokens),
        feasibility::human_count(est.decode_tokens),
        est.runs,
        est.parallel
    )
}

/// Floating-point rates (training, decoding) of one run's thread on this machine,
/// measured in a fraction of a second on a student of the scenario's shape (the default
/// student when the scenario's is too large to time quickly) and vocabulary size.
///
/// The first training epoch and the first decode are warm-up and are not timed: a
/// measurement of two optimiser steps from cold read 5.8 GFLOP/s where real fine-tuning
/// ran at several times that, and `check` estimated 2.8 h for a compare.toml run that
/// took 21 min.
pub fn measured_rates(scn: &Scenario, est: &Estimate) -> (f64, f64) {
    let spec = if est.params <= 2e6 {
        scn.student.clone()
    } else {
        crate::scenario::StudentSpec::default()
    };
    let ctx = (spec.context as usize).min(128);
    let vocab = 400;
    let cfg = ModelConfig {
        vocab,
        layers: spec.layers as usize,
        d_model: spec.d_model as usize,
        heads: spec.heads as usize,
        d_ff: spec.d_ff as usize,
        context: ctx,
    };
    let mut rng = crate::rng::StreamKey::shared(0, "check", 0, "throughput").rng();
    let mut model = Model::new(cfg, &mut rng);
    let n = cfg.n_params() as f64;
    let half = (ctx / 4).max(2) as u32;
    let tok = |i: u32, j: u32, m: u32| 4 + (i * m + j * 3) % (vocab as u32 - 4);
    let seqs: Vec<Sequence> = (0..96u32)
        .map(|i| Sequence {
            prompt: (0..half).map(|j| tok(i, j, 7)).collect(),
            answer: (0..half).map(|j| tok(i, j, 13)).collect(),
        })
        .collect();
    let tc = TrainConfig {
        epochs: 1,
        min_steps: 0,
        ..TrainConfig::from(&spec)
    };
    student::train(&mut model, &seqs, &tc, &mut rng, |_| 0.0);
    let tc = TrainConfig { epochs: 2, ..tc };
    let t = Instant::now();
    let rep = student::train(&mut model, &seqs, &tc, &mut rng, |_| 0.0);
    let train_rate = rep.tokens as f64 * 6.0 * n / t.elapsed().as_secs_f64().max(1e-6);
    let prompts: Vec<Vec<u32>> = seqs[..64].iter().map(|s| s.prompt.clone()).collect();
    student::greedy_decode(&model, &prompts[..16], half as usize);
    let t = Instant::now();
    let out = student::greedy_decode(&model, &prompts, half as usize);
    let toks: usize = out.iter().map(|o| o.len()).sum::<usize>() + 64 * half as usize;
    let decode_rate = toks as f64 * 2.0 * n / t.elapsed().as_secs_f64().max(1e-6);
    (train_rate, decode_rate)
}

/// `~25 min`, `~3.2 h`, `~40 s`, `~2.5 days`.
pub fn human_duration(s: f64) -> String {
    if s < 90.0 {
        format!("~{s:.0} s")
    } else if s < 5400.0 {
        format!("~{:.0} min", s / 60.0)
    } else if s < 2.0 * 86400.0 {
        format!("~{:.1} h", s / 3600.0)
    } else {
        format!("~{:.1} days", s / 86400.0)
    }
}

/// Validate; on success print the resolved scenario as TOML to stdout, then the
/// estimate as comments. A malformed or infeasible file is a usage error (exit 2) with a
/// one-line `FILE:LINE:COL: field ...` message.
pub fn run(args: &Args) -> CliResult {
    let limits = limits(args.max_memory.as_deref(), args.jobs)?;
    let (scn, est) = load_feasible(&args.scenario, &args.set, &limits)?;
    // Echo what each override resolved to, so a typo'd path or a bare string taken
    // literally shows up before a run spends CPU time on it.
    for raw in &args.set {
        let key = raw.split_once('=').map_or(raw.as_str(), |(k, _)| k.trim());
        let value = overrides::resolved_value(&scn, key).unwrap_or_else(|| "(unset)".into());
        println!("# --set {raw}  →  {key} = {value}");
    }
    for n in crate::scenario::advice::notices(&scn) {
        println!("# notice: {n}");
    }
    print!("{}", scn.to_toml());
    let (train_rate, decode_rate) = measured_rates(&scn, &est);
    let secs =
        (est.train_flops / train_rate + est.decode_flops / decode_rate) / est.parallel as f64;
    println!("\n# estimate: {}", estimate_line(&est, &limits));
    println!(
        "# estimate: {} on this machine at the measured throughput ({:.2} GFLOP/s training, {:.2} GFLOP/s decoding per run; rough)",
        human_duration(secs),
        train_rate / 1e9,
        decode_rate / 1e9
    );
    Ok(())
}
