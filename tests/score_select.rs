//! End-to-end checks of `activesynth score` and `activesynth select` through the binary:
//! scores equal the in-process CPU backend bit for bit and an independent float64 /
//! numpy computation to 1e-5; selections equal brute-force answers. The h5py parts print
//! SKIP without h5py (unless ACTIVESYNTH_REQUIRE_H5PY=1); the pure-Rust parts always run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use activesynth::output::h5::{Attr, Data, H5Builder, H5File};
use activesynth::rng::StreamKey;
use activesynth::scoring::{cpu::CpuBackend, Elems, Projection, ScoringBackend, ScoringInput};
use half::bf16;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_activesynth"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run activesynth")
}

fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "{args:?} failed ({:?}): {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Runs and expects exit code 2; returns stderr.
fn usage_err(args: &[&str]) -> String {
    let o = run(args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{args:?}: expected exit 2, stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stderr).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn have_h5py(test: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import h5py, numpy"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("ACTIVESYNTH_REQUIRE_H5PY").as_deref() == Ok("1") {
            panic!("{test}: h5py is required (ACTIVESYNTH_REQUIRE_H5PY=1) but cannot be imported");
        }
        println!("SKIP {test}: python3 with h5py and numpy is not available");
        eprintln!("SKIP {test}: python3 with h5py and numpy is not available");
    }
    ok
}

/// The projection `score` documents: kA = kB = ceil(sqrt(K)) on the named stream.
fn documented_projection(seed: u64, k_side: usize, v: usize, d: usize) -> Projection {
    let mut rng = StreamKey::shared(seed, "score", 0, "grad-embed-projection").rng();
    Projection::gaussian(k_side, k_side, v, d, &mut rng)
}

/// Independent float64 reference: explicit logits and log-softmax, mean per sequence.
fn loss_f64(h: &[f32], w: &[f32], d: usize, v: usize, y: &[u32], off: &[usize]) -> Vec<f64> {
    let row_loss = |j: usize| -> f64 {
        let logits: Vec<f64> = (0..v)
            .map(|c| {
                (0..d)
                    .map(|k| h[j * d + k] as f64 * w[c * d + k] as f64)
                    .sum()
            })
            .collect();
        let mx = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let lse = mx + logits.iter().map(|l| (l - mx).exp()).sum::<f64>().ln();
        lse - logits[y[j] as usize]
    };
    off.windows(2)
        .map(|r| {
            if r[0] == r[1] {
                0.0
            } else {
                (r[0]..r[1]).map(row_loss).sum::<f64>() / (r[1] - r[0]) as f64
            }
        })
        .collect()
}

fn assert_rel(got: &[f32], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let err = (*g as f64 - w).abs() / w.abs().max(1e-12);
        assert!(
            err <= tol || (*w == 0.0 && *g == 0.0),
            "{what}[{i}]: got {g}, want {w} (rel {err:e})"
        );
    }
}

fn f32s(f: &H5File, name: &str) -> (Vec<f32>, Vec<usize>) {
    let a = f.read(name).unwrap();
    match a.data {
        Data::F32(v) => (v, a.shape),
        other => panic!("{name}: expected float32, got {}", other.type_name()),
    }
}

/// A random dump: tokens, d, V, offsets with an empty sequence.
struct Raw {
    h: Vec<f32>,
    w: Vec<f32>,
    d: usize,
    v: usize,
    y: Vec<u32>,
    off: Vec<usize>,
}

fn raw(seed: u64) -> Raw {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let (d, v) = (12, 90);
    let off = vec![0usize, 7, 7, 30, 31, 64];
    let t = *off.last().unwrap();
    let h = (0..t * d).map(|_| r.gen_range(-1.5f32..1.5)).collect();
    let w = (0..v * d).map(|_| r.gen_range(-1.0f32..1.0)).collect();
    let y = (0..t).map(|_| r.gen_range(0..v as u32)).collect();
    Raw { h, w, d, v, y, off }
}

