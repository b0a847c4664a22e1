//! `logic`: a ProntoQA-like world (paper analogue: ProntoQA, docs/architecture.md §2).
//!
//! A context of rules over invented categories ("Every wumpus is a yumpus.") and real
//! adjectives ("Yumpuses are not red."), one fact ("Max is a wumpus.") and a question
//! ("True or false: Max is red.", always the positive form: see `generate_with`).
//! Difficulty = reasoning hops 1–5: the number of rule applications from the fact to the
//! queried property. Distractor rules (fewer at high hops, to keep the question within
//! ~60 tokens) mention categories the entity is not in, or properties it has but that
//! are not asked about ([`Distractor`]). The teacher's rewrite keeps its seed's kinds of
//! distractor rule and changes the words and the hop count (see `Logic::rewrite`).
//!
//! Answer format: one statement per line, the given fact first and then one deduction
//! per line, ending in `#### True` / `#### False`:
//! ```text
//! Max is a wumpus.
//! Max is a yumpus.
//! Max is not red.
//! #### False
//! ```
//! ProntoQA's own chain of thought also cites the rule before each deduction; that
//! format was measured and not adopted (results/calibration/README.md, "logic: citing
//! the rule"). `check_steps` re-derives every line from the context with one rule
//! application, by parsing the world's fixed sentence forms.

use super::{answer, Example, Task, Verdict};
use crate::rng::Rng;
use rand::seq::SliceRandom;
use rand::Rng as _;
use std::collections::BTreeSet;

const NAMES: [&str; 40] = [
    "Max", "Alex", "Sam", "Fae", "Rex", "Sally", "Polly", "Wren", "Stella", "Jack", "Lily", "Tom",
    "Anna", "Ben", "Clara", "Dan", "Eva", "Finn", "Gina", "Hugo", "Ivy", "Jonas", "Kate", "Leo",
    "Mia", "Nina", "Omar", "Paul", "Quinn", "Rosa", "Seth", "Tara", "Uma", "Vera", "Will", "Xena",
    "Yara", "Zoe", "Iris", "Theo",
];

/// Invented category words (ProntoQA style); the plural adds `es`.
const CATEGORIES: [&str; 30] = [
    "wumpus", "yumpus", "zumpus", "dumpus", "rompus", "numpus", "tumpus", "vumpus", "impus",
    "jompus", "gorpus", "shumpus", "lempus", "sterpus", "grimpus", "lorpus", "brimpus", "fompus",
    "kerpus", "lumpus", "mumpus", "pimpus", "quimpus", "scrompus", "tompus", "vimpus", "welpus",
    "yompus", "zorpus", "borpus",
];

const ADJECTIVES: [&str; 32] = [
    "red", "blue", "green", "hot", "cold", "small", "large", "happy", "sad", "bright", "dull",
    "fast", "slow", "wooden", "metallic", "sour", "sweet", "shy", "kind", "loud", "quiet",
    "feisty", "opaque", "fruity", "spicy", "earthy", "floral", "liquid", "luminous", "nervous",
    "angry", "brave",
];

/// Seed-set mix over hops 1..=5.
const MIX: [f64; 5] = [0.3, 0.27, 0.2, 0.14, 0.09];
/// Most distractor rules per hop count (keeps hard questions within ~60 tokens).
const MAX_DISTRACTORS: [usize; 5] = [4, 4, 3, 3, 2];

/// One parsed sentence of the world's fixed forms.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stmt {
    /// Every member of the first category is a member of the second.
    Sub(String, String),
    /// Every member of the category has (true) or lacks (false) the adjective.
    Prop(String, String, bool),
    /// The named entity is in the category.
    IsA(String, String),
    /// The named entity has (true) or lacks (false) the adjective.
    Has(String, String, bool),
}

fn article(cat: &str) -> &'static str {
    if cat.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn plural(cat: &str) -> String {
    format!("{cat}es")
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn not(pol: bool) -> &'static str {
    if pol {
        ""
    } else {
        "not "
    }
}

