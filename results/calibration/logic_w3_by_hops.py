"""W3 for logic, taken apart by hop count: per replicate, the base's error rate on D0 and
the AUROC of its own-generation mean token loss for its errors (W3's score), overall and
within each hop count (difficulty 1-5), from a results.h5's world records.

The question it answers: is W3's failure a length confound? The mean token loss grows
with the hop count (Spearman ~0.5), and the errors are not concentrated on long chains,
so a signal within each hop count could be hidden in the pooled AUROC.

    cd results/calibration && python3 logic_w3_by_hops.py cal6/results.h5 cal9-md2-m2000-10rep/results.h5

Needs h5py, numpy and scipy (the AUROC is the Mann-Whitney U statistic / (n_err n_right),
computed by scipy, independently of activesynth's own AUROC)."""
import sys

import h5py
import numpy as np
from scipy.stats import mannwhitneyu


def auroc(score, err):
    if err.all() or not err.any():
        return float("nan")
    return mannwhitneyu(score[err], score[~err]).statistic / (err.sum() * (~err).sum())


for path in sys.argv[1:]:
    worlds = h5py.File(path, "r")["worlds/logic"]
    print(path)
    within = []
    for rep in sorted(worlds, key=lambda r: int(r[3:])):
        w = worlds[rep]
        err = w["d0_correct"][:] == 0
        loss = w["d0_loss_own"][:]
        hops = w["d0_difficulty"][:]
        cells = [f"{rep}: all {auroc(loss, err):.3f} (n {len(err)}, errors {err.mean():.2f})"]
        for h in np.unique(hops):
            m = hops == h
            a = auroc(loss[m], err[m])
            within.append(a)
            cells.append(f"h{h} {a:.2f} (err {err[m].mean():.2f}, n {m.sum()})")
        print("  " + " | ".join(cells))
    within = np.array(within)
    print(f"  within a hop count: AUROC {np.nanmin(within):.2f}-{np.nanmax(within):.2f}, "
          f"median {np.nanmedian(within):.2f} over {np.isfinite(within).sum()} (replicate, hop) cells")