fn write_raw_dump(r: &Raw, bf: bool, path: &Path) -> (Vec<u8>, Vec<f64>) {
    let mut b = H5Builder::new();
    let t = r.y.len();
    if bf {
        let bits =
            |x: &[f32]| -> Vec<u16> { x.iter().map(|&v| bf16::from_f32(v).to_bits()).collect() };
        b.dataset("hidden", &[t, r.d], bits(&r.h)).unwrap();
        b.dataset("head", &[r.v, r.d], bits(&r.w)).unwrap();
        b.attr("hidden", "dtype", "bfloat16").unwrap();
        b.attr("head", "dtype", "bfloat16").unwrap();
    } else {
        b.dataset("hidden", &[t, r.d], r.h.clone()).unwrap();
        b.dataset("head", &[r.v, r.d], r.w.clone()).unwrap();
    }
    b.vector(
        "targets",
        r.y.iter().map(|&x| x as i64).collect::<Vec<i64>>(),
    )
    .unwrap();
    b.vector(
        "offsets",
        r.off.iter().map(|&x| x as i64).collect::<Vec<i64>>(),
    )
    .unwrap();
    let n = r.off.len() - 1;
    let correct: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
    let reward: Vec<f64> = (0..n).map(|i| 0.25 * i as f64 - 0.5).collect();
    b.vector("correct", correct.clone()).unwrap();
    b.vector("reward", reward.clone()).unwrap();
    b.write_atomic(path).unwrap();
    (correct, reward)
}

#[test]
fn pure_rust_dump_scores_match_in_process_and_f64_reference() {
    let dir = tempfile::tempdir().unwrap();
    for bf in [false, true] {
        let r = raw(11);
        let dump = dir.path().join(format!("dump{bf}.h5"));
        let out = dir.path().join(format!("scores{bf}.h5"));
        let (correct, reward) = write_raw_dump(&r, bf, &dump);
        ok(&[
            "score",
            "--input",
            s(&dump),
            "--out",
            s(&out),
            "--device",
            "cpu",
            "--embed-dims",
            "10",
            "--seed",
            "7",
            "--threads",
            "2",
        ]);
        // The in-process path on the same element values.
        let (hb, wb): (Vec<bf16>, Vec<bf16>) = (
            r.h.iter().map(|&x| bf16::from_f32(x)).collect(),
            r.w.iter().map(|&x| bf16::from_f32(x)).collect(),
        );
        let (he, we) = if bf {
            (Elems::Bf16(&hb), Elems::Bf16(&wb))
        } else {
            (Elems::F32(&r.h), Elems::F32(&r.w))
        };
        let input = ScoringInput {
            h: he,
            w: we,
            d: r.d,
            v: r.v,
            targets: &r.y,
            offsets: &r.off,
        };
        let cpu = CpuBackend::new(1);
        let proj = documented_projection(7, 4, r.v, r.d);
        let want_loss = cpu.seq_loss(&input).unwrap();
        let want_emb = cpu.grad_embed(&input, &proj).unwrap();

        let f = H5File::open(&out).unwrap();
        let (loss, shape) = f32s(&f, "loss");
        assert_eq!(shape, [5]);
        assert_eq!(
            loss, want_loss,
            "bf16 = {bf}: loss differs from the in-process path"
        );
        let (emb, shape) = f32s(&f, "grad_embed");
        assert_eq!(shape, [5, 16], "K = 10 gives kA = kB = 4");
        assert_eq!(emb, want_emb, "bf16 = {bf}: grad_embed differs");
        assert_eq!(
            emb[16..32],
            [0.0; 16],
            "the empty sequence has a zero embedding"
        );

        let (hw, ww): (Vec<f32>, Vec<f32>) = if bf {
            (
                hb.iter().map(|x| x.to_f32()).collect(),
                wb.iter().map(|x| x.to_f32()).collect(),
            )
        } else {
            (r.h.clone(), r.w.clone())
        };
        assert_rel(
            &loss,
            &loss_f64(&hw, &ww, r.d, r.v, &r.y, &r.off),
            1e-5,
            "loss vs f64",
        );

        assert_eq!(f.read("correct").unwrap().data, Data::U8(correct));
        assert_eq!(f.read("reward").unwrap().data, Data::F64(reward));
        let a = f.attrs("/").unwrap();
        assert_eq!(a["backend"], Attr::Str("cpu".into()));
        assert_eq!(a["seed"], Attr::I64(7));
        assert_eq!(a["embed_dims"], Attr::I64(10));
        assert_eq!(a["embed_ka"], Attr::I64(4));
        assert_eq!(
            a["input_dtype"],
            Attr::Str(if bf { "bfloat16" } else { "float32" }.into())
        );
        assert_eq!(a["input"], Attr::Str(s(&dump).into()));
        assert!(!PathBuf::from(format!("{}.tmp", out.display())).exists());
    }
}

