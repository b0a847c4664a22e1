"""Exploratory (not registered): section 4 minus section 2, paired by seed.

For each seed: (hard - mix at 1,200 with the 4-layer d 128 student) minus (the same with
the 2-layer d 64 student), overall and by test-item difficulty, with 95 % t-intervals.
The two sizes share each seed's test set (drawn from the world's streams, not the
student's), not its base.

    python3 results/difficulty-value/size_contrast.py
"""
import re, numpy as np
from scipy import stats
def load(prefix, arm):
    out = {}
    for part in "ab":
        seed = None
        for line in open(f"results/difficulty-value/{prefix}-{arm}-{part}.txt"):
            m = re.match(r"student fit: task \w+ seed (\d+) ", line)
            if m: seed = int(m.group(1)); continue
            c = line.split()
            if seed and len(c) == 12 and c[0] == "1200" and seed not in out:
                out[seed] = np.array([float(c[2])] + [float(x) for x in c[6:]])
    return out
s2 = {a: load("fit", a) for a in ("mix", "hard")}
s4 = {a: load("big", a) for a in ("mix", "hard")}
seeds = sorted(s2["mix"])
d = np.array([(s4["hard"][s] - s4["mix"][s]) - (s2["hard"][s] - s2["mix"][s]) for s in seeds])
for k, name in enumerate(["all", "d1", "d2", "d3", "d4", "d5", "d6"]):
    x = d[:, k]; h = stats.t.ppf(.975, len(x)-1) * x.std(ddof=1) / np.sqrt(len(x))
    print(f"{name}: {x.mean():+.3f} [{x.mean()-h:+.3f}, {x.mean()+h:+.3f}] p={stats.ttest_1samp(x,0).pvalue:.2g}")
