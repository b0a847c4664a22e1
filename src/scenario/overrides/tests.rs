use super::*;

const TEXT: &str = r#"name = "t"
iterations = 2
samples_per_iteration = 10

[[tasks]]
name = "arith"
seed_size = 50   # small

[[strategies]]
name = "random"

[student]
epochs = 4
"#;

fn sets(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn key_paths_parse_with_indexes() {
    assert_eq!(
        parse_key("tasks[0].seed_size").unwrap(),
        vec![
            Seg::Key("tasks".into()),
            Seg::Index(0),
            Seg::Key("seed_size".into())
        ]
    );
    assert!(parse_key("tasks[x].a").is_err());
    assert!(parse_key("a..b").is_err());
    assert!(parse_override("student.epochs").is_err());
}

#[test]
fn overrides_change_values_and_keep_the_rest() {
    let s = parse_with_overrides(
        TEXT,
        "t.toml",
        &sets(&[
            "student.epochs=3",
            "tasks[0].seed_size=500",
            "teacher.few_shot=2",
            "tasks[0].name=logic",
        ]),
    )
    .unwrap();
    assert_eq!(s.student.epochs, 3);
    assert_eq!(s.tasks[0].seed_size, 500);
    assert_eq!(s.tasks[0].name, "logic");
    assert_eq!(s.teacher.few_shot, 2);
    assert_eq!(s.iterations, 2);
    // The last of two overrides of one key wins.
    let s = parse_with_overrides(
        TEXT,
        "t.toml",
        &sets(&["student.epochs=3", "student.epochs=5"]),
    )
    .unwrap();
    assert_eq!(s.student.epochs, 5);
}

#[test]
fn errors_name_the_override() {
    let e = parse_with_overrides(TEXT, "t.toml", &sets(&["student.epochs=many"])).unwrap_err();
    let m = e.to_string();
    assert!(
        m.starts_with("--set student.epochs=many: field `student.epochs`: expected"),
        "{m}"
    );
    let e = parse_with_overrides(TEXT, "t.toml", &sets(&["student.epoch=3"])).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("--set student.epoch=3: field `student.epoch`: unknown field"),
        "{e}"
    );
    let e = parse_with_overrides(TEXT, "t.toml", &sets(&["tasks[3].seed_size=1"])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--set tasks[3].seed_size=1: field `tasks`: has 1 element(s); index 3 is out of range"
    );
    let e = parse_with_overrides(TEXT, "t.toml", &sets(&["student.epochs=0"])).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("--set student.epochs=0: field `student.epochs`: must be at least 1"),
        "{e}"
    );
    let e = parse_with_overrides(TEXT, "t.toml", &sets(&["name.x=1"])).unwrap_err();
    assert!(e.to_string().contains("is not a table"), "{e}");
}

#[test]
fn file_errors_keep_their_line_and_mention_the_overrides() {
    let broken = TEXT.replace("epochs = 4", "epochs = -4");
    let e = parse_with_overrides(&broken, "t.toml", &sets(&["iterations=3"])).unwrap_err();
    let m = e.to_string();
    assert!(m.starts_with("t.toml:13:"), "{m}");
    assert!(m.ends_with("(with --set iterations=3)"), "{m}");
}

#[test]
fn check_echo_reads_the_resolved_value() {
    let s = parse_with_overrides(TEXT, "t.toml", &sets(&["student.epochs=3"]))
        .unwrap()
        .resolved();
    assert_eq!(resolved_value(&s, "student.epochs").as_deref(), Some("3"));
    assert_eq!(
        resolved_value(&s, "tasks[0].name").as_deref(),
        Some("\"arith\"")
    );
    assert_eq!(resolved_value(&s, "student.nothing"), None);
}

#[test]
fn student_only_overrides() {
    let spec = crate::scenario::StudentSpec::default();
    let s = apply_to_student(&spec, &sets(&["student.epochs=9"])).unwrap();
    assert_eq!(s.epochs, 9);
    assert_eq!(s.layers, spec.layers);
    let e = apply_to_student(&spec, &sets(&["iterations=3"])).unwrap_err();
    assert!(e.to_string().contains("only takes student.*"), "{e}");
    let e = apply_to_student(&spec, &sets(&["student.epochs=x"])).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("--set student.epochs=x: field `student.epochs`: expected"),
        "{e}"
    );
}
