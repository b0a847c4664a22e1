//! The paper's real prompt texts (appendix D.2) and Lion's pairwise judge prompt
//! (Jiang et al. 2023, the Vicuna-style reviewer prompt), rendered as ASCII.
//!
//! Every teacher call renders its full prompt so that token accounting is real and a real
//! LLM could be swapped in. Curly quotes of the paper are written as straight quotes
//! because the tokenizer is ASCII. Placeholders are `{0}`, `{1}`, `{2}` and are filled in
//! one pass (see [`fill`]), so substituted text containing braces, such as `\boxed{1}`,
//! is never re-substituted.
//!
//! Task mapping (each task's `Task::prompt_family`, a required method, so no task falls
//! back to another's prompts): `arith` uses the GSM8k prompts (D.2.1), `mathmix` the Math1-3 prompts (D.2.2, few-shot of the seed's category),
//! `logic` the ProntoQA prompts (D.2.3), `game24` the backward-reasoning prompt and the
//! synthetic-reasoning-steps prompt (D.2.4; no few-shot from D0, the fixed 5 examples of
//! the paper instead).

use crate::tasks::answer::extract_final;
use crate::tasks::Example;

/// D.2.1 GSM8k synthetic question generation. {0}: few-shot examples, {1}: seed question.
pub const GSM8K_GENERATE: &str = "I want you to act as Instruction Creator.
Your objective is to rewrite a #Given Instruction# into a more complex version, to make it a bit harder.
The #Rewritten Instruction# must be reasonable and must be understood and responded to by humans.
Here are some #Examples#:
{0}
I want you to act as Instruction Creator.
Your objective is to rewrite a #Given Instruction# into a more complex version, to make it a bit harder.
The #Rewritten Instruction# must be reasonable and must be understood and responded to by humans.
You MUST complicate the #Given Instruction# using the following method:
1. Change the names of people #Given Instruction#.
2. Change the objects in the #Given Instruction#.
3. Change any quantities and durations in the #Given Instruction#.
4. Add 1 to 3 more operations in #Rewritten Instruction#.
5. Change the operations, for example: multiplication, division, subtraction, addition, percentages, fractions and combinations of these.
6. You should try your best not to make the #Rewritten Instruction# become verbose, #Rewritten Instruction# can only add 10 to 20 words into #Given Instruction#.
Use #Examples# to complicate #Given Instruction#.
'#Given Instruction#', '#Rewritten Instruction#', 'given instruction' and 'rewritten instruction' are not allowed to appear in #Rewritten Instruction#.
#Given Instruction#:
{1}
#Rewritten Instruction#:
";

/// D.2.1 GSM8k few-shot example format. {0}: question, {1}: answer.
pub const GSM8K_SHOT: &str = "#Given Instruction#:\n{0}\n#Answer#:\n{1}\n";

/// D.2.1 GSM8k answer prompt (teacher and student). {0}: question.
pub const GSM8K_ANSWER: &str = "Question: {0} Solve the problem step-by-step. Answer:";

/// D.2.2 Math1-3 synthetic question generation. {0}: few-shot examples of the seed's
/// type, {1}: the type, {2}: seed question.
pub const MATH_GENERATE: &str = "I want you to act as an Instruction Creator for {1} mathematics problems.
Create a new question #Rewritten Instruction# by using #Given Instruction# as inspiration. The new question should have a single unique answer.
Ensure that the type of the question you generate #Rewritten Instruction# matches the type of instruction #Given Instruction#.
Make #Rewritten Instruction# different from #Given Instruction#.
The #Rewritten Instruction# must be reasonable, have a solution and must be understood and responded to by humans. Here are some #Examples#:
{0}
Use #Examples# as inspiration to make #Rewritten Instruction# different to #Given Instruction#.
'#Given Instruction#', '#Rewritten Instruction#', 'given instruction' and 'rewritten instruction' are not allowed to appear in #Rewritten Instruction#.
#Given Instruction# is a {1} math problem.
#Given Instruction#:
{2}
#Rewritten Instruction#:
";

