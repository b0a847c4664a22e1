//! Cross-cutting measurements of the `arith` and `mathmix` worlds: closed-vocabulary
//! coverage, token lengths per difficulty, and the ROUGE-L near-duplicate rate.

use activesynth::rng::StreamKey;
use activesynth::tasks::{by_name, Task};
use activesynth::text::Tokenizer;

/// rouge_score tokenisation: lowercase, every run outside [a-z0-9] is a separator.
fn rouge_tokens(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_ascii_lowercase() && !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reference ROUGE-L F: 2·LCS / (m + n), by the textbook LCS dynamic programme.
fn rouge_l(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut dp = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            dp[i][j] = if a[i - 1] == b[j - 1] {
                dp[i - 1][j - 1] + 1
            } else {
                dp[i - 1][j].max(dp[i][j - 1])
            };
        }
    }
    2.0 * dp[a.len()][b.len()] as f64 / (a.len() + b.len()) as f64
}

#[test]
fn rouge_reference_matches_known_values() {
    let f = |a: &str, b: &str| rouge_l(&rouge_tokens(a), &rouge_tokens(b));
    let healthy = f(
        "Give three tips for staying healthy.",
        "Give me three tips for staying healthy and fit.",
    );
    assert!((healthy - 0.8).abs() < 1e-12);
    let ocean = f(
        "Write a poem about the ocean.",
        "Write a short story about the ocean.",
    );
    assert!((ocean - 10.0 / 13.0).abs() < 1e-12);
}

/// Fraction of `n` random seed-mix questions with ROUGE-L F > 0.7 against at least one
/// of the other `n - 1`.
fn near_duplicate_rate(task: &dyn Task, n: usize) -> f64 {
    let mut rng = StreamKey::shared(1, task.name(), 0, "rouge").rng();
    let toks: Vec<Vec<String>> = (0..n)
        .map(|_| rouge_tokens(&task.generate(&mut rng, None).question))
        .collect();
    let dup = (0..n)
        .filter(|&i| (0..n).any(|j| j != i && rouge_l(&toks[i], &toks[j]) > 0.7))
        .count();
    dup as f64 / n as f64
}

#[test]
fn near_duplicates_are_a_minority() {
    for name in ["arith", "mathmix"] {
        let task = by_name(name).unwrap();
        let rate = near_duplicate_rate(task.as_ref(), 300);
        println!("{name}: ROUGE-L > 0.7 vs another of 300 questions: {rate:.3}");
        assert!(rate < 0.5, "{name}: {rate}");
    }
}

#[test]
fn lexicon_covers_everything_and_texts_stay_compact() {
    for name in ["arith", "mathmix"] {
        let task = by_name(name).unwrap();
        let tok = Tokenizer::from_lexicon(task.lexicon());
        let (lo, hi) = task.difficulty_range();
        let mut rng = StreamKey::shared(2, name, 0, "lexicon").rng();
        let mut max_q = vec![0usize; hi as usize + 1];
        let mut max_a = vec![0usize; hi as usize + 1];
        let mut texts = 0;
        for i in 0..2400u32 {
            let d = lo + i % (hi - lo + 1);
            let ex = task.generate(&mut rng, if i % 4 == 0 { None } else { Some(d) });
            let re = task.rewrite(&ex, (i % 5) as f64 / 4.0, &mut rng).unwrap();
            let bad = task.corrupt_answer(&ex, &mut rng);
            for e in [&ex, &re] {
                let q = tok
                    .encode(&e.question)
                    .unwrap_or_else(|err| panic!("{err}: {}", e.question));
                let a = tok
                    .encode(&e.answer)
                    .unwrap_or_else(|err| panic!("{err}: {}", e.answer));
                let d = e.difficulty as usize;
                max_q[d] = max_q[d].max(q.len());
                max_a[d] = max_a[d].max(a.len());
                if let Some(c) = &e.category {
                    tok.encode(c).unwrap();
                }
                texts += 2;
            }
            tok.encode(&bad)
                .unwrap_or_else(|err| panic!("{err}: {bad}"));
            texts += 1;
        }
        assert!(texts >= 2000 * 3);
        for d in lo..=hi {
            println!(
                "{name} difficulty {d}: max question {} tokens, max answer {} tokens",
                max_q[d as usize], max_a[d as usize]
            );
        }
        println!("{name}: vocabulary {} tokens", tok.vocab_size());
        assert!(max_q.iter().all(|&m| m <= 70), "{name}: {max_q:?}");
        assert!(max_a.iter().all(|&m| m <= 90), "{name}: {max_a:?}");
    }
}
