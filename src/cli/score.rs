//! `activesynth score --input dump.h5 --out scores.h5`: run the scoring kernels on the
//! last hidden states and output head of a *real* model, dumped with h5py, so the same
//! per-sequence losses and BADGE gradient embeddings the simulation uses can drive
//! selection on real data (issue 6, item 3). The input layout is documented in
//! `docs/score-input.md`; malformed input is a usage error (exit 2) naming the dataset and
//! the shape or type it should have.

use std::path::{Path, PathBuf};

use half::{bf16, f16};

use super::{CliError, CliResult};
use crate::output::h5::{Attr, Data, H5Builder, H5File};
use crate::rng::StreamKey;
use crate::scenario::DEFAULT_BADGE_DIMS;
use crate::scoring::{
    cpu::CpuBackend, default_threads, select_backend, Device, Elems, Projection, ScoringBackend,
    ScoringInput,
};

/// Arguments of `activesynth score`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// HDF5 dump with `hidden`, `head`, `targets`, `offsets` (see docs/score-input.md).
    #[arg(long)]
    pub input: PathBuf,
    /// Output HDF5 file with `loss`, `grad_embed` and the passed-through per-sequence data.
    #[arg(long)]
    pub out: PathBuf,
    /// Backend: auto (CUDA when available), cpu or cuda.
    #[arg(long, value_enum, default_value_t = Device::Auto)]
    pub device: Device,
    /// Requested embedding size K; the Kronecker projection uses kA = kB = ceil(sqrt(K)),
    /// so `grad_embed` has ceil(sqrt(K))² columns.
    #[arg(long, default_value_t = DEFAULT_BADGE_DIMS,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub embed_dims: u32,
    /// Seed of the projection stream (same seed, same projection, same embeddings).
    #[arg(long, default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: u64,
    /// CPU worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
}

/// Per-sequence datasets copied from the dump to the scores file when present; `select`
/// reads them. Flags are written as uint8 0/1, values as float64.
pub const PASS_THROUGH: [(&str, SideKind); 5] = [
    ("correct", SideKind::Flag),
    ("reward", SideKind::Value),
    ("loss_gt", SideKind::Value),
    ("judge_gap", SideKind::Value),
    ("judge_hard", SideKind::Flag),
];

/// Whether a per-sequence dataset is a 0/1 flag or a real value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SideKind {
    Flag,
    Value,
}

/// A per-sequence side dataset, normalised.
#[derive(Clone, Debug, PartialEq)]
pub enum Side {
    Flag(Vec<bool>),
    Value(Vec<f64>),
}

impl Side {
    fn len(&self) -> usize {
        match self {
            Side::Flag(v) => v.len(),
            Side::Value(v) => v.len(),
        }
    }
}

/// An owned matrix in the element type it was stored in (never widened before scoring,
/// so the backend sees exactly what the model produced).
#[derive(Clone, Debug, PartialEq)]
pub enum Matrix {
    F32(Vec<f32>),
    F16(Vec<f16>),
    Bf16(Vec<bf16>),
}

impl Matrix {
    /// Borrowed view for [`ScoringInput`].
    pub fn elems(&self) -> Elems<'_> {
        match self {
            Matrix::F32(x) => Elems::F32(x),
            Matrix::F16(x) => Elems::F16(x),
            Matrix::Bf16(x) => Elems::Bf16(x),
        }
    }

    /// Element type name as written in the scores file's attributes.
    pub fn dtype_name(&self) -> &'static str {
        match self {
            Matrix::F32(_) => "float32",
            Matrix::F16(_) => "float16",
            Matrix::Bf16(_) => "bfloat16",
        }
    }
}

/// A validated dump: everything the kernels need plus the per-sequence side data.
#[derive(Clone, Debug)]
pub struct Dump {
    pub hidden: Matrix,
    pub head: Matrix,
    pub d: usize,
    pub v: usize,
    pub targets: Vec<u32>,
    pub offsets: Vec<usize>,
    /// Present side datasets, in [`PASS_THROUGH`] order.
    pub side: Vec<(&'static str, Side)>,
}

impl Dump {
    /// The kernels' view of the dump.
    pub fn input(&self) -> ScoringInput<'_> {
        ScoringInput {
            h: self.hidden.elems(),
            w: self.head.elems(),
            d: self.d,
            v: self.v,
            targets: &self.targets,
            offsets: &self.offsets,
        }
    }

