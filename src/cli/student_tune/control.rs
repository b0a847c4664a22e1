//! The rehearsal-only control of `student tune`: the best configuration fine-tuned on the
//! rehearsal set alone, without a synthetic example. Its gain over the base is what
//! rehearsal gives by itself; when it is large, the base is not converged on its own
//! corpus, and part of every fine-tuning gain (world check W1 included) is more
//! pre-training rather than the synthetic data. `results/rehearsal/` found exactly that
//! in compare's world (+0.349 on validation from rehearsal alone), which is why the
//! control is printed whenever the scenario rehearses.

use crate::stats::world_checks::{paired_gain, PairedGain};
use std::fmt::Write as _;

/// A rehearsal-only gain at or above this (mean over replicates, validation accuracy)
/// marks the base as not converged: `results/calibration/cal10.md`'s threshold, under
/// which a base pre-trained for more epochs gains nothing more (+0.017 at 24 epochs,
/// −0.000 at 48, against +0.349 at compare's 12).
pub const CONVERGED_BELOW: f64 = 0.02;

/// The control's lines: the gain of rehearsal alone over the base, the synthetic
/// examples' gain over rehearsal alone (both paired by replicate, 95% t-intervals with
/// two or more replicates), and whether the base counts as converged. `control`,
/// `best` and `base` are validation accuracies per replicate; `replay` examples of the
/// base's `corpus` are rehearsed. Only the whole corpus can show convergence: the first
/// 500 of compare's 3,000 gain +0.018 where all 3,000 gain +0.349, because a base has
/// fitted the part it rehearses best.
pub fn lines(control: &[f64], best: &[f64], base: &[f64], replay: u32, corpus: u32) -> String {
    let mut s = String::new();
    let k = control.len();
    let interval = |g: &Result<_, _>| match g {
        Ok(PairedGain {
            mean, low, high, ..
        }) if k >= 2 => {
            format!("{mean:+.3} [{low:+.3}, {high:+.3}]")
        }
        Ok(PairedGain { mean, .. }) => format!("{mean:+.3} (one replicate: no interval)"),
        Err(_) => "undefined".into(),
    };
    let alone = paired_gain(control, base, 0.95);
    let _ = writeln!(
        s,
        "\nrehearsal alone (the best configuration on the {replay} rehearsed examples, no synthetic ones): validation gain over the base {}",
        interval(&alone)
    );
    let _ = writeln!(
        s,
        "the synthetic examples add {} over rehearsal alone (paired by replicate)",
        interval(&paired_gain(best, control, 0.95))
    );
    let gain = alone.map_or(f64::NAN, |g| g.mean);
    // Accuracies are multiples of 1/(validation items), so a gain of exactly 0.02 comes
    // out of the subtraction as 0.0199…: compare to rounding, as the line prints it.
    if gain >= CONVERGED_BELOW - 1e-9 {
        let _ = writeln!(
            s,
            "the base is not converged on its own corpus: rehearsal alone gains {gain:+.3} (≥ {CONVERGED_BELOW}), so part of any fine-tuning gain here, world check W1's included, is more pre-training; pre-train longer (student.pretrain_epochs) before calibrating on this base (results/rehearsal/)"
        );
    } else if gain.is_finite() && replay >= corpus {
        let _ = writeln!(
            s,
            "the base is converged on its own corpus by this measure: rehearsing all of it gains {gain:+.3} (< {CONVERGED_BELOW})"
        );
    } else if gain.is_finite() {
        let _ = writeln!(
            s,
            "rehearsing these {replay} examples alone gains {gain:+.3} (< {CONVERGED_BELOW}); whether the base is converged on its whole corpus shows with --set student.replay_examples={corpus} (results/rehearsal/)"
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Intervals against scipy (`stats.t.ppf(0.975, k - 1)` × the SE of the paired
    /// differences): control − base = (0.10, 0.20) gives 0.150 [−0.485, +0.785];
    /// best − control = (0.05, 0.10) gives 0.075 [−0.243, +0.393].
    #[test]
    fn gains_and_intervals_match_scipy_and_a_large_control_flags_the_base() {
        let s = lines(&[0.5, 0.6], &[0.55, 0.7], &[0.4, 0.4], 3000, 3000);
        assert!(
            s.contains("on the 3000 rehearsed examples, no synthetic ones): validation gain over the base +0.150 [-0.485, +0.785]"),
            "{s}"
        );
        assert!(
            s.contains("the synthetic examples add +0.075 [-0.243, +0.393] over rehearsal alone"),
            "{s}"
        );
        assert!(
            s.contains("the base is not converged on its own corpus: rehearsal alone gains +0.150"),
            "{s}"
        );
    }

    /// scipy: (0.01, 0.00, 0.02) gives 0.010 [−0.015, +0.035]; a mean under
    /// [`CONVERGED_BELOW`] reads as converged, and exactly at it as not.
    #[test]
    fn a_small_control_reads_as_converged_and_the_threshold_is_inclusive() {
        let (control, best, base) = ([0.41, 0.40, 0.42], [0.5; 3], [0.4; 3]);
        let s = lines(&control, &best, &base, 3000, 3000);
        assert!(s.contains("+0.010 [-0.015, +0.035]"), "{s}");
        assert!(s.contains("the base is converged on its own corpus by this measure: rehearsing all of it gains +0.010 (< 0.02)"), "{s}");
        // Part of the corpus cannot show convergence: the line says how to measure it.
        let part = lines(&control, &best, &base, 500, 3000);
        assert!(!part.contains("by this measure"), "{part}");
        assert!(part.contains("rehearsing these 500 examples alone gains +0.010 (< 0.02); whether the base is converged on its whole corpus shows with --set student.replay_examples=3000"), "{part}");
        let at = lines(&[0.42, 0.42], &[0.5, 0.5], &[0.4, 0.4], 500, 3000);
        assert!(at.contains("is not converged"), "{at}");
        let one = lines(&[0.5], &[0.6], &[0.4], 500, 3000);
        assert!(one.contains("+0.100 (one replicate: no interval)"), "{one}");
    }
}
