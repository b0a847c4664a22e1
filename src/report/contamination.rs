//! Test-set contamination: synthetic questions that are test questions.
//!
//! In a finite world the teacher's rewrite of a seed can be a held-out question (about
//! 14 % of game24's backward rewrites are test puzzles unless `tasks[].decontaminate`
//! is on), and a student that trains on it can answer that test item from memory. A
//! gain that exists only on those items is not the skill W1 asks about, and a user
//! cannot see it in the accuracy curves. The results file keeps every synthetic question
//! but not the world's sets, which are a pure function of the scenario, so they are drawn
//! again here exactly as `run` drew them ([`Recipe::draw_held_out`]) and checked item by item
//! against the test difficulties the run recorded; where they differ (another build's
//! world) nothing is computed.

use super::merge::Merged;
use crate::engine::records::RunRecord;
use crate::engine::world::Recipe;
use crate::stats::interval::t_interval;
use std::collections::{BTreeMap, BTreeSet};

/// One task's contamination, over every run of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskContamination {
    pub task: String,
    /// Synthetic questions over every run, and how many of them equal a test question.
    pub synthetic: usize,
    pub in_test: usize,
    /// Distinct test items a run has trained on by its last iteration, mean over runs,
    /// and the test set's size.
    pub seen: f64,
    pub test_size: usize,
    /// `random`'s final accuracy minus the base's, paired by replicate, on the test items
    /// its run never trained on and on those it did: (mean, 95 % t-interval, replicates).
    pub random_unseen: Option<Gain>,
    pub random_seen: Option<Gain>,
    /// Per strategy, in the file's order: (label, synthetic questions, of which test
    /// questions, test items trained on by the last iteration, mean over replicates). A
    /// strategy whose rewrites hit more test puzzles can look better for that alone.
    pub by_strategy: Vec<(String, usize, usize, f64)>,
}

/// A paired gain: mean, two-sided 95 % t-interval (None below 2 replicates), replicates.
pub type Gain = (f64, Option<(f64, f64)>, usize);

/// Every task's contamination, or for a task the reason it cannot be computed.
pub fn compute(m: &Merged) -> Vec<(String, Result<TaskContamination, String>)> {
    m.tasks.iter().map(|t| (t.clone(), task(m, t))).collect()
}

/// The test questions of every replicate of `task`, drawn as `run` drew them.
fn test_sets(m: &Merged, task: &str) -> Result<BTreeMap<u32, Vec<String>>, String> {
    let scn = m
        .scenario
        .as_ref()
        .ok_or("the file's scenario text does not parse")?;
    let hashes: BTreeSet<&str> = m
        .identities
        .iter()
        .map(|i| i.scenario_hash.as_str())
        .collect();
    if hashes.len() > 1 {
        return Err("merged from files of different scenarios".into());
    }
    let spec = scn
        .tasks
        .iter()
        .find(|t| t.name == task)
        .ok_or("the task is not in the file's scenario")?;
    let t = crate::tasks::by_name(task).ok_or("unknown task")?;
    let student = spec.student(&scn.student);
    let mut out = BTreeMap::new();
    for id in m.identities.iter().filter(|i| i.task == task) {
        let seed = id.seed.ok_or("a replicate without its master seed")?;
        let recipe = Recipe {
            seed,
            task: t.as_ref(),
            task_spec: spec,
            replicate: id.replicate,
            student: &student,
        };
        let (_, test) = recipe.draw_held_out().map_err(|e| format!("{e:#}"))?;
        if let Some(w) = m.world(task, id.merged_replicate) {
            let drawn: Vec<u32> = test.iter().map(|e| e.difficulty).collect();
            if w.test_difficulty.is_empty() || w.test_difficulty != drawn {
                return Err(
                    "this build does not draw the test set the run recorded (another build's world, or a file without per-item test records)".into(),
                );
            }
        }
        let questions = test.into_iter().map(|e| e.question).collect();
        out.insert(id.merged_replicate, questions);
    }
    if out.is_empty() {
        return Err("no world of the task in the file".into());
    }
    Ok(out)
}

/// Test items (indices) whose question `run` trained on, over all its iterations.
fn seen_items(run: &RunRecord, test: &[String]) -> BTreeSet<usize> {
    let index: BTreeMap<&str, usize> = test
        .iter()
        .enumerate()
        .map(|(i, q)| (q.as_str(), i))
        .collect();
    run.synthetic
        .iter()
        .filter_map(|s| index.get(s.question.as_str()).copied())
        .collect()
}