    /// Number of sequences.
    pub fn n_seq(&self) -> usize {
        self.offsets.len() - 1
    }
}

/// Stream purpose of the projection: `StreamKey::shared(seed, "score", 0, PROJECTION_PURPOSE)`.
pub const PROJECTION_PURPOSE: &str = "grad-embed-projection";

/// Kronecker factor size for a requested embedding size K: ceil(sqrt(K)) (the same rule
/// as the simulated loop), so the embedding has ceil(sqrt(K))² ≥ K columns.
pub fn kron_side(embed_dims: usize) -> usize {
    let mut k = (embed_dims as f64).sqrt().ceil().max(1.0) as usize;
    // Guard against float rounding either way.
    while k * k < embed_dims {
        k += 1;
    }
    while k > 1 && (k - 1) * (k - 1) >= embed_dims {
        k -= 1;
    }
    k
}

/// The projection `score` uses: [`Projection::gaussian`] with kA = kB =
/// [`kron_side`]`(K)` drawn from `StreamKey::shared(seed, "score", 0, PROJECTION_PURPOSE)`.
pub fn projection(seed: u64, embed_dims: usize, v: usize, d: usize) -> Projection {
    let k = kron_side(embed_dims);
    let mut rng = StreamKey::shared(seed, "score", 0, PROJECTION_PURPOSE).rng();
    Projection::gaussian(k, k, v, d, &mut rng)
}

/// An HDF5 error in words: HDF5's "undefined address" (all ones; a soft or external
/// link, or a dataset never written) surfaces as a read of 2^64-1 bytes, and a causal
/// chain often repeats its own message.
fn h5_reason(e: &anyhow::Error) -> String {
    let full = format!("{e:#}");
    if full.contains(&u64::MAX.to_string()) {
        return "an object has no data of its own (an undefined address: a soft or external link, or never written); store the arrays themselves".into();
    }
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let c = c.to_string();
        if !parts.iter().any(|p| p.contains(&c)) {
            parts.push(c);
        }
    }
    parts.join(": ")
}

fn usage(file: &Path, msg: impl std::fmt::Display) -> CliError {
    CliError::Usage(format!("{}: {msg}", file.display()))
}

/// Open an HDF5 file; an unreadable or non-HDF5 file is a usage error.
pub(crate) fn open(path: &Path) -> Result<H5File, CliError> {
    H5File::open(path).map_err(|e| usage(path, format!("cannot read as HDF5 ({})", h5_reason(&e))))
}

/// Names of the datasets directly under the root.
pub(crate) fn root_datasets(f: &H5File, path: &Path) -> Result<Vec<String>, CliError> {
    let list = f
        .list()
        .map_err(|e| usage(path, format!("cannot list objects ({})", h5_reason(&e))))?;
    Ok(list
        .into_iter()
        .filter(|(p, k)| *k == crate::output::h5::Kind::Dataset && p.matches('/').count() == 1)
        .map(|(p, _)| p[1..].to_string())
        .collect())
}

/// Read a dataset; 1-byte HDF5 enums (h5py's `bool`) that the typed reader does not
/// cover are read as raw bytes into `U8`.
pub(crate) fn read_any(
    f: &H5File,
    path: &Path,
    name: &str,
) -> Result<(Vec<usize>, Data), CliError> {
    match f.read(name) {
        Ok(a) => Ok((a.shape, a.data)),
        Err(e) => {
            let raw = (|| -> Option<(Vec<usize>, Vec<u8>)> {
                let file = hdf5_pure::File::open(path).ok()?;
                let ds = file.dataset(&format!("/{name}")).ok()?;
                if ds.element_size().ok()? != 1 {
                    return None;
                }
                let shape = ds.shape().ok()?.iter().map(|&s| s as usize).collect();
                Some((shape, ds.read_raw().ok()?))
            })();
            match raw {
                Some((shape, bytes)) => Ok((shape, Data::U8(bytes))),
                None => Err(usage(path, format!("dataset `{name}`: {}", h5_reason(&e)))),
            }
        }
    }
}

