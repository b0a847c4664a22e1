//! ROUGE-L F-measure with the semantics of Google's `rouge_score` package (default
//! tokenizer, no stemming, β = 1), and a [`DedupIndex`] that finds the nearest earlier
//! synthetic question of a run (paper appendix D: reject when ROUGE-L F > 0.7).
//!
//! `rouge_score` lowercases, turns every run of characters outside `[a-z0-9]` into a
//! space and splits on whitespace; F = 2·P·R/(P+R) with P = LCS/n, R = LCS/m, and 0 when
//! either side has no tokens. In exact arithmetic that is 2·LCS/(m+n), but the dedup
//! threshold (reject when F > 0.7) is applied to rouge_score's floating-point value, so
//! F is computed with the same operations in the same order: at LCS = 7, m = 7, n = 13
//! the exact F is 0.7 (kept) while rouge_score's is 0.7000000000000001 (rejected).

use std::collections::HashMap;

/// `rouge_score`'s default tokenization: lowercase words of `[a-z0-9]`.
pub fn tokenize(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    lower
        .split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Length of the longest common subsequence, O(m·n) time and O(min(m, n)) memory.
pub fn lcs_len<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return 0;
    }
    let mut row = vec![0u32; short.len() + 1];
    for x in long {
        let mut diag = 0u32; // row[j-1] of the previous row
        for (j, y) in short.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = if x == y { diag + 1 } else { up.max(row[j]) };
            diag = up;
        }
    }
    row[short.len()] as usize
}

/// F-measure from an LCS length and the two token counts with rouge_score's float
/// semantics (`scoring.fmeasure`): P = LCS/n, R = LCS/m, F = 2·P·R/(P + R), 0 when
/// P + R = 0. Symmetric in (m, n): 2·P·R and P + R round the same either way.
pub fn f_from_lcs(lcs: usize, m: usize, n: usize) -> f64 {
    if lcs == 0 || m == 0 || n == 0 {
        return 0.0;
    }
    let p = lcs as f64 / n as f64;
    let r = lcs as f64 / m as f64;
    2.0 * p * r / (p + r)
}

/// ROUGE-L F between two texts (symmetric).
pub fn rouge_l(a: &str, b: &str) -> f64 {
    let (ta, tb) = (tokenize(a), tokenize(b));
    f_from_lcs(lcs_len(&ta, &tb), ta.len(), tb.len())
}

/// The tokenized synthetic questions of one run, for near-duplicate rejection. Tokens are
/// interned to integers so each pairwise LCS compares `u32`s; pairs whose length bound
/// 2·min(m,n)/(m+n) cannot beat the best score so far are skipped.
#[derive(Clone, Debug, Default)]
pub struct DedupIndex {
    vocab: HashMap<String, u32>,
    docs: Vec<Vec<u32>>,
}

