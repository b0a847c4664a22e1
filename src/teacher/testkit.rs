//! A small fake [`Task`] for unit tests of the teacher, scorers and `tasks sample`, so
//! they do not depend on the real task worlds. "Tom has 3 apples. Tom gets 4 more
//! apples. How many apples does Tom have?" with one addition step per difficulty level.

use crate::rng::Rng;
use crate::tasks::answer::{extract_final, normalize_number};
use crate::tasks::{Example, Task, Verdict};
use rand::Rng as _;

const NAMES: [&str; 6] = ["Tom", "Ann", "Bob", "Eve", "Sam", "Kim"];
const OBJECTS: [&str; 4] = ["apples", "pears", "cards", "coins"];

/// The fake task; `rewrite_none_rate` makes `rewrite` fail like game24's backward
/// reasoning sometimes does.
#[derive(Default)]
pub struct FakeTask {
    pub rewrite_none_rate: f64,
}

impl FakeTask {
    fn make(&self, rng: &mut Rng, d: u32) -> Example {
        let name = NAMES[rng.gen_range(0..NAMES.len())];
        let obj = OBJECTS[rng.gen_range(0..OBJECTS.len())];
        let mut acc: i64 = rng.gen_range(1..=20);
        let mut q = format!("{name} has {acc} {obj}.");
        let mut a = String::new();
        for _ in 0..d {
            let b: i64 = rng.gen_range(1..=9);
            q.push_str(&format!(" {name} gets {b} more {obj}."));
            a.push_str(&format!("{acc} + {b} = {}\n", acc + b));
            acc += b;
        }
        q.push_str(&format!(" How many {obj} does {name} have?"));
        a.push_str(&format!("#### {acc}"));
        Example {
            question: q,
            answer: a,
            final_answer: acc.to_string(),
            difficulty: d,
            category: None,
        }
    }
}

impl Task for FakeTask {
    fn prompt_family(&self) -> crate::tasks::PromptFamily {
        crate::tasks::PromptFamily::Gsm8k
    }
    /// A number: open.
    fn chance_accuracy(&self) -> f64 {
        0.0
    }
    /// The paper's defaults: ROUGE-L dedup on, no verifier gate.
    fn teacher_defaults(&self) -> crate::tasks::TeacherDefaults {
        crate::tasks::TeacherDefaults {
            dedup: true,
            verify_synthetic: false,
        }
    }
    fn name(&self) -> &'static str {
        "fake"
    }
    fn difficulty_range(&self) -> (u32, u32) {
        (1, 4)
    }
    fn generate(&self, rng: &mut Rng, difficulty: Option<u32>) -> Example {
        let d = difficulty.unwrap_or_else(|| rng.gen_range(1..=4));
        self.make(rng, d)
    }
    fn verify(&self, ex: &Example, response: &str) -> Verdict {
        let extracted = extract_final(response);
        let correct = extracted
            .as_deref()
            .is_some_and(|x| normalize_number(x) == ex.final_answer);
        Verdict { extracted, correct }
    }
    fn count_steps(&self, answer: &str) -> usize {
        answer.lines().filter(|l| l.contains(" = ")).count()
    }
    fn check_steps(&self, _ex: &Example, response: &str) -> (usize, usize) {
        let mut valid = 0;
        let mut total = 0;
        for l in response.lines().filter(|l| l.contains(" = ")) {
            total += 1;
            let nums: Vec<i64> = l
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|w| w.parse().ok())
                .collect();
            if nums.len() == 3 && nums[0] + nums[1] == nums[2] {
                valid += 1;
            }
        }
        (valid, total)
    }
    fn rewrite(&self, seed: &Example, fidelity: f64, rng: &mut Rng) -> Option<Example> {
        if rng.gen::<f64>() < self.rewrite_none_rate {
            return None;
        }
        let d = if rng.gen::<f64>() < fidelity {
            (seed.difficulty + rng.gen_range(0..=1)).min(4)
        } else {
            rng.gen_range(1..=4)
        };
        Some(self.make(rng, d))
    }
    fn corrupt_answer(&self, ex: &Example, _rng: &mut Rng) -> String {
        let wrong: i64 = ex.final_answer.parse::<i64>().unwrap() + 1;
        let mut lines: Vec<String> = ex.answer.lines().map(str::to_string).collect();
        let n = lines.len();
        if n >= 2 {
            let step = &lines[n - 2];
            let i = step.rfind("= ").unwrap();
            lines[n - 2] = format!("{}= {wrong}", &step[..i]);
        }
        lines[n - 1] = format!("#### {wrong}");
        lines.join("\n")
    }
    fn lexicon(&self) -> Vec<String> {
        let mut v: Vec<String> = NAMES
            .iter()
            .chain(OBJECTS.iter())
            .map(|s| s.to_string())
            .collect();
        v.push("has gets more How many does have".into());
        v
    }
}

/// A tokenizer covering the fake task and every prompt template.
pub fn tokenizer(task: &dyn Task) -> crate::text::Tokenizer {
    let mut t = task.lexicon();
    t.extend(super::prompts::lexicon());
    crate::text::Tokenizer::from_lexicon(t)
}
