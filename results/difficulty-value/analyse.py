"""Read the `student fit` outputs of the difficulty-value arms and compare each arm with
`mix`, paired by master seed (same world, base, validation and test sets).

    python3 results/difficulty-value/analyse.py results/difficulty-value/fit-*.txt

File names: <recipe>-<arm>-<part>.txt (fit-: section 2's full fine-tuning, lora-:
section 3's LoRA, big-: section 4's larger student), arm in mix, easy, hard, hardest; pass one recipe's files at a time.
"""
import re
import sys
from collections import defaultdict

import numpy as np
from scipy import stats

ALL_ARMS = ["mix", "easy", "hard", "hardest"]


def read(paths):
    """arm -> seed -> {"base": (acc, by-difficulty), "400": ..., "1200": ..., "pool": [...]},
    from `student fit` outputs; shared with size_contrast.py."""
    rows = defaultdict(dict)
    for path in paths:
        arm = re.search(r"(?:fit|lora|big)-([a-z]+)-[^/]*$", path).group(1)
        seed = None
        for line in open(path):
            m = re.match(r"student fit: task \w+ seed (\d+) ", line)
            if m:
                seed = int(m.group(1))
                rows[arm][seed] = {}
                continue
            if seed is None:
                continue
            if line.startswith("training pool by difficulty"):
                rows[arm][seed]["pool"] = [int(x) for x in line.split(":")[1].split("(")[0].split()]
                continue
            cols = line.split()
            if len(cols) == 12 and cols[0] in ("base", "400", "1200") and cols[0] not in rows[arm][seed]:
                rows[arm][seed][cols[0]] = (float(cols[2]), np.array([float(x) for x in cols[6:]]))
    return rows


def ci(d):
    d = np.asarray(d)
    n = len(d)
    se = d.std(ddof=1) / np.sqrt(n)
    h = stats.t.ppf(0.975, n - 1) * se
    p = stats.ttest_1samp(d, 0).pvalue
    return f"{d.mean():+.3f} [{d.mean() - h:+.3f}, {d.mean() + h:+.3f}] p={p:.2g}"


def main(paths):
    rows = read(paths)
    seeds = sorted(rows["mix"])
    ARMS = [a for a in ALL_ARMS if a in rows]
    for arm in ARMS:
        assert sorted(rows[arm]) == seeds, (arm, sorted(rows[arm]))
        for s in seeds:
            # Same world in every arm: the base's test accuracy and its per-difficulty row agree.
            assert rows[arm][s]["base"][0] == rows["mix"][s]["base"][0], (arm, s)
            assert np.array_equal(rows[arm][s]["base"][1], rows["mix"][s]["base"][1]), (arm, s)
    print(f"{len(seeds)} seeds: {seeds}; the base is the same in every arm of a seed\n")


    base = np.array([rows["mix"][s]["base"][0] for s in seeds])
    print(f"base test accuracy: {base.mean():.3f} (SE {base.std(ddof=1) / np.sqrt(len(base)):.3f})")
    for arm in ARMS:
        pool = np.sum([rows[arm][s]["pool"] for s in seeds], axis=0)
        mean_d = (pool * np.arange(1, 7)).sum() / pool.sum()
        print(f"\n{arm}: pool difficulty mix {np.round(pool / pool.sum(), 3)} (mean {mean_d:.2f})")
        for n in ("400", "1200"):
            acc = np.array([rows[arm][s][n][0] for s in seeds])
            line = f"  {n:>4}: test {acc.mean():.3f}, gain over base {ci(acc - base)}"
            if arm != "mix":
                mix = np.array([rows["mix"][s][n][0] for s in seeds])
                line += f"; minus mix {ci(acc - mix)}; ahead in {(acc > mix).sum()} of {len(seeds)}"
            print(line)

    print("\nby test-item difficulty at 1200, arm minus mix (mean over seeds, 95% t):")
    for arm in ARMS[1:]:
        d = np.array([rows[arm][s]["1200"][1] - rows["mix"][s]["1200"][1] for s in seeds])
        print(f"  {arm:>8}: " + "  ".join(f"d{k + 1} {ci(d[:, k]).split(' p=')[0]}" for k in range(6)))
    print("\nby test-item difficulty at 1200, gain over base (mean over seeds):")
    for arm in ARMS:
        d = np.array([rows[arm][s]["1200"][1] - rows[arm][s]["base"][1] for s in seeds])
        print(f"  {arm:>8}: " + "  ".join(f"{x:+.3f}" for x in d.mean(axis=0)))


if __name__ == "__main__":
    main(sys.argv[1:])
