//! Loading one or several results files and merging them into one data set, so that
//! runs split across files (different tasks, replicate ranges or seeds of the same
//! scenario schema) are reported together. Files that cannot be compared (different
//! strategies, iterations, m, student or vocabulary) are refused with an error naming
//! the field, because pooling them would silently mix different experiments.
//!
//! A replicate is counted once. Every (task, replicate) carries an identity — scenario
//! hash, master seed, task, replicate — derived from what `results.h5` already stores
//! (the root attribute `scenario` holds the resolved scenario text), so old files work.
//! The world of a replicate (D0, test set, base student) is a function of (master seed,
//! task, replicate), so two files sharing that triple hold the same replicate even if
//! other settings differ; merging them would fake replication (smaller SEs, smaller p)
//! and is refused with [`DuplicateReplicate`]. Only replicates of different master seeds
//! are renumbered, and the report header says so.

use crate::engine::records::{RunRecord, WorldRecord};
use crate::output::results::{self, Results};
use crate::scenario::Scenario;
use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Input files that must not be reported together. The CLI maps it to a usage error.
#[derive(Debug, thiserror::Error)]
#[error("{first} and {other} cannot be reported together: field `{field}` differs ({a} vs {b})")]
pub struct IncompatibleInputs {
    pub field: String,
    pub first: String,
    pub other: String,
    pub a: String,
    pub b: String,
}

/// Two inputs hold the same replicate (same master seed, task and replicate). The CLI
/// maps it to a usage error (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{first} and {other} both hold task `{task}` replicate {replicate} of master seed {seed} ({detail}); counting it twice would fake replication, so they are not reported together. Merge only results of different master seeds")]
pub struct DuplicateReplicate {
    pub first: String,
    pub other: String,
    pub task: String,
    pub replicate: u32,
    pub seed: String,
    /// "identical scenario" or "different scenarios sharing the seed, hence the same D0,
    /// test set and base student".
    pub detail: String,
}

/// Who a merged (task, replicate) really is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunIdentity {
    /// First 16 hex digits of SHA-256 of the resolved scenario text.
    pub scenario_hash: String,
    /// Master seed (`None` when the scenario text does not parse).
    pub seed: Option<u64>,
    pub task: String,
    /// The replicate number inside its own file.
    pub replicate: u32,
    /// The replicate number in the merged report.
    pub merged_replicate: u32,
    pub file: PathBuf,
}

