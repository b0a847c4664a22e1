use super::*;
use hdf5_pure::FloatingPointLayout;

fn sample() -> H5Builder {
    sample_with(1e-300)
}

/// The sample file with one value of /runs/r0/acc chosen by the caller.
fn sample_with(acc3: f64) -> H5Builder {
    let mut b = H5Builder::new();
    b.attr("/", "scenario", "name = \"quick\"\n").unwrap();
    b.attr("/", "version", 3i64).unwrap();
    b.dataset(
        "runs/r0/acc",
        &[2, 3],
        vec![0.5f64, 0.25, -1.0, acc3, f64::NAN, 7.0],
    )
    .unwrap();
    b.dataset("runs/r0/acc32", &[3], vec![1.5f32, -2.0, 0.1])
        .unwrap();
    b.dataset("runs/r0/idx", &[2, 2], vec![-3i64, 4, i64::MAX, i64::MIN])
        .unwrap();
    b.vector("runs/r0/sel", vec![0u32, 7, u32::MAX]).unwrap();
    b.dataset("runs/r0/ok", &[4], vec![0u8, 1, 1, 0]).unwrap();
    b.strings(
        "labels",
        &["random", "loss-own-high-softmax", "", "ünïcode"],
    )
    .unwrap();
    b.attr("runs/r0/acc", "unit", "fraction").unwrap();
    b.attr("runs/r0/acc", "alpha", 0.125f64).unwrap();
    b.attr("runs", "sizes", vec![1000i64, 2000]).unwrap();
    b.attr("runs", "weights", vec![0.5f64, 1.5]).unwrap();
    b.attr("runs", "names", vec!["a".to_string(), "bc".to_string()])
        .unwrap();
    b.group("timing/empty").unwrap();
    b.vector("timing/wall", vec![1.25f64]).unwrap();
    b
}

fn open(b: &H5Builder) -> H5File {
    H5File::from_bytes(b.to_bytes().unwrap()).unwrap()
}

#[test]
fn roundtrip_every_type_and_shape() {
    let f = open(&sample());
    let a = f.read("runs/r0/acc").unwrap();
    assert_eq!(a.shape, vec![2, 3]);
    match a.data {
        Data::F64(v) => {
            assert_eq!(v[..4], [0.5, 0.25, -1.0, 1e-300]);
            assert!(v[4].is_nan());
            assert_eq!(v[5], 7.0);
        }
        other => panic!("wrong type {other:?}"),
    }
    assert_eq!(
        f.read("/runs/r0/acc32").unwrap(),
        Array {
            shape: vec![3],
            data: Data::F32(vec![1.5, -2.0, 0.1])
        }
    );
    assert_eq!(
        f.read("runs/r0/idx").unwrap(),
        Array {
            shape: vec![2, 2],
            data: Data::I64(vec![-3, 4, i64::MAX, i64::MIN])
        }
    );
    assert_eq!(
        f.read("runs/r0/sel").unwrap().data,
        Data::U32(vec![0, 7, u32::MAX])
    );
    assert_eq!(
        f.read("runs/r0/ok").unwrap().data,
        Data::U8(vec![0, 1, 1, 0])
    );
    assert_eq!(
        f.read("labels").unwrap().data,
        Data::Str(vec![
            "random".into(),
            "loss-own-high-softmax".into(),
            "".into(),
            "ünïcode".into()
        ])
    );
    let (v, shape) = f.read_f64("runs/r0/idx").unwrap();
    assert_eq!(shape, vec![2, 2]);
    assert_eq!(v[0], -3.0);
    assert!(f.read_f64("labels").is_err());
}

