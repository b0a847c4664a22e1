//! The cases of issue 15 ("`check` accepts what `run` cannot do", "`check` itself"), each
//! with its required outcome: refused before any work with exit 2, one line, the file,
//! line and field named. In-process through `check`'s entry point where possible; the
//! reading cases (FIFO, /dev/zero, oversized, invalid UTF-8) and the exit-code cases go
//! through the binary.

use activesynth::cli::{check, CliError};
use activesynth::scenario::feasibility::Limits;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_activesynth");

/// The audit ran `run` under a 4 GB limit on 2 cores.
const LIMITS: Limits = Limits {
    max_memory: 4e9,
    jobs: 2,
};

fn quick() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quick.toml"))
        .unwrap()
}

/// quick.toml with `line` inserted after the first line that starts with `after`.
fn with(after: &str, line: &str) -> String {
    let text = quick();
    let i = text
        .find(after)
        .unwrap_or_else(|| panic!("{after} in quick.toml"));
    let end = i + text[i..].find('\n').unwrap() + 1;
    format!("{}{line}\n{}", &text[..end], &text[end..])
}

/// quick.toml with `key = old` replaced by `key = new`.
fn set(key_old: &str, key_new: &str) -> String {
    let t = quick();
    assert!(t.contains(key_old), "{key_old}");
    t.replacen(key_old, key_new, 1)
}

fn refused(text: &str) -> String {
    match check::check_text(text, "case.toml", &[], &LIMITS) {
        Err(CliError::Usage(m)) => m,
        Err(e) => panic!("exit {}: {e}", e.exit_code()),
        Ok((_, est)) => panic!("accepted ({:.1} GB peak)", est.peak_bytes / 1e9),
    }
}