/// Integer values of an integer dataset; `None` for floats and strings.
pub(crate) fn ints(d: &Data) -> Option<Vec<i64>> {
    fn w<T: Copy + Into<i64>>(v: &[T]) -> Vec<i64> {
        v.iter().map(|&x| x.into()).collect()
    }
    Some(match d {
        Data::I8(v) => w(v),
        Data::I16(v) => w(v),
        Data::I32(v) => w(v),
        Data::I64(v) => v.clone(),
        Data::U8(v) => w(v),
        Data::U16(v) => w(v),
        Data::U32(v) => w(v),
        Data::U64(v) => v
            .iter()
            .map(|&x| i64::try_from(x).unwrap_or(i64::MAX))
            .collect(),
        _ => return None,
    })
}

/// Read a per-sequence side dataset of `n` entries (1-D).
pub(crate) fn read_side(
    f: &H5File,
    path: &Path,
    name: &str,
    kind: SideKind,
    n: usize,
) -> Result<Side, CliError> {
    let (shape, data) = read_any(f, path, name)?;
    if shape != [n] {
        return Err(usage(
            path,
            format!("dataset `{name}` has shape {shape:?}, expected (n_seq,) = ({n},)"),
        ));
    }
    match kind {
        SideKind::Flag => {
            let v = ints(&data).ok_or_else(|| {
                usage(
                    path,
                    format!(
                        "dataset `{name}` is {}, expected uint8 or bool (0/1)",
                        data.type_name()
                    ),
                )
            })?;
            if let Some(i) = v.iter().position(|&x| x != 0 && x != 1) {
                return Err(usage(
                    path,
                    format!("dataset `{name}`[{i}] = {}, expected 0 or 1", v[i]),
                ));
            }
            Ok(Side::Flag(v.iter().map(|&x| x == 1).collect()))
        }
        SideKind::Value => {
            let v = data.to_f64().ok_or_else(|| {
                usage(
                    path,
                    format!("dataset `{name}` holds strings, expected numbers"),
                )
            })?;
            Ok(Side::Value(v))
        }
    }
}

/// Read a 2-D matrix dataset (`hidden` or `head`) keeping its element type.
fn read_matrix(
    f: &H5File,
    path: &Path,
    name: &str,
    shape_doc: &str,
) -> Result<(Matrix, usize, usize), CliError> {
    let (shape, data) = read_any(f, path, name)?;
    if shape.len() != 2 {
        return Err(usage(
            path,
            format!("dataset `{name}` has shape {shape:?}, expected 2-D ({shape_doc})"),
        ));
    }
    let m = match data {
        Data::F32(v) => Matrix::F32(v),
        Data::F16(v) => Matrix::F16(v),
        Data::F64(v) => Matrix::F32(v.iter().map(|&x| x as f32).collect()),
        Data::U16(v) => {
            let tag = f
                .attr(name, "dtype")
                .map_err(|e| usage(path, format!("attributes of `{name}`: {e:#}")))?;
            match tag.as_ref().and_then(Attr::as_str) {
                Some("bfloat16") => Matrix::Bf16(v.into_iter().map(bf16::from_bits).collect()),
                _ => {
                    return Err(usage(
                        path,
                        format!(
                        "dataset `{name}` is uint16 without the attribute dtype = \"bfloat16\"; \
                             store bfloat16 bits as uint16 and set that attribute"
                    ),
                    ))
                }
            }
        }
        other => {
            return Err(usage(
                path,
                format!(
                    "dataset `{name}` is {}, expected float32, float16 or bfloat16 \
                     (uint16 bits with attribute dtype = \"bfloat16\")",
                    other.type_name()
                ),
            ))
        }
    };
    Ok((m, shape[0], shape[1]))
}

fn require(names: &[String], path: &Path, name: &str, doc: &str) -> Result<(), CliError> {
    if names.iter().any(|n| n == name) {
        Ok(())
    } else {
        Err(usage(path, format!("missing dataset `{name}` ({doc})")))
    }
}

