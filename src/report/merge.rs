//! Loading one or several results files and merging them into one data set, so that
//! runs split across files (different tasks, replicate ranges or seeds of the same
//! scenario schema) are reported together. Files that cannot be compared (different
//! strategies, iterations, m, student or vocabulary) are refused with an error naming
//! the field, because pooling them would silently mix different experiments.

use crate::engine::records::{RunRecord, WorldRecord};
use crate::output::results::{self, Results};
use crate::scenario::Scenario;
use anyhow::{Context, Result};
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
    /// Iterations per run (T) and seeds per iteration (m), from the data.
    pub iterations: usize,
    pub m: usize,
    /// Human-readable notes on what merging did (renumbered replicates).
    pub notes: Vec<String>,
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

/// (T, m) of a results file, from its runs (the maximum over runs).
fn shape_of(r: &Results) -> (usize, usize) {
    let t = r
        .outcome
        .runs
        .iter()
        .map(|x| x.iterations.len())
        .max()
        .unwrap_or(0);
    let m = r
        .outcome
        .runs
        .iter()
        .flat_map(|x| x.iterations.first())
        .map(|i| i.selected.len())
        .max()
        .unwrap_or(0);
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
    };
    for (fi, f) in files.into_iter().enumerate() {
        let path = &inputs[fi];
        let parsed: Option<Scenario> = toml::from_str(&f.scenario_text).ok();
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
            check(
                "samples_per_iteration (m)",
                p0,
                path,
                m0.to_string(),
                m.to_string(),
            )?;
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
                merged.notes.push(format!(
                    "{}: task `{task}` replicates {} were renumbered to {} (they collided with an earlier file's)",
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
            w.replicate += offset.get(&w.task).copied().unwrap_or(0);
            merged.worlds.push(w);
        }
        for mut r in f.outcome.runs {
            r.key.replicate += offset.get(&r.key.task).copied().unwrap_or(0);
            merged.runs.push(r);
        }
    }
    Ok(merged)
}

fn range(reps: &BTreeSet<u32>, shift: u32) -> String {
    let v: Vec<String> = reps.iter().map(|r| (r + shift).to_string()).collect();
    format!("{{{}}}", v.join(", "))
}