#[test]
fn malformed_dumps_are_usage_errors_naming_the_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let r = raw(3);
    let t = r.y.len();
    let out = dir.path().join("s.h5");
    type Edit = Box<dyn Fn(&mut H5Builder)>;
    let base = |skip: &str| -> H5Builder {
        let mut b = H5Builder::new();
        if skip != "hidden" {
            b.dataset("hidden", &[t, r.d], r.h.clone()).unwrap();
        }
        if skip != "head" {
            b.dataset("head", &[r.v, r.d], r.w.clone()).unwrap();
        }
        if skip != "targets" {
            b.vector(
                "targets",
                r.y.iter().map(|&x| x as i32).collect::<Vec<i32>>(),
            )
            .unwrap();
        }
        if skip != "offsets" {
            b.vector(
                "offsets",
                r.off.iter().map(|&x| x as i64).collect::<Vec<i64>>(),
            )
            .unwrap();
        }
        b
    };
    let cases: Vec<(&str, Edit, &str)> = vec![
        ("offsets", Box::new(|_| {}), "missing dataset `offsets`"),
        (
            "head",
            Box::new(|b: &mut H5Builder| {
                b.dataset("head", &[90, 11], vec![0.0f32; 990]).unwrap();
            }),
            "`head` has shape (90, 11), expected (V, d) with d = 12",
        ),
        (
            "targets",
            Box::new(move |b: &mut H5Builder| {
                b.vector("targets", vec![0i64; t - 1]).unwrap();
            }),
            "`targets` has shape [63], expected (tokens,) = (64,)",
        ),
        (
            "targets",
            Box::new(move |b: &mut H5Builder| {
                let mut y = vec![0i64; t];
                y[5] = 90;
                b.vector("targets", y).unwrap();
            }),
            "`targets`[5] = 90 is outside the vocabulary 0..90",
        ),
        (
            "offsets",
            Box::new(|b: &mut H5Builder| {
                b.vector("offsets", vec![0i64, 40, 30, 64]).unwrap();
            }),
            "`offsets` must be non-decreasing",
        ),
        (
            "offsets",
            Box::new(|b: &mut H5Builder| {
                b.vector("offsets", vec![0i64, 40, 63]).unwrap();
            }),
            "end at tokens = 64",
        ),
        (
            "hidden",
            Box::new(move |b: &mut H5Builder| {
                b.dataset("hidden", &[t, 12], vec![0u16; t * 12]).unwrap();
            }),
            "`hidden` is uint16 without the attribute dtype = \"bfloat16\"",
        ),
        (
            "hidden",
            Box::new(move |b: &mut H5Builder| {
                b.vector("hidden", vec![0.0f32; t * 12]).unwrap();
            }),
            "`hidden` has shape [768], expected 2-D (tokens × d)",
        ),
        (
            "nothing",
            Box::new(|b: &mut H5Builder| {
                b.vector("correct", vec![1u8, 0, 2, 0, 1]).unwrap();
            }),
            "`correct`[2] = 2, expected 0 or 1",
        ),
        (
            "nothing",
            Box::new(|b: &mut H5Builder| {
                b.vector("reward", vec![1.0f64; 4]).unwrap();
            }),
            "`reward` has shape [4], expected (n_seq,) = (5,)",
        ),
    ];
    for (i, (skip, edit, want)) in cases.iter().enumerate() {
        let mut b = base(skip);
        edit(&mut b);
        let dump = dir.path().join(format!("bad{i}.h5"));
        b.write_atomic(&dump).unwrap();
        let err = usage_err(&[
            "score",
            "--input",
            s(&dump),
            "--out",
            s(&out),
            "--device",
            "cpu",
        ]);
        assert!(
            err.contains(want),
            "case {i}: stderr {err:?} lacks {want:?}"
        );
        assert!(!out.exists(), "case {i}: no output on error");
    }
}

