//! `results.h5` and `curves.csv`: the result tensors of a scenario execution.
//!
//! Layout (documented for users in `docs/results-layout.md`):
//! - `/` attributes: `scenario` (canonical TOML), `scenario_name`, `format_version`,
//!   `activesynth_version`; datasets `/tasks`, `/strategies` (labels, scenario order),
//!   `/vocab` (token texts, index = token id);
//! - `/worlds/<task>/rep<r>/`: shared material of a replicate (D0 difficulties, D0 token
//!   histogram, base accuracies, base accuracy by difficulty; the base student's own view
//!   of D0; each test item's difficulty and the base student's verdict on it);
//! - `/runs/<task>/rep<r>/<strategy>/`: per-iteration curves `[T]`, the verdict on each
//!   test item `test_correct [T, n_test]` (format 3), `selected [T, m]`,
//!   `seed_scores/<name> [T, |D0|]`, `token_hist [T, V]` and `synthetic/*` (one entry per
//!   synthetic example: provenance and before/after scores);
//! - `/timing/...`: wall-clock numbers, which differ between identical executions
//!   (replay skips it), and `/provenance` (attributes: version, commit, command, host,
//!   times, scenario hash; replay skips it too).
//!
//! Every dataset carries `description` and `units` attributes and names its axes
//! ([`schema`]); single values are scalar datasets (format 2; format 1 stored them as
//! shape `[1]`, which the reader still accepts).

use crate::engine::records::{
    IterationRecord, Outcome, RunKey, RunRecord, RunTiming, SyntheticRecord, Tokens, WorldRecord,
};
use crate::output::h5::{Data, H5Builder, H5File};
use anyhow::{anyhow, Context, Result};
use std::path::Path;

/// Bump when the layout changes.
pub const FORMAT_VERSION: u32 = 3;
/// The group replay ignores.
pub const TIMING_GROUP: &str = "/timing";

pub mod schema;

/// Everything `report` and `replay` need from a results file.
#[derive(Clone, Debug)]
pub struct Results {
    pub scenario_text: String,
    pub scenario_name: String,
    pub tasks: Vec<String>,
    pub strategies: Vec<String>,
    pub vocab: Vec<String>,
    pub outcome: Outcome,
}

fn u8s(v: impl Iterator<Item = bool>) -> Vec<u8> {
    v.map(|b| b as u8).collect()
}

/// Build the results file in memory.
pub fn build(
    scenario_text: &str,
    scenario_name: &str,
    tasks: &[String],
    strategies: &[String],
    vocab: &[String],
    outcome: &Outcome,
) -> Result<H5Builder> {
    let mut f = H5Builder::new();
    f.attr("/", "scenario", scenario_text)?;
    f.attr("/", "scenario_name", scenario_name)?;
    f.attr("/", "format_version", FORMAT_VERSION as i64)?;
    f.attr("/", "activesynth_version", env!("CARGO_PKG_VERSION"))?;
    f.strings("/tasks", tasks)?;
    f.strings("/strategies", strategies)?;
    f.strings("/vocab", vocab)?;
    for w in &outcome.worlds {
        let g = format!("/worlds/{}/rep{}", w.task, w.replicate);
        f.vector(&format!("{g}/d0_difficulty"), w.d0_difficulty.clone())?;
        f.vector(&format!("{g}/d0_token_hist"), w.d0_token_hist.clone())?;
        f.dataset(
            &format!("{g}/base_test_accuracy"),
            &[],
            vec![w.base_test_accuracy],
        )?;
        f.dataset(
            &format!("{g}/base_val_accuracy"),
            &[],
            vec![w.base_val_accuracy],
        )?;
        let flat: Vec<u32> = w
            .base_by_difficulty
            .iter()
            .flat_map(|(d, n, c)| [*d, *n, *c])
            .collect();
        f.dataset(
            &format!("{g}/base_by_difficulty"),
            &[w.base_by_difficulty.len(), 3],
            flat,
        )?;
        if !w.d0_loss_own.is_empty() {
            f.vector(&format!("{g}/d0_loss_own"), w.d0_loss_own.clone())?;
        }
        if !w.d0_correct.is_empty() {
            f.vector(
                &format!("{g}/d0_correct"),
                u8s(w.d0_correct.iter().copied()),
            )?;
        }
        if !w.test_difficulty.is_empty() {
            f.vector(&format!("{g}/test_difficulty"), w.test_difficulty.clone())?;
        }
        if !w.base_test_correct.is_empty() {
            f.vector(
                &format!("{g}/base_test_correct"),
                u8s(w.base_test_correct.iter().copied()),
            )?;
        }
    }
    for r in &outcome.runs {
        write_run(&mut f, r)?;
    }
    schema::annotate(&mut f)?;
    Ok(f)
}

