//! Finished runs persisted one file each, so `run --resume` after a SIGINT or SIGKILL
//! redoes only unfinished runs. Each file is written to a temporary name and renamed, so
//! it is either complete or absent; it carries the scenario's hash, and a file from a
//! different scenario is never resumed from.

use crate::engine::records::{RunKey, RunRecord};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct ResumeStore {
    dir: PathBuf,
    scenario_hash: String,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    scenario_hash: String,
    record: RunRecord,
}

/// SHA-256 hex of a text.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl ResumeStore {
    /// A store under `out_dir/.runs` for the scenario with the given canonical text.
    pub fn new(out_dir: &Path, scenario_canonical: &str) -> Self {
        ResumeStore {
            dir: out_dir.join(".runs"),
            scenario_hash: sha256_hex(scenario_canonical),
        }
    }

    fn path(&self, key: &RunKey) -> PathBuf {
        self.dir
            .join(format!("{}.json", &sha256_hex(&key.path())[..24]))
    }

    /// Persist a finished run atomically.
    pub fn save(&self, rec: &RunRecord) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let path = self.path(&rec.key);
        let text = serde_json::to_string(&Stored {
            scenario_hash: self.scenario_hash.clone(),
            record: rec.clone(),
        })?;
        crate::output::atomic::write_atomic(&path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))
    }

    /// A finished run of this scenario, if one was saved (files from another scenario or
    /// unreadable files are ignored and will be recomputed).
    pub fn load(&self, key: &RunKey) -> Option<RunRecord> {
        let text = std::fs::read_to_string(self.path(key)).ok()?;
        let s: Stored = serde_json::from_str(&text).ok()?;
        (s.scenario_hash == self.scenario_hash && &s.record.key == key).then_some(s.record)
    }

    /// Remove every stored run (a fresh, non-resumed execution).
    pub fn clear(&self) -> Result<()> {
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir)
                .with_context(|| format!("removing {}", self.dir.display()))?;
        }
        Ok(())
    }
}
