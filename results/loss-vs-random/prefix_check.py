"""Replicates 0-19 at iterations 0-1 of this run against results/shared-draws/off.

usage: python3 prefix_check.py THIS/results.h5 results/shared-draws/off/results.h5

Both scenarios draw every stream from the same names (master seed 1, task arith,
replicate, strategy label, iteration), so the first two iterations of each run must be
the same bits: the world, the selections, the synthetic examples and the test verdicts.
"""

import sys

import h5py
import numpy as np

a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
checked = differ = 0
for r in range(20):
    for name in ("base_test_correct", "d0_correct", "d0_loss_own", "test_difficulty"):
        p = f"worlds/arith/rep{r}/{name}"
        checked += 1
        differ += not np.array_equal(a[p][()], b[p][()])
    for s in ("random", "loss-own-high"):
        run = f"runs/arith/rep{r}/{s}"
        for name in ("test_accuracy", "val_accuracy", "best_epoch", "train_size", "tokens_output"):
            checked += 1
            differ += not np.array_equal(a[f"{run}/{name}"][:2], b[f"{run}/{name}"][()])
        for name in ("test_correct", "selected"):
            checked += 1
            differ += not np.array_equal(a[f"{run}/{name}"][:2], b[f"{run}/{name}"][()])
        ia, ib = a[f"{run}/synthetic/iteration"][()], b[f"{run}/synthetic/iteration"][()]
        for name in ("question", "answer", "parent", "loss"):
            checked += 1
            differ += not np.array_equal(a[f"{run}/synthetic/{name}"][()][ia < 2], b[f"{run}/synthetic/{name}"][()][ib < 2])
print(f"{checked} arrays compared over replicates 0-19, iterations 0-1: {differ} differ")
