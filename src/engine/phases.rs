//! Wall-time per phase of an execution (`run --timings`): how the busy time of every
//! thread splits into pre-training, fine-tuning, decoding, scoring, teacher and output.
//!
//! Timing only: nothing here feeds a result tensor, and nothing is written to
//! `results.h5`. Process-wide counters (atomics, summed over every thread and run) fed
//! by [`scope`] guards that the actors open around their work. Scopes nest and count
//! *exclusive* time: while a validation decode runs inside fine-tuning, the clock of
//! fine-tuning is paused, so the phases of one thread never overlap and their sum is at
//! most the busy time that encloses them ([`add_busy`]: each world build, each run and
//! the output, measured by whoever owns them).
//!
//! A scope is a thread-local stack, so it must open and close on one thread: only
//! synchronous code (the `SyncArbiter` actors, the CLI) opens scopes, never the async
//! coordinator (whose runs interleave on one thread).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A phase of the work, in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Base students' pre-training, their per-epoch validation decoding included.
    Pretrain,
    /// Fine-tuning steps (forward, backward, optimizer) of every iteration.
    Finetune,
    /// Greedy decoding of the seeds D0 (a strategy's predictions; the world's base view).
    DecodeSeeds,
    /// Greedy decoding of parents and children for the before/after probe.
    DecodeProbes,
    /// Greedy decoding of the validation set after each fine-tuning epoch.
    DecodeValidation,
    /// Greedy decoding of the test set (and the base's test and validation accuracy).
    DecodeTest,
    /// Losses and gradient embeddings (own-generation, ground-truth, probe, BADGE).
    Scoring,
    /// The oracle teacher: generation, dedup, judge calls.
    Teacher,
    /// Writing results.h5, curves.csv and the report.
    Output,
}

impl Phase {
    pub const ALL: [Phase; 9] = [
        Phase::Pretrain,
        Phase::Finetune,
        Phase::DecodeSeeds,
        Phase::DecodeProbes,
        Phase::DecodeValidation,
        Phase::DecodeTest,
        Phase::Scoring,
        Phase::Teacher,
        Phase::Output,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Pretrain => "pre-training (base students)",
            Phase::Finetune => "fine-tuning",
            Phase::DecodeSeeds => "decoding: seeds",
            Phase::DecodeProbes => "decoding: probes (parents, children)",
            Phase::DecodeValidation => "decoding: validation (fine-tuning)",
            Phase::DecodeTest => "decoding: test",
            Phase::Scoring => "scoring (losses, embeddings)",
            Phase::Teacher => "teacher (generation, judge)",
            Phase::Output => "output (results.h5, csv, report)",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

const N: usize = Phase::ALL.len();

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicU64 = AtomicU64::new(0);
static NANOS: [AtomicU64; N] = [ZERO; N];
static BUSY_NANOS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Open phases of this thread and when the innermost one was last (re)started.
    static STACK: RefCell<(Vec<Phase>, Option<Instant>)> = const { RefCell::new((Vec::new(), None)) };
}

fn charge(p: Phase, from: Instant, to: Instant) {
    let ns = to.saturating_duration_since(from).as_nanos() as u64;
    NANOS[p.index()].fetch_add(ns, Ordering::Relaxed);
}

/// Open phase `p` on this thread until the guard drops (the enclosing phase, if any, is
/// paused meanwhile).
#[must_use = "the phase ends when the guard drops"]
pub fn scope(p: Phase) -> Scope {
    let now = Instant::now();
    STACK.with(|s| {
        let mut s = s.borrow_mut();
        if let (Some(&top), Some(mark)) = (s.0.last(), s.1) {
            charge(top, mark, now);
        }
        s.0.push(p);
        s.1 = Some(now);
    });
    Scope { _private: () }
}

/// Closes its phase when dropped.
pub struct Scope {
    _private: (),
}

impl Drop for Scope {
    fn drop(&mut self) {
        let now = Instant::now();
        STACK.with(|s| {
            let mut s = s.borrow_mut();
            if let (Some(top), Some(mark)) = (s.0.pop(), s.1) {
                charge(top, mark, now);
            }
            s.1 = Some(now);
        });
    }
}

/// Add `secs` of busy time (a world build, a run, the output) that encloses phases.
pub fn add_busy(secs: f64) {
    BUSY_NANOS.fetch_add((secs.max(0.0) * 1e9) as u64, Ordering::Relaxed);
}

/// The counters so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// Seconds per phase, in [`Phase::ALL`] order.
    pub phase_s: Vec<(Phase, f64)>,
    /// Busy seconds summed over threads (world builds, runs, output).
    pub busy_s: f64,
}

