//! Fuzz test (issue 15, Build 6): mutate the shipped scenarios and feed every mutant to
//! `check`'s in-process entry point (`cli::check::check_text`, after the same byte
//! decoding `read_text` does). Each must be accepted or refused as a usage error (exit 2)
//! with ONE non-empty line naming the file — never a panic, never exit 1 — within a time
//! bound per case; accepted mutants must fit the memory limit the test sets; and the
//! process's peak memory stays bounded (nothing allocates what a value asks for).
//!
//! The mutations are deterministic (a fixed xorshift stream), so a failure reproduces:
//! the message prints the case number, the mutation and the text.

use activesynth::cli::{check, CliError};
use activesynth::scenario::feasibility::Limits;
use std::path::Path;
use std::time::{Duration, Instant};

/// Mutants per shipped scenario and per mutation round.
const ROUNDS: usize = 3000;
/// No single case may take longer (debug-free test profile; typical: well under 10 ms).
const CASE_LIMIT: Duration = Duration::from_secs(2);

/// Values that broke `check` or `run` in the audit of issue 15, and their neighbours.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "16",
    "65535",
    "65536",
    "4294967295",
    "4294967296",
    "100000000",
    "10000000",
    "18446744073709551615",
    "1e12",
    "1e300",
    "-1e300",
    "1e-320",
    "1e-310",
    "0.0",
    "0.5",
    "nan",
    "inf",
    "-inf",
    "\"x\"",
    "\"\"",
    "true",
    "[]",
    "{}",
    "[1, 2]",
];

/// Bytes and fragments that broke the TOML reader's messages.
const FRAGMENTS: &[&[u8]] = &[
    b"\0",
    b"\r",
    b"\x01",
    b"\x7f",
    b"\xff",
    b"\xc3",
    b"\"",
    b"[",
    b"]",
    b"=",
    b"\n",
    b"[[strategies]]\nname = \"random\"\n",
    b"[student]\n",
    b"# \x02 comment\n",
    b"[[tasks]]\nname = \"logic\"\n",
    b"label = \"",
    b"\t",
    b"\xe2\x82",
];

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One mutation of `text`; returns the mutant and a description.
fn mutate(text: &[u8], rng: &mut XorShift) -> (Vec<u8>, String) {
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    let pick = rng.below(lines.len().max(1));
    let join = |ls: Vec<&[u8]>| ls.join(&b'\n');
    match rng.below(7) {
        // A value replaced: `key = <interesting value>`.
        0 | 1 => {
            let keyed: Vec<usize> = (0..lines.len())
                .filter(|&i| {
                    let l = lines[i];
                    l.contains(&b'=') && !l.starts_with(b"#")
                })
                .collect();
            if keyed.is_empty() {
                return (text.to_vec(), "unchanged".into());
            }
            let i = keyed[rng.below(keyed.len())];
            let l = lines[i];
            let eq = l.iter().position(|b| *b == b'=').unwrap();
            let v = VALUES[rng.below(VALUES.len())];
            let mut nl = l[..=eq].to_vec();
            nl.push(b' ');
            nl.extend_from_slice(v.as_bytes());
            let mut ls = lines.clone();
            ls[i] = &nl;
            let desc = format!(
                "line {}: {} = {v}",
                i + 1,
                String::from_utf8_lossy(&l[..eq]).trim()
            );
            (join(ls), desc)
        }
        // A known key with an interesting value added to a section.
        2 => {
            let keys = [
                "seed_size",
                "val_size",
                "context",
                "d_model",
                "layers",
                "d_ff",
                "heads",
                "iterations",
                "epochs",
                "min_steps",
                "replicates",
                "dims",
                "temperature",
                "learning_rate",
                "pretrain_learning_rate",
                "weight_decay",
                "max_new_tokens",
                "label",
                "batch_size",
                "samples_per_iteration",
                "pretrain_examples",
                "pretrain_max_difficulty",
                "lora_rank",
            ];
            let k = keys[rng.below(keys.len())];
            let v = VALUES[rng.below(VALUES.len())];
            let ins = format!("{k} = {v}");
            let mut ls = lines.clone();
            ls.insert(pick + 1, ins.as_bytes());
            let out = join(ls);
            (out, format!("after line {}: {ins}", pick + 1))
        }
        // A line deleted or duplicated.
        3 => {
            let mut ls = lines.clone();
            if rng.below(2) == 0 {
                ls.remove(pick);
                (join(ls), format!("line {} deleted", pick + 1))
            } else {
                ls.insert(pick, lines[pick]);
                (join(ls), format!("line {} duplicated", pick + 1))
            }
        }
        // A byte or fragment inserted anywhere.
        4 | 5 => {
            let at = rng.below(text.len() + 1);
            let f = FRAGMENTS[rng.below(FRAGMENTS.len())];
            let mut out = text[..at].to_vec();
            out.extend_from_slice(f);
            out.extend_from_slice(&text[at..]);
            (
                out,
                format!("at byte {at}: {:?}", String::from_utf8_lossy(f)),
            )
        }
        // Truncated.
        _ => {
            let at = rng.below(text.len() + 1);
            (text[..at].to_vec(), format!("truncated at byte {at}"))
        }
    }
}

