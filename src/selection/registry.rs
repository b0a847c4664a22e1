//! The strategy registry: one entry per strategy, the only place that knows strategies by
//! name. Validation (scenario file and `activesynth select`), defaults and labels, the
//! scores the loop computes, the memory and work estimate, the selector a run uses and
//! the `score` column of `activesynth select` all look their strategy up here.
//!
//! A new strategy is one entry below (plus its [`Selector`] if none of the existing ones
//! fits); a new parameter is a [`Param`] variant and a field of [`StrategySpec`].

use super::spec::{
    dir_str, Direction, LossTarget, Param, SelectMode, StrategySpec, DEFAULT_BADGE_DIMS,
    DEFAULT_TEMPERATURE,
};
use super::{badge, pools, rank, Need, SeedScores, Selector};

/// One strategy of the registry.
pub struct Strategy {
    /// Name in scenario files and on the command line.
    pub name: &'static str,
    /// One line for help texts: what the strategy prefers.
    pub summary: &'static str,
    /// The parameters it accepts; any other one written is an error.
    pub params: &'static [Param],
    /// `direction` when not written (only meaningful with [`Param::Direction`]).
    pub default_direction: Direction,
    /// What the loop must score for it (given its parameters).
    pub needs: fn(&StrategySpec) -> Vec<Need>,
    /// Its selector, with the run's label.
    pub build: fn(&StrategySpec, String) -> Box<dyn Selector>,
    /// The value it ranked or pooled seed `i` by (the `score` column of
    /// `activesynth select`), `None` when it has none.
    pub score: fn(&StrategySpec, &SeedScores, usize) -> Option<f64>,
    /// Its label when the spec writes none (usually [`derived_label`]).
    pub label: fn(&StrategySpec, &Strategy) -> String,
}

/// Every strategy, in a fixed order (docs/architecture.md §3).
pub const STRATEGIES: &[Strategy] = &[
    Strategy {
        name: "random",
        summary: "uniform sampling, the static-generation baseline",
        params: &[],
        default_direction: Direction::Low,
        needs: |_| vec![],
        build: |_, label| Box::new(pools::Random { label }),
        score: |_, _, _| None,
        label: derived_label,
    },
    Strategy {
        name: "loss",
        summary: "student loss of its own answer (or the ground truth), high or low",
        params: &[
            Param::Target,
            Param::Direction,
            Param::Mode,
            Param::Temperature,
        ],
        default_direction: Direction::High,
        needs: |spec| vec![loss_need(spec)],
        build: |spec, label| Box::new(ranked(spec, label, loss_need(spec))),
        score: |spec, s, i| match loss_need(spec) {
            Need::LossGt => value(&s.loss_gt, i),
            _ => value(&s.loss_own, i),
        },
        label: derived_label,
    },
    Strategy {
        name: "reward",
        summary: "process reward of the student's answer, low or high",
        params: &[Param::Direction, Param::Mode, Param::Temperature],
        default_direction: Direction::Low,
        needs: |_| vec![Need::Reward],
        build: |spec, label| Box::new(ranked(spec, label, Need::Reward)),
        score: |_, s, i| value(&s.reward, i),
        label: derived_label,
    },
    Strategy {
        name: "judge-hard",
        summary: "seeds the judge finds hard (LLM-as-a-judge)",
        params: &[],
        default_direction: Direction::Low,
        needs: |_| vec![Need::Judge],
        build: |_, label| Box::new(pool(label, pools::Pool::JudgeHard, pools::Rule::Prefer)),
        score: judge_score,
        label: derived_label,
    },
    Strategy {
        name: "lion",
        summary: "equal numbers of hard and easy seeds by the judge (Lion)",
        params: &[],
        default_direction: Direction::Low,
        needs: |_| vec![Need::Judge],
        build: |_, label| Box::new(pool(label, pools::Pool::JudgeHard, pools::Rule::Balanced)),
        score: judge_score,
        label: derived_label,
    },
    Strategy {
        name: "badge",
        summary: "diverse, uncertain gradient embeddings (k-means++ seeding)",
        params: &[Param::Dims],
        default_direction: Direction::Low,
        needs: |_| vec![Need::GradEmbed],
        build: |_, label| Box::new(badge::Badge { label }),
        // The embedding's L2 norm.
        score: |_, s, i| {
            s.grad_embed.as_ref().map(|(e, k)| {
                e[i * k..(i + 1) * k]
                    .iter()
                    .map(|&x| f64::from(x) * f64::from(x))
                    .sum::<f64>()
                    .sqrt()
            })
        },
        label: derived_label,
    },
    Strategy {
        name: "incorrect",
        summary: "seeds the student answers incorrectly (LLM2LLM)",
        params: &[],
        default_direction: Direction::Low,
        needs: |_| vec![Need::Correct],
        build: |_, label| Box::new(pool(label, pools::Pool::Incorrect, pools::Rule::Prefer)),
        score: correct_score,
        label: derived_label,
    },
    Strategy {
        name: "evokd",
        summary: "equal numbers of incorrect and correct seeds (EvoKD)",
        params: &[],
        default_direction: Direction::Low,
        needs: |_| vec![Need::Correct],
        build: |_, label| Box::new(pool(label, pools::Pool::Incorrect, pools::Rule::Balanced)),
        score: correct_score,
        label: derived_label,
    },
];