/// Render a statement in one of its phrasings (`form` picks one; rules have three).
pub fn render(s: &Stmt, form: usize) -> String {
    match s {
        Stmt::Sub(c, d) => match form % 3 {
            0 => format!("Every {c} is {} {d}.", article(d)),
            1 => format!("Each {c} is {} {d}.", article(d)),
            _ => format!("{} are {}.", capitalize(&plural(c)), plural(d)),
        },
        Stmt::Prop(c, a, p) => match form % 3 {
            0 => format!("Every {c} is {}{a}.", not(*p)),
            1 => format!("Each {c} is {}{a}.", not(*p)),
            _ => format!("{} are {}{a}.", capitalize(&plural(c)), not(*p)),
        },
        Stmt::IsA(n, c) => format!("{n} is {} {c}.", article(c)),
        Stmt::Has(n, a, p) => format!("{n} is {}{a}.", not(*p)),
    }
}

fn singular(word: &str) -> Option<String> {
    let w = word.to_ascii_lowercase();
    w.strip_suffix("es")
        .filter(|s| s.ends_with("pus"))
        .map(str::to_string)
}

fn is_category(w: &str) -> bool {
    w.ends_with("pus")
}

/// Parse one sentence of the fixed forms (trailing period optional).
pub fn parse(sentence: &str) -> Option<Stmt> {
    let s = sentence.trim().trim_end_matches('.');
    let w: Vec<&str> = s.split_whitespace().collect();
    parse_words(&w)
}

fn adj_tail<'a>(rest: &[&'a str]) -> Option<(bool, &'a str)> {
    match rest {
        ["not", x] if !is_category(x) => Some((false, x)),
        [x] if !is_category(x) && *x != "not" => Some((true, x)),
        _ => None,
    }
}

fn parse_words(w: &[&str]) -> Option<Stmt> {
    match w {
        ["Every" | "Each", c, "is", rest @ ..] if is_category(c) => match rest {
            ["a" | "an", d] if is_category(d) => Some(Stmt::Sub(c.to_string(), d.to_string())),
            _ => {
                let (p, a) = adj_tail(rest)?;
                Some(Stmt::Prop(c.to_string(), a.to_string(), p))
            }
        },
        [cs, "are", rest @ ..] => {
            let c = singular(cs)?;
            match rest {
                [ds] if singular(ds).is_some() => Some(Stmt::Sub(c, singular(ds)?)),
                _ => {
                    let (p, a) = adj_tail(rest)?;
                    Some(Stmt::Prop(c, a.to_string(), p))
                }
            }
        }
        [n, "is", rest @ ..] if !is_category(n) => match rest {
            ["a" | "an", c] if is_category(c) => Some(Stmt::IsA(n.to_string(), c.to_string())),
            _ => {
                let (p, a) = adj_tail(rest)?;
                Some(Stmt::Has(n.to_string(), a.to_string(), p))
            }
        },
        _ => None,
    }
}

/// Split a question into its context statements and its query `(name, adjective,
/// polarity)`.
pub fn parse_question(q: &str) -> Option<(Vec<Stmt>, Stmt)> {
    let (ctx, query) = q.split_once("True or false:")?;
    let stmts: Option<Vec<Stmt>> = ctx
        .split('.')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse)
        .collect();
    let query = parse(query)?;
    matches!(query, Stmt::Has(..)).then_some(())?;
    Some((stmts?, query))
}

/// Whether `s` follows from the known facts by one application of a context rule (or
/// is itself known).
fn follows(s: &Stmt, known: &BTreeSet<Stmt>, rules: &[Stmt]) -> bool {
    if known.contains(s) {
        return true;
    }
    match s {
        Stmt::IsA(n, d) => rules.iter().any(|r| match r {
            Stmt::Sub(c, d2) => d2 == d && known.contains(&Stmt::IsA(n.clone(), c.clone())),
            _ => false,
        }),
        Stmt::Has(n, a, p) => rules.iter().any(|r| match r {
            Stmt::Prop(c, a2, p2) => {
                a2 == a && p2 == p && known.contains(&Stmt::IsA(n.clone(), c.clone()))
            }
            _ => false,
        }),
        _ => false,
    }
}

fn step_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains("####") && !l.contains("\\boxed"))
}

fn sample_hops(rng: &mut Rng) -> u32 {
    let u: f64 = rng.gen();
    let mut acc = 0.0;
    for (i, w) in MIX.iter().enumerate() {
        acc += w;
        if u < acc {
            return i as u32 + 1;
        }
    }
    MIX.len() as u32
}