/// Read and validate a dump; every malformation is a [`CliError::Usage`] naming the
/// dataset and what it should be.
pub fn read_dump(path: &Path) -> Result<Dump, CliError> {
    let f = open(path)?;
    let names = root_datasets(&f, path)?;
    require(
        &names,
        path,
        "hidden",
        "tokens × d, float32/float16/bfloat16",
    )?;
    require(&names, path, "head", "V × d, float32/float16/bfloat16")?;
    require(&names, path, "targets", "(tokens,), int32 or int64")?;
    require(&names, path, "offsets", "(n_seq + 1,), int64")?;
    let (hidden, tokens, d) = read_matrix(&f, path, "hidden", "tokens × d")?;
    let (head, v, d_head) = read_matrix(&f, path, "head", "V × d")?;
    if d_head != d {
        return Err(usage(
            path,
            format!("dataset `head` has shape ({v}, {d_head}), expected (V, d) with d = {d} from `hidden`"),
        ));
    }
    if d == 0 || v == 0 {
        return Err(usage(path, format!("d = {d} and V = {v} must be positive")));
    }
    if hidden.dtype_name() != head.dtype_name() {
        return Err(usage(
            path,
            format!(
                "`hidden` is {} but `head` is {}; both must have the same element type",
                hidden.dtype_name(),
                head.dtype_name()
            ),
        ));
    }
    let (shape, data) = read_any(&f, path, "targets")?;
    if shape != [tokens] {
        return Err(usage(
            path,
            format!("dataset `targets` has shape {shape:?}, expected (tokens,) = ({tokens},)"),
        ));
    }
    let t = ints(&data).ok_or_else(|| {
        usage(
            path,
            format!(
                "dataset `targets` is {}, expected int32 or int64",
                data.type_name()
            ),
        )
    })?;
    let mut targets = Vec::with_capacity(t.len());
    for (i, &y) in t.iter().enumerate() {
        if y < 0 || y >= v as i64 {
            return Err(usage(
                path,
                format!("dataset `targets`[{i}] = {y} is outside the vocabulary 0..{v} of `head`"),
            ));
        }
        targets.push(y as u32);
    }
    let (shape, data) = read_any(&f, path, "offsets")?;
    if shape.len() != 1 || shape[0] < 1 {
        return Err(usage(
            path,
            format!("dataset `offsets` has shape {shape:?}, expected (n_seq + 1,)"),
        ));
    }
    let o = ints(&data).ok_or_else(|| {
        usage(
            path,
            format!("dataset `offsets` is {}, expected int64", data.type_name()),
        )
    })?;
    if o[0] != 0 || *o.last().unwrap() != tokens as i64 {
        return Err(usage(
            path,
            format!(
                "dataset `offsets` must start at 0 and end at tokens = {tokens}, got {} .. {}",
                o[0],
                o.last().unwrap()
            ),
        ));
    }
    if let Some(i) = o.windows(2).position(|w| w[0] > w[1]) {
        return Err(usage(
            path,
            format!(
                "dataset `offsets` must be non-decreasing, but offsets[{i}] = {} > offsets[{}] = {}",
                o[i],
                i + 1,
                o[i + 1]
            ),
        ));
    }
    let offsets: Vec<usize> = o.iter().map(|&x| x as usize).collect();
    let n = offsets.len() - 1;
    let mut side = Vec::new();
    for (name, kind) in PASS_THROUGH {
        if names.iter().any(|x| x == name) {
            side.push((name, read_side(&f, path, name, kind, n)?));
        }
    }
    let dump = Dump {
        hidden,
        head,
        d,
        v,
        targets,
        offsets,
        side,
    };
    dump.input()
        .validate()
        .map_err(|e| usage(path, e.to_string()))?;
    Ok(dump)
}

/// The backend for `--device` and `--threads`: `auto` falls back to the CPU when CUDA
/// is unavailable; an explicit `cuda` that cannot start is a usage error (exit 2) with
/// the reason, never a silent CPU run.
pub fn backend(
    device: Device,
    threads: Option<usize>,
) -> Result<Box<dyn ScoringBackend>, CliError> {
    let cpu = || Box::new(CpuBackend::new(threads.unwrap_or_else(default_threads)));
    if device == Device::Cpu {
        return Ok(cpu());
    }
    if device == Device::Cuda {
        return match crate::scoring::cuda::CudaBackend::try_new(0) {
            Ok(b) => Ok(Box::new(b)),
            Err(why) => Err(CliError::Usage(format!(
                "--device cuda: CUDA is unavailable ({why}); use --device auto or --device cpu"
            ))),
        };
    }
    let b = select_backend(device);
    Ok(if b.name() == "cpu" && threads.is_some() {
        cpu()
    } else {
        b
    })
}

