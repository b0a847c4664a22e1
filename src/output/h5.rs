//! A small typed layer over the pure-Rust `hdf5-pure` crate, so that results files need
//! no system HDF5 library and stay readable by h5py.
//!
//! Writing: [`H5Builder`] collects groups, datasets and attributes by slash-separated
//! path (parents are created implicitly), kept in sorted maps so the same content always
//! produces the same bytes; [`H5Builder::write_atomic`] writes through `NAME.tmp`.
//! Reading: [`H5File`] lists every object recursively in sorted order, reads any dataset
//! into a typed [`Array`] (including h5py's float16 as raw bits → [`half::f16`]) and
//! reads attributes. [`first_difference`] compares two files value by value, bit for bit,
//! which is what `activesynth replay` reports.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, ensure, Context, Result};
use half::f16;
use hdf5_pure::{AttrValue, DType, Datatype, DatatypeByteOrder, File, FileBuilder};

/// The values of one dataset, by element type. Strings are variable-length UTF-8 when
/// written; fixed- and variable-length strings both read back as `Str`.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    F64(Vec<f64>),
    F32(Vec<f32>),
    /// IEEE half precision, as h5py writes `float16` (read-only: we never write it).
    F16(Vec<f16>),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
    Str(Vec<String>),
}

impl Data {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Data::F64(v) => v.len(),
            Data::F32(v) => v.len(),
            Data::F16(v) => v.len(),
            Data::I8(v) => v.len(),
            Data::I16(v) => v.len(),
            Data::I32(v) => v.len(),
            Data::I64(v) => v.len(),
            Data::U8(v) => v.len(),
            Data::U16(v) => v.len(),
            Data::U32(v) => v.len(),
            Data::U64(v) => v.len(),
            Data::Str(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Short type name (numpy spelling), for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Data::F64(_) => "float64",
            Data::F32(_) => "float32",
            Data::F16(_) => "float16",
            Data::I8(_) => "int8",
            Data::I16(_) => "int16",
            Data::I32(_) => "int32",
            Data::I64(_) => "int64",
            Data::U8(_) => "uint8",
            Data::U16(_) => "uint16",
            Data::U32(_) => "uint32",
            Data::U64(_) => "uint64",
            Data::Str(_) => "str",
        }
    }

    /// Every numeric value widened to f64 (what statistics and `score` consume);
    /// `None` for strings. i64/u64 beyond 2^53 lose precision, as in numpy.
    pub fn to_f64(&self) -> Option<Vec<f64>> {
        fn w<T: Copy + Into<f64>>(v: &[T]) -> Vec<f64> {
            v.iter().map(|&x| x.into()).collect()
        }
        Some(match self {
            Data::F64(v) => v.clone(),
            Data::F32(v) => w(v),
            Data::F16(v) => v.iter().map(|x| x.to_f64()).collect(),
            Data::I8(v) => w(v),
            Data::I16(v) => w(v),
            Data::I32(v) => w(v),
            Data::I64(v) => v.iter().map(|&x| x as f64).collect(),
            Data::U8(v) => w(v),
            Data::U16(v) => w(v),
            Data::U32(v) => w(v),
            Data::U64(v) => v.iter().map(|&x| x as f64).collect(),
            Data::Str(_) => return None,
        })
    }

    /// Index of the first element that differs bit for bit (floats compared by their bit
    /// patterns, so NaN equals the same NaN and 0.0 differs from -0.0), or the shorter
    /// length when one is a prefix of the other; `None` when identical. Different element
    /// types differ at index 0.
    pub fn first_bit_difference(&self, other: &Data) -> Option<usize> {
        fn first<T, K: PartialEq>(a: &[T], b: &[T], key: impl Fn(&T) -> K) -> Option<usize> {
            match a.iter().zip(b).position(|(x, y)| key(x) != key(y)) {
                Some(i) => Some(i),
                None if a.len() != b.len() => Some(a.len().min(b.len())),
                None => None,
            }
        }
        match (self, other) {
            (Data::F64(a), Data::F64(b)) => first(a, b, |x| x.to_bits()),
            (Data::F32(a), Data::F32(b)) => first(a, b, |x| x.to_bits()),
            (Data::F16(a), Data::F16(b)) => first(a, b, |x| x.to_bits()),
            (Data::I8(a), Data::I8(b)) => first(a, b, |x| *x),
            (Data::I16(a), Data::I16(b)) => first(a, b, |x| *x),
            (Data::I32(a), Data::I32(b)) => first(a, b, |x| *x),
            (Data::I64(a), Data::I64(b)) => first(a, b, |x| *x),
            (Data::U8(a), Data::U8(b)) => first(a, b, |x| *x),
            (Data::U16(a), Data::U16(b)) => first(a, b, |x| *x),
            (Data::U32(a), Data::U32(b)) => first(a, b, |x| *x),
            (Data::U64(a), Data::U64(b)) => first(a, b, |x| *x),
            (Data::Str(a), Data::Str(b)) => first(a, b, |x| x.clone()),
            _ => Some(0),
        }
    }
}