fn write_run(f: &mut H5Builder, r: &RunRecord) -> Result<()> {
    let g = format!("/runs/{}", r.key.path());
    let it = &r.iterations;
    let col = |get: &dyn Fn(&IterationRecord) -> u64| -> Vec<u64> { it.iter().map(get).collect() };
    f.vector(
        &format!("{g}/iteration"),
        it.iter().map(|i| i.iteration).collect::<Vec<u32>>(),
    )?;
    f.vector(
        &format!("{g}/train_size"),
        it.iter().map(|i| i.train_size).collect::<Vec<u32>>(),
    )?;
    f.vector(
        &format!("{g}/generated"),
        it.iter().map(|i| i.generated).collect::<Vec<u32>>(),
    )?;
    f.vector(
        &format!("{g}/best_epoch"),
        it.iter().map(|i| i.best_epoch).collect::<Vec<u32>>(),
    )?;
    f.vector(
        &format!("{g}/test_accuracy"),
        it.iter().map(|i| i.test_accuracy).collect::<Vec<f64>>(),
    )?;
    f.vector(
        &format!("{g}/val_accuracy"),
        it.iter().map(|i| i.val_accuracy).collect::<Vec<f64>>(),
    )?;
    let n_test = it.first().map_or(0, |i| i.test_correct.len());
    if n_test > 0 {
        anyhow::ensure!(
            it.iter().all(|i| i.test_correct.len() == n_test),
            "test verdicts differ in number across iterations"
        );
        f.dataset(
            &format!("{g}/test_correct"),
            &[it.len(), n_test],
            u8s(it.iter().flat_map(|i| i.test_correct.iter().copied())),
        )?;
    }
    f.vector(&format!("{g}/tokens_input"), col(&|i| i.tokens.input))?;
    f.vector(&format!("{g}/tokens_output"), col(&|i| i.tokens.output))?;
    f.vector(
        &format!("{g}/judge_tokens_input"),
        col(&|i| i.tokens.judge_input),
    )?;
    f.vector(
        &format!("{g}/judge_tokens_output"),
        col(&|i| i.tokens.judge_output),
    )?;
    f.vector(&format!("{g}/teacher_calls"), col(&|i| i.tokens.calls))?;
    f.dataset(
        &format!("{g}/base_test_accuracy"),
        &[],
        vec![r.base_test_accuracy],
    )?;
    f.dataset(
        &format!("{g}/base_val_accuracy"),
        &[],
        vec![r.base_val_accuracy],
    )?;
    let t = it.len();
    let m = it.first().map(|i| i.selected.len()).unwrap_or(0);
    let sel: Vec<u32> = it.iter().flat_map(|i| i.selected.iter().copied()).collect();
    anyhow::ensure!(
        sel.len() == t * m,
        "selected sets differ in size across iterations"
    );
    f.dataset(&format!("{g}/selected"), &[t, m], sel)?;
    let v = it.first().map(|i| i.token_hist.len()).unwrap_or(0);
    let hist: Vec<u32> = it
        .iter()
        .flat_map(|i| i.token_hist.iter().copied())
        .collect();
    f.dataset(&format!("{g}/token_hist"), &[t, v], hist)?;
    if let Some(first) = it.first() {
        for (name, vals) in &first.seed_scores {
            let n = vals.len();
            let mut flat = Vec::with_capacity(t * n);
            for i in it {
                let (_, v) = i
                    .seed_scores
                    .iter()
                    .find(|(k, _)| k == name)
                    .ok_or_else(|| anyhow!("score {name} missing at iteration {}", i.iteration))?;
                flat.extend_from_slice(v);
            }
            f.dataset(&format!("{g}/seed_scores/{name}"), &[t, n], flat)?;
        }
    }
    let s = &r.synthetic;
    let sg = format!("{g}/synthetic");
    f.group(&sg)?;
    f.vector(
        &format!("{sg}/iteration"),
        s.iter().map(|x| x.iteration).collect::<Vec<u32>>(),
    )?;
    f.vector(
        &format!("{sg}/parent"),
        s.iter().map(|x| x.parent).collect::<Vec<u32>>(),
    )?;
    f.vector(
        &format!("{sg}/attempts"),
        s.iter().map(|x| x.attempts).collect::<Vec<u32>>(),
    )?;
    f.vector(
        &format!("{sg}/difficulty"),
        s.iter().map(|x| x.difficulty).collect::<Vec<u32>>(),
    )?;
    f.vector(
        &format!("{sg}/dedup_score"),
        s.iter().map(|x| x.dedup_score).collect::<Vec<f64>>(),
    )?;
    f.vector(&format!("{sg}/verified"), u8s(s.iter().map(|x| x.verified)))?;
    f.vector(
        &format!("{sg}/parent_loss"),
        s.iter().map(|x| x.parent_loss).collect::<Vec<f64>>(),
    )?;
    f.vector(
        &format!("{sg}/parent_reward"),
        s.iter().map(|x| x.parent_reward).collect::<Vec<f64>>(),
    )?;
    f.vector(
        &format!("{sg}/parent_correct"),
        u8s(s.iter().map(|x| x.parent_correct)),
    )?;
    f.vector(
        &format!("{sg}/loss"),
        s.iter().map(|x| x.loss).collect::<Vec<f64>>(),
    )?;
    f.vector(
        &format!("{sg}/reward"),
        s.iter().map(|x| x.reward).collect::<Vec<f64>>(),
    )?;
    f.vector(&format!("{sg}/correct"), u8s(s.iter().map(|x| x.correct)))?;
    f.strings(
        &format!("{sg}/question"),
        &s.iter().map(|x| x.question.as_str()).collect::<Vec<_>>(),
    )?;
    f.strings(
        &format!("{sg}/answer"),
        &s.iter().map(|x| x.answer.as_str()).collect::<Vec<_>>(),
    )?;
    let tg = format!("{TIMING_GROUP}/{}", r.key.path());
    f.dataset(&format!("{tg}/total_s"), &[], vec![r.timing.total_s])?;
    f.vector(
        &format!("{tg}/per_iteration_s"),
        r.timing.per_iteration_s.clone(),
    )?;
    f.vector(
        &format!("{tg}/train_tokens_per_s"),
        r.timing.train_tokens_per_s.clone(),
    )?;
    Ok(())
}

