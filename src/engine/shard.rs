//! Sharding a scenario across processes or machines (`run --shard I/N`, then `merge`;
//! docs/cluster.md).
//!
//! The runs of a scenario in *canonical order* — task (scenario order), then replicate,
//! then strategy (scenario order), the order `results.h5` lists them — are cut into `N`
//! contiguous blocks whose sizes differ by at most one; shard `I` (1-based) executes block
//! `I`. Contiguous rather than round-robin: every (task, replicate) world's runs are
//! adjacent, so a shard needs (and pre-trains) only the base students of about
//! `runs / N / strategies + 1` worlds, where round-robin would make every shard pre-train
//! nearly every base. The partition depends only on the scenario and `N`, so `merge` can
//! recompute which runs each shard must hold.
//!
//! A run's result bits do not depend on which shard (or process, or `--jobs`) executes
//! it: every random draw comes from a stream named by (master seed, task, replicate,
//! strategy, iteration, purpose) (`src/rng.rs`), and the shared world of a (task,
//! replicate), base student included, only by (master seed, task, replicate).

use crate::engine::records::RunKey;
use crate::scenario::Scenario;
use std::fmt;
use std::ops::Range;

/// Shard `index` of `count` (1-based: `1 ≤ index ≤ count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Parses `I/N` (1-based `I`, `1 ≤ I ≤ N`); the error says what is wrong.
    pub fn parse(spec: &str) -> Result<Shard, String> {
        let bad = |why: &str| {
            format!("--shard {spec:?}: {why} (expected I/N with 1 ≤ I ≤ N, 1-based: e.g. --shard 1/4 … --shard 4/4)")
        };
        let (i, n) = spec.trim().split_once('/').ok_or_else(|| bad("no `/`"))?;
        let num = |s: &str, what: &str| -> Result<u32, String> {
            s.trim()
                .parse::<u32>()
                .map_err(|_| bad(&format!("{what} {:?} is not a whole number", s.trim())))
        };
        let (index, count) = (num(i, "shard index")?, num(n, "shard count")?);
        if count == 0 {
            return Err(bad("the shard count must be at least 1"));
        }
        if index == 0 {
            return Err(bad("shards are numbered from 1, not 0"));
        }
        if index > count {
            return Err(bad(&format!(
                "shard index {index} exceeds the count {count}"
            )));
        }
        Ok(Shard { index, count })
    }

    /// Positions in the canonical run list of `total` runs that this shard executes:
    /// block `index` of `count` contiguous blocks whose sizes differ by at most one.
    pub fn range(&self, total: usize) -> Range<usize> {
        let (i, n) = (self.index as usize - 1, self.count as usize);
        (i * total / n)..((i + 1) * total / n)
    }

    /// The runs of `scn` this shard executes, in canonical order. Errors (a usage error
    /// for the CLI) when the scenario has fewer runs than shards, which would leave a
    /// shard with nothing to do.
    pub fn runs(&self, scn: &Scenario) -> Result<Vec<RunKey>, String> {
        let all = all_runs(scn);
        if (self.count as usize) > all.len() {
            return Err(format!(
                "--shard {self}: scenario `{}` has only {} runs, so at most {} shards",
                scn.name,
                all.len(),
                all.len()
            ));
        }
        Ok(all[self.range(all.len())].to_vec())
    }
}

/// Every run of a scenario in canonical order: task (scenario order), replicate,
/// strategy (scenario order) — the order of `results.h5` and of `runner::execute`.
pub fn all_runs(scn: &Scenario) -> Vec<RunKey> {
    let labels: Vec<String> = scn.strategies.iter().map(|s| s.resolved_label()).collect();
    let mut keys = Vec::new();
    for t in &scn.tasks {
        for r in 0..scn.replicates {
            for l in &labels {
                keys.push(RunKey {
                    task: t.name.clone(),
                    replicate: r,
                    strategy: l.clone(),
                });
            }
        }
    }
    keys
}

/// The (task index, replicate) worlds that `keys` need, each once, in first-seen order
/// (canonical order for canonically ordered keys).
pub fn worlds_of(scn: &Scenario, keys: &[RunKey]) -> Vec<(usize, u32)> {
    let mut worlds: Vec<(usize, u32)> = Vec::new();
    for k in keys {
        let ti = scn
            .tasks
            .iter()
            .position(|t| t.name == k.task)
            .expect("run key from the scenario");
        if !worlds.contains(&(ti, k.replicate)) {
            worlds.push((ti, k.replicate));
        }
    }
    worlds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_one_based_and_refuses_the_rest() {
        assert_eq!(Shard::parse("1/3"), Ok(Shard { index: 1, count: 3 }));
        assert_eq!(Shard::parse(" 3 / 3 "), Ok(Shard { index: 3, count: 3 }));
        assert_eq!(Shard::parse("1/1"), Ok(Shard { index: 1, count: 1 }));
        for (spec, why) in [
            ("0/3", "numbered from 1"),
            ("4/3", "exceeds the count 3"),
            ("1/0", "at least 1"),
            ("2", "no `/`"),
            ("a/3", "not a whole number"),
            ("1/-2", "not a whole number"),
            ("", "no `/`"),
        ] {
            let e = Shard::parse(spec).unwrap_err();
            assert!(e.contains(why), "{spec}: {e}");
            assert!(e.contains("1-based"), "{spec}: {e}");
        }
    }

    #[test]
    fn blocks_cover_every_run_once_and_are_balanced() {
        for total in 1..40usize {
            for count in 1..=total as u32 {
                let mut next = 0;
                let mut sizes = Vec::new();
                for index in 1..=count {
                    let r = Shard { index, count }.range(total);
                    assert_eq!(r.start, next, "contiguous, in order");
                    next = r.end;
                    sizes.push(r.len());
                }
                assert_eq!(next, total, "covers everything");
                let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(hi - lo <= 1 && *lo >= 1, "{total}/{count}: {sizes:?}");
            }
        }
    }
}
