//! Student throughput: one training step (batch 24 × 62 tokens) and batched greedy
//! decoding (64 prompts × exactly 20 new tokens) at the default scenario size, with the
//! shapes and FLOP counts of `activesynth::student::workload` (shared with
//! `activesynth student bench` and the peer benchmark in `benches/peer/`). FLOPs per
//! iteration are printed so GFLOP/s = FLOPs / time.

use activesynth::student::workload::{self, DECODE_NEW};
use activesynth::student::{greedy_decode, TrainConfig, Trainer};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench(cr: &mut Criterion) {
    let c = workload::size("2L-d64").expect("size").cfg;
    let mut model = workload::model(c);
    let batch = workload::train_batch(&c);
    let fl = workload::train_step_flops(&c, &batch);
    eprintln!("train step: {} tokens, {:.3e} FLOPs", batch.rows(), fl);
    let mut trainer = Trainer::new(&model);
    let tc = TrainConfig::default();
    let mut g = cr.benchmark_group("student");
    g.throughput(Throughput::Elements(batch.rows() as u64));
    g.bench_function("train_step_b24_l62", |b| {
        b.iter(|| trainer.step(&mut model, &batch, workload::LR, &tc))
    });
    // A fresh model whose head cannot emit EOS, so every prompt gets exactly 20 new
    // tokens: a random model emits EOS early (464 of 1,280 tokens), which made this
    // benchmark mostly prefill.
    let mut dm = workload::model(c);
    workload::never_emit_eos(&mut dm);
    let prompts = workload::decode_prompts();
    let out = greedy_decode(&dm, &prompts, DECODE_NEW);
    let produced: usize = out.iter().map(|o| o.len()).sum();
    assert_eq!(produced, prompts.len() * DECODE_NEW);
    let fl = workload::decode_flops(&c, prompts.len(), prompts[0].len(), DECODE_NEW);
    eprintln!(
        "decode: {} prompts x {} tokens, {produced} new tokens, {fl:.3e} FLOPs",
        prompts.len(),
        prompts[0].len()
    );
    g.throughput(Throughput::Elements(produced as u64));
    g.bench_function("decode_64x20", |b| {
        b.iter(|| greedy_decode(&dm, &prompts, DECODE_NEW))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
