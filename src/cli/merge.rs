//! `activesynth merge SHARD.h5 … --out DIR`: combine the results files of the N shards
//! of one scenario (`run --shard I/N`) into the results a single `run` would have
//! written — result tensors bit-identical — then, like `run`, `curves.csv`, the report
//! and the summary (docs/cluster.md).
//!
//! Refused (exit 2, naming the files): a file that is not a shard, shards of different
//! scenarios, of different shard counts, the same shard twice, missing shards (naming
//! their runs), a shard whose runs are not the ones its partition assigns, two shards
//! disagreeing on a world they both built, and an output that already holds results
//! (unless `--overwrite`).

use crate::cli::{CliError, CliResult};
use crate::engine::records::{Outcome, RunRecord, WorldRecord};
use crate::engine::shard::{self, Shard};
use crate::output::h5::H5File;
use crate::output::provenance::{self, ShardInfo};
use crate::output::results::{self, Results};
use crate::scenario::{self, Scenario};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The shards' results files (`OUT/results.h5` of each `run --shard I/N`; an output
    /// directory stands for its results.h5), in any order.
    #[arg(required = true, value_name = "SHARD")]
    pub inputs: Vec<PathBuf>,
    /// Output directory (results.h5, curves.csv, report, as `run` writes them; default:
    /// the scenario's `output.dir`, else `runs/<name>`), or a file name ending in `.h5`
    /// to write the merged results file only.
    #[arg(long, value_name = "DIR_OR_FILE")]
    pub out: Option<PathBuf>,
    /// Replace results already in the output (without it, `merge` refuses to touch them).
    #[arg(long)]
    pub overwrite: bool,
    /// Do not write the report (results.h5 and curves.csv only).
    #[arg(long)]
    pub no_report: bool,
}

/// One input: its path, contents and shard.
struct Input {
    path: PathBuf,
    results: Results,
    shard: ShardInfo,
    /// `host, git commit, start – end` from its `/provenance`.
    made: String,
    commit: String,
    version: String,
    cpu: String,
}

fn load(path: &Path) -> Result<Input, CliError> {
    let path = if path.is_dir() {
        path.join("results.h5")
    } else {
        path.to_path_buf()
    };
    if !path.is_file() {
        return Err(CliError::Usage(format!(
            "no such results file: {}",
            path.display()
        )));
    }
    let unreadable = |e: anyhow::Error| {
        CliError::Usage(format!(
            "{}: not a readable activesynth results file: {}",
            path.display(),
            crate::cli::chain(&e)
        ))
    };
    let results = results::read(&path).map_err(unreadable)?;
    let f = H5File::open(&path).map_err(unreadable)?;
    let shard = provenance::read_shard(&f).map_err(unreadable)?.ok_or_else(|| {
        let merged = f
            .attr(provenance::GROUP, "merged_from")
            .ok()
            .flatten()
            .is_some();
        CliError::Usage(format!(
            "{} is not a shard ({}); merge takes the results files of `activesynth run --shard I/N`",
            path.display(),
            if merged {
                "it is already a merge of shards"
            } else {
                "it holds a whole execution"
            }
        ))
    })?;
    let p = |n: &str| provenance::read_str(&f, n);
    Ok(Input {
        made: format!(
            "{}, commit {}, {} – {}",
            p("host"),
            p("git_commit"),
            p("start_time"),
            p("end_time")
        ),
        commit: p("git_commit"),
        cpu: p("cpu_features"),
        version: p("activesynth_version"),
        path,
        results,
        shard,
    })
}

/// Bitwise equality of two records of one world (floats by bit pattern).
fn same_world(a: &WorldRecord, b: &WorldRecord) -> bool {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    a.task == b.task
        && a.replicate == b.replicate
        && a.d0_difficulty == b.d0_difficulty
        && a.d0_token_hist == b.d0_token_hist
        && a.base_test_accuracy.to_bits() == b.base_test_accuracy.to_bits()
        && a.base_val_accuracy.to_bits() == b.base_val_accuracy.to_bits()
        && a.base_by_difficulty == b.base_by_difficulty
        && bits(&a.d0_loss_own) == bits(&b.d0_loss_own)
        && a.d0_correct == b.d0_correct
        && a.test_difficulty == b.test_difficulty
        && a.base_test_correct == b.base_test_correct
}