/// SHA-256 of the scenario text, first 16 hex digits.
pub fn scenario_hash(text: &str) -> String {
    let d = Sha256::digest(text.as_bytes());
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Everything the analyses need, merged over the inputs.
#[derive(Clone, Debug)]
pub struct Merged {
    pub inputs: Vec<PathBuf>,
    pub scenario_name: String,
    /// The first input's scenario (None when its text does not parse as a scenario).
    pub scenario: Option<Scenario>,
    /// Master seeds of the inputs (de-duplicated, first-seen order).
    pub seeds: Vec<u64>,
    /// Task names, first-seen order over the inputs.
    pub tasks: Vec<String>,
    /// Strategy labels in scenario order.
    pub strategies: Vec<String>,
    pub vocab: Vec<String>,
    pub worlds: Vec<WorldRecord>,
    pub runs: Vec<RunRecord>,
    /// Iterations per run (T) and seeds per iteration (m) of each task, from the data.
    pub iterations: usize,
    pub m: BTreeMap<String, usize>,
    /// Human-readable notes on what merging did (renumbered replicates).
    pub notes: Vec<String>,
    /// The identity of every merged (task, replicate), in merge order.
    pub identities: Vec<RunIdentity>,
}

impl Merged {
    /// Runs of one task and strategy, ordered by replicate.
    pub fn runs_of(&self, task: &str, strategy: &str) -> Vec<&RunRecord> {
        let mut v: Vec<&RunRecord> = self
            .runs
            .iter()
            .filter(|r| r.key.task == task && r.key.strategy == strategy)
            .collect();
        v.sort_by_key(|r| r.key.replicate);
        v
    }

    /// The world (shared material) of a (task, replicate).
    pub fn world(&self, task: &str, replicate: u32) -> Option<&WorldRecord> {
        self.worlds
            .iter()
            .find(|w| w.task == task && w.replicate == replicate)
    }

    /// Replicate ids of a task, ascending.
    pub fn replicates(&self, task: &str) -> Vec<u32> {
        let s: BTreeSet<u32> = self
            .worlds
            .iter()
            .filter(|w| w.task == task)
            .map(|w| w.replicate)
            .collect();
        s.into_iter().collect()
    }

    /// The label of the random baseline, if the scenario has one.
    pub fn random_label(&self) -> Option<&str> {
        self.strategies
            .iter()
            .find(|s| s.as_str() == "random")
            .map(String::as_str)
    }
}

/// T and m per task of a results file, from its runs (the maxima over runs; m is the
/// first iteration's selection, per task because a task may set its own m).
fn shape_of(r: &Results) -> (usize, BTreeMap<String, usize>) {
    let t = r
        .outcome
        .runs
        .iter()
        .map(|x| x.iterations.len())
        .max()
        .unwrap_or(0);
    let mut m: BTreeMap<String, usize> = BTreeMap::new();
    for run in &r.outcome.runs {
        if let Some(first) = run.iterations.first() {
            let e = m.entry(run.key.task.clone()).or_insert(0);
            *e = (*e).max(first.selected.len());
        }
    }
    (t, m)
}

fn check(field: &str, first: &Path, other: &Path, a: String, b: String) -> Result<()> {
    if a != b {
        return Err(IncompatibleInputs {
            field: field.into(),
            first: first.display().to_string(),
            other: other.display().to_string(),
            a,
            b,
        }
        .into());
    }
    Ok(())
}

/// Read and merge the inputs. A later file whose (task, replicate) keys collide with
/// earlier ones has that task's replicates renumbered after the earlier ones (noted in
/// [`Merged::notes`]).
pub fn load(inputs: &[PathBuf]) -> Result<Merged> {
    anyhow::ensure!(!inputs.is_empty(), "no results file given");
    let files: Vec<Results> = inputs
        .iter()
        .map(|p| results::read(p).with_context(|| format!("reading {}", p.display())))
        .collect::<Result<_>>()?;
    merge(inputs, files)
}

/// Merge already-read results (see [`load`]).
pub fn merge(inputs: &[PathBuf], files: Vec<Results>) -> Result<Merged> {
    let first = &files[0];
    let scenario: Option<Scenario> = toml::from_str(&first.scenario_text).ok();
    let (t0, m0) = shape_of(first);
    let mut merged = Merged {
        inputs: inputs.to_vec(),
        scenario_name: first.scenario_name.clone(),
        scenario: scenario.clone(),
        seeds: Vec::new(),
        tasks: Vec::new(),
        strategies: first.strategies.clone(),
        vocab: first.vocab.clone(),
        worlds: Vec::new(),
        runs: Vec::new(),
        iterations: t0,
        m: m0,
        notes: Vec::new(),
        identities: Vec::new(),
    };
    for (fi, f) in files.into_iter().enumerate() {
        let path = &inputs[fi];
        let parsed: Option<Scenario> = toml::from_str(&f.scenario_text).ok();
        let hash = scenario_hash(&f.scenario_text);
        let seed = parsed.as_ref().map(|s| s.seed);
        if let Some(s) = &parsed {
            if !merged.seeds.contains(&s.seed) {
                merged.seeds.push(s.seed);
            }
        }
        if fi > 0 {
            let p0 = &inputs[0];
            check(
                "strategies",
                p0,
                path,
                merged.strategies.join(","),
                f.strategies.join(","),
            )?;
            let (t, m) = shape_of(&f);
            check("iterations", p0, path, t0.to_string(), t.to_string())?;
            for (task, mt) in m {
                match merged.m.get(&task) {
                    Some(&m0) => check(
                        &format!("samples_per_iteration (m) of task {task}"),
                        p0,
                        path,
                        m0.to_string(),
                        mt.to_string(),
                    )?,
                    None => {
                        merged.m.insert(task, mt);
                    }
                }
            }
            if let (Some(a), Some(b)) = (&scenario, &parsed) {
                check(
                    "iterations",
                    p0,
                    path,
                    a.iterations.to_string(),
                    b.iterations.to_string(),
                )?;
                check(
                    "samples_per_iteration (m)",
                    p0,
                    path,
                    a.samples_per_iteration.to_string(),
                    b.samples_per_iteration.to_string(),
                )?;
                check(
                    "student",
                    p0,
                    path,
                    format!("{:?}", a.student),
                    format!("{:?}", b.student),
                )?;
            }
            if merged.vocab != f.vocab {
                check(
                    "vocab",
                    p0,
                    path,
                    format!("{} tokens", merged.vocab.len()),
                    format!("{} tokens (different)", f.vocab.len()),
                )?;
            }
        }
        refuse_duplicates(&merged.identities, path, &hash, seed, &f)?;
        // Renumber this file's replicates per task when any of its keys already exists.
        let mut offset: BTreeMap<String, u32> = BTreeMap::new();
        for task in &f.tasks {
            let existing = merged.replicates(task);
            let theirs: BTreeSet<u32> = f
                .outcome
                .worlds
                .iter()
                .filter(|w| &w.task == task)
                .map(|w| w.replicate)
                .collect();
            let clash = theirs.iter().any(|r| existing.contains(r));
            let shift = if clash {
                existing.last().map_or(0, |m| m + 1)
            } else {
                0
            };
            if clash {
                let seed_text = seed.map_or("unknown".to_string(), |s| s.to_string());
                merged.notes.push(format!(
                    "{}: task `{task}` replicates {} (master seed {seed_text}) were renumbered to {}: they are different replicates of an earlier file's numbers (different master seed, hence different D0, test set and base student)",
                    path.display(),
                    range(&theirs, 0),
                    range(&theirs, shift),
                ));
            }
            offset.insert(task.clone(), shift);
            if !merged.tasks.contains(task) {
                merged.tasks.push(task.clone());
            }
        }
        for mut w in f.outcome.worlds {
            let own = w.replicate;
            w.replicate += offset.get(&w.task).copied().unwrap_or(0);
            merged.identities.push(RunIdentity {
                scenario_hash: hash.clone(),
                seed,
                task: w.task.clone(),
                replicate: own,
                merged_replicate: w.replicate,
                file: path.clone(),
            });
            merged.worlds.push(w);
        }
        for mut r in f.outcome.runs {
            r.key.replicate += offset.get(&r.key.task).copied().unwrap_or(0);
            merged.runs.push(r);
        }
    }
    Ok(merged)
}

/// Refuse a file holding a (master seed, task, replicate) that an earlier file already
/// contributed. Without a parseable seed the scenario hash stands in for it.
fn refuse_duplicates(
    seen: &[RunIdentity],
    path: &Path,
    hash: &str,
    seed: Option<u64>,
    f: &Results,
) -> Result<()> {
    for w in &f.outcome.worlds {
        let dup = seen.iter().find(|id| {
            id.task == w.task
                && id.replicate == w.replicate
                && match (id.seed, seed) {
                    (Some(a), Some(b)) => a == b,
                    (None, None) => id.scenario_hash == hash,
                    _ => false,
                }
        });
        if let Some(id) = dup {
            let detail = if id.scenario_hash == hash {
                format!("identical scenario {hash}")
            } else {
                format!(
                    "scenarios {} and {hash} differ but share the seed, hence the same D0, test set and base student",
                    id.scenario_hash
                )
            };
            return Err(DuplicateReplicate {
                first: id.file.display().to_string(),
                other: path.display().to_string(),
                task: w.task.clone(),
                replicate: w.replicate,
                seed: seed.map_or_else(|| "unknown".into(), |s| s.to_string()),
                detail,
            }
            .into());
        }
    }
    Ok(())
}

fn range(reps: &BTreeSet<u32>, shift: u32) -> String {
    let v: Vec<String> = reps.iter().map(|r| (r + shift).to_string()).collect();
    format!("{{{}}}", v.join(", "))
}