#[test]
fn roundtrip_attributes() {
    let f = open(&sample());
    let root = f.attrs("/").unwrap();
    assert_eq!(root["scenario"], Attr::Str("name = \"quick\"\n".into()));
    assert_eq!(root["version"], Attr::I64(3));
    let acc = f.attrs("runs/r0/acc").unwrap();
    assert_eq!(acc["unit"].as_str(), Some("fraction"));
    assert_eq!(acc["alpha"], Attr::F64(0.125));
    let runs = f.attrs("/runs").unwrap();
    assert_eq!(runs["sizes"], Attr::I64s(vec![1000, 2000]));
    assert_eq!(runs["weights"], Attr::F64s(vec![0.5, 1.5]));
    assert_eq!(runs["names"], Attr::Strs(vec!["a".into(), "bc".into()]));
    assert_eq!(f.attr("/runs", "missing").unwrap(), None);
}

#[test]
fn listing_is_recursive_and_sorted() {
    let f = open(&sample());
    let got: Vec<(String, Kind)> = f.list().unwrap();
    let want: Vec<(&str, Kind)> = vec![
        ("/", Kind::Group),
        ("/labels", Kind::Dataset),
        ("/runs", Kind::Group),
        ("/runs/r0", Kind::Group),
        ("/runs/r0/acc", Kind::Dataset),
        ("/runs/r0/acc32", Kind::Dataset),
        ("/runs/r0/idx", Kind::Dataset),
        ("/runs/r0/ok", Kind::Dataset),
        ("/runs/r0/sel", Kind::Dataset),
        ("/timing", Kind::Group),
        ("/timing/empty", Kind::Group),
        ("/timing/wall", Kind::Dataset),
    ];
    let want: Vec<(String, Kind)> = want.into_iter().map(|(p, k)| (p.to_string(), k)).collect();
    assert_eq!(got, want);
}

#[test]
fn scalar_and_empty_datasets() {
    let mut b = H5Builder::new();
    b.dataset("s", &[], vec![2.5f64]).unwrap();
    b.dataset("e", &[0], Vec::<i64>::new()).unwrap();
    b.dataset("e2", &[0, 3], Vec::<f32>::new()).unwrap();
    let f = open(&b);
    assert_eq!(
        f.read("s").unwrap(),
        Array {
            shape: vec![],
            data: Data::F64(vec![2.5])
        }
    );
    assert_eq!(
        f.read("e").unwrap(),
        Array {
            shape: vec![0],
            data: Data::I64(vec![])
        }
    );
    assert_eq!(
        f.read("e2").unwrap(),
        Array {
            shape: vec![0, 3],
            data: Data::F32(vec![])
        }
    );
}

#[test]
fn builder_rejects_bad_input() {
    let mut b = H5Builder::new();
    assert!(b.dataset("x", &[2, 2], vec![1.0f64; 3]).is_err());
    b.vector("x", vec![1.0f64]).unwrap();
    assert!(b.vector("x", vec![2.0f64]).is_err(), "duplicate path");
    assert!(
        b.vector("x/y", vec![2.0f64]).is_err(),
        "dataset used as group"
    );
    assert!(b.vector("/", vec![2.0f64]).is_err(), "no name");
    assert!(b.vector("h", vec![f16::ONE]).is_err(), "f16 is read-only");
}

#[test]
fn same_content_gives_same_bytes() {
    assert_eq!(sample().to_bytes().unwrap(), sample().to_bytes().unwrap());
}

#[test]
fn reads_float16_little_endian() {
    // Written through hdf5-pure's raw path with the IEEE binary16 layout h5py uses.
    let vals = [1.0f32, -2.5, 65504.0, 0.000061035156];
    let raw: Vec<u8> = vals
        .iter()
        .flat_map(|&v| f16::from_f32(v).to_bits().to_le_bytes())
        .collect();
    let dt = Datatype::FloatingPoint {
        size: 2,
        byte_order: DatatypeByteOrder::LittleEndian,
        layout: FloatingPointLayout {
            bit_offset: 0,
            bit_precision: 16,
            exponent_location: 10,
            exponent_size: 5,
            mantissa_location: 0,
            mantissa_size: 10,
            exponent_bias: 15,
        },
    };
    let mut fb = FileBuilder::new();
    fb.create_dataset("h")
        .with_raw_data(dt, raw, 4)
        .with_shape(&[2, 2]);
    let f = H5File::from_bytes(fb.finish().unwrap()).unwrap();
    let a = f.read("h").unwrap();
    assert_eq!(a.shape, vec![2, 2]);
    let want: Vec<f16> = vals.iter().map(|&v| f16::from_f32(v)).collect();
    assert_eq!(a.data, Data::F16(want));
    assert_eq!(a.data.to_f64().unwrap()[1], -2.5);
}