macro_rules! data_from {
    ($($t:ty => $v:ident),*) => {$(
        impl From<Vec<$t>> for Data { fn from(v: Vec<$t>) -> Self { Data::$v(v) } }
        impl From<&[$t]> for Data { fn from(v: &[$t]) -> Self { Data::$v(v.to_vec()) } }
    )*};
}
data_from!(f64 => F64, f32 => F32, f16 => F16, i8 => I8, i16 => I16, i32 => I32, i64 => I64,
    u8 => U8, u16 => U16, u32 => U32, u64 => U64, String => Str);

/// A dataset read back: row-major values plus shape (`[]` for a scalar dataset).
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    pub shape: Vec<usize>,
    pub data: Data,
}

/// An attribute value. Numbers are widened (any float → `F64`, any integer → `I64`) on
/// read so callers need not know which width another writer chose.
#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    Str(String),
    F64(f64),
    I64(i64),
    Strs(Vec<String>),
    F64s(Vec<f64>),
    I64s(Vec<i64>),
    /// Variable-length ASCII strings, as `H5DSset_label` writes `DIMENSION_LABELS`
    /// (written only; reads back as `Strs`).
    AsciiStrs(Vec<String>),
}

impl Attr {
    /// The string, when this is a scalar string attribute.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Attr::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Bitwise equality (floats by bit pattern), as replay needs.
    pub fn bit_eq(&self, other: &Attr) -> bool {
        match (self, other) {
            (Attr::F64(a), Attr::F64(b)) => a.to_bits() == b.to_bits(),
            (Attr::F64s(a), Attr::F64s(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
            }
            _ => self == other,
        }
    }

    fn to_hdf5(&self) -> AttrValue {
        match self {
            Attr::Str(s) => AttrValue::VarLenString(s.clone()),
            Attr::F64(x) => AttrValue::F64(*x),
            Attr::I64(x) => AttrValue::I64(*x),
            Attr::Strs(v) => AttrValue::VarLenStringArray(v.clone()),
            Attr::F64s(v) => AttrValue::F64Array(v.clone()),
            Attr::I64s(v) => AttrValue::I64Array(v.clone()),
            Attr::AsciiStrs(v) => AttrValue::VarLenAsciiStringArray(v.clone()),
        }
    }

    fn from_hdf5(v: &AttrValue) -> Result<Attr> {
        if let Some(s) = v.as_str() {
            return Ok(Attr::Str(s.to_string()));
        }
        if let Some(s) = v.as_strings() {
            return Ok(Attr::Strs(s.to_vec()));
        }
        Ok(match v {
            AttrValue::F32(x) => Attr::F64(f64::from(*x)),
            AttrValue::F64(x) => Attr::F64(*x),
            AttrValue::F32Array(x) => Attr::F64s(x.iter().map(|&y| f64::from(y)).collect()),
            AttrValue::F64Array(x) => Attr::F64s(x.clone()),
            AttrValue::I8(_)
            | AttrValue::I16(_)
            | AttrValue::I32(_)
            | AttrValue::I64(_)
            | AttrValue::U8(_)
            | AttrValue::U16(_)
            | AttrValue::U32(_)
            | AttrValue::U64(_) => Attr::I64(
                v.as_i64()
                    .ok_or_else(|| anyhow!("integer attribute {v} does not fit in i64"))?,
            ),
            _ => Attr::I64s(
                v.to_i64s()
                    .ok_or_else(|| anyhow!("unsupported attribute type {}", v.type_name()))?,
            ),
        })
    }
}

impl From<&str> for Attr {
    fn from(s: &str) -> Self {
        Attr::Str(s.to_string())
    }
}
impl From<String> for Attr {
    fn from(s: String) -> Self {
        Attr::Str(s)
    }
}
impl From<f64> for Attr {
    fn from(x: f64) -> Self {
        Attr::F64(x)
    }
}
impl From<i64> for Attr {
    fn from(x: i64) -> Self {
        Attr::I64(x)
    }
}
impl From<Vec<String>> for Attr {
    fn from(x: Vec<String>) -> Self {
        Attr::Strs(x)
    }
}
impl From<Vec<f64>> for Attr {
    fn from(x: Vec<f64>) -> Self {
        Attr::F64s(x)
    }
}
impl From<Vec<i64>> for Attr {
    fn from(x: Vec<i64>) -> Self {
        Attr::I64s(x)
    }
}

/// Splits "/a/b/" into ["a", "b"]; the root is the empty list.
fn components(path: &str) -> Vec<&str> {
    path.split('/').filter(|c| !c.is_empty()).collect()
}

/// Normalised object path with a leading slash ("/" for the root).
fn norm(path: &str) -> String {
    format!("/{}", components(path).join("/"))
}

#[derive(Debug, Default)]
struct GroupNode {
    attrs: BTreeMap<String, Attr>,
    children: BTreeMap<String, Node>,
}

#[derive(Debug)]
struct DatasetNode {
    array: Array,
    attrs: BTreeMap<String, Attr>,
}

#[derive(Debug)]
enum Node {
    Group(GroupNode),
    Dataset(DatasetNode),
}

/// Collects a whole HDF5 file in memory, addressed by path, then serialises it.
#[derive(Debug, Default)]
pub struct H5Builder {
    root: GroupNode,
}

impl H5Builder {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    fn group_mut(&mut self, comps: &[&str]) -> Result<&mut GroupNode> {
        let mut g = &mut self.root;
        for (i, c) in comps.iter().enumerate() {
            let node = g
                .children
                .entry(c.to_string())
                .or_insert_with(|| Node::Group(GroupNode::default()));
            g = match node {
                Node::Group(g) => g,
                Node::Dataset(_) => bail!("/{} is a dataset, not a group", comps[..=i].join("/")),
            };
        }
        Ok(g)
    }

