//! `activesynth tasks sample`: show what a task world looks like — seed examples, the
//! oracle teacher's rewrite of each (rendered prompt, synthetic question and answer,
//! token counts) and the verifier's verdicts. Output is a pure function of the arguments.

use super::{CliError, CliResult};
use crate::rng::{self, StreamKey};
use crate::tasks::{self, Task, Verdict};
use crate::teacher::{CallKind, OracleTeacher, Teacher, TeacherConfig};
use crate::text::Tokenizer;
use std::fmt::Write as _;
use std::sync::Arc;

/// Size of the few-shot pool (a small D0) the teacher draws its examples from.
const POOL: usize = 50;

/// Arguments of `tasks sample`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Task world: arith, mathmix, logic or game24.
    #[arg(long)]
    pub task: String,
    /// Number of seed examples to show.
    #[arg(short = 'n', default_value_t = 3)]
    pub n: usize,
    /// Master seed (same seed, same output byte for byte).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Fix the difficulty (task scale); default: the seed-set mix.
    #[arg(long)]
    pub difficulty: Option<u32>,
}

/// Run the subcommand: print the sample to stdout.
pub fn run(args: &Args) -> CliResult {
    if args.n == 0 {
        return Err(CliError::Usage("-n must be at least 1, got 0".into()));
    }
    let task: Arc<dyn Task> = tasks::by_name(&args.task)
        .ok_or_else(|| {
            CliError::Usage(super::suggest::unknown(
                "task",
                &args.task,
                &tasks::TASK_NAMES,
            ))
        })?
        .into();
    let tokenizer = Arc::new(crate::teacher::standard_tokenizer());
    let text = render(task, tokenizer, args.n, args.seed, args.difficulty)?;
    print!("{text}");
    Ok(())
}

fn verdict(v: &Verdict) -> String {
    format!(
        "extracted={} correct={}",
        v.extracted.as_deref().unwrap_or("<none>"),
        v.correct
    )
}

/// Render the sample as text (the testable core of [`run`]).
pub fn render(
    task: Arc<dyn Task>,
    tokenizer: Arc<Tokenizer>,
    n: usize,
    seed: u64,
    difficulty: Option<u32>,
) -> Result<String, CliError> {
    let name = task.name();
    let (lo, hi) = task.difficulty_range();
    if let Some(d) = difficulty {
        if d < lo || d > hi {
            return Err(CliError::Usage(format!(
                "--difficulty {d} is outside {name}'s range {lo}..={hi}"
            )));
        }
    }
    let mut pool_rng = StreamKey::shared(seed, name, 0, "d0").rng();
    let pool: Vec<_> = (0..POOL)
        .map(|_| task.generate(&mut pool_rng, None))
        .collect();
    let mut sample_rng = StreamKey::shared(seed, name, 0, "sample").rng();
    let seeds: Vec<_> = (0..n)
        .map(|_| task.generate(&mut sample_rng, difficulty))
        .collect();
    let config = TeacherConfig::for_task(task.as_ref());
    let mut teacher =
        OracleTeacher::new(Arc::clone(&task), tokenizer, config.clone(), Arc::new(pool));
    let teacher_key = StreamKey::run(seed, name, 0, "sample", 0, "teacher");

    let mut o = String::new();
    let diff = difficulty.map_or("mix".to_string(), |d| d.to_string());
    let _ = writeln!(
        o,
        "# activesynth tasks sample: task={name} n={n} seed={seed} difficulty={diff}"
    );
    let _ = writeln!(
        o,
        "# teacher: oracle, few-shot k={}, answer error rate {}, fidelity {}, failure rate {}, dedup {}, verifier gate {}",
        config.teacher.few_shot,
        config.teacher.answer_error_rate,
        config.teacher.fidelity,
        config.teacher.failure_rate,
        if config.dedup_enabled { "on" } else { "off" },
        if config.verify_enabled { "on" } else { "off" },
    );
    for (i, ex) in seeds.iter().enumerate() {
        let _ = writeln!(o, "\n## seed {} of {n}", i + 1);
        let _ = writeln!(o, "difficulty: {}", ex.difficulty);
        if let Some(c) = &ex.category {
            let _ = writeln!(o, "category: {c}");
        }
        let _ = writeln!(o, "question:\n{}", ex.question);
        let _ = writeln!(o, "answer:\n{}", ex.answer);
        let _ = writeln!(
            o,
            "verifier (seed answer): {}",
            verdict(&task.verify(ex, &ex.answer))
        );

        let before = teacher.ledger().clone();
        let mut r = rng::child(&teacher_key, "seed", i as u64);
        let out = teacher
            .generate(ex, i, 0, &mut r)
            .map_err(|e| CliError::Failure(e.into()))?;
        let after = teacher.ledger();
        let _ = writeln!(o, "\n### teacher rewrite");
        let _ = writeln!(o, "generation prompt:\n{}", out.prompt);
        for kind in [CallKind::Generate, CallKind::Answer] {
            let (a, b) = (after.usage(kind), before.usage(kind));
            let _ = writeln!(
                o,
                "tokens {kind:?}: calls={} input={} output={}",
                a.calls - b.calls,
                a.input_tokens - b.input_tokens,
                a.output_tokens - b.output_tokens
            );
        }
        let _ = writeln!(
            o,
            "attempts: {}  dedup ROUGE-L F: {:.4}",
            out.attempts, out.dedup_score
        );
        match &out.example {
            Some(s) => {
                let _ = writeln!(o, "difficulty: {}", s.example.difficulty);
                let _ = writeln!(o, "synthetic question:\n{}", s.example.question);
                let _ = writeln!(o, "teacher answer:\n{}", s.example.answer);
                let _ = writeln!(
                    o,
                    "verifier (teacher answer): {}",
                    verdict(&task.verify(&s.example, &s.example.answer))
                );
            }
            None => {
                let _ = writeln!(o, "no synthetic example: {:?}", out.failure);
            }
        }
    }
    let t = teacher.ledger().total();
    let _ = writeln!(
        o,
        "\n# teacher total: calls={} input={} output={}",
        t.calls, t.input_tokens, t.output_tokens
    );
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::teacher::testkit::{tokenizer, FakeTask};

    fn sample(seed: u64, d: Option<u32>) -> Result<String, CliError> {
        let task: Arc<dyn Task> = Arc::new(FakeTask::default());
        let tok = Arc::new(tokenizer(task.as_ref()));
        render(task, tok, 3, seed, d)
    }

    #[test]
    fn deterministic_and_seed_sensitive() {
        let a = sample(1, None).unwrap();
        assert_eq!(a, sample(1, None).unwrap());
        assert_ne!(a, sample(2, None).unwrap());
        assert_eq!(a.matches("## seed ").count(), 3);
        assert_eq!(a.matches("### teacher rewrite").count(), 3);
        assert_eq!(a.matches("verifier (seed answer): ").count(), 3);
        let seed_verdicts: Vec<&str> = a
            .lines()
            .filter(|l| l.starts_with("verifier (seed answer): "))
            .collect();
        assert_eq!(seed_verdicts.len(), 3);
        assert!(seed_verdicts.iter().all(|l| l.ends_with("correct=true")));
        assert!(a.contains("tokens Generate: calls=1 input="));
    }

    #[test]
    fn difficulty_is_fixed_and_range_checked() {
        let a = sample(1, Some(3)).unwrap();
        assert_eq!(a.matches("\ndifficulty: 3\nquestion:").count(), 3);
        assert!(matches!(sample(1, Some(9)), Err(CliError::Usage(_))));
    }
}
