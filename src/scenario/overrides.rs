//! `--set KEY=VALUE` overrides on a scenario (`run`, `check`, `student fit`), so that a
//! variant is one flag instead of a copied and edited TOML file, as Hydra users expect:
//! `--set student.epochs=3 --set tasks[0].seed_size=500`.
//!
//! KEY is a dotted path with `[i]` indexes into arrays (the same spelling scenario errors
//! use for fields). VALUE is read as a TOML value (`3`, `0.5`, `true`, `"text"`,
//! `[1, 2]`); anything that is not valid TOML is taken as a bare string, so
//! `--set tasks[0].name=logic` works without shell-quoted quotes.
//!
//! Overrides are applied to the file's own syntax tree (`toml_edit`), so every line the
//! override does not touch keeps its number, and the edited text then goes through the
//! ordinary parse and validation. An error whose field an override wrote is reported
//! against the override (`--set student.epochs=x: field ...`); any other error keeps its
//! `FILE:LINE:COL` form, with the overrides in effect appended.

use super::{parse, Scenario, ScenarioError};
use std::fmt;
use std::path::Path;
use toml_edit::{DocumentMut, Item, Value};

/// One step of a key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A parsed `KEY=VALUE`.
#[derive(Clone, Debug)]
pub struct Override {
    /// The argument as given (what errors quote).
    pub raw: String,
    /// KEY as written, e.g. `tasks[0].seed_size`.
    pub key: String,
    pub path: Vec<Seg>,
    pub value: Value,
}

/// Why a scenario with overrides could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OverrideError {
    /// The file itself (or the file as edited by overrides that are not to blame).
    Scenario(ScenarioError),
    /// An override is malformed or leads to an invalid scenario.
    Override {
        /// The `--set` argument as given.
        set: String,
        /// The field concerned, where known.
        field: Option<String>,
        message: String,
    },
}

impl fmt::Display for OverrideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverrideError::Scenario(e) => write!(f, "{e}"),
            OverrideError::Override {
                set,
                field,
                message,
            } => {
                write!(f, "--set {set}: ")?;
                if let Some(field) = field {
                    write!(f, "field `{field}`: ")?;
                }
                write!(f, "{message}")
            }
        }
    }
}

impl std::error::Error for OverrideError {}

fn bad(set: &str, field: Option<&str>, message: impl Into<String>) -> OverrideError {
    OverrideError::Override {
        set: set.to_string(),
        field: field.map(str::to_string),
        message: message.into(),
    }
}

/// Parses `a.b[2].c` into segments.
pub fn parse_key(key: &str) -> Result<Vec<Seg>, String> {
    let mut out = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "KEY must be a dotted path like student.epochs or tasks[0].seed_size, got {key:?}"
            ));
        }
        out.push(Seg::Key(name.to_string()));
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .filter(|_| rest.starts_with('['))
                .ok_or_else(|| format!("malformed index in {key:?}"))?;
            let i: usize = rest[1..close]
                .parse()
                .map_err(|_| format!("index must be a non-negative integer in {key:?}"))?;
            out.push(Seg::Index(i));
            rest = &rest[close + 1..];
        }
    }
    Ok(out)
}

/// Parses one `KEY=VALUE` argument.
pub fn parse_override(raw: &str) -> Result<Override, OverrideError> {
    let (key, val) = raw
        .split_once('=')
        .ok_or_else(|| bad(raw, None, "expected KEY=VALUE, e.g. student.epochs=3"))?;
    let key = key.trim();
    let path = parse_key(key).map_err(|m| bad(raw, None, m))?;
    let val = val.trim();
    let value = match val.parse::<Value>() {
        Ok(v) => v,
        Err(_) => Value::from(val),
    };
    Ok(Override {
        raw: raw.to_string(),
        key: key.to_string(),
        path,
        value,
    })
}

