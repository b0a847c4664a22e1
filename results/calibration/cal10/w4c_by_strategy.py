"""Why W4c (median-level Spearman over every strategy's cells) fails in cal10-10rep.

Per (strategy, replicate, iteration) cell: the median parent loss and the median child
loss of the cell's synthetic examples (the same cells W4c uses). Prints each strategy's
mean medians and their range, W4c itself (an independent recomputation of the report's
value), W4c within each iteration, and how much of the children's median loss varies
with the replicate, the strategy and the iteration (the one-way share of each factor in
the cell medians' sum of squares).

    python3 results/calibration/cal10/w4c_by_strategy.py results/calibration/cal10-10rep/results.h5
"""
import sys

import h5py
import numpy as np
from scipy import stats


def cells(path, task="arith"):
    f = h5py.File(path, "r")
    out = []
    for rep in f[f"runs/{task}"]:
        for s in f[f"runs/{task}"][rep]:
            g = f[f"runs/{task}"][rep][s]["synthetic"]
            it, pl, cl, d = (g[k][:] for k in ("iteration", "parent_loss", "loss", "difficulty"))
            for t in np.unique(it):
                m = it == t
                out.append((s, rep, int(t), np.median(pl[m]), np.median(cl[m]), d[m].mean()))
    return out


def shares(rows, col):
    """Sums of squares of the cell medians in column `col` by replicate and by strategy."""
    y = np.array([r[col] for r in rows])
    grand = y.mean()
    total = ((y - grand) ** 2).sum()
    out = {}
    for name, key in (("replicate", 1), ("strategy", 0), ("iteration", 2)):
        groups = {}
        for r, v in zip(rows, y):
            groups.setdefault(r[key], []).append(v)
        out[name] = sum(len(v) * (np.mean(v) - grand) ** 2 for v in groups.values()) / total
    return out


def main(path):
    rows = cells(path)
    for s in sorted({r[0] for r in rows}):
        r = [x for x in rows if x[0] == s]
        print(
            f"{s:15s} parent median loss {np.mean([x[3] for x in r]):.3f} "
            f"(range {min(x[3] for x in r):.3f}-{max(x[3] for x in r):.3f})  "
            f"child median loss {np.mean([x[4] for x in r]):.3f} "
            f"(range {min(x[4] for x in r):.3f}-{max(x[4] for x in r):.3f})  "
            f"child difficulty {np.mean([x[5] for x in r]):.2f}"
        )
    rho = stats.spearmanr([x[3] for x in rows], [x[4] for x in rows])
    print(f"W4c over all {len(rows)} cells: rho = {rho.statistic:.4f}, p = {rho.pvalue:.3g}")
    for t in sorted({r[2] for r in rows}):
        r = [x for x in rows if x[2] == t]
        rt = stats.spearmanr([x[3] for x in r], [x[4] for x in r])
        print(f"  within t = {t}: rho = {rt.statistic:.4f} ({len(r)} cells)")
    for col, what in ((3, "parent"), (4, "child")):
        sh = shares(rows, col)
        print(
            f"share of the variance of the cells' {what} median loss: "
            f"between replicates {sh['replicate']:.2f}, strategies {sh['strategy']:.2f}, "
            f"iterations {sh['iteration']:.2f} (one-way shares; the rest is within)"
        )


if __name__ == "__main__":
    main(sys.argv[1])
