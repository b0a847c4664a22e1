"""Test-set contamination in a finite world (game24: 1,362 puzzles).

The teacher's backward rewrite of a puzzle is another puzzle, and about half of them
have all four numbers in 1..13, i.e. are puzzles of the world, some of them test
puzzles. For each strategy and iteration this prints how many synthetic questions are
test questions, how many test items the student has trained on by then, and the paired
gain over the base (mean over replicates with its 95 % t-interval) on the test items it
has seen and on those it has not.

    python g24_contamination.py RESULTS.h5 SCENARIO.toml [--bin activesynth] [--task game24]

The world's sets are not in the results file (they are a pure function of the
scenario); `activesynth tasks sets` draws them as `run` does. Needs h5py, numpy, scipy.
"""
import argparse
import subprocess

import h5py
import numpy as np
from scipy import stats

ap = argparse.ArgumentParser()
ap.add_argument("results")
ap.add_argument("scenario")
ap.add_argument("--bin", default="activesynth")
ap.add_argument("--task", default="game24")
a = ap.parse_args()

f = h5py.File(a.results, "r")
text = lambda x: x.decode() if isinstance(x, bytes) else x
reps = sorted(int(k[3:]) for k in f[f"runs/{a.task}"].keys())
strategies = sorted(f[f"runs/{a.task}/rep{reps[0]}"].keys())


def world_test(r):
    out = subprocess.run(
        [a.bin, "tasks", "sets", a.scenario, "--task", a.task, "--replicate", str(r)],
        check=True, capture_output=True, text=True,
    ).stdout
    return [l.split("\t", 3)[3] for l in out.splitlines() if l.startswith("test\t")]


tests = {r: world_test(r) for r in reps}


def ci(v):
    v = np.asarray(v, dtype=float)
    v = v[~np.isnan(v)]
    m = v.mean()
    if len(v) < 2:
        return f"{m:+.3f}"
    h = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return f"{m:+.3f} [{m - h:+.3f}, {m + h:+.3f}]"


for s in strategies:
    rows = []
    for r in reps:
        test_q = tests[r]
        index = set(test_q)
        g = f[f"runs/{a.task}/rep{r}/{s}"]
        q = [text(x) for x in g["synthetic/question"][:]]
        it = g["synthetic/iteration"][:]
        tc = g["test_correct"][:]
        btc = f[f"worlds/{a.task}/rep{r}/base_test_correct"][:]
        assert tc.shape[1] == len(test_q) == len(btc)
        for t in range(tc.shape[0]):
            seen = {x for x, i in zip(q, it) if i <= t and x in index}
            mask = np.array([x in seen for x in test_q])
            n_syn = int((it == t).sum())
            n_in = sum(1 for x, i in zip(q, it) if i == t and x in index)
            gain = lambda m: tc[t][m].mean() - btc[m].mean() if m.any() else np.nan
            rows.append((t, n_syn, n_in, mask.sum(), gain(mask), gain(~mask), gain(np.ones_like(mask))))
    rows = np.array(rows, dtype=float)
    print(f"== {s} ({len(reps)} replicates, {len(tests[reps[0]])} test items)")
    for t in sorted(set(rows[:, 0])):
        x = rows[rows[:, 0] == t]
        print(
            f"t={int(t)}: {x[:, 1].mean():.0f} synthetic, {x[:, 2].mean():.1f} of them test questions "
            f"({100 * x[:, 2].sum() / x[:, 1].sum():.1f} %); test items seen so far {x[:, 3].mean():.1f}"
        )
        print(f"     gain on seen items {ci(x[:, 4])}, on unseen {ci(x[:, 5])}, on all {ci(x[:, 6])}")
