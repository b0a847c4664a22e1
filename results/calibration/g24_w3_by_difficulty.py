"""W3 for game24, taken apart: per replicate, the base's accuracy on D0, the AUROC of its
own-generation mean token loss for its errors (W3's score), the mean loss of its right and
of its wrong answers, and the same by difficulty (1-3), from a results.h5's world records.

    python g24_w3_by_difficulty.py g24-other-10rep/results.h5 g24-m700-split/results.h5 ...

Needs h5py, numpy and scipy (the AUROC is the Mann-Whitney U statistic / (n_err n_right),
computed by scipy, independently of activesynth's own AUROC)."""
import sys

import h5py
import numpy as np
from scipy.stats import mannwhitneyu


def auroc(score, err):
    if err.all() or not err.any():
        return float("nan")
    u = mannwhitneyu(score[err], score[~err]).statistic
    return u / (err.sum() * (~err).sum())


def world_records(path, task):
    """Per replicate of `task` in a results.h5, in replicate order: (name, err, loss,
    difficulty) of the base on D0 (`err` = its greedy answer is wrong). Shared with
    logic_w3_by_hops.py."""
    worlds = h5py.File(path, "r")[f"worlds/{task}"]
    for rep in sorted(worlds, key=lambda r: int(r[3:])):
        w = worlds[rep]
        yield rep, w["d0_correct"][:] == 0, w["d0_loss_own"][:], w["d0_difficulty"][:]


def main(paths):
    for path in paths:
        print(path)
        aucs = []
        for rep, err, loss, diff in world_records(path, "game24"):
            right = ~err
            aucs.append(auroc(loss, err))
            by = " | ".join(
                f"d{k}: n {np.sum(diff == k)} acc {right[diff == k].mean():.2f} "
                f"AUROC {auroc(loss[diff == k], err[diff == k]):.2f}"
                for k in (1, 2, 3)
            )
            print(
                f"  {rep:5} acc {right.mean():.3f}  AUROC {aucs[-1]:.3f}  mean token loss "
                f"right {loss[right].mean():.4f} wrong {loss[err].mean():.4f}  | {by}"
            )
        print(f"  mean AUROC over {len(aucs)} replicates: {np.mean(aucs):.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
