//! Selection strategies φ (docs/architecture.md §3): given what the current student revealed
//! about every seed in `D0`, pick the `m` seeds the teacher rewrites this iteration.
//!
//! Every strategy is one entry of the [`registry`] (name, parameters, needs, constructor,
//! score column, label) and builds one [`Selector`]; it declares the scores it [`Need`]s so that the
//! loop computes only those (judge scores cost teacher tokens, gradient embeddings cost a
//! pass over the output head). Contract, tested for every strategy: exactly `m` distinct
//! indices in `0..n` (or an error when `m > n`), deterministic for a given stream, ties
//! broken by the lower index.

mod pools;
mod rank;
mod spec;

pub mod badge;
pub mod registry;

pub use registry::{derived_label, from_spec, STRATEGY_NAMES};
pub use spec::{
    Direction, LossTarget, Param, SelectMode, StrategySpec, DEFAULT_BADGE_DIMS, DEFAULT_TEMPERATURE,
};

use crate::rng::Rng;
use thiserror::Error;

/// A per-seed quantity a strategy needs the loop to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// Mean token NLL of the student's own greedy answer (the paper's uncertainty).
    LossOwn,
    /// Mean token NLL of the ground-truth answer.
    LossGt,
    /// Whether the student's greedy answer verifies.
    Correct,
    /// Process reward of the student's answer.
    Reward,
    /// Pairwise judge: teacher − student score gap and the hard flag (costs tokens).
    Judge,
    /// Last-layer gradient embedding of the own-generation loss (BADGE).
    GradEmbed,
}

impl Need {
    /// Whether the student computes it in a forward pass over the seeds (their losses,
    /// or the answer states BADGE's gradient embeddings come from).
    pub fn model_pass(self) -> bool {
        matches!(self, Need::LossOwn | Need::LossGt | Need::GradEmbed)
    }
}

/// What the loop measured about each of the `n` seeds (only the needed fields are set).
#[derive(Clone, Debug, Default)]
pub struct SeedScores {
    pub n: usize,
    pub loss_own: Option<Vec<f64>>,
    pub loss_gt: Option<Vec<f64>>,
    pub correct: Option<Vec<bool>>,
    pub reward: Option<Vec<f64>>,
    /// Judge's teacher − student score gap per seed.
    pub judge_gap: Option<Vec<f64>>,
    /// Judge's "hard" flag per seed (gap ≥ margin).
    pub judge_hard: Option<Vec<bool>>,
    /// Row-major `n × dims` gradient embeddings.
    pub grad_embed: Option<(Vec<f32>, usize)>,
}

/// Why a selection could not be made.
#[derive(Debug, Error, PartialEq)]
pub enum SelectError {
    #[error("cannot select {m} seeds from a seed set of {n}")]
    TooMany { m: usize, n: usize },
    #[error("strategy `{strategy}` needs {need:?} scores, which were not computed")]
    Missing { strategy: String, need: Need },
    #[error("score vector has length {got}, expected {n}")]
    Length { got: usize, n: usize },
}

/// A selection strategy.
pub trait Selector: Send + Sync {
    /// Label used in results (unique within a scenario).
    fn label(&self) -> &str;
    /// Scores the loop must compute for this strategy.
    fn needs(&self) -> Vec<Need>;
    /// Pick exactly `m` distinct seed indices.
    fn select(&self, s: &SeedScores, m: usize, rng: &mut Rng) -> Result<Vec<usize>, SelectError>;
}

pub(crate) fn check_m(m: usize, n: usize) -> Result<(), SelectError> {
    if m > n {
        Err(SelectError::TooMany { m, n })
    } else {
        Ok(())
    }
}

pub(crate) fn need<'a, T>(
    v: &'a Option<T>,
    strategy: &str,
    need: Need,
) -> Result<&'a T, SelectError> {
    v.as_ref().ok_or_else(|| SelectError::Missing {
        strategy: strategy.to_string(),
        need,
    })
}

pub(crate) fn check_len(got: usize, n: usize) -> Result<(), SelectError> {
    if got != n {
        Err(SelectError::Length { got, n })
    } else {
        Ok(())
    }
}

/// Uniform draw without replacement of `m` of the given candidates, in draw order
/// (partial Fisher–Yates on a copy; deterministic for the stream).
pub(crate) fn sample_without_replacement(
    candidates: &[usize],
    m: usize,
    rng: &mut Rng,
) -> Vec<usize> {
    use rand::Rng as _;
    let mut pool = candidates.to_vec();
    let m = m.min(pool.len());
    for i in 0..m {
        let j = rng.gen_range(i..pool.len());
        pool.swap(i, j);
    }
    pool.truncate(m);
    pool
}

#[cfg(test)]
mod tests;
