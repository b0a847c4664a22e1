//! Progress of one scenario execution, from the first second: world building (base
//! pre-training included, one tick per epoch) and every iteration of every run, counted
//! in one unit so that the ETA covers all of it.
//!
//! The unit is an estimate of work in *example passes*: one training step over one
//! example, or one greedy decode of one example, both cost about one pass. An epoch of
//! base pre-training is `pretrain_examples + val_size` passes (train, then decode the
//! validation set); iteration t of a run fine-tunes on about `(t + 1) m + replay`
//! examples for `max(epochs, min_steps / batches)` epochs, each followed by a validation
//! decode, then decodes the test set and scores the seeds. A cached base finishes its
//! world at once and the ETA simply drops.
//!
//! On a terminal it is an `indicatif` bar redrawn every second; otherwise (a log file, a
//! batch scheduler) one plain timestamped line per finished world, per finished run
//! and per phase, on stderr. `--no-progress` silences both.

use crate::scenario::Scenario;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Hidden,
    /// A redrawn bar (stderr is a terminal).
    Bar,
    /// Plain timestamped lines (stderr is not a terminal).
    Lines,
}

impl Mode {
    /// `Bar` on a terminal, `Lines` otherwise; `Hidden` when `show` is false.
    pub fn detect(show: bool) -> Mode {
        if !show {
            Mode::Hidden
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines
        }
    }
}

/// Estimated work of base pre-training for one world of task `task`, in example passes.
pub fn world_units(scn: &Scenario, task: usize) -> u64 {
    epoch_units(scn, task) * scn.tasks[task].student(&scn.student).pretrain_epochs as u64
}

/// One epoch of base pre-training: train on the corpus, decode the validation set.
fn epoch_units(scn: &Scenario, task: usize) -> u64 {
    let t = &scn.tasks[task];
    t.student(&scn.student).pretrain_examples as u64 + t.val_size as u64
}

/// Estimated work of iteration `t` of one run on task `task`, in example passes.
pub fn iteration_units(scn: &Scenario, task: usize, t: u32) -> u64 {
    let spec = &scn.tasks[task];
    let st = &spec.student(&scn.student);
    let m = spec.samples_per_iteration(scn.samples_per_iteration) as u64;
    let n = (t as u64 + 1) * m + st.replay_examples as u64;
    let batches = n.div_ceil(st.batch_size.max(1) as u64).max(1);
    let epochs = (st.epochs as u64).max((st.min_steps as u64).div_ceil(batches));
    epochs * (n + spec.val_size as u64) + spec.test_size as u64 + spec.seed_size as u64
}

/// Estimated work of a whole run on task `task`.
pub fn run_units(scn: &Scenario, task: usize) -> u64 {
    (0..scn.iterations)
        .map(|t| iteration_units(scn, task, t))
        .sum()
}

struct State {
    done: u64,
    total: u64,
    worlds_done: usize,
    worlds_total: usize,
    runs_done: usize,
    runs_total: usize,
    /// Units ticked so far per (task, replicate) world, to top up a cached base.
    ticked: Vec<(usize, u32, u64)>,
    phase: &'static str,
}

/// Shared progress of one execution.
pub struct Progress {
    mode: Mode,
    bar: ProgressBar,
    start: Instant,
    scn: Arc<Scenario>,
    state: Mutex<State>,
}

/// `42s`, `1m05s`, `1h02m`; `?` when unknown.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "?".into();
    }
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

impl Progress {
    /// Progress for every world and run of `scn`; `resumed` lists the task index of
    /// every run an interrupted execution already finished (they count as done).
    pub fn new(scn: Arc<Scenario>, mode: Mode, resumed: &[usize]) -> Arc<Progress> {
        let mut worlds = Vec::new();
        let mut runs = Vec::new();
        for ti in 0..scn.tasks.len() {
            for _ in 0..scn.replicates {
                worlds.push(ti);
                runs.extend(std::iter::repeat_n(ti, scn.strategies.len()));
            }
        }
        Progress::planned(scn, mode, &worlds, &runs, resumed)
    }

