//! Executing a scenario: build the shared worlds, run every (task, replicate, strategy)
//! through Algorithm 1 ([`crate::engine::algorithm`]) on its actors with at most `jobs`
//! runs computing at once, persist finished runs for `--resume`, and return the records in
//! a fixed order (so results do not depend on `jobs` or on which run finished first).
//!
//! This is the one module that starts actors; it sits above `actors`, which sits above
//! `engine` (docs/architecture.md §4).

use crate::actors::coordinator::{Coordinator, RunActors, RunLoop};
use crate::actors::messages::ActorFailure;
use crate::actors::recorder::{Finish, Recorder, RunFinished};
use crate::actors::reward::RewardActor;
use crate::actors::selector::{SelectorActor, VerifierActor};
use crate::actors::student::{loop_backend, StudentActor};
use crate::actors::teacher::TeacherActor;
use crate::actors::world_builder::{BuildWorld, WorldBuilder};
use crate::engine::records::{Outcome, RunKey, RunRecord};
use crate::engine::resume::ResumeStore;
use crate::engine::world::World;
use crate::engine::{progress, shard};
use crate::scenario::Scenario;
use crate::selection;
use crate::teacher::standard_tokenizer;
use actix::prelude::*;
use anyhow::{anyhow, Result};
use std::path::PathBuf;
use std::sync::Arc;

/// How to execute a scenario.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub out_dir: PathBuf,
    /// At most this many runs (or world builds) compute at once.
    pub jobs: usize,
    /// Reuse runs finished by an earlier, interrupted execution.
    pub resume: bool,
    /// Show progress on stderr (`engine::progress`: a bar on a terminal, timestamped
    /// lines otherwise).
    pub progress: bool,
    /// Where base students are cached (`OUT/.cache` unless `--cache-dir`).
    pub cache_dir: PathBuf,
    /// Execute only this shard's runs (and build only the worlds they need); `None`:
    /// every run.
    pub shard: Option<shard::Shard>,
}

/// Execute a validated, resolved scenario. `canonical` is the scenario's canonical text
/// (its hash guards `--resume`).
pub fn execute(scenario: Scenario, canonical: &str, opts: &RunOptions) -> Result<Outcome> {
    let scenario = Arc::new(scenario);
    let store = ResumeStore::new(&opts.out_dir, canonical);
    if !opts.resume {
        store.clear()?;
    }
    let sys = actix::System::new();
    let opts = opts.clone();
    sys.block_on(async move { orchestrate(scenario, store, opts).await })
}

/// Label of every strategy, in scenario order.
pub fn strategy_labels(scenario: &Scenario) -> Vec<String> {
    scenario
        .strategies
        .iter()
        .map(|s| s.resolved_label())
        .collect()
}