/// D.2.2 Math1-3 few-shot example format. {0}: type, {1}: question, {2}: answer.
pub const MATH_SHOT: &str =
    "The type of math problem is {0}.\n#Given Instruction#:\n{1}\n#Answer#:\n{2}\n";

/// D.2.2 Math1-3 answer prompt. {0}: question (a trailing period is dropped before
/// filling, since the template supplies one).
pub const MATH_ANSWER: &str = "Can you solve the following math problem? {0}. Provide a bullet point summary of your reasoning. Your final answer should be a single answer, in the form \\boxed{answer}, at the end of your response.";

/// D.2.3 ProntoQA synthetic question generation. {0}: few-shot examples, {1}: seed.
pub const PRONTOQA_GENERATE: &str = "I want you to act as an Instruction Creator for logical problems.
Create a new question #Rewritten Instruction# by using #Given Instruction# as inspiration.
Make #Rewritten Instruction# different from #Given Instruction# by changing the names, objects and adjectives. Also vary the number of logical reasoning steps in #Rewritten Instruction#. Ensure that it is possible to answer the question with true or false answer.
The #Rewritten Instruction# must be reasonable, have a solution and must be understood and responded to by humans.
Here are some #Examples#:
{0}
Use #Examples# as inspiration to make #Rewritten Instruction# different to #Given Instruction#.
'#Given Instruction#', '#Rewritten Instruction#', 'given instruction' and 'rewritten instruction' are not allowed to appear in #Rewritten Instruction#.
#Given Instruction#:
{1}
#Rewritten Instruction#:
";

/// D.2.3 ProntoQA few-shot format. {0}: context, {1}: question.
pub const PRONTOQA_SHOT: &str = "Context: {0} Question: {1}\n";

/// D.2.3 ProntoQA answer prompt. {0}: context and question.
pub const PRONTOQA_ANSWER: &str = "Context: {0} Let's think step by step. Response:";

/// D.2.4 Game of 24 backward-reasoning question generation. {0}: the seed's numbers,
/// {1}: the seed's arithmetic solution.
pub const GAME24_GENERATE: &str = "I want you to act as an instruction creator. I want you to write a new problem to the game of 24.
The numbers {0} need to be used to obtain the number 24. Use each number once, even if a number is repeated use it multiple times, with the arithmetic operations +, -, *, / to obtain 24. Here is how the above numbers {0} are used to obtain 24: {1}.

I want you to create a new problem to the game of 24 using {1}. Let's use a backward thinking method. Take two of the distinct numbers in {1}. Call them a and b. Then construct an equation with two unknowns, a and b. Pick integer values for the first variable b then solve for a.

For example the numbers 8, 8, 10, 13 can be used to get 24: 13*8-10*8=24. We can construct the following equation a*b-10*8=24 by substituting a=13 and b=8. Rearranging we get a=104/b. Let's pick an integer which divides into 104 for b: b=4 therefore a=26.
We also could have picked b=2 and so a=62. Therefore one possible answer to the game of 24 using this backward method is \\boxed{4*26-10*8}. If no answer is possible return \\boxed{null}.

Here is the current solution {1} again. Enclose the new equation which results in 24 in \\boxed{}. Let's use this backward thinking method and think step by step.";

/// D.2.4 the fixed five worked examples shared by both Game of 24 answer prompts.
pub const GAME24_SHOTS: &str = "Use numbers and basic arithmetic operations (+ - * /) to obtain 24. Each step, you are only allowed to choose two of the remaining numbers to obtain a new number.
Input: 4 4 6 8
Steps:
4 + 8 = 12 (left: 4 6 12)
6 - 4 = 2 (left: 2 12)
2 * 12 = 24 (left: 24)
Answer: (6 - 4) * (4 + 8) = 24
Input: 2 9 10 12
Steps:
12 * 2 = 24 (left: 9 10 24)
10 - 9 = 1 (left: 1 24)
24 * 1 = 24 (left: 24)
Answer: (12 * 2) * (10 - 9) = 24
Input: 4 9 10 13
Steps:
13 - 10 = 3 (left: 3 4 9)
9 - 3 = 6 (left: 4 6)
4 * 6 = 24 (left: 24)
Answer: 4 * (9 - (13 - 10)) = 24
Input: 1 4 8 8
Steps:
8 / 4 = 2 (left: 1 2 8)
1 + 2 = 3 (left: 3 8)
3 * 8 = 24 (left: 24)
Answer: (1 + 8 / 4) * 8 = 24
Input: 5 5 5 9
Steps:
5 + 5 = 10 (left: 5 9 10)
10 + 5 = 15 (left: 9 15)
15 + 9 = 24 (left: 24)
Answer: ((5 + 5) + 5) + 9 = 24
";

