//! What a scenario file writes for one strategy (a name plus parameters), the parameters'
//! defaults, the derived label and the resolved spec. Which parameters apply to which
//! strategy, the default direction and the derived label come from the registry
//! ([`super::registry`], which also holds the methods that need it).

use serde::{Deserialize, Serialize};

/// One selection strategy, a name plus parameters (docs/architecture.md §3). Parameters that
/// do not apply to the named strategy are rejected by validation.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StrategySpec {
    /// A strategy name of the registry ([`super::registry::STRATEGIES`]).
    pub name: String,
    /// Label in results and reports; default derived from name and parameters
    /// (e.g. `loss-gt-low-softmax`). Must be unique within a scenario.
    #[serde(default)]
    pub label: Option<String>,
    /// `loss`: score the student's own greedy generation (`own`, the paper's default) or
    /// the ground truth (`gt`).
    #[serde(default)]
    pub target: Option<LossTarget>,
    /// `loss`, `reward`: pick high or low scores. Default `high` for loss, `low` for reward.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// `loss`, `reward`: top-m (`argmax`) or sampling proportional to softmax(score/T).
    #[serde(default)]
    pub mode: Option<SelectMode>,
    /// Softmax temperature for `mode = "softmax"` (default 1.0).
    #[serde(default)]
    pub temperature: Option<f64>,
    /// `badge`: dimension k of the random projection of gradient embeddings (default 16).
    #[serde(default)]
    pub dims: Option<u32>,
}

/// What a `loss` strategy scores: the student's own greedy answer or the ground truth.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LossTarget {
    Own,
    Gt,
}

/// Whether a score-based strategy prefers high or low scores.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    High,
    Low,
}

/// Top-m by score, or sampling without replacement proportional to softmax(score/T).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SelectMode {
    Argmax,
    Softmax,
}

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

    /// All parameters.
    pub const ALL: [Param; 5] = [
        Param::Target,
        Param::Direction,
        Param::Mode,
        Param::Temperature,
        Param::Dims,
    ];
}

pub(super) fn dir_str(d: Direction) -> &'static str {
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

    /// Selection mode with its default (`argmax`).
    pub fn mode_or_default(&self) -> SelectMode {
        self.mode.unwrap_or(SelectMode::Argmax)
    }

    /// Softmax temperature with its default (1.0).
    pub fn temperature_or_default(&self) -> f64 {
        self.temperature.unwrap_or(DEFAULT_TEMPERATURE)
    }

    /// A spec of strategy `name` with `f` applied (tests build variants this way).
    #[cfg(test)]
    pub(crate) fn named_with(name: &str, f: impl FnOnce(&mut StrategySpec)) -> StrategySpec {
        let mut s = StrategySpec::named(name);
        f(&mut s);
        s
    }

    /// BADGE projection dimension with its default (16).
    pub fn dims_or_default(&self) -> u32 {
        self.dims.unwrap_or(DEFAULT_BADGE_DIMS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, f: impl FnOnce(&mut StrategySpec)) -> StrategySpec {
        StrategySpec::named_with(name, f)
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
