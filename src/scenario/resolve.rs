//! Strategy vocabulary, parameter defaults and labels, and the fully resolved scenario
//! (every applicable `Option` filled), so that downstream code never re-implements a
//! default and `activesynth check` can show exactly what will run.

use super::{Direction, LossTarget, Scenario, SelectMode, StrategySpec, TaskSpec};

/// Every strategy name, in a fixed order (docs/architecture.md §3).
pub const STRATEGY_NAMES: [&str; 8] = [
    "random",
    "loss",
    "reward",
    "judge-hard",
    "lion",
    "badge",
    "incorrect",
    "evokd",
];

/// Default softmax temperature of `loss` and `reward`.
pub const DEFAULT_TEMPERATURE: f64 = 1.0;
/// Default projection dimension k of `badge`.
pub const DEFAULT_BADGE_DIMS: u32 = 16;

/// A strategy parameter, for the applicability check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    Target,
    Direction,
    Mode,
    Temperature,
    Dims,
}

impl Param {
    /// Key name in the scenario file.
    pub fn key(self) -> &'static str {
        match self {
            Param::Target => "target",
            Param::Direction => "direction",
            Param::Mode => "mode",
            Param::Temperature => "temperature",
            Param::Dims => "dims",
        }
    }

    /// Strategies that accept this parameter.
    pub fn applies_to(self) -> &'static [&'static str] {
        match self {
            Param::Target => &["loss"],
            Param::Direction | Param::Mode | Param::Temperature => &["loss", "reward"],
            Param::Dims => &["badge"],
        }
    }

    /// All parameters.
    pub const ALL: [Param; 5] = [
        Param::Target,
        Param::Direction,
        Param::Mode,
        Param::Temperature,
        Param::Dims,
    ];
}

fn dir_str(d: Direction) -> &'static str {
    match d {
        Direction::High => "high",
        Direction::Low => "low",
    }
}

impl StrategySpec {
    /// A strategy with only a name; every parameter takes its default.
    pub fn named(name: &str) -> StrategySpec {
        StrategySpec {
            name: name.to_string(),
            label: None,
            target: None,
            direction: None,
            mode: None,
            temperature: None,
            dims: None,
        }
    }

    /// Whether the parameter is written (`Some`) in this spec.
    pub fn is_set(&self, p: Param) -> bool {
        match p {
            Param::Target => self.target.is_some(),
            Param::Direction => self.direction.is_some(),
            Param::Mode => self.mode.is_some(),
            Param::Temperature => self.temperature.is_some(),
            Param::Dims => self.dims.is_some(),
        }
    }

    /// `loss` target with its default (`own`, the paper's default).
    pub fn target_or_default(&self) -> LossTarget {
        self.target.unwrap_or(LossTarget::Own)
    }

    /// Direction with its default: `high` for loss, `low` for reward (and any other).
    pub fn direction_or_default(&self) -> Direction {
        self.direction.unwrap_or(if self.name == "loss" {
            Direction::High
        } else {
            Direction::Low
        })
    }

    /// Selection mode with its default (`argmax`).
    pub fn mode_or_default(&self) -> SelectMode {
        self.mode.unwrap_or(SelectMode::Argmax)
    }

    /// Softmax temperature with its default (1.0).
    pub fn temperature_or_default(&self) -> f64 {
        self.temperature.unwrap_or(DEFAULT_TEMPERATURE)
    }

    /// BADGE projection dimension with its default (16).
    pub fn dims_or_default(&self) -> u32 {
        self.dims.unwrap_or(DEFAULT_BADGE_DIMS)
    }

    /// The label in results: the explicit `label`, else derived from name and
    /// parameters, e.g. `random`, `reward-low`, `loss-own-high`, `loss-gt-low-softmax`,
    /// `loss-own-high-softmax-t0.5`, `badge-k32` (non-default temperature and dims only).
    pub fn resolved_label(&self) -> String {
        if let Some(l) = &self.label {
            return l.clone();
        }
        let mut label = self.name.clone();
        match self.name.as_str() {
            "loss" | "reward" => {
                if self.name == "loss" {
                    label.push_str(match self.target_or_default() {
                        LossTarget::Own => "-own",
                        LossTarget::Gt => "-gt",
                    });
                }
                label.push('-');
                label.push_str(dir_str(self.direction_or_default()));
                if self.mode_or_default() == SelectMode::Softmax {
                    label.push_str("-softmax");
                    let t = self.temperature_or_default();
                    if t != DEFAULT_TEMPERATURE {
                        label.push_str(&format!("-t{t}"));
                    }
                }
            }
            "badge" => {
                let k = self.dims_or_default();
                if k != DEFAULT_BADGE_DIMS {
                    label.push_str(&format!("-k{k}"));
                }
            }
            _ => {}
        }
        label
    }

    /// Every applicable parameter filled with its default; non-applicable ones stay
    /// `None` (temperature applies only with `mode = "softmax"`).
    pub fn resolved(&self) -> StrategySpec {
        let mut s = self.clone();
        s.label = Some(self.resolved_label());
        match self.name.as_str() {
            "loss" | "reward" => {
                if self.name == "loss" {
                    s.target = Some(self.target_or_default());
                }
                s.direction = Some(self.direction_or_default());
                s.mode = Some(self.mode_or_default());
                if s.mode == Some(SelectMode::Softmax) {
                    s.temperature = Some(self.temperature_or_default());
                }
            }
            "badge" => s.dims = Some(self.dims_or_default()),
            _ => {}
        }
        s
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, f: impl FnOnce(&mut StrategySpec)) -> StrategySpec {
        let mut s = StrategySpec::named(name);
        f(&mut s);
        s
    }

    #[test]
    fn labels_follow_the_documented_pattern() {
        assert_eq!(StrategySpec::named("random").resolved_label(), "random");
        assert_eq!(StrategySpec::named("reward").resolved_label(), "reward-low");
        assert_eq!(
            StrategySpec::named("loss").resolved_label(),
            "loss-own-high"
        );
        let s = spec("loss", |s| {
            s.target = Some(LossTarget::Gt);
            s.direction = Some(Direction::Low);
            s.mode = Some(SelectMode::Softmax);
        });
        assert_eq!(s.resolved_label(), "loss-gt-low-softmax");
        let s = spec("reward", |s| {
            s.mode = Some(SelectMode::Softmax);
            s.temperature = Some(0.5);
        });
        assert_eq!(s.resolved_label(), "reward-low-softmax-t0.5");
        assert_eq!(
            spec("badge", |s| s.dims = Some(32)).resolved_label(),
            "badge-k32"
        );
        assert_eq!(StrategySpec::named("badge").resolved_label(), "badge");
        assert_eq!(
            spec("loss", |s| s.label = Some("mine".into())).resolved_label(),
            "mine"
        );
    }

    #[test]
    fn resolved_fills_only_applicable_parameters() {
        let r = StrategySpec::named("loss").resolved();
        assert_eq!(r.target, Some(LossTarget::Own));
        assert_eq!(r.direction, Some(Direction::High));
        assert_eq!(r.mode, Some(SelectMode::Argmax));
        assert_eq!(r.temperature, None);
        assert_eq!(r.dims, None);
        let r = StrategySpec::named("reward").resolved();
        assert_eq!((r.target, r.direction), (None, Some(Direction::Low)));
        let r = StrategySpec::named("badge").resolved();
        assert_eq!((r.dims, r.direction), (Some(16), None));
        let r = StrategySpec::named("incorrect").resolved();
        assert_eq!(r, spec("incorrect", |s| s.label = Some("incorrect".into())));
    }
}