/// D.2.4 "prompt for synthetic reasoning steps" (after [`GAME24_SHOTS`]).
/// {0}: the synthetic question's numbers, {1}: the backward-reasoned final answer.
pub const GAME24_STEPS_TAIL: &str = "Input: {0}
Here is the final answer: {1}
Provide the steps to obtain the final answer which equates to 24, as if you did not have access to the answer. Put your final answer within \\boxed{answer}. Steps:";

/// D.2.4 student prediction prompt tail (after [`GAME24_SHOTS`]); also used when the
/// teacher answers a seed question for the judge. {0}: the numbers.
pub const GAME24_ANSWER_TAIL: &str =
    "Input: {0}\nPut your final answer within \\boxed{answer}. Steps:";

/// What the oracle writes for a backward-reasoning call. {0}: the seed's solution,
/// {1}: the new equation, or `null` when backward reasoning found none.
pub const GAME24_BACKWARD_COMPLETION: &str = "Take two of the distinct numbers in {0}, call them a and b, pick an integer value for b and solve for a.
\\boxed{{1}}";

/// Lion / Vicuna judge system prompt.
pub const JUDGE_SYSTEM: &str =
    "You are a helpful and precise assistant for checking the quality of the answer.";

/// Lion / Vicuna pairwise judge prompt. {0}: question, {1}: assistant 1's answer,
/// {2}: assistant 2's answer.
pub const JUDGE_TEMPLATE: &str = "[Question]
{0}

