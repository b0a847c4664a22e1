//! `activesynth bench-kernels`: time every scoring kernel at standard sizes, print
//! throughput and the fraction of the device's peak, save a JSON baseline and check
//! against one (exit 1 when a kernel is slower than baseline by more than the tolerance).

use super::{CliError, CliResult};
use crate::scoring::workload::{self, Size, Workload};
use crate::scoring::{peak, select_backend, Device, ScoringBackend};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Arguments of `bench-kernels`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Backend: auto (CUDA when available), cpu or cuda.
    #[arg(long, value_enum, default_value_t = Device::Auto)]
    pub device: Device,
    /// Comma-separated sizes: small, medium, llm (llm runs on CUDA only).
    #[arg(long, value_delimiter = ',', default_value = "small,medium")]
    pub sizes: Vec<String>,
    /// Timed repetitions per kernel (after one warm-up); the median is reported.
    #[arg(long, default_value_t = 3)]
    pub reps: usize,
    /// Write the results as a JSON baseline.
    #[arg(long)]
    pub save: Option<std::path::PathBuf>,
    /// Compare against a JSON baseline; exit 1 on a regression beyond the tolerance.
    #[arg(long)]
    pub check: Option<std::path::PathBuf>,
    /// Allowed slowdown against the baseline, e.g. "10%" or "0.1".
    #[arg(long, default_value = "10%")]
    pub tolerance: String,
}

/// One timed kernel.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Entry {
    pub backend: String,
    pub size: String,
    pub kernel: String,
    pub dtype: String,
    pub median_s: f64,
    pub gflops: f64,
    /// Achieved / peak (CPU: measured f32 FMA peak; CUDA: f32 CUDA-core peak).
    pub frac_peak: Option<f64>,
}

/// A saved baseline.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Baseline {
    pub machine: String,
    pub peak_gflops: Option<f64>,
    pub peak_note: String,
    pub entries: Vec<Entry>,
}

/// Parse "10%" or "0.1" into a fraction.
pub fn parse_tolerance(s: &str) -> Result<f64, CliError> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| CliError::Usage(format!("bad --tolerance {s:?} (use e.g. 10% or 0.1)")))?;
    if !(v.is_finite() && v >= 0.0) {
        return Err(CliError::Usage(format!(
            "--tolerance must be non-negative, got {s:?}"
        )));
    }
    Ok(v)
}

/// Entries of `now` slower than their baseline counterpart by more than `tol`:
/// (entry, baseline seconds). Matching is by backend, size and kernel.
pub fn regressions<'a>(now: &'a [Entry], base: &Baseline, tol: f64) -> Vec<(&'a Entry, f64)> {
    now.iter()
        .filter_map(|e| {
            base.entries
                .iter()
                .find(|b| b.backend == e.backend && b.size == e.size && b.kernel == e.kernel)
                .filter(|b| e.median_s > b.median_s * (1.0 + tol))
                .map(|b| (e, b.median_s))
        })
        .collect()
}

fn median_time(reps: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    f()?; // warm-up (also compiles/uploads on first CUDA use)
    let mut ts = Vec::with_capacity(reps);
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        f()?;
        ts.push(t.elapsed().as_secs_f64());
    }
    ts.sort_by(f64::total_cmp);
    Ok(ts[ts.len() / 2])
}

fn bench_size(
    b: &dyn ScoringBackend,
    s: Size,
    reps: usize,
    peak_gflops: Option<f64>,
) -> anyhow::Result<Vec<Entry>> {
    let w = Workload::generate(s, 7);
    let x = w.input();
    let dtype = format!("{:?}", s.dtype).to_lowercase();
    let mut out = Vec::new();
    let mut push = |kernel: &str, secs: f64, flops: f64| {
        let gflops = flops / secs / 1e9;
        out.push(Entry {
            backend: b.name().to_string(),
            size: s.name.to_string(),
            kernel: kernel.to_string(),
            dtype: dtype.clone(),
            median_s: secs,
            gflops,
            frac_peak: peak_gflops.map(|p| gflops / p),
        });
    };
    let t = median_time(reps, || {
        std::hint::black_box(b.seq_loss(&x)?);
        Ok(())
    })?;
    push("seq_loss", t, s.flops_seq_loss());
    let t = median_time(reps, || {
        std::hint::black_box(b.grad_embed(&x, &w.proj)?);
        Ok(())
    })?;
    push("grad_embed", t, s.flops_grad_embed());
    let mut d2 = w.dist2.clone();
    let t = median_time(reps, || {
        b.kmeanspp_update(&w.points, &w.centre, &mut d2)?;
        Ok(())
    })?;
    push("kmeanspp_update", t, s.flops_bytes_kmeans().0);
    Ok(out)
}