/// Checks that `inputs` are exactly the N shards of one scenario and combines them into
/// that scenario's whole outcome, in canonical order. Returns the scenario, its canonical
/// text (as the shards embed it) and the outcome.
fn combine(inputs: &[Input]) -> Result<(Scenario, Outcome), CliError> {
    let first = &inputs[0];
    let name = |i: &Input| i.path.display().to_string();
    for other in &inputs[1..] {
        if other.results.scenario_text != first.results.scenario_text {
            let (a, b) = (&first.results.scenario_text, &other.results.scenario_text);
            let first_diff = a
                .lines()
                .zip(b.lines())
                .find(|(x, y)| x != y)
                .map(|(x, y)| format!("; first difference: `{x}` vs `{y}`"))
                .unwrap_or_default();
            return Err(CliError::Usage(format!(
                "{} and {} are shards of different scenarios (`{}`, scenario SHA-256 {}…, vs `{}`, {}…{first_diff}); merge only the shards of one scenario",
                name(first),
                name(other),
                first.results.scenario_name,
                &provenance::sha256_hex(a)[..16],
                other.results.scenario_name,
                &provenance::sha256_hex(b)[..16],
            )));
        }
        if other.shard.shard.count != first.shard.shard.count {
            return Err(CliError::Usage(format!(
                "{} is shard {} but {} is shard {}: different shard counts; merge the N shards of one `--shard I/N` split",
                name(first),
                first.shard.shard,
                name(other),
                other.shard.shard
            )));
        }
        if other.results.vocab != first.results.vocab
            || other.results.strategies != first.results.strategies
            || other.results.tasks != first.results.tasks
        {
            return Err(CliError::Usage(format!(
                "{} and {} list different tasks, strategies or vocabularies although their scenarios are the same: they were written by incompatible activesynth versions ({} and {})",
                name(first),
                name(other),
                first.version,
                other.version
            )));
        }
    }
    let count = first.shard.shard.count;
    let mut by_index: BTreeMap<u32, &Input> = BTreeMap::new();
    for i in inputs {
        if let Some(prev) = by_index.insert(i.shard.shard.index, i) {
            return Err(CliError::Usage(format!(
                "{} and {} are both shard {}; give each shard once",
                name(prev),
                name(i),
                i.shard.shard
            )));
        }
    }
    let scn = scenario::parse(
        &first.results.scenario_text,
        &format!("{} (embedded scenario)", name(first)),
    )
    .map_err(|e| CliError::Usage(e.to_string()))?
    .resolved();
    let mut missing = Vec::new();
    for index in 1..=count {
        let sh = Shard { index, count };
        let want: Vec<String> = sh
            .runs(&scn)
            .map_err(CliError::Usage)?
            .iter()
            .map(|k| k.path())
            .collect();
        match by_index.get(&index) {
            None => missing.push(format!("shard {sh} (runs {})", want.join(", "))),
            Some(i) => {
                let held: Vec<String> = i
                    .results
                    .outcome
                    .runs
                    .iter()
                    .map(|r| r.key.path())
                    .collect();
                if i.shard.runs != want || held != want {
                    return Err(CliError::Usage(format!(
                        "{} says it is shard {sh} but holds runs [{}] where shard {sh} of `{}` has [{}]: written by an incompatible activesynth version, or edited",
                        name(i),
                        held.join(", "),
                        scn.name,
                        want.join(", ")
                    )));
                }
            }
        }
    }
    if !missing.is_empty() {
        return Err(CliError::Usage(format!(
            "missing {} of {count} shards of `{}`: {}; run them (`activesynth run SCENARIO --shard I/{count}`) and merge all {count}",
            missing.len(),
            scn.name,
            missing.join("; ")
        )));
    }

    // Worlds: each from the first shard that built it; a second copy must be identical.
    let mut worlds: BTreeMap<(usize, u32), (&WorldRecord, &Input)> = BTreeMap::new();
    let mut runs: BTreeMap<String, &RunRecord> = BTreeMap::new();
    let task_index = |t: &str| scn.tasks.iter().position(|s| s.name == t);
    for i in by_index.values() {
        for w in &i.results.outcome.worlds {
            let ti = task_index(&w.task)
                .ok_or_else(|| CliError::Usage(format!("{}: unknown task {}", name(i), w.task)))?;
            match worlds.get(&(ti, w.replicate)) {
                Some((prev, from)) if !same_world(prev, w) => {
                    return Err(CliError::Usage(format!(
                        "{} and {} disagree on the world of task `{}` replicate {} (D0 or base student): the shards were not computed by the same program (commits {} and {})",
                        name(from),
                        name(i),
                        w.task,
                        w.replicate,
                        from.commit,
                        i.commit
                    )))
                }
                Some(_) => {}
                None => {
                    worlds.insert((ti, w.replicate), (w, i));
                }
            }
        }
        for r in &i.results.outcome.runs {
            runs.insert(r.key.path(), r);
        }
    }
    let all = shard::all_runs(&scn);
    let mut out_runs = Vec::with_capacity(all.len());
    for k in &all {
        let r = runs.get(&k.path()).ok_or_else(|| {
            CliError::Usage(format!("no shard holds run {} (internal check)", k.path()))
        })?;
        out_runs.push((*r).clone());
    }
    let mut out_worlds = Vec::new();
    for (ti, r) in shard::worlds_of(&scn, &all) {
        let (w, _) = worlds.get(&(ti, r)).ok_or_else(|| {
            CliError::Usage(format!(
                "no shard holds the world of task `{}` replicate {r}",
                scn.tasks[ti].name
            ))
        })?;
        out_worlds.push((*w).clone());
    }
    Ok((
        scn,
        Outcome {
            worlds: out_worlds,
            runs: out_runs,
            resumed: 0,
        },
    ))
}

