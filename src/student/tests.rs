//! Tests of the student against independent references: a naive f64 forward pass
//! (loops, no GEMM) for finite-difference gradients and NLL, full recomputation for the
//! KV cache, exact-match accuracy on toy tasks, and byte-level checkpoint checks.

use super::checkpoint::{self, CheckpointError};
use super::*;
use crate::rng::{Rng, StreamKey};
use crate::text::tokenizer::Tokenizer;
use proptest::prelude::*;
use rand::{Rng as _, SeedableRng};

fn rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// Naive f64 reference: mean NLL over answer tokens of `seqs`, params given in f64.
fn ref_loss(m: &Model, w: &[f64], seqs: &[Sequence]) -> (f64, Vec<f64>) {
    let c = m.cfg;
    let (d, f, v, nh) = (c.d_model, c.d_ff, c.vocab, c.heads);
    let dh = d / nh;
    let t = |name: &str| -> &[f64] {
        let ti = m.tensors.iter().find(|t| t.name == name).unwrap();
        &w[ti.range()]
    };
    let ln = |x: &[f64], g: &[f64], b: &[f64]| -> Vec<f64> {
        let mean = x.iter().sum::<f64>() / d as f64;
        let var = x.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / d as f64;
        let rs = 1.0 / (var + 1e-5).sqrt();
        (0..d).map(|i| (x[i] - mean) * rs * g[i] + b[i]).collect()
    };
    let lin = |x: &[f64], wm: &[f64], b: &[f64], out: usize| -> Vec<f64> {
        (0..out)
            .map(|j| b[j] + (0..x.len()).map(|i| x[i] * wm[i * out + j]).sum::<f64>())
            .collect()
    };
    let gelu = |x: f64| {
        0.5 * x * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh())
    };
    let (mut total, mut count, mut per) = (0.0, 0usize, Vec::new());
    for s in seqs {
        let full: Vec<u32> = s.prompt.iter().chain(&s.answer).copied().collect();
        let n = full.len() - 1;
        let mut x: Vec<Vec<f64>> = (0..n)
            .map(|p| {
                (0..d)
                    .map(|i| t("wte")[full[p] as usize * d + i] + t("wpe")[p * d + i])
                    .collect()
            })
            .collect();
        for l in 0..c.layers {
            let g = |s: &str| t(&format!("h{l}.{s}")).to_vec();
            let qkv: Vec<Vec<f64>> = x
                .iter()
                .map(|r| {
                    lin(
                        &ln(r, &g("ln1.g"), &g("ln1.b")),
                        &g("attn.wqkv"),
                        &g("attn.bqkv"),
                        3 * d,
                    )
                })
                .collect();
            let mut att = vec![vec![0.0; d]; n];
            for h in 0..nh {
                for i in 0..n {
                    let sc: Vec<f64> = (0..=i)
                        .map(|j| {
                            (0..dh)
                                .map(|k| qkv[i][h * dh + k] * qkv[j][d + h * dh + k])
                                .sum::<f64>()
                                / (dh as f64).sqrt()
                        })
                        .collect();
                    let mx = sc.iter().cloned().fold(f64::MIN, f64::max);
                    let z: f64 = sc.iter().map(|s| (s - mx).exp()).sum();
                    for j in 0..=i {
                        let p = (sc[j] - mx).exp() / z;
                        for k in 0..dh {
                            att[i][h * dh + k] += p * qkv[j][2 * d + h * dh + k];
                        }
                    }
                }
            }
            for i in 0..n {
                let a = lin(&att[i], &g("attn.wo"), &g("attn.bo"), d);
                for k in 0..d {
                    x[i][k] += a[k];
                }
                let u: Vec<f64> = lin(
                    &ln(&x[i], &g("ln2.g"), &g("ln2.b")),
                    &g("mlp.w1"),
                    &g("mlp.b1"),
                    f,
                )
                .into_iter()
                .map(gelu)
                .collect();
                let o = lin(&u, &g("mlp.w2"), &g("mlp.b2"), d);
                for k in 0..d {
                    x[i][k] += o[k];
                }
            }
        }
        let (mut sl, mut cl) = (0.0, 0);
        for i in s.prompt.len() - 1..n {
            let hf = ln(&x[i], t("lnf.g"), t("lnf.b"));
            let logits: Vec<f64> = (0..v)
                .map(|r| (0..d).map(|k| t("head")[r * d + k] * hf[k]).sum())
                .collect();
            let mx = logits.iter().cloned().fold(f64::MIN, f64::max);
            let lse = mx + logits.iter().map(|z| (z - mx).exp()).sum::<f64>().ln();
            sl += lse - logits[full[i + 1] as usize];
            cl += 1;
        }
        total += sl;
        count += cl;
        per.push(sl / cl as f64);
    }
    (total / count as f64, per)
}

fn random_seqs(r: &mut Rng, vocab: u32, n: usize, max_len: usize) -> Vec<Sequence> {
    (0..n)
        .map(|_| {
            let q: Vec<u32> = (0..r.gen_range(1..max_len))
                .map(|_| r.gen_range(4..vocab))
                .collect();
            let a: Vec<u32> = (0..r.gen_range(1..4))
                .map(|_| r.gen_range(4..vocab))
                .collect();
            Sequence::new(&q, &a)
        })
        .collect()
}

/// A model whose parameters are all far from their init (so biases and LayerNorm
/// parameters get non-trivial gradients and logits are well separated).
fn perturbed(cfg: ModelConfig, seed: u64, s: f32) -> Model {
    let mut r = rng(seed);
    let mut m = Model::new(cfg, &mut r);
    for p in m.params.iter_mut() {
        *p += s * (r.gen::<f32>() * 2.0 - 1.0);
    }
    m
}

fn batch_of(seqs: &[Sequence], ctx: usize) -> Batch {
    let mut b = Batch::default();
    b.clear();
    for s in seqs {
        assert!(push_sequence(&mut b, s, ctx));
    }
    b
}