#[test]
fn issue_cases_are_refused_with_the_field_before_any_work() {
    let badge = "[[strategies]]\nname = \"badge\"\ndims = 4294967295";
    // (case, text, field, fragment of the message)
    let cases: Vec<(&str, String, &str, &str)> = vec![
        ("seed_size = 2^32-1", set("seed_size = 300", "seed_size = 4294967295"), "tasks[0].seed_size", "outside the documented range"),
        ("val_size = 2^32-1", set("val_size = 60", "val_size = 4294967295"), "tasks[0].val_size", "outside"),
        ("context = 2^32-1", with("[student]", "context = 4294967295"), "student.context", "outside"),
        ("seed_size = 1e8", set("seed_size = 300", "seed_size = 100000000"), "tasks[0].seed_size", "outside"),
        ("seed_size = 1e7", set("seed_size = 300", "seed_size = 10000000"), "tasks[0].seed_size", "outside"),
        ("d_model = 100000", set("d_model = 64", "d_model = 100000"), "student.d_model", "outside"),
        ("layers = 1e6", set("layers = 2", "layers = 1000000"), "student.layers", "outside"),
        ("d_ff = 4e9", set("d_ff = 256", "d_ff = 4000000000"), "student.d_ff", "outside"),
        ("replicates = 4e9", set("replicates = 2", "replicates = 4000000000"), "replicates", "outside"),
        ("badge dims = 2^32-1", with("name = \"incorrect\"", badge), "strategies[3].dims", "outside"),
        (
            "d_model 4096, d_ff 16384, layers 8 (6.4 GB)",
            set("layers = 2\nd_model = 64\nheads = 4\nd_ff = 256", "layers = 8\nd_model = 4096\nheads = 4\nd_ff = 16384"),
            "student.d_model",
            "exceeds the limit 4.0 GB",
        ),
        ("iterations = 4e9", set("iterations = 2", "iterations = 4000000000"), "iterations", "outside"),
        ("epochs = 4e9", set("epochs = 6", "epochs = 4000000000"), "student.epochs", "outside"),
        ("min_steps = 4e9", with("[student]", "min_steps = 4000000000"), "student.min_steps", "outside"),
        ("context = 1, max_new_tokens = 1", with("[student]", "context = 1\nmax_new_tokens = 1"), "student.context", "outside"),
        ("1 MB label (here: 100 characters)", with("name = \"random\"", &format!("label = \"{}\"", "x".repeat(100))), "strategies[0].label", "at most 64"),
        ("pretrain_learning_rate = 1e12", with("[student]", "pretrain_learning_rate = 1e12"), "student.pretrain_learning_rate", "outside"),
        ("weight_decay = 1e300", with("[student]", "weight_decay = 1e300"), "student.weight_decay", "outside"),
        (
            "temperature = 1e-320",
            with("name = \"incorrect\"", "[[strategies]]\nname = \"loss\"\nlabel = \"cold\"\nmode = \"softmax\"\ntemperature = 1e-320"),
            "strategies[3].temperature",
            "outside",
        ),
    ];
    for (case, text, field, fragment) in &cases {
        let t = Instant::now();
        let m = refused(text);
        assert!(t.elapsed() < Duration::from_secs(2), "{case}: slow");
        assert!(m.contains(&format!("field `{field}`")), "{case}: {m}");
        assert!(m.contains(fragment), "{case}: {m}");
        assert!(
            m.starts_with("case.toml:") && !m.contains('\n'),
            "{case}: {m}"
        );
        eprintln!("{case}: {m}");
    }
    // More distinct game24 puzzles than the world holds within reach: 1,362 solvable
    // multisets (tests/tasks_logic_game24.rs checks that count independently), at most
    // 90% of them drawable; compare's 1000 + 100 + 300 failed after 13 minutes of work.
    let game24 = quick()
        .replacen("name = \"arith\"", "name = \"game24\"", 1)
        .replacen("seed_size = 300", "seed_size = 1000", 1)
        .replacen("val_size = 60", "val_size = 100", 1)
        .replacen("test_size = 150", "test_size = 300", 1);
    let m = refused(&game24);
    assert!(m.contains("field `tasks[0].seed_size`"), "{m}");
    assert!(
        m.contains("1362 distinct questions") && m.contains("1400 exceeds 1225"),
        "{m}"
    );
    let fits = game24.replacen("seed_size = 1000", "seed_size = 825", 1);
    check::check_text(&fits, "case.toml", &[], &LIMITS).expect("1225 distinct puzzles fit");
    // With three solutions per puzzle, 2,475 data points need only 825 puzzles; 2,476
    // need 826, one too many.
    let several = game24
        .replacen("seed_size = 1000", "seed_size = 2475", 1)
        .replacen(
            "name = \"game24\"",
            "name = \"game24\"\nsolutions_per_question = 3",
            1,
        );
    check::check_text(&several, "case.toml", &[], &LIMITS).expect("825 puzzles fit");
    let m = refused(&several.replacen("seed_size = 2475", "seed_size = 2476", 1));
    assert!(
        m.contains("D0's questions") && m.contains("1226 exceeds 1225"),
        "{m}"
    );
    // And the unmodified scenario is accepted with an estimate.
    let (_, est) = check::check_text(&quick(), "quick.toml", &[], &LIMITS).unwrap();
    assert!(est.peak_bytes > 64e6 && est.peak_bytes < 2e9, "{est:?}");
    assert!(est.train_tokens > 1e6, "{est:?}");
}

#[test]
fn toml_errors_always_have_a_message_and_a_location() {
    for (case, text, line) in [
        (
            "control byte in a comment",
            "name = \"x\"\n# a \u{2} b\n",
            2,
        ),
        ("lone CR", "name = \"x\"\r[[tasks]]\n", 1),
        ("NUL", "name = \"x\"\n\0\n", 2),
        ("DEL in a string", "name = \"x\u{7f}\"\n", 1),
    ] {
        match check::check_text(text, "c.toml", &[], &LIMITS) {
            Err(CliError::Usage(m)) => {
                assert!(m.starts_with(&format!("c.toml:{line}:")), "{case}: {m}");
                assert!(
                    m.contains("TOML syntax error: unexpected character U+"),
                    "{case}: {m}"
                );
                eprintln!("{case}: {m}");
            }
            other => panic!("{case}: {other:?}"),
        }
    }
    let e = activesynth::scenario::decode_text(b"name = \"x\"\nseed = \xff1\n".to_vec(), "u.toml")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("u.toml:2:8: invalid UTF-8"), "{e}");
    assert!(e.contains("byte offset 18"), "{e}");
}