    /// Progress for a part of `scn` (one shard): `worlds` and `runs` list the task
    /// index of every world to build and every run to execute; `resumed` as in
    /// [`Progress::new`].
    pub fn planned(
        scn: Arc<Scenario>,
        mode: Mode,
        worlds: &[usize],
        runs: &[usize],
        resumed: &[usize],
    ) -> Arc<Progress> {
        let total: u64 = worlds.iter().map(|&ti| world_units(&scn, ti)).sum::<u64>()
            + runs.iter().map(|&ti| run_units(&scn, ti)).sum::<u64>();
        let done: u64 = resumed.iter().map(|&ti| run_units(&scn, ti)).sum();
        let bar = match mode {
            Mode::Bar => {
                let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                b.set_style(
                    ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] {bar:24} {percent:>3}% ETA {eta:>4}  {wide_msg}",
                    )
                    .expect("valid template"),
                );
                // Redraw every second, so the elapsed time moves during a long epoch.
                b.enable_steady_tick(Duration::from_secs(1));
                b
            }
            _ => ProgressBar::hidden(),
        };
        let worlds_total = worlds.len();
        let runs_total = runs.len();
        let p = Arc::new(Progress {
            mode,
            bar,
            start: Instant::now(),
            state: Mutex::new(State {
                done,
                total,
                worlds_done: 0,
                worlds_total,
                runs_done: resumed.len(),
                runs_total,
                ticked: Vec::new(),
                phase: "pre-training bases",
            }),
            scn,
        });
        p.redraw();
        let resumed_note = if resumed.is_empty() {
            String::new()
        } else {
            format!(" ({} already finished, resumed)", resumed.len())
        };
        p.line(&format!(
            "start: {worlds_total} worlds to build (base pre-training), then {runs_total} runs{resumed_note}"
        ));
        p
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere must not also kill progress reporting.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn redraw(&self) {
        if self.mode == Mode::Bar {
            let s = self.lock();
            self.bar.set_position(s.done.min(s.total));
            // `wide_msg`: cut to the terminal's width rather than wrapping the bar.
            self.bar.set_message(format!(
                "{}, worlds {}/{}, runs {}/{}",
                s.phase, s.worlds_done, s.worlds_total, s.runs_done, s.runs_total
            ));
        }
    }

    /// One plain line (only in `Lines` mode): `[ 1m05s  40% ETA  1m30s] what`.
    fn line(&self, what: &str) {
        if self.mode != Mode::Lines {
            return;
        }
        let (done, total) = {
            let s = self.lock();
            (s.done.min(s.total), s.total.max(1))
        };
        let el = self.start.elapsed().as_secs_f64();
        // At the average rate so far (unknown before any work is counted).
        let eta = if done == 0 {
            f64::NAN
        } else {
            el * (total - done) as f64 / done as f64
        };
        eprintln!(
            "[{:>6} {:>3.0}% ETA {:>6}] {what}",
            duration(el),
            100.0 * done as f64 / total as f64,
            duration(eta)
        );
    }

    fn add(&self, units: u64) {
        self.lock().done += units;
        self.redraw();
    }

    fn task_index(&self, task: &str) -> Option<usize> {
        self.scn.tasks.iter().position(|t| t.name == task)
    }

    /// One epoch of base pre-training of (task, replicate) finished.
    pub fn pretrain_epoch(&self, task: &str, replicate: u32) {
        let Some(ti) = self.task_index(task) else {
            return;
        };
        let u = epoch_units(&self.scn, ti);
        let epoch = {
            let mut s = self.lock();
            let w = match s.ticked.iter().position(|w| w.0 == ti && w.1 == replicate) {
                Some(i) => i,
                None => {
                    s.ticked.push((ti, replicate, 0));
                    s.ticked.len() - 1
                }
            };
            s.ticked[w].2 += u;
            s.ticked[w].2 / u.max(1)
        };
        self.add(u);
        // Pre-training is the longest silent phase: a line per epoch in a log.
        self.line(&format!(
            "world {task} rep{replicate}: base pre-training epoch {epoch}/{}",
            self.scn.tasks[ti]
                .student(&self.scn.student)
                .pretrain_epochs
        ));
    }

    /// The world of (task, replicate) is ready. A base that came from the cache ticked
    /// no epochs; its pre-training units are counted now.
    pub fn world_done(&self, task: &str, replicate: u32, base_test_accuracy: f64) {
        let Some(ti) = self.task_index(task) else {
            return;
        };
        let (ticked, d, n) = {
            let mut s = self.lock();
            let ticked = s
                .ticked
                .iter()
                .find(|w| w.0 == ti && w.1 == replicate)
                .map_or(0, |w| w.2);
            s.worlds_done += 1;
            if s.worlds_done == s.worlds_total {
                s.phase = "running";
            }
            (ticked, s.worlds_done, s.worlds_total)
        };
        self.add(world_units(&self.scn, ti).saturating_sub(ticked));
        let how = if ticked == 0 {
            "base from cache"
        } else {
            "base pre-trained"
        };
        self.line(&format!(
            "world {task} rep{replicate} ready ({how}, base test acc {base_test_accuracy:.3}); {d}/{n} worlds"
        ));
    }

    /// Iteration `t` of a run on `task` finished.
    pub fn iteration_done(&self, task: &str, t: u32) {
        if let Some(ti) = self.task_index(task) {
            self.add(iteration_units(&self.scn, ti, t));
        }
    }

    /// The run at `path` (`task/repR/strategy`) finished with this final test accuracy.
    pub fn run_done(&self, path: &str, final_accuracy: f64) {
        let (d, n) = {
            let mut s = self.lock();
            s.runs_done += 1;
            (s.runs_done, s.runs_total)
        };
        self.redraw();
        self.line(&format!(
            "run {path} finished (final test acc {final_accuracy:.3}); {d}/{n} runs"
        ));
    }

    /// Clears the bar; logs the end.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
        {
            let mut s = self.lock();
            s.done = s.total;
        }
        self.line("all runs finished");
    }
}

