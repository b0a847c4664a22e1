//! Peak arithmetic rates, so benchmark numbers can be reported as a fraction of what the
//! hardware can do at best.
//!
//! CPU: *measured* with independent FMAs of the widest vectors the CPU has — 512-bit
//! (AVX-512F) where present, else 256-bit (AVX2+FMA), detected at run time as
//! `matrixmultiply` does when it picks its kernel — on every thread at once. (An AVX2-only
//! loop on an AVX-512 machine reads half the peak that the GEMMs actually run against, and
//! "of peak" would then be inflated up to 2×.) One long window on a shared machine
//! reads whatever share of the core the other tenants left (43–63 GFLOP/s was seen for a
//! core that delivers 103), so each thread times [`WINDOWS`] short windows and keeps its
//! best: the rate the core delivers when this process has it, which is what "of peak"
//! should divide by. Twelve chains cover the FMA latency (4 cycles) on two pipes with
//! room to spare. The nominal figure (pipes × lanes × 2 × clock) is printed beside it.
//! CUDA: a table of vendor dense peaks by device name.

use std::time::Instant;

/// Short timing windows per thread; the best one counts.
pub const WINDOWS: usize = 200;
/// FMA iterations per window (12 chains × 8 or 16 lanes × 2 FLOPs each: ~0.5 ms at
/// 100 GFLOP/s with 8 lanes).
const ITERS_PER_WINDOW: u64 = 25_000;
const CHAINS: usize = 12;

/// Measured f32 peak of one core and of `threads` threads together, in GFLOP/s (an FMA
/// counts as 2 FLOPs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CpuPeak {
    /// Best window of the fastest thread.
    pub per_core: f64,
    /// Sum over the threads of each one's best window (all running at once).
    pub all_threads: f64,
    pub threads: usize,
    /// The vector width measured: 8 (AVX2) or 16 (AVX-512) f32 lanes.
    pub lanes: u32,
}

/// Measure the f32 FMA peak on `threads` threads at once, or `None` when AVX2+FMA are not
/// available (then no honest peak is known).
pub fn cpu_peak(threads: usize) -> Option<CpuPeak> {
    #[cfg(target_arch = "x86_64")]
    {
        if !(std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma"))
        {
            return None;
        }
        let threads = threads.max(1);
        let lanes = if std::arch::is_x86_feature_detected!("avx512f") {
            16
        } else {
            8
        };
        let best: Vec<f64> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..threads)
                .map(|t| s.spawn(move || best_window_gflops(t as f32, lanes)))
                .collect();
            // A measuring thread that panicked contributes no throughput to the peak
            // estimate (a hint for reports, never a result).
            hs.into_iter().map(|h| h.join().unwrap_or(0.0)).collect()
        });
        Some(CpuPeak {
            per_core: best.iter().copied().fold(0.0, f64::max),
            all_threads: best.iter().sum(),
            threads,
            lanes,
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = threads;
        None
    }
}

/// The f32 peak of `threads` threads in GFLOP/s (see [`cpu_peak`]).
pub fn cpu_peak_gflops(threads: usize) -> Option<f64> {
    cpu_peak(threads).map(|p| p.all_threads)
}

#[cfg(target_arch = "x86_64")]
fn best_window_gflops(seed: f32, lanes: u32) -> f64 {
    let flops = (ITERS_PER_WINDOW * CHAINS as u64 * lanes as u64 * 2) as f64;
    let mut best = 0.0f64;
    let mut sink = 0.0f32;
    for _ in 0..WINDOWS {
        let start = Instant::now();
        // SAFETY: the caller checked AVX2 and FMA, and AVX-512F for 16 lanes.
        sink += unsafe {
            if lanes == 16 {
                fma_loop_512(ITERS_PER_WINDOW, seed)
            } else {
                fma_loop(ITERS_PER_WINDOW, seed)
            }
        };
        let secs = start.elapsed().as_secs_f64();
        if secs > 0.0 {
            best = best.max(flops / secs / 1e9);
        }
    }
    std::hint::black_box(sink);
    best
}