/// Run the command.
pub fn run(args: &Args) -> CliResult {
    let tol = parse_tolerance(&args.tolerance)?;
    let mut sizes = Vec::new();
    for n in &args.sizes {
        sizes.push(
            workload::size(n.trim()).ok_or_else(|| {
                CliError::Usage(format!("unknown size {n:?} (small, medium, llm)"))
            })?,
        );
    }
    let baseline: Option<Baseline> = match &args.check {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| {
                CliError::Usage(format!("cannot read baseline {}: {e}", p.display()))
            })?;
            Some(
                serde_json::from_str(&text)
                    .map_err(|e| CliError::Usage(format!("bad baseline {}: {e}", p.display())))?,
            )
        }
        None => None,
    };
    let backend = select_backend(args.device);
    let (machine, peak_gflops, peak_note) = if backend.name() == "cpu" {
        let threads = crate::scoring::default_threads();
        let p = peak::cpu_peak(threads);
        let nominal = |lanes| {
            peak::nominal_core_gflops(2, lanes)
                .map(|g| format!("; nominal {g:.0} per core at the current clock with 2 FMA pipes"))
                .unwrap_or_default()
        };
        let note = match p {
            Some(p) => format!(
                "measured f32 FMA peak ({}-bit vectors), best of {} short windows per thread: \
                 {:.1} GFLOP/s per core, {:.1} on the {} threads used{}",
                p.lanes * 32,
                peak::WINDOWS,
                p.per_core,
                p.all_threads,
                p.threads,
                nominal(p.lanes)
            ),
            None => "no AVX2+FMA: peak unknown".to_string(),
        };
        (peak::cpu_description(), p.map(|p| p.all_threads), note)
    } else {
        let name = crate::scoring::cuda::CudaBackend::try_new(0)
            .map(|c| c.device_name().to_string())
            .unwrap_or_default();
        let p = peak::cuda_peak_tflops(&name);
        let note = match p {
            Some((bf, f)) => format!(
                "vendor dense peaks: {bf} TFLOP/s bf16, {f} TFLOP/s f32; fraction is of f32"
            ),
            None => "unknown device: no peak table entry".into(),
        };
        (name, p.map(|(_, f)| f * 1e3), note)
    };
    println!(
        "bench-kernels on {} ({machine}); peak: {peak_note}",
        backend.name()
    );
    println!(
        "{:<8} {:<16} {:<5} {:>11} {:>11} {:>9}",
        "size", "kernel", "dtype", "median ms", "GFLOP/s", "of peak"
    );
    let mut entries = Vec::new();
    for s in sizes {
        if s.name == "llm" && backend.name() == "cpu" {
            println!("{:<8} skipped: the LLM-like size needs CUDA", s.name);
            continue;
        }
        let es =
            bench_size(backend.as_ref(), s, args.reps, peak_gflops).map_err(CliError::Failure)?;
        for e in &es {
            let frac = e
                .frac_peak
                .map(|f| format!("{:.1}%", 100.0 * f))
                .unwrap_or_else(|| "-".into());
            println!(
                "{:<8} {:<16} {:<5} {:>11.3} {:>11.2} {:>9}",
                e.size,
                e.kernel,
                e.dtype,
                e.median_s * 1e3,
                e.gflops,
                frac
            );
        }
        entries.extend(es);
    }
    if let Some(p) = &args.save {
        let b = Baseline {
            machine: machine.clone(),
            peak_gflops,
            peak_note: peak_note.clone(),
            entries: entries.clone(),
        };
        let json = serde_json::to_string_pretty(&b).map_err(|e| CliError::Failure(e.into()))?;
        std::fs::write(p, json + "\n")
            .map_err(|e| CliError::Failure(anyhow::anyhow!("writing {}: {e}", p.display())))?;
        println!("saved baseline to {}", p.display());
    }
    if let Some(base) = &baseline {
        let bad = regressions(&entries, base, tol);
        for (e, was) in &bad {
            println!(
                "REGRESSION {} {} {}: {:.3} ms vs baseline {:.3} ms (> {:.0}% slower allowed)",
                e.backend,
                e.size,
                e.kernel,
                e.median_s * 1e3,
                was * 1e3,
                tol * 100.0
            );
        }
        if !bad.is_empty() {
            return Err(CliError::Failure(anyhow::anyhow!(
                "{} kernel(s) regressed beyond {:.0}%",
                bad.len(),
                tol * 100.0
            )));
        }
        println!(
            "no regression beyond {:.0}% against the baseline",
            tol * 100.0
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kernel: &str, s: f64) -> Entry {
        Entry {
            backend: "cpu".into(),
            size: "small".into(),
            kernel: kernel.into(),
            dtype: "f32".into(),
            median_s: s,
            gflops: 1.0,
            frac_peak: None,
        }
    }

    #[test]
    fn tolerance_parsing() {
        assert_eq!(parse_tolerance("10%").unwrap(), 0.1);
        assert_eq!(parse_tolerance("0.25").unwrap(), 0.25);
        assert!(parse_tolerance("-5%").is_err());
        assert!(parse_tolerance("fast").is_err());
    }

    #[test]
    fn regression_only_beyond_tolerance() {
        let base = Baseline {
            machine: "m".into(),
            peak_gflops: None,
            peak_note: String::new(),
            entries: vec![entry("seq_loss", 1.0), entry("grad_embed", 2.0)],
        };
        let now = vec![
            entry("seq_loss", 1.09),
            entry("grad_embed", 2.21),
            entry("kmeanspp_update", 9.0),
        ];
        let r = regressions(&now, &base, 0.10);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0.kernel, "grad_embed");
        assert_eq!(r[0].1, 2.0);
    }
}
