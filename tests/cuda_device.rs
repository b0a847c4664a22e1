//! The CUDA scoring backend on a real GPU, against float64 computations written here
//! independently of both backends (explicit logits, log-sum-exp, the projected gradient
//! summed row by row) and against the CPU reference.
//!
//! Without a CUDA device every test prints a SKIP line and passes, so `cargo test` runs
//! anywhere; with `ACTIVESYNTH_REQUIRE_CUDA=1` a missing device fails them instead. The
//! backend fills its outputs with NaN before the kernels run, so an element no kernel
//! wrote shows up here as a non-finite value.

use activesynth::rng::Rng;
use activesynth::scoring::cpu::CpuBackend;
use activesynth::scoring::cuda::{self, CudaBackend, KA_MAX};
use activesynth::scoring::workload::{self, Workload};
use activesynth::scoring::{Elems, Projection, ScoringBackend, ScoringInput};
use half::{bf16, f16};
use rand::{Rng as _, SeedableRng};

/// The device, or `None` (after a SKIP line) when this machine has none.
fn device(test: &str) -> Option<CudaBackend> {
    let required = std::env::var("ACTIVESYNTH_REQUIRE_CUDA").as_deref() == Ok("1");
    let why = if !cuda::driver_present() {
        "libcuda not found".to_string()
    } else {
        match CudaBackend::try_new(0) {
            Ok(b) => {
                eprintln!("{test}: on {}", b.device_name());
                return Some(b);
            }
            Err(e) => e.to_string(),
        }
    };
    if required {
        panic!("ACTIVESYNTH_REQUIRE_CUDA=1 but no CUDA device: {why}");
    }
    eprintln!("SKIP {test}: {why}");
    None
}

#[derive(Clone, Copy, Debug)]
enum Ty {
    F32,
    F16,
    Bf16,
}

/// A random problem, with the values the kernels see (after rounding to f16/bf16).
struct Case {
    h: Vec<f32>,
    w: Vec<f32>,
    h16: Vec<u16>,
    w16: Vec<u16>,
    ty: Ty,
    d: usize,
    v: usize,
    targets: Vec<u32>,
    offsets: Vec<usize>,
}

fn round(ty: Ty, x: &[f32]) -> (Vec<f32>, Vec<u16>) {
    match ty {
        Ty::F32 => (x.to_vec(), vec![]),
        Ty::F16 => {
            let q: Vec<f16> = x.iter().map(|v| f16::from_f32(*v)).collect();
            (
                q.iter().map(|v| v.to_f32()).collect(),
                q.iter().map(|v| v.to_bits()).collect(),
            )
        }
        Ty::Bf16 => {
            let q: Vec<bf16> = x.iter().map(|v| bf16::from_f32(*v)).collect();
            (
                q.iter().map(|v| v.to_f32()).collect(),
                q.iter().map(|v| v.to_bits()).collect(),
            )
        }
    }
}

fn make_case(seed: u64, lens: &[usize], d: usize, v: usize, scale: f32, ty: Ty) -> Case {
    let mut rng = Rng::seed_from_u64(seed);
    let mut offsets = vec![0usize];
    for l in lens {
        offsets.push(offsets.last().unwrap() + l);
    }
    let t = *offsets.last().unwrap();
    let h: Vec<f32> = (0..t * d)
        .map(|_| rng.gen_range(-1.0f32..1.0) * scale)
        .collect();
    let w: Vec<f32> = (0..v * d)
        .map(|_| rng.gen_range(-1.0f32..1.0) * scale)
        .collect();
    let targets = (0..t).map(|_| rng.gen_range(0..v as u32)).collect();
    let (h, h16) = round(ty, &h);
    let (w, w16) = round(ty, &w);
    Case {
        h,
        w,
        h16,
        w16,
        ty,
        d,
        v,
        targets,
        offsets,
    }
}

impl Case {
    fn input(&self) -> ScoringInput<'_> {
        let (h, w) = match self.ty {
            Ty::F32 => (Elems::F32(&self.h), Elems::F32(&self.w)),
            Ty::F16 => (
                Elems::F16(bytemuck_u16::<f16>(&self.h16)),
                Elems::F16(bytemuck_u16::<f16>(&self.w16)),
            ),
            Ty::Bf16 => (
                Elems::Bf16(bytemuck_u16::<bf16>(&self.h16)),
                Elems::Bf16(bytemuck_u16::<bf16>(&self.w16)),
            ),
        };
        ScoringInput {
            h,
            w,
            d: self.d,
            v: self.v,
            targets: &self.targets,
            offsets: &self.offsets,
        }
    }
}

/// View raw 16-bit patterns as `half` values (both are `repr(transparent)` over u16).
fn bytemuck_u16<T>(x: &[u16]) -> &[T] {
    assert_eq!(std::mem::size_of::<T>(), 2);
    // SAFETY: f16 and bf16 are repr(transparent) wrappers of u16 with the same alignment.
    unsafe { std::slice::from_raw_parts(x.as_ptr() as *const T, x.len()) }
}