fn write(dir: &Path, name: &str, b: &H5Builder) -> std::path::PathBuf {
    let p = dir.join(name);
    b.write_atomic(&p).unwrap();
    p
}

#[test]
fn first_difference_finds_first_change_in_path_order() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.h5", &sample());
    let b = write(dir.path(), "b.h5", &sample());
    assert_eq!(first_difference(&a, &b, &[]), None);

    // Differ only in timing: skipped → identical; not skipped → named.
    let mut t = sample();
    t.vector("timing/other", vec![9.0f64]).unwrap();
    let c = write(dir.path(), "c.h5", &t);
    assert_eq!(first_difference(&a, &c, &["timing"]), None);
    let d = first_difference(&a, &c, &[]).unwrap();
    assert!(d.starts_with("/timing/other"), "{d}");

    // A one-ulp change in one value and a changed attribute later in path order:
    // the dataset (sorted earlier) is reported, with its index.
    let mut m = H5Builder::new();
    m.attr("/", "scenario", "name = \"quick\"\n").unwrap();
    m.attr("/", "version", 3i64).unwrap();
    let mut vals = vec![0.5f64, 0.25, -1.0, 1e-300, f64::NAN, 7.0];
    vals[3] = f64::from_bits(vals[3].to_bits() + 1);
    m.dataset("runs/r0/acc", &[2, 3], vals).unwrap();
    let e = write(dir.path(), "e.h5", &m);
    let d = first_difference(&a, &e, &[]).unwrap();
    assert!(d.starts_with("/labels: only in the first"), "{d}");
    let d = first_difference(&a, &e, &["labels", "/timing", "runs/r0/acc32"]).unwrap();
    assert!(d.starts_with("/runs attribute names"), "{d}");

    // One ulp in one value is found, with its flat index.
    let u = write(
        dir.path(),
        "u.h5",
        &sample_with(f64::from_bits(1e-300f64.to_bits() + 1)),
    );
    assert_eq!(
        first_difference(&a, &u, &[]).as_deref(),
        Some("/runs/r0/acc: first differs at flat index 3")
    );
    assert_eq!(first_difference(&a, &u, &["runs/r0/acc"]), None);

    let mut s = sample();
    s.attr("runs/r0/ok", "note", "x").unwrap();
    let g = write(dir.path(), "g.h5", &s);
    let d = first_difference(&a, &g, &[]).unwrap();
    assert_eq!(d, "/runs/r0/ok attribute note: present in only one file");

    assert!(first_difference(&a, &dir.path().join("missing.h5"), &[]).is_some());
}

#[test]
fn bit_difference_semantics() {
    let a = Data::F64(vec![0.0, f64::NAN, 1.0]);
    assert_eq!(a.first_bit_difference(&a.clone()), None);
    assert_eq!(
        a.first_bit_difference(&Data::F64(vec![-0.0, f64::NAN, 1.0])),
        Some(0)
    );
    assert_eq!(
        a.first_bit_difference(&Data::F64(vec![0.0, f64::NAN])),
        Some(2)
    );
    assert_eq!(
        a.first_bit_difference(&Data::F32(vec![0.0, f32::NAN, 1.0])),
        Some(0)
    );
    let s = Data::Str(vec!["a".into(), "b".into()]);
    assert_eq!(
        s.first_bit_difference(&Data::Str(vec!["a".into(), "c".into()])),
        Some(1)
    );
}

