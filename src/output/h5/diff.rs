//! Comparing two HDF5 files value by value, bit for bit: what `activesynth replay`
//! reports.

use super::{Attr, H5File, Kind};
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::Path;

/// Attributes that document a dataset or the file's layout version (written by code,
/// not computed from the scenario): a comparison of results ignores them, so that a
/// file written before they existed (format 1) still replays as identical.
pub const DOC_ATTRS: [&str; 5] = [
    "description",
    "units",
    "DIMENSION_LABELS",
    "coordinates",
    "format_version",
];

/// Result datasets that later layouts added beside the existing ones (world check W3's
/// `d0_loss_own`/`d0_correct`; format 3's per-item test verdicts). They are computed
/// without touching any random stream, so a file written before them still holds every
/// other tensor of a replay bit for bit: present only in the *second* (replayed) file,
/// such a dataset is not a difference. Present only in the first, it still is.
pub const LATER_ADDITIONS: [&str; 5] = [
    "d0_loss_own",
    "d0_correct",
    "test_difficulty",
    "base_test_correct",
    "test_correct",
];

fn later_addition(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|leaf| LATER_ADDITIONS.contains(&leaf))
}

/// True when two shapes hold the same values: equal, or a scalar and a one-element
/// vector (results files before format 2 stored single values as shape `[1]`).
fn same_shape(a: &[usize], b: &[usize]) -> bool {
    a == b || (a.is_empty() && b == [1]) || (b.is_empty() && a == [1])
}

fn norm(path: &str) -> String {
    format!(
        "/{}",
        path.split('/')
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join("/")
    )
}

/// True when `path` is one of `skip` or lies below one of them.
pub(super) fn skipped(path: &str, skip: &[String]) -> bool {
    skip.iter()
        .any(|s| path == s || (path.starts_with(s.as_str()) && path[s.len()..].starts_with('/')))
}

/// Compares two HDF5 files object by object in sorted path order: existence, kind,
/// attributes (bitwise, except the documentation attributes [`DOC_ATTRS`]), dataset
/// shape (a scalar equals a one-element vector), element type and values (bitwise). Objects at or
/// below a path in `skip` (e.g. "/timing") are ignored, and so are [`LATER_ADDITIONS`]
/// that only `b` has (`a` is the recorded file, `b` the replay). Returns a description of the
/// first difference, or `None` when the files are identical in content.
pub fn first_difference(a: &Path, b: &Path, skip: &[&str]) -> Option<String> {
    let fa = match H5File::open(a) {
        Ok(f) => f,
        Err(e) => return Some(format!("{e:#}")),
    };
    let fb = match H5File::open(b) {
        Ok(f) => f,
        Err(e) => return Some(format!("{e:#}")),
    };
    match diff_files(&fa, &fb, skip) {
        Ok(d) => d,
        Err(e) => Some(format!("error while comparing: {e:#}")),
    }
}

/// [`first_difference`] on files already open.
pub fn diff_files(a: &H5File, b: &H5File, skip: &[&str]) -> Result<Option<String>> {
    let skip: Vec<String> = skip.iter().map(|s| norm(s)).collect();
    let la: BTreeMap<String, Kind> = a.list()?.into_iter().collect();
    let lb: BTreeMap<String, Kind> = b.list()?.into_iter().collect();
    let mut all: Vec<&String> = la.keys().chain(lb.keys()).collect();
    all.sort();
    all.dedup();
    for p in all {
        if skipped(p, &skip) {
            continue;
        }
        let (ka, kb) = match (la.get(p), lb.get(p)) {
            (Some(x), Some(y)) => (x, y),
            (None, _) if later_addition(p) => continue,
            (None, _) => return Ok(Some(format!("{p}: only in the second file"))),
            (_, None) => return Ok(Some(format!("{p}: only in the first file"))),
        };
        if ka != kb {
            return Ok(Some(format!(
                "{p}: {ka:?} in one file, {kb:?} in the other"
            )));
        }
        let doc = |m: BTreeMap<String, Attr>| -> BTreeMap<String, Attr> {
            m.into_iter()
                .filter(|(k, _)| !DOC_ATTRS.contains(&k.as_str()))
                .collect()
        };
        let (aa, ab) = (doc(a.attrs(p)?), doc(b.attrs(p)?));
        let mut names: Vec<&String> = aa.keys().chain(ab.keys()).collect();
        names.sort();
        names.dedup();
        for n in names {
            match (aa.get(n), ab.get(n)) {
                (Some(x), Some(y)) if x.bit_eq(y) => {}
                (Some(x), Some(y)) => {
                    return Ok(Some(format!("{p} attribute {n}: {x:?} vs {y:?}")))
                }
                _ => return Ok(Some(format!("{p} attribute {n}: present in only one file"))),
            }
        }
        if *ka == Kind::Dataset {
            let (da, db) = (a.read(p)?, b.read(p)?);
            if !same_shape(&da.shape, &db.shape) {
                return Ok(Some(format!("{p}: shape {:?} vs {:?}", da.shape, db.shape)));
            }
            if da.data.type_name() != db.data.type_name() {
                return Ok(Some(format!(
                    "{p}: type {} vs {}",
                    da.data.type_name(),
                    db.data.type_name()
                )));
            }
            if let Some(i) = da.data.first_bit_difference(&db.data) {
                return Ok(Some(format!("{p}: first differs at flat index {i}")));
            }
        }
    }
    Ok(None)
}
