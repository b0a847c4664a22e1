//! Pool-based strategies: `random` (static generation), `incorrect` (LLM2LLM), `evokd`
//! (equal from correct and incorrect), `judge-hard` and `lion` (LLM-as-a-judge pools).

use super::{
    check_len, check_m, need, sample_without_replacement, Need, SeedScores, SelectError, Selector,
};
use crate::rng::Rng;

/// Uniform sampling: the static-generation baseline.
pub struct Random {
    pub label: String,
}

impl Selector for Random {
    fn label(&self) -> &str {
        &self.label
    }
    fn needs(&self) -> Vec<Need> {
        vec![]
    }
    fn select(&self, s: &SeedScores, m: usize, rng: &mut Rng) -> Result<Vec<usize>, SelectError> {
        check_m(m, s.n)?;
        let all: Vec<usize> = (0..s.n).collect();
        Ok(sample_without_replacement(&all, m, rng))
    }
}

/// Split indices by a flag, in index order: (flag true, flag false).
fn split(flags: &[bool]) -> (Vec<usize>, Vec<usize>) {
    let mut yes = Vec::new();
    let mut no = Vec::new();
    for (i, &f) in flags.iter().enumerate() {
        if f {
            yes.push(i)
        } else {
            no.push(i)
        }
    }
    (yes, no)
}

/// Take `want` uniformly from `primary`; if it is too small, fill the shortfall uniformly
/// from `fallback` (documented behaviour: the teacher still gets `m` seeds per iteration,
/// as in the paper's fixed-size synthetic sets).
fn take_with_fill(primary: &[usize], fallback: &[usize], want: usize, rng: &mut Rng) -> Vec<usize> {
    let mut out = sample_without_replacement(primary, want, rng);
    if out.len() < want {
        out.extend(sample_without_replacement(fallback, want - out.len(), rng));
    }
    out
}

/// Equal numbers from two pools (`a` gets the odd one), each shortfall filled from the
/// other pool.
fn balanced(a: &[usize], b: &[usize], m: usize, rng: &mut Rng) -> Vec<usize> {
    let want_a = m.div_ceil(2).min(a.len());
    let want_b = (m - want_a).min(b.len());
    let want_a = (m - want_b).min(a.len());
    let mut out = sample_without_replacement(a, want_a, rng);
    out.extend(sample_without_replacement(b, want_b, rng));
    out
}

/// LLM2LLM: seeds the student answers incorrectly (shortfall filled with correct ones).
pub struct Incorrect {
    pub label: String,
}

impl Selector for Incorrect {
    fn label(&self) -> &str {
        &self.label
    }
    fn needs(&self) -> Vec<Need> {
        vec![Need::Correct]
    }
    fn select(&self, s: &SeedScores, m: usize, rng: &mut Rng) -> Result<Vec<usize>, SelectError> {
        check_m(m, s.n)?;
        let c = need(&s.correct, &self.label, Need::Correct)?;
        check_len(c.len(), s.n)?;
        let (right, wrong) = split(c);
        Ok(take_with_fill(&wrong, &right, m, rng))
    }
}

/// EvoKD: equal numbers from the correctly and incorrectly answered pools.
pub struct EvoKd {
    pub label: String,
}

impl Selector for EvoKd {
    fn label(&self) -> &str {
        &self.label
    }
    fn needs(&self) -> Vec<Need> {
        vec![Need::Correct]
    }
    fn select(&self, s: &SeedScores, m: usize, rng: &mut Rng) -> Result<Vec<usize>, SelectError> {
        check_m(m, s.n)?;
        let c = need(&s.correct, &self.label, Need::Correct)?;
        check_len(c.len(), s.n)?;
        let (right, wrong) = split(c);
        Ok(balanced(&wrong, &right, m, rng))
    }
}

/// LLM-as-a-judge: seeds the judge marks hard (teacher − student ≥ margin); shortfall
/// filled from the easy pool.
pub struct JudgeHard {
    pub label: String,
}

impl Selector for JudgeHard {
    fn label(&self) -> &str {
        &self.label
    }
    fn needs(&self) -> Vec<Need> {
        vec![Need::Judge]
    }
    fn select(&self, s: &SeedScores, m: usize, rng: &mut Rng) -> Result<Vec<usize>, SelectError> {
        check_m(m, s.n)?;
        let h = need(&s.judge_hard, &self.label, Need::Judge)?;
        check_len(h.len(), s.n)?;
        let (hard, easy) = split(h);
        Ok(take_with_fill(&hard, &easy, m, rng))
    }
}

/// Lion: equal numbers from the judge's hard and easy pools.
pub struct Lion {
    pub label: String,
}

impl Selector for Lion {
    fn label(&self) -> &str {
        &self.label
    }
    fn needs(&self) -> Vec<Need> {
        vec![Need::Judge]
    }
    fn select(&self, s: &SeedScores, m: usize, rng: &mut Rng) -> Result<Vec<usize>, SelectError> {
        check_m(m, s.n)?;
        let h = need(&s.judge_hard, &self.label, Need::Judge)?;
        check_len(h.len(), s.n)?;
        let (hard, easy) = split(h);
        Ok(balanced(&hard, &easy, m, rng))
    }
}