/// Score a dump and build the scores file (not yet written).
pub fn score_dump(
    dump: &Dump,
    backend: &dyn ScoringBackend,
    embed_dims: usize,
    seed: u64,
) -> anyhow::Result<H5Builder> {
    let input = dump.input();
    let loss = backend.seq_loss(&input)?;
    let proj = projection(seed, embed_dims, dump.v, dump.d);
    let emb = backend.grad_embed(&input, &proj)?;
    let n = dump.n_seq();
    let mut b = H5Builder::new();
    b.vector("loss", loss)?;
    b.dataset("grad_embed", &[n, proj.dim()], emb)?;
    for (name, s) in &dump.side {
        match s {
            Side::Flag(v) => b.vector(name, v.iter().map(|&x| x as u8).collect::<Vec<u8>>())?,
            Side::Value(v) => b.vector(name, v.clone())?,
        }
        debug_assert_eq!(s.len(), n);
    }
    describe_scores(&mut b, dump, proj.dim())?;
    let attrs: [(&str, Attr); 11] = [
        ("format", "activesynth-scores/1".into()),
        ("backend", backend.name().into()),
        ("seed", (seed as i64).into()),
        ("embed_dims", (embed_dims as i64).into()),
        ("embed_ka", (proj.ka as i64).into()),
        ("embed_kb", (proj.kb as i64).into()),
        ("d", (dump.d as i64).into()),
        ("vocab", (dump.v as i64).into()),
        ("tokens", (dump.targets.len() as i64).into()),
        ("input_dtype", dump.hidden.dtype_name().into()),
        (
            "projection",
            format!(
                "Projection::gaussian(kA = kB = ceil(sqrt(embed_dims)), V, d) on \
                 StreamKey::shared(seed, \"score\", 0, \"{PROJECTION_PURPOSE}\")"
            )
            .into(),
        ),
    ];
    for (k, a) in attrs {
        b.attr("/", k, a)?;
    }
    b.attr("/", "n_seq", n as i64)?;
    Ok(b)
}

/// `description`, `units` and axis names on every dataset of a scores file (see
/// docs/scores-layout.md), so the file explains itself to h5py.
fn describe_scores(b: &mut H5Builder, dump: &Dump, dims: usize) -> anyhow::Result<()> {
    use crate::output::h5::meta::Doc;
    b.describe(
        "loss",
        1,
        &Doc::new(
            "mean token negative log-likelihood of each sequence's targets under the dumped model",
            "nats",
            &["sequence"],
        ),
    )?;
    b.describe(
        "grad_embed",
        2,
        &Doc::new(
            format!(
                "per-sequence gradient embedding of the output head, projected to {dims} \
                 dimensions (attribute projection)"
            ),
            "1",
            &["sequence", "embed_dim"],
        ),
    )?;
    for (name, s) in &dump.side {
        let (what, units) = match (*name, s) {
            (_, Side::Flag(_)) => ("copied from the input dump: 0/1 flag", "0/1"),
            ("loss_gt", _) => ("copied from the input dump: ground-truth loss", "nats"),
            _ => ("copied from the input dump: per-sequence value", "1"),
        };
        b.describe(
            name,
            1,
            &Doc::new(format!("{name}, {what}"), units, &["sequence"]),
        )?;
    }
    Ok(())
}

/// Run `activesynth score`.
pub fn run(args: &Args) -> CliResult {
    let dump = read_dump(&args.input)?;
    let be = backend(args.device, args.threads.map(|t| t as usize))?;
    let started = std::time::SystemTime::now();
    let mut b = score_dump(&dump, be.as_ref(), args.embed_dims as usize, args.seed)?;
    b.attr("/", "input", args.input.display().to_string())?;
    crate::output::provenance::write(&mut b, None, started)?;
    b.write_atomic(&args.out)?;
    eprintln!(
        "scored {} sequences ({} tokens, d = {}, V = {}, {}) on {}; wrote {}",
        dump.n_seq(),
        dump.targets.len(),
        dump.d,
        dump.v,
        dump.hidden.dtype_name(),
        be.name(),
        args.out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kron_side_is_ceil_sqrt() {
        let want = [
            (1, 1),
            (2, 2),
            (4, 2),
            (5, 3),
            (9, 3),
            (10, 4),
            (16, 4),
            (17, 5),
        ];
        for (k, s) in want {
            assert_eq!(kron_side(k), s, "K = {k}");
        }
    }
}
