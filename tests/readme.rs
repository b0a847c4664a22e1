//! The README's `tasks sample` example is real output: the command it shows is run and
//! every line the README prints (its elision line aside) must appear in the tool's
//! output, in order; the token-count lines are compared exactly. When the prompts, the
//! tokenizer or the generator change, this fails until the README is updated.

use std::process::Command;

/// The README's fenced block that starts with `$ activesynth tasks sample`.
fn example_block(readme: &str) -> (String, Vec<String>) {
    let start = readme
        .find("$ activesynth tasks sample")
        .expect("README shows a `tasks sample` example");
    let rest = &readme[start..];
    let end = rest.find("```").expect("the example block is closed");
    let mut lines = rest[..end].lines();
    let command = lines.next().unwrap().trim_start_matches("$ ").to_string();
    (command, lines.map(str::to_string).collect())
}

#[test]
fn readme_tasks_sample_example_matches_the_tool() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README.md");
    let (command, shown) = example_block(&readme);
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    assert_eq!(args[..2], ["tasks", "sample"], "{command}");
    let out = Command::new(env!("CARGO_BIN_EXE_activesynth"))
        .args(&args)
        .output()
        .expect("run activesynth");
    assert!(
        out.status.success(),
        "{command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let actual = String::from_utf8(out.stdout).unwrap();
    let actual_lines: Vec<&str> = actual.lines().collect();

    // Token counts: exactly the tool's lines.
    let tokens = |lines: &mut dyn Iterator<Item = &str>| -> Vec<String> {
        lines
            .filter(|l| l.starts_with("tokens "))
            .map(str::to_string)
            .collect()
    };
    let readme_tokens = tokens(&mut shown.iter().map(String::as_str));
    assert!(
        !readme_tokens.is_empty(),
        "README example shows token counts"
    );
    assert_eq!(
        readme_tokens,
        tokens(&mut actual_lines.iter().copied()),
        "README token counts differ from `{command}`"
    );

    // Every other shown line appears in the output, in order.
    let mut pos = 0;
    for l in shown.iter().filter(|l| !l.starts_with("... (")) {
        match actual_lines[pos..].iter().position(|a| a == l) {
            Some(i) => pos += i + 1,
            None => panic!(
                "README line {l:?} is not in the output of `{command}` (in order):\n{actual}"
            ),
        }
    }
}
