//! End-to-end tests of `activesynth report` on a hand-built results file with known
//! numbers. Reference values were computed independently with numpy/scipy 1.17.1
//! (script reproduced in the comments next to each literal).

use activesynth::engine::records::{
    IterationRecord, Outcome, RunKey, RunRecord, RunTiming, SyntheticRecord, Tokens, WorldRecord,
};
use activesynth::output::results::{build, write};
use activesynth::report::{write_report, Format, IncompatibleInputs, ReportOptions};
use std::path::{Path, PathBuf};

const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Test accuracy [rep][t] per strategy.
fn acc(strategy: &str) -> [[f64; 3]; 3] {
    match strategy {
        "random" => [[0.50, 0.55, 0.60], [0.52, 0.57, 0.62], [0.48, 0.53, 0.58]],
        "loss" => [[0.50, 0.62, 0.70], [0.54, 0.63, 0.72], [0.52, 0.64, 0.71]],
        _ => [[0.50, 0.56, 0.61], [0.53, 0.56, 0.60], [0.50, 0.55, 0.62]],
    }
}

/// Final token histogram of `random` per replicate (others: [1, 1, 0, 0]); D0 = [2, 2, 0, 0].
fn final_hist(strategy: &str, rep: usize) -> Vec<u32> {
    match (strategy, rep) {
        ("random", 0) => vec![0, 1, 3, 0],
        ("random", 1) => vec![1, 1, 0, 0],
        ("random", 2) => vec![1, 0, 1, 0],
        _ => vec![1, 1, 0, 0],
    }
}

fn outcome(task: &str, strategies: &[&str]) -> Outcome {
    let mut worlds = Vec::new();
    let mut runs = Vec::new();
    for rep in 0..3usize {
        let base = [0.40, 0.42, 0.38][rep];
        worlds.push(WorldRecord {
            task: task.into(),
            replicate: rep as u32,
            d0_difficulty: vec![1, 2, 3, 1],
            d0_token_hist: vec![2, 2, 0, 0],
            base_test_accuracy: base,
            base_val_accuracy: base,
            base_by_difficulty: vec![(1, 10, 4)],
        });
        for (si, s) in strategies.iter().enumerate() {
            let mut iterations = Vec::new();
            let mut synthetic = Vec::new();
            for t in 0..3usize {
                iterations.push(IterationRecord {
                    iteration: t as u32,
                    train_size: 10 * (t as u32 + 1),
                    generated: 2,
                    test_accuracy: acc(s)[rep][t],
                    val_accuracy: acc(s)[rep][t],
                    best_epoch: 1,
                    tokens: Tokens {
                        input: 100 * (t as u64 + 1) * (si as u64 + 1),
                        output: 50 * (t as u64 + 1),
                        judge_input: 0,
                        judge_output: 0,
                        calls: 2 * (t as u64 + 1),
                    },
                    selected: vec![t as u32, 3 - t as u32],
                    seed_scores: vec![],
                    token_hist: if t == 2 {
                        final_hist(s, rep)
                    } else {
                        vec![1, 1, 1, 1]
                    },
                });
                for k in 0..2 {
                    // Same formulas as the scipy reference: j = rep·6 + t·2 + k.
                    let j = rep * 6 + t * 2 + k;
                    let pl = ((j * 7 + si * 3) % 11) as f64 / 4.0 + 0.5;
                    synthetic.push(SyntheticRecord {
                        iteration: t as u32,
                        parent: k as u32,
                        attempts: 1,
                        dedup_score: 0.1,
                        verified: true,
                        difficulty: 1,
                        parent_loss: pl,
                        parent_reward: pl,
                        parent_correct: false,
                        loss: pl * 0.5 + ((j * 5 + si) % 7) as f64 / 10.0,
                        reward: pl * 0.5 + ((j * 5 + si) % 7) as f64 / 10.0,
                        correct: (j * 3 + si) % 4 != 0,
                        question: format!("what is {} plus {} times {}", j, si, j % 3),
                        answer: format!("{j}"),
                    });
                }
            }
            runs.push(RunRecord {
                key: RunKey {
                    task: task.into(),
                    replicate: rep as u32,
                    strategy: s.to_string(),
                },
                base_test_accuracy: base,
                base_val_accuracy: base,
                iterations,
                synthetic,
                timing: RunTiming::default(),
            });
        }
    }
    Outcome {
        worlds,
        runs,
        resumed: 0,
    }
}

