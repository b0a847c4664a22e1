//! Cross-checks the HDF5 layer against h5py in both directions. Without h5py the tests
//! print a visible SKIP line and pass, unless ACTIVESYNTH_REQUIRE_H5PY=1 (set in CI).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use activesynth::output::h5::{Attr, Data, H5Builder, H5File};
use half::f16;
use serde_json::{json, Value};

/// True when h5py can be imported; otherwise prints SKIP (or fails when required).
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

fn python(script: &str, arg: &Path) -> String {
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(arg)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Reads every dataset and attribute with h5py; floats as repr strings (exact, NaN-safe).
const DUMP: &str = r#"
import sys, json, h5py, numpy as np
def conv(v):
    if isinstance(v, bytes): return v.decode('utf-8')
    if isinstance(v, str): return v
    if isinstance(v, (float, np.floating)): return repr(float(v))
    if isinstance(v, (int, np.integer)): return int(v)
    if isinstance(v, np.ndarray): return [conv(x) for x in v.ravel().tolist()]
    if isinstance(v, (list, tuple)): return [conv(x) for x in v]
    return str(v)
out = {}
def visit(name, obj):
    attrs = {k: conv(obj.attrs[k]) for k in sorted(obj.attrs.keys())}
    if isinstance(obj, h5py.Dataset):
        vals = obj[()]
        flat = np.asarray(vals).ravel().tolist() if not isinstance(vals, bytes) else [vals]
        out['/' + name] = {'kind': 'dataset', 'dtype': obj.dtype.kind + str(obj.dtype.itemsize),
                           'shape': list(obj.shape), 'values': [conv(x) for x in flat], 'attrs': attrs}
    else:
        out['/' + name] = {'kind': 'group', 'attrs': attrs}
with h5py.File(sys.argv[1], 'r') as f:
    out['/'] = {'kind': 'group', 'attrs': {k: conv(f.attrs[k]) for k in sorted(f.attrs.keys())}}
    f.visititems(visit)
print(json.dumps(out, sort_keys=True))
"#;

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        Value::Number(n) => n.as_f64().unwrap(),
        other => panic!("not a number: {other}"),
    }
}

