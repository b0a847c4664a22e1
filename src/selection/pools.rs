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

/// Which seeds form a strategy's primary pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pool {
    /// Seeds the student answers incorrectly (needs the verifier).
    Incorrect,
    /// Seeds the judge marks hard: teacher − student ≥ margin (needs the judge).
    JudgeHard,
}

/// How many seeds come from the primary pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// All `m` from the primary pool, any shortfall filled from the rest.
    Prefer,
    /// Equal numbers from the primary pool and the rest (the primary gets the odd one).
    Balanced,
}

/// The four pool strategies: `incorrect` (LLM2LLM) = (Incorrect, Prefer), `evokd` =
/// (Incorrect, Balanced), `judge-hard` = (JudgeHard, Prefer), `lion` = (JudgeHard,
/// Balanced).
pub struct PoolSelector {
    pub label: String,
    pub pool: Pool,
    pub rule: Rule,
}

impl Selector for PoolSelector {
    fn label(&self) -> &str {
        &self.label
    }
    fn needs(&self) -> Vec<Need> {
        match self.pool {
            Pool::Incorrect => vec![Need::Correct],
            Pool::JudgeHard => vec![Need::Judge],
        }
    }
    fn select(&self, s: &SeedScores, m: usize, rng: &mut Rng) -> Result<Vec<usize>, SelectError> {
        check_m(m, s.n)?;
        let in_pool: Vec<bool> = match self.pool {
            Pool::Incorrect => need(&s.correct, &self.label, Need::Correct)?
                .iter()
                .map(|c| !c)
                .collect(),
            Pool::JudgeHard => need(&s.judge_hard, &self.label, Need::Judge)?.clone(),
        };
        check_len(in_pool.len(), s.n)?;
        let (primary, rest) = split(&in_pool);
        Ok(match self.rule {
            Rule::Prefer => take_with_fill(&primary, &rest, m, rng),
            Rule::Balanced => balanced(&primary, &rest, m, rng),
        })
    }
}