fn scenario_text(task: &str, strategies: &[&str]) -> String {
    let mut s = format!(
        "name = \"fixture\"\nseed = 7\nreplicates = 3\niterations = 3\nsamples_per_iteration = 2\n\n[[tasks]]\nname = \"{task}\"\n"
    );
    for l in strategies {
        s.push_str(&format!(
            "\n[[strategies]]\nname = \"{l}\"\nlabel = \"{l}\"\n"
        ));
    }
    s
}

fn write_fixture(dir: &Path, name: &str, task: &str, strategies: &[&str]) -> PathBuf {
    let labels: Vec<String> = strategies.iter().map(|s| s.to_string()).collect();
    let vocab: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
    let b = build(
        &scenario_text(task, strategies),
        "fixture",
        &[task.to_string()],
        &labels,
        &vocab,
        &outcome(task, strategies),
    )
    .unwrap();
    let p = dir.join(name);
    write(&p, &b).unwrap();
    p
}

const STRATS: [&str; 3] = ["random", "loss", "reward"];

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b}");
}

/// The value of a stats.csv row, parsed back from the file.
fn csv_value(csv: &str, key: &str) -> f64 {
    let line = csv
        .lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no row {key}"));
    let v = line.rsplit(',').next().unwrap();
    if v == "inf" {
        f64::INFINITY
    } else {
        v.parse().unwrap()
    }
}