/// Write `results.h5` atomically.
pub fn write(path: &Path, builder: &H5Builder) -> Result<()> {
    builder
        .write_atomic(path)
        .with_context(|| format!("writing {}", path.display()))
}

/// Write the tidy `curves.csv`: one row per (task, replicate, strategy, iteration), plus
/// an `iteration = -1` row per run for the base student (training-set size 0).
pub fn write_curves_csv(path: &Path, outcome: &Outcome) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "task",
        "replicate",
        "strategy",
        "iteration",
        "train_size",
        "generated",
        "test_accuracy",
        "val_accuracy",
        "tokens_input",
        "tokens_output",
        "judge_tokens_input",
        "judge_tokens_output",
    ])?;
    for r in &outcome.runs {
        let k = &r.key;
        w.write_record([
            k.task.clone(),
            k.replicate.to_string(),
            k.strategy.clone(),
            "-1".into(),
            "0".into(),
            "0".into(),
            r.base_test_accuracy.to_string(),
            r.base_val_accuracy.to_string(),
            "0".into(),
            "0".into(),
            "0".into(),
            "0".into(),
        ])?;
        for i in &r.iterations {
            w.write_record([
                k.task.clone(),
                k.replicate.to_string(),
                k.strategy.clone(),
                i.iteration.to_string(),
                i.train_size.to_string(),
                i.generated.to_string(),
                i.test_accuracy.to_string(),
                i.val_accuracy.to_string(),
                i.tokens.input.to_string(),
                i.tokens.output.to_string(),
                i.tokens.judge_input.to_string(),
                i.tokens.judge_output.to_string(),
            ])?;
        }
    }
    let bytes = w.into_inner().map_err(|e| anyhow!("csv: {e}"))?;
    crate::atomic::write_atomic(path, &bytes).with_context(|| format!("writing {}", path.display()))
}

fn strings(f: &H5File, path: &str) -> Result<Vec<String>> {
    match f.read(path)?.data {
        Data::Str(v) => Ok(v),
        other => Err(anyhow!(
            "{path}: expected strings, found {}",
            other.type_name()
        )),
    }
}

fn f64s(f: &H5File, path: &str) -> Result<Vec<f64>> {
    Ok(f.read_f64(path)?.0)
}

fn u32s(f: &H5File, path: &str) -> Result<Vec<u32>> {
    Ok(f64s(f, path)?.into_iter().map(|x| x as u32).collect())
}

