//! Versioned binary checkpoints.
//!
//! Layout (little-endian): magic `ASTUDENT` (8 bytes), format version (u32), the six
//! config fields (u64 each: vocab, layers, d_model, heads, d_ff, context), parameter
//! count (u64), SHA-256 (32 bytes), then the payload: every parameter as f32 in
//! [`Model::params`] order. Since version 2 the hash covers the 68 header bytes before
//! it *and* the payload: an edited header (heads 4 → 8 keeps the parameter count) is as
//! detectable as an edited weight. The explicit config makes loading into the wrong
//! architecture an error, not garbage.

use super::model::{Model, ModelConfig};
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use thiserror::Error;

const MAGIC: &[u8; 8] = b"ASTUDENT";
/// Current checkpoint format version.
pub const VERSION: u32 = 2;
/// Bytes before the hash (covered by it).
const HASHED_HEADER: usize = 8 + 4 + 6 * 8 + 8;
const HEADER: usize = HASHED_HEADER + 32;

/// Why a checkpoint could not be read.
#[derive(Debug, Error)]
pub enum CheckpointError {
    /// Not a `#[source]`: the message already carries the reason once.
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("not a student checkpoint (bad magic)")]
    BadMagic,
    #[error("unsupported checkpoint version {found} (this build reads {VERSION})")]
    Version { found: u32 },
    #[error("checkpoint truncated: {got} bytes, expected {expected}")]
    Truncated { got: usize, expected: usize },
    #[error("checkpoint config {found:?} does not match the expected {expected:?}")]
    ConfigMismatch {
        found: ModelConfig,
        expected: ModelConfig,
    },
    #[error("checkpoint hash mismatch (header or weights edited or corrupted)")]
    HashMismatch,
    #[error("the model has non-finite weights (training diverged); it is not saved")]
    NonFinite,
    #[error("invalid checkpoint header: {0}")]
    BadHeader(String),
}

/// Serialise a model.
pub fn to_bytes(m: &Model) -> Vec<u8> {
    let mut payload = Vec::with_capacity(m.params.len() * 4);
    for p in &m.params {
        payload.extend_from_slice(&p.to_le_bytes());
    }
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    let c = &m.cfg;
    for v in [c.vocab, c.layers, c.d_model, c.heads, c.d_ff, c.context] {
        out.extend_from_slice(&(v as u64).to_le_bytes());
    }
    out.extend_from_slice(&(m.params.len() as u64).to_le_bytes());
    let hash = digest(&out, &payload);
    out.extend_from_slice(&hash);
    out.extend_from_slice(&payload);
    out
}

/// SHA-256 of the header bytes before the hash and the payload.
fn digest(header: &[u8], payload: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(&header[..HASHED_HEADER]);
    h.update(payload);
    h.finalize().into()
}

fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"))
}

