//! Peak arithmetic rates, so benchmark numbers can be reported as a fraction of what the
//! hardware can do at best.
//!
//! CPU: *measured* with a tight loop of independent 256-bit FMAs (AVX2+FMA, detected at
//! run time, as `matrixmultiply` does) on every thread at once; the result is the f32
//! FMA throughput this machine actually delivers to this process (shared cores included).
//! CUDA: a table of vendor dense peaks by device name.

use std::time::Instant;

/// Measured f32 peak of `threads` threads in GFLOP/s (an FMA counts as 2 FLOPs), or
/// `None` when AVX2+FMA are not available (then no honest peak is known).
pub fn cpu_peak_gflops(threads: usize) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        if !(std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma"))
        {
            return None;
        }
        let threads = threads.max(1);
        let iters: u64 = 20_000_000;
        let start = Instant::now();
        let sink: f32 = std::thread::scope(|s| {
            let hs: Vec<_> = (0..threads)
                .map(|t| {
                    s.spawn(move || {
                        // SAFETY: the features were detected above.
                        unsafe { fma_loop(iters, t as f32) }
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap_or(0.0)).sum()
        });
        let secs = start.elapsed().as_secs_f64();
        std::hint::black_box(sink);
        // 10 accumulators × 8 lanes × 2 FLOPs per iteration.
        Some((threads as u64 * iters * 10 * 8 * 2) as f64 / secs / 1e9)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = threads;
        None
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fma_loop(iters: u64, seed: f32) -> f32 {
    use std::arch::x86_64::*;
    let a = _mm256_set1_ps(0.999_999);
    let b = _mm256_set1_ps(1e-7);
    // Ten independent chains hide the FMA latency on two pipes.
    let mut acc = [_mm256_set1_ps(seed); 10];
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