fn u64s(f: &H5File, path: &str) -> Result<Vec<u64>> {
    Ok(f64s(f, path)?.into_iter().map(|x| x as u64).collect())
}

/// A 0/1 dataset as booleans, or empty when the file predates it.
fn bools_if(f: &H5File, has: &dyn Fn(&str) -> bool, path: &str) -> Result<Vec<bool>> {
    if !has(path) {
        return Ok(Vec::new());
    }
    Ok(f64s(f, path)?.into_iter().map(|x| x != 0.0).collect())
}

fn attr_str(f: &H5File, name: &str) -> Result<String> {
    f.attr("/", name)?
        .and_then(|a| a.as_str().map(str::to_string))
        .ok_or_else(|| anyhow!("attribute {name} missing: not an activesynth results file"))
}

/// Read a results file back (for `report` and `replay`).
pub fn read(path: &Path) -> Result<Results> {
    let f = H5File::open(path)?;
    let scenario_text = attr_str(&f, "scenario")?;
    let scenario_name = attr_str(&f, "scenario_name")?;
    let tasks = strings(&f, "/tasks")?;
    let strategies = strings(&f, "/strategies")?;
    let vocab = strings(&f, "/vocab")?;
    let listing = f.list()?;
    let has = |p: &str| listing.iter().any(|(q, _)| q == p);
    let mut worlds = Vec::new();
    let mut runs = Vec::new();
    for task in &tasks {
        // Every replicate present, in order: a shard's file (`run --shard`) may hold
        // replicates 3 and 4 only.
        let prefix = format!("/worlds/{task}/rep");
        let mut reps: Vec<u32> = listing
            .iter()
            .filter_map(|(p, _)| p.strip_prefix(&prefix)?.parse().ok())
            .collect();
        reps.sort_unstable();
        reps.dedup();
        for rep in reps {
            let g = format!("/worlds/{task}/rep{rep}");
            let bd = u32s(&f, &format!("{g}/base_by_difficulty"))?;
            worlds.push(WorldRecord {
                task: task.clone(),
                replicate: rep,
                d0_difficulty: u32s(&f, &format!("{g}/d0_difficulty"))?,
                d0_token_hist: u32s(&f, &format!("{g}/d0_token_hist"))?,
                base_test_accuracy: f64s(&f, &format!("{g}/base_test_accuracy"))?[0],
                base_val_accuracy: f64s(&f, &format!("{g}/base_val_accuracy"))?[0],
                base_by_difficulty: bd.chunks(3).map(|c| (c[0], c[1], c[2])).collect(),
                // Absent in files written before world check W3 existed.
                d0_loss_own: if has(&format!("{g}/d0_loss_own")) {
                    f64s(&f, &format!("{g}/d0_loss_own"))?
                } else {
                    Vec::new()
                },
                d0_correct: bools_if(&f, &has, &format!("{g}/d0_correct"))?,
                // Absent in files written before item-level test verdicts existed.
                test_difficulty: if has(&format!("{g}/test_difficulty")) {
                    u32s(&f, &format!("{g}/test_difficulty"))?
                } else {
                    Vec::new()
                },
                base_test_correct: bools_if(&f, &has, &format!("{g}/base_test_correct"))?,
            });
            for label in &strategies {
                let key = RunKey {
                    task: task.clone(),
                    replicate: rep,
                    strategy: label.clone(),
                };
                let g = format!("/runs/{}", key.path());
                if has(&g) {
                    runs.push(read_run(&f, key, &listing)?);
                }
            }
        }
    }
    Ok(Results {
        scenario_text,
        scenario_name,
        tasks,
        strategies,
        vocab,
        outcome: Outcome {
            worlds,
            runs,
            resumed: 0,
        },
    })
}

