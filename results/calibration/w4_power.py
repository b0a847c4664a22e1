#!/usr/bin/env python3
"""W4 (inheritance) read cell by cell, with the power each cell had.

W4a takes the median over `random`'s (replicate, iteration) cells of Spearman's rho between
a child's loss and its parent's; W4b the fraction of those cells with p < 0.001. Whether a
cell *can* reach p < 0.001 depends on how many children it holds, not only on how strongly
children inherit. This script prints, for every task of each results file:

- per cell: n, rho, p (scipy's `spearmanr`, as `src/stats/world_checks.rs` computes them);
- rho pooled over each replicate's iterations (one rank correlation per replicate);
- the power of a cell of the median size to reach p < 0.001 if the true rho were the
  median cell rho (Fisher's z approximation, two-sided): the chance that W4b's test
  succeeds in a cell even when the inheritance is real;
- the smallest |rho| that reaches p < 0.001 at that n;
- rank correlations of the child's loss with properties of the child alone (answer length
  in characters, the largest number in the question), which say what else drives it.

Usage: w4_power.py RESULTS.h5 [RESULTS.h5 ...]
"""
import re
import sys

import h5py
import numpy as np
from scipy.stats import norm, spearmanr


def z_needed(alpha=0.001):
    return norm.isf(alpha / 2)


def power(rho, n, alpha=0.001):
    """P(two-sided p < alpha) for a true rank correlation rho with n pairs (Fisher z)."""
    if n <= 3:
        return float("nan")
    mu = np.arctanh(rho) * np.sqrt(n - 3)
    z = z_needed(alpha)
    return norm.sf(z - mu) + norm.cdf(-z - mu)


def rho_needed(n, alpha=0.001):
    return float(np.tanh(z_needed(alpha) / np.sqrt(n - 3)))


def largest_number(q):
    nums = [int(x) for x in re.findall(r"\d+", q)]
    return max(nums) if nums else 0


def main(paths):
    for path in paths:
        f = h5py.File(path, "r")
        for task in f["runs"]:
            reps = sorted(f[f"runs/{task}"], key=lambda r: int(r[3:]))
            cells, pooled = [], []
            own_len, own_num = [], []
            for rep in reps:
                key = f"runs/{task}/{rep}/random/synthetic"
                if key not in f:
                    continue
                g = f[key]
                it = g["iteration"][:]
                pl = g["parent_loss"][:]
                cl = g["loss"][:]
                ok = np.isfinite(pl) & np.isfinite(cl)
                for t in np.unique(it):
                    m = (it == t) & ok
                    r = spearmanr(pl[m], cl[m])
                    cells.append((rep, int(t), int(m.sum()), r.statistic, r.pvalue))
                pooled.append((rep, spearmanr(pl[ok], cl[ok]).statistic, int(ok.sum())))
                ans = [a.decode() for a in g["answer"][:]]
                qs = [q.decode() for q in g["question"][:]]
                own_len.append(spearmanr([len(a) for a in ans], cl).statistic)
                nums = [largest_number(q) for q in qs]
                if len(set(nums)) > 1:  # logic's questions hold no numbers
                    own_num.append(spearmanr(nums, cl).statistic)
            if not cells:
                continue
            ns = np.array([c[2] for c in cells])
            rhos = np.array([c[3] for c in cells])
            ps = np.array([c[4] for c in cells])
            n_med = int(np.median(ns))
            rho_med = float(np.median(rhos))
            print(f"## {path} :: {task}")
            print(f"cells: {len(cells)}; children per cell: median {n_med} "
                  f"(min {ns.min()}, max {ns.max()})")
            print(f"W4a median cell rho = {rho_med:+.3f}; "
                  f"W4b cells with p < 0.001 = {(ps < 0.001).sum()} of {len(cells)}")
            print(f"smallest |rho| with p < 0.001 at n = {n_med}: {rho_needed(n_med):.3f}")
            print(f"power of a cell of n = {n_med} at rho = {rho_med:+.3f}: "
                  f"{power(rho_med, n_med):.3f}")
            print("rho pooled over each replicate's iterations: " + ", ".join(
                f"{r} {x:+.3f} (n {n})" for r, x, n in pooled))
            print(f"rho(child loss, child answer length), median over replicates: "
                  f"{np.median(own_len):+.3f}")
            if own_num:
                print(f"rho(child loss, largest number in the child's question), median "
                      f"over replicates: {np.median(own_num):+.3f}")
            for rep, t, n, r, p in cells:
                print(f"  {rep} t={t}: n {n:4d}  rho {r:+.3f}  p {p:.1e}")
            print()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
