//! Task defaults and the fully resolved scenario (every applicable `Option` filled;
//! strategy parameters and labels come from the strategy registry, `selection::registry`), so that downstream code never re-implements a
//! default and `activesynth check` can show exactly what will run.

use super::{Scenario, StrategySpec, TaskSpec};

impl TaskSpec {
    /// Verifier gate on synthetic data: explicit value, else on for game24 only.
    pub fn verify_synthetic_or_default(&self) -> bool {
        self.verify_synthetic.unwrap_or(self.name == "game24")
    }

    /// ROUGE-L dedup: explicit value, else off for game24 only (as in the paper).
    pub fn dedup_or_default(&self) -> bool {
        self.dedup.unwrap_or(self.name != "game24")
    }
}

impl Scenario {
    /// Output directory: explicit `output.dir`, else `runs/<name>`.
    pub fn output_dir(&self) -> String {
        self.output
            .dir
            .clone()
            .unwrap_or_else(|| format!("runs/{}", self.name))
    }

    /// The same scenario with every default written out: strategy labels and applicable
    /// parameters, per-task `verify_synthetic` and `dedup`, and `output.dir`.
    pub fn resolved(&self) -> Scenario {
        let mut s = self.clone();
        for t in &mut s.tasks {
            t.verify_synthetic = Some(t.verify_synthetic_or_default());
            t.dedup = Some(t.dedup_or_default());
        }
        s.strategies = self.strategies.iter().map(StrategySpec::resolved).collect();
        s.output.dir = Some(self.output_dir());
        s
    }
}