/// Float64 reference: per-sequence mean loss and the projected embedding
/// `(1/n) Σ_r (A (p_r − e_y)) ⊗ (B h_r)`, each row's logits written out in full.
fn reference(c: &Case, p: &Projection) -> (Vec<f64>, Vec<Vec<f64>>) {
    let (d, v) = (c.d, c.v);
    let mut losses = vec![];
    let mut embs = vec![];
    for s in 0..c.offsets.len() - 1 {
        let (a, b) = (c.offsets[s], c.offsets[s + 1]);
        let mut loss = 0.0;
        let mut e = vec![0.0f64; p.ka * p.kb];
        for r in a..b {
            let hr = &c.h[r * d..(r + 1) * d];
            let logits: Vec<f64> = (0..v)
                .map(|col| (0..d).map(|k| c.w[col * d + k] as f64 * hr[k] as f64).sum())
                .collect();
            let mx = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = mx + logits.iter().map(|l| (l - mx).exp()).sum::<f64>().ln();
            let y = c.targets[r] as usize;
            loss += lse - logits[y];
            let u: Vec<f64> = (0..p.ka)
                .map(|i| {
                    (0..v)
                        .map(|col| {
                            let g = (logits[col] - lse).exp() - if col == y { 1.0 } else { 0.0 };
                            p.a[i * v + col] as f64 * g
                        })
                        .sum()
                })
                .collect();
            let z: Vec<f64> = (0..p.kb)
                .map(|j| (0..d).map(|k| p.b[j * d + k] as f64 * hr[k] as f64).sum())
                .collect();
            for i in 0..p.ka {
                for j in 0..p.kb {
                    e[i * p.kb + j] += u[i] * z[j];
                }
            }
        }
        if b > a {
            loss /= (b - a) as f64;
            e.iter_mut().for_each(|x| *x /= (b - a) as f64);
        }
        losses.push(loss);
        embs.push(e);
    }
    (losses, embs)
}

/// ‖got − want‖ / max(‖want‖, floor).
fn rel_err(got: &[f32], want: &[f64], floor: f64) -> f64 {
    assert_eq!(got.len(), want.len());
    let num: f64 = got
        .iter()
        .zip(want)
        .map(|(g, w)| (*g as f64 - w).powi(2))
        .sum::<f64>()
        .sqrt();
    let den: f64 = want.iter().map(|w| w * w).sum::<f64>().sqrt();
    num / den.max(floor)
}

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

/// One case on the device: every output written and finite, within f32 rounding of the
/// float64 reference, and the same bits on a second run.
fn check(g: &dyn ScoringBackend, c: &Case, ka: usize, kb: usize, label: &str) {
    let mut rng = Rng::seed_from_u64(c.h.len() as u64 * 31 + ka as u64);
    let p = Projection::gaussian(ka, kb, c.v, c.d, &mut rng);
    let (want_l, want_e) = reference(c, &p);
    let x = c.input();
    let loss = g.seq_loss(&x).unwrap_or_else(|e| panic!("{label}: {e}"));
    let emb = g
        .grad_embed(&x, &p)
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    assert_eq!(loss.len(), c.offsets.len() - 1, "{label}");
    assert_eq!(emb.len(), (c.offsets.len() - 1) * ka * kb, "{label}");
    assert!(
        loss.iter().chain(&emb).all(|v| v.is_finite()),
        "{label}: an output is not finite (unwritten or overflowed)"
    );
    for (s, (gl, wl)) in loss.iter().zip(&want_l).enumerate() {
        let e = (*gl as f64 - wl).abs() / wl.abs().max(1.0);
        assert!(
            e <= 2e-5,
            "{label}: seq {s} loss {gl} vs {wl} (rel err {e:.2e})"
        );
        let dim = ka * kb;
        let ee = rel_err(&emb[s * dim..(s + 1) * dim], &want_e[s], 1e-6);
        assert!(
            ee <= 1e-4,
            "{label}: seq {s} embedding rel err {ee:.2e} (norm {:.3e})",
            want_e[s].iter().map(|v| v * v).sum::<f64>().sqrt()
        );
    }
    let loss2 = g.seq_loss(&x).unwrap();
    let emb2 = g.grad_embed(&x, &p).unwrap();
    assert_eq!(
        bits(&loss),
        bits(&loss2),
        "{label}: loss bits differ run to run"
    );
    assert_eq!(
        bits(&emb),
        bits(&emb2),
        "{label}: embedding bits differ run to run"
    );
}