    /// Ensures the group at `path` exists (with all its parents).
    pub fn group(&mut self, path: &str) -> Result<()> {
        self.group_mut(&components(path)).map(|_| ())
    }

    /// Adds a numeric or string dataset of the given shape (row-major `data`; an empty
    /// shape is a scalar). Fails if the element count does not match the shape or the path
    /// is already taken.
    pub fn dataset(&mut self, path: &str, shape: &[usize], data: impl Into<Data>) -> Result<()> {
        let data = data.into();
        let comps = components(path);
        let (name, parent) = comps
            .split_last()
            .ok_or_else(|| anyhow!("a dataset needs a name, got {path:?}"))?;
        ensure!(
            !matches!(data, Data::F16(_)),
            "{path}: writing float16 is not supported"
        );
        let n: usize = shape.iter().product();
        ensure!(
            n == data.len(),
            "{path}: shape {shape:?} holds {n} elements but {} were given",
            data.len()
        );
        let g = self.group_mut(parent)?;
        ensure!(
            !g.children.contains_key(*name),
            "{} already exists",
            norm(path)
        );
        g.children.insert(
            name.to_string(),
            Node::Dataset(DatasetNode {
                array: Array {
                    shape: shape.to_vec(),
                    data,
                },
                attrs: BTreeMap::new(),
            }),
        );
        Ok(())
    }

    /// 1-D dataset shorthand.
    pub fn vector(&mut self, path: &str, data: impl Into<Data>) -> Result<()> {
        let data = data.into();
        self.dataset(path, &[data.len()], data)
    }

    /// 1-D variable-length UTF-8 string dataset (labels, text).
    pub fn strings<S: AsRef<str>>(&mut self, path: &str, values: &[S]) -> Result<()> {
        let v: Vec<String> = values.iter().map(|s| s.as_ref().to_string()).collect();
        self.vector(path, v)
    }