#[test]
fn h5py_reads_what_we_write() {
    if !have_h5py("h5py_reads_what_we_write") {
        return;
    }
    let f64s = vec![0.1, -2.5, f64::NAN, f64::INFINITY, 1e-300, 3.0];
    let f32s = vec![0.1f32, -7.25, f32::MAX];
    let i64s = vec![i64::MIN, -1, 0, i64::MAX];
    let u32s = vec![0u32, 1, u32::MAX];
    let u8s = vec![0u8, 255, 7, 1, 0, 9];
    let labels = ["random", "loss-own-high-softmax", "", "ünïcode ρ"];
    let mut b = H5Builder::new();
    b.attr("/", "scenario", "seed = 7\nname = \"q\"\n").unwrap();
    b.attr("/", "version", 2i64).unwrap();
    b.attr("/", "alpha", 0.5f64).unwrap();
    b.dataset("runs/r0/acc", &[2, 3], f64s.clone()).unwrap();
    b.vector("runs/r0/acc32", f32s.clone()).unwrap();
    b.dataset("runs/r0/idx", &[2, 2], i64s.clone()).unwrap();
    b.vector("runs/r0/sel", u32s.clone()).unwrap();
    b.dataset("runs/r0/ok", &[3, 2], u8s.clone()).unwrap();
    b.dataset("runs/r0/scalar", &[], vec![4.5f64]).unwrap();
    b.strings("labels", &labels).unwrap();
    b.attr("runs/r0/acc", "unit", "fraction").unwrap();
    b.attr("runs", "sizes", vec![1000i64, 2000]).unwrap();
    b.attr("runs", "weights", vec![0.25f64, 1.5]).unwrap();
    b.attr(
        "runs",
        "names",
        vec!["a".to_string(), "loss-gt-low".to_string()],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.h5");
    b.write_atomic(&path).unwrap();

    let json: BTreeMap<String, Value> = serde_json::from_str(&python(DUMP, &path)).unwrap();
    let keys: Vec<&str> = json.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "/",
            "/labels",
            "/runs",
            "/runs/r0",
            "/runs/r0/acc",
            "/runs/r0/acc32",
            "/runs/r0/idx",
            "/runs/r0/ok",
            "/runs/r0/scalar",
            "/runs/r0/sel"
        ]
    );
    let ds = |p: &str| &json[p];
    let check_num = |p: &str, dtype: &str, shape: &[u64], want: &[f64]| {
        let d = ds(p);
        assert_eq!(d["dtype"], dtype, "{p}");
        let s: Vec<u64> = d["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(s, shape, "{p}");
        let got: Vec<f64> = d["values"].as_array().unwrap().iter().map(num).collect();
        assert_eq!(got.len(), want.len(), "{p}");
        for (g, w) in got.iter().zip(want) {
            assert!(
                g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
                "{p}: {g} vs {w}"
            );
        }
    };
    check_num("/runs/r0/acc", "f8", &[2, 3], &f64s);
    let f32w: Vec<f64> = f32s.iter().map(|&x| x as f64).collect();
    check_num("/runs/r0/acc32", "f4", &[3], &f32w);
    check_num("/runs/r0/scalar", "f8", &[], &[4.5]);
    check_num(
        "/runs/r0/sel",
        "u4",
        &[3],
        &u32s.iter().map(|&x| x as f64).collect::<Vec<_>>(),
    );
    check_num(
        "/runs/r0/ok",
        "u1",
        &[3, 2],
        &u8s.iter().map(|&x| x as f64).collect::<Vec<_>>(),
    );
    // i64 extremes do not survive f64: compare exactly as integers.
    let idx = ds("/runs/r0/idx");
    assert_eq!(idx["dtype"], "i8");
    let got: Vec<i64> = idx["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(got, i64s);
    let lab: Vec<&str> = ds("/labels")["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(lab, labels);

    let root = &json["/"]["attrs"];
    assert_eq!(root["scenario"], "seed = 7\nname = \"q\"\n");
    assert_eq!(root["version"], 2);
    assert_eq!(num(&root["alpha"]), 0.5);
    assert_eq!(json["/runs/r0/acc"]["attrs"]["unit"], "fraction");
    let runs = &json["/runs"]["attrs"];
    assert_eq!(runs["sizes"], serde_json::json!([1000, 2000]));
    assert_eq!(runs["weights"], serde_json::json!(["0.25", "1.5"]));
    assert_eq!(runs["names"], serde_json::json!(["a", "loss-gt-low"]));
}

/// h5py writes with default settings (contiguous) and with gzip chunking.
const WRITE: &str = r#"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], 'w') as f:
    a = (np.arange(12, dtype=np.float64).reshape(3, 4) * 0.25 - 1.0)
    f.create_dataset('f32', data=a.astype(np.float32))
    f.create_dataset('f32_gzip', data=a.astype(np.float32), compression='gzip', chunks=(2, 2))
    h = np.array([1.0, -2.5, 65504.0, 6.1035156e-05, 0.0, -0.0], dtype=np.float16).reshape(2, 3)
    f.create_dataset('f16', data=h)
    f.create_dataset('f16_gzip', data=h, compression='gzip')
    i = np.array([-(2**62), -1, 0, 1, 2**62 + 7], dtype=np.int64)
    f.create_dataset('grp/i64', data=i)
    f.create_dataset('grp/i64_gzip', data=i, compression='gzip', compression_opts=9)
    f.create_dataset('grp/i32', data=np.array([[1, -2], [3, 2**31 - 1]], dtype=np.int32))
    f['grp'].attrs['model'] = 'qwen-0.5b'
    f['grp/i64'].attrs['n'] = np.int64(5)
    f.attrs['temperature'] = 0.7
"#;

#[test]
fn we_read_what_h5py_writes() {
    if !have_h5py("we_read_what_h5py_writes") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dump.h5");
    python(WRITE, &path);
    let f = H5File::open(&path).unwrap();
    let names: Vec<String> = f.list().unwrap().into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        names,
        [
            "/",
            "/f16",
            "/f16_gzip",
            "/f32",
            "/f32_gzip",
            "/grp",
            "/grp/i32",
            "/grp/i64",
            "/grp/i64_gzip"
        ]
    );
    let want32: Vec<f32> = (0..12).map(|k| (k as f64 * 0.25 - 1.0) as f32).collect();
    for p in ["f32", "f32_gzip"] {
        let a = f.read(p).unwrap();
        assert_eq!(a.shape, vec![3, 4], "{p}");
        assert_eq!(a.data, Data::F32(want32.clone()), "{p}");
    }
    let want16: Vec<u16> = [1.0f32, -2.5, 65504.0, 6.1035156e-05, 0.0, -0.0]
        .iter()
        .map(|&x| f16::from_f32(x).to_bits())
        .collect();
    for p in ["f16", "f16_gzip"] {
        let a = f.read(p).unwrap();
        assert_eq!(a.shape, vec![2, 3], "{p}");
        match a.data {
            Data::F16(v) => assert_eq!(
                v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                want16,
                "{p}"
            ),
            other => panic!("{p}: expected float16, got {}", other.type_name()),
        }
    }
    let want64 = vec![-(1i64 << 62), -1, 0, 1, (1i64 << 62) + 7];
    for p in ["grp/i64", "grp/i64_gzip"] {
        let a = f.read(p).unwrap();
        assert_eq!(a.shape, vec![5]);
        assert_eq!(a.data, Data::I64(want64.clone()), "{p}");
    }
    let a = f.read("grp/i32").unwrap();
    assert_eq!(a.shape, vec![2, 2]);
    assert_eq!(a.data, Data::I32(vec![1, -2, 3, i32::MAX]));
    assert_eq!(
        f.attr("grp", "model").unwrap(),
        Some(Attr::Str("qwen-0.5b".into()))
    );
    assert_eq!(f.attr("grp/i64", "n").unwrap(), Some(Attr::I64(5)));
    assert_eq!(f.attr("/", "temperature").unwrap(), Some(Attr::F64(0.7)));
}

/// Lists, per file, every dataset with its attributes, axis labels (h5py `dims`), scale
/// flag and shape, and the provenance attributes: what a researcher sees in h5py.
const SELF_DESCRIBED: &str = r#"
import sys, json, h5py
def s(v):
    return v.decode() if isinstance(v, bytes) else (str(v) if not hasattr(v, 'tolist') else [s(x) for x in v.tolist()])
out = {}
for path in sys.argv[1:]:
    f = h5py.File(path, 'r')
    ds = {}
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            ds['/' + name] = {
                'shape': list(obj.shape),
                'attrs': sorted(obj.attrs.keys()),
                'description': s(obj.attrs.get('description', b'')),
                'units': s(obj.attrs.get('units', b'')),
                'labels': [d.label for d in obj.dims],
                'is_scale': bool(obj.is_scale),
                'coordinates': s(obj.attrs['coordinates']) if 'coordinates' in obj.attrs else None,
                'settings': s(obj.attrs['settings']) if 'settings' in obj.attrs else None,
            }
    f.visititems(visit)
    prov = {k: s(v) for k, v in f['provenance'].attrs.items()} if 'provenance' in f else None
    out[path] = {'datasets': ds, 'provenance': prov}
print(json.dumps(out))
"#;

/// The attach snippet of docs/results-layout.md, then what h5py's `dims` report.
const ATTACH: &str = r#"
import sys, json, h5py
with h5py.File(sys.argv[1], "r+") as f:
    def attach(name, ds):
        for i, path in enumerate(ds.attrs.get("coordinates", [])):
            if path:
                scale = f[path]
                if not scale.is_scale:
                    scale.make_scale(path.rsplit("/", 1)[-1])
                ds.dims[i].attach_scale(scale)
    f.visititems(lambda n, o: attach(n, o) if isinstance(o, h5py.Dataset) else None)
with h5py.File(sys.argv[1], "r") as f:
    run = "runs/arith/rep0/random/"
    acc, hist = f[run + "test_accuracy"], f[run + "token_hist"]
    print(json.dumps({
        "keys": [list(acc.dims[0].keys()), [k for d in hist.dims for k in d.keys()]],
        "is_scale": bool(f[run + "iteration"].is_scale),
        "values": len(acc.dims[0][0]),
    }))
"#;

/// A tiny dump for `activesynth score` (3 sequences over 8 tokens, d = 4, V = 6).
fn tiny_dump(path: &Path) {
    let mut b = H5Builder::new();
    let hidden: Vec<f32> = (0..32).map(|i| ((i * 7 % 11) as f32 - 5.0) / 5.0).collect();
    let head: Vec<f32> = (0..24).map(|i| ((i * 5 % 13) as f32 - 6.0) / 6.0).collect();
    b.dataset("hidden", &[8, 4], hidden).unwrap();
    b.dataset("head", &[6, 4], head).unwrap();
    b.vector("targets", vec![1i64, 2, 3, 4, 5, 0, 1, 2])
        .unwrap();
    b.vector("offsets", vec![0i64, 3, 5, 8]).unwrap();
    b.vector("correct", vec![1u8, 0, 1]).unwrap();
    b.vector("reward", vec![0.5f64, -0.25, 1.0]).unwrap();
    b.write_atomic(path).unwrap();
}

#[test]
fn h5py_sees_self_describing_files() {
    if !have_h5py("h5py_sees_self_describing_files") {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_activesynth");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/loop/tiny.toml");
    // One replicate is enough to see every dataset kind (and exercises `--set`).
    let o = Command::new(bin)
        .arg("run")
        .arg(&tiny)
        .arg("--out")
        .arg(&out)
        .args(["--no-progress", "--jobs", "1", "--set", "replicates=1"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dump = dir.path().join("dump.h5");
    tiny_dump(&dump);
    let scores = dir.path().join("scores.h5");
    let o = Command::new(bin)
        .arg("score")
        .arg("--input")
        .arg(&dump)
        .arg("--out")
        .arg(&scores)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let files = [out.join("results.h5"), out.join("stats.h5"), scores.clone()];
    let py = Command::new("python3")
        .args(["-c", SELF_DESCRIBED])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let json: Value = serde_json::from_slice(&py.stdout).unwrap();
    for f in &files {
        let info = &json[f.to_str().unwrap()];
        let ds = info["datasets"].as_object().unwrap();
        assert!(ds.len() >= 3, "{}: {} datasets", f.display(), ds.len());
        for (p, d) in ds {
            assert!(
                !d["description"].as_str().unwrap().is_empty(),
                "{}:{p} has no description",
                f.display()
            );
            assert!(
                !d["units"].as_str().unwrap().is_empty(),
                "{}:{p} has no units",
                f.display()
            );
            let rank = d["shape"].as_array().unwrap().len();
            let labels = d["labels"].as_array().unwrap();
            assert_eq!(labels.len(), rank, "{p}");
            assert!(
                labels.iter().all(|l| !l.as_str().unwrap().is_empty()),
                "{}:{p}: every axis is named, got {labels:?}",
                f.display()
            );
        }
        let prov = info["provenance"].as_object().expect("a provenance group");
        for k in [
            "activesynth_version",
            "git_commit",
            "command",
            "host",
            "start_time",
            "end_time",
        ] {
            assert!(
                prov.contains_key(k),
                "{}: provenance lacks {k}",
                f.display()
            );
        }
        assert!(prov["start_time"].as_str().unwrap().ends_with('Z'));
    }
    // results.h5: true scalars, the iteration axis as a marked scale, labels and links.
    let r = &json[files[0].to_str().unwrap()]["datasets"];
    let run = "/runs/arith/rep0/random";
    assert_eq!(
        r["/worlds/arith/rep0/base_test_accuracy"]["shape"],
        json!([])
    );
    assert_eq!(r[&format!("{run}/base_test_accuracy")]["shape"], json!([]));
    // hdf5-pure cannot mark or attach scales (docs/results-layout.md), so none is yet.
    assert_eq!(r[&format!("{run}/iteration")]["is_scale"], json!(false));
    let acc = &r[&format!("{run}/test_accuracy")];
    assert_eq!(acc["labels"], json!(["iteration"]));
    assert_eq!(acc["units"], json!("fraction"));
    assert_eq!(acc["coordinates"], json!([format!("{run}/iteration")]));
    assert_eq!(
        r[&format!("{run}/token_hist")]["labels"],
        json!(["iteration", "token_id"])
    );
    assert_eq!(
        r[&format!("{run}/token_hist")]["coordinates"],
        json!([format!("{run}/iteration"), "/vocab"])
    );
    // The documented h5py snippet turns `coordinates` into attached dimension scales.
    let copy = dir.path().join("attached.h5");
    std::fs::copy(&files[0], &copy).unwrap();
    let py = Command::new("python3")
        .args(["-c", ATTACH])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let attached: Value = serde_json::from_slice(&py.stdout).unwrap();
    assert_eq!(
        attached["keys"],
        json!([["iteration"], ["iteration", "vocab"]])
    );
    assert_eq!(attached["is_scale"], json!(true));
    assert_eq!(
        attached["values"],
        json!(r[&format!("{run}/iteration")]["shape"][0])
    );
    let prov = &json[files[0].to_str().unwrap()]["provenance"];
    assert_eq!(prov["scenario_sha256"].as_str().unwrap().len(), 64);
    assert!(prov["command"].as_str().unwrap().contains("replicates=1"));
    // stats.h5: no sibling `.settings` datasets; the settings travel with the values.
    let st = json[files[1].to_str().unwrap()]["datasets"]
        .as_object()
        .unwrap();
    assert!(st.keys().all(|k| !k.ends_with(".settings")));
    let mean = &st["/accuracy/arith/random/mean"];
    assert_eq!(mean["labels"], json!(["setting"]));
    assert_eq!(mean["units"], json!("fraction"));
    assert_eq!(mean["settings"], json!(["t=0", "t=1"]));
    // scores.h5
    let sc = &json[files[2].to_str().unwrap()]["datasets"];
    assert_eq!(sc["/loss"]["units"], json!("nats"));
    assert_eq!(
        sc["/grad_embed"]["labels"],
        json!(["sequence", "embed_dim"])
    );
    assert_eq!(sc["/correct"]["units"], json!("0/1"));
}
