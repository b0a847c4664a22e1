//! The module graph (docs/architecture.md §4): data flows one way, scenario → runs →
//! records → statistics → outputs, so no module of `src/` imports a module of a higher
//! layer, and no two submodules of a module import each other (directly or round a
//! cycle). This test reads every `crate::`, `super::` and `self::` path in `src/` (in `use`
//! declarations and inline paths alike, comments left out) and fails on an import that
//! goes upward or closes a cycle, unless it is on the commented allow-lists below — which
//! must only ever shrink: an entry that is no longer needed fails the test too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules, bottom layer first. A module may import only from strictly
/// lower layers; modules of one layer are independent of each other.
const LAYERS: &[&[&str]] = &[
    // Foundations: named random streams, atomic file writes.
    &["rng", "atomic"],
    // The closed-vocabulary tokenizer, ROUGE-L.
    &["text"],
    // The task worlds and their verifiers.
    &["tasks"],
    // The selection strategies and their registry (name, parameters, needs, selector),
    // which the scenario's validation and defaults look strategies up in.
    &["selection"],
    // The scenario schema: the input every later layer is configured by.
    &["scenario"],
    // The components of the loop, independent of each other.
    &["student", "scoring", "teacher"],
    // Algorithm 1 over component traits, worlds, records, progress, the resume store.
    &["engine"],
    // actix actors: thin adapters owning the components' state and threads.
    &["actors"],
    // Executing a scenario: every run on its actors, records in a fixed order.
    &["runner"],
    // Statistics on the records.
    &["stats"],
    // results.h5, curves.csv, the HDF5 layer, plots.
    &["output"],
    // The report (analyses, tests, tables, figures).
    &["report"],
    // The command line.
    &["cli"],
];

/// Known upward imports between top-level modules, (from, to), each with the reason it
/// is still there. Empty is the goal.
const ALLOWED_UPWARD: &[(&str, &str)] = &[];

/// Known import cycles between sibling submodules, as the sorted set of the cycle's
/// members (`module/submodule`). Empty is the goal.
const ALLOWED_CYCLES: &[&[&str]] = &[];

