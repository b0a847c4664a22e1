//! One world check (`Check`) and its builder, shared by [`super::world`] and
//! [`super::world_w1`] so that neither imports the other.

/// One check of one task.
#[derive(Clone, Debug)]
pub struct Check {
    /// `W0` … `W5`.
    pub id: &'static str,
    /// What is measured, in words.
    pub what: &'static str,
    /// The measured value (NaN when not computable).
    pub value: f64,
    /// The pass condition, in words.
    pub threshold: &'static str,
    /// Numeric bounds of the condition (for stats files): value must lie in [low, high]
    /// (strictness is in `threshold`); ±∞ for a one-sided bound.
    pub low: f64,
    pub high: f64,
    /// `None` when not computable (the reason is in `detail`).
    pub pass: Option<bool>,
    /// Whether the verdict depends on it.
    pub required: bool,
    /// Supporting numbers, or why it is not computable.
    pub detail: String,
    /// The paper passage it comes from.
    pub source: &'static str,
    /// When it fails: what that means for the comparisons of the report.
    pub meaning: String,
}

/// Builder of one check: fills the common fields and decides pass from [low, high].
#[allow(clippy::too_many_arguments)]
pub fn check(
    id: &'static str,
    what: &'static str,
    threshold: &'static str,
    (low, high): (f64, f64),
    source: &'static str,
    value: Result<(f64, String), String>,
    pass_if: impl Fn(f64) -> bool,
    meaning: impl Fn(f64) -> String,
) -> Check {
    let (value, detail, pass) = match value {
        Ok((v, d)) if v.is_finite() => (v, d, Some(pass_if(v))),
        Ok((_, d)) => (f64::NAN, d, None),
        Err(e) => (f64::NAN, e, None),
    };
    Check {
        id,
        what,
        value,
        threshold,
        low,
        high,
        pass,
        required: true,
        detail,
        source,
        meaning: if pass == Some(false) {
            meaning(value)
        } else {
            String::new()
        },
    }
}

pub const NO_RANDOM: &str = "not computable: no strategy is labelled `random`";
