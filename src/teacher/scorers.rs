//! Text-only scorers used by selection strategies: the process reward model and Lion's
//! pairwise LLM-as-a-judge (both orders, averaged; "hard" when teacher − student ≥
//! margin). Both work on real text through the task's verifier and step checker.

use super::ledger::{CallKind, Ledger, LedgerError};
use super::prompts;
use crate::rng::Rng;
use crate::scenario::{JudgeSpec, RewardSpec};
use crate::tasks::{Example, Task};
use crate::text::tokenizer::TokenizeError;
use crate::text::Tokenizer;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

/// A standard normal draw by Box–Muller (one per call; two uniforms consumed).
pub fn gaussian(rng: &mut Rng) -> f64 {
    // 1 - U is in (0, 1], so ln never sees 0.
    let u1 = 1.0 - rng.gen::<f64>();
    let u2 = rng.gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Fraction of valid chain-of-thought steps (0 when there are none).
fn step_fraction(task: &dyn Task, ex: &Example, response: &str) -> (f64, usize, usize) {
    let (valid, total) = task.check_steps(ex, response);
    let f = if total == 0 {
        0.0
    } else {
        valid as f64 / total as f64
    };
    (f, valid, total)
}

/// Process reward `r(x, ŷ)`: fraction of valid steps + `length_bias` × answer tokens +
/// N(0, `noise`²). The length term models the bias of real reward models towards long
/// answers (paper 5.4.3).
pub fn reward(
    task: &dyn Task,
    tokenizer: &Tokenizer,
    spec: &RewardSpec,
    ex: &Example,
    response: &str,
    rng: &mut Rng,
) -> Result<f64, TokenizeError> {
    let (f, _, _) = step_fraction(task, ex, response);
    let len = tokenizer.count(response)? as f64;
    Ok(f + spec.length_bias * len + spec.noise * gaussian(rng))
}

/// One pairwise judge result for a seed question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JudgeOutcome {
    /// The teacher's own answer (charged as an answer call).
    pub teacher_answer: String,
    /// Teacher's score, averaged over both presentation orders.
    pub teacher_score: f64,
    /// Student's score, averaged over both presentation orders.
    pub student_score: f64,
    /// teacher − student ≥ `hard_margin`.
    pub hard: bool,
}

/// The oracle judge's noiseless opinion of one answer on the 1–10 scale: 70% final-answer
/// correctness (verifier), 30% step validity. Also returns the explanation sentence.
fn judge_quality(task: &dyn Task, ex: &Example, response: &str) -> (f64, String) {
    let v = task.verify(ex, response);
    let (f, valid, total) = step_fraction(task, ex, response);
    let correct = v.extracted.as_ref().map(|_| v.correct);
    let q = 0.7 * f64::from(u8::from(v.correct)) + 0.3 * f;
    (
        1.0 + 9.0 * q,
        prompts::judge_explanation(correct, valid, total),
    )
}

/// A written judge score: noisy, clamped to [1, 10], rounded to one decimal as printed.
fn written_score(base: f64, noise: f64, rng: &mut Rng) -> f64 {
    let s = (base + noise * gaussian(rng)).clamp(1.0, 10.0);
    (s * 10.0).round() / 10.0
}

/// Lion's protocol given the teacher's answer: judge prompt rendered in both orders
/// (teacher first, then student first), each call charged with its prompt and written
/// completion, scores averaged per assistant.
#[allow(clippy::too_many_arguments)]
pub fn judge_pair(
    task: &dyn Task,
    tokenizer: &Tokenizer,
    ledger: &mut Ledger,
    spec: &JudgeSpec,
    ex: &Example,
    teacher_answer: &str,
    student_answer: &str,
    rng: &mut Rng,
) -> Result<JudgeOutcome, LedgerError> {
    let (tq, te) = judge_quality(task, ex, teacher_answer);
    let (sq, se) = judge_quality(task, ex, student_answer);
    let mut t_sum = 0.0;
    let mut s_sum = 0.0;
    for teacher_first in [true, false] {
        let t = written_score(tq, spec.noise, rng);
        let s = written_score(sq, spec.noise, rng);
        let (a1, a2, s1, s2, e1, e2) = if teacher_first {
            (teacher_answer, student_answer, t, s, &te, &se)
        } else {
            (student_answer, teacher_answer, s, t, &se, &te)
        };
        let prompt = prompts::judge_prompt(&ex.question, a1, a2);
        let completion = prompts::judge_completion(s1, s2, e1, e2);
        ledger.charge(tokenizer, CallKind::Judge, &prompt, &completion)?;
        t_sum += t;
        s_sum += s;
    }
    let (teacher_score, student_score) = (t_sum / 2.0, s_sum / 2.0);
    // Scores are multiples of 0.05; the tolerance only absorbs float rounding.
    let hard = teacher_score - student_score >= spec.hard_margin - 1e-9;
    Ok(JudgeOutcome {
        teacher_answer: teacher_answer.to_string(),
        teacher_score,
        student_score,
        hard,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::StreamKey;
    use crate::teacher::testkit::{tokenizer, FakeTask};

    #[test]
    fn gaussian_moments() {
        let mut rng = StreamKey::shared(3, "t", 0, "gauss").rng();
        let n = 20_000;
        let xs: Vec<f64> = (0..n).map(|_| gaussian(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        // Standard errors: mean 1/sqrt(n) = 0.007; variance sqrt(2/n) = 0.01. 5 sigma.
        assert!(mean.abs() < 0.035, "{mean}");
        assert!((var - 1.0).abs() < 0.05, "{var}");
        let within1 = xs.iter().filter(|x| x.abs() < 1.0).count() as f64 / n as f64;
        assert!((within1 - 0.6827).abs() < 0.017, "{within1}");
    }

    #[test]
    fn reward_is_step_fraction_plus_length_bias() {
        let task = FakeTask::default();
        let tok = tokenizer(&task);
        let ex = Example {
            question: "Tom has 3 apples. Tom gets 4 more apples. How many apples does Tom have?"
                .into(),
            answer: "3 + 4 = 7\n#### 7".into(),
            final_answer: "7".into(),
            difficulty: 1,
            category: None,
        };
        let mut rng = StreamKey::shared(1, "t", 0, "r").rng();
        let spec = RewardSpec {
            length_bias: 0.01,
            noise: 0.0,
        };
        // "3 + 4 = 7\n#### 7": 3, ▁+, ▁4, ▁=, ▁7, \n, #, #, #, #, ▁7 = 11 tokens.
        let r = reward(&task, &tok, &spec, &ex, "3 + 4 = 7\n#### 7", &mut rng).unwrap();
        assert!((r - (1.0 + 0.11)).abs() < 1e-12, "{r}");
        let r = reward(&task, &tok, &spec, &ex, "3 + 4 = 8\n#### 8", &mut rng).unwrap();
        assert!((r - 0.11).abs() < 1e-12, "{r}");
        // No steps: only the length term ("#### 7" = 5 tokens).
        let r = reward(&task, &tok, &spec, &ex, "#### 7", &mut rng).unwrap();
        assert!((r - 0.05).abs() < 1e-12, "{r}");
    }
}