/// Every strategy name, in the registry's order.
pub const STRATEGY_NAMES: [&str; STRATEGIES.len()] = {
    let mut out = [""; STRATEGIES.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = STRATEGIES[i].name;
        i += 1;
    }
    out
};

/// The registry's entry for a strategy name.
pub fn lookup(name: &str) -> Option<&'static Strategy> {
    STRATEGIES.iter().find(|e| e.name == name)
}

/// What the loop must score for a spec (nothing for an unknown name, which validation
/// rejects).
pub fn needs(spec: &StrategySpec) -> Vec<Need> {
    lookup(&spec.name).map_or_else(Vec::new, |e| (e.needs)(spec))
}

/// The selector of a validated spec, with the run's label; `None` for an unknown name.
pub fn from_spec(spec: &StrategySpec, label: &str) -> Option<Box<dyn Selector>> {
    lookup(&spec.name).map(|e| (e.build)(spec, label.to_string()))
}

fn loss_need(spec: &StrategySpec) -> Need {
    match spec.target_or_default() {
        LossTarget::Own => Need::LossOwn,
        LossTarget::Gt => Need::LossGt,
    }
}

/// A ranking selector with the spec's direction, mode and temperature (defaults filled).
fn ranked(spec: &StrategySpec, label: String, need: Need) -> rank::ScoreRank {
    rank::ScoreRank {
        label,
        need,
        direction: spec.direction_or_default(),
        mode: spec.mode_or_default(),
        temperature: spec.temperature_or_default(),
    }
}

fn pool(label: String, pool: pools::Pool, rule: pools::Rule) -> pools::PoolSelector {
    pools::PoolSelector { label, pool, rule }
}

fn value(v: &Option<Vec<f64>>, i: usize) -> Option<f64> {
    v.as_ref().map(|v| v[i])
}

fn flag(v: &Option<Vec<bool>>, i: usize) -> Option<f64> {
    v.as_ref().map(|v| f64::from(u8::from(v[i])))
}

/// 0/1 correctness.
fn correct_score(_: &StrategySpec, s: &SeedScores, i: usize) -> Option<f64> {
    flag(&s.correct, i)
}

/// The judge gap, else the 0/1 hard flag.
fn judge_score(_: &StrategySpec, s: &SeedScores, i: usize) -> Option<f64> {
    value(&s.judge_gap, i).or_else(|| flag(&s.judge_hard, i))
}

impl Param {
    /// Strategies that accept this parameter (from the registry, in its order).
    pub fn applies_to(self) -> Vec<&'static str> {
        STRATEGIES
            .iter()
            .filter(|e| e.params.contains(&self))
            .map(|e| e.name)
            .collect()
    }
}

impl StrategySpec {
    /// Direction with its default: the registry's for the strategy (`high` for loss,
    /// `low` for reward); `low` for a name the registry does not know.
    pub fn direction_or_default(&self) -> Direction {
        self.direction
            .unwrap_or_else(|| lookup(&self.name).map_or(Direction::Low, |e| e.default_direction))
    }

    /// The label in results: the explicit `label`, else the registry's derivation for
    /// the strategy (by default [`derived_label`]), e.g. `random`, `reward-low`,
    /// `loss-own-high`, `loss-gt-low-softmax`, `loss-own-high-softmax-t0.5`, `badge-k32`.
    /// A name the registry does not know is its own label.
    pub fn resolved_label(&self) -> String {
        if let Some(l) = &self.label {
            return l.clone();
        }
        match lookup(&self.name) {
            Some(e) => (e.label)(self, e),
            None => self.name.clone(),
        }
    }

    /// Every parameter the registry lists for the strategy filled with its default;
    /// the others stay `None` (temperature applies only with `mode = "softmax"`).
    pub fn resolved(&self) -> StrategySpec {
        let mut s = self.clone();
        s.label = Some(self.resolved_label());
        let params = lookup(&self.name).map_or(&[][..], |e| e.params);
        for p in params {
            match p {
                Param::Target => s.target = Some(self.target_or_default()),
                Param::Direction => s.direction = Some(self.direction_or_default()),
                Param::Mode => s.mode = Some(self.mode_or_default()),
                Param::Temperature => {
                    if self.mode_or_default() == SelectMode::Softmax {
                        s.temperature = Some(self.temperature_or_default());
                    }
                }
                Param::Dims => s.dims = Some(self.dims_or_default()),
            }
        }
        s
    }
}

