"""The pre-registered analysis of results/shared-draws/README.md.

usage: python3 analyse.py OFF/results.h5 ON/results.h5   (h5py, numpy, scipy)

Per arm and iteration: d_r = test accuracy of loss-own-high minus random's in
replicate r. Compared between the arms (paired by replicate: the same worlds): the
variance ratio on/off with the Pitman-Morgan test and a percentile bootstrap interval
of the SD ratio; each arm's mean d with its t-interval; and how many of loss-own-high's
children are identical to random's child of the same parent at the same iteration.
"""

import sys

import h5py
import numpy as np
from scipy import stats

A, B = "random", "loss-own-high"


def load(path):
    f = h5py.File(path, "r")
    reps = sorted(f["runs/arith"].keys(), key=lambda r: int(r[3:]))
    acc = {s: np.array([f[f"runs/arith/{r}/{s}/test_accuracy"][()] for r in reps]) for s in (A, B)}
    return f, reps, acc


def children(f, rep, s):
    g = f[f"runs/arith/{rep}/{s}/synthetic"]
    it, par = g["iteration"][()], g["parent"][()]
    q = [x.decode() if isinstance(x, bytes) else x for x in g["question"][()]]
    a = [x.decode() if isinstance(x, bytes) else x for x in g["answer"][()]]
    return {(int(i), int(p)): (qq, aa) for i, p, qq, aa in zip(it, par, q, a)}


def pitman_morgan(x, y):
    """Test var(x) = var(y) for paired samples: corr(x + y, x - y) = 0."""
    n = len(x)
    r = np.corrcoef(x + y, x - y)[0, 1]
    t = r * np.sqrt((n - 2) / (1 - r * r))
    return r, 2 * stats.t.sf(abs(t), n - 2)


def main(off_path, on_path):
    f_off, reps, off = load(off_path)
    f_on, reps_on, on = load(on_path)
    assert reps == reps_on
    n = len(reps)
    same_world = all(
        np.array_equal(f_off[f"worlds/arith/{r}/base_test_correct"][()], f_on[f"worlds/arith/{r}/base_test_correct"][()])
        and np.array_equal(f_off[f"worlds/arith/{r}/d0_correct"][()], f_on[f"worlds/arith/{r}/d0_correct"][()])
        for r in reps
    )
    print(f"replicates: {n}; worlds identical in both arms (base verdicts on test and D0): {same_world}")
    base = np.array([f_off[f"runs/arith/{r}/{A}/base_test_accuracy"][()] for r in reps])
    print(f"base test accuracy: mean {base.mean():.3f}")
    iters = off[A].shape[1]
    rng = np.random.default_rng(1)
    boot = rng.integers(0, n, size=(10_000, n))
    for t in range(iters):
        d_off = off[B][:, t] - off[A][:, t]
        d_on = on[B][:, t] - on[A][:, t]
        sd_off, sd_on = d_off.std(ddof=1), d_on.std(ddof=1)
        r, p = pitman_morgan(d_off, d_on)
        ratios = np.array([d_on[i].std(ddof=1) / d_off[i].std(ddof=1) for i in boot])
        lo, hi = np.percentile(ratios, [2.5, 97.5])
        print(f"\nt = {t}: d = {B} - {A}, per replicate")
        for name, d in (("off", d_off), ("on", d_on)):
            m, se = d.mean(), d.std(ddof=1) / np.sqrt(n)
            ci = stats.t.interval(0.95, n - 1, loc=m, scale=se)
            print(f"  {name:3}: mean {m:+.4f} [{ci[0]:+.4f}, {ci[1]:+.4f}], SD {d.std(ddof=1):.4f}")
        print(f"  variance ratio on/off {sd_on**2 / sd_off**2:.3f} (SD ratio {sd_on / sd_off:.3f}; bootstrap 95 % of the SD ratio [{lo:.3f}, {hi:.3f}], of the variance ratio [{lo**2:.3f}, {hi**2:.3f}])")
        print(f"  Pitman-Morgan: corr(sum, difference) {r:+.3f}, p = {p:.4f}")
        print(f"  corr(d_off, d_on) over replicates {np.corrcoef(d_off, d_on)[0, 1]:+.3f}")
        for name, acc in (("off", off), ("on", on)):
            sa, sb = acc[A][:, t].std(ddof=1), acc[B][:, t].std(ddof=1)
            rho = np.corrcoef(acc[A][:, t], acc[B][:, t])[0, 1]
            print(f"  {name:3}: SD over replicates {A} {sa:.4f}, {B} {sb:.4f}; corr({A}, {B}) {rho:+.3f}")
    print("\nchildren of a common (iteration, parent): identical question and answer")
    for name, f in (("off", f_off), ("on", f_on)):
        common = same = total = 0
        for r in reps:
            ca, cb = children(f, r, A), children(f, r, B)
            total += len(cb)
            for k, v in cb.items():
                if k in ca:
                    common += 1
                    same += ca[k] == v
        print(f"  {name:3}: {B} has {total} children over {n} replicates; {common} share (iteration, parent) with {A}'s, {same} identical ({same / total:.1%} of all its children)")


if __name__ == "__main__":
    main(*sys.argv[1:3])
