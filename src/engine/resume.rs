//! Finished runs persisted one file each, so `run --resume` after a SIGINT or SIGKILL
//! redoes only unfinished runs. Each file is written to a temporary name and renamed, so
//! it is either complete or absent.
//!
//! A record is trusted only when it proves where it came from: the file is one header
//! line `{"format":2,"scenario_hash":…,"sha256":…}` followed by the record's JSON, and
//! the SHA-256 covers exactly those record bytes. A record of another scenario makes
//! `--resume` refuse (the caller's choice, see [`ResumeStore::scan`]); a record whose
//! checksum fails (edited or corrupted) is never loaded and its run is recomputed.

use crate::engine::records::{RunKey, RunRecord};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Format of the files this build writes and reads.
const FORMAT: u32 = 2;

#[derive(Clone, Debug)]
pub struct ResumeStore {
    dir: PathBuf,
    scenario_hash: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    scenario_hash: String,
    sha256: String,
}

/// What is in a store directory, by trust.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scan {
    /// Records of this scenario that pass their checksum.
    pub valid: usize,
    /// Intact records of a different scenario.
    pub foreign: Vec<PathBuf>,
    /// Unreadable files: torn, edited (checksum mismatch) or of an older format.
    pub corrupt: Vec<(PathBuf, String)>,
}

/// SHA-256 hex of a text.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why a stored file cannot be trusted, or its header and record.
fn parse_file(text: &str) -> std::result::Result<(Header, RunRecord), String> {
    let (head, body) = text
        .split_once('\n')
        .ok_or("no header line (an older format or a torn file)")?;
    let h: Header = serde_json::from_str(head).map_err(|e| format!("bad header: {e}"))?;
    if h.format != FORMAT {
        return Err(format!("format {} (this build reads {FORMAT})", h.format));
    }
    if sha256_hex(body) != h.sha256 {
        return Err("checksum mismatch: the record was edited or corrupted".into());
    }
    let rec: RunRecord = serde_json::from_str(body).map_err(|e| format!("bad record: {e}"))?;
    Ok((h, rec))
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
        let body = serde_json::to_string(rec)?;
        let header = serde_json::to_string(&Header {
            format: FORMAT,
            scenario_hash: self.scenario_hash.clone(),
            sha256: sha256_hex(&body),
        })?;
        let text = format!("{header}\n{body}");
        crate::atomic::write_atomic(&path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))
    }

    /// A finished run of this scenario, if one was saved and passes its checksum
    /// (anything else is recomputed).
    pub fn load(&self, key: &RunKey) -> Option<RunRecord> {
        let text = std::fs::read_to_string(self.path(key)).ok()?;
        let (h, rec) = parse_file(&text).ok()?;
        (h.scenario_hash == self.scenario_hash && &rec.key == key).then_some(rec)
    }

    /// Classify every `*.json` in the store (see [`Scan`]).
    pub fn scan(&self) -> Scan {
        let mut scan = Scan::default();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return scan;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for p in paths {
            match std::fs::read_to_string(&p)
                .map_err(|e| e.to_string())
                .and_then(|t| parse_file(&t))
            {
                Ok((h, _)) if h.scenario_hash == self.scenario_hash => scan.valid += 1,
                Ok(_) => scan.foreign.push(p),
                Err(why) => scan.corrupt.push((p, why)),
            }
        }
        scan
    }

    /// Whether the store holds any finished-run file.
    pub fn has_records(&self) -> bool {
        std::fs::read_dir(&self.dir).is_ok_and(|d| {
            d.filter_map(|e| e.ok())
                .any(|e| e.path().extension().is_some_and(|x| x == "json"))
        })
    }

    /// Remove every stored run (a fresh or `--overwrite` execution, under the lock of
    /// the output directory: never another live run's records).
    pub fn clear(&self) -> Result<()> {
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir)
                .with_context(|| format!("removing {}", self.dir.display()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::records::{RunRecord, RunTiming};

    fn record(strategy: &str) -> RunRecord {
        RunRecord {
            key: RunKey {
                task: "arith".into(),
                replicate: 0,
                strategy: strategy.into(),
            },
            base_test_accuracy: 0.25,
            base_val_accuracy: 0.5,
            iterations: vec![],
            synthetic: vec![],
            timing: RunTiming::default(),
        }
    }

    #[test]
    fn edited_record_is_not_trusted_and_foreign_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store = ResumeStore::new(dir.path(), "scenario A");
        let rec = record("random");
        store.save(&rec).unwrap();
        assert_eq!(store.load(&rec.key), Some(rec.clone()));
        assert_eq!(store.scan().valid, 1);

        // The same file read as another scenario's store: foreign, not loaded.
        let other = ResumeStore::new(dir.path(), "scenario B");
        assert_eq!(other.load(&rec.key), None);
        assert_eq!(other.scan().foreign.len(), 1);

        // Edit one number in the record body: checksum mismatch, recomputed.
        let path = store.path(&rec.key);
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = text.replace("\"base_test_accuracy\":0.25", "\"base_test_accuracy\":0.95");
        assert_ne!(text, edited, "the edit applies");
        std::fs::write(&path, edited).unwrap();
        assert_eq!(store.load(&rec.key), None);
        let scan = store.scan();
        assert_eq!((scan.valid, scan.corrupt.len()), (0, 1));
        assert!(scan.corrupt[0].1.contains("checksum"), "{:?}", scan.corrupt);
    }
}