async fn orchestrate(
    scenario: Arc<Scenario>,
    store: ResumeStore,
    opts: RunOptions,
) -> Result<Outcome> {
    let jobs = opts.jobs.max(1);
    let tokenizer = Arc::new(standard_tokenizer());

    // The runs to execute, in canonical order (all of them, or one shard's).
    let keys = match opts.shard {
        None => shard::all_runs(&scenario),
        Some(sh) => sh.runs(&scenario).map_err(|e| anyhow!(e))?,
    };
    // Runs already finished by an interrupted execution.
    let mut done: Vec<Option<RunRecord>> = keys.iter().map(|k| store.load(k)).collect();
    let resumed = done.iter().filter(|d| d.is_some()).count();
    let progress = start_progress(&scenario, &keys, &done, opts.progress);
    let _current = progress::install(Some(progress.clone()));

    // Build the shared worlds (base students are cached on disk by content hash).
    let cache_dir = opts.cache_dir.clone();
    let builder = {
        let scenario = scenario.clone();
        let tokenizer = tokenizer.clone();
        SyncArbiter::start(jobs, move || {
            WorldBuilder::new(scenario.clone(), tokenizer.clone(), cache_dir.clone())
        })
    };
    // Only the worlds these runs need (all of them unless sharded), in canonical order.
    let needed = shard::worlds_of(&scenario, &keys);
    let mut requests = Vec::new();
    for &(ti, r) in &needed {
        requests.push(builder.send(BuildWorld {
            task_index: ti,
            replicate: r,
        }));
    }
    let mut worlds: Vec<Arc<World>> = Vec::new();
    for res in futures_util::future::join_all(requests).await {
        let w = res
            .map_err(|e| anyhow!("world builder stopped: {e}"))?
            .map_err(anyhow::Error::new)?;
        worlds.push(w);
    }
    drop(builder);

    let recorder = Recorder::new(store.clone(), progress).start();
    let permits = Arc::new(tokio::sync::Semaphore::new(jobs));
    let (tx, mut rx) =
        tokio::sync::mpsc::unbounded_channel::<(usize, Result<RunRecord, ActorFailure>)>();
    let mut pending = 0usize;
    for (i, key) in keys.iter().enumerate() {
        if done[i].is_some() {
            continue;
        }
        let world = worlds
            .iter()
            .find(|w| w.task_name() == key.task && w.replicate == key.replicate)
            .expect("every run's world was built")
            .clone();
        let spec = scenario
            .strategies
            .iter()
            .find(|s| s.resolved_label() == key.strategy)
            .expect("label from the scenario")
            .clone();
        let selector: Arc<dyn selection::Selector> = Arc::from(
            selection::from_spec(&spec, &key.strategy)
                .ok_or_else(|| anyhow!("unknown strategy {}", spec.name))?,
        );
        let permits = permits.clone();
        let tx = tx.clone();
        let recorder = recorder.clone();
        let key = key.clone();
        pending += 1;
        actix::spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            let result = run_one(world, key, selector, recorder.clone()).await;
            let result = match result {
                Ok(rec) => match recorder.send(RunFinished(rec.clone())).await {
                    Ok(Ok(())) => Ok(rec),
                    Ok(Err(e)) => Err(e),
                    Err(e) => Err(ActorFailure::caused_by("recorder", e)),
                },
                Err(e) => Err(e),
            };
            let _ = tx.send((i, result));
        });
    }
    drop(tx);
    while pending > 0 {
        let (i, result) = rx
            .recv()
            .await
            .ok_or_else(|| anyhow!("a run ended without reporting"))?;
        pending -= 1;
        match result {
            Ok(rec) => {
                // Busy time of a computed run (`run --timings`); never a result.
                crate::engine::phases::add_busy(rec.timing.total_s);
                done[i] = Some(rec)
            }
            Err(e) => {
                let _ = recorder.send(Finish).await;
                return Err(anyhow::Error::new(e).context(format!("run {} failed", keys[i].path())));
            }
        }
    }
    let _ = recorder.send(Finish).await;
    Ok(Outcome {
        worlds: worlds.iter().map(|w| w.record.clone()).collect(),
        runs: done
            .into_iter()
            .map(|d| d.expect("all runs done"))
            .collect(),
        resumed,
    })
}

/// Progress from the first second: world building included; resumed runs count as done.
/// Only the worlds and runs of `keys` (one shard's, or all) are counted.
fn start_progress(
    scenario: &Arc<Scenario>,
    keys: &[RunKey],
    done: &[Option<RunRecord>],
    show: bool,
) -> Arc<progress::Progress> {
    let task_of = |k: &RunKey| {
        scenario
            .tasks
            .iter()
            .position(|t| t.name == k.task)
            .expect("run key from the scenario")
    };
    let runs: Vec<usize> = keys.iter().map(task_of).collect();
    let worlds: Vec<usize> = shard::worlds_of(scenario, keys)
        .into_iter()
        .map(|(ti, _)| ti)
        .collect();
    let resumed: Vec<usize> = keys
        .iter()
        .zip(done)
        .filter(|(_, d)| d.is_some())
        .map(|(k, _)| task_of(k))
        .collect();
    progress::Progress::planned(
        scenario.clone(),
        progress::Mode::detect(show),
        &worlds,
        &runs,
        &resumed,
    )
}

/// Start one run's actors, drive it to the end, and stop them.
async fn run_one(
    world: Arc<World>,
    key: RunKey,
    selector: Arc<dyn selection::Selector>,
    recorder: Addr<Recorder>,
) -> Result<RunRecord, ActorFailure> {
    let needs = selector.needs();
    let backend = loop_backend();
    let actors = RunActors {
        student: {
            let (w, l) = (world.clone(), key.strategy.clone());
            SyncArbiter::start(1, move || {
                StudentActor::new(w.clone(), l.clone(), backend.clone())
            })
        },
        teacher: {
            let (w, l) = (world.clone(), key.strategy.clone());
            SyncArbiter::start(1, move || TeacherActor::new(w.clone(), l.clone()))
        },
        verifier: {
            let task = world.task.clone();
            SyncArbiter::start(1, move || VerifierActor::new(task.clone()))
        },
        reward: {
            let (w, l) = (world.clone(), key.strategy.clone());
            SyncArbiter::start(1, move || RewardActor::new(w.clone(), l.clone()))
        },
        selector: {
            let (s, seed, task, rep) = (
                selector.clone(),
                world.scenario.seed,
                key.task.clone(),
                key.replicate,
            );
            SyncArbiter::start(1, move || {
                SelectorActor::new(s.clone(), seed, task.clone(), rep)
            })
        },
        recorder,
    };
    let coordinator = Coordinator {
        world,
        key,
        needs,
        actors,
    }
    .start();
    match coordinator.send(RunLoop).await {
        Ok(r) => r,
        Err(e) => Err(ActorFailure::caused_by("coordinator", e)),
    }
}
