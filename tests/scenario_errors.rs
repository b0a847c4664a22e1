//! Scenario files: malformed files give one located line (file, line, field, what was
//! expected) and exit code 2 without a panic; the shipped scenarios validate; the
//! reference file is exactly the defaults; resolution round-trips through TOML.

use activesynth::scenario::{self, Scenario, ScenarioError, StrategySpec, STRATEGY_NAMES};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/bad_scenarios")
        .join(name)
}

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// (file, expected line, expected field path, fragments the message must contain).
/// Line numbers were written by hand from the files, not taken from the code's output.
const CASES: &[(&str, usize, &str, &[&str])] = &[
    (
        "wrong_type.toml",
        3,
        "replicates",
        &["non-negative integer", "three"],
    ),
    (
        "unknown_field.toml",
        11,
        "student.d_modle",
        &["unknown field", "\"d_model\""],
    ),
    (
        "missing_section.toml",
        1,
        "tasks",
        &["missing required field"],
    ),
    (
        "missing_required_field.toml",
        9,
        "strategies[1].name",
        &["missing required field"],
    ),
    (
        "negative_size.toml",
        5,
        "tasks[0].seed_size",
        &["non-negative integer", "-5"],
    ),
    (
        "m_exceeds_seed_set.toml",
        2,
        "samples_per_iteration",
        &["m = 500", "seed_size = 300"],
    ),
    (
        "task_m_exceeds_seed_set.toml",
        11,
        "tasks[1].samples_per_iteration",
        &["m = 2000", "seed_size = 1000", "mathmix"],
    ),
    (
        "replay_exceeds_pretrain.toml",
        11,
        "student.replay_examples",
        &["replay_examples = 500", "pretrain_examples = 200"],
    ),
    (
        "zero_replicates.toml",
        3,
        "replicates",
        &["at least 1", "got 0"],
    ),
    (
        "unknown_strategy.toml",
        10,
        "strategies[1].name",
        &["\"entropy\"", "\"judge-hard\"", "\"evokd\""],
    ),
    (
        "parameter_not_applicable.toml",
        8,
        "strategies[0].target",
        &["does not apply", "\"random\"", "\"loss\""],
    ),
    (
        "probability_out_of_range.toml",
        11,
        "teacher.failure_rate",
        &["[0, 1]", "1.5"],
    ),
    (
        "heads_not_dividing.toml",
        11,
        "student.heads",
        &["must divide", "d_model = 64"],
    ),
    (
        "duplicate_labels.toml",
        12,
        "strategies[2]",
        &[
            "duplicate strategy label",
            "\"loss-own-high\"",
            "strategies[0]",
        ],
    ),
    ("syntax_error.toml", 2, "iterations", &["TOML syntax error"]),
    (
        "bad_direction.toml",
        11,
        "strategies[1].direction",
        &["expected one of \"high\", \"low\", got \"up\""],
    ),
    (
        "dedup_threshold.toml",
        10,
        "dedup.threshold",
        &["(0, 1]", "got 0"],
    ),
    (
        "teacher_kind.toml",
        10,
        "teacher.kind",
        &["\"gpt-4\"", "only the built-in oracle"],
    ),
    (
        "zero_batch_size.toml",
        10,
        "student.batch_size",
        &["at least 1"],
    ),
    (
        "duplicate_task.toml",
        7,
        "tasks[1].name",
        &["duplicate task \"arith\""],
    ),
    (
        "temperature_without_softmax.toml",
        9,
        "strategies[0].temperature",
        &["mode = \"softmax\""],
    ),
    (
        "other_targets_not_game24.toml",
        9,
        "tasks[1].pretrain_corpus",
        &["\"other-targets\"", "\"logic\" has none"],
    ),
    (
        "rewrite_share_without_other_targets.toml",
        6,
        "tasks[0].pretrain_rewrite_share",
        &["\"other-targets\""],
    ),
    (
        "solutions_per_question_not_game24.toml",
        5,
        "tasks[0].solutions_per_question",
        &["\"arith\" has one answer per question", "game24"],
    ),
    (
        "no_strategies.toml",
        2,
        "strategies",
        &["at least one strategy", "\"random\""],
    ),
];