/// Parse a checkpoint; `expected`, when given, must equal the stored config.
pub fn from_bytes(b: &[u8], expected: Option<&ModelConfig>) -> Result<Model, CheckpointError> {
    if b.len() < 8 || &b[..8] != MAGIC {
        return Err(if b.len() < 8 {
            CheckpointError::Truncated {
                got: b.len(),
                expected: HEADER,
            }
        } else {
            CheckpointError::BadMagic
        });
    }
    if b.len() < HEADER {
        return Err(CheckpointError::Truncated {
            got: b.len(),
            expected: HEADER,
        });
    }
    let version = u32::from_le_bytes(b[8..12].try_into().expect("4 bytes"));
    if version != VERSION {
        return Err(CheckpointError::Version { found: version });
    }
    // Length first: it bounds the allocation below by the bytes actually present.
    let n = u64_at(b, 60) as usize;
    let expected_len = n.checked_mul(4).and_then(|x| x.checked_add(HEADER));
    if expected_len != Some(b.len()) {
        return Err(CheckpointError::Truncated {
            got: b.len(),
            expected: expected_len.unwrap_or(usize::MAX),
        });
    }
    // Then integrity of everything, header included, before any header field is used.
    let payload = &b[HEADER..];
    if digest(b, payload).as_slice() != &b[HASHED_HEADER..HEADER] {
        return Err(CheckpointError::HashMismatch);
    }
    let f: Vec<usize> = (0..6).map(|i| u64_at(b, 12 + 8 * i) as usize).collect();
    let cfg = ModelConfig {
        vocab: f[0],
        layers: f[1],
        d_model: f[2],
        heads: f[3],
        d_ff: f[4],
        context: f[5],
    };
    if let Some(e) = expected {
        if *e != cfg {
            return Err(CheckpointError::ConfigMismatch {
                found: cfg,
                expected: *e,
            });
        }
    }
    let ok = cfg.vocab > 4
        && cfg.layers > 0
        && cfg.d_model > 0
        && cfg.heads > 0
        && cfg.d_model.is_multiple_of(cfg.heads)
        && cfg.d_ff > 0
        && cfg.context > 1
        && f.iter().all(|&x| x < 1 << 24);
    if !ok {
        return Err(CheckpointError::BadHeader(format!(
            "impossible config {cfg:?}"
        )));
    }
    if n != cfg.n_params() {
        return Err(CheckpointError::BadHeader(format!(
            "parameter count {n} does not match config ({})",
            cfg.n_params()
        )));
    }
    let mut m = Model::zeros(cfg);
    for (p, c) in m.params.iter_mut().zip(payload.chunks_exact(4)) {
        *p = f32::from_le_bytes(c.try_into().expect("4 bytes"));
    }
    Ok(m)
}

/// Write a checkpoint atomically (a per-process `NAME.<pid>@<host>.tmp` in the same directory,
/// fsynced, then renamed), so a crash never leaves a half-written file under the final
/// name and the leftover temporary is recognisable for the next run's sweep. A model with
/// non-finite weights is refused: a diverged base must never be cached.
pub fn save(m: &Model, path: &Path) -> Result<(), CheckpointError> {
    if m.params.iter().any(|p| !p.is_finite()) {
        return Err(CheckpointError::NonFinite);
    }
    let io = |p: &Path| {
        let path = p.to_path_buf();
        move |error| CheckpointError::Io { path, error }
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let tmp = crate::atomic::tmp_path_pid(path);
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&to_bytes(m))?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(&tmp)(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(path)(e)
    })
}

/// Read a checkpoint (see [`from_bytes`]).
pub fn load(path: &Path, expected: Option<&ModelConfig>) -> Result<Model, CheckpointError> {
    let bytes = std::fs::read(path).map_err(|error| CheckpointError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    from_bytes(&bytes, expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::StreamKey;

    fn cfg() -> ModelConfig {
        ModelConfig {
            vocab: 11,
            layers: 1,
            d_model: 8,
            heads: 2,
            d_ff: 16,
            context: 10,
        }
    }

    #[test]
    fn edited_header_fails_the_hash() {
        let m = Model::new(cfg(), &mut StreamKey::shared(1, "t", 0, "init").rng());
        let bytes = to_bytes(&m);
        assert!(from_bytes(&bytes, Some(&cfg())).is_ok());
        // heads 2 -> 4 keeps the parameter count: only the hash can tell.
        let mut edited = bytes.clone();
        edited[12 + 3 * 8] = 4;
        let heads4 = ModelConfig { heads: 4, ..cfg() };
        assert_eq!(heads4.n_params(), cfg().n_params());
        assert!(matches!(
            from_bytes(&edited, None),
            Err(CheckpointError::HashMismatch)
        ));
    }

    #[test]
    fn io_errors_name_the_path_and_diverged_models_are_not_saved() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.ckpt");
        let e = load(&missing, None).unwrap_err().to_string();
        assert!(e.contains("nope.ckpt"), "{e}");
        let mut m = Model::new(cfg(), &mut StreamKey::shared(1, "t", 0, "init").rng());
        m.params[3] = f32::NAN;
        assert!(matches!(
            save(&m, &dir.path().join("m.ckpt")),
            Err(CheckpointError::NonFinite)
        ));
        assert!(!dir.path().join("m.ckpt").exists());
    }
}
