//! One wording for an unknown name on the command line (task, strategy), with a
//! "did you mean" when a known name is a small edit away, so that every subcommand
//! says it the same way: `unknown task "arth"; did you mean "arith"? (expected one of
//! "arith", "mathmix", "logic", "game24")`.

/// Levenshtein distance between two short names (by characters).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The known name closest to `got`, when it is close enough to be a typo: at most a
/// third of its length in edits (at least 1), or `got` is a prefix of it.
pub fn closest<'a>(got: &str, known: &[&'a str]) -> Option<&'a str> {
    let g = got.to_ascii_lowercase();
    let (best, d) = known
        .iter()
        .map(|k| (*k, edit_distance(&g, &k.to_ascii_lowercase())))
        .min_by_key(|&(_, d)| d)?;
    let limit = (best.chars().count() / 3).max(1);
    if d <= limit || (g.len() >= 2 && best.starts_with(&g)) {
        Some(best)
    } else {
        None
    }
}

/// `unknown KIND "GOT"; did you mean "X"? (expected one of "a", "b")`.
pub fn unknown(kind: &str, got: &str, known: &[&str]) -> String {
    let list = known
        .iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ");
    match closest(got, known) {
        Some(s) => {
            format!("unknown {kind} \"{got}\"; did you mean \"{s}\"? (expected one of {list})")
        }
        None => format!("unknown {kind} \"{got}\"; expected one of {list}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("arith", "arith"), 0);
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        let tasks = ["arith", "mathmix", "logic", "game24"];
        assert_eq!(closest("arth", &tasks), Some("arith"));
        assert_eq!(closest("Logic", &tasks), Some("logic"));
        assert_eq!(closest("game", &tasks), Some("game24"));
        assert_eq!(closest("physics", &tasks), None);
        assert_eq!(
            unknown("task", "arth", &tasks),
            "unknown task \"arth\"; did you mean \"arith\"? \
             (expected one of \"arith\", \"mathmix\", \"logic\", \"game24\")"
        );
        assert_eq!(
            unknown("task", "physics", &["arith"]),
            "unknown task \"physics\"; expected one of \"arith\""
        );
    }
}
