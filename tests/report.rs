//! End-to-end tests of `activesynth report` on a hand-built results file with known
//! numbers. Reference values were computed independently with numpy/scipy 1.17.1
//! (script reproduced in the comments next to each literal).

mod common;

use activesynth::engine::records::{
    IterationRecord, Outcome, RunKey, RunRecord, RunTiming, SyntheticRecord, Tokens, WorldRecord,
};
use activesynth::output::results::{build, write};
use activesynth::report::{
    write_report, DuplicateReplicate, Format, IncompatibleInputs, ReportOptions,
};
use std::path::{Path, PathBuf};

const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Test accuracy [rep][t] per strategy.
fn acc(strategy: &str) -> [[f64; 3]; 3] {
    match strategy {
        "random" => [[0.50, 0.55, 0.60], [0.52, 0.57, 0.62], [0.48, 0.53, 0.58]],
        "loss" => [[0.50, 0.62, 0.70], [0.54, 0.63, 0.72], [0.52, 0.64, 0.71]],
        // random + 0.03 at the final iteration in every replicate (up to rounding).
        "const" => [[0.50, 0.55, 0.63], [0.52, 0.57, 0.65], [0.48, 0.53, 0.61]],
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

/// Synthetic examples per (replicate, iteration) cell: enough for a per-cell Spearman ρ.
const PER_CELL: usize = 8;

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
            d0_loss_own: vec![],
            d0_correct: vec![],
            test_difficulty: vec![],
            base_test_correct: vec![],
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
                    test_correct: vec![],
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
                for k in 0..PER_CELL {
                    // Same formulas as the scipy reference: j = rep·24 + t·8 + k.
                    let j = rep * 3 * PER_CELL + t * PER_CELL + k;
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
                        correct: !(j * 3 + si).is_multiple_of(4),
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

fn scenario_text(task: &str, strategies: &[&str], seed: u64) -> String {
    let mut s = format!(
        "name = \"fixture\"\nseed = {seed}\nreplicates = 3\niterations = 3\nsamples_per_iteration = 2\n\n[[tasks]]\nname = \"{task}\"\n"
    );
    for l in strategies {
        s.push_str(&format!(
            "\n[[strategies]]\nname = \"{l}\"\nlabel = \"{l}\"\n"
        ));
    }
    s
}

fn write_fixture(dir: &Path, name: &str, task: &str, strategies: &[&str]) -> PathBuf {
    write_fixture_seed(dir, name, task, strategies, 7)
}

fn write_fixture_seed(
    dir: &Path,
    name: &str,
    task: &str,
    strategies: &[&str],
    seed: u64,
) -> PathBuf {
    let labels: Vec<String> = strategies.iter().map(|s| s.to_string()).collect();
    let vocab: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
    let b = build(
        &scenario_text(task, strategies, seed),
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
        md.contains("| t=0 | loss (best: winner's curse) | 10.0 | 0.5200 | 14.0 | 1.400× |"),
        "{md}"
    );
    assert!(md.contains("∞ (never reached)"));
    // Per strategy, not only the best: reward at t=0 has τ = mean(0.50, 0.53, 0.50) =
    // 0.51 → N = 10 + (0.01/0.05)·10 = 12, ratio 1.2. Per replicate (its own random
    // curve): rep 0: τ 0.50 at random's first point 0.50 → 10 (1.0×); rep 1: 0.53
    // between 0.52 and 0.57 → 12 (1.2×); rep 2: 0.50 between 0.48 and 0.53 → 14 (1.4×).
    close(
        st.get("efficiency", "arith", "reward", "t=0", "ratio")
            .unwrap(),
        1.2,
        1e-12,
    );
    close(
        st.get(
            "efficiency",
            "arith",
            "reward",
            "t=0",
            "ratio_replicate_min",
        )
        .unwrap(),
        1.0,
        1e-12,
    );
    close(
        st.get(
            "efficiency",
            "arith",
            "reward",
            "t=0",
            "ratio_replicate_max",
        )
        .unwrap(),
        1.4,
        1e-12,
    );
    assert!(md.contains("1.000× – 1.400× (3 replicates)"), "{md}");
    assert!(md.contains("winner's curse"));
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
    // Paired P(improve): loss beats random in all 3 replicates.
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
    // 95 % t-interval of d = [0.10, 0.10, 0.13]:
    // scipy.stats.ttest_rel(loss, random).confidence_interval() = (0.06697347270250534,
    // 0.15302652729749464); no percentile bootstrap of 3 pairs any more.
    close(
        st.get("paired", "all", "loss", "final vs random", "ci95_low")
            .unwrap(),
        0.06697347270250534,
        1e-12,
    );
    close(
        st.get("paired", "all", "loss", "final vs random", "ci95_high")
            .unwrap(),
        0.15302652729749464,
        1e-12,
    );
    // Exact sign-flip p: all three differences positive → 2/8 = 0.25, the floor with 3
    // pairs; reward d = [0.01, −0.02, 0.04] → 6/8 (scipy permutation_test, samples).
    assert_eq!(
        st.get("paired", "all", "loss", "final vs random", "sign_flip_p")
            .unwrap(),
        0.25
    );
    assert_eq!(
        st.get(
            "paired",
            "all",
            "loss",
            "final vs random",
            "sign_flip_min_p"
        )
        .unwrap(),
        0.25
    );
    assert_eq!(
        st.get("paired", "all", "reward", "final vs random", "sign_flip_p")
            .unwrap(),
        0.75
    );
    close(
        csv_value(&csv, "paired,all,loss,final vs random,paired_p,"),
        0.008163401865824498,
        1e-12,
    );
    // Paired t is significant after Holm, but the report says plainly that the exact
    // test cannot go below 0.25 with 3 pairs.
    assert!(
        md.contains("better by the paired t-test (Holm p < 0.05, assumes normal differences); the exact test cannot confirm it with 3 pairs (p ≥ 0.2500)"),
        "{md}"
    );
    assert!(md.contains(
        "**With 3 replicate pairs the exact two-sided sign-flip test cannot give p below 0.2500**"
    ));
    assert!(md.contains("| reward |") && md.contains("no significant difference"));
    assert!(md.contains("Holm family: m = 2 comparisons."));
    // 3 pairs < 10: no aggregate bootstrap.
    assert!(md.contains("only 3 (task, replicate) pairs: a percentile bootstrap"));

    // Power: SDs of d are 0.01732… (loss) and 0.03 (reward); pooled
    // √mean(var) = 0.024494897427831803; MDE = 3.264043549699573 × pooled =
    // 0.07995241194986706; the largest difference (loss, +0.11) needs
    // ceil(TTestPower().solve_power(0.11/pooled, alpha=0.05, power=0.8) = 2.593) = 3.
    close(
        st.get("power", "arith", "pooled", "final vs random", "pooled_sd")
            .unwrap(),
        0.024494897427831803,
        1e-15,
    );
    close(
        st.get("power", "arith", "pooled", "final vs random", "mde")
            .unwrap(),
        0.07995241194986706,
        1e-12,
    );
    assert_eq!(
        st.get(
            "power",
            "arith",
            "pooled",
            "final vs random",
            "needed_for_largest"
        )
        .unwrap(),
        3.0
    );
    // reward's own d: effect 0.01/0.03 → ceil(72.58) = 73 replicates.
    assert_eq!(
        st.get("power", "arith", "reward", "final vs random", "needed")
            .unwrap(),
        73.0
    );
    assert!(md.contains("Power: what these replicates could detect"));

    // Spearman per (replicate, iteration) cell of 8 pairs (scipy.stats.spearmanr per
    // cell, exact p by enumerating 8! pairings): for random the median cell ρ is
    // 0.8193365776101958 and 1 of 9 cells has p < 0.001; one cell has ρ = 1, so the
    // Fisher-z combination is undefined and says so.
    close(
        st.get("spearman", "arith", "random", "loss/cells", "median_rho")
            .unwrap(),
        0.8193365776101958,
        1e-12,
    );
    close(
        st.get(
            "spearman",
            "arith",
            "random",
            "loss/cells",
            "share_p_below_0.001",
        )
        .unwrap(),
        1.0 / 9.0,
        1e-15,
    );
    assert_eq!(
        st.get("spearman", "arith", "random", "loss/cells", "cells")
            .unwrap(),
        9.0
    );
    assert!(st
        .get("spearman", "arith", "random", "loss/cells", "fisher_rho")
        .unwrap()
        .is_nan());
    assert!(md.contains("a cell has \\|ρ\\| = 1"), "{md}");
    // Medians level over the 9 cells: ρ = 0.3175536744149779, exact two-sided p =
    // 151632/9! = 0.41785714285714287 (brute force over all pairings).
    close(
        st.get("spearman", "arith", "random", "loss/median", "rho")
            .unwrap(),
        0.3175536744149779,
        1e-12,
    );
    close(
        st.get("spearman", "arith", "random", "loss/median", "p")
            .unwrap(),
        0.41785714285714287,
        1e-12,
    );
    close(
        st.get("spearman", "arith", "loss", "loss/median", "p")
            .unwrap(),
        0.22698412698412698,
        1e-12,
    );
    // Pooled over all 72 pairs (labelled pooled, no p): scipy ρ = 0.8983506581693829.
    close(
        st.get("spearman", "arith", "random", "loss/pooled", "rho")
            .unwrap(),
        0.8983506581693829,
        1e-12,
    );
    assert!(st
        .get("spearman", "arith", "random", "loss/pooled", "p")
        .is_none());

    // C.4 per (replicate, iteration), loss high → low against the diagonal, percentage
    // 100·(diag − A(k))/diag, mean ± SE over replicates (numpy, stable sort by −loss).
    close(
        st.get("cumulative", "arith", "random", "loss_high/t=2/25%", "mean")
            .unwrap(),
        11.111111111111112,
        1e-12,
    );
    close(
        st.get("cumulative", "arith", "random", "loss_high/t=2/25%", "se")
            .unwrap(),
        22.222222222222225,
        1e-12,
    );
    close(
        st.get("cumulative", "arith", "random", "loss_high/t=0/75%", "mean")
            .unwrap(),
        -3.7037037037037037,
        1e-12,
    );
    close(
        st.get("cumulative", "arith", "random", "loss_high/t=0/75%", "se")
            .unwrap(),
        7.407407407407408,
        1e-12,
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

    // Vendi: between 1 and the number of questions (24 per run).
    let v = st.get("vendi", "arith", "random", "final", "mean").unwrap();
    assert!((1.0..=24.0).contains(&v), "{v}");

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
fn merging_different_seeds_renumbers_them() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_fixture(dir.path(), "a.h5", "arith", &STRATS);
    let b = write_fixture_seed(dir.path(), "b.h5", "arith", &STRATS, 8);
    let c = write_fixture(dir.path(), "c.h5", "logic", &STRATS);
    let e = write_fixture_seed(dir.path(), "e.h5", "logic", &STRATS, 8);
    let out = dir.path().join("merged");
    let opts = ReportOptions {
        out_dir: Some(out.clone()),
        plots: false,
        ..Default::default()
    };
    let files = write_report(&[a.clone(), b, c, e], &opts).unwrap();
    assert!(files.markdown.as_ref().unwrap().starts_with(&out));
    let md = std::fs::read_to_string(files.markdown.unwrap()).unwrap();
    assert!(
        md.contains("replicates {0, 1, 2} (master seed 8) were renumbered to {3, 4, 5}"),
        "{md}"
    );
    assert!(md.contains("**Replicates from 2 master seeds (7, 8) are combined.**"));
    assert!(md.contains("master seed 8; `arith` replicates {0, 1, 2} (reported as {3, 4, 5})"));
    assert!(md.contains("Replicates per task: arith: 6, logic: 6"));
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
    // 12 paired (task, replicate) comparisons per strategy: the largest n the exact
    // sign-flip test enumerates (4096 sign vectors).
    close(
        st.get("paired", "all", "loss", "final vs random", "n")
            .unwrap(),
        12.0,
        0.0,
    );
    // All 12 loss differences are positive: exact two-sided p = 2/4096.
    assert_eq!(
        st.get("paired", "all", "loss", "final vs random", "sign_flip_p")
            .unwrap(),
        2.0 / 4096.0
    );
    // 12 ≥ 10 pairs: the aggregate is bootstrapped. IQM of the 12 final accuracies of
    // loss (scipy.stats.trim_mean([.70,.72,.71]*4, 0.25)) = 0.71.
    close(
        st.get("aggregate", "all", "loss", "iqm", "estimate")
            .unwrap(),
        0.71,
        1e-12,
    );
    // Paired P(improve) of loss is 1 in every task; rliable's unpaired one is 1 too.
    close(
        st.get("aggregate", "all", "loss", "poi_paired", "estimate")
            .unwrap(),
        1.0,
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
fn the_same_replicate_is_never_counted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_fixture(dir.path(), "a.h5", "arith", &STRATS);
    let copy = dir.path().join("copy.h5");
    std::fs::copy(&a, &copy).unwrap();
    let opts = ReportOptions {
        out_dir: Some(dir.path().join("out")),
        plots: false,
        ..Default::default()
    };
    // The same file twice, and a bit-identical copy: refused, naming both files.
    for other in [&a, &copy] {
        let err = write_report(&[a.clone(), other.clone()], &opts).unwrap_err();
        let dup = err
            .downcast_ref::<DuplicateReplicate>()
            .expect("duplicate replicate");
        assert_eq!(dup.first, a.display().to_string());
        assert_eq!(dup.other, other.display().to_string());
        assert_eq!(
            (dup.task.as_str(), dup.replicate, dup.seed.as_str()),
            ("arith", 0, "7")
        );
        assert!(
            dup.detail.starts_with("identical scenario"),
            "{}",
            dup.detail
        );
    }
    // Same seed, different scenario text (other strategies' order is refused earlier;
    // here a different name): still the same D0, so still refused.
    let text = scenario_text("arith", &STRATS, 7).replace("fixture", "renamed");
    let labels: Vec<String> = STRATS.iter().map(|s| s.to_string()).collect();
    let vocab: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
    let b = build(
        &text,
        "renamed",
        &["arith".to_string()],
        &labels,
        &vocab,
        &outcome("arith", &STRATS),
    )
    .unwrap();
    let renamed = dir.path().join("renamed.h5");
    write(&renamed, &b).unwrap();
    let err = write_report(&[a.clone(), renamed], &opts).unwrap_err();
    let dup = err.downcast_ref::<DuplicateReplicate>().expect("duplicate");
    assert!(dup.detail.contains("share the seed"), "{}", dup.detail);
    // The CLI maps it to exit code 2 and names both files.
    let outdir = dir.path().join("cli");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_activesynth"))
        .args(["report", "--no-plots", "--out"])
        .arg(&outdir)
        .arg(&a)
        .arg(&a)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.matches(&a.display().to_string()).count() >= 2, "{err}");
    // `plan` on the pilot: exit 0 and the power numbers of the report.
    let text = common::plan_pilot(&a);
    assert!(
        text.contains("pooled SD of paired differences 0.0245"),
        "{text}"
    );
    assert!(text.contains("3: 0.0800"), "{text}");
    assert!(
        text.contains("largest observed difference +0.1100 (loss) needs 3 replicates"),
        "{text}"
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

#[test]
fn constant_differences_and_undefined_p_in_holm() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_fixture(
        dir.path(),
        "results.h5",
        "arith",
        &["random", "loss", "const"],
    );
    let opts = ReportOptions {
        plots: false,
        ..Default::default()
    };
    let files = write_report(&[input], &opts).unwrap();
    let md = std::fs::read_to_string(files.markdown.unwrap()).unwrap();
    let st = &files.stats;
    // 0.63 − 0.60, 0.65 − 0.62, 0.61 − 0.58 differ only by rounding: reported as a
    // constant difference with the exact test, never as t ≈ 10¹⁴.
    assert!(
        md.contains("constant difference +0.0300 in all 3 pairs: t undefined; exact p = 0.2500 (the smallest attainable with 3 pairs)"),
        "{md}"
    );
    assert_eq!(
        st.get("paired", "all", "const", "final vs random", "constant")
            .unwrap(),
        1.0
    );
    assert!(st
        .get("paired", "all", "const", "final vs random", "paired_p")
        .unwrap()
        .is_nan());
    // The undefined p still counts in the Holm family: loss's Holm p = 2 × 0.0081634….
    assert!(md.contains("Holm family: m = 2 comparisons, of which 1 have an undefined paired t p"));
    close(
        st.get("paired", "all", "loss", "final vs random", "holm_p")
            .unwrap(),
        2.0 * 0.008163401865824498,
        1e-12,
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