/// Peak resident memory of this process (VmHWM), in bytes, where Linux tells.
fn peak_rss() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(l.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

#[test]
fn mutated_shipped_scenarios_are_accepted_or_refused_in_one_line() {
    let limits = Limits {
        max_memory: 4e9,
        jobs: 2,
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut shipped: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    shipped.sort();
    assert!(shipped.len() >= 3, "shipped scenarios: {shipped:?}");
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let (mut cases, mut accepted, mut refused) = (0usize, 0usize, 0usize);
    let start = Instant::now();
    let mut slowest = (Duration::ZERO, String::new());
    for path in &shipped {
        let original = std::fs::read(path).unwrap();
        for round in 0..ROUNDS {
            // One to three stacked mutations.
            let mut text = original.clone();
            let mut what = Vec::new();
            for _ in 0..=rng.below(3) {
                let (t, d) = mutate(&text, &mut rng);
                text = t;
                what.push(d);
            }
            let file = "mutant.toml";
            let case = format!(
                "case {cases} ({} round {round}): {}",
                path.display(),
                what.join("; ")
            );
            let t = Instant::now();
            let result = std::panic::catch_unwind(|| {
                let s = activesynth::scenario::decode_text(text.clone(), file)
                    .map_err(|e| CliError::Usage(e.to_string()))?;
                check::check_text(&s, file, &[], &limits)
            });
            let took = t.elapsed();
            cases += 1;
            if took > slowest.0 {
                slowest = (took, case.clone());
            }
            assert!(took < CASE_LIMIT, "{case}: took {took:?}");
            match result {
                Err(_) => panic!("{case}: panicked on\n{}", String::from_utf8_lossy(&text)),
                Ok(Ok((_, est))) => {
                    accepted += 1;
                    assert!(
                        est.peak_bytes <= limits.max_memory,
                        "{case}: accepted beyond the memory limit"
                    );
                }
                Ok(Err(CliError::Usage(m))) => {
                    refused += 1;
                    assert!(!m.contains('\n'), "{case}: multi-line message {m:?}");
                    assert!(
                        m.starts_with(file),
                        "{case}: message {m:?} does not name the file"
                    );
                    let body = m.split(": ").skip(1).collect::<Vec<_>>().join(": ");
                    assert!(
                        body.trim().len() > 8 && !body.trim().ends_with(':'),
                        "{case}: empty message {m:?}"
                    );
                }
                Ok(Err(e)) => panic!("{case}: exit {} ({e})", e.exit_code()),
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "fuzz: {cases} cases ({accepted} accepted, {refused} refused) in {secs:.2} s; slowest {:?} ({})",
        slowest.0, slowest.1
    );
    assert!(accepted > 0 && refused > 0, "both outcomes occur");
    if let Some(peak) = peak_rss() {
        eprintln!("fuzz: peak RSS {:.0} MB", peak as f64 / 1e6);
        assert!(peak < 1_500_000_000, "peak RSS {peak} bytes");
    }
}
