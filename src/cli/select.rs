//! `activesynth select --input scores.h5 --strategy S --k K`: run any selection strategy
//! of the simulation on external scores (typically written by `activesynth score`) and
//! print or write the chosen indices (issue 6, item 4). Strategy names and parameters are
//! exactly those of the scenario file, with the same validation.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::score::{open, read_any, read_side, root_datasets, Side, SideKind};
use super::{CliError, CliResult};
use crate::atomic::write_atomic;
use crate::output::h5::{Attr, Data, H5File};
use crate::rng::StreamKey;
use crate::scenario::{Direction, LossTarget, Param, SelectMode, StrategySpec, STRATEGY_NAMES};
use crate::selection::{from_spec, registry, Need, SeedScores, SelectError};

/// Arguments of `activesynth select`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scores file (HDF5): `loss`, `grad_embed`, `correct`, `reward`, `loss_gt`,
    /// `judge_gap`, `judge_hard`, each optional but needed by some strategies.
    #[arg(long)]
    pub input: PathBuf,
    /// Strategy name, one of the registry's (`selection::registry`): random, loss, ...
    #[arg(long)]
    pub strategy: String,
    /// Number of seeds to select.
    #[arg(short = 'k', long)]
    pub k: usize,
    /// Strategy parameter `key=value` as in the scenario file (target, direction, mode,
    /// temperature, dims); repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Seed of the selection stream (softmax sampling, pools, BADGE's D² draws).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write `rank,index,score` CSV here instead of printing indices to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The scenario's documented temperature range (`scenario::feasibility::BOUNDS`).
const TEMPERATURE_MIN: f64 = 1e-6;
const TEMPERATURE_MAX: f64 = 1e6;

fn bad(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

fn one_of<T: Copy>(key: &str, value: &str, options: &[(&str, T)]) -> Result<T, CliError> {
    options
        .iter()
        .find(|(n, _)| *n == value)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let list: Vec<String> = options.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            bad(format!(
                "--param {key}: expected one of {}, got \"{value}\"",
                list.join(", ")
            ))
        })
}

/// Build and validate a strategy spec from a name and `key=value` parameters, with the
/// scenario file's names and rules: known name, each parameter applicable to the
/// strategy and given once, `temperature` only with `mode=softmax` and > 0, `dims` ≥ 1.
pub fn build_spec(name: &str, params: &[String]) -> Result<StrategySpec, CliError> {
    if !STRATEGY_NAMES.contains(&name) {
        return Err(bad(super::suggest::unknown(
            "strategy",
            name,
            &STRATEGY_NAMES,
        )));
    }
    let mut spec = StrategySpec::named(name);
    for p in params {
        let (key, value) = p
            .split_once('=')
            .map(|(k, v)| (k.trim(), v.trim()))
            .ok_or_else(|| bad(format!("--param expects KEY=VALUE, got \"{p}\"")))?;
        let param = Param::ALL
            .into_iter()
            .find(|q| q.key() == key)
            .ok_or_else(|| {
                let keys: Vec<&str> = Param::ALL.iter().map(|q| q.key()).collect();
                bad(format!(
                    "--param: unknown key \"{key}\"; expected one of {}",
                    keys.join(", ")
                ))
            })?;
        if !param.applies_to().contains(&name) {
            return Err(bad(format!(
                "--param {key}: does not apply to strategy \"{name}\" (only to {})",
                param.applies_to().join(", ")
            )));
        }
        if spec.is_set(param) {
            return Err(bad(format!("--param {key} given more than once")));
        }
        match param {
            Param::Target => {
                spec.target = Some(one_of(
                    key,
                    value,
                    &[("own", LossTarget::Own), ("gt", LossTarget::Gt)],
                )?)
            }
            Param::Direction => {
                spec.direction = Some(one_of(
                    key,
                    value,
                    &[("high", Direction::High), ("low", Direction::Low)],
                )?)
            }
            Param::Mode => {
                spec.mode = Some(one_of(
                    key,
                    value,
                    &[
                        ("argmax", SelectMode::Argmax),
                        ("softmax", SelectMode::Softmax),
                    ],
                )?)
            }
            Param::Temperature => {
                let t: f64 = value
                    .parse()
                    .ok()
                    .filter(|t: &f64| (TEMPERATURE_MIN..=TEMPERATURE_MAX).contains(t))
                    .ok_or_else(|| {
                        bad(format!(
                            "--param temperature: expected a number in [{TEMPERATURE_MIN:e}, {TEMPERATURE_MAX:e}] (> 0; smaller values overflow softmax(score/T)), got \"{value}\""
                        ))
                    })?;
                spec.temperature = Some(t);
            }
            Param::Dims => {
                let k: u32 = value.parse().ok().filter(|k| *k >= 1).ok_or_else(|| {
                    bad(format!(
                        "--param dims: expected an integer >= 1, got \"{value}\""
                    ))
                })?;
                spec.dims = Some(k);
            }
        }
    }
    if spec.temperature.is_some() && spec.mode_or_default() != SelectMode::Softmax {
        return Err(bad("--param temperature only applies with mode=softmax"));
    }
    Ok(spec)
}

