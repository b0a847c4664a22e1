//! Base-model cache: the base student of a (task, replicate) is trained once and stored
//! under the SHA-256 of everything that determines it, so every strategy of a replicate
//! fine-tunes from the same bits and later runs skip the pre-training.

use super::checkpoint::{self, CheckpointError};
use super::model::Model;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Cache file for `key`: `<cache_dir>/base-<sha256 hex>.ckpt`.
pub fn cache_path(cache_dir: &Path, key: &[u8]) -> PathBuf {
    let h = Sha256::digest(key);
    let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
    cache_dir.join(format!("base-{hex}.ckpt"))
}

/// Load the cached base model for `key`, or run `train`, store the result atomically and
/// return it. A cached file that fails to load (corrupted, truncated, other format) is
/// replaced by a fresh training run; an error is returned only when writing fails.
pub fn cached_or_train(
    cache_dir: &Path,
    key: &[u8],
    train: impl FnOnce() -> Model,
) -> Result<Model, CheckpointError> {
    let path = cache_path(cache_dir, key);
    if path.exists() {
        if let Ok(m) = checkpoint::load(&path, None) {
            return Ok(m);
        }
    }
    let m = train();
    checkpoint::save(&m, &path)?;
    Ok(m)
}