[The Start of Assistant 1's Answer]
{1}

[The End of Assistant 1's Answer]

[The Start of Assistant 2's Answer]
{2}

[The End of Assistant 2's Answer]

[System]
We would like to request your feedback on the performance of two AI assistants in response to the user question displayed above.
Please rate the helpfulness, relevance, accuracy, level of details of their responses. Each assistant receives an overall score on a scale of 1 to 10, where a higher score indicates better overall performance.
Please first output a single line containing only two values indicating the scores for Assistant 1 and 2, respectively. The two scores are separated by a space. In the subsequent line, please provide a comprehensive explanation of your evaluation, avoiding any potential bias and ensuring that the order in which the responses were presented does not affect your judgment.

";

/// What the oracle judge writes: the score line, then one sentence per assistant.
/// {0}, {1}: scores; {2}, {3}: the per-assistant explanations ([`judge_explanation`]).
pub const JUDGE_COMPLETION: &str = "{0} {1}\nAssistant 1 {2}. Assistant 2 {3}.\n";

/// Explanation phrases of the oracle judge. {0}: valid steps, {1}: total steps.
pub const JUDGE_CORRECT: &str = "reaches the correct final answer with {0} of {1} valid steps";
pub const JUDGE_WRONG: &str = "reaches a wrong final answer with {0} of {1} valid steps";
pub const JUDGE_MISSING: &str = "gives no final answer with {0} of {1} valid steps";

/// Fill `{0}`..`{9}` placeholders in one pass; other braces are kept verbatim.
pub fn fill(template: &str, args: &[&str]) -> String {
    let b = template.as_bytes();
    let mut out =
        String::with_capacity(template.len() + args.iter().map(|a| a.len()).sum::<usize>());
    let mut i = 0;
    let mut lit = 0;
    while i < b.len() {
        if b[i] == b'{' && i + 2 < b.len() && b[i + 1].is_ascii_digit() && b[i + 2] == b'}' {
            let k = (b[i + 1] - b'0') as usize;
            if let Some(a) = args.get(k) {
                out.push_str(&template[lit..i]);
                out.push_str(a);
                i += 3;
                lit = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&template[lit..]);
    out
}

/// Which D.2 family a task uses: declared by the task ([`crate::tasks::Task::prompt_family`]).
pub use crate::tasks::PromptFamily as Family;

impl Family {
    /// Whether the generation prompt carries k few-shot examples drawn from D0.
    pub fn uses_few_shot(self) -> bool {
        self != Family::Game24
    }

    /// Whether few-shot examples must share the seed's category (Math1-3).
    pub fn same_category_shots(self) -> bool {
        self == Family::Math
    }
}

/// The numbers of a Game of 24 question, space separated (`4 4 6 8`).
pub fn game24_numbers(question: &str) -> String {
    // The puzzle's four numbers only: "Use 2 2 4 7 to make 24." must not yield the 24.
    match crate::tasks::game24::puzzle_numbers(question) {
        Some(v) => v
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        None => question
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The arithmetic solution of a Game of 24 example: the final answer of its CoT, else
/// its canonical final answer.
pub fn game24_solution(ex: &Example) -> String {
    extract_final(&ex.answer).unwrap_or_else(|| ex.final_answer.clone())
}

/// Split a ProntoQA-style question into (context, question): the question is the last
/// line, or else the last sentence; the context is everything before it.
pub fn split_context(question: &str) -> (String, String) {
    let t = question.trim();
    if let Some(i) = t.rfind('\n') {
        return (t[..i].trim().to_string(), t[i + 1..].trim().to_string());
    }
    let body = t.trim_end_matches(['.', '?', '!']);
    match body.rfind(['.', '?', '!']) {
        Some(i) => (t[..=i].trim().to_string(), t[i + 1..].trim().to_string()),
        None => (String::new(), t.to_string()),
    }
}

/// One few-shot example in the family's D.2 format.
pub fn format_shot(family: Family, ex: &Example) -> String {
    match family {
        Family::Gsm8k | Family::Game24 => fill(GSM8K_SHOT, &[&ex.question, &ex.answer]),
        Family::Math => fill(
            MATH_SHOT,
            &[
                ex.category.as_deref().unwrap_or("general"),
                &ex.question,
                &ex.answer,
            ],
        ),
        Family::ProntoQa => {
            let (c, q) = split_context(&ex.question);
            fill(PRONTOQA_SHOT, &[&c, &q])
        }
    }
}

/// The question-generation prompt for `seed` with the given few-shot examples (ignored
/// for game24, whose D.2.4 prompt has none).
pub fn generation_prompt(family: Family, seed: &Example, shots: &[&Example]) -> String {
    let examples: String = shots
        .iter()
        .map(|s| format_shot(family, s))
        .collect::<Vec<_>>()
        .join("\n");
    match family {
        Family::Gsm8k => fill(GSM8K_GENERATE, &[&examples, &seed.question]),
        Family::Math => fill(
            MATH_GENERATE,
            &[
                &examples,
                seed.category.as_deref().unwrap_or("general"),
                &seed.question,
            ],
        ),
        Family::ProntoQa => fill(PRONTOQA_GENERATE, &[&examples, &seed.question]),
        Family::Game24 => fill(
            GAME24_GENERATE,
            &[&game24_numbers(&seed.question), &game24_solution(seed)],
        ),
    }
}

/// The answer prompt for a question whose answer the caller does not reveal (teacher
/// answering a seed for the judge; the student's prompt).
pub fn answer_prompt(family: Family, question: &str) -> String {
    match family {
        Family::Gsm8k => fill(GSM8K_ANSWER, &[question]),
        Family::Math => fill(MATH_ANSWER, &[question.trim_end().trim_end_matches('.')]),
        Family::ProntoQa => fill(PRONTOQA_ANSWER, &[question]),
        Family::Game24 => {
            format!(
                "{GAME24_SHOTS}{}",
                fill(GAME24_ANSWER_TAIL, &[&game24_numbers(question)])
            )
        }
    }
}

/// The prompt with which the teacher answers its own synthetic question: for game24 the
/// D.2.4 reasoning-steps prompt that reveals the backward-reasoned answer; otherwise the
/// task's answer prompt.
pub fn synthetic_answer_prompt(family: Family, ex: &Example) -> String {
    match family {
        Family::Game24 => format!(
            "{GAME24_SHOTS}{}",
            fill(
                GAME24_STEPS_TAIL,
                &[&game24_numbers(&ex.question), &game24_solution(ex)]
            )
        ),
        _ => answer_prompt(family, &ex.question),
    }
}

/// What the oracle writes for a game24 backward-reasoning call (`None`: `\boxed{null}`).
pub fn game24_backward_completion(seed: &Example, new: Option<&Example>) -> String {
    let eq = new.map(game24_solution).unwrap_or_else(|| "null".into());
    fill(GAME24_BACKWARD_COMPLETION, &[&game24_solution(seed), &eq])
}

/// The full judge prompt (system line, then the Vicuna template).
pub fn judge_prompt(question: &str, answer_1: &str, answer_2: &str) -> String {
    format!(
        "{JUDGE_SYSTEM}\n{}",
        fill(JUDGE_TEMPLATE, &[question, answer_1, answer_2])
    )
}

/// One assistant's explanation sentence: `correct` is the verifier's verdict, `None`
/// when no final answer was found.
pub fn judge_explanation(correct: Option<bool>, valid: usize, total: usize) -> String {
    let t = match correct {
        Some(true) => JUDGE_CORRECT,
        Some(false) => JUDGE_WRONG,
        None => JUDGE_MISSING,
    };
    fill(t, &[&valid.to_string(), &total.to_string()])
}

/// The judge's written completion: score line plus explanation.
pub fn judge_completion(s1: f64, s2: f64, expl1: &str, expl2: &str) -> String {
    fill(
        JUDGE_COMPLETION,
        &[&format!("{s1:.1}"), &format!("{s2:.1}"), expl1, expl2],
    )
}

/// Every template text: their words enter the tokenizer's closed vocabulary.
pub fn lexicon() -> Vec<String> {
    [
        GSM8K_GENERATE,
        GSM8K_SHOT,
        GSM8K_ANSWER,
        MATH_GENERATE,
        MATH_SHOT,
        MATH_ANSWER,
        PRONTOQA_GENERATE,
        PRONTOQA_SHOT,
        PRONTOQA_ANSWER,
        GAME24_GENERATE,
        GAME24_SHOTS,
        GAME24_STEPS_TAIL,
        GAME24_ANSWER_TAIL,
        GAME24_BACKWARD_COMPLETION,
        JUDGE_SYSTEM,
        JUDGE_TEMPLATE,
        JUDGE_COMPLETION,
        JUDGE_CORRECT,
        JUDGE_WRONG,
        JUDGE_MISSING,
        "general",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(q: &str, a: &str, cat: Option<&str>) -> Example {
        Example {
            question: q.into(),
            answer: a.into(),
            final_answer: String::new(),
            difficulty: 1,
            category: cat.map(str::to_string),
        }
    }

    #[test]
    fn templates_are_ascii_without_curly_quotes() {
        for t in lexicon() {
            assert!(t.is_ascii(), "{t}");
        }
        assert!(GSM8K_GENERATE.contains("'#Given Instruction#', '#Rewritten Instruction#'"));
    }

    #[test]
    fn fill_is_single_pass() {
        assert_eq!(fill("a {0} b {1} {2}", &["{1}", "x"]), "a {1} b x {2}");
        assert_eq!(fill("\\boxed{{0}}", &["4*6"]), "\\boxed{4*6}");
        assert_eq!(fill("\\boxed{answer} {}", &[]), "\\boxed{answer} {}");
    }

    #[test]
    fn gsm8k_prompt_has_seed_and_shots_in_order() {
        let seed = ex("Seed question?", "1 + 1 = 2\n#### 2", None);
        let a = ex("First?", "#### 1", None);
        let b = ex("Second?", "#### 2", None);
        let p = generation_prompt(Family::Gsm8k, &seed, &[&a, &b]);
        assert_eq!(p.matches("#Answer#:").count(), 2);
        assert!(p.ends_with("#Given Instruction#:\nSeed question?\n#Rewritten Instruction#:\n"));
        assert!(p.find("First?").unwrap() < p.find("Second?").unwrap());
        assert!(p.find("Second?").unwrap() < p.find("You MUST").unwrap());
    }

    #[test]
    fn math_prompt_names_category() {
        let seed = ex("Solve x + 2 = 5.", "\\boxed{3}", Some("algebra"));
        let p = generation_prompt(Family::Math, &seed, &[&seed]);
        assert!(p.starts_with(
            "I want you to act as an Instruction Creator for algebra mathematics problems."
        ));
        assert!(p.contains("#Given Instruction# is a algebra math problem."));
        assert!(p.contains(
            "The type of math problem is algebra.\n#Given Instruction#:\nSolve x + 2 = 5.\n"
        ));
        assert_eq!(
            answer_prompt(Family::Math, "Solve x + 2 = 5."),
            "Can you solve the following math problem? Solve x + 2 = 5. Provide a bullet point summary of your reasoning. Your final answer should be a single answer, in the form \\boxed{answer}, at the end of your response."
        );
    }

    #[test]
    fn prontoqa_splits_context_and_question() {
        assert_eq!(
            split_context("Every cat is a mammal. Max is a cat. True or false: Max is a mammal."),
            (
                "Every cat is a mammal. Max is a cat.".to_string(),
                "True or false: Max is a mammal.".to_string()
            )
        );
        assert_eq!(
            split_context("Cats are mammals.\nIs Max a mammal?"),
            (
                "Cats are mammals.".to_string(),
                "Is Max a mammal?".to_string()
            )
        );
        let s = ex("A is b. Is A b?", "", None);
        let p = generation_prompt(Family::ProntoQa, &s, &[&s]);
        assert!(p.contains("Context: A is b. Question: Is A b?\n"));
    }

    #[test]
    fn game24_prompts_use_numbers_and_solution() {
        let seed = ex("8 8 10 12", "...\n\\boxed{(12 - 10) * 8 + 8}", None);
        let p = generation_prompt(Family::Game24, &seed, &[]);
        assert!(p.contains("The numbers 8 8 10 12 need to be used"));
        assert!(p.contains("are used to obtain 24: (12 - 10) * 8 + 8."));
        let q = synthetic_answer_prompt(Family::Game24, &seed);
        assert!(q.starts_with(GAME24_SHOTS));
        assert!(q.contains("Input: 8 8 10 12\nHere is the final answer: (12 - 10) * 8 + 8\n"));
        assert!(game24_backward_completion(&seed, None).ends_with("\\boxed{null}"));
        assert_eq!(game24_numbers("Use 1, 2, 3 and 13."), "1 2 3 13");
        assert_eq!(game24_numbers("Use 2 2 4 7 to make 24."), "2 2 4 7");
    }

    #[test]
    fn judge_prompt_is_vicuna_template() {
        let p = judge_prompt("Q?", "A1", "A2");
        assert!(p.starts_with(
            "You are a helpful and precise assistant for checking the quality of the answer.\n[Question]\nQ?\n\n[The Start of Assistant 1's Answer]\nA1\n\n[The End of Assistant 1's Answer]\n\n[The Start of Assistant 2's Answer]\nA2\n"
        ));
        assert!(p.contains("Each assistant receives an overall score on a scale of 1 to 10"));
        assert_eq!(
            judge_completion(8.0, 3.5, "x", "y"),
            "8.0 3.5\nAssistant 1 x. Assistant 2 y.\n"
        );
    }
}