/// Pick `k` distinct words from `pool`, none of them in `exclude`.
fn pick<'a>(rng: &mut Rng, pool: &[&'a str], k: usize, exclude: &BTreeSet<String>) -> Vec<&'a str> {
    let mut avail: Vec<&str> = pool
        .iter()
        .copied()
        .filter(|w| !exclude.contains(*w))
        .collect();
    if avail.len() < k {
        avail = pool.to_vec();
    }
    avail.shuffle(rng);
    avail.truncate(k);
    avail
}

/// The kinds of distractor rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Distractor {
    /// The classic ProntoQA distractor: the queried adjective with the opposite polarity,
    /// on a category the entity is not in. The student's errors are on these (a wrong
    /// answer copies this rule's polarity).
    OppositeProperty,
    /// A category the entity is not in, leading into the chain.
    SideBranch,
    /// Another adjective on a chain category.
    OtherProperty,
}

/// The distractor rules of a question, in context order (`None`: not the world's fixed
/// forms). The chain is followed from the fact through the rules; every other rule is a
/// distractor, classified by what it says.
pub fn distractors(question: &str) -> Option<Vec<Distractor>> {
    let (ctx, query) = parse_question(question)?;
    let Stmt::Has(_, adj, _) = query else {
        return None;
    };
    let mut chain: Vec<&str> = ctx.iter().find_map(|s| match s {
        Stmt::IsA(_, c) => Some(vec![c.as_str()]),
        _ => None,
    })?;
    while let Some(next) = ctx.iter().find_map(|s| match s {
        Stmt::Sub(c, d) if c == chain[chain.len() - 1] && !chain.contains(&d.as_str()) => {
            Some(d.as_str())
        }
        _ => None,
    }) {
        chain.push(next);
    }
    let last = chain[chain.len() - 1];
    let kinds = ctx.iter().filter_map(|s| match s {
        Stmt::Sub(c, _) if chain.contains(&c.as_str()) => None,
        Stmt::Sub(..) => Some(Distractor::SideBranch),
        Stmt::Prop(c, a, _) if c == last && *a == adj => None,
        Stmt::Prop(c, _, _) if chain.contains(&c.as_str()) => Some(Distractor::OtherProperty),
        Stmt::Prop(..) => Some(Distractor::OppositeProperty),
        _ => None,
    });
    Some(kinds.collect())
}

/// Generate an example with `hops` rule applications, avoiding the words in `exclude`
/// (the rewrite's "new names, objects and adjectives"). `kinds`: the distractor rules
/// to write (the rewrite keeps its seed's, at most as many as the hop count allows);
/// `None` draws them.
fn generate_with(
    rng: &mut Rng,
    hops: u32,
    exclude: &BTreeSet<String>,
    kinds: Option<&[Distractor]>,
) -> Example {
    let h = hops.clamp(1, 5) as usize;
    let kinds = kinds.map(|k| &k[..k.len().min(MAX_DISTRACTORS[h - 1])]);
    let n_distract = match kinds {
        Some(k) => k.len(),
        None => rng.gen_range(1..=MAX_DISTRACTORS[h - 1]),
    };
    let name = pick(rng, &NAMES, 1, exclude)[0].to_string();
    let cats = pick(rng, &CATEGORIES, h + n_distract, exclude);
    let adjs = pick(rng, &ADJECTIVES, 1 + n_distract, exclude);
    let (chain, fresh) = cats.split_at(h);
    let adj = adjs[0];
    let pol: bool = rng.gen();
    // The query is always the positive form ("True or false: Max is red."), so the
    // answer is the polarity of the last deduced line. ProntoQA also asks negated
    // queries, which makes the answer the XOR of two polarities; the 2-layer student
    // deduced the chain correctly yet answered that XOR at chance (0.51 after 3000
    // examples, results/calibration/README.md, cal3). The draw is kept so that every
    // context is the one the negated-query world generated.
    let _negated_query_in_prontoqa: bool = rng.gen();
    let query_pol = true;

    let mut rules: Vec<Stmt> = chain
        .windows(2)
        .map(|w| Stmt::Sub(w[0].to_string(), w[1].to_string()))
        .collect();
    rules.push(Stmt::Prop(chain[h - 1].to_string(), adj.to_string(), pol));
    for (i, d) in fresh.iter().enumerate() {
        let other = chain[rng.gen_range(0..h)].to_string();
        let kind = match kinds {
            Some(k) => k[i],
            // An i32 draw, as before `kinds` existed: a usize range samples other bits.
            None => match rng.gen_range(0..3) {
                0 => Distractor::OppositeProperty,
                1 => Distractor::SideBranch,
                _ => Distractor::OtherProperty,
            },
        };
        let s = match kind {
            Distractor::OppositeProperty => Stmt::Prop(d.to_string(), adj.to_string(), !pol),
            Distractor::SideBranch => Stmt::Sub(d.to_string(), other),
            Distractor::OtherProperty => Stmt::Prop(other, adjs[1 + i].to_string(), rng.gen()),
        };
        let at = rng.gen_range(0..=rules.len());
        rules.insert(at, s);
    }
    let mut sentences: Vec<String> = rules
        .iter()
        .map(|r| render(r, rng.gen_range(0..3)))
        .collect();
    sentences.push(render(&Stmt::IsA(name.clone(), chain[0].to_string()), 0));
    let query = Stmt::Has(name.clone(), adj.to_string(), query_pol);
    let question = format!(
        "{} True or false: {}",
        sentences.join(" "),
        render(&query, 0)
    );

    let mut lines: Vec<String> = chain
        .iter()
        .map(|c| render(&Stmt::IsA(name.clone(), c.to_string()), 0))
        .collect();
    lines.push(render(&Stmt::Has(name, adj.to_string(), pol), 0));
    let truth = if pol == query_pol { "True" } else { "False" };
    Example {
        question,
        answer: format!("{}\n#### {truth}", lines.join("\n")),
        final_answer: truth.to_string(),
        difficulty: h as u32,
        category: None,
    }
}