    /// Sets attribute `name` on the group or dataset at `path` ("/" or "" is the file's
    /// root group). A missing object is created as a group.
    pub fn attr(&mut self, path: &str, name: &str, value: impl Into<Attr>) -> Result<()> {
        let comps = components(path);
        let value = value.into();
        if let Some((last, parent)) = comps.split_last() {
            let g = self.group_mut(parent)?;
            if let Some(Node::Dataset(d)) = g.children.get_mut(*last) {
                d.attrs.insert(name.to_string(), value);
                return Ok(());
            }
        }
        self.group_mut(&comps)?
            .attrs
            .insert(name.to_string(), value);
        Ok(())
    }

    /// Serialises the file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut fb = FileBuilder::new();
        for (k, v) in &self.root.attrs {
            fb.set_attr(k, v.to_hdf5());
        }
        for (name, node) in &self.root.children {
            match node {
                Node::Dataset(d) => write_dataset(fb.create_dataset(name), d)?,
                Node::Group(g) => {
                    let mut gb = fb.create_group(name);
                    fill_group(&mut gb, g)?;
                    fb.add_group(gb.finish());
                }
            }
        }
        fb.finish().context("serialising HDF5 file")
    }

    /// Writes the file atomically (`NAME.tmp`, fsync, rename).
    pub fn write_atomic(&self, path: &Path) -> Result<()> {
        let bytes = self.to_bytes()?;
        crate::atomic::write_atomic(path, &bytes)
            .with_context(|| format!("writing {}", path.display()))
    }
}

fn fill_group(gb: &mut hdf5_pure::GroupBuilder, g: &GroupNode) -> Result<()> {
    for (k, v) in &g.attrs {
        gb.set_attr(k, v.to_hdf5());
    }
    for (name, node) in &g.children {
        match node {
            Node::Dataset(d) => write_dataset(gb.create_dataset(name), d)?,
            Node::Group(sub) => {
                let mut sb = gb.create_group(name);
                fill_group(&mut sb, sub)?;
                gb.add_group(sb.finish());
            }
        }
    }
    Ok(())
}

fn write_dataset(b: &mut hdf5_pure::DatasetBuilder, d: &DatasetNode) -> Result<()> {
    match &d.array.data {
        Data::F64(v) => b.with_f64_data(v),
        Data::F32(v) => b.with_f32_data(v),
        Data::I8(v) => b.with_i8_data(v),
        Data::I16(v) => b.with_i16_data(v),
        Data::I32(v) => b.with_i32_data(v),
        Data::I64(v) => b.with_i64_data(v),
        Data::U8(v) => b.with_u8_data(v),
        Data::U16(v) => b.with_u16_data(v),
        Data::U32(v) => b.with_u32_data(v),
        Data::U64(v) => b.with_u64_data(v),
        Data::Str(v) => {
            let r: Vec<&str> = v.iter().map(String::as_str).collect();
            b.with_vlen_strings(&r)
        }
        Data::F16(_) => bail!("writing float16 is not supported"),
    };
    let shape: Vec<u64> = d.array.shape.iter().map(|&s| s as u64).collect();
    b.with_shape(&shape);
    for (k, v) in &d.attrs {
        b.set_attr(k, v.to_hdf5());
    }
    Ok(())
}

/// What an object path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Group,
    Dataset,
}

/// A readable HDF5 file (ours or h5py's).
pub struct H5File {
    file: File,
}