pub fn run(args: &Args) -> CliResult {
    let started = std::time::SystemTime::now();
    let inputs: Vec<Input> = args
        .inputs
        .iter()
        .map(|p| load(p))
        .collect::<Result<_, _>>()?;
    let (scn, outcome) = combine(&inputs)?;
    let count = inputs[0].shard.shard.count;
    let versions: std::collections::BTreeSet<(&str, &str)> = inputs
        .iter()
        .map(|i| (i.version.as_str(), i.commit.as_str()))
        .collect();
    if versions.len() > 1 {
        eprintln!(
            "warning: the shards were written by different builds ({}); their results are merged, but bit-identity with one run holds only if those builds compute the same bits",
            versions
                .iter()
                .map(|(v, c)| format!("{v} at {c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let cpus: std::collections::BTreeSet<&str> = inputs.iter().map(|i| i.cpu.as_str()).collect();
    if cpus.len() > 1 {
        eprintln!(
            "warning: the shards ran on CPUs with different features ({}): the student's matrix kernels are chosen by CPU feature and round differently, so the merge may differ from a single-machine run; `activesynth replay` the merged file on one machine to check",
            cpus.iter().copied().collect::<Vec<_>>().join("; ")
        );
    }

    let out = args
        .out
        .clone()
        .unwrap_or_else(|| crate::cli::run::out_dir(&scn, None));
    let file_only = out.extension().is_some_and(|e| e == "h5");
    let (dir, h5) = if file_only {
        let dir = out
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        (dir, out.clone())
    } else {
        (out.clone(), out.join("results.h5"))
    };
    // Never write over an input (it would be read and replaced in one go).
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    };
    if let Some(i) = inputs.iter().find(|i| same(&i.path, &h5)) {
        return Err(CliError::Usage(format!(
            "--out {} would overwrite the input {}; choose another output",
            out.display(),
            i.path.display()
        )));
    }
    let canonical = inputs[0].results.scenario_text.clone();
    let _lock = if file_only {
        if h5.exists() && !args.overwrite {
            return Err(CliError::Usage(format!(
                "{} already exists; pass --overwrite to replace it",
                h5.display()
            )));
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| CliError::Failure(anyhow::anyhow!("creating {}: {e}", dir.display())))?;
        None
    } else {
        if h5.exists() && !args.overwrite {
            return Err(CliError::Usage(format!(
                "{} already holds results (results.h5); pass --overwrite to replace them",
                dir.display()
            )));
        }
        let existing = if args.overwrite {
            crate::cli::run::Existing::Overwrite
        } else {
            crate::cli::run::Existing::Refuse
        };
        let lock =
            crate::cli::run::prepare_output(&dir, &canonical, existing, &dir.join(".cache"))?;
        Some(lock)
    };

    let tasks: Vec<String> = scn.tasks.iter().map(|t| t.name.clone()).collect();
    let labels = crate::runner::strategy_labels(&scn);
    let mut file = results::build(
        &canonical,
        &scn.name,
        &tasks,
        &labels,
        &inputs[0].results.vocab,
        &outcome,
    )?;
    provenance::write(&mut file, Some(&canonical), started)?;
    let mut sorted: Vec<&Input> = inputs.iter().collect();
    sorted.sort_by_key(|i| i.shard.shard.index);
    let from: Vec<String> = sorted
        .iter()
        .map(|i| {
            let path = i.path.canonicalize().unwrap_or_else(|_| i.path.clone());
            format!("{} {} ({})", i.shard.shard, path.display(), i.made)
        })
        .collect();
    provenance::write_merged(&mut file, count, &from)?;
    results::write(&h5, &file)?;
    eprintln!(
        "merged {count} shards of `{}` ({} runs, {} worlds)",
        scn.name,
        outcome.runs.len(),
        outcome.worlds.len()
    );
    if file_only {
        println!(
            "wrote {} ({} runs); `activesynth report {}` writes the report",
            h5.display(),
            outcome.runs.len(),
            h5.display()
        );
        return Ok(());
    }
    if scn.output.csv {
        results::write_curves_csv(&dir.join("curves.csv"), &outcome)?;
    }
    let wrote = format!(
        "wrote {} ({} runs, merged from {count} shards)",
        h5.display(),
        outcome.runs.len()
    );
    crate::cli::run::finish(&scn, &outcome, &h5, &dir, &wrote, args.no_report)
}