#[test]
fn report_numbers_match_independent_references() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_fixture(dir.path(), "results.h5", "arith", &STRATS);
    let opts = ReportOptions {
        formats: vec![Format::Md, Format::Html],
        ..Default::default()
    };
    let files = write_report(&[input], &opts).unwrap();
    let md = std::fs::read_to_string(files.markdown.as_ref().unwrap()).unwrap();
    let html = std::fs::read_to_string(files.html.as_ref().unwrap()).unwrap();
    let csv = std::fs::read_to_string(&files.stats_csv).unwrap();
    let st = &files.stats;

    // Mean ± SE (ddof 1) of loss at t=2: numpy [0.70, 0.72, 0.71] → 0.71 ± 0.005_773_502_691_896_263.
    close(
        st.get("accuracy", "arith", "loss", "t=2", "mean").unwrap(),
        0.71,
        1e-15,
    );
    close(
        st.get("accuracy", "arith", "loss", "t=2", "se").unwrap(),
        0.005_773_502_691_896_263,
        1e-15,
    );
    assert!(
        md.contains("| loss | — | 0.5200 ± 0.0115 | 0.6300 ± 0.0058 | 0.7100 ± 0.0058 |"),
        "{md}"
    );
    assert!(md.contains("t=2 (n̄=30)"));
    assert!(md.contains("| base student | 0.4000 ± 0.0115 |"));
    assert!(html.contains("<td>0.7100 ± 0.0058</td>"));
    close(
        csv_value(&csv, "accuracy,arith,loss,t=2,se,"),
        0.005_773_502_691_896_263,
        1e-15,
    );

    // Win rate (numpy loop over the 3 settings): P[loss][random] = 2/3 (t=0 is not a
    // win: 0.52 − 0.011547 < 0.50 + 0.011547); column scores [1/3, 0, 1/3].
    close(
        st.get("winrate", "all", "loss", "random", "p").unwrap(),
        2.0 / 3.0,
        1e-15,
    );
    close(
        st.get("winrate", "all", "random", "loss", "p").unwrap(),
        0.0,
        0.0,
    );
    close(
        st.get("winrate", "all", "random", "column", "score")
            .unwrap(),
        1.0 / 3.0,
        1e-15,
    );
    close(
        st.get("winrate", "all", "loss", "column", "score").unwrap(),
        0.0,
        0.0,
    );
    assert!(md.contains("| loss | 0.67 | — | 0.67 |"), "{md}");
    close(
        csv_value(&csv, "winrate,all,loss,random,p,"),
        2.0 / 3.0,
        1e-15,
    );

    // Efficiency at t=0: τ = 0.52 (loss); random [0.50, 0.55] at [10, 20] → N = 14,
    // ratio 1.4; at t=1, τ = 0.63 > max random 0.60 → never reached.
    close(
        st.get("efficiency", "arith", "loss", "t=0", "random_needs")
            .unwrap(),
        14.0,
        1e-9,
    );
    close(
        st.get("efficiency", "arith", "loss", "t=0", "ratio")
            .unwrap(),
        1.4,
        1e-12,
    );
    assert_eq!(
        st.get("efficiency", "arith", "loss", "t=1", "ratio")
            .unwrap(),
        f64::INFINITY
    );
    assert!(
        md.contains("| t=0 | loss | 10.0 | 0.5200 | 14.0 | 1.400× |"),
        "{md}"
    );
    assert!(md.contains("∞ (never reached)"));
    assert_eq!(
        csv_value(&csv, "efficiency,arith,loss,t=1,ratio,"),
        f64::INFINITY
    );

    // TVD(D0 = [2,2,0,0], final random) = [0.75, 0, 0.5] → 0.416_666_666_666_666_7 ± 0.22047927592204922.
    close(
        st.get("tvd", "arith", "random", "t=2", "mean").unwrap(),
        0.416_666_666_666_666_7,
        1e-15,
    );
    close(
        st.get("tvd", "arith", "random", "t=2", "se").unwrap(),
        0.22047927592204922,
        1e-14,
    );
    assert!(md.contains("| arith | random | 0.4167 ± 0.2205 |"));
    // t=0: [1,1,1,1] vs [2,2,0,0] → 0.5 in every replicate.
    close(
        st.get("tvd", "arith", "random", "t=0", "mean").unwrap(),
        0.5,
        1e-15,
    );

    // Paired tests on final accuracy; scipy.stats.ttest_rel / ttest_ind(equal_var=False):
    // loss vs random: t = 10.99999999999999, p = 0.008163401865824498; Welch t =
    // 8.520563361656308, dof = 2.9411764705882355, p = 0.003659955583682659.
    // reward vs random: paired p = 0.6220355269907728. Holm: [2·0.0081634…, 0.62203…].
    close(
        st.get("paired", "all", "loss", "final vs random", "paired_t")
            .unwrap(),
        10.99999999999999,
        1e-9,
    );
    close(
        st.get("paired", "all", "loss", "final vs random", "paired_p")
            .unwrap(),
        0.008163401865824498,
        1e-12,
    );
    close(
        st.get("paired", "all", "loss", "final vs random", "welch_t")
            .unwrap(),
        8.520563361656308,
        1e-9,
    );
    close(
        st.get("paired", "all", "loss", "final vs random", "welch_dof")
            .unwrap(),
        2.9411764705882355,
        1e-9,
    );
    close(
        st.get("paired", "all", "loss", "final vs random", "welch_p")
            .unwrap(),
        0.003659955583682659,
        1e-12,
    );
    close(
        st.get("paired", "all", "reward", "final vs random", "paired_p")
            .unwrap(),
        0.6220355269907728,
        1e-12,
    );
    close(
        st.get("paired", "all", "loss", "final vs random", "holm_p")
            .unwrap(),
        2.0 * 0.008163401865824498,
        1e-12,
    );
    close(
        st.get("paired", "all", "reward", "final vs random", "holm_p")
            .unwrap(),
        0.6220355269907728,
        1e-12,
    );
    // P(loss > random) = 1 (every loss final beats every random final).
    close(
        st.get(
            "paired",
            "all",
            "loss",
            "final vs random",
            "prob_improvement",
        )
        .unwrap(),
        1.0,
        0.0,
    );
    // The bootstrap CI of the mean difference [0.10, 0.10, 0.13] lies within [min, max].
    let lo = st
        .get("paired", "all", "loss", "final vs random", "ci95_low")
        .unwrap();
    let hi = st
        .get("paired", "all", "loss", "final vs random", "ci95_high")
        .unwrap();
    assert!(
        0.1 - 1e-12 <= lo && lo <= hi && hi <= 0.13 + 1e-12,
        "{lo} {hi}"
    );
    close(
        csv_value(&csv, "paired,all,loss,final vs random,paired_p,"),
        0.008163401865824498,
        1e-12,
    );
    assert!(md.contains("significantly better (Holm p < 0.05)"));
    assert!(md.contains("| reward |") && md.contains("no significant difference"));

    // Spearman (scipy.stats.spearmanr) of parent_loss vs loss, random: ρ =
    // 0.779_969_808_725_880_8, p = 0.0001348104822559132 (n = 18); medians over the 9
    // (replicate, iteration) groups: ρ = 0.733_333_333_333_333_4, p = 0.024554150071469705.
    close(
        st.get("spearman", "arith", "random", "loss/individual", "rho")
            .unwrap(),
        0.779_969_808_725_880_8,
        1e-12,
    );
    close(
        st.get("spearman", "arith", "random", "loss/individual", "p")
            .unwrap(),
        0.0001348104822559132,
        1e-12,
    );
    close(
        st.get("spearman", "arith", "random", "loss/individual", "n")
            .unwrap(),
        18.0,
        0.0,
    );
    close(
        st.get("spearman", "arith", "random", "loss/median", "rho")
            .unwrap(),
        0.733_333_333_333_333_4,
        1e-12,
    );
    close(
        st.get("spearman", "arith", "random", "loss/median", "p")
            .unwrap(),
        0.024554150071469705,
        1e-12,
    );
    close(
        st.get("spearman", "arith", "loss", "loss/median", "rho")
            .unwrap(),
        0.833_333_333_333_333_3,
        1e-12,
    );

    // Cumulative accuracy of random's children by parent loss (stable sort, high first):
    // A(9) = 0.3888888888888889; any order ends at the overall accuracy 13/18.
    close(
        st.get("cumulative", "arith", "random", "50%", "by_loss")
            .unwrap(),
        0.3888888888888889,
        1e-15,
    );
    close(
        st.get("cumulative", "arith", "random", "all", "n").unwrap(),
        18.0,
        0.0,
    );

    // Tokens: final input of loss = 100·3·2 = 600, output 150; accuracy per 1M tokens =
    // 0.71 / 750e-6.
    close(
        st.get("tokens", "arith", "loss", "final", "input").unwrap(),
        600.0,
        0.0,
    );
    close(
        st.get("tokens", "arith", "loss", "final", "accuracy_per_1m_tokens")
            .unwrap(),
        0.71 / 750e-6,
        1e-6,
    );

    // Vendi: between 1 and the number of questions (6 per run).
    let v = st.get("vendi", "arith", "random", "final", "mean").unwrap();
    assert!((1.0..=6.0).contains(&v), "{v}");

    // Every plot exists as SVG and PNG (PNG magic), and the report references the PNGs.
    // Six plots: paired-vs-random, learning (small multiples), tokens, win rate, scatter,
    // cumulative.
    assert_eq!(files.plots.len(), 2 * 6, "{:?}", files.plots);
    for p in &files.plots {
        let bytes = std::fs::read(p).unwrap();
        if p.extension().unwrap() == "png" {
            assert_eq!(bytes[..8], PNG_MAGIC, "{}", p.display());
            let rel = p.strip_prefix(dir.path()).unwrap().to_str().unwrap();
            assert!(md.contains(&format!("({rel})")), "report lacks {rel}");
        } else {
            assert!(String::from_utf8_lossy(&bytes).contains("<svg"));
        }
    }
    // stats.h5 holds the same number as an array over settings.
    let h5 = activesynth::output::h5::H5File::open(&files.stats_h5).unwrap();
    let (se, _) = h5.read_f64("/accuracy/arith/loss/se").unwrap();
    close(se[2], 0.005_773_502_691_896_263, 1e-15);
    assert!(!md.contains("underpowered (< 3 pairs)"));
}

