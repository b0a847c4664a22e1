//! One wording for an unknown name on the command line (task, strategy), with a
//! "did you mean" when a known name is a small edit away, so that every subcommand
//! says it the same way: `unknown task "arth"; did you mean "arith"? (expected one of
//! "arith", "mathmix", "logic", "game24")`.

/// Edit distance between two short names (by characters): insertions, deletions,
/// substitutions and swaps of two neighbours ("bagde" → "badge" is one edit), each 1.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
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
        assert_eq!(edit_distance("bagde", "badge"), 1);
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
