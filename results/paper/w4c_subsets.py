"""W4c (median-level Spearman of parent vs child loss over (strategy, replicate,
iteration) cells) of paper.toml's arith and logic, over all 12 strategies, over
compare.toml's 9 and over the 3 that paper.toml adds; and the range of each added
strategy's median parent loss. Run: python3 results/paper/w4c_subsets.py
(h5py, numpy, scipy). Cells as in docs/world-checks.md: finite pairs, per cell medians."""
import h5py
import numpy as np
from scipy import stats

COMPARE9 = ["random", "loss-own-high", "loss-gt-high", "reward-low", "judge-hard",
            "lion", "badge", "incorrect", "evokd"]
f = h5py.File("results/paper/results.h5", "r")
for task in ["arith", "logic"]:
    cells = {}
    for rep in f[f"runs/{task}"]:
        for st in f[f"runs/{task}/{rep}"]:
            s = f[f"runs/{task}/{rep}/{st}/synthetic"]
            it, pl, cl = s["iteration"][()], s["parent_loss"][()], s["loss"][()]
            for t in np.unique(it):
                m = (it == t) & np.isfinite(pl) & np.isfinite(cl)
                cells[(st, rep, t)] = (np.median(pl[m]), np.median(cl[m]))

    def rho(keys):
        a = np.array([cells[k] for k in keys])
        return stats.spearmanr(a[:, 0], a[:, 1]).statistic, len(keys)

    allk = list(cells)
    print(task, "all 12: rho %.3f (%d cells)" % rho(allk),
          "| compare's 9: rho %.3f (%d)" % rho([k for k in allk if k[0] in COMPARE9]),
          "| the 3 added: rho %.3f (%d)" % rho([k for k in allk if k[0] not in COMPARE9]))
    for st in ["loss-own-low", "reward-high", "loss-own-high-softmax", "random", "loss-own-high"]:
        a = np.array([cells[k] for k in allk if k[0] == st])
        print("   %-22s median parent loss %.3f - %.3f" % (st, a[:, 0].min(), a[:, 0].max()))
