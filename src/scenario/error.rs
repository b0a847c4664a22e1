//! The one-line scenario error (`FILE:LINE:COL: field `path`: what was expected`) and the
//! rewriting of serde/toml messages into that uniform wording, so that every malformed
//! file reads the same way whether the parser or the semantic checks caught it.

use std::fmt;

/// Why a scenario could not be used. Its `Display` is always a single line, so a CLI can
/// print it as-is and scripts can grep for `FILE:LINE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioError {
    /// The file could not be read at all.
    Read {
        /// The path as given.
        file: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The file was read but is malformed (syntax, schema or semantic check).
    Invalid {
        /// The file name as given.
        file: String,
        /// 1-based line of the offending key or value.
        line: usize,
        /// 1-based column (in characters) of the offending key or value.
        column: usize,
        /// Dotted field path, e.g. `strategies[1].direction`, where one is known.
        field: Option<String>,
        /// What was wrong and what was expected.
        message: String,
    },
}

impl ScenarioError {
    /// Field path of an `Invalid` error (tests and tooling match on it).
    pub fn field(&self) -> Option<&str> {
        match self {
            ScenarioError::Invalid { field, .. } => field.as_deref(),
            ScenarioError::Read { .. } => None,
        }
    }

    /// 1-based line of an `Invalid` error.
    pub fn line(&self) -> Option<usize> {
        match self {
            ScenarioError::Invalid { line, .. } => Some(*line),
            ScenarioError::Read { .. } => None,
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Read { file, reason } => {
                write!(f, "{file}: cannot read scenario: {}", one_line(reason))
            }
            ScenarioError::Invalid {
                file,
                line,
                column,
                field,
                message,
            } => {
                write!(f, "{file}:{line}:{column}: ")?;
                if let Some(field) = field {
                    write!(f, "field `{field}`: ")?;
                }
                write!(f, "{}", one_line(message))
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Collapse a possibly multi-line message into one line.
pub(crate) fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the parser found at `offset` when its own message is empty (it is for some
/// control characters): the character, named, and what TOML allows.
pub(crate) fn describe_char_at(text: &str, offset: usize) -> String {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    match text[o..].chars().next() {
        None => "unexpected end of file".to_string(),
        Some(c) => {
            let name = match c {
                '\0' => " (NUL)".to_string(),
                '\r' => " (carriage return not followed by a line feed)".to_string(),
                '\t' => " (tab)".to_string(),
                c if c.is_control() => " (a control character)".to_string(),
                _ => String::new(),
            };
            format!(
                "unexpected character U+{:04X}{name}; TOML allows no control characters other than tab, and CR only before LF",
                c as u32
            )
        }
    }
}

/// What a serde message said, reduced to the parts we re-word.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SerdeMessage {
    /// `unknown variant `x`, expected ...` → (got, expected names).
    UnknownVariant(String, Vec<String>),
    /// `unknown field `x`, expected ...` → (field, expected names).
    UnknownField(String, Vec<String>),
    /// `missing field `x``.
    MissingField(String),
    /// `invalid type: A, expected B` / `invalid value: A, expected B` → (got, expected).
    Mismatch(String, String),
    /// Anything else (TOML syntax, custom messages), kept verbatim.
    Other(String),
}

/// Items quoted in backticks, in order.
fn backticked(s: &str) -> Vec<String> {
    s.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, x)| x.to_string())
        .collect()
}

/// Classify one of serde's standard de::Error messages.
pub(crate) fn classify(msg: &str) -> SerdeMessage {
    let msg = msg.trim();
    for (prefix, unknown_field) in [("unknown variant `", false), ("unknown field `", true)] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            if let Some(end) = rest.find('`') {
                let got = rest[..end].to_string();
                let expected = backticked(&rest[end + 1..]);
                return if unknown_field {
                    SerdeMessage::UnknownField(got, expected)
                } else {
                    SerdeMessage::UnknownVariant(got, expected)
                };
            }
        }
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        if let Some(end) = rest.find('`') {
            return SerdeMessage::MissingField(rest[..end].to_string());
        }
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            if let Some(i) = rest.rfind(", expected ") {
                let got = rest[..i].replace('`', "");
                let expected = rest[i + ", expected ".len()..].to_string();
                return SerdeMessage::Mismatch(got, expected);
            }
        }
    }
    SerdeMessage::Other(msg.to_string())
}

/// `"a", "b", "c"`.
pub(crate) fn quoted_list(items: &[impl AsRef<str>]) -> String {
    items
        .iter()
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Serde names Rust types (`u32`, `f64`); say what that means in a scenario file.
fn explain_type(expected: &str) -> String {
    let plain = match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "a boolean" | "bool" => return "a boolean (true or false)".into(),
        "a string" => return "a string".into(),
        "a sequence" => return "an array (e.g. [[tasks]] entries)".into(),
        _ => return expected.to_string(),
    };
    format!("{plain} ({expected})")
}

/// Uniform wording for a classified message. `MissingField` and `UnknownField` name
/// the key in the field path, so the message itself does not repeat it.
pub(crate) fn reword(m: &SerdeMessage) -> String {
    match m {
        SerdeMessage::UnknownVariant(got, expected) => {
            format!("expected one of {}, got \"{got}\"", quoted_list(expected))
        }
        SerdeMessage::UnknownField(_, expected) => {
            format!("unknown field; expected one of {}", quoted_list(expected))
        }
        SerdeMessage::MissingField(_) => "missing required field".to_string(),
        SerdeMessage::Mismatch(got, expected) => {
            format!("expected {}, got {got}", explain_type(expected))
        }
        SerdeMessage::Other(s) => one_line(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_serde_standard_messages() {
        assert_eq!(
            classify("unknown variant `up`, expected `high` or `low`"),
            SerdeMessage::UnknownVariant("up".into(), vec!["high".into(), "low".into()])
        );
        assert_eq!(
            classify("unknown field `layer`, expected one of `layers`, `d_model`"),
            SerdeMessage::UnknownField("layer".into(), vec!["layers".into(), "d_model".into()])
        );
        assert_eq!(
            classify("missing field `name`"),
            SerdeMessage::MissingField("name".into())
        );
        assert_eq!(
            classify("invalid value: integer `-5`, expected u32"),
            SerdeMessage::Mismatch("integer -5".into(), "u32".into())
        );
        assert_eq!(
            reword(&classify("invalid type: string \"x\", expected u32")),
            "expected a non-negative integer (u32), got string \"x\""
        );
        assert_eq!(
            reword(&classify("unknown variant `up`, expected `high` or `low`")),
            "expected one of \"high\", \"low\", got \"up\""
        );
    }

    #[test]
    fn display_is_one_line() {
        let e = ScenarioError::Invalid {
            file: "a.toml".into(),
            line: 3,
            column: 7,
            field: Some("strategies[1].direction".into()),
            message: "first\nsecond".into(),
        };
        assert_eq!(
            e.to_string(),
            "a.toml:3:7: field `strategies[1].direction`: first; second"
        );
    }
}