fn normalize_bool(s: &str) -> Option<&'static str> {
    let w = s
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| !w.is_empty())?
        .to_ascii_lowercase();
    match w.as_str() {
        "true" => Some("true"),
        "false" => Some("false"),
        _ => None,
    }
}

/// ProntoQA-like task world.
#[derive(Default)]
pub struct Logic;

impl Task for Logic {
    fn prompt_family(&self) -> crate::tasks::PromptFamily {
        crate::tasks::PromptFamily::ProntoQa
    }
    /// True or False: a guess is right half the time.
    fn chance_accuracy(&self) -> f64 {
        0.5
    }
    /// The paper's defaults: ROUGE-L dedup on, no verifier gate.
    fn teacher_defaults(&self) -> crate::tasks::TeacherDefaults {
        crate::tasks::TeacherDefaults {
            dedup: true,
            verify_synthetic: false,
        }
    }
    fn name(&self) -> &'static str {
        "logic"
    }

    fn difficulty_range(&self) -> (u32, u32) {
        (1, 5)
    }

    fn generate(&self, rng: &mut Rng, difficulty: Option<u32>) -> Example {
        let h = difficulty.unwrap_or_else(|| sample_hops(rng));
        generate_with(rng, h, &BTreeSet::new(), None)
    }

    fn verify(&self, ex: &Example, response: &str) -> Verdict {
        let extracted = answer::extract_final(response);
        let correct = extracted
            .as_deref()
            .and_then(normalize_bool)
            .is_some_and(|b| Some(b) == normalize_bool(&ex.final_answer));
        Verdict { extracted, correct }
    }

    fn count_steps(&self, answer: &str) -> usize {
        step_lines(answer).count()
    }

    fn check_steps(&self, ex: &Example, response: &str) -> (usize, usize) {
        let Some((ctx, _)) = parse_question(&ex.question) else {
            return (0, self.count_steps(response));
        };
        let (rules, facts): (Vec<Stmt>, Vec<Stmt>) = ctx
            .into_iter()
            .partition(|s| matches!(s, Stmt::Sub(..) | Stmt::Prop(..)));
        let mut known: BTreeSet<Stmt> = facts.into_iter().collect();
        let (mut valid, mut total) = (0, 0);
        for line in step_lines(response) {
            total += 1;
            if let Some(s) = parse(line) {
                if matches!(s, Stmt::IsA(..) | Stmt::Has(..)) && follows(&s, &known, &rules) {
                    valid += 1;
                    known.insert(s);
                }
            }
        }
        (valid, total)
    }

    fn rewrite(&self, seed: &Example, fidelity: f64, rng: &mut Rng) -> Option<Example> {
        let h = seed.difficulty.clamp(1, 5);
        let new_h = if rng.gen_bool(fidelity.clamp(0.0, 1.0)) {
            // Vary the number of hops by one, reflecting at the ends of 1..=5.
            match (h, rng.gen_bool(0.5)) {
                (1, _) => 2,
                (5, _) => 4,
                (_, true) => h + 1,
                (_, false) => h - 1,
            }
        } else {
            sample_hops(rng)
        };
        let used: BTreeSet<String> = seed
            .question
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| !w.is_empty())
            .flat_map(|w| [w.to_string(), singular(w).unwrap_or_default()])
            .collect();
        // The rewritten context keeps the seed's kinds of distractor rule: the prompt
        // (D.2.3) asks for new names, objects and adjectives and another number of
        // steps, not another structure. What makes a seed hard for the student (a rule
        // with the queried adjective's opposite on another category) then carries over
        // to its children, as hardness does in the paper (C.4).
        let kinds = distractors(&seed.question);
        Some(generate_with(rng, new_h, &used, kinds.as_deref()))
    }

    fn corrupt_answer(&self, ex: &Example, _rng: &mut Rng) -> String {
        // Flip the concluding property: the last step no longer follows, and the final
        // answer is the wrong truth value.
        let mut lines: Vec<String> = step_lines(&ex.answer).map(str::to_string).collect();
        if let Some(Some(Stmt::Has(n, a, p))) = lines.last().map(|l| parse(l)) {
            *lines.last_mut().expect("non-empty") = render(&Stmt::Has(n, a, !p), 0);
        }
        let wrong = if normalize_bool(&ex.final_answer) == Some("true") {
            "False"
        } else {
            "True"
        };
        format!("{}\n#### {wrong}", lines.join("\n"))
    }

    fn lexicon(&self) -> Vec<String> {
        let mut v: Vec<String> = vec!["Every Each is a an are not True or false False".into()];
        v.extend(NAMES.iter().map(|s| s.to_string()));
        v.extend(ADJECTIVES.iter().map(|s| s.to_string()));
        for c in CATEGORIES {
            v.push(format!("{c} {} {}", plural(c), capitalize(&plural(c))));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_fixed_form() {
        let sub = Stmt::Sub("wumpus".into(), "impus".into());
        let prop = Stmt::Prop("yumpus".into(), "red".into(), false);
        for f in 0..3 {
            assert_eq!(parse(&render(&sub, f)), Some(sub.clone()));
            assert_eq!(parse(&render(&prop, f)), Some(prop.clone()));
        }
        assert_eq!(render(&sub, 0), "Every wumpus is an impus.");
        assert_eq!(render(&prop, 2), "Yumpuses are not red.");
        assert_eq!(
            parse("Max is a wumpus."),
            Some(Stmt::IsA("Max".into(), "wumpus".into()))
        );
        assert_eq!(
            parse("Max is not red"),
            Some(Stmt::Has("Max".into(), "red".into(), false))
        );
        assert_eq!(parse("so Max is probably red"), None);
    }

    #[test]
    fn one_rule_application_per_step() {
        let ex = Example {
            question: "Every wumpus is a yumpus. Yumpuses are not red. Zumpuses are red. \
                       Max is a wumpus. True or false: Max is red."
                .into(),
            answer: "Max is a wumpus.\nMax is a yumpus.\nMax is not red.\n#### False".into(),
            final_answer: "False".into(),
            difficulty: 2,
            category: None,
        };
        let t = Logic;
        assert_eq!(t.check_steps(&ex, &ex.answer), (3, 3));
        // Skipping the middle deduction makes the conclusion not follow in one step.
        assert_eq!(
            t.check_steps(&ex, "Max is a wumpus.\nMax is not red."),
            (1, 2)
        );
        // The distractor rule does not apply to Max.
        assert_eq!(t.check_steps(&ex, "Max is a wumpus.\nMax is red."), (1, 2));
        assert!(t.verify(&ex, &ex.answer).correct);
    }
}
