//! Score-ranking strategies: `loss` (own generation or ground truth) and `reward`, either
//! top-m (`argmax`, ties by lower index) or sampling without replacement with
//! probabilities ∝ softmax(±score / T) (Gumbel-top-k, which is equivalent to drawing one
//! at a time from the renormalised softmax).

use super::{check_len, check_m, need, Need, SeedScores, SelectError, Selector};
use super::{Direction, SelectMode};
use crate::rng::Rng;
use rand::Rng as _;

pub struct ScoreRank {
    pub label: String,
    pub need: Need,
    pub direction: Direction,
    pub mode: SelectMode,
    pub temperature: f64,
}

/// Indices of the `m` largest keys, ties broken by the lower index; NaN keys rank last.
pub(crate) fn top_m(keys: &[f64], m: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..keys.len()).collect();
    idx.sort_by(|&a, &b| {
        let (ka, kb) = (keys[a], keys[b]);
        match (ka.is_nan(), kb.is_nan()) {
            (true, true) => a.cmp(&b),
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ => kb.partial_cmp(&ka).unwrap().then(a.cmp(&b)),
        }
    });
    idx.truncate(m);
    idx
}

impl Selector for ScoreRank {
    fn label(&self) -> &str {
        &self.label
    }
    fn needs(&self) -> Vec<Need> {
        vec![self.need]
    }
    fn select(&self, s: &SeedScores, m: usize, rng: &mut Rng) -> Result<Vec<usize>, SelectError> {
        check_m(m, s.n)?;
        let scores = match self.need {
            Need::LossOwn => need(&s.loss_own, &self.label, Need::LossOwn)?,
            Need::LossGt => need(&s.loss_gt, &self.label, Need::LossGt)?,
            _ => need(&s.reward, &self.label, Need::Reward)?,
        };
        check_len(scores.len(), s.n)?;
        let sign = match self.direction {
            Direction::High => 1.0,
            Direction::Low => -1.0,
        };
        let keys: Vec<f64> = match self.mode {
            SelectMode::Argmax => scores.iter().map(|x| sign * x).collect(),
            SelectMode::Softmax => scores
                .iter()
                .map(|x| {
                    // Gumbel(0,1) = -ln(-ln U), U in (0,1).
                    let u: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
                    sign * x / self.temperature - (-u.ln()).ln()
                })
                .collect(),
        };
        Ok(top_m(&keys, m))
    }
}
