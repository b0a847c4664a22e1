//! `activesynth student bench`: time the student's training step and greedy decoding at
//! the standard workload sizes (`student::workload`), one thread, and print one JSON line
//! per (size, work) on stdout: per-thread CPU-time median, min and max over the timed
//! repetitions, the wall-time median, and the FLOPs of one repetition. This is the Rust
//! half of the peer benchmark (`benches/peer/`): `student_torch.py` prints the same lines
//! for the same model in PyTorch, and `run.py` alternates the two and prints the ratios.

use super::{CliError, CliResult};
use crate::engine::phases::{process_cpu_s, thread_cpu_s};
use crate::student::workload::{self, Size};
use crate::student::{greedy_decode, TrainConfig, Trainer};
use serde::Serialize;
use std::time::Instant;

/// Arguments of `student bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Comma-separated sizes: 2L-d64, 4L-d128.
    #[arg(long, value_delimiter = ',', default_value = "2L-d64,4L-d128")]
    pub sizes: Vec<String>,
    /// Comma-separated work: train (one forward, backward, clip and AdamW step on
    /// 24 × 62 tokens), decode (64 prompts × 20 new tokens, greedy, KV cache).
    #[arg(long, value_delimiter = ',', default_value = "train,decode")]
    pub work: Vec<String>,
    /// Timed repetitions (the median is reported).
    #[arg(long, default_value_t = 10)]
    pub reps: usize,
    /// Untimed repetitions first.
    #[arg(long, default_value_t = 2)]
    pub warmup: usize,
}

/// One measured (size, work): the line printed, also what the Python peer prints.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Line {
    #[serde(rename = "impl")]
    pub implementation: String,
    pub size: String,
    pub work: String,
    pub params: usize,
    pub reps: usize,
    /// Per-thread CPU seconds of one repetition: median, min, max.
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    /// Wall seconds of one repetition, median.
    pub wall_median_s: f64,
    /// CPU seconds of the whole process (every thread) per repetition, median: equal to
    /// `median_s` up to clock resolution unless helper threads did part of the work.
    pub process_median_s: f64,
    /// FLOPs of one repetition (`student::workload`).
    pub flops: f64,
    /// Tokens of one repetition: training rows, or new tokens decoded.
    pub tokens: usize,
}

/// Median of a non-empty sample (mean of the middle two for an even count).
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Per-repetition seconds of the timed calls.
struct Samples {
    cpu: Vec<f64>,
    wall: Vec<f64>,
    process: Vec<f64>,
}

/// Run `f` `warmup` times untimed, then `reps` times, returning the thread-CPU, wall and
/// process-CPU seconds of each timed call.
fn time(warmup: usize, reps: usize, mut f: impl FnMut()) -> Result<Samples, CliError> {
    for _ in 0..warmup {
        f();
    }
    let no_clock = || CliError::Failure(anyhow::anyhow!("no per-thread CPU clock on this system"));
    let mut s = Samples {
        cpu: Vec::with_capacity(reps),
        wall: Vec::with_capacity(reps),
        process: Vec::with_capacity(reps),
    };
    for _ in 0..reps {
        let (p0, c0, w0) = (process_cpu_s(), thread_cpu_s(), Instant::now());
        f();
        let w = w0.elapsed().as_secs_f64();
        let (c1, p1) = (thread_cpu_s(), process_cpu_s());
        s.wall.push(w);
        s.cpu
            .push(c1.ok_or_else(no_clock)? - c0.ok_or_else(no_clock)?);
        s.process.push(match (p0, p1) {
            (Some(a), Some(b)) => b - a,
            _ => f64::NAN,
        });
    }
    Ok(s)
}

fn line(size: &Size, work: &str, reps: usize, s: &Samples, flops: f64, tokens: usize) -> Line {
    Line {
        implementation: "rust".into(),
        size: size.name.into(),
        work: work.into(),
        params: size.cfg.n_params(),
        reps,
        median_s: median(&s.cpu),
        min_s: s.cpu.iter().copied().fold(f64::INFINITY, f64::min),
        max_s: s.cpu.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        wall_median_s: median(&s.wall),
        process_median_s: median(&s.process),
        flops,
        tokens,
    }
}

/// Measure one (size, work).
pub fn measure(size: &Size, work: &str, reps: usize, warmup: usize) -> Result<Line, CliError> {
    let c = size.cfg;
    match work {
        "train" => {
            let mut model = workload::model(c);
            let batch = workload::train_batch(&c);
            let mut trainer = Trainer::new(&model);
            let tc = TrainConfig::default();
            let s = time(warmup, reps, || {
                std::hint::black_box(trainer.step(&mut model, &batch, workload::LR, &tc));
            })?;
            let flops = workload::train_step_flops(&c, &batch);
            Ok(line(size, work, reps, &s, flops, batch.rows()))
        }
        "decode" => {
            let mut model = workload::model(c);
            workload::never_emit_eos(&mut model);
            let prompts = workload::decode_prompts();
            let mut produced = 0;
            let s = time(warmup, reps, || {
                let out = greedy_decode(&model, &prompts, workload::DECODE_NEW);
                produced = out.iter().map(|o| o.len()).sum();
            })?;
            let want = prompts.len() * workload::DECODE_NEW;
            if produced != want {
                return Err(CliError::Failure(anyhow::anyhow!(
                    "decode produced {produced} tokens, expected {want}"
                )));
            }
            let plen = prompts[0].len();
            let flops = workload::decode_flops(&c, prompts.len(), plen, workload::DECODE_NEW);
            Ok(line(size, work, reps, &s, flops, produced))
        }
        other => Err(CliError::Usage(format!(
            "unknown --work {other:?} (use train or decode)"
        ))),
    }
}

/// Entry point.
pub fn run(a: &Args) -> CliResult {
    if a.reps == 0 {
        return Err(CliError::Usage("--reps must be at least 1".into()));
    }
    let sizes = a
        .sizes
        .iter()
        .map(|n| {
            workload::size(n).ok_or_else(|| {
                let known: Vec<&str> = workload::SIZES.iter().map(|s| s.name).collect();
                CliError::Usage(format!("unknown size {n:?} (known: {})", known.join(", ")))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    for s in &sizes {
        for w in &a.work {
            let l = measure(s, w, a.reps, a.warmup)?;
            eprintln!(
                "rust {} {}: median {:.2} ms CPU ({:.2} – {:.2}), {:.1} GFLOP/s",
                l.size,
                l.work,
                l.median_s * 1e3,
                l.min_s * 1e3,
                l.max_s * 1e3,
                l.flops / l.median_s * 1e-9
            );
            println!(
                "{}",
                serde_json::to_string(&l).map_err(|e| CliError::Failure(e.into()))?
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_samples() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn a_measured_line_carries_the_workload_counts() {
        let s = workload::size("2L-d64").unwrap();
        let l = measure(&s, "decode", 1, 0).unwrap();
        assert_eq!(
            (l.implementation.as_str(), l.tokens, l.params),
            ("rust", 1280, 161_536)
        );
        assert_eq!(l.flops, workload::decode_flops(&s.cfg, 64, 42, 20));
        assert!(l.min_s <= l.median_s && l.median_s <= l.max_s);
        let t = measure(&s, "train", 1, 0).unwrap();
        assert_eq!(t.tokens, 1488);
        let json = serde_json::to_string(&t).unwrap();
        assert!(
            json.starts_with("{\"impl\":\"rust\",\"size\":\"2L-d64\",\"work\":\"train\""),
            "{json}"
        );
        assert!(matches!(measure(&s, "fit", 1, 0), Err(CliError::Usage(_))));
    }
}