/// One `crate::`/`super::`/`self::` path of a file, resolved to an absolute module path.
#[derive(Debug)]
struct Import {
    file: String,
    line: usize,
    from: Vec<String>,
    to: Vec<String>,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `src/a/b.rs` → [a, b]; `src/a/mod.rs` → [a]; `src/a.rs` → [a].
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Blank out comments (line and block) and the contents of string and char literals,
/// keeping line numbers. Raw strings are treated as plain strings (good enough here).
fn strip(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == '/' && b.get(i + 1) == Some(&'/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && b.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if b[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                if b.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && b.get(i + 2) == Some(&'\'') {
            // 'x' (a lifetime 'a has no closing quote two chars on).
            out.push_str("' '");
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Parse a path tail after `crate::` (or `super::`…) at `i`: idents joined by `::`,
/// possibly ending in a `{…}` group, expanded into full relative paths.
fn parse_tail(b: &[char], mut i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    loop {
        while i < b.len() && b[i].is_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == '{' {
            i += 1;
            loop {
                while i < b.len() && (b[i].is_whitespace() || b[i] == ',') {
                    i += 1;
                }
                if i >= b.len() || b[i] == '}' {
                    return;
                }
                parse_tail(b, i, path.clone(), out);
                // Skip this item (to the next top-level comma or the closing brace).
                let mut depth = 0;
                while i < b.len() {
                    match b[i] {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => break,
                        _ => {}
                    }
                    i += 1;
                }
            }
        }
        let s = i;
        while i < b.len() && is_ident(b[i]) {
            i += 1;
        }
        if s == i {
            // `*`, `self` handled as a word, or the end: the path so far.
            out.push(path);
            return;
        }
        let word: String = b[s..i].iter().collect();
        if word != "self" {
            path.push(word);
        }
        if b.get(i) == Some(&':') && b.get(i + 1) == Some(&':') {
            i += 2;
        } else {
            out.push(path);
            return;
        }
    }
}

/// Every absolute module path a file refers to, with its line.
fn imports_of(file: &str, text: &str, module: &[String]) -> Vec<Import> {
    let text = strip(text);
    let b: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < b.len() {
        if b[i] == '\n' {
            line += 1;
        }
        let boundary = i == 0 || !(is_ident(b[i - 1]) || b[i - 1] == '$' || b[i - 1] == ':');
        if !boundary || !b[i].is_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        let mut base: Option<Vec<String>> = None;
        for (kw, resolve) in [("crate::", 0usize), ("super::", 1), ("self::", 2)] {
            let k: Vec<char> = kw.chars().collect();
            if b[i..].starts_with(&k) {
                i += k.len();
                base = Some(match resolve {
                    0 => Vec::new(),
                    1 => {
                        let mut m = module.to_vec();
                        m.pop();
                        while b[i..].starts_with(&k) {
                            m.pop();
                            i += k.len();
                        }
                        m
                    }
                    _ => module.to_vec(),
                });
                break;
            }
        }
        match base {
            Some(base) => {
                let mut paths = Vec::new();
                parse_tail(&b, i, base, &mut paths);
                for to in paths {
                    found.push(Import {
                        file: file.to_string(),
                        line,
                        from: module.to_vec(),
                        to,
                    });
                }
            }
            None => {
                while i < b.len() && is_ident(b[i]) {
                    i += 1;
                }
            }
        }
        if i == start {
            i += 1;
        }
    }
    found
}

struct Crate {
    imports: Vec<Import>,
    /// Every module that is a file (`a`, `a/b`, …).
    modules: BTreeSet<Vec<String>>,
}

fn read_crate() -> Crate {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut imports = Vec::new();
    let mut modules = BTreeSet::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let module = module_of(rel);
        if module == ["lib"] || module == ["main"] {
            continue;
        }
        modules.insert(module.clone());
        let text = std::fs::read_to_string(f).unwrap();
        imports.extend(imports_of(&rel.display().to_string(), &text, &module));
    }
    Crate { imports, modules }
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

#[test]
fn every_top_level_module_has_a_layer() {
    let c = read_crate();
    let tops: BTreeSet<&str> = c.modules.iter().map(|m| m[0].as_str()).collect();
    let missing: Vec<&&str> = tops.iter().filter(|t| layer_of(t).is_none()).collect();
    assert!(
        missing.is_empty(),
        "modules without a layer in tests/module_graph.rs: {missing:?}"
    );
    let stale: Vec<&&str> = LAYERS
        .iter()
        .flat_map(|l| l.iter())
        .filter(|m| !tops.contains(**m))
        .collect();
    assert!(stale.is_empty(), "layers name missing modules: {stale:?}");
}

#[test]
fn no_module_imports_a_higher_layer() {
    let c = read_crate();
    let tops: BTreeSet<&str> = c.modules.iter().map(|m| m[0].as_str()).collect();
    let mut upward: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for imp in &c.imports {
        let (Some(from), Some(to)) = (imp.from.first(), imp.to.first()) else {
            continue;
        };
        if from == to || !tops.contains(to.as_str()) {
            continue;
        }
        let (lf, lt) = (layer_of(from).unwrap(), layer_of(to).unwrap());
        if lt >= lf {
            upward
                .entry((from.clone(), to.clone()))
                .or_default()
                .push(format!("{}:{} {}", imp.file, imp.line, imp.to.join("::")));
        }
    }
    let allowed: BTreeSet<(String, String)> = ALLOWED_UPWARD
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let new: Vec<String> = upward
        .iter()
        .filter(|(k, _)| !allowed.contains(*k))
        .map(|((a, b), at)| {
            format!(
                "{a} -> {b} (layer {} -> {}): {at:?}",
                layer_of(a).unwrap(),
                layer_of(b).unwrap()
            )
        })
        .collect();
    assert!(
        new.is_empty(),
        "upward imports (a module may only import from a lower layer; see LAYERS):\n{}",
        new.join("\n")
    );
    let stale: Vec<&(String, String)> = allowed
        .iter()
        .filter(|k| !upward.contains_key(*k))
        .collect();
    assert!(
        stale.is_empty(),
        "allow-listed upward imports that no longer exist (remove them): {stale:?}"
    );
}

/// Strongly connected components with more than one member (Tarjan).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct St<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        on: BTreeSet<String>,
        out: Vec<Vec<String>>,
    }
    fn visit(s: &mut St, v: &str) {
        let n = s.index.len();
        s.index.insert(v.to_string(), n);
        s.low.insert(v.to_string(), n);
        s.stack.push(v.to_string());
        s.on.insert(v.to_string());
        let next: Vec<String> = s.edges.get(v).into_iter().flatten().cloned().collect();
        for w in next {
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let lw = s.low[&w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(&w) {
                let iw = s.index[&w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                s.on.remove(&w);
                let done = w == v;
                comp.push(w);
                if done {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = St {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}

/// Edges between sibling submodules (`a/b` → `a/c`) of a crate.
fn sibling_edges(c: &Crate) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for imp in &c.imports {
        if imp.from.len() < 2 || imp.to.len() < 2 || imp.from[0] != imp.to[0] {
            continue;
        }
        let target = imp.to[..2].to_vec();
        if imp.from[1] == imp.to[1] || !c.modules.contains(&target) {
            continue;
        }
        edges
            .entry(imp.from[..2].join("/"))
            .or_default()
            .insert(target.join("/"));
    }
    edges
}

#[test]
fn no_submodules_import_each_other_round_a_cycle() {
    let c = read_crate();
    let found = cycles(&sibling_edges(&c));
    let allowed: Vec<Vec<String>> = ALLOWED_CYCLES
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect();
    let new: Vec<&Vec<String>> = found.iter().filter(|c| !allowed.contains(c)).collect();
    assert!(
        new.is_empty(),
        "submodules that import each other (move what they share into one of them or a \
         lower sibling): {new:?}"
    );
    let stale: Vec<&Vec<String>> = allowed.iter().filter(|c| !found.contains(c)).collect();
    assert!(
        stale.is_empty(),
        "allow-listed cycles that no longer exist (remove them): {stale:?}"
    );
}

/// The reader itself: groups, `super::`, `self::`, comments and strings.
#[test]
fn the_import_reader_sees_groups_super_and_skips_comments_and_strings() {
    let text = r#"
use crate::{engine::records::{RunKey, RunRecord}, rng};
use super::sibling::Thing;
// use crate::commented::Out;
/* use crate::blocked::Out; */
fn f() -> crate::text::Tokenizer { let s = "crate::quoted::Out"; self::local(); todo!() }
pub(crate) fn g() {}
use super::super::other;
"#;
    let module = vec!["report".to_string(), "sections".to_string(), "inner".into()];
    let got: Vec<(usize, String)> = imports_of("x.rs", text, &module)
        .into_iter()
        .map(|i| (i.line, i.to.join("::")))
        .collect();
    let want: Vec<(usize, String)> = vec![
        (2, "engine::records::RunKey".into()),
        (2, "engine::records::RunRecord".into()),
        (2, "rng".into()),
        (3, "report::sections::sibling::Thing".into()),
        (6, "text::Tokenizer".into()),
        (6, "report::sections::inner::local".into()),
        (8, "report::other".into()),
    ];
    assert_eq!(got, want);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in [
        ("m/a", "m/b"),
        ("m/b", "m/c"),
        ("m/c", "m/a"),
        ("m/d", "m/a"),
    ] {
        edges.entry(a.into()).or_default().insert(b.into());
    }
    assert_eq!(cycles(&edges), vec![vec!["m/a", "m/b", "m/c"]]);
}