#[test]
fn entry_counts_are_bounded_and_validation_is_fast() {
    // 65 strategies: refused at the 65th header, before the TOML parser runs.
    let mut text = String::from("name = \"many\"\n[[tasks]]\nname = \"arith\"\n");
    for i in 0..65 {
        text.push_str(&format!(
            "[[strategies]]\nname = \"random\"\nlabel = \"r{i}\"\n"
        ));
    }
    let m = refused(&text);
    assert!(m.contains(":196:1: field `strategies[64]`"), "{m}");
    // 64 distinct strategies are fine and quick.
    let cut = text
        .find("[[strategies]]\nname = \"random\"\nlabel = \"r64\"")
        .unwrap();
    let t = Instant::now();
    check::check_text(&text[..cut], "many.toml", &[], &LIMITS).unwrap();
    assert!(t.elapsed() < Duration::from_secs(2));
}

fn activesynth(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args);
    c
}

/// Run with a deadline; a hang is a failure, not a stuck test.
fn output_within(mut c: Command, secs: u64) -> Output {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("still running after {secs} s: {c:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

fn one_error_line(o: &Output, code: i32, fragment: &str) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(fragment), "{stderr}");
    lines[0].to_string()
}

#[test]
fn unreadable_scenarios_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    // A FIFO would block a reader forever.
    let fifo = dir.path().join("fifo.toml");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success());
    if made.unwrap_or(false) {
        let o = output_within(activesynth(&["check", fifo.to_str().unwrap()]), 20);
        eprintln!("{}", one_error_line(&o, 2, "not a regular file"));
    }
    let o = output_within(activesynth(&["check", "/dev/zero"]), 20);
    eprintln!("{}", one_error_line(&o, 2, "not a regular file"));
    let o = output_within(activesynth(&["check", dir.path().to_str().unwrap()]), 20);
    one_error_line(&o, 2, "is a directory");
    // 10 MB (an array value): refused by size, without parsing.
    let big: PathBuf = dir.path().join("big.toml");
    let mut text = quick();
    text.push_str(&format!(
        "\n[output]\ndir = \"{}\"\n",
        "a".repeat(10_000_000)
    ));
    std::fs::write(&big, text).unwrap();
    let o = output_within(activesynth(&["check", big.to_str().unwrap()]), 20);
    eprintln!("{}", one_error_line(&o, 2, "at most 262144 bytes"));
}

#[test]
fn memory_limit_flag_refuses_and_check_prints_the_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.toml");
    std::fs::write(
        &p,
        set(
            "layers = 2\nd_model = 64\nheads = 4\nd_ff = 256",
            "layers = 8\nd_model = 4096\nheads = 4\nd_ff = 16384",
        ),
    )
    .unwrap();
    let o = output_within(
        activesynth(&["check", p.to_str().unwrap(), "--max-memory", "4G"]),
        30,
    );
    let l = one_error_line(&o, 2, "field `student.d_model`");
    assert!(
        l.contains(":33:1:") && l.contains("exceeds the limit 4.0 GB"),
        "{l}"
    );
    // `run` refuses the same way, before creating anything.
    let out = dir.path().join("out");
    let o = output_within(
        activesynth(&[
            "run",
            p.to_str().unwrap(),
            "--max-memory",
            "4G",
            "--out",
            out.to_str().unwrap(),
        ]),
        30,
    );
    one_error_line(&o, 2, "exceeds the limit");
    assert!(!out.exists(), "run created its output before refusing");
    let quick = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quick.toml");
    let o = output_within(
        activesynth(&["check", quick.to_str().unwrap(), "--jobs", "2"]),
        60,
    );
    assert_eq!(o.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let est: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("# estimate: "))
        .collect();
    assert_eq!(est.len(), 2, "{stdout}");
    assert!(
        est[0].contains("peak memory") && est[0].contains("training tokens"),
        "{stdout}"
    );
    assert!(
        est[1].contains("on this machine at the measured throughput"),
        "{stdout}"
    );
    let bad = output_within(
        activesynth(&["check", quick.to_str().unwrap(), "--max-memory", "lots"]),
        20,
    );
    one_error_line(&bad, 2, "--max-memory");
}

#[test]
fn exit_codes_are_0_1_2_only() {
    // A closed pipe ends quietly with 0 (was a panic, exit 101).
    let mut child = Command::new(BIN)
        .args([
            "tasks", "sample", "--task", "arith", "-n", "300", "--seed", "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 100];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // `select --k 0` is an error, not an empty success.
    let o = output_within(
        activesynth(&[
            "select",
            "--input",
            "x.h5",
            "--strategy",
            "random",
            "--k",
            "0",
        ]),
        20,
    );
    one_error_line(&o, 2, "--k must be at least 1");
}