/// Dataset names that serve a [`Need`], and how to describe them in an error.
fn need_doc(n: Need) -> &'static str {
    match n {
        Need::LossOwn => "`loss` (n_seq, float)",
        Need::LossGt => "`loss_gt` (n_seq, float)",
        Need::Correct => "`correct` (n_seq, uint8 or bool)",
        Need::Reward => "`reward` (n_seq, float)",
        Need::Judge => "`judge_hard` (n_seq, uint8 or bool) or `judge_gap` (n_seq, float)",
        Need::GradEmbed => "`grad_embed` (n_seq × k, float)",
    }
}

/// Judge margin used to derive `judge_hard` from `judge_gap` when only the gap is given
/// (Lion's protocol: hard when teacher − student ≥ 1).
pub const JUDGE_MARGIN: f64 = 1.0;

/// Fill [`SeedScores`] from a scores file; every per-seed dataset must have the same
/// length n. Returns the scores and the requested `embed_dims` attribute when present.
pub fn read_scores(path: &Path) -> Result<(SeedScores, Option<i64>), CliError> {
    let f = open(path)?;
    let names = root_datasets(&f, path)?;
    let has = |n: &str| names.iter().any(|x| x == n);
    let per_seed = [
        "loss",
        "loss_gt",
        "correct",
        "reward",
        "judge_gap",
        "judge_hard",
        "grad_embed",
    ];
    let first = per_seed.iter().find(|n| has(n)).ok_or_else(|| {
        bad(format!(
            "{}: no per-seed dataset found; expected some of {}",
            path.display(),
            per_seed.join(", ")
        ))
    })?;
    let n = shape_of(&f, path, first)?.first().copied().unwrap_or(0);
    let value = |name: &str| -> Result<Option<Vec<f64>>, CliError> {
        if !has(name) {
            return Ok(None);
        }
        match read_side(&f, path, name, SideKind::Value, n)? {
            Side::Value(v) => Ok(Some(v)),
            Side::Flag(_) => unreachable!("read_side returns the kind asked for"),
        }
    };
    let flag = |name: &str| -> Result<Option<Vec<bool>>, CliError> {
        if !has(name) {
            return Ok(None);
        }
        match read_side(&f, path, name, SideKind::Flag, n)? {
            Side::Flag(v) => Ok(Some(v)),
            Side::Value(_) => unreachable!("read_side returns the kind asked for"),
        }
    };
    let mut s = SeedScores {
        n,
        loss_own: value("loss")?,
        loss_gt: value("loss_gt")?,
        correct: flag("correct")?,
        reward: value("reward")?,
        judge_gap: value("judge_gap")?,
        judge_hard: flag("judge_hard")?,
        grad_embed: None,
    };
    if s.judge_hard.is_none() {
        s.judge_hard = s
            .judge_gap
            .as_ref()
            .map(|g| g.iter().map(|&x| x >= JUDGE_MARGIN).collect());
    }
    if has("grad_embed") {
        let (shape, data) = read_any(&f, path, "grad_embed")?;
        if shape.len() != 2 || shape[0] != n {
            return Err(bad(format!(
                "{}: dataset `grad_embed` has shape {shape:?}, expected (n_seq, k) with n_seq = {n}",
                path.display()
            )));
        }
        let v: Vec<f32> = match data {
            Data::F32(v) => v,
            Data::F64(v) => v.iter().map(|&x| x as f32).collect(),
            other => {
                return Err(bad(format!(
                    "{}: dataset `grad_embed` is {}, expected float32",
                    path.display(),
                    other.type_name()
                )))
            }
        };
        s.grad_embed = Some((v, shape[1]));
    }
    let embed_dims = match f.attr("/", "embed_dims") {
        Ok(Some(Attr::I64(k))) => Some(k),
        _ => None,
    };
    Ok((s, embed_dims))
}

fn shape_of(f: &H5File, path: &Path, name: &str) -> Result<Vec<usize>, CliError> {
    read_any(f, path, name).map(|(s, _)| s)
}

fn present(s: &SeedScores, n: Need) -> bool {
    match n {
        Need::LossOwn => s.loss_own.is_some(),
        Need::LossGt => s.loss_gt.is_some(),
        Need::Correct => s.correct.is_some(),
        Need::Reward => s.reward.is_some(),
        Need::Judge => s.judge_hard.is_some(),
        Need::GradEmbed => s.grad_embed.is_some(),
    }
}