/// Analytic (f32) gradients against central finite differences of the f64 reference, at
/// three random entries per tensor. Returns the worst relative error and the worst gap as
/// a fraction of the largest gradient entry, or the first entry out of tolerance.
///
/// An entry passes when its relative error is below 2e-3, or when its absolute gap is
/// below 2e-5 of the model's largest gradient entry. The second clause is f32 rounding,
/// not leniency: a small entry is the difference of terms as large as the largest
/// gradients, so its f32 error scales with those. Measured over 3,000 random models of
/// this test's ranges (206,659 entries; seed 905, 2 layers, 1 head of width 2, d_ff 5,
/// vocabulary 7 once failed the relative clause alone: analytic −7.4285e-4 against
/// −7.3870e-4, while that model's largest entry is 1.01): entries below 1 % of the largest
/// gradient had gaps of at most 4.1e-6 of it (99.9th percentile 1.9e-6); larger entries
/// had relative errors of at most 1.1e-3 (99.9th percentile 1.5e-4). A wrong backward
/// gives relative errors of order one on entries of ordinary size.
fn gradient_check(
    seed: u64,
    layers: usize,
    heads: usize,
    dh: usize,
    ff: usize,
    vocab: usize,
) -> Result<(f64, f64), String> {
    let cfg = ModelConfig {
        vocab,
        layers,
        d_model: heads * dh,
        heads,
        d_ff: ff,
        context: 12,
    };
    let m = perturbed(cfg, seed, 0.4);
    let mut r = rng(seed + 1);
    let seqs = random_seqs(&mut r, vocab as u32, 3, 6);
    let b = batch_of(&seqs, cfg.context);
    let mut ws = Workspace::default();
    let nll = ws.forward(&m, &b);
    let mtok = b.loss_rows.len();
    let mut grad = vec![0.0f32; m.n_params()];
    ws.backward(&m, &b, 1.0 / mtok as f32, &mut grad);
    let w64: Vec<f64> = m.params.iter().map(|&x| x as f64).collect();
    let (ref_l, _) = ref_loss(&m, &w64, &seqs);
    if (nll / mtok as f64 - ref_l).abs() >= 1e-4 * ref_l.abs().max(1.0) {
        return Err(format!("loss {} vs {}", nll / mtok as f64, ref_l));
    }
    let largest = grad.iter().fold(0f32, |a, &g| a.max(g.abs())) as f64;
    let (mut worst_rel, mut worst_gap) = (0.0f64, 0.0f64);
    for t in &m.tensors {
        for _ in 0..3 {
            let i = t.offset + r.gen_range(0..t.len());
            let h = 1e-5;
            let mut wp = w64.clone();
            wp[i] += h;
            let lp = ref_loss(&m, &wp, &seqs).0;
            wp[i] -= 2.0 * h;
            let lm = ref_loss(&m, &wp, &seqs).0;
            let fd = (lp - lm) / (2.0 * h);
            let an = grad[i] as f64;
            let gap = (fd - an).abs();
            let rel = gap / fd.abs().max(an.abs()).max(1e-3);
            if rel >= 2e-3 && gap >= 2e-5 * largest {
                return Err(format!(
                    "{} [{}]: analytic {an} fd {fd} rel {rel} gap {gap} largest {largest}",
                    t.name,
                    i - t.offset
                ));
            }
            worst_rel = worst_rel.max(rel);
            worst_gap = worst_gap.max(gap / largest);
        }
    }
    Ok((worst_rel, worst_gap))
}

/// The case that once failed the relative clause alone (see [`gradient_check`]).
#[test]
fn gradients_match_f64_finite_differences_at_a_cancelling_entry() {
    gradient_check(905, 2, 1, 2, 5, 7).unwrap();
}

proptest! {
    // A fixed seed: CI runs the same 48 models every time (a tolerance measured on 3,000
    // random models still leaves a chance of a red build on an unlucky draw).
    #![proptest_config(ProptestConfig {
        cases: 48,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed_0905),
        .. ProptestConfig::default()
    })]
    #[test]
    fn gradients_match_f64_finite_differences(
        seed in 0u64..1000, layers in 1usize..3, heads in 1usize..3, dh in 2usize..5, ff in 3usize..9, vocab in 6usize..12
    ) {
        let (rel, gap) = gradient_check(seed, layers, heads, dh, ff, vocab).map_err(TestCaseError::fail)?;
        eprintln!("grad check: max rel err {rel:.2e}, max gap {gap:.2e} of the largest entry");
    }
}

fn decode_full_recompute(m: &Model, prompt: &[u32], max_new: usize) -> Vec<u32> {
    let mut seq = prompt.to_vec();
    let mut out = Vec::new();
    let mut ws = Workspace::default();
    while out.len() < max_new && seq.len() <= m.cfg.context {
        let mut full = seq.clone();
        full.push(0);
        let mut b = Batch::default();
        b.clear();
        b.push(&full, seq.len() - 1);
        ws.forward(m, &b);
        let t = ops::argmax(&ws.probs) as u32;
        if t == crate::text::tokenizer::EOS {
            break;
        }
        out.push(t);
        if seq.len() == m.cfg.context {
            break;
        }
        seq.push(t);
    }
    out
}

/// Context 24 with 30 new tokens fills the context (the cache's span is the context);
/// context 40 with 4 or 13 new tokens gives a span of 32 positions, below the context,
/// the second one exactly filled (longest prompt 19 + 13).
#[test]
fn kv_cache_decoding_equals_full_recomputation() {
    for (seed, (context, max_new)) in (0..4).zip([(24, 30), (40, 4), (40, 13), (24, 30)]) {
        let cfg = ModelConfig {
            vocab: 20,
            layers: 2,
            d_model: 16,
            heads: 2,
            d_ff: 32,
            context,
        };
        let m = perturbed(cfg, seed, 0.5);
        let mut r = rng(100 + seed);
        let prompts: Vec<Vec<u32>> = (0..7)
            .map(|i| (0..1 + i * 3).map(|_| r.gen_range(1..20)).collect())
            .collect();
        let got = greedy_decode(&m, &prompts, max_new);
        let mut lens = 0;
        for (p, g) in prompts.iter().zip(&got) {
            assert_eq!(g, &decode_full_recompute(&m, p, max_new), "prompt {p:?}");
            lens += g.len();
        }
        assert!(
            lens > 7,
            "decoding produced almost nothing; test is vacuous"
        );
    }
}

/// Toy task: reverse a digit string ("3 1 4" -> "4 1 3").
fn reverse_task(r: &mut Rng, n: usize, len: usize) -> Vec<Sequence> {
    let tok = Tokenizer::from_lexicon(["reverse"]);
    (0..n)
        .map(|_| {
            let digits: String = (0..len)
                .map(|_| char::from(b'0' + r.gen_range(0..10u8)))
                .collect();
            let rev: String = digits.chars().rev().collect();
            Sequence::new(
                &tok.encode(&format!("reverse {digits}")).unwrap(),
                &tok.encode(&rev).unwrap(),
            )
        })
        .collect()
}

