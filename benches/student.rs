//! Student throughput: one training step (batch 24) and batched greedy decoding at the
//! default scenario size. FLOPs per iteration are printed so GFLOP/s = FLOPs / time.

use activesynth::student::{
    greedy_decode, push_sequence, Batch, Model, ModelConfig, Sequence, TrainConfig, Trainer,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::{Rng, SeedableRng};

fn cfg() -> ModelConfig {
    ModelConfig {
        vocab: 400,
        layers: 2,
        d_model: 64,
        heads: 4,
        d_ff: 256,
        context: 160,
    }
}

fn seqs(n: usize, q: usize, a: usize) -> Vec<Sequence> {
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    (0..n)
        .map(|_| {
            let qt: Vec<u32> = (0..q).map(|_| r.gen_range(4..400)).collect();
            let at: Vec<u32> = (0..a).map(|_| r.gen_range(4..400)).collect();
            Sequence::new(&qt, &at)
        })
        .collect()
}

/// Forward FLOPs (multiply-add = 2) of a packed batch: GEMMs, attention (full L² per
/// head as computed), and the head on scored rows.
fn forward_flops(c: &ModelConfig, lens: &[usize], scored: usize) -> f64 {
    let (d, f) = (c.d_model as f64, c.d_ff as f64);
    let rows: f64 = lens.iter().map(|&l| l as f64).sum();
    let per_row = c.layers as f64 * (2.0 * d * 3.0 * d + 2.0 * d * d + 4.0 * d * f);
    let att: f64 = lens
        .iter()
        .map(|&l| c.layers as f64 * 4.0 * (l * l) as f64 * d)
        .sum();
    rows * per_row + att + 2.0 * d * c.vocab as f64 * scored as f64
}

fn bench(cr: &mut Criterion) {
    let c = cfg();
    let mut model = Model::new(c, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
    let data = seqs(24, 40, 20);
    let mut batch = Batch::default();
    batch.clear();
    for s in &data {
        push_sequence(&mut batch, s, c.context);
    }
    let lens: Vec<usize> = (0..batch.n_seq())
        .map(|i| batch.starts[i + 1] - batch.starts[i])
        .collect();
    let fl = 3.0 * forward_flops(&c, &lens, batch.loss_rows.len());
    eprintln!("train step: {} tokens, {:.3e} FLOPs", batch.rows(), fl);
    let mut trainer = Trainer::new(&model);
    let tc = TrainConfig::default();
    let mut g = cr.benchmark_group("student");
    g.throughput(Throughput::Elements(batch.rows() as u64));
    g.bench_function("train_step_b24_l60", |b| {
        b.iter(|| trainer.step(&mut model, &batch, 1e-4, &tc))
    });
    let prompts: Vec<Vec<u32>> = seqs(64, 40, 0).into_iter().map(|s| s.prompt).collect();
    // Force exactly 20 new tokens per prompt by decoding with the random model (no EOS
    // is likely); count what was actually produced.
    let out = greedy_decode(&model, &prompts, 20);
    let produced: usize = out.iter().map(|o| o.len()).sum();
    eprintln!("decode: 64 prompts x 42 tokens, {produced} new tokens");
    g.throughput(Throughput::Elements(produced as u64));
    g.bench_function("decode_64x20", |b| {
        b.iter(|| greedy_decode(&model, &prompts, 20))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