/// Dotted spelling of the first `n` segments (for messages).
fn spell(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if s.is_empty() => s.push_str(k),
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Writes `o.value` at `o.path` in `doc`, creating missing tables on the way.
fn apply(doc: &mut DocumentMut, o: &Override) -> Result<(), OverrideError> {
    let mut item: &mut Item = doc.as_item_mut();
    for (n, seg) in o.path.iter().enumerate() {
        let here = spell(&o.path[..n]);
        let next = match seg {
            Seg::Key(k) => {
                let is_table = item.is_table_like() || item.is_none();
                if !is_table {
                    return Err(bad(
                        &o.raw,
                        Some(&here),
                        "is not a table, cannot hold a key",
                    ));
                }
                item.get_mut(k.as_str())
            }
            Seg::Index(i) => {
                let len = match &*item {
                    Item::ArrayOfTables(a) => Some(a.len()),
                    Item::Value(Value::Array(a)) => Some(a.len()),
                    _ => None,
                };
                match len {
                    None => {
                        return Err(bad(
                            &o.raw,
                            Some(&here),
                            "is not an array, cannot be indexed",
                        ))
                    }
                    Some(len) if *i >= len => {
                        return Err(bad(
                            &o.raw,
                            Some(&here),
                            format!("has {len} element(s); index {i} is out of range"),
                        ))
                    }
                    Some(_) => item.get_mut(*i),
                }
            }
        };
        item = next.ok_or_else(|| bad(&o.raw, Some(&spell(&o.path[..=n])), "cannot be set"))?;
    }
    // Keep the decoration (spacing, trailing comment) of a value being replaced.
    let mut value = o.value.clone();
    if let Item::Value(old) = &*item {
        *value.decor_mut() = old.decor().clone();
    }
    *item = Item::Value(value);
    Ok(())
}

/// True when an error about `field` is one the override `key` caused: the same path,
/// or one below or above it (setting `student` as a whole, or `student.epochs`).
fn concerns(key: &str, field: &str) -> bool {
    let below = |a: &str, b: &str| {
        a.len() > b.len() && a.starts_with(b) && matches!(a.as_bytes()[b.len()], b'.' | b'[')
    };
    key == field || below(field, key) || below(key, field)
}

/// Applies overrides to a scenario text and parses the result. `file` labels errors.
pub fn parse_with_overrides(
    text: &str,
    file: &str,
    sets: &[String],
) -> Result<Scenario, OverrideError> {
    if sets.is_empty() {
        return parse(text, file).map_err(OverrideError::Scenario);
    }
    let overrides: Vec<Override> = sets
        .iter()
        .map(|s| parse_override(s))
        .collect::<Result<_, _>>()?;
    let mut doc: DocumentMut = match text.parse() {
        Ok(d) => d,
        // Not TOML: the ordinary parse names the line.
        Err(_) => {
            return Err(match parse(text, file) {
                Err(e) => OverrideError::Scenario(e),
                Ok(_) => bad(&sets[0], None, "the scenario file cannot be edited as TOML"),
            })
        }
    };
    for o in &overrides {
        apply(&mut doc, o)?;
    }
    let edited = doc.to_string();
    parse(&edited, file).map_err(|e| {
        if let Some(field) = e.field() {
            // The last override wins, as it does when applying them.
            if let Some(o) = overrides.iter().rev().find(|o| concerns(&o.key, field)) {
                let message = match &e {
                    ScenarioError::Invalid { message, .. } => message.clone(),
                    ScenarioError::Read { reason, .. } => reason.clone(),
                };
                return bad(&o.raw, Some(field), super::error::one_line(&message));
            }
        }
        match e {
            ScenarioError::Invalid {
                file,
                line,
                column,
                field,
                message,
            } => OverrideError::Scenario(ScenarioError::Invalid {
                file,
                line,
                column,
                field,
                message: format!(
                    "{message} (with --set {})",
                    overrides
                        .iter()
                        .map(|o| o.raw.as_str())
                        .collect::<Vec<_>>()
                        .join(", --set ")
                ),
            }),
            other => OverrideError::Scenario(other),
        }
    })
}

/// Reads a scenario file and applies overrides.
pub fn load_with_overrides(path: &Path, sets: &[String]) -> Result<Scenario, OverrideError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        OverrideError::Scenario(ScenarioError::Read {
            file: file.clone(),
            reason: e.to_string(),
        })
    })?;
    parse_with_overrides(&text, &file, sets)
}

/// The value at `key` in the resolved scenario, as TOML (what `check` echoes), or `None`
/// when the path names nothing.
pub fn resolved_value(scn: &Scenario, key: &str) -> Option<String> {
    let path = parse_key(key).ok()?;
    let v = toml::Value::try_from(scn).ok()?;
    let mut cur = &v;
    for seg in &path {
        cur = match seg {
            Seg::Key(k) => cur.get(k.as_str())?,
            Seg::Index(i) => cur.get(*i)?,
        };
    }
    Some(match cur {
        toml::Value::Table(t) => format!("{{ {} }}", inline(t)),
        other => other.to_string(),
    })
}

fn inline(t: &toml::Table) -> String {
    t.iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Applies `student.*` overrides to a student section alone (for `student fit`, which
/// may run without a scenario file). Keys must start with `student.`.
pub fn apply_to_student(
    spec: &super::StudentSpec,
    sets: &[String],
) -> Result<super::StudentSpec, OverrideError> {
    if sets.is_empty() {
        return Ok(spec.clone());
    }
    let overrides: Vec<Override> = sets
        .iter()
        .map(|s| parse_override(s))
        .collect::<Result<_, _>>()?;
    let mut root = toml::Table::new();
    root.insert(
        "student".into(),
        toml::Value::try_from(spec).expect("a StudentSpec serializes"),
    );
    let mut doc: DocumentMut = toml::to_string(&root)
        .expect("a table serializes")
        .parse()
        .expect("serialized TOML parses");
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wrap {
        student: super::StudentSpec,
    }
    let mut out = spec.clone();
    // One at a time, so that an error names the override that caused it.
    for o in &overrides {
        if !matches!(o.path.first(), Some(Seg::Key(k)) if k == "student") || o.path.len() < 2 {
            return Err(bad(
                &o.raw,
                None,
                "student fit only takes student.* overrides (e.g. student.epochs=3); \
                 other sections belong to `run`",
            ));
        }
        apply(&mut doc, o)?;
        out = toml::from_str::<Wrap>(&doc.to_string())
            .map(|w| w.student)
            .map_err(|e| {
                let msg = super::error::reword(&super::error::classify(e.message()));
                bad(&o.raw, Some(&o.key), super::error::one_line(&msg))
            })?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