/// The model the per-sequence and per-token NLL tests compare with the f64 reference:
/// small enough for the reference's loops, two layers so that attention mixes positions.
fn reference_cfg() -> ModelConfig {
    ModelConfig {
        vocab: 15,
        layers: 2,
        d_model: 8,
        heads: 2,
        d_ff: 12,
        context: 12,
    }
}

fn toy_cfg(vocab: usize) -> ModelConfig {
    ModelConfig {
        vocab,
        layers: 2,
        d_model: 32,
        heads: 4,
        d_ff: 64,
        context: 16,
    }
}

fn exact_match(m: &Model, seqs: &[Sequence]) -> f64 {
    let prompts: Vec<Vec<u32>> = seqs.iter().map(|s| s.prompt.clone()).collect();
    let out = greedy_decode(m, &prompts, 8);
    let ok = out
        .iter()
        .zip(seqs)
        .filter(|(o, s)| o[..] == s.answer[..s.answer.len() - 1])
        .count();
    ok as f64 / seqs.len() as f64
}

fn vocab() -> usize {
    Tokenizer::from_lexicon(["reverse"]).vocab_size()
}

#[test]
fn overfits_32_examples() {
    let mut r = StreamKey::shared(1, "toy", 0, "data").rng();
    let data = reverse_task(&mut r, 32, 4);
    let mut m = Model::new(toy_cfg(vocab()), &mut rng(7));
    let cfg = TrainConfig {
        learning_rate: 1e-2,
        epochs: 200,
        weight_decay: 0.0,
        ..TrainConfig::default()
    };
    // Score by training exact match so the restored best epoch is a fully fitted one.
    let rep = train(&mut m, &data, &cfg, &mut rng(8), |m| exact_match(m, &data));
    assert_eq!(
        exact_match(&m, &data),
        1.0,
        "final loss {:?}",
        rep.epoch_loss.last()
    );
}

#[test]
fn more_data_learns_better_and_best_epoch_restored() {
    let mut r = StreamKey::shared(2, "toy", 0, "data").rng();
    let test = reverse_task(&mut r, 100, 3);
    let big = reverse_task(&mut r, 600, 3);
    let cfg = TrainConfig {
        learning_rate: 5e-3,
        epochs: 12,
        ..TrainConfig::default()
    };
    let mut acc = Vec::new();
    for n in [12, 600] {
        let mut m = Model::new(toy_cfg(vocab()), &mut rng(3));
        let rep = train(&mut m, &big[..n], &cfg, &mut rng(4), |m| {
            exact_match(m, &test)
        });
        let a = exact_match(&m, &test);
        // The restored weights are those of the best epoch.
        assert_eq!(Some(a), rep.best_epoch.map(|e| rep.val_score[e]));
        assert_eq!(a, rep.val_score.iter().cloned().fold(f64::MIN, f64::max));
        acc.push(a);
    }
    eprintln!(
        "reverse-3 test accuracy: 12 ex {:.2}, 600 ex {:.2}",
        acc[0], acc[1]
    );
    assert!(acc[1] > acc[0] + 0.3, "{acc:?}");
}

#[test]
fn same_seed_bit_identical_weights() {
    let mut r = rng(5);
    let data = reverse_task(&mut r, 50, 3);
    let cfg = TrainConfig {
        epochs: 2,
        ..TrainConfig::default()
    };
    let run = |s: u64| {
        let mut m = Model::new(toy_cfg(vocab()), &mut rng(s));
        // Later epochs score higher, so the final weights are the last epoch's.
        let mut k = 0.0;
        train(&mut m, &data, &cfg, &mut rng(s + 1), |_| {
            k += 1.0;
            k
        });
        m.params.iter().map(|p| p.to_bits()).collect::<Vec<u32>>()
    };
    let a = run(9);
    assert_eq!(a, run(9));
    assert_ne!(a, run(10));
    // Training concurrently on other threads (as `--jobs` does) gives the same bits.
    let results: Vec<Vec<u32>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2).map(|_| s.spawn(|| run(9))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for h in results {
        assert_eq!(h, a);
    }
}

/// One answer token's NLL recomputed in f64 from the exported hidden state and the head:
/// log-sum-exp of the logits minus the target's logit.
fn nll_from_states(m: &Model, st: &AnswerStates, row: usize) -> f64 {
    let h = &st.hidden[row * st.d..(row + 1) * st.d];
    let logits: Vec<f64> = (0..m.cfg.vocab)
        .map(|v| {
            (0..st.d)
                .map(|k| (m.head()[v * st.d + k] * h[k]) as f64)
                .sum()
        })
        .collect();
    let mx = logits.iter().cloned().fold(f64::MIN, f64::max);
    let lse = mx + logits.iter().map(|z| (z - mx).exp()).sum::<f64>().ln();
    lse - logits[st.targets[row] as usize]
}