/// The default label derivation: the name, then one part per parameter the strategy
/// accepts, in [`Param::ALL`] order: `-own`/`-gt` (target), `-high`/`-low` (direction),
/// `-softmax` (mode, only when softmax), `-t<T>` (temperature, only when softmax and not
/// the default), `-k<K>` (dims, only when not the default).
pub fn derived_label(spec: &StrategySpec, entry: &Strategy) -> String {
    let mut label = spec.name.clone();
    let softmax = spec.mode_or_default() == SelectMode::Softmax;
    for p in Param::ALL {
        if !entry.params.contains(&p) {
            continue;
        }
        match p {
            Param::Target => label.push_str(match spec.target_or_default() {
                LossTarget::Own => "-own",
                LossTarget::Gt => "-gt",
            }),
            Param::Direction => {
                label.push('-');
                label.push_str(dir_str(spec.direction_or_default()));
            }
            Param::Mode => {
                if softmax {
                    label.push_str("-softmax");
                }
            }
            Param::Temperature => {
                let t = spec.temperature_or_default();
                if softmax && t != DEFAULT_TEMPERATURE {
                    label.push_str(&format!("-t{t}"));
                }
            }
            Param::Dims => {
                let k = spec.dims_or_default();
                if k != DEFAULT_BADGE_DIMS {
                    label.push_str(&format!("-k{k}"));
                }
            }
        }
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spec the registry's parameters allow, roughly: each strategy with defaults,
    /// and `loss` with each target.
    fn specs() -> Vec<StrategySpec> {
        let mut out: Vec<StrategySpec> = STRATEGY_NAMES
            .iter()
            .map(|n| StrategySpec::named(n))
            .collect();
        let mut gt = StrategySpec::named("loss");
        gt.target = Some(LossTarget::Gt);
        out.push(gt);
        out
    }

    #[test]
    fn names_are_unique_and_looked_up() {
        for (i, e) in STRATEGIES.iter().enumerate() {
            assert_eq!(STRATEGY_NAMES[i], e.name);
            assert_eq!(lookup(e.name).unwrap().name, e.name);
            assert_eq!(STRATEGY_NAMES.iter().filter(|n| **n == e.name).count(), 1);
        }
        assert!(lookup("bagde").is_none());
        assert!(from_spec(&StrategySpec::named("bagde"), "x").is_none());
    }

    #[test]
    fn declared_needs_are_what_the_selector_asks_for() {
        for spec in specs() {
            let sel = from_spec(&spec, "x").unwrap();
            assert_eq!(needs(&spec), sel.needs(), "{}", spec.name);
        }
    }

    #[test]
    fn a_score_column_exists_exactly_when_something_is_scored() {
        let n = 2;
        let s = SeedScores {
            n,
            loss_own: Some(vec![0.5, 1.5]),
            loss_gt: Some(vec![2.5, 3.5]),
            correct: Some(vec![true, false]),
            reward: Some(vec![0.25, 0.75]),
            judge_gap: Some(vec![1.0, 0.0]),
            judge_hard: Some(vec![true, false]),
            grad_embed: Some((vec![3.0, 4.0, 0.0, 1.0], 2)),
        };
        for spec in specs() {
            let e = lookup(&spec.name).unwrap();
            let col = (e.score)(&spec, &s, 0);
            assert_eq!(col.is_some(), !needs(&spec).is_empty(), "{}", spec.name);
        }
        let mut gt = StrategySpec::named("loss");
        gt.target = Some(LossTarget::Gt);
        assert_eq!((lookup("loss").unwrap().score)(&gt, &s, 1), Some(3.5));
        assert_eq!(
            (lookup("badge").unwrap().score)(&StrategySpec::named("badge"), &s, 0),
            Some(5.0)
        );
        assert_eq!(
            (lookup("evokd").unwrap().score)(&StrategySpec::named("evokd"), &s, 1),
            Some(0.0)
        );
    }

    #[test]
    fn param_applicability_comes_from_the_table() {
        assert_eq!(Param::Target.applies_to(), ["loss"]);
        assert_eq!(Param::Direction.applies_to(), ["loss", "reward"]);
        assert_eq!(Param::Temperature.applies_to(), ["loss", "reward"]);
        assert_eq!(Param::Dims.applies_to(), ["badge"]);
    }
}