#[test]
fn merging_overlapping_replicates_renumbers_them() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_fixture(dir.path(), "a.h5", "arith", &STRATS);
    let b = write_fixture(dir.path(), "b.h5", "arith", &STRATS);
    let c = write_fixture(dir.path(), "c.h5", "logic", &STRATS);
    let out = dir.path().join("merged");
    let opts = ReportOptions {
        out_dir: Some(out.clone()),
        plots: false,
        ..Default::default()
    };
    let files = write_report(&[a.clone(), b, c], &opts).unwrap();
    assert!(files.markdown.as_ref().unwrap().starts_with(&out));
    let md = std::fs::read_to_string(files.markdown.unwrap()).unwrap();
    assert!(
        md.contains("replicates {0, 1, 2} were renumbered to {3, 4, 5}"),
        "{md}"
    );
    assert!(md.contains("Replicates per task: arith: 6, logic: 3"));
    // Six replicates of arith: the values repeat, so the mean is unchanged and the SE of
    // loss at t=2 is sd([.70,.72,.71,.70,.72,.71]) / √6 = √(0.0004/5) / √6.
    let st = &files.stats;
    close(
        st.get("accuracy", "arith", "loss", "t=2", "n").unwrap(),
        6.0,
        0.0,
    );
    close(
        st.get("accuracy", "arith", "loss", "t=2", "se").unwrap(),
        (0.0004f64 / 5.0).sqrt() / 6f64.sqrt(),
        1e-15,
    );
    close(
        st.get("accuracy", "logic", "loss", "t=2", "n").unwrap(),
        3.0,
        0.0,
    );
    // 9 paired (task, replicate) comparisons per strategy.
    close(
        st.get("paired", "all", "loss", "final vs random", "n")
            .unwrap(),
        9.0,
        0.0,
    );
    // The win-rate matrix now has 2 tasks × 3 iterations = 6 settings.
    assert!(md.contains("6 settings"));

    // Different strategies → a clear error naming the field.
    let d = write_fixture(dir.path(), "d.h5", "arith", &["random", "loss"]);
    let err = write_report(&[a, d], &opts).unwrap_err();
    let inc = err
        .downcast_ref::<IncompatibleInputs>()
        .expect("incompatible inputs");
    assert_eq!(inc.field, "strategies");
    assert!(
        err.to_string()
            .contains("random,loss,reward vs random,loss"),
        "{err}"
    );
}

#[test]
fn without_random_the_report_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_fixture(dir.path(), "results.h5", "arith", &["loss", "reward"]);
    let opts = ReportOptions {
        plots: false,
        ..Default::default()
    };
    let files = write_report(&[input], &opts).unwrap();
    let md = std::fs::read_to_string(files.markdown.unwrap()).unwrap();
    assert!(md.contains("no strategy is labelled `random`"));
    assert!(files
        .stats
        .get("efficiency", "arith", "loss", "t=0", "ratio")
        .is_none());
    // The win rate is still there: loss beats reward at t=1 and t=2 only.
    close(
        files
            .stats
            .get("winrate", "all", "loss", "reward", "p")
            .unwrap(),
        2.0 / 3.0,
        1e-15,
    );
}

/// Writes the fixture's report to /tmp/report-demo for a human look (ignored by default).
#[test]
#[ignore]
fn demo_report() {
    let dir = Path::new("/tmp/report-demo");
    std::fs::create_dir_all(dir).unwrap();
    let input = write_fixture(dir, "results.h5", "arith", &STRATS);
    let opts = ReportOptions {
        formats: vec![Format::Md, Format::Html],
        ..Default::default()
    };
    write_report(&[input], &opts).unwrap();
}
