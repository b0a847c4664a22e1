"""How hard are each strategy's synthetic children? (PROVENANCE.md, "Why high loss does
not win here".)

For each task and strategy: mean over replicates of the mean parent loss, child loss,
the share of children the student of that iteration answers correctly, and the child's
difficulty, over all five iterations' kept children. Reads the merged results.h5
(`activesynth merge shards/*/results.h5 --out .` regenerates it).

    python3 results/paper-next/children_hardness.py [results/paper-next/results.h5]
"""
import sys

import h5py
import numpy as np

path = sys.argv[1] if len(sys.argv) > 1 else "results/paper-next/results.h5"
with h5py.File(path, "r") as f:
    for task in ["arith", "mathmix", "logic", "game24"]:
        reps = sorted(f[f"runs/{task}"].keys())
        print(task, f"({len(reps)} replicates)")
        for s in ["random", "loss-own-high", "loss-own-low", "badge", "judge-hard"]:
            cols = {k: [] for k in ["parent_loss", "loss", "correct", "difficulty"]}
            for r in reps:
                g = f[f"runs/{task}/{r}/{s}/synthetic"]
                for k in cols:
                    cols[k].append(float(np.mean(g[k][:])))
            print(
                f"  {s:15s} parent loss {np.mean(cols['parent_loss']):.4f}"
                f"  child loss {np.mean(cols['loss']):.4f}"
                f"  child correct {np.mean(cols['correct']):.3f}"
                f" (per replicate {', '.join(f'{c:.3f}' for c in cols['correct'])})"
                f"  difficulty {np.mean(cols['difficulty']):.2f}"
            )