/// Nominal f32 peak of one core from the data-sheet arithmetic: `pipes` FMA pipes ×
/// `lanes` × 2 FLOPs × the clock in /proc/cpuinfo (the current clock, so a turbo core can
/// exceed it; and many AVX-512 cores run 512-bit FMAs at a lower clock or on one pipe).
/// `None` when the clock is not readable.
pub fn nominal_core_gflops(pipes: u32, lanes: u32) -> Option<f64> {
    let mhz: f64 = std::fs::read_to_string("/proc/cpuinfo")
        .ok()?
        .lines()
        .find(|l| l.starts_with("cpu MHz"))?
        .split(':')
        .nth(1)?
        .trim()
        .parse()
        .ok()?;
    Some(pipes as f64 * lanes as f64 * 2.0 * mhz / 1e3)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn fma_loop_512(iters: u64, seed: f32) -> f32 {
    use std::arch::x86_64::*;
    let a = _mm512_set1_ps(0.999_999);
    let b = _mm512_set1_ps(1e-7);
    let mut acc = [_mm512_set1_ps(seed); CHAINS];
    for _ in 0..iters {
        for x in acc.iter_mut() {
            *x = _mm512_fmadd_ps(*x, a, b);
        }
    }
    let mut s = acc[0];
    for x in &acc[1..] {
        s = _mm512_add_ps(s, *x);
    }
    _mm512_reduce_add_ps(s)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fma_loop(iters: u64, seed: f32) -> f32 {
    use std::arch::x86_64::*;
    let a = _mm256_set1_ps(0.999_999);
    let b = _mm256_set1_ps(1e-7);
    // Independent chains hide the FMA latency on two pipes.
    let mut acc = [_mm256_set1_ps(seed); CHAINS];
    for _ in 0..iters {
        for x in acc.iter_mut() {
            *x = _mm256_fmadd_ps(*x, a, b);
        }
    }
    let mut out = [0.0f32; 8];
    let mut s = acc[0];
    for x in &acc[1..] {
        s = _mm256_add_ps(s, *x);
    }
    _mm256_storeu_ps(out.as_mut_ptr(), s);
    out.iter().sum()
}

/// Vendor dense peaks (bf16 tensor-core, f32 CUDA-core) in TFLOP/s for known devices.
pub fn cuda_peak_tflops(device_name: &str) -> Option<(f64, f64)> {
    let n = device_name.to_ascii_uppercase();
    if n.contains("H100") && n.contains("PCIE") {
        Some((756.0, 51.0))
    } else if n.contains("H100") || n.contains("H200") || n.contains("GH200") {
        Some((989.0, 67.0))
    } else if n.contains("A100") {
        Some((312.0, 19.5))
    } else if n.contains("L40S") {
        Some((362.0, 91.6))
    } else {
        None
    }
}

/// One-line description of this CPU (model name and logical core count).
pub fn cpu_description() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{model}, {} logical cores", super::default_threads())
}

#[cfg(test)]
mod tests {
    #[test]
    fn peak_of_two_threads_is_the_sum_of_their_best_windows() {
        // Not a speed assertion: only the bookkeeping (one best window per thread).
        if let Some(p) = super::cpu_peak(2) {
            assert_eq!(p.threads, 2);
            assert!(p.per_core > 0.0 && p.per_core.is_finite());
            assert!(p.all_threads >= p.per_core && p.all_threads <= 2.0 * p.per_core);
        }
    }

    #[test]
    fn peak_table_knows_h100() {
        assert_eq!(
            super::cuda_peak_tflops("NVIDIA H100 80GB HBM3"),
            Some((989.0, 67.0))
        );
        assert_eq!(
            super::cuda_peak_tflops("NVIDIA H100 PCIe"),
            Some((756.0, 51.0))
        );
        assert_eq!(super::cuda_peak_tflops("Some GPU"), None);
    }
}
