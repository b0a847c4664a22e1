//! Where things are in the scenario text: an index from field paths
//! (`strategies[1].direction`) to byte spans, built from `toml_edit`'s span-preserving
//! parse. Serde errors only carry a span, and semantic checks only know a path; this
//! index translates in both directions so every error can name file, line, column and
//! field.

use std::ops::Range;
use toml_edit::{ImDocument, Item, Table, Value};

/// One located key: its dotted path, the span of the key itself (or of a table header
/// for array-of-tables elements) and the span of its value where known.
#[derive(Clone, Debug)]
struct Entry {
    path: String,
    key: Option<Range<usize>>,
    value: Option<Range<usize>>,
}

/// Path ↔ span index of one scenario text.
#[derive(Clone, Debug, Default)]
pub(crate) struct SpanIndex {
    entries: Vec<Entry>,
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

impl SpanIndex {
    /// Index a text; `None` when it is not valid TOML (the caller reports the syntax error).
    pub(crate) fn new(text: &str) -> Option<SpanIndex> {
        let doc = ImDocument::parse(text).ok()?;
        let mut index = SpanIndex::default();
        index.walk_table(doc.as_table(), "");
        Some(index)
    }

    fn walk_table(&mut self, table: &Table, path: &str) {
        for (k, item) in table.iter() {
            let p = join(path, k);
            let key_span = table.key(k).and_then(|key| key.span());
            self.walk_item(item, p, key_span);
        }
    }

    fn walk_item(&mut self, item: &Item, path: String, key: Option<Range<usize>>) {
        match item {
            Item::None => {}
            Item::Value(v) => self.walk_value(v, path, key),
            Item::Table(t) => {
                self.entries.push(Entry {
                    path: path.clone(),
                    // The header `[student]` starts at its bracket; dotted tables have no header.
                    key: t.span().or(key),
                    value: t.span(),
                });
                self.walk_table(t, &path);
            }
            Item::ArrayOfTables(a) => {
                self.entries.push(Entry {
                    path: path.clone(),
                    key,
                    value: a.span(),
                });
                for (i, t) in a.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    self.entries.push(Entry {
                        path: p.clone(),
                        key: t.span(),
                        value: t.span(),
                    });
                    self.walk_table(t, &p);
                }
            }
        }
    }

    fn walk_value(&mut self, v: &Value, path: String, key: Option<Range<usize>>) {
        self.entries.push(Entry {
            path: path.clone(),
            key,
            value: v.span(),
        });
        match v {
            Value::Array(a) => {
                for (i, e) in a.iter().enumerate() {
                    self.walk_value(e, format!("{path}[{i}]"), e.span());
                }
            }
            Value::InlineTable(t) => {
                for (k, e) in t.iter() {
                    let key_span = t.key(k).and_then(|key| key.span());
                    self.walk_value(e, join(&path, k), key_span);
                }
            }
            _ => {}
        }
    }

    /// The deepest path whose key or value span contains `offset`.
    pub(crate) fn path_at(&self, offset: usize) -> Option<&str> {
        let inside = |r: &Option<Range<usize>>| r.as_ref().is_some_and(|r| r.contains(&offset));
        self.entries
            .iter()
            .filter(|e| inside(&e.key) || inside(&e.value))
            .max_by_key(|e| (e.path.matches(['.', '[']).count(), e.path.len()))
            .map(|e| e.path.as_str())
    }

    /// Byte offset of the key at `path` (or of its value, or of the nearest present
    /// ancestor: a defaulted field is reported where its parent is written).
    pub(crate) fn offset_of(&self, path: &str) -> Option<usize> {
        let mut p = path.to_string();
        loop {
            if let Some(e) = self.entries.iter().find(|e| e.path == p) {
                if let Some(r) = e.key.as_ref().or(e.value.as_ref()) {
                    return Some(r.start);
                }
            }
            let cut = p.rfind(['.', '['])?;
            p.truncate(cut);
        }
    }

    /// Whether the text writes the key at `path` explicitly.
    pub(crate) fn has(&self, path: &str) -> bool {
        self.entries.iter().any(|e| e.path == path)
    }
}

/// 1-based (line, column in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Best-effort field path for a syntax error at `offset`, where no document exists:
/// the key written on that line (`key = ...`), under the nearest table header above.
pub(crate) fn guess_key_at(text: &str, offset: usize) -> Option<String> {
    let (line_no, _) = line_col(text, offset);
    let lines: Vec<&str> = text.lines().collect();
    let line = lines.get(line_no - 1)?.trim();
    let header = |l: &str| -> Option<String> {
        let l = l.trim();
        let inner = l.strip_prefix("[[").and_then(|r| r.strip_suffix("]]"));
        let inner = inner.or_else(|| l.strip_prefix('[').and_then(|r| r.strip_suffix(']')));
        inner.map(|s| s.trim().to_string())
    };
    if let Some(h) = header(line) {
        return Some(h);
    }
    let key = line.split('=').next()?.trim();
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.\"".contains(c));
    if !simple || !line.contains('=') {
        return None;
    }
    let key = key.replace('"', "");
    let table = lines[..line_no - 1].iter().rev().find_map(|l| header(l));
    Some(match table {
        Some(t) => join(&t, &key),
        None => key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\n\n[[strategies]]\nname = \"loss\"\n\n[[strategies]]\nname = \"reward\"\ndirection = \"up\"\n\n[student]\nheads = 3\n";

    #[test]
    fn paths_round_trip_through_offsets() {
        let idx = SpanIndex::new(TEXT).unwrap();
        let off = idx.offset_of("strategies[1].direction").unwrap();
        assert_eq!(line_col(TEXT, off), (8, 1));
        let value_off = TEXT.find("\"up\"").unwrap();
        assert_eq!(idx.path_at(value_off), Some("strategies[1].direction"));
        assert_eq!(
            line_col(TEXT, idx.offset_of("student.heads").unwrap()),
            (11, 1)
        );
        // A defaulted key falls back to its parent: the [student] header on line 10.
        assert_eq!(
            line_col(TEXT, idx.offset_of("student.layers").unwrap()),
            (10, 1)
        );
        assert_eq!(
            line_col(TEXT, idx.offset_of("strategies[0]").unwrap()),
            (3, 1)
        );
        assert!(idx.has("strategies[0].name"));
        assert!(!idx.has("strategies[0].target"));
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé = 1", 3), (2, 1));
        assert_eq!(line_col("ab\ncé = 1", 6), (2, 3));
    }

    #[test]
    fn guesses_key_of_broken_line() {
        let text = "name = \"x\"\n[student]\nlayers = = 2\n";
        let off = text.find("= 2").unwrap();
        assert_eq!(guess_key_at(text, off).as_deref(), Some("student.layers"));
    }
}