#[test]
fn skip_matches_whole_components_only() {
    let skip = vec!["/timing".to_string()];
    assert!(skipped("/timing", &skip));
    assert!(skipped("/timing/wall", &skip));
    assert!(!skipped("/timings", &skip));
}

#[test]
fn format_1_files_compare_equal_to_self_describing_ones() {
    // Format 1: a single value as shape [1], no documentation attributes.
    let dir = tempfile::tempdir().unwrap();
    let mut old = H5Builder::new();
    old.attr("/", "format_version", 1i64).unwrap();
    old.vector("w/base_test_accuracy", vec![0.25f64]).unwrap();
    old.vector("r/test_accuracy", vec![0.5f64, 0.75]).unwrap();
    let mut new = H5Builder::new();
    new.attr("/", "format_version", 2i64).unwrap();
    new.dataset("w/base_test_accuracy", &[], vec![0.25f64])
        .unwrap();
    new.vector("r/test_accuracy", vec![0.5f64, 0.75]).unwrap();
    let doc = meta::Doc::new("test accuracy", "fraction", &["iteration"]);
    new.describe("r/test_accuracy", 1, &doc).unwrap();
    new.coordinates("r/test_accuracy", &["/r/iteration"])
        .unwrap();
    assert!(new
        .undocumented()
        .contains(&"/w/base_test_accuracy".to_string()));
    let a = write(dir.path(), "old.h5", &old);
    let b = write(dir.path(), "new.h5", &new);
    assert_eq!(first_difference(&a, &b, &[]), None);
    // A real change is still found, and a non-documentation attribute still counts.
    let mut changed = H5Builder::new();
    changed
        .dataset("w/base_test_accuracy", &[], vec![0.5f64])
        .unwrap();
    changed
        .vector("r/test_accuracy", vec![0.5f64, 0.75])
        .unwrap();
    changed.attr("r/test_accuracy", "seed", 3i64).unwrap();
    let c = write(dir.path(), "c.h5", &changed);
    let d = first_difference(&a, &c, &[]).unwrap();
    assert!(d.starts_with("/r/test_accuracy attribute seed"), "{d}");
    // Rank must match the axis names.
    assert!(new.describe("r/test_accuracy", 2, &doc).is_err());
}

#[test]
fn datasets_added_later_are_not_a_replay_difference_one_way_only() {
    // A file recorded before per-item test verdicts existed, and its replay with them.
    let dir = tempfile::tempdir().unwrap();
    let mut old = H5Builder::new();
    old.vector("runs/r/test_accuracy", vec![0.5f64]).unwrap();
    old.vector("worlds/w/base_test_accuracy", vec![0.25f64])
        .unwrap();
    let mut new = H5Builder::new();
    new.vector("runs/r/test_accuracy", vec![0.5f64]).unwrap();
    new.vector("worlds/w/base_test_accuracy", vec![0.25f64])
        .unwrap();
    new.dataset("runs/r/test_correct", &[1, 2], vec![1u8, 0])
        .unwrap();
    new.vector("worlds/w/test_difficulty", vec![1u32, 2])
        .unwrap();
    let a = write(dir.path(), "old.h5", &old);
    let b = write(dir.path(), "new.h5", &new);
    assert_eq!(first_difference(&a, &b, &[]), None);
    // The other way round the recorded file has something the replay lacks.
    let d = first_difference(&b, &a, &[]).unwrap();
    assert!(d.contains("only in the first file"), "{d}");
    // Any other new dataset still counts, and so do the values of shared ones.
    let mut other = H5Builder::new();
    other.vector("runs/r/test_accuracy", vec![0.5f64]).unwrap();
    other
        .vector("worlds/w/base_test_accuracy", vec![0.25f64])
        .unwrap();
    other.vector("runs/r/something_new", vec![1u8]).unwrap();
    let c = write(dir.path(), "other.h5", &other);
    let d = first_difference(&a, &c, &[]).unwrap();
    assert!(d.contains("something_new: only in the second file"), "{d}");
}
