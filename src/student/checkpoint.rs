//! Versioned binary checkpoints.
//!
//! Layout (little-endian): magic `ASTUDENT` (8 bytes), format version (u32), the six
//! config fields (u64 each: vocab, layers, d_model, heads, d_ff, context), parameter
//! count (u64), SHA-256 of the payload (32 bytes), then the payload: every parameter as
//! f32 in [`Model::params`] order. The hash makes silent corruption impossible to miss;
//! the explicit config makes loading into the wrong architecture an error, not garbage.

use super::model::{Model, ModelConfig};
use sha2::{Digest, Sha256};
use std::path::Path;
use thiserror::Error;

const MAGIC: &[u8; 8] = b"ASTUDENT";
/// Current checkpoint format version.
pub const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 6 * 8 + 8 + 32;

/// Why a checkpoint could not be read.
#[derive(Debug, Error)]
pub enum CheckpointError {
    #[error("checkpoint i/o error: {0}")]
    Io(#[from] std::io::Error),
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
    #[error("checkpoint payload hash mismatch (corrupted file)")]
    HashMismatch,
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
    out.extend_from_slice(&Sha256::digest(&payload));
    out.extend_from_slice(&payload);
    out
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
        && cfg.d_model % cfg.heads == 0
        && cfg.d_ff > 0
        && cfg.context > 1
        && f.iter().all(|&x| x < 1 << 24);
    if !ok {
        return Err(CheckpointError::BadHeader(format!(
            "impossible config {cfg:?}"
        )));
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
    if n != cfg.n_params() {
        return Err(CheckpointError::BadHeader(format!(
            "parameter count {n} does not match config ({})",
            cfg.n_params()
        )));
    }
    let mut m = Model::zeros(cfg);
    let payload = &b[HEADER..];
    if Sha256::digest(payload).as_slice() != &b[68..100] {
        return Err(CheckpointError::HashMismatch);
    }
    for (p, c) in m.params.iter_mut().zip(payload.chunks_exact(4)) {
        *p = f32::from_le_bytes(c.try_into().expect("4 bytes"));
    }
    Ok(m)
}

/// Write a checkpoint atomically (temporary file in the same directory, then rename), so
/// a crash never leaves a half-written file under the final name.
pub fn save(m: &Model, path: &Path) -> Result<(), CheckpointError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, to_bytes(m))?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Read a checkpoint (see [`from_bytes`]).
pub fn load(path: &Path, expected: Option<&ModelConfig>) -> Result<Model, CheckpointError> {
    from_bytes(&std::fs::read(path)?, expected)
}
