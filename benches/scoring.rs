//! Criterion benches of the scoring kernels: CPU at the small (simulated student) and
//! medium sizes, and CUDA (including the LLM-like bf16 size) when a GPU is present.
//! Throughput is reported in elements (FLOPs as counted in `scoring::workload`).

use activesynth::scoring::cpu::CpuBackend;
use activesynth::scoring::workload::{size, Workload};
use activesynth::scoring::{cuda, default_threads, ScoringBackend};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;

fn bench_backend(c: &mut Criterion, b: &dyn ScoringBackend, sizes: &[&str]) {
    for name in sizes {
        let s = size(name).expect("known size");
        let w = Workload::generate(s, 7);
        let x = w.input();
        let mut g = c.benchmark_group(format!("{}/{}", b.name(), s.name));
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
        g.throughput(Throughput::Elements(s.flops_seq_loss() as u64));
        g.bench_function("seq_loss", |bn| {
            bn.iter(|| b.seq_loss(&x).expect("seq_loss"))
        });
        g.throughput(Throughput::Elements(s.flops_grad_embed() as u64));
        g.bench_function("grad_embed", |bn| {
            bn.iter(|| b.grad_embed(&x, &w.proj).expect("grad_embed"))
        });
        g.throughput(Throughput::Bytes(s.flops_bytes_kmeans().1 as u64));
        let mut d2 = w.dist2.clone();
        g.bench_function("kmeanspp_update", |bn| {
            bn.iter(|| {
                b.kmeanspp_update(&w.points, &w.centre, &mut d2)
                    .expect("kmeans")
            })
        });
        g.finish();
    }
}

fn scoring(c: &mut Criterion) {
    let cpu = CpuBackend::new(default_threads());
    bench_backend(c, &cpu, &["small", "medium"]);
    match cuda::CudaBackend::try_new(0) {
        Ok(g) => bench_backend(c, &g, &["small", "medium", "llm"]),
        Err(e) => eprintln!("SKIP CUDA benches: {e}"),
    }
}

criterion_group!(benches, scoring);
criterion_main!(benches);