fn read_run(
    f: &H5File,
    key: RunKey,
    listing: &[(String, crate::output::h5::Kind)],
) -> Result<RunRecord> {
    let g = format!("/runs/{}", key.path());
    let p = |n: &str| format!("{g}/{n}");
    let iteration = u32s(f, &p("iteration"))?;
    let t = iteration.len();
    let train_size = u32s(f, &p("train_size"))?;
    let generated = u32s(f, &p("generated"))?;
    let best_epoch = u32s(f, &p("best_epoch"))?;
    let test = f64s(f, &p("test_accuracy"))?;
    let val = f64s(f, &p("val_accuracy"))?;
    let ti = u64s(f, &p("tokens_input"))?;
    let to = u64s(f, &p("tokens_output"))?;
    let ji = u64s(f, &p("judge_tokens_input"))?;
    let jo = u64s(f, &p("judge_tokens_output"))?;
    let calls = u64s(f, &p("teacher_calls"))?;
    let (sel, sel_shape) = f.read_f64(&p("selected"))?;
    let m = sel_shape.get(1).copied().unwrap_or(0);
    let (hist, hist_shape) = f.read_f64(&p("token_hist"))?;
    let v = hist_shape.get(1).copied().unwrap_or(0);
    // Absent in files written before item-level test verdicts existed.
    let (tc, tc_shape) = if listing.iter().any(|(q, _)| *q == p("test_correct")) {
        f.read_f64(&p("test_correct"))?
    } else {
        (Vec::new(), vec![t, 0])
    };
    let n_test = tc_shape.get(1).copied().unwrap_or(0);
    let prefix = format!("{g}/seed_scores/");
    let mut scores: Vec<(String, Vec<f64>, usize)> = Vec::new();
    for (path, _) in listing.iter().filter(|(q, _)| q.starts_with(&prefix)) {
        let (vals, shape) = f.read_f64(path)?;
        scores.push((
            path[prefix.len()..].to_string(),
            vals,
            shape.get(1).copied().unwrap_or(0),
        ));
    }
    let mut iterations = Vec::with_capacity(t);
    for i in 0..t {
        iterations.push(IterationRecord {
            iteration: iteration[i],
            train_size: train_size[i],
            generated: generated[i],
            test_accuracy: test[i],
            test_correct: tc[i * n_test..(i + 1) * n_test]
                .iter()
                .map(|x| *x != 0.0)
                .collect(),
            val_accuracy: val[i],
            best_epoch: best_epoch[i],
            tokens: Tokens {
                input: ti[i],
                output: to[i],
                judge_input: ji[i],
                judge_output: jo[i],
                calls: calls[i],
            },
            selected: sel[i * m..(i + 1) * m].iter().map(|x| *x as u32).collect(),
            seed_scores: scores
                .iter()
                .map(|(name, vals, n)| (name.clone(), vals[i * n..(i + 1) * n].to_vec()))
                .collect(),
            token_hist: hist[i * v..(i + 1) * v].iter().map(|x| *x as u32).collect(),
        });
    }
    let sg = format!("{g}/synthetic");
    let q = |n: &str| format!("{sg}/{n}");
    let it = u32s(f, &q("iteration"))?;
    let parent = u32s(f, &q("parent"))?;
    let attempts = u32s(f, &q("attempts"))?;
    let difficulty = u32s(f, &q("difficulty"))?;
    let dedup = f64s(f, &q("dedup_score"))?;
    let verified = u32s(f, &q("verified"))?;
    let pl = f64s(f, &q("parent_loss"))?;
    let pr = f64s(f, &q("parent_reward"))?;
    let pc = u32s(f, &q("parent_correct"))?;
    let l = f64s(f, &q("loss"))?;
    let rw = f64s(f, &q("reward"))?;
    let c = u32s(f, &q("correct"))?;
    let question = strings(f, &q("question"))?;
    let answer = strings(f, &q("answer"))?;
    let synthetic = (0..it.len())
        .map(|i| SyntheticRecord {
            iteration: it[i],
            parent: parent[i],
            attempts: attempts[i],
            dedup_score: dedup[i],
            verified: verified[i] != 0,
            difficulty: difficulty[i],
            parent_loss: pl[i],
            parent_reward: pr[i],
            parent_correct: pc[i] != 0,
            loss: l[i],
            reward: rw[i],
            correct: c[i] != 0,
            question: question[i].clone(),
            answer: answer[i].clone(),
        })
        .collect();
    let tg = format!("{TIMING_GROUP}/{}", key.path());
    let timing = RunTiming {
        // Timing is kept apart from result tensors and never compared by replay: a file
        // without it reads as 0 s (a missing measurement, not a failed evaluation).
        total_s: f64s(f, &format!("{tg}/total_s"))
            .map(|v| v[0])
            .unwrap_or(0.0),
        per_iteration_s: f64s(f, &format!("{tg}/per_iteration_s")).unwrap_or_default(),
        train_tokens_per_s: f64s(f, &format!("{tg}/train_tokens_per_s")).unwrap_or_default(),
    };
    Ok(RunRecord {
        base_test_accuracy: f64s(f, &p("base_test_accuracy"))?[0],
        base_val_accuracy: f64s(f, &p("base_val_accuracy"))?[0],
        key,
        iterations,
        synthetic,
        timing,
    })
}
