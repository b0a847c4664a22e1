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

use super::files::Stats;
use super::merge::Merged;
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
    /// Per run, keyed by (strategy label, merged replicate): for each test item the first
    /// iteration whose training set held it (`None`: never trained on). World check W1
    /// reads it to measure gains on items a run had not seen ([`Self::unseen`]).
    pub first_seen: BTreeMap<(String, u32), Vec<Option<u32>>>,
    /// Per strategy other than `random`, in the file's order: its final accuracy minus
    /// `random`'s, paired by replicate, on the test items *neither* run trained on, and
    /// the mean number of such items. The contamination-free form of the comparison with
    /// `random`: a strategy cannot gain here by rewriting seeds into test puzzles.
    pub vs_random_clean: Vec<(String, Gain, f64)>,
}

impl TaskContamination {
    /// The test items the run `(strategy, replicate)` had not trained on by `iteration`
    /// (training at iteration t uses every synthetic example of iterations ≤ t), or None
    /// when the run is not in the file.
    pub fn unseen(&self, strategy: &str, replicate: u32, iteration: u32) -> Option<Vec<usize>> {
        let first = self.first_seen.get(&(strategy.to_string(), replicate))?;
        let idx = first.iter().enumerate();
        Some(
            idx.filter(|(_, f)| f.is_none_or(|t| t > iteration))
                .map(|(i, _)| i)
                .collect(),
        )
    }
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

/// The share of the items `idx` (non-empty) that `correct` marks right: accuracy on a
/// subset of the test set, as W1 and the contamination-free comparisons read it.
pub fn accuracy_on(correct: &[bool], idx: &[usize]) -> f64 {
    idx.iter().filter(|&&i| correct[i]).count() as f64 / idx.len() as f64
}

/// One strategy's counts, summed over its runs.
#[derive(Default)]
struct Tally {
    synthetic: usize,
    in_test: usize,
    /// Test items trained on by the last iteration, summed over runs.
    seen: usize,
    runs: usize,
}

fn task(m: &Merged, task: &str) -> Result<TaskContamination, String> {
    let tests = test_sets(m, task)?;
    // Each replicate's test question -> item index, built once per replicate.
    let index: BTreeMap<u32, BTreeMap<&str, usize>> = tests
        .iter()
        .map(|(&rep, test)| {
            let items = test.iter().enumerate().map(|(i, q)| (q.as_str(), i));
            (rep, items.collect())
        })
        .collect();
    let mut tally: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut first_seen = BTreeMap::new();
    let (mut unseen, mut seen_gain) = (Vec::new(), Vec::new());
    let mut finals: BTreeMap<(&str, u32), &[bool]> = BTreeMap::new();
    for run in m.runs.iter().filter(|r| r.key.task == task) {
        let Some(items) = index.get(&run.key.replicate) else {
            continue;
        };
        let hits: Vec<(usize, u32)> = run
            .synthetic
            .iter()
            .filter_map(|s| Some((*items.get(s.question.as_str())?, s.iteration)))
            .collect();
        let mut first: Vec<Option<u32>> = vec![None; items.len()];
        for &(i, t) in &hits {
            first[i] = Some(first[i].map_or(t, |f: u32| f.min(t)));
        }
        let t = tally.entry(run.key.strategy.as_str()).or_default();
        t.synthetic += run.synthetic.len();
        t.in_test += hits.len();
        t.seen += first.iter().flatten().count();
        t.runs += 1;
        let trained: Vec<bool> = first.iter().map(Option::is_some).collect();
        first_seen.insert((run.key.strategy.clone(), run.key.replicate), first);
        if let Some(last) = run.iterations.last() {
            if last.test_correct.len() == items.len() {
                let key = (run.key.strategy.as_str(), run.key.replicate);
                finals.insert(key, &last.test_correct);
            }
        }
        if run.key.strategy != "random" {
            continue;
        }
        let (Some(w), Some(last)) = (m.world(task, run.key.replicate), run.iterations.last())
        else {
            continue;
        };
        let (base, fin, n) = (&w.base_test_correct, &last.test_correct, items.len());
        if base.len() != n || fin.len() != n {
            continue;
        }
        let gain = |seen: bool| -> Option<f64> {
            let idx: Vec<usize> = (0..n).filter(|&i| trained[i] == seen).collect();
            (!idx.is_empty()).then(|| accuracy_on(fin, &idx) - accuracy_on(base, &idx))
        };
        unseen.extend(gain(false));
        seen_gain.extend(gain(true));
    }
    let summarise = |v: &[f64]| -> Option<Gain> {
        (!v.is_empty()).then(|| {
            let (mean, ci) = t_interval(v);
            (mean, ci, v.len())
        })
    };
    let vs_random_clean = m
        .strategies
        .iter()
        .filter(|l| l.as_str() != "random")
        .filter_map(|label| {
            let (mut diffs, mut clean) = (Vec::new(), Vec::new());
            for &rep in index.keys() {
                let run = |s: &str| {
                    Some((
                        *finals.get(&(s, rep))?,
                        first_seen.get(&(s.to_string(), rep))?,
                    ))
                };
                let (Some((fin, a)), Some((rfin, b))) = (run(label), run("random")) else {
                    continue;
                };
                let idx: Vec<usize> = (0..fin.len())
                    .filter(|&i| a[i].is_none() && b[i].is_none())
                    .collect();
                if !idx.is_empty() {
                    diffs.push(accuracy_on(fin, &idx) - accuracy_on(rfin, &idx));
                    clean.push(idx.len() as f64);
                }
            }
            let g = summarise(&diffs)?;
            let items = clean.iter().sum::<f64>() / clean.len() as f64;
            Some((label.clone(), g, items))
        })
        .collect();
    let sum = |f: fn(&Tally) -> usize| tally.values().map(f).sum::<usize>();
    let runs = sum(|t| t.runs);
    Ok(TaskContamination {
        task: task.to_string(),
        synthetic: sum(|t| t.synthetic),
        in_test: sum(|t| t.in_test),
        seen: sum(|t| t.seen) as f64 / runs.max(1) as f64,
        test_size: tests.values().next().map_or(0, Vec::len),
        random_unseen: summarise(&unseen),
        random_seen: summarise(&seen_gain),
        // In the file's strategy order.
        by_strategy: m
            .strategies
            .iter()
            .filter_map(|label| {
                let t = tally.get(label.as_str())?;
                let seen = t.seen as f64 / t.runs as f64;
                Some((label.clone(), t.synthetic, t.in_test, seen))
            })
            .collect(),
        first_seen,
        vs_random_clean,
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
    if !c.vs_random_clean.is_empty() {
        let parts: Vec<String> = c
            .vs_random_clean
            .iter()
            .map(|(label, g, items)| format!("`{label}` {} on {items:.1} items", gain(&Some(*g))))
            .collect();
        s.push_str(&format!(
            " On the test items neither it nor `random` trained on, each strategy's final accuracy minus `random`'s, paired by replicate (95 % t-interval, not corrected for multiple comparisons): {}.",
            parts.join(", ")
        ));
    }
    s.push_str(" A gain on the trained-on items alone is memory of test questions, not the skill the comparisons are about; `tasks[].decontaminate = true` keeps held-out questions out of the synthetic data.");
    s
}

/// The contamination's rows in `stats` (section `contamination`, setting `all`): per task
/// and strategy `synthetic`, `in_test` and `test_items_trained_on` (mean over runs);
/// for `random` `gain_unseen_*` and `gain_seen_*` (final minus base on the items it
/// never / ever trained on); for the others `vs_random_clean_*` (final minus `random`'s
/// on the items neither trained on) and `vs_random_clean_items`. `*` is `mean`,
/// `ci_low`, `ci_high` (95 % t; NaN below 2 replicates) and `replicates`. Nothing for
/// a task whose contamination could not be computed.
pub fn push_stats(all: &[(String, Result<TaskContamination, String>)], stats: &mut Stats) {
    let gain = |stats: &mut Stats, task: &str, label: &str, name: &str, g: &Gain| {
        let (lo, hi) = g.1.unwrap_or((f64::NAN, f64::NAN));
        for (stat, v) in [
            ("mean", g.0),
            ("ci_low", lo),
            ("ci_high", hi),
            ("replicates", g.2 as f64),
        ] {
            stats.push(
                "contamination",
                task,
                label,
                "all",
                &format!("{name}_{stat}"),
                v,
            );
        }
    };
    for (task, c) in all {
        let Ok(c) = c else { continue };
        for (label, syn, hits, seen) in &c.by_strategy {
            stats.push(
                "contamination",
                task,
                label,
                "all",
                "synthetic",
                *syn as f64,
            );
            stats.push("contamination", task, label, "all", "in_test", *hits as f64);
            stats.push(
                "contamination",
                task,
                label,
                "all",
                "test_items_trained_on",
                *seen,
            );
        }
        if let Some(g) = &c.random_unseen {
            gain(stats, task, "random", "gain_unseen", g);
        }
        if let Some(g) = &c.random_seen {
            gain(stats, task, "random", "gain_seen", g);
        }
        for (label, g, items) in &c.vs_random_clean {
            gain(stats, task, label, "vs_random_clean", g);
            stats.push(
                "contamination",
                task,
                label,
                "all",
                "vs_random_clean_items",
                *items,
            );
        }
    }
}
