//! Statistics for comparing selection strategies (docs/architecture.md §7; the paper's
//! sections 5.4 and C.3–C.5, plus paired tests, bootstrap, probability of improvement
//! and Vendi diversity beyond the paper).
//!
//! Plain API: slices of `f64` in, small structs out. Functions never panic on
//! degenerate data; where a statistic is undefined they say so with [`StatsError`] (or a
//! documented `NaN`/`INFINITY`), so a report can print "undefined" instead of crashing.

pub mod cumulative;
pub mod efficiency;
pub mod hypothesis;
pub mod interval;
pub mod paired;
pub mod permutation;
pub mod power;
pub mod pvalue;
pub mod spearman;
pub mod spearman_cells;
pub mod summary;
pub mod tvd;
pub mod vendi;
pub mod winrate;
pub mod world_checks;

pub use pvalue::Alternative;

/// Why a statistic could not be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// Too few observations for the statistic (e.g. n < 3 for Spearman's p-value).
    #[error("too few observations: need at least {need}, got {got}")]
    TooFew { need: usize, got: usize },
    /// Inputs that must be paired or aligned have different lengths.
    #[error("length mismatch: {left} vs {right}")]
    LengthMismatch { left: usize, right: usize },
    /// An input contains NaN.
    #[error("input contains NaN")]
    NaN,
    /// An input has zero variance, so the statistic divides by zero.
    #[error("constant input: zero variance")]
    Constant,
    /// An argument outside its domain (negative standard error, level outside (0,1), ...).
    #[error("invalid argument: {0}")]
    Invalid(String),
}

/// Result type of this module.
pub type StatsResult<T> = Result<T, StatsError>;