/// numpy writes the dump (float32, float16 or bfloat16 bits) and computes the float64
/// losses from the stored values; prints them one per line.
const NUMPY_DUMP: &str = r#"
import sys, h5py, numpy as np
path, kind = sys.argv[1], sys.argv[2]
r = np.random.default_rng(5)
T, d, V = 150, 16, 200
off = np.array([0, 40, 40, 41, 99, 150], dtype=np.int64)
h = r.standard_normal((T, d)).astype(np.float32)
w = (0.5 * r.standard_normal((V, d))).astype(np.float32)
y = r.integers(0, V, T)
def bf_bits(x):
    b = x.view(np.uint32).astype(np.uint64)
    b = (b + 0x7FFF + ((b >> 16) & 1)) >> 16   # round to nearest even
    return b.astype(np.uint16)
def bf_vals(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)
with h5py.File(path, "w") as f:
    if kind == "float32":
        f["hidden"], f["head"] = h, w
        hv, wv = h, w
    elif kind == "float16":
        f["hidden"], f["head"] = h.astype(np.float16), w.astype(np.float16)
        hv, wv = h.astype(np.float16), w.astype(np.float16)
    else:
        hb, wb = bf_bits(h), bf_bits(w)
        f["hidden"], f["head"] = hb, wb
        f["hidden"].attrs["dtype"] = "bfloat16"
        f["head"].attrs["dtype"] = "bfloat16"
        hv, wv = bf_vals(hb), bf_vals(wb)
    f["targets"] = y.astype(np.int32 if kind == "float16" else np.int64)
    f["offsets"] = off
    f["correct"] = np.array([True, False, False, True, False])
logits = hv.astype(np.float64) @ wv.astype(np.float64).T
m = logits.max(axis=1, keepdims=True)
logp = logits - (m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True)))
tok = -logp[np.arange(T), y]
for s in range(len(off) - 1):
    a, b = off[s], off[s + 1]
    print(repr(float(tok[a:b].mean())) if b > a else "0.0")
"#;

#[test]
fn h5py_dumps_score_like_in_process_and_numpy() {
    if !have_h5py("h5py_dumps_score_like_in_process_and_numpy") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for kind in ["float32", "float16", "bfloat16"] {
        let dump = dir.path().join(format!("{kind}.h5"));
        let out = dir.path().join(format!("{kind}-scores.h5"));
        let py = Command::new("python3")
            .args(["-c", NUMPY_DUMP, s(&dump), kind])
            .output()
            .unwrap();
        assert!(
            py.status.success(),
            "{}",
            String::from_utf8_lossy(&py.stderr)
        );
        let numpy: Vec<f64> = String::from_utf8(py.stdout)
            .unwrap()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect();
        ok(&[
            "score",
            "--input",
            s(&dump),
            "--out",
            s(&out),
            "--device",
            "cpu",
            "--seed",
            "3",
        ]);

        // In-process path on the arrays as stored (read with the generic HDF5 reader).
        let f = H5File::open(&dump).unwrap();
        let mat = |name: &str| f.read(name).unwrap();
        let (ha, wa) = (mat("hidden"), mat("head"));
        let (d, v) = (ha.shape[1], wa.shape[0]);
        let y: Vec<u32> = f
            .read_f64("targets")
            .unwrap()
            .0
            .iter()
            .map(|&x| x as u32)
            .collect();
        let off: Vec<usize> = f
            .read_f64("offsets")
            .unwrap()
            .0
            .iter()
            .map(|&x| x as usize)
            .collect();
        let (hb, wb): (Vec<bf16>, Vec<bf16>);
        let (he, we) = match (&ha.data, &wa.data) {
            (Data::F32(h), Data::F32(w)) => (Elems::F32(h), Elems::F32(w)),
            (Data::F16(h), Data::F16(w)) => (Elems::F16(h.as_slice()), Elems::F16(w.as_slice())),
            (Data::U16(h), Data::U16(w)) => {
                hb = h.iter().map(|&b| bf16::from_bits(b)).collect();
                wb = w.iter().map(|&b| bf16::from_bits(b)).collect();
                (Elems::Bf16(&hb), Elems::Bf16(&wb))
            }
            other => panic!("{kind}: unexpected stored types {other:?}"),
        };
        let input = ScoringInput {
            h: he,
            w: we,
            d,
            v,
            targets: &y,
            offsets: &off,
        };
        let cpu = CpuBackend::new(3);
        let proj = documented_projection(3, 4, v, d);
        let sf = H5File::open(&out).unwrap();
        let (loss, _) = f32s(&sf, "loss");
        let (emb, shape) = f32s(&sf, "grad_embed");
        assert_eq!(
            loss,
            cpu.seq_loss(&input).unwrap(),
            "{kind}: loss vs in-process"
        );
        assert_eq!(shape, [5, 16]);
        assert_eq!(
            emb,
            cpu.grad_embed(&input, &proj).unwrap(),
            "{kind}: embed vs in-process"
        );
        assert_rel(&loss, &numpy, 1e-5, &format!("{kind}: loss vs numpy"));
        assert_eq!(
            sf.read("correct").unwrap().data,
            Data::U8(vec![1, 0, 0, 1, 0])
        );
    }
}

