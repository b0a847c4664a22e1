"""Exploratory (not registered): section 4 minus section 2, paired by seed.

For each seed: (hard - mix at 1,200 with the 4-layer d 128 student) minus (the same with
the 2-layer d 64 student), overall and by test-item difficulty, with 95 % t-intervals.
The two sizes share each seed's test set (drawn from the world's streams, not the
student's), not its base.

    python3 results/difficulty-value/size_contrast.py
"""
import glob
import os

import numpy as np
from scipy import stats

from analyse import read

here = os.path.dirname(os.path.abspath(__file__))


def at_1200(prefix):
    """arm -> seed -> [accuracy, accuracy by difficulty 1..6] at 1,200 examples."""
    rows = read(sorted(glob.glob(os.path.join(here, f"{prefix}-*.txt"))))
    return {arm: {s: np.concatenate([[r["1200"][0]], r["1200"][1]]) for s, r in by_seed.items()}
            for arm, by_seed in rows.items()}


s2, s4 = at_1200("fit"), at_1200("big")
seeds = sorted(s2["mix"])
d = np.array([(s4["hard"][s] - s4["mix"][s]) - (s2["hard"][s] - s2["mix"][s]) for s in seeds])
for k, name in enumerate(["all", "d1", "d2", "d3", "d4", "d5", "d6"]):
    x = d[:, k]; h = stats.t.ppf(.975, len(x)-1) * x.std(ddof=1) / np.sqrt(len(x))
    print(f"{name}: {x.mean():+.3f} [{x.mean()-h:+.3f}, {x.mean()+h:+.3f}] p={stats.ttest_1samp(x,0).pvalue:.2g}")