/// The value a strategy ranked or pooled seed `i` by, for the CSV `score` column: the
/// registry's score column of the strategy (e.g. the loss for `loss`, the judge gap for
/// `judge-hard`, the embedding's L2 norm for `badge`, nothing for `random`).
fn score_of(spec: &StrategySpec, s: &SeedScores, i: usize) -> Option<f64> {
    registry::lookup(&spec.name).and_then(|e| (e.score)(spec, s, i))
}

/// Select `k` indices from a scores file with a validated spec; deterministic for `seed`
/// (stream `StreamKey::run(seed, "external", 0, label, 0, "select")`).
pub fn select_from(
    path: &Path,
    spec: &StrategySpec,
    k: usize,
    seed: u64,
) -> Result<(Vec<usize>, SeedScores), CliError> {
    let label = spec.resolved_label();
    let sel = from_spec(spec, &label)
        .ok_or_else(|| bad(format!("unknown strategy \"{}\"", spec.name)))?;
    let (scores, embed_dims) = read_scores(path)?;
    for n in sel.needs() {
        if !present(&scores, n) {
            return Err(bad(format!(
                "{}: strategy \"{}\" needs dataset {}, which the file lacks",
                path.display(),
                spec.name,
                need_doc(n)
            )));
        }
    }
    if let (Some(want), Some((_, cols))) = (spec.dims, &scores.grad_embed) {
        let have = embed_dims.unwrap_or(*cols as i64);
        if i64::from(want) != have {
            return Err(bad(format!(
                "{}: --param dims={want} but `grad_embed` was projected with embed_dims = {have} \
                 ({cols} columns); re-run `activesynth score --embed-dims {want}`",
                path.display()
            )));
        }
    }
    let mut rng = StreamKey::run(seed, "external", 0, &label, 0, "select").rng();
    let picks = sel.select(&scores, k, &mut rng).map_err(|e| match e {
        SelectError::TooMany { m, n } => bad(format!(
            "--k {m} exceeds the {n} seeds in {}",
            path.display()
        )),
        other => bad(format!("{}: {other}", path.display())),
    })?;
    Ok((picks, scores))
}

/// Run `activesynth select`.
pub fn run(args: &Args) -> CliResult {
    if args.k == 0 {
        return Err(bad(
            "--k must be at least 1 (the number of seeds to select)",
        ));
    }
    let spec = build_spec(&args.strategy, &args.params)?;
    let (picks, scores) = select_from(&args.input, &spec, args.k, args.seed)?;
    match &args.out {
        None => {
            let mut out = String::new();
            for i in &picks {
                let _ = writeln!(out, "{i}");
            }
            print!("{out}");
        }
        Some(p) => {
            let mut csv = String::from("rank,index,score\n");
            for (r, &i) in picks.iter().enumerate() {
                let sc = score_of(&spec, &scores, i).map_or(String::new(), |x| format!("{x}"));
                let _ = writeln!(csv, "{r},{i},{sc}");
            }
            write_atomic(p, csv.as_bytes())
                .map_err(|e| CliError::Failure(anyhow::anyhow!("writing {}: {e}", p.display())))?;
            eprintln!(
                "selected {} of {} seeds with {}; wrote {}",
                picks.len(),
                scores.n,
                spec.resolved_label(),
                p.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperature_range_is_the_scenario_bound() {
        let b = crate::scenario::bounds::BOUNDS
            .iter()
            .find(|b| b.field == "strategies[].temperature")
            .unwrap();
        assert_eq!((b.lo, b.hi), (TEMPERATURE_MIN, TEMPERATURE_MAX));
    }

    fn p(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn spec_parses_scenario_names() {
        let s = build_spec(
            "loss",
            &p(&[
                "target=gt",
                "direction=low",
                "mode=softmax",
                "temperature=0.5",
            ]),
        )
        .unwrap();
        assert_eq!(s.resolved_label(), "loss-gt-low-softmax-t0.5");
        let s = build_spec("badge", &p(&["dims=32"])).unwrap();
        assert_eq!(s.dims, Some(32));
    }

    #[test]
    fn spec_rejects_what_the_scenario_rejects() {
        let cases: [(&str, &[&str], &str); 8] = [
            ("lossy", &[], "unknown strategy"),
            ("reward", &["target=gt"], "does not apply"),
            ("loss", &["direction=up"], "expected one of"),
            ("loss", &["temperature=0.5"], "mode=softmax"),
            ("loss", &["mode=softmax", "temperature=-1"], "> 0"),
            ("loss", &["mode=softmax", "temperature=1e-310"], "> 0"),
            ("badge", &["dims=0"], ">= 1"),
            ("loss", &["mode=argmax", "mode=softmax"], "more than once"),
        ];
        for (name, params, want) in cases {
            match build_spec(name, &p(params)) {
                Err(CliError::Usage(m)) => assert!(m.contains(want), "{name} {params:?}: {m}"),
                other => panic!("{name} {params:?}: expected usage error, got {other:?}"),
            }
        }
    }
}
