"""What loss-based selection does to the training data, read from a results file.

For `random` and `loss-own-high` in results/loss-vs-random/results.h5 (compare's arith
world, 20 replicates, 4 iterations of 400): the difficulty mix of the selected parents
and of their children, and the share of each that the student answered right (the
parents at selection time, the children when they were scored). A strategy can only
change what the student learns through the children, so the contrast that survives
from parents to children is what selection hands to fine-tuning.

    python3 results/difficulty-value/selection_to_data.py [results/loss-vs-random/results.h5]
"""
import sys

import h5py
import numpy as np

path = sys.argv[1] if len(sys.argv) > 1 else "results/loss-vs-random/results.h5"
f = h5py.File(path, "r")
runs, worlds = f["runs/arith"], f["worlds/arith"]
reps = sorted(runs, key=lambda r: int(r[3:]))
d0_mix = np.concatenate([worlds[r]["d0_difficulty"][:] for r in reps])
print(f"{path}: {len(reps)} replicates")
print("D0 (seed set) difficulty mix 1..6:", np.round(np.bincount(d0_mix, minlength=7)[1:] / len(d0_mix), 3))
per_rep = {}
for s in ["random", "loss-own-high"]:
    cd, pd, cc, pc = [], [], [], []
    per_rep[s] = []
    for r in reps:
        g = runs[r][s]["synthetic"]
        d0d = worlds[r]["d0_difficulty"][:]
        cd.append(g["difficulty"][:])
        pd.append(d0d[g["parent"][:]])
        cc.append(g["correct"][:])
        pc.append(g["parent_correct"][:])
        per_rep[s].append((g["parent_correct"][:].mean(), g["correct"][:].mean(), g["difficulty"][:].mean()))
    cd, pd, cc, pc = map(np.concatenate, (cd, pd, cc, pc))
    print(f"\n{s}: {len(cd)} children over all iterations and replicates")
    print("  parents:  difficulty mean %.2f, mix %s, student right %.3f"
          % (pd.mean(), np.round(np.bincount(pd, minlength=7)[1:] / len(pd), 3), pc.mean()))
    print("  children: difficulty mean %.2f, mix %s, student right %.3f"
          % (cd.mean(), np.round(np.bincount(cd, minlength=7)[1:] / len(cd), 3), cc.mean()))
a, b = np.array(per_rep["random"]), np.array(per_rep["loss-own-high"])
gap_p, gap_c = a[:, 0] - b[:, 0], a[:, 1] - b[:, 1]
print("\nrandom minus loss-own-high, per replicate (mean, min, max; replicates where > 0):")
print("  student right on parents:  %+.3f  [%+.3f, %+.3f]  %d of %d"
      % (gap_p.mean(), gap_p.min(), gap_p.max(), (gap_p > 0).sum(), len(gap_p)))
print("  student right on children: %+.3f  [%+.3f, %+.3f]  %d of %d"
      % (gap_c.mean(), gap_c.min(), gap_c.max(), (gap_c > 0).sum(), len(gap_c)))
print("  child difficulty (loss-own-high minus random): %+.2f" % (b[:, 2] - a[:, 2]).mean())
print("  share of the parents' accuracy gap left in the children: %.2f" % (gap_c.mean() / gap_p.mean()))
