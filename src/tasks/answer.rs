//! Final-answer extraction shared by every task's verifier.
//!
//! A response may be messy free text; the final answer is the text after the *last*
//! `####` marker (up to the end of that line), or the content of the *last*
//! `\boxed{...}` (braces balanced). Whichever occurs later in the text wins, so a model
//! that writes both keeps its final word.

/// Extract the final answer from free text, trimmed; `None` when there is no marker or
/// the marker is empty.
pub fn extract_final(text: &str) -> Option<String> {
    let hash = text.rfind("####").map(|i| {
        let rest = &text[i + 4..];
        let line = rest.lines().next().unwrap_or("");
        (i, line.trim().to_string())
    });
    let boxed = last_boxed(text);
    let pick = match (hash, boxed) {
        (Some(h), Some(b)) => {
            if h.0 > b.0 {
                h.1
            } else {
                b.1
            }
        }
        (Some(h), None) => h.1,
        (None, Some(b)) => b.1,
        (None, None) => return None,
    };
    let pick = pick.trim().trim_end_matches('.').trim().to_string();
    if pick.is_empty() {
        None
    } else {
        Some(pick)
    }
}

/// Position and content of the last `\boxed{...}` with balanced braces.
fn last_boxed(text: &str) -> Option<(usize, String)> {
    let start = text.rfind("\\boxed{")?;
    let body = &text[start + 7..];
    let mut depth = 1usize;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((start, body[..i].trim().to_string()));
                }
            }
            _ => {}
        }
    }
    None
}

/// Normalise a numeric answer for comparison: strip spaces, thousands separators, a
/// leading `+`, trailing `.0`; keep a leading minus and a `a/b` fraction as written.
pub fn normalize_number(s: &str) -> String {
    let mut t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '$')
        .collect();
    if let Some(r) = t.strip_prefix('+') {
        t = r.to_string();
    }
    if let Some(r) = t.strip_suffix(".0") {
        t = r.to_string();
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_hash_and_boxed() {
        assert_eq!(extract_final("so 3 + 4 = 7\n#### 7").as_deref(), Some("7"));
        assert_eq!(extract_final("#### 7\nblah").as_deref(), Some("7"));
        assert_eq!(
            extract_final("first \\boxed{3} then \\boxed{\\frac{1}{2}}").as_deref(),
            Some("\\frac{1}{2}")
        );
        assert_eq!(
            extract_final("#### 5 and later \\boxed{6}").as_deref(),
            Some("6")
        );
        assert_eq!(
            extract_final("\\boxed{6} then #### 5.").as_deref(),
            Some("5")
        );
        assert_eq!(extract_final("no answer here"), None);
        assert_eq!(extract_final("####   "), None);
        assert_eq!(extract_final("\\boxed{unclosed"), None);
    }

    #[test]
    fn normalizes_numbers() {
        assert_eq!(normalize_number(" 1,200 "), "1200");
        assert_eq!(normalize_number("+7.0"), "7");
        assert_eq!(normalize_number("-3"), "-3");
        assert_eq!(normalize_number("$12"), "12");
    }
}