/// The reference and tolerances of [`check`] hold for the CPU backend, so that a failure
/// on the GPU points at the CUDA path, not at this file. Runs everywhere.
#[test]
fn the_reference_accepts_the_cpu_backend() {
    let cpu = CpuBackend::new(2);
    for (i, ty) in [Ty::F32, Ty::F16, Ty::Bf16].into_iter().enumerate() {
        let c = make_case(7 + i as u64, &[0, 129, 2, 0], 33, 600, 1.5, ty);
        check(&cpu, &c, KA_MAX, 16, &format!("cpu {ty:?}"));
        let c = make_case(9 + i as u64, &[5, 3], 40, 5000, 1.5, ty);
        check(&cpu, &c, 4, 3, &format!("cpu {ty:?}"));
    }
}

#[test]
fn cuda_matches_f64_reference_on_awkward_shapes() {
    let Some(g) = device("cuda_matches_f64_reference_on_awkward_shapes") else {
        return;
    };
    // Lengths cross the 64-row block and include empty sequences; d crosses the 16-wide k
    // chunk; V crosses the 64-wide tile and, at 5000 with few rows, is split many ways.
    let shapes: [(&[usize], usize, usize); 7] = [
        (&[1], 1, 1),
        (&[3, 0, 5], 7, 63),
        (&[64, 1, 0, 65], 16, 64),
        (&[70, 130], 17, 65),
        (&[0, 129, 2, 0], 33, 600),
        (&[5, 3], 40, 5000),
        (&[200, 57, 300], 70, 1100),
    ];
    let mut n = 0;
    for (i, (lens, d, v)) in shapes.iter().enumerate() {
        for ty in [Ty::F32, Ty::F16, Ty::Bf16] {
            for (ka, kb) in [(1, 1), (4, 3), (KA_MAX, 16)] {
                let c = make_case(100 + i as u64, lens, *d, *v, 1.5, ty);
                check(
                    &g,
                    &c,
                    ka,
                    kb,
                    &format!("{lens:?} d={d} V={v} {ty:?} ka={ka} kb={kb}"),
                );
                n += 1;
            }
        }
    }
    eprintln!("{n} cases within tolerance, each bit-identical on a second run");
}

#[test]
fn cuda_agrees_with_cpu_at_the_medium_benchmark_size() {
    let Some(g) = device("cuda_agrees_with_cpu_at_the_medium_benchmark_size") else {
        return;
    };
    // 4096 tokens, d 512, V 8192: long dot products and many vocabulary splits. The CPU
    // backend is the reference here (a float64 loop over 17 GFLOP would take minutes).
    let w = Workload::generate(workload::size("medium").unwrap(), 7);
    let x = w.input();
    let cpu = CpuBackend::new(activesynth::scoring::default_threads());
    let (lc, lg) = (cpu.seq_loss(&x).unwrap(), g.seq_loss(&x).unwrap());
    let (ec, eg) = (
        cpu.grad_embed(&x, &w.proj).unwrap(),
        g.grad_embed(&x, &w.proj).unwrap(),
    );
    assert!(lg.iter().chain(&eg).all(|v| v.is_finite()));
    let max_loss = lc
        .iter()
        .zip(&lg)
        .map(|(a, b)| ((a - b).abs() / a.abs().max(1.0)) as f64)
        .fold(0.0, f64::max);
    let ec64: Vec<f64> = ec.iter().map(|v| *v as f64).collect();
    let emb = rel_err(&eg, &ec64, 1e-6);
    eprintln!("medium: max loss rel diff {max_loss:.2e}, embedding rel diff {emb:.2e}");
    assert!(max_loss <= 2e-5, "loss rel diff {max_loss:.2e}");
    assert!(emb <= 1e-4, "embedding rel diff {emb:.2e}");
    assert_eq!(bits(&lg), bits(&g.seq_loss(&x).unwrap()));
}

#[test]
fn cuda_kmeanspp_update_is_badges_bit_for_bit() {
    let Some(g) = device("cuda_kmeanspp_update_is_badges_bit_for_bit") else {
        return;
    };
    let mut rng = Rng::seed_from_u64(5);
    for (n, dim) in [(1usize, 1usize), (1000, 17), (70_000, 256)] {
        let pts: Vec<f32> = (0..n * dim).map(|_| rng.gen_range(-2.0f32..2.0)).collect();
        let c: Vec<f32> = (0..dim).map(|_| rng.gen_range(-2.0f32..2.0)).collect();
        let old: Vec<f64> = (0..n)
            .map(|_| rng.gen_range(0.0..8.0 * dim as f64))
            .collect();
        let mut want = old.clone();
        activesynth::selection::badge::kmeanspp_update(&pts, &c, &mut want);
        let mut got = old.clone();
        g.kmeanspp_update(&pts, &c, &mut got).unwrap();
        let b = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(b(&got), b(&want), "n = {n}, dim = {dim}");
        assert!(got.iter().zip(&old).any(|(a, o)| a != o) || n == 1);
    }
}
