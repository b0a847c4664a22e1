//! Base-model cache: the base student of a (task, replicate) is trained once and stored
//! under the SHA-256 of everything that determines it, so every strategy of a replicate
//! fine-tunes from the same bits and later runs skip the pre-training.
//!
//! A cached file is trusted only when its hash (header and weights) verifies *and* its
//! configuration is the one the caller expects; anything else is retrained, and the
//! retraining is announced on stderr so a user knows why the run took longer.

use super::checkpoint::{self, CheckpointError};
use super::model::{Model, ModelConfig};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Cache file for `key`: `<cache_dir>/base-<sha256 hex>.ckpt`.
pub fn cache_path(cache_dir: &Path, key: &[u8]) -> PathBuf {
    let h = Sha256::digest(key);
    let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
    cache_dir.join(format!("base-{hex}.ckpt"))
}

/// The per-user cache of commands without an output directory (`student fit`):
/// `$XDG_CACHE_HOME/activesynth`, else `$HOME/.cache/activesynth`, else the system's
/// temporary directory. Never the current directory, which `student fit` would litter.
pub fn user_cache_dir() -> PathBuf {
    let from = |var: &str, sub: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(|v| PathBuf::from(v).join(sub))
    };
    from("XDG_CACHE_HOME", "activesynth")
        .or_else(|| from("HOME", ".cache/activesynth"))
        .unwrap_or_else(|| std::env::temp_dir().join("activesynth-cache"))
}

/// Load the cached base model for `key`, or run `train`, store the result atomically and
/// return it. A cached file that fails to load (corrupted, truncated, other format) is
/// replaced by a fresh training run; an error is returned only when writing fails.
pub fn cached_or_train(
    cache_dir: &Path,
    key: &[u8],
    train: impl FnOnce() -> Model,
) -> Result<Model, CheckpointError> {
    load_or_train(cache_dir, key, None, || Ok(train()))
}

/// [`cached_or_train`] that also requires the cached model's configuration to equal
/// `expected` (a mismatch retrains and says so).
pub fn cached_or_train_checked(
    cache_dir: &Path,
    key: &[u8],
    expected: &ModelConfig,
    train: impl FnOnce() -> Model,
) -> Result<Model, CheckpointError> {
    load_or_train(cache_dir, key, Some(expected), || Ok(train()))
}

/// [`cached_or_train_checked`] whose training can fail (e.g. a validation pass): its
/// error is returned and nothing is cached.
pub fn try_cached_or_train_checked<E: From<CheckpointError>>(
    cache_dir: &Path,
    key: &[u8],
    expected: &ModelConfig,
    train: impl FnOnce() -> Result<Model, E>,
) -> Result<Model, E> {
    load_or_train(cache_dir, key, Some(expected), train)
}

fn load_or_train<E: From<CheckpointError>>(
    cache_dir: &Path,
    key: &[u8],
    expected: Option<&ModelConfig>,
    train: impl FnOnce() -> Result<Model, E>,
) -> Result<Model, E> {
    let path = cache_path(cache_dir, key);
    if path.exists() {
        match checkpoint::load(&path, expected) {
            Ok(m) => return Ok(m),
            Err(e) => eprintln!(
                "notice: cached base {} is unusable ({e}); retraining it",
                path.display()
            ),
        }
    }
    let m = train()?;
    checkpoint::save(&m, &path)?;
    Ok(m)
}