/// The progress of the execution under way, for code deep in world building that has
/// no handle of its own (the base pre-training loop, on a SyncArbiter thread). Set by
/// `runner::execute` for its duration; `None` when progress is hidden. Only display
/// depends on it, never a result.
static CURRENT: Mutex<Option<Arc<Progress>>> = Mutex::new(None);

/// Installs `p` as the current progress until the guard drops.
pub fn install(p: Option<Arc<Progress>>) -> CurrentGuard {
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = p;
    CurrentGuard
}

/// Clears the current progress when dropped.
pub struct CurrentGuard;

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// The current progress, if any.
pub fn current() -> Option<Arc<Progress>> {
    CURRENT.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(5.4), "5s");
        assert_eq!(duration(65.0), "1m05s");
        assert_eq!(duration(3725.0), "1h02m");
        assert_eq!(duration(f64::NAN), "?");
    }

    #[test]
    fn world_building_is_part_of_the_total() {
        let scn = crate::scenario::parse(
            "name = \"x\"\niterations = 3\nsamples_per_iteration = 10\n\
             [[tasks]]\nname = \"arith\"\nseed_size = 50\n[[strategies]]\nname = \"random\"\n",
            "x.toml",
        )
        .unwrap()
        .resolved();
        assert!(iteration_units(&scn, 0, 2) > iteration_units(&scn, 0, 0));
        let p = Progress::new(Arc::new(scn.clone()), Mode::Hidden, &[]);
        let reps = scn.replicates as u64;
        let want = reps * (world_units(&scn, 0) + run_units(&scn, 0));
        assert_eq!(p.lock().total, want);
        assert!(world_units(&scn, 0) > 0);
        // A cached base (no epoch ticked) still counts its whole pre-training when ready.
        p.world_done("arith", 0, 0.5);
        assert_eq!(p.lock().done, world_units(&scn, 0));
        // Ticked epochs are not counted twice.
        p.pretrain_epoch("arith", 1);
        p.world_done("arith", 1, 0.5);
        assert_eq!(p.lock().done, 2 * world_units(&scn, 0));
        // A resumed run counts as done from the start.
        let q = Progress::new(Arc::new(scn.clone()), Mode::Hidden, &[0]);
        assert_eq!(q.lock().done, run_units(&scn, 0));
    }
}