pub fn snapshot() -> Snapshot {
    Snapshot {
        phase_s: Phase::ALL
            .iter()
            .map(|&p| (p, NANOS[p.index()].load(Ordering::Relaxed) as f64 * 1e-9))
            .collect(),
        busy_s: BUSY_NANOS.load(Ordering::Relaxed) as f64 * 1e-9,
    }
}

impl Snapshot {
    /// The table `run --timings` prints: seconds and share of the busy time per phase,
    /// the rest as "other", the busy and wall time, the parallel efficiency
    /// busy / (wall × jobs), and (when known) the process's CPU time and its share of
    /// wall × jobs.
    pub fn table(&self, wall_s: f64, jobs: usize, cpu_s: Option<f64>) -> String {
        use std::fmt::Write;
        let busy = self.busy_s.max(1e-12);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "timings (seconds summed over threads and runs; share of busy time)"
        );
        let row = |s: &mut String, name: &str, secs: f64| {
            let _ = writeln!(
                s,
                "  {name:<40} {secs:>10.2} s {:>6.1} %",
                100.0 * secs / busy
            );
        };
        let mut sum = 0.0;
        for &(p, secs) in &self.phase_s {
            row(&mut s, p.name(), secs);
            sum += secs;
        }
        row(
            &mut s,
            "other (data, verifier, reward, selection)",
            (self.busy_s - sum).max(0.0),
        );
        row(&mut s, "busy (world builds + runs + output)", self.busy_s);
        let _ = writeln!(s, "  {:<40} {wall_s:>10.2} s", "wall");
        let _ = writeln!(
            s,
            "  {:<40} {:>10.1} % (busy / (wall × {jobs} jobs))",
            "parallel efficiency",
            100.0 * self.busy_s / (wall_s.max(1e-12) * jobs.max(1) as f64)
        );
        if let Some(cpu) = cpu_s {
            let _ = writeln!(
                s,
                "  {:<40} {cpu:>10.2} s {:>6.1} % of wall × {jobs} jobs",
                "process CPU time (user + sys)",
                100.0 * cpu / (wall_s.max(1e-12) * jobs.max(1) as f64)
            );
        }
        let _ = writeln!(
            s,
            "  (busy is the threads' wall time, time the OS gave to other processes included;\n   on a shared machine the CPU-time line and the wall time against --jobs 1 tell more)"
        );
        s
    }
}

/// User + system CPU seconds of this process so far (all threads), where the OS says.
pub fn process_cpu_s() -> Option<f64> {
    #[cfg(unix)]
    {
        // SAFETY: getrusage writes into the zeroed struct we own.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
            return None;
        }
        let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 * 1e-6;
        Some(t(u.ru_utime) + t(u.ru_stime))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// CPU seconds consumed by the calling thread so far (`CLOCK_THREAD_CPUTIME_ID`, the
/// clock Python's `time.thread_time()` reads), where the OS says. Unlike wall time it does
/// not count time the OS gave to other processes, so it is what a benchmark on a shared
/// machine reports.
pub fn thread_cpu_s() -> Option<f64> {
    #[cfg(unix)]
    {
        // SAFETY: clock_gettime writes into the zeroed struct we own.
        let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
            return None;
        }
        Some(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_scopes_count_exclusive_time() {
        // Counters are process-wide and other tests may add to them: compare deltas
        // of this thread's own work only through the ordering of its phases.
        let before = snapshot();
        {
            let _a = scope(Phase::Finetune);
            std::thread::sleep(std::time::Duration::from_millis(20));
            {
                let _b = scope(Phase::DecodeValidation);
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        let after = snapshot();
        let d = |p: Phase| after.phase_s[p.index()].1 - before.phase_s[p.index()].1;
        assert!(d(Phase::Finetune) >= 0.019, "{}", d(Phase::Finetune));
        assert!(d(Phase::DecodeValidation) >= 0.019);
        let table = after.table(1.0, 2, process_cpu_s());
        assert!(table.contains("process CPU time"), "{table}");
        for p in Phase::ALL {
            assert!(table.contains(p.name()), "{table}");
        }
        assert!(table.contains("parallel efficiency"));
    }

    #[test]
    fn thread_cpu_clock_counts_this_thread_only() {
        // A fresh thread burns CPU until its own clock has advanced 10 ms; that clock can
        // never exceed the whole process's CPU time (a wall clock would, by decades).
        let t = std::thread::spawn(|| {
            let t0 = thread_cpu_s().expect("thread clock");
            let mut x = 0u64;
            let mut t1 = t0;
            while t1 < t0 + 0.01 {
                for i in 0..10_000u64 {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
                }
                t1 = thread_cpu_s().unwrap();
            }
            t1
        })
        .join()
        .unwrap();
        let p = process_cpu_s().expect("process clock");
        assert!(t >= 0.01 && t <= p + 1e-3, "thread {t} s, process {p} s");
    }
}