/// A scores file with tied losses, 0/1 correctness and embeddings.
fn scores_file(dir: &Path, n: usize, seed: u64) -> (PathBuf, Vec<f32>, Vec<u8>, Vec<f32>) {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let loss: Vec<f32> = (0..n).map(|_| r.gen_range(0..6) as f32 * 0.5).collect();
    let correct: Vec<u8> = (0..n).map(|_| u8::from(r.gen_bool(0.7))).collect();
    let k = 9;
    let emb: Vec<f32> = (0..n * k).map(|_| r.gen_range(-1.0f32..1.0)).collect();
    let mut b = H5Builder::new();
    b.vector("loss", loss.clone()).unwrap();
    b.vector("correct", correct.clone()).unwrap();
    b.dataset("grad_embed", &[n, k], emb.clone()).unwrap();
    b.attr("/", "embed_dims", 9i64).unwrap();
    let path = dir.join(format!("scores{seed}.h5"));
    b.write_atomic(&path).unwrap();
    (path, loss, correct, emb)
}

fn indices(stdout: &str) -> Vec<usize> {
    stdout.lines().map(|l| l.trim().parse().unwrap()).collect()
}

#[test]
fn select_matches_brute_force_and_contracts() {
    let dir = tempfile::tempdir().unwrap();
    for seed in 0..3u64 {
        let n = 40;
        let (path, loss, correct, emb) = scores_file(dir.path(), n, seed);
        let p = s(&path);
        // loss argmax (high): brute force sort by (-loss, index).
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| loss[b].partial_cmp(&loss[a]).unwrap().then(a.cmp(&b)));
        let got = indices(&ok(&[
            "select",
            "--input",
            p,
            "--strategy",
            "loss",
            "--k",
            "12",
        ]));
        assert_eq!(got, order[..12], "seed {seed}: loss top-k");
        // direction=low: ascending, ties by index.
        order.sort_by(|&a, &b| loss[a].partial_cmp(&loss[b]).unwrap().then(a.cmp(&b)));
        let got = indices(&ok(&[
            "select",
            "--input",
            p,
            "--strategy",
            "loss",
            "--k",
            "5",
            "--param",
            "direction=low",
        ]));
        assert_eq!(got, order[..5], "seed {seed}: loss low top-k");

        // incorrect: only incorrect items while enough exist.
        let wrong: Vec<usize> = (0..n).filter(|&i| correct[i] == 0).collect();
        assert!(wrong.len() >= 4, "fixture has {} incorrect", wrong.len());
        let got = indices(&ok(&[
            "select",
            "--input",
            p,
            "--strategy",
            "incorrect",
            "--k",
            "4",
        ]));
        assert_eq!(got.len(), 4);
        assert!(got.iter().all(|i| correct[*i] == 0), "seed {seed}: {got:?}");
        let k_all = wrong.len().to_string();
        let mut got = indices(&ok(&[
            "select",
            "--input",
            p,
            "--strategy",
            "incorrect",
            "--k",
            &k_all,
        ]));
        got.sort();
        assert_eq!(got, wrong, "k = #incorrect takes exactly the incorrect set");

        // badge: k distinct indices, first = largest embedding norm.
        let got = indices(&ok(&[
            "select",
            "--input",
            p,
            "--strategy",
            "badge",
            "--k",
            "10",
        ]));
        let mut uniq = got.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!((got.len(), uniq.len()), (10, 10), "badge picks {got:?}");
        assert!(got.iter().all(|&i| i < n));
        let norm = |i: usize| {
            emb[i * 9..(i + 1) * 9]
                .iter()
                .map(|x| (x * x) as f64)
                .sum::<f64>()
        };
        let best = (0..n).fold(0, |b, i| if norm(i) > norm(b) { i } else { b });
        assert_eq!(got[0], best);

        // Deterministic for a seed; CSV holds rank,index,score with the loss values.
        let args = [
            "select",
            "--input",
            p,
            "--strategy",
            "loss",
            "--k",
            "6",
            "--param",
            "mode=softmax",
            "--param",
            "temperature=0.5",
            "--seed",
            "9",
        ];
        assert_eq!(ok(&args), ok(&args));
        let csv = dir.path().join("picks.csv");
        let mut with_out = args.to_vec();
        with_out.extend(["--out", s(&csv)]);
        ok(&with_out);
        let text = std::fs::read_to_string(&csv).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("rank,index,score"));
        let printed = indices(&ok(&args));
        for (r, line) in lines.enumerate() {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f[0].parse::<usize>().unwrap(), r);
            let i: usize = f[1].parse().unwrap();
            assert_eq!(i, printed[r]);
            assert_eq!(f[2].parse::<f64>().unwrap(), loss[i] as f64);
        }
    }
}