impl DedupIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of questions held.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether no question is held yet.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Token ids of a text; words never seen get a fresh id that matches nothing held.
    fn ids(&self, text: &str) -> Vec<u32> {
        let fresh = u32::MAX;
        tokenize(text)
            .iter()
            .map(|w| self.vocab.get(w).copied().unwrap_or(fresh))
            .collect()
    }

    /// Highest ROUGE-L F of `text` against every held question, and the index of the
    /// first question reaching it (`None` when the index is empty or every F is 0).
    pub fn max_f(&self, text: &str) -> (f64, Option<usize>) {
        let q = self.ids(text);
        let m = q.len();
        let mut best = 0.0f64;
        let mut arg = None;
        for (i, d) in self.docs.iter().enumerate() {
            let n = d.len();
            if f_from_lcs(m.min(n), m, n) <= best {
                continue;
            }
            // Unknown words carry `u32::MAX`, which no held token has.
            let lcs = lcs_len(&q, d);
            let f = f_from_lcs(lcs, m, n);
            if f > best {
                best = f;
                arg = Some(i);
            }
        }
        (best, arg)
    }

    /// Add a question; returns its index.
    pub fn insert(&mut self, text: &str) -> usize {
        let mut ids = Vec::new();
        for w in tokenize(text) {
            let next = self.vocab.len() as u32;
            ids.push(*self.vocab.entry(w).or_insert(next));
        }
        self.docs.push(ids);
        self.docs.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Exhaustive LCS: the longest subsequence of `a` (by bitmask) that is a
    /// subsequence of `b`. Independent of the DP.
    fn brute_lcs(a: &[String], b: &[String]) -> usize {
        let mut best = 0;
        for mask in 0u32..(1 << a.len()) {
            let sub: Vec<&String> = (0..a.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| &a[i])
                .collect();
            if sub.len() <= best {
                continue;
            }
            let mut it = b.iter();
            if sub.iter().all(|w| it.any(|x| x == *w)) {
                best = sub.len();
            }
        }
        best
    }

    #[test]
    fn paper_reference_values() {
        let f = rouge_l(
            "Give three tips for staying healthy.",
            "Give me three tips for staying healthy and fit.",
        );
        assert!((f - 0.8).abs() < 1e-12, "{f}");
        let f = rouge_l(
            "Write a poem about the ocean.",
            "Write a short story about the ocean.",
        );
        assert!((f - 10.0 / 13.0).abs() < 1e-12, "{f}");
    }

    #[test]
    fn threshold_uses_rouge_score_float_semantics() {
        // rouge_score 0.1.2: RougeScorer(['rougeL']).score("a b c d e f g",
        // "a b c d e f g h i j k l m")['rougeL'].fmeasure == 0.7000000000000001.
        let f = rouge_l("a b c d e f g", "a b c d e f g h i j k l m");
        assert_eq!(f, 0.700_000_000_000_000_1);
        assert!(f > 0.7, "rejected by the F > 0.7 rule, as in rouge_score");
        // Every (LCS, m, n) with m, n ≤ 100: rouge_score's float F > 0.7 differs from
        // the exact 2·LCS/(m+n) > 0.7 in 122 triples (all float 0.7000000000000001,
        // computed with rouge_score.scoring.fmeasure), the first being (7, 7, 13).
        let (mut flips, mut total, mut first) = (0, 0, None);
        for m in 1..=100usize {
            for n in 1..=100usize {
                for l in 0..=m.min(n) {
                    total += 1;
                    if (f_from_lcs(l, m, n) > 0.7) != (20 * l > 7 * (m + n)) {
                        flips += 1;
                        first.get_or_insert((l, m, n));
                    }
                }
            }
        }
        assert_eq!((total, flips, first), (348_350, 122, Some((7, 7, 13))));
    }

    #[test]
    fn tokenization_follows_rouge_score() {
        assert_eq!(
            tokenize("It's 3.5 km-long, ISN'T it?"),
            vec!["it", "s", "3", "5", "km", "long", "isn", "t", "it"]
        );
        assert_eq!(rouge_l("", "anything"), 0.0);
        assert_eq!(rouge_l("!!!", "???"), 0.0);
        assert_eq!(rouge_l("Same words", "same, WORDS!"), 1.0);
    }

    #[test]
    fn dedup_index_finds_nearest_first_on_ties() {
        let mut ix = DedupIndex::new();
        assert_eq!(ix.max_f("anything"), (0.0, None));
        ix.insert("Write a poem about the ocean.");
        ix.insert("Give three tips for staying healthy.");
        ix.insert("Give three tips for staying healthy.");
        let (f, i) = ix.max_f("Give me three tips for staying healthy and fit.");
        assert!((f - 0.8).abs() < 1e-12);
        assert_eq!(i, Some(1));
        let (f, i) = ix.max_f("Write a short story about the ocean.");
        assert!((f - 10.0 / 13.0).abs() < 1e-12);
        assert_eq!(i, Some(0));
        assert_eq!(ix.max_f("zebra quokka"), (0.0, None));
    }

    fn words() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("a"),
                Just("B"),
                Just("c"),
                Just("1"),
                Just("dog"),
                Just(", "),
                Just("!"),
            ],
            0..10,
        )
        .prop_map(|v| v.join(" "))
    }

    proptest! {
        #[test]
        fn lcs_matches_brute_force(a in words(), b in words()) {
            let (ta, tb) = (tokenize(&a), tokenize(&b));
            let l = lcs_len(&ta, &tb);
            prop_assert_eq!(l, brute_lcs(&ta, &tb));
            let expect = if l == 0 { 0.0 } else { 2.0 * l as f64 / (ta.len() + tb.len()) as f64 };
            // Float semantics move F by at most a few ulps from the exact value.
            prop_assert!((rouge_l(&a, &b) - expect).abs() < 1e-12);
            prop_assert!((rouge_l(&a, &b) - rouge_l(&b, &a)).abs() < 1e-12);
        }

        #[test]
        fn index_max_matches_pairwise(docs in proptest::collection::vec(words(), 0..8), q in words()) {
            let mut ix = DedupIndex::new();
            for d in &docs { ix.insert(d); }
            let (f, arg) = ix.max_f(&q);
            let pair: Vec<f64> = docs.iter().map(|d| rouge_l(&q, d)).collect();
            let best = pair.iter().cloned().fold(0.0, f64::max);
            prop_assert!((f - best).abs() < 1e-12);
            match arg {
                None => prop_assert_eq!(best, 0.0),
                Some(i) => {
                    prop_assert!((pair[i] - best).abs() < 1e-12);
                    prop_assert!(pair[..i].iter().all(|&p| p < best));
                }
            }
        }
    }
}