impl H5File {
    /// Opens a file from disk.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        Ok(Self { file })
    }

    /// Parses a file held in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        Ok(Self {
            file: File::from_bytes(bytes).context("parsing HDF5 bytes")?,
        })
    }

    /// Every object below the root (the root itself, "/", first), recursively, as
    /// `("/a/b", kind)` sorted by path.
    pub fn list(&self) -> Result<Vec<(String, Kind)>> {
        let mut out = vec![("/".to_string(), Kind::Group)];
        let mut stack = vec!["/".to_string()];
        while let Some(gp) = stack.pop() {
            let g = if gp == "/" {
                self.file.root()
            } else {
                self.file.group(&gp)?
            };
            let prefix = if gp == "/" { String::new() } else { gp.clone() };
            for name in g.datasets()? {
                out.push((format!("{prefix}/{name}"), Kind::Dataset));
            }
            for name in g.groups()? {
                let p = format!("{prefix}/{name}");
                out.push((p.clone(), Kind::Group));
                stack.push(p);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Reads the dataset at `path` with its stored element type and shape.
    pub fn read(&self, path: &str) -> Result<Array> {
        let p = norm(path);
        let ds = self
            .file
            .dataset(&p)
            .with_context(|| format!("no dataset {p}"))?;
        let shape: Vec<usize> = ds.shape()?.iter().map(|&s| s as usize).collect();
        let ctx = || format!("reading {p}");
        let data = match ds.dtype().with_context(ctx)? {
            DType::F64 => Data::F64(ds.read_f64().with_context(ctx)?),
            DType::F32 => Data::F32(ds.read_f32().with_context(ctx)?),
            DType::I8 => Data::I8(ds.read_i8().with_context(ctx)?),
            DType::I16 => Data::I16(ds.read_i16().with_context(ctx)?),
            DType::I32 => Data::I32(ds.read_i32().with_context(ctx)?),
            DType::I64 => Data::I64(ds.read_i64().with_context(ctx)?),
            DType::U8 => Data::U8(ds.read_u8().with_context(ctx)?),
            DType::U16 => Data::U16(ds.read_u16().with_context(ctx)?),
            DType::U32 => Data::U32(ds.read_u32().with_context(ctx)?),
            DType::U64 => Data::U64(ds.read_u64().with_context(ctx)?),
            DType::String | DType::VariableLengthString => {
                Data::Str(ds.read_string().with_context(ctx)?)
            }
            DType::Other(dt) => match *dt {
                Datatype::FloatingPoint {
                    size: 2,
                    byte_order,
                    ..
                } => {
                    let raw = ds.read_raw().with_context(ctx)?;
                    let big = matches!(byte_order, DatatypeByteOrder::BigEndian);
                    Data::F16(
                        raw.chunks_exact(2)
                            .map(|b| {
                                let bits = if big {
                                    u16::from_be_bytes([b[0], b[1]])
                                } else {
                                    u16::from_le_bytes([b[0], b[1]])
                                };
                                f16::from_bits(bits)
                            })
                            .collect(),
                    )
                }
                other => bail!("{p}: unsupported datatype {other:?}"),
            },
            other => bail!("{p}: unsupported datatype {other}"),
        };
        let n: usize = shape.iter().product();
        ensure!(
            n == data.len(),
            "{p}: shape {shape:?} but {} values",
            data.len()
        );
        Ok(Array { shape, data })
    }

    /// Reads any numeric dataset widened to f64, with its shape.
    pub fn read_f64(&self, path: &str) -> Result<(Vec<f64>, Vec<usize>)> {
        let a = self.read(path)?;
        let v = a
            .data
            .to_f64()
            .ok_or_else(|| anyhow!("{} holds strings, not numbers", norm(path)))?;
        Ok((v, a.shape))
    }

    /// The attributes of the group or dataset at `path`, sorted by name.
    pub fn attrs(&self, path: &str) -> Result<BTreeMap<String, Attr>> {
        let p = norm(path);
        let raw = if p == "/" {
            self.file.root().attrs()?
        } else if let Ok(ds) = self.file.dataset(&p) {
            ds.attrs()?
        } else {
            self.file
                .group(&p)
                .with_context(|| format!("no object {p}"))?
                .attrs()?
        };
        raw.iter()
            .map(|(k, v)| {
                Attr::from_hdf5(v)
                    .with_context(|| format!("attribute {k} of {p}"))
                    .map(|a| (k.clone(), a))
            })
            .collect()
    }

    /// One attribute, if present.
    pub fn attr(&self, path: &str, name: &str) -> Result<Option<Attr>> {
        Ok(self.attrs(path)?.remove(name))
    }
}

mod diff;
pub mod meta;
#[cfg(test)]
use diff::skipped;
pub use diff::{diff_files, first_difference, DOC_ATTRS};

#[cfg(test)]
mod tests;