fn task(m: &Merged, task: &str) -> Result<TaskContamination, String> {
    let tests = test_sets(m, task)?;
    let (mut synthetic, mut in_test, mut seen_sum, mut runs) = (0, 0, 0usize, 0usize);
    let mut unseen = Vec::new();
    let mut seen_gain = Vec::new();
    let mut by_strategy: Vec<(String, usize, usize, f64)> = m
        .strategies
        .iter()
        .map(|s| (s.clone(), 0, 0, 0.0))
        .collect();
    let mut runs_of: Vec<usize> = vec![0; by_strategy.len()];
    for run in m.runs.iter().filter(|r| r.key.task == task) {
        let Some(test) = tests.get(&run.key.replicate) else {
            continue;
        };
        let questions: BTreeSet<&str> = test.iter().map(String::as_str).collect();
        let hits = run
            .synthetic
            .iter()
            .filter(|s| questions.contains(s.question.as_str()))
            .count();
        synthetic += run.synthetic.len();
        in_test += hits;
        let seen = seen_items(run, test);
        seen_sum += seen.len();
        runs += 1;
        if let Some(k) = by_strategy.iter().position(|b| b.0 == run.key.strategy) {
            let b = &mut by_strategy[k];
            b.1 += run.synthetic.len();
            b.2 += hits;
            b.3 += seen.len() as f64;
            runs_of[k] += 1;
        }
        if run.key.strategy != "random" {
            continue;
        }
        let (Some(w), Some(last)) = (m.world(task, run.key.replicate), run.iterations.last())
        else {
            continue;
        };
        let (base, fin) = (&w.base_test_correct, &last.test_correct);
        if base.len() != test.len() || fin.len() != test.len() {
            continue;
        }
        let gain = |keep: &dyn Fn(usize) -> bool| -> Option<f64> {
            let idx: Vec<usize> = (0..test.len()).filter(|&i| keep(i)).collect();
            if idx.is_empty() {
                return None;
            }
            let acc = |v: &[bool]| idx.iter().filter(|&&i| v[i]).count() as f64 / idx.len() as f64;
            Some(acc(fin) - acc(base))
        };
        unseen.extend(gain(&|i| !seen.contains(&i)));
        seen_gain.extend(gain(&|i| seen.contains(&i)));
    }
    let summarise = |v: &[f64]| -> Option<Gain> {
        (!v.is_empty()).then(|| {
            let (mean, ci) = t_interval(v);
            (mean, ci, v.len())
        })
    };
    Ok(TaskContamination {
        task: task.to_string(),
        synthetic,
        in_test,
        seen: if runs > 0 {
            seen_sum as f64 / runs as f64
        } else {
            0.0
        },
        test_size: tests.values().next().map_or(0, Vec::len),
        random_unseen: summarise(&unseen),
        random_seen: summarise(&seen_gain),
        by_strategy: by_strategy
            .into_iter()
            .zip(runs_of)
            .filter(|(_, n)| *n > 0)
            .map(|((label, syn, hits, seen), n)| (label, syn, hits, seen / n as f64))
            .collect(),
    })
}

/// The report's paragraph for one task.
pub fn paragraph(c: &Result<TaskContamination, String>) -> String {
    let c = match c {
        Ok(c) => c,
        Err(why) => return format!("Test contamination: not computed ({why})."),
    };
    if c.in_test == 0 {
        return format!(
            "Test contamination: none of the {} synthetic questions is a test question.",
            c.synthetic
        );
    }
    let gain = |g: &Option<Gain>| match g {
        Some((m, Some((lo, hi)), n)) => format!("{m:+.3} [{lo:+.3}, {hi:+.3}] ({n} replicates)"),
        Some((m, None, n)) => format!("{m:+.3} ({n} replicate{})", if *n == 1 { "" } else { "s" }),
        None => "—".into(),
    };
    let mut s = format!(
        "**Test contamination:** {} of the {} synthetic questions ({:.1} %) are test questions; by its last iteration a run has trained on {:.1} of the {} test items on average.",
        c.in_test,
        c.synthetic,
        100.0 * c.in_test as f64 / c.synthetic.max(1) as f64,
        c.seen,
        c.test_size
    );
    if c.random_unseen.is_some() || c.random_seen.is_some() {
        s.push_str(&format!(
            " `random`'s final gain over the base, paired by replicate (95 % t-interval): on the test items it never trained on {}, on those it did {}.",
            gain(&c.random_unseen),
            gain(&c.random_seen)
        ));
    }
    if c.by_strategy.len() > 1 {
        let parts: Vec<String> = c
            .by_strategy
            .iter()
            .map(|(label, syn, hits, seen)| {
                format!(
                    "`{label}` {:.1} % ({seen:.1} items)",
                    100.0 * *hits as f64 / (*syn).max(1) as f64
                )
            })
            .collect();
        s.push_str(&format!(
            " By strategy, the share of synthetic questions that are test questions (test items trained on by the last iteration): {}.",
            parts.join(", ")
        ));
    }
    s.push_str(" A gain on the trained-on items alone is memory of test questions, not the skill the comparisons are about; `tasks[].decontaminate = true` keeps held-out questions out of the synthetic data.");
    s
}
