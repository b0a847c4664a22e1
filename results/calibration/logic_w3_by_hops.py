"""W3 for logic, taken apart by hop count: per replicate, the base's error rate on D0 and
the AUROC of its own-generation mean token loss for its errors (W3's score), overall and
within each hop count (difficulty 1-5), from a results.h5's world records.

The question it answers: is W3's failure a length confound? The mean token loss grows
with the hop count (Spearman ~0.5), and the errors are not concentrated on long chains,
so a signal within each hop count could be hidden in the pooled AUROC.

    cd results/calibration && python3 logic_w3_by_hops.py cal6/results.h5 cal9-md2-m2000-10rep/results.h5

Needs h5py, numpy and scipy (the AUROC is the Mann-Whitney U statistic / (n_err n_right),
computed by scipy, independently of activesynth's own AUROC; `auroc` and the world
records are g24_w3_by_difficulty.py's)."""
import sys

import numpy as np

from g24_w3_by_difficulty import auroc, world_records

for path in sys.argv[1:]:
    print(path)
    within = []
    for rep, err, loss, hops in world_records(path, "logic"):
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