#[test]
fn every_bad_file_has_a_case_and_there_are_at_least_ten() {
    let mut on_disk: Vec<String> = std::fs::read_dir(data(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let mut cased: Vec<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    cased.sort();
    assert_eq!(on_disk, cased);
    assert!(CASES.len() >= 10);
}

#[test]
fn bad_scenarios_give_one_located_line() {
    for &(file, line, field, fragments) in CASES {
        let path = data(file);
        let err = scenario::load(&path).expect_err(file);
        let msg = err.to_string();
        assert!(!msg.contains('\n'), "{file}: not one line: {msg}");
        let prefix = format!("{}:{line}:", path.display());
        assert!(
            msg.starts_with(&prefix),
            "{file}: expected prefix {prefix}, got {msg}"
        );
        assert!(
            msg.contains(&format!("field `{field}`")),
            "{file}: field {field} missing in {msg}"
        );
        assert_eq!(err.line(), Some(line), "{file}");
        assert_eq!(err.field(), Some(field), "{file}");
        for frag in fragments {
            assert!(msg.contains(frag), "{file}: {frag:?} missing in {msg}");
        }
    }
}

#[test]
fn column_points_at_the_offending_value_or_key() {
    // bad_direction.toml line 11 is `direction = "up"`: serde reports the value (col 13).
    let err = scenario::load(&data("bad_direction.toml")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(":11:13: "), "{msg}");
    // unknown_field.toml line 11 is `d_modle = 64`: the key itself (col 1).
    let msg = scenario::load(&data("unknown_field.toml"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains(":11:1: "), "{msg}");
}

#[test]
fn missing_file_is_a_read_error_naming_the_file() {
    let err = scenario::load(Path::new("/nonexistent/x.toml")).unwrap_err();
    assert!(matches!(err, ScenarioError::Read { .. }));
    assert!(err
        .to_string()
        .starts_with("/nonexistent/x.toml: cannot read scenario"));
}

fn run_check(path: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_activesynth"))
        .arg("check")
        .arg(path)
        .output()
        .expect("binary runs")
}

#[test]
fn binary_exits_2_with_one_line_and_no_panic() {
    for file in [
        "wrong_type.toml",
        "syntax_error.toml",
        "missing_section.toml",
        "m_exceeds_seed_set.toml",
        "bad_direction.toml",
    ] {
        let path = data(file);
        let out = run_check(&path);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(stderr.contains(&format!("{}:", path.display())), "{stderr}");
        assert!(out.stdout.is_empty(), "{file}: nothing on stdout");
    }
    let out = run_check(Path::new("/nonexistent/x.toml"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn binary_prints_the_resolved_scenario() {
    let out = run_check(&shipped("quick.toml"));
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    // Defaults the file does not write appear, filled in.
    assert!(text.contains("label = \"loss-own-high\""), "{text}");
    assert!(text.contains("dir = \"runs/quick\""), "{text}");
    assert!(text.contains("learning_rate = 0.003"), "{text}");
    assert!(text.contains("verify_synthetic = false"), "{text}");
    let reparsed = scenario::parse(&text, "stdout").unwrap();
    let quick = scenario::load(&shipped("quick.toml")).unwrap();
    assert_eq!(reparsed, quick.resolved());
}

/// The minimal file with the same required entries as reference.toml.
const MINIMAL: &str = r#"
name = "reference"
[[tasks]]
name = "arith"
[[strategies]]
name = "random"
[[strategies]]
name = "loss"
[[strategies]]
name = "reward"
[[strategies]]
name = "judge-hard"
[[strategies]]
name = "lion"
[[strategies]]
name = "badge"
[[strategies]]
name = "incorrect"
[[strategies]]
name = "evokd"
"#;

#[test]
fn reference_toml_is_the_defaults() {
    let reference = scenario::load(&shipped("reference.toml")).unwrap();
    let minimal = scenario::parse(MINIMAL, "minimal.toml").unwrap();
    assert_eq!(reference.resolved(), minimal.resolved());
    // It lists every strategy.
    let names: Vec<&str> = reference
        .strategies
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, STRATEGY_NAMES);
    // Spot-check documented defaults against the paper's settings (section 5.2).
    let m = minimal.resolved();
    assert_eq!(
        (m.seed, m.replicates, m.iterations, m.samples_per_iteration),
        (1, 3, 3, 100)
    );
    assert_eq!(m.student.batch_size, 24);
    assert_eq!(m.student.grad_clip, 2.0);
    assert_eq!(m.student.warmup_fraction, 0.15);
    assert_eq!(m.teacher.few_shot, 5);
    assert_eq!(m.dedup.threshold, 0.7);
    assert_eq!(m.judge.hard_margin, 1.0);
    assert_eq!(m.tasks[0].dedup, Some(true));
    assert_eq!(m.tasks[0].verify_synthetic, Some(false));
}

#[test]
fn shipped_scenarios_validate() {
    let quick = scenario::load(&shipped("quick.toml")).unwrap();
    assert_eq!(quick.tasks.len(), 1);
    assert_eq!(quick.replicates, 2);
    let labels: Vec<String> = quick
        .strategies
        .iter()
        .map(StrategySpec::resolved_label)
        .collect();
    assert_eq!(labels, ["random", "loss-own-high", "incorrect"]);
    let compare = scenario::load(&shipped("compare.toml")).unwrap();
    assert_eq!((compare.replicates, compare.iterations), (5, 3));
    assert_eq!(compare.tasks[0].name, "arith");
    let mut names: Vec<&str> = compare.strategies.iter().map(|s| s.name.as_str()).collect();
    names.dedup();
    assert_eq!(names, STRATEGY_NAMES);
}

#[test]
fn game24_defaults_differ() {
    let text = "name = \"g\"\n[[tasks]]\nname = \"game24\"\n[[strategies]]\nname = \"random\"\n";
    let r = scenario::parse(text, "g.toml").unwrap().resolved();
    assert_eq!(r.tasks[0].verify_synthetic, Some(true));
    assert_eq!(r.tasks[0].dedup, Some(false));
}

fn strategy() -> impl Strategy<Value = StrategySpec> {
    (0usize..8, 0u8..3, 0u8..3, 0u8..3, 0u8..3, 1u32..64).prop_map(|(i, t, d, m, temp, k)| {
        let name = STRATEGY_NAMES[i];
        let mut s = StrategySpec::named(name);
        use activesynth::scenario::{Direction, LossTarget, SelectMode};
        if name == "loss" {
            s.target = [None, Some(LossTarget::Own), Some(LossTarget::Gt)][t as usize];
        }
        if name == "loss" || name == "reward" {
            s.direction = [None, Some(Direction::High), Some(Direction::Low)][d as usize];
            s.mode = [None, Some(SelectMode::Argmax), Some(SelectMode::Softmax)][m as usize];
            if s.mode == Some(SelectMode::Softmax) {
                s.temperature = [None, Some(0.5), Some(2.0)][temp as usize];
            }
        }
        if name == "badge" && k % 2 == 0 {
            s.dims = Some(k);
        }
        s
    })
}

fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    (
        proptest::collection::vec(strategy(), 1..6),
        proptest::sample::subsequence(vec!["arith", "mathmix", "logic", "game24"], 1..4),
        1u32..5,
        1u32..50,
    )
        .prop_map(|(mut strategies, tasks, reps, m)| {
            // Distinct labels: drop later duplicates.
            let mut seen = Vec::new();
            strategies.retain(|s| {
                let l = s.resolved_label();
                let fresh = !seen.contains(&l);
                seen.push(l);
                fresh
            });
            let body: String = tasks
                .iter()
                .map(|t| format!("[[tasks]]\nname = \"{t}\"\nseed_size = 60\n"))
                .collect();
            let text = format!("name = \"p\"\nreplicates = {reps}\nsamples_per_iteration = {m}\n{body}[[strategies]]\nname = \"random\"\nlabel = \"base\"\n");
            let mut s = scenario::parse(&text, "p.toml").unwrap();
            s.strategies.extend(strategies);
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Serializing any valid scenario and parsing it back gives the same scenario, and
    /// resolving is idempotent and survives the round trip.
    #[test]
    fn toml_round_trip_and_resolution_idempotent(s in scenario_strategy()) {
        let back = scenario::parse(&s.to_toml(), "rt.toml").unwrap();
        prop_assert_eq!(&back, &s);
        let r = s.resolved();
        prop_assert_eq!(r.resolved(), r.clone());
        let r_back = scenario::parse(&r.to_toml(), "rt.toml").unwrap();
        prop_assert_eq!(r_back, r);
    }

    /// An unknown key inserted under any table header is reported on exactly the line it
    /// was inserted, with the field path of that table.
    #[test]
    fn unknown_key_is_located_on_its_line(s in scenario_strategy(), pick in 0usize..64) {
        let text = s.resolved().to_toml();
        let lines: Vec<&str> = text.lines().collect();
        let headers: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].starts_with('[')).collect();
        let h = headers[pick % headers.len()];
        let header = lines[h];
        // Expected path from the header: `[student]` -> student, `[[tasks]]` -> tasks[i].
        let expected_table = if let Some(name) = header.strip_prefix("[[").and_then(|x| x.strip_suffix("]]")) {
            let idx = lines[..h].iter().filter(|l| **l == header).count();
            format!("{name}[{idx}]")
        } else {
            header.trim_matches(|c| c == '[' || c == ']').to_string()
        };
        let mut out: Vec<&str> = lines.clone();
        out.insert(h + 1, "zz_unknown = 1");
        let bad = out.join("\n");
        let err = scenario::parse(&bad, "inj.toml").unwrap_err();
        prop_assert_eq!(err.line(), Some(h + 2), "{}", err);
        let expected_field = format!("{expected_table}.zz_unknown");
        prop_assert_eq!(err.field(), Some(expected_field.as_str()), "{}", err);
    }
}

#[test]
fn inline_tables_and_dotted_keys_are_located_too() {
    let text = "name = \"x\"\ntasks = [{ name = \"arith\" }]\nstrategies = [\n  { name = \"random\" },\n  { name = \"reward\", direction = \"up\" },\n]\n";
    let err = scenario::parse(text, "inline.toml").unwrap_err();
    assert_eq!(err.line(), Some(5), "{err}");
    assert_eq!(err.field(), Some("strategies[1].direction"), "{err}");
    let text = "name = \"x\"\nstudent.d_model = 64\nstudent.heads = 6\n[[tasks]]\nname = \"arith\"\n[[strategies]]\nname = \"random\"\n";
    let err = scenario::parse(text, "dotted.toml").unwrap_err();
    assert_eq!(err.line(), Some(3), "{err}");
    assert_eq!(err.field(), Some("student.heads"), "{err}");
    assert!(err.to_string().starts_with("dotted.toml:3:"), "{err}");
}
