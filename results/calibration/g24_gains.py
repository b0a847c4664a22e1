"""Paired gains of `random` over the base, per iteration, from a results.h5 (scipy
t-intervals, replicates counted once), and optionally the contrast of two files that
share their replicates' bases and test sets at chosen iterations.

    python g24_gains.py A/results.h5 [B/results.h5 ITER_A ITER_B]
"""
import sys

import h5py
import numpy as np
from scipy import stats


def runs(path, task="game24", strategy="random"):
    with h5py.File(path, "r") as f:
        g = f[f"/runs/{task}"]
        reps = sorted(g, key=lambda r: int(r[3:]))
        base = np.array([g[r][strategy]["base_test_accuracy"][()] for r in reps])
        acc = np.array([g[r][strategy]["test_accuracy"][:] for r in reps])
        size = np.array([g[r][strategy]["train_size"][:] for r in reps])
        return reps, base, acc, size


def interval(d):
    d = np.asarray(d, float)
    n = len(d)
    m = d.mean()
    h = stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)
    return m, m - h, m + h, int((d > 0).sum()), n


def main():
    reps, base, acc, size = runs(sys.argv[1])
    print(f"{sys.argv[1]}: {len(reps)} replicates, base test accuracy {base.mean():.3f}")
    for t in range(acc.shape[1]):
        m, lo, hi, pos, n = interval(acc[:, t] - base)
        print(
            f"  t={t} (mean |D_t| {size[:, t].mean():.0f}): gain {m:+.3f} "
            f"[{lo:+.3f}, {hi:+.3f}] ({pos} of {n} replicates above the base)"
        )
    if len(sys.argv) == 5:
        rb, bb, ab, sb = runs(sys.argv[2])
        ta, tb = int(sys.argv[3]), int(sys.argv[4])
        assert rb == reps and np.array_equal(bb, base), "not the same bases"
        m, lo, hi, pos, n = interval(acc[:, ta] - ab[:, tb])
        print(
            f"  {sys.argv[1]} t={ta} (|D| {size[:, ta].mean():.0f}) minus {sys.argv[2]} "
            f"t={tb} (|D| {sb[:, tb].mean():.0f}): {m:+.3f} [{lo:+.3f}, {hi:+.3f}] ({pos} of {n})"
        )


main()