#[test]
fn select_usage_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = H5Builder::new();
    b.vector("loss", vec![1.0f32, 2.0, 3.0]).unwrap();
    let path = dir.path().join("only-loss.h5");
    b.write_atomic(&path).unwrap();
    let p = s(&path);
    let cases: [(&[&str], &str); 7] = [
        (
            &["--strategy", "incorrect", "--k", "1"],
            "needs dataset `correct`",
        ),
        (
            &["--strategy", "badge", "--k", "1"],
            "needs dataset `grad_embed`",
        ),
        (
            &["--strategy", "loss", "--k", "1", "--param", "target=gt"],
            "needs dataset `loss_gt`",
        ),
        (
            &["--strategy", "reward", "--k", "1"],
            "needs dataset `reward`",
        ),
        (&["--strategy", "lion", "--k", "1"], "`judge_hard`"),
        (
            &["--strategy", "loss", "--k", "4"],
            "--k 4 exceeds the 3 seeds",
        ),
        (
            &["--strategy", "loss", "--k", "1", "--param", "dims=4"],
            "does not apply",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["select", "--input", p];
        all.extend_from_slice(args);
        let err = usage_err(&all);
        assert!(err.contains(want), "{args:?}: {err:?} lacks {want:?}");
    }
    // random needs nothing but n.
    let got = indices(&ok(&[
        "select",
        "--input",
        p,
        "--strategy",
        "random",
        "--k",
        "3",
    ]));
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, [0, 1, 2]);

    // judge_hard is derived from judge_gap (hard when gap >= 1) when absent.
    let mut b = H5Builder::new();
    b.vector("judge_gap", vec![0.5f64, 2.0, 1.0, -1.0, 0.99])
        .unwrap();
    let path = dir.path().join("gap.h5");
    b.write_atomic(&path).unwrap();
    let mut got = indices(&ok(&[
        "select",
        "--input",
        s(&path),
        "--strategy",
        "judge-hard",
        "--k",
        "2",
    ]));
    got.sort();
    assert_eq!(got, [1, 2]);
}