/// A sequence with nothing scorable (answer longer than the context) adds no rows: a
/// batch with one in the middle and one at the end gives the same loss and gradient bits
/// as the batch without them, in the tiled attention path (head width 16) and in the
/// portable one (head width 2). Before the fix, the one at the end indexed past the rows.
#[test]
fn unscorable_sequences_change_no_bits() {
    for (d_model, heads) in [(32, 2), (4, 2)] {
        let cfg = ModelConfig {
            vocab: 12,
            layers: 2,
            d_model,
            heads,
            d_ff: 16,
            context: 12,
        };
        let m = perturbed(cfg, 11, 0.3);
        let seqs = random_seqs(&mut rng(12), 12, 4, 6);
        let long = Sequence {
            prompt: vec![3, 4],
            answer: vec![5; 13],
        };
        let with: Vec<Sequence> = vec![
            seqs[0].clone(),
            seqs[1].clone(),
            long.clone(),
            seqs[2].clone(),
            seqs[3].clone(),
            long,
        ];
        let run = |list: &[Sequence]| {
            let mut b = Batch::default();
            b.clear();
            for s in list {
                push_sequence(&mut b, s, cfg.context);
            }
            let mut ws = Workspace::default();
            let nll = ws.forward(&m, &b);
            let mut grad = vec![0.0f32; m.n_params()];
            ws.backward(&m, &b, 1.0 / b.loss_rows.len() as f32, &mut grad);
            (
                nll.to_bits(),
                grad.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(run(&with), run(&seqs), "d_model {d_model}");
    }
}

/// `token_nll` against the f64 reference model's per-sequence NLL (its mean) and against
/// each token's NLL recomputed from the exported hidden states and head (log-sum-exp minus
/// the target's logit); an answer past the context yields no tokens.
#[test]
fn token_nll_matches_reference_per_token() {
    let cfg = reference_cfg();
    let m = perturbed(cfg, 5, 0.3);
    let mut seqs = random_seqs(&mut rng(6), 15, 5, 6);
    let w64: Vec<f64> = m.params.iter().map(|&x| x as f64).collect();
    let (_, reference) = ref_loss(&m, &w64, &seqs);
    let st = answer_states(&m, &seqs);
    // One sequence whose answer is longer than the context: nothing to score.
    seqs.push(Sequence {
        prompt: vec![3, 4],
        answer: vec![5; 13],
    });
    let got = token_nll(&m, &seqs);
    assert_eq!(got.len(), seqs.len());
    assert!(got.last().unwrap().is_empty());
    assert!(seq_nll(&m, &seqs).last().unwrap().is_nan());
    for (i, s) in seqs[..seqs.len() - 1].iter().enumerate() {
        assert_eq!(got[i].len(), s.answer.len());
        let mean = got[i].iter().sum::<f64>() / got[i].len() as f64;
        assert!(
            (mean - reference[i]).abs() < 1e-4,
            "{mean} vs {}",
            reference[i]
        );
        for (t, row) in (st.offsets[i]..st.offsets[i + 1]).enumerate() {
            let want = nll_from_states(&m, &st, row);
            assert!(
                (got[i][t] - want).abs() < 1e-4,
                "token {t}: {} vs {want}",
                got[i][t]
            );
        }
    }
}

#[test]
fn seq_nll_and_answer_states_match_reference() {
    let cfg = reference_cfg();
    let m = perturbed(cfg, 3, 0.3);
    let seqs = random_seqs(&mut rng(4), 15, 5, 6);
    let w64: Vec<f64> = m.params.iter().map(|&x| x as f64).collect();
    let (_, reference) = ref_loss(&m, &w64, &seqs);
    let got = seq_nll(&m, &seqs);
    let st = answer_states(&m, &seqs);
    assert_eq!(st.offsets.len(), seqs.len() + 1);
    for (i, s) in seqs.iter().enumerate() {
        assert!(
            (got[i] - reference[i]).abs() < 1e-4,
            "{} vs {}",
            got[i],
            reference[i]
        );
        assert_eq!(st.offsets[i + 1] - st.offsets[i], s.answer.len());
        assert_eq!(&st.targets[st.offsets[i]..st.offsets[i + 1]], &s.answer[..]);
        // NLL recomputed from the exported hidden states and head.
        let mut sum = 0.0;
        for row in st.offsets[i]..st.offsets[i + 1] {
            sum += nll_from_states(&m, &st, row);
        }
        assert!((sum / s.answer.len() as f64 - reference[i]).abs() < 1e-4);
    }
}

#[test]
fn context_truncates_prompt_from_the_left_or_rejects() {
    let mut b = Batch::default();
    b.clear();
    let s = Sequence {
        prompt: vec![1, 5, 6, 7, 2],
        answer: vec![8, 3],
    };
    assert!(push_sequence(&mut b, &s, 4)); // full 1 5 6 7 2 8 3, inputs 6 = 1 5 6 7 2 8 -> keep last 4
    assert_eq!(b.tokens, vec![6, 7, 2, 8]);
    assert_eq!(b.targets, vec![8, 3]);
    assert_eq!(b.loss_rows, vec![2, 3]);
    let long = Sequence {
        prompt: vec![1, 2],
        answer: vec![5, 5, 5, 5, 3],
    };
    assert!(!push_sequence(&mut b, &long, 4));
    assert_eq!(b.n_seq(), 2);
    assert_eq!(b.rows(), 4);
}

#[test]
fn checkpoint_round_trip_and_rejections() {
    let cfg = ModelConfig {
        vocab: 11,
        layers: 1,
        d_model: 8,
        heads: 2,
        d_ff: 16,
        context: 10,
    };
    let m = perturbed(cfg, 1, 0.3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.ckpt");
    checkpoint::save(&m, &path).unwrap();
    let back = checkpoint::load(&path, Some(&cfg)).unwrap();
    assert_eq!(
        back.params.iter().map(|p| p.to_bits()).collect::<Vec<_>>(),
        m.params.iter().map(|p| p.to_bits()).collect::<Vec<_>>()
    );
    let bytes = checkpoint::to_bytes(&m);
    assert_eq!(bytes.len(), 100 + 4 * m.n_params());
    let mut bad = bytes.clone();
    *bad.last_mut().unwrap() ^= 1;
    assert!(matches!(
        checkpoint::from_bytes(&bad, None),
        Err(CheckpointError::HashMismatch)
    ));
    assert!(matches!(
        checkpoint::from_bytes(&bytes[..bytes.len() - 3], None),
        Err(CheckpointError::Truncated { .. })
    ));
    assert!(matches!(
        checkpoint::from_bytes(&bytes[..50], None),
        Err(CheckpointError::Truncated { .. })
    ));
    let mut magic = bytes.clone();
    magic[0] = b'X';
    assert!(matches!(
        checkpoint::from_bytes(&magic, None),
        Err(CheckpointError::BadMagic)
    ));
    let mut ver = bytes.clone();
    ver[8] = 9;
    assert!(matches!(
        checkpoint::from_bytes(&ver, None),
        Err(CheckpointError::Version { found: 9 })
    ));
    let other = ModelConfig { d_ff: 32, ..cfg };
    assert!(matches!(
        checkpoint::from_bytes(&bytes, Some(&other)),
        Err(CheckpointError::ConfigMismatch { .. })
    ));
}

#[test]
fn base_cache_trains_once_and_recovers_from_corruption() {
    let cfg = ModelConfig {
        vocab: 11,
        layers: 1,
        d_model: 8,
        heads: 2,
        d_ff: 16,
        context: 10,
    };
    let dir = tempfile::tempdir().unwrap();
    let mut calls = 0;
    let a = cached_or_train(dir.path(), b"key-a", || {
        calls += 1;
        perturbed(cfg, 2, 0.1)
    })
    .unwrap();
    let b = cached_or_train(dir.path(), b"key-a", || {
        calls += 1;
        perturbed(cfg, 3, 0.1)
    })
    .unwrap();
    assert_eq!(calls, 1);
    assert_eq!(a.params, b.params);
    let _ = cached_or_train(dir.path(), b"key-b", || {
        calls += 1;
        perturbed(cfg, 3, 0.1)
    })
    .unwrap();
    assert_eq!(calls, 2);
    let p = base::cache_path(dir.path(), b"key-a");
    std::fs::write(&p, b"garbage").unwrap();
    let c = cached_or_train(dir.path(), b"key-a", || {
        calls += 1;
        perturbed(cfg, 2, 0.1)
    })
    .unwrap();
    assert_eq!(calls, 3);
    assert_eq!(c.params, a.params);
}

/// Throughput measurement at the default scenario size (run on demand:
/// `cargo test --lib student::tests::measure_throughput -- --ignored --nocapture`).
/// Prints tokens/s and GFLOP/s; asserts only correctness of what it ran.
#[test]
#[ignore]
fn measure_throughput() {
    let c = ModelConfig {
        vocab: 400,
        layers: 2,
        d_model: 64,
        heads: 4,
        d_ff: 256,
        context: 160,
    };
    let mut m = Model::new(c, &mut rng(0));
    let mut r = rng(1);
    let data: Vec<Sequence> = (0..24)
        .map(|_| {
            let q: Vec<u32> = (0..40).map(|_| r.gen_range(4..400)).collect();
            let a: Vec<u32> = (0..20).map(|_| r.gen_range(4..400)).collect();
            Sequence::new(&q, &a)
        })
        .collect();
    let b = batch_of(&data, c.context);
    let (d, f) = (c.d_model as f64, c.d_ff as f64);
    let l = (b.rows() / 24) as f64;
    let fwd = b.rows() as f64 * c.layers as f64 * (6.0 * d * d + 2.0 * d * d + 4.0 * d * f)
        + 24.0 * c.layers as f64 * 4.0 * l * l * d
        + 2.0 * d * c.vocab as f64 * b.loss_rows.len() as f64;
    let mut tr = Trainer::new(&m);
    let tc = TrainConfig::default();
    let l0 = tr.step(&mut m, &b, 1e-3, &tc);
    let iters = 30;
    let t = std::time::Instant::now();
    let mut last = 0.0;
    for _ in 0..iters {
        last = tr.step(&mut m, &b, 1e-3, &tc);
    }
    let s = t.elapsed().as_secs_f64() / iters as f64;
    assert!(last.is_finite() && last < l0);
    eprintln!(
        "train step: {} tokens, {:.2} ms, {:.0} tokens/s, {:.2} GFLOP/s (3x fwd = {:.3e} FLOP)",
        b.rows(),
        s * 1e3,
        b.rows() as f64 / s,
        3.0 * fwd / s / 1e9,
        3.0 * fwd
    );
    let mut ws = Workspace::default();
    let t = std::time::Instant::now();
    for _ in 0..iters {
        ws.forward(&m, &b);
    }
    let s = t.elapsed().as_secs_f64() / iters as f64;
    eprintln!(
        "forward only: {:.2} ms, {:.2} GFLOP/s",
        s * 1e3,
        fwd / s / 1e9
    );
    let prompts: Vec<Vec<u32>> = data
        .iter()
        .chain(&data)
        .chain(&data)
        .map(|s| s.prompt.clone())
        .collect();
    let t = std::time::Instant::now();
    let out = greedy_decode(&m, &prompts, 20);
    let s = t.elapsed().as_secs_f64();
    let produced: usize = out.iter().map(|o| o.len()).sum();
    assert!(produced > 0);
    eprintln!(
        "decode: {} prompts of {} tokens, {} new tokens in {:.1} ms: {:.0} new tokens/s",
        prompts.len(),
        prompts[0].len(),
        produced,
        s * 1e3,
        produced as f64 / s
    );
}

#[test]
fn own_generation_loss_is_higher_on_wrong_items() {
    // A partially trained student on the reverse task: some test items right, some wrong.
    let mut r = StreamKey::shared(3, "toy", 0, "data").rng();
    let test = reverse_task(&mut r, 150, 3);
    let tr = reverse_task(&mut r, 300, 3);
    let mut m = Model::new(toy_cfg(vocab()), &mut rng(11));
    let cfg = TrainConfig {
        learning_rate: 5e-3,
        epochs: 6,
        ..TrainConfig::default()
    };
    let mut k = 0.0;
    train(&mut m, &tr, &cfg, &mut rng(12), |_| {
        k += 1.0;
        k
    });
    let prompts: Vec<Vec<u32>> = test.iter().map(|s| s.prompt.clone()).collect();
    let own = own_generations(&m, &prompts, 8);
    let loss = seq_nll(&m, &own);
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    for ((o, t), l) in own.iter().zip(&test).zip(&loss) {
        if o.answer == t.answer {
            right.push(*l)
        } else {
            wrong.push(*l)
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    eprintln!(
        "own-generation loss: right {} items mean {:.4}, wrong {} items mean {:.4}",
        right.len(),
        mean(&right),
        wrong.len(),
        mean(&wrong)
    );
    assert!(
        right.len() >= 10 && wrong.len() >= 10,
        "need both outcomes: {} right, {} wrong",
        right.len(),
        wrong.len()
    );
    assert!(mean(&wrong) > mean(&right));
}

#[test]
fn min_steps_adds_epochs_and_keeps_the_number_of_evaluations() {
    let mut r = StreamKey::shared(1, "toy", 0, "data").rng();
    let data = reverse_task(&mut r, 10, 3);
    // 10 sequences in batches of 4: 3 steps per epoch.
    let base = TrainConfig {
        learning_rate: 1e-3,
        epochs: 2,
        batch_size: 4,
        ..TrainConfig::default()
    };
    let run = |cfg: &TrainConfig| {
        let mut m = Model::new(toy_cfg(vocab()), &mut rng(3));
        let mut evals = 0usize;
        let rep = train(&mut m, &data, cfg, &mut rng(4), |_| {
            evals += 1;
            evals as f64 // later evaluations score higher: the last one is kept
        });
        (rep, evals)
    };
    let (plain, n_plain) = run(&base);
    assert_eq!((plain.steps, n_plain), (6, 2));
    assert_eq!(plain.eval_epochs, vec![0, 1]);
    // At least 20 steps: ceil(20 / 3) = 7 epochs (21 steps), evaluated every
    // ceil(7 / 2) = 4 epochs and after the last: epochs 3 and 6.
    let (more, n_more) = run(&TrainConfig {
        min_steps: 20,
        ..base.clone()
    });
    assert_eq!((more.steps, n_more), (21, 2));
    assert_eq!(more.epoch_loss.len(), 7);
    assert_eq!(more.eval_epochs, vec![3, 6]);
    assert_eq!(more.best_epoch, Some(6));
    assert_eq!(more.best_val_score, 2.0);
    // A min_steps already met by the epochs changes nothing.
    let (same, _) = run(&TrainConfig {
        min_steps: 5,
        ..base.clone()
    });
    assert_eq!(same.steps, 6);
}

// ---------------------------------------------------------------------------------------
// LoRA (paper 5.2): adapter gradients against f64 finite differences of the loss as a
// function of A and B, the frozen base bit-unchanged, and determinism.
// ---------------------------------------------------------------------------------------

/// f64 merge `W₀ + s·A·B` of every adapted matrix into a copy of the f64 weights.
fn merged_f64(m: &Model, lora: &lora::Lora, w0: &[f64], ab: &[f64]) -> Vec<f64> {
    let mut w = w0.to_vec();
    let r = lora.rank;
    for t in &lora.targets {
        let ti = m.tensors.iter().find(|x| x.name == t.name).unwrap();
        let (inp, out) = (ti.shape[0], ti.shape[1]);
        // Adapter offsets follow the targets' order: A then B, (inp + out)·r each.
        let a_off = lora
            .targets
            .iter()
            .take_while(|x| x.name != t.name)
            .map(|x| {
                let s = &m.tensors.iter().find(|y| y.name == x.name).unwrap().shape;
                (s[0] + s[1]) * r
            })
            .sum::<usize>();
        let b_off = a_off + inp * r;
        for i in 0..inp {
            for o in 0..out {
                let mut acc = 0.0;
                for j in 0..r {
                    acc += ab[a_off + i * r + j] * ab[b_off + j * out + o];
                }
                w[ti.offset + i * out + o] += lora.scale as f64 * acc;
            }
        }
    }
    w
}

/// The LoRA path's analogue of [`gradient_check`], with the same two-clause tolerance
/// (the largest entry is the adapters' largest gradient), at twelve random adapter entries.
/// Over 1,500 random models of this test's ranges no entry needed the second clause (the
/// largest gap was 2.8e-6 of the largest entry).
fn lora_gradient_check(
    seed: u64,
    layers: usize,
    rank: usize,
    vocab: usize,
) -> Result<(f64, f64), String> {
    let cfg = ModelConfig {
        vocab,
        layers,
        d_model: 4,
        heads: 2,
        d_ff: 6,
        context: 12,
    };
    let mut m = perturbed(cfg, seed, 0.4);
    let mut r = rng(seed + 7);
    let mut lora = lora::Lora::new(&m, rank, rank as f64, &mut r);
    // Non-zero B so that both A's and B's gradients are non-trivial.
    let n_lora = lora.n_params();
    for x in lora.params.iter_mut() {
        *x += 0.3 * (r.gen::<f32>() * 2.0 - 1.0);
    }
    if lora.targets.len() != 4 * layers {
        return Err(format!(
            "{} adapter targets for {layers} layers",
            lora.targets.len()
        ));
    }
    lora.merge_into(&mut m);
    let seqs = random_seqs(&mut r, vocab as u32, 3, 6);
    let b = batch_of(&seqs, cfg.context);
    let mut ws = Workspace::default();
    ws.forward(&m, &b);
    let mut grad = vec![0.0f32; m.n_params()];
    ws.backward(&m, &b, 1.0 / b.loss_rows.len() as f32, &mut grad);
    let mut lgrad = vec![0.0f32; n_lora];
    lora.project_grad(&grad, &mut lgrad);
    // The f64 base weights: the merged model minus the adapters' contribution is not
    // recoverable exactly in f32, so rebuild W0 in f64 from a fresh unmerged copy.
    let base = perturbed(cfg, seed, 0.4);
    let w0: Vec<f64> = base.params.iter().map(|&x| x as f64).collect();
    let ab: Vec<f64> = lora.params.iter().map(|&x| x as f64).collect();
    let largest = lgrad.iter().fold(0f32, |a, &g| a.max(g.abs())) as f64;
    let (mut worst_rel, mut worst_gap) = (0.0f64, 0.0f64);
    for _ in 0..12 {
        let i = r.gen_range(0..n_lora);
        let h = 1e-5;
        let mut p = ab.clone();
        p[i] += h;
        let lp = ref_loss(&m, &merged_f64(&m, &lora, &w0, &p), &seqs).0;
        p[i] -= 2.0 * h;
        let lm = ref_loss(&m, &merged_f64(&m, &lora, &w0, &p), &seqs).0;
        let fd = (lp - lm) / (2.0 * h);
        let an = lgrad[i] as f64;
        let gap = (fd - an).abs();
        let rel = gap / fd.abs().max(an.abs()).max(1e-3);
        if rel >= 2e-3 && gap >= 2e-5 * largest {
            return Err(format!(
                "adapter param {i}: analytic {an} fd {fd} rel {rel} gap {gap} largest {largest}"
            ));
        }
        worst_rel = worst_rel.max(rel);
        worst_gap = worst_gap.max(gap / largest);
    }
    Ok((worst_rel, worst_gap))
}

proptest! {
    // A fixed seed, as for the full model's check.
    #![proptest_config(ProptestConfig {
        cases: 12,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed_10ad),
        .. ProptestConfig::default()
    })]
    #[test]
    fn lora_gradients_match_f64_finite_differences(
        seed in 0u64..1000, layers in 1usize..3, rank in 1usize..4, vocab in 6usize..10
    ) {
        lora_gradient_check(seed, layers, rank, vocab).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn lora_starts_at_the_base_and_never_touches_frozen_weights() {
    let mut r = rng(21);
    let data = reverse_task(&mut r, 60, 3);
    let base = Model::new(toy_cfg(vocab()), &mut rng(3));
    // B = 0 at initialisation: the first merged model is the base, bit for bit.
    let mut m = base.clone();
    let lora = lora::Lora::new(&m, 4, 4.0, &mut rng(4));
    lora.merge_into(&mut m);
    assert_eq!(
        m.params.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        base.params.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    let cfg = TrainConfig {
        epochs: 3,
        learning_rate: 1e-2,
        lora_rank: 4,
        ..TrainConfig::default()
    };
    let mut k = 0.0;
    let rep = train(&mut m, &data, &cfg, &mut rng(5), |_| {
        k += 1.0;
        k
    });
    assert!(rep.steps > 0);
    let mut adapted = 0;
    for t in &m.tensors {
        let same = m.params[t.range()]
            .iter()
            .zip(&base.params[t.range()])
            .all(|(a, b)| a.to_bits() == b.to_bits());
        let is_linear = ["attn.wqkv", "attn.wo", "mlp.w1", "mlp.w2"]
            .iter()
            .any(|s| t.name.ends_with(s));
        if is_linear {
            assert!(!same, "{} should have moved", t.name);
            adapted += 1;
        } else {
            assert!(same, "{} is frozen under LoRA but changed", t.name);
        }
    }
    assert_eq!(adapted, 4 * toy_cfg(vocab()).layers);
    // The update is low-rank: W - W0 has rank <= 4 (checked on the 2-D wo of layer 0
    // through its singular structure: any 5x5 minor of the update is ~0).
    let wo = m.tensors.iter().find(|t| t.name == "h0.attn.wo").unwrap();
    let d = wo.shape[0];
    let delta: Vec<f64> = m.params[wo.range()]
        .iter()
        .zip(&base.params[wo.range()])
        .map(|(a, b)| (*a as f64) - (*b as f64))
        .collect();
    assert!(d >= 5);
    let minor = |rows: &[usize], cols: &[usize]| -> f64 {
        // Determinant by Gaussian elimination with partial pivoting.
        let n = rows.len();
        let mut a: Vec<Vec<f64>> = rows
            .iter()
            .map(|&i| cols.iter().map(|&j| delta[i * d + j]).collect())
            .collect();
        let mut det = 1.0;
        for c in 0..n {
            let p = (c..n)
                .max_by(|&x, &y| a[x][c].abs().partial_cmp(&a[y][c].abs()).unwrap())
                .unwrap();
            if a[p][c] == 0.0 {
                return 0.0;
            }
            a.swap(c, p);
            det *= a[c][c];
            let pivot = a[c].clone();
            for row in a.iter_mut().skip(c + 1) {
                let f = row[c] / pivot[c];
                for (x, p) in row.iter_mut().zip(&pivot).skip(c) {
                    *x -= f * p;
                }
            }
        }
        det
    };
    let scale: f64 = delta.iter().map(|x| x.abs()).fold(0.0, f64::max);
    assert!(scale > 0.0);
    let m5 = minor(&[0, 1, 2, 3, 4], &[0, 1, 2, 3, 4]).abs();
    let m4 = minor(&[0, 1, 2, 3], &[0, 1, 2, 3]).abs();
    assert!(
        m5 < 1e-3 * scale.powi(5) + 1e-12,
        "5x5 minor {m5} (scale {scale})"
    );
    assert!(
        m4 > m5,
        "rank-4 update should have a non-vanishing 4x4 minor"
    );
}

#[test]
fn lora_training_is_bit_reproducible() {
    let mut r = rng(31);
    let data = reverse_task(&mut r, 40, 3);
    let cfg = TrainConfig {
        epochs: 2,
        lora_rank: 2,
        ..TrainConfig::default()
    };
    let run = |s: u64| {
        let mut m = Model::new(toy_cfg(vocab()), &mut rng(1));
        let mut k = 0.0;
        train(&mut m, &data, &cfg, &mut rng(s), |_| {
            k += 1.0;
            k
        });
        m.params.iter().map(|p| p.to_bits()).collect::<Vec<u32>>()
    };
    let a = run(9);
    assert_eq!(a, run(9));
    assert_ne!(a, run(10));
}

#[test]
fn a_failed_validation_pass_stops_training_with_its_error() {
    let mut r = StreamKey::shared(1, "toy", 0, "data").rng();
    let data = reverse_task(&mut r, 8, 4);
    let mut m = Model::new(toy_cfg(vocab()), &mut rng(7));
    let cfg = TrainConfig {
        epochs: 5,
        ..TrainConfig::default()
    };
    let mut calls = 0;
    let err = super::try_train(&mut m, &data, &cfg, &mut rng(8), |_| {
        calls += 1;
        if calls == 2 {
            Err("decoding failed")
        } else {
            Ok(0.5)
        }
    })
    .unwrap_err();
    assert_eq!((err, calls), ("decoding failed", 2));
}

/// Every buffer of a workspace set to NaN: a pass that reads a stale value would show it.
fn poison(ws: &mut Workspace) {
    let mut all: Vec<&mut Vec<f32>> = vec![
        &mut ws.x_out,
        &mut ws.xhatf,
        &mut ws.rstdf,
        &mut ws.hf,
        &mut ws.hsel,
        &mut ws.probs,
        &mut ws.dx,
        &mut ws.dh,
        &mut ws.dbig,
        &mut ws.dqkv,
        &mut ws.datt,
        &mut ws.dp,
        &mut ws.dhsel,
    ];
    for a in ws.layers.iter_mut() {
        all.extend([
            &mut a.x_in,
            &mut a.xhat1,
            &mut a.rstd1,
            &mut a.h1,
            &mut a.qkv,
            &mut a.probs,
            &mut a.att,
            &mut a.x_mid,
            &mut a.xhat2,
            &mut a.rstd2,
            &mut a.h2,
            &mut a.u,
            &mut a.gu,
        ]);
    }
    for v in all {
        v.fill(f32::NAN);
    }
}

/// The workspace is reused across steps without zero-filling the buffers that a β = 0
/// GEMM, a LayerNorm or a copy overwrites: a reused workspace whose every buffer holds
/// NaN from earlier (larger and smaller) batches gives the same loss and gradient bits as
/// a fresh one.
#[test]
fn reused_workspace_is_bit_identical_to_a_fresh_one() {
    let cfg = ModelConfig {
        vocab: 11,
        layers: 2,
        d_model: 8,
        heads: 2,
        d_ff: 12,
        context: 12,
    };
    let m = perturbed(cfg, 5, 0.4);
    let mut r = rng(6);
    let mut reused = Workspace::default();
    let bits_of = |ws: &mut Workspace, b: &Batch| {
        let nll = ws.forward(&m, b);
        let mut grad = vec![0.0f32; m.n_params()];
        ws.backward(&m, b, 1.0 / b.loss_rows.len() as f32, &mut grad);
        let mut bits = vec![nll.to_bits()];
        bits.extend(grad.iter().map(|g| g.to_bits() as u64));
        bits.extend(ws.hsel.iter().map(|g| g.to_bits() as u64));
        bits
    };
    // Big, small, big again, then a different packing of the same size.
    for (n, len) in [(6, 10), (2, 4), (6, 10), (3, 10), (5, 7)] {
        let seqs = random_seqs(&mut r, cfg.vocab as u32, n, len);
        let b = batch_of(&seqs, cfg.context);
        let fresh = bits_of(&mut Workspace::default(), &b);
        poison(&mut reused);
        let again = bits_of(&mut reused, &b);
        assert_eq!(fresh, again, "batch of {n} sequences up to {len} tokens");
    }
}

/// One decoder (KV cache, buffers) serves every chunk of prompts without zeroing:
/// decoding 150 prompts of varied lengths together gives, prompt by prompt, what
/// decoding each alone (a fresh decoder) gives.
#[test]
fn chunks_reusing_one_decoder_equal_prompts_decoded_alone() {
    let cfg = ModelConfig {
        vocab: 20,
        layers: 2,
        d_model: 16,
        heads: 2,
        d_ff: 32,
        context: 24,
    };
    let m = perturbed(cfg, 9, 0.5);
    let mut r = rng(19);
    // Long prompts first, then short ones: a later chunk's slots sit on stale cache
    // positions beyond its own prompts.
    let prompts: Vec<Vec<u32>> = (0..150)
        .map(|i| {
            let len = if i < 64 { 18 } else { 1 + i % 7 };
            (0..len).map(|_| r.gen_range(1..20)).collect()
        })
        .collect();
    let together = greedy_decode(&m, &prompts, 12);
    let mut lens = 0;
    for (p, g) in prompts.iter().zip(&together) {
        assert_eq!(g, &greedy_decode(&m, std::slice::from_ref(p), 12)[0]);
        lens += g.len();
    }
    assert!(
        lens > 150,
        "decoding produced almost nothing; test is vacuous"
    );
}

/// The last block on the loss rows only (the default) gives the loss, gradient, hidden
/// state and softmax bits of the last block on every row, through every compiled copy:
/// with one and three layers, loss rows spread over several of the weight gradients'
/// 256-row k blocks, and a first block (a 270-token prompt) with no loss row at all.
#[test]
fn last_block_on_loss_rows_is_bit_identical_to_every_row() {
    for (layers, seed) in [(1, 31), (3, 32)] {
        let cfg = ModelConfig {
            vocab: 29,
            layers,
            d_model: 32,
            heads: 2,
            d_ff: 48,
            context: 300,
        };
        let m = perturbed(cfg, seed, 0.3);
        let mut r = rng(seed + 1);
        let long: Vec<u32> = (0..270).map(|_| r.gen_range(4..29)).collect();
        let mut seqs = vec![Sequence::new(&long, &[5, 6])];
        seqs.extend(random_seqs(&mut r, 29, 14, 40));
        let b = batch_of(&seqs, cfg.context);
        assert!(b.rows() > 512 && b.loss_rows[0] >= 256, "{} rows", b.rows());
        let scale = 1.0 / b.loss_rows.len() as f32;
        for &l in &super::wide::Lanes::available() {
            let bits = |all_rows: bool| {
                let mut ws = Workspace {
                    all_rows,
                    ..Workspace::default()
                };
                let mut grad = vec![0.0f32; m.n_params()];
                let nll = ws.forward_with(l, &m, &b);
                let mut v = vec![nll.to_bits()];
                v.extend(ws.hsel.iter().map(|g| g.to_bits() as u64));
                v.extend(ws.probs.iter().map(|g| g.to_bits() as u64));
                ws.backward_with(l, &m, &b, scale, &mut grad);
                assert!(grad.iter().all(|g| g.is_finite()) && grad.iter().any(|g| *g != 0.0));
                v.extend(grad.iter().map(|g| g.to_bits() as u64));
                v
            };
            assert!(
                bits(false) == bits(true),
                "{l:?}, {layers} layers: loss rows only differ from every row"
            );
        }
    }
}

/// Every compiled copy of the forward and backward passes the CPU can run (AVX-512,
/// AVX2; [`super::wide`]) gives the same loss, gradient and hidden-state bits as the
/// portable one, with attention through the register tiles (where the CPU has them) and
/// through `matrixmultiply`, at the scenarios' head width (16), at the 4-layer d 128
/// student's (32), and at widths and sequence lengths that leave vector tails.
#[test]
fn wide_and_portable_training_passes_are_bit_identical() {
    let lanes = super::wide::Lanes::available();
    for (d_model, heads, d_ff, seed) in [
        (64, 4, 256, 1),
        (128, 4, 64, 4),
        (20, 2, 36, 2),
        (24, 3, 50, 3),
    ] {
        let cfg = ModelConfig {
            vocab: 37,
            layers: 2,
            d_model,
            heads,
            d_ff,
            context: 40,
        };
        let m = perturbed(cfg, seed, 0.3);
        let seqs = random_seqs(&mut rng(seed + 10), cfg.vocab as u32, 9, 30);
        let b = batch_of(&seqs, cfg.context);
        let scale = 1.0 / b.loss_rows.len() as f32;
        let mut bits = Vec::new();
        for &l in &lanes {
            for gemm_attention in [false, true] {
                let mut ws = Workspace {
                    gemm_attention,
                    ..Workspace::default()
                };
                let mut grad = vec![0.0f32; m.n_params()];
                let nll = ws.forward_with(l, &m, &b);
                ws.backward_with(l, &m, &b, scale, &mut grad);
                let mut v = vec![nll.to_bits()];
                v.extend(grad.iter().map(|g| g.to_bits() as u64));
                v.extend(ws.hsel.iter().map(|g| g.to_bits() as u64));
                assert!(grad.iter().any(|g| *g != 0.0));
                bits.push(((l, gemm_attention), v));
            }
        }
        for (which, v) in &bits[1..] {
            assert!(
                *v == bits[0].1,
                "{which:?} against {:?}: d {d_model}, heads {heads}",
                bits[0].0
            );
        }
    }
}
