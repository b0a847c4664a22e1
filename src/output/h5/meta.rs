//! Self-describing datasets: `description` and `units` attributes, axis names, and
//! coordinate datasets marked as HDF5 dimension scales.
//!
//! What h5py shows, and why it is not the whole dimension-scale API: HDF5 *attaches* a
//! scale to an axis with the attributes `DIMENSION_LIST` (on the data: a variable-length
//! array of object references) and `REFERENCE_LIST` (on the scale), and marks the scale
//! with `CLASS = "DIMENSION_SCALE"` as a fixed-length *null-terminated* string.
//! `hdf5-pure`, the pure-Rust writer this crate uses, cannot write object references in
//! attributes, and writes fixed-length strings only null-padded (which `H5DSis_scale`
//! rejects), so no part of that API can be written faithfully. What is written instead,
//! all readable with plain h5py:
//! - `DIMENSION_LABELS` on a data dataset (exactly what `H5DSset_label` writes), so
//!   `ds.dims[i].label` names each axis;
//! - `coordinates` on a data dataset: for each axis, the path of the dataset holding its
//!   coordinates, or "" where the axis has none. Five lines of h5py turn these into
//!   attached scales (`docs/results-layout.md`; `tests/h5py_roundtrip.rs` runs them).

use super::{Attr, H5Builder, Node};
use anyhow::{bail, Result};

/// A dataset's documentation.
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    pub description: String,
    /// UDUNITS-style: `1` for dimensionless numbers, `fraction` for proportions in
    /// [0, 1], `nats`, `s`, `tokens`, ...; `text` for strings.
    pub units: String,
    /// One name per axis (empty for a scalar).
    pub dims: Vec<String>,
}

impl Doc {
    pub fn new(description: impl Into<String>, units: &str, dims: &[&str]) -> Doc {
        Doc {
            description: description.into(),
            units: units.to_string(),
            dims: dims.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl H5Builder {
    /// Path and rank of every dataset, sorted by path.
    pub fn datasets(&self) -> Vec<(String, usize)> {
        fn walk(prefix: &str, g: &super::GroupNode, out: &mut Vec<(String, usize)>) {
            for (name, node) in &g.children {
                let p = format!("{prefix}/{name}");
                match node {
                    Node::Dataset(d) => out.push((p, d.array.shape.len())),
                    Node::Group(sub) => walk(&p, sub, out),
                }
            }
        }
        let mut out = Vec::new();
        walk("", &self.root, &mut out);
        out
    }

    /// Writes `description`, `units` and (for rank ≥ 1) `DIMENSION_LABELS` on the
    /// dataset at `path`. Fails when `doc.dims` does not match the dataset's rank.
    pub fn describe(&mut self, path: &str, rank: usize, doc: &Doc) -> Result<()> {
        if doc.dims.len() != rank {
            bail!(
                "{path}: {} axis names for a rank-{rank} dataset",
                doc.dims.len()
            );
        }
        self.attr(path, "description", doc.description.as_str())?;
        self.attr(path, "units", doc.units.as_str())?;
        if rank > 0 {
            self.attr(path, "DIMENSION_LABELS", Attr::AsciiStrs(doc.dims.clone()))?;
        }
        Ok(())
    }

    /// Records the coordinate dataset of each axis of `path` ("" for none).
    pub fn coordinates(&mut self, path: &str, scales: &[&str]) -> Result<()> {
        let v: Vec<String> = scales.iter().map(|s| s.to_string()).collect();
        self.attr(path, "coordinates", Attr::Strs(v))
    }

    /// Datasets lacking a `description` or `units` attribute (tests use it to keep
    /// every file fully documented).
    pub fn undocumented(&self) -> Vec<String> {
        let mut missing = Vec::new();
        for (p, _) in self.datasets() {
            let comps: Vec<&str> = p.split('/').filter(|c| !c.is_empty()).collect();
            let (last, parent) = comps.split_last().expect("a dataset has a name");
            let mut g = &self.root;
            for c in parent {
                match g.children.get(*c) {
                    Some(Node::Group(sub)) => g = sub,
                    _ => unreachable!("listed datasets have group parents"),
                }
            }
            if let Some(Node::Dataset(d)) = g.children.get(*last) {
                if !d.attrs.contains_key("description") || !d.attrs.contains_key("units") {
                    missing.push(p);
                }
            }
        }
        missing
    }
}
