"""Apply results/rehearsal/README.md's decision rule to the `student tune` outputs.

For each rehearsal size R: per replicate, the validation gain over the base averaged over
the two training sizes (400 and 1,000). R* is the R with the highest mean gain; it
replaces compare's 500 only if R*'s gain minus 500's, paired by replicate, has a 95 %
t-interval above 0. Reads tune-R{R}-N{N}.csv (val_by_replicate) and the matching .txt
(each replicate's base validation accuracy).

    python3 results/rehearsal/choose.py results/rehearsal/tune-*.csv
"""
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

from scipy import stats


def read(csv_path):
    """(R, N, [gain per replicate]) from one tune output pair."""
    m = re.search(r"tune-R(\d+)-N(\d+)\.csv$", csv_path)
    r, n = int(m.group(1)), int(m.group(2))
    rows = list(csv.DictReader(open(csv_path)))
    assert len(rows) == 1, f"{csv_path}: one configuration expected"
    val = [float(v) for v in rows[0]["val_by_replicate"].split(";")]
    txt = Path(csv_path).with_suffix(".txt").read_text()
    base = {int(k): float(v) for k, v in re.findall(r"^replicate (\d+): base validation accuracy ([0-9.]+)", txt, re.M)}
    assert sorted(base) == list(range(len(val))), f"{csv_path}: replicates"
    return r, n, [val[i] - base[i] for i in range(len(val))]


def t_interval(xs):
    k = len(xs)
    mean = sum(xs) / k
    se = stats.tstd(xs) / k**0.5
    h = stats.t.ppf(0.975, k - 1) * se
    return mean, se, mean - h, mean + h


def main(paths):
    gains = defaultdict(dict)  # R -> N -> per-replicate gains
    for p in paths:
        r, n, g = read(p)
        gains[r][n] = g
    sizes = sorted({n for by_n in gains.values() for n in by_n})
    print("validation gain over the base (mean over 10 replicates, 100 items each; SE over replicates)")
    print(f"{'R':>6} " + " ".join(f"{'N=' + str(n):>16}" for n in sizes) + f" {'mean of sizes':>16}")
    avg = {}
    for r in sorted(gains):
        assert sorted(gains[r]) == sizes, f"R={r}: sizes {sorted(gains[r])}"
        k = len(gains[r][sizes[0]])
        avg[r] = [sum(gains[r][n][i] for n in sizes) / len(sizes) for i in range(k)]
        cells = []
        for n in sizes:
            m, se, _, _ = t_interval(gains[r][n])
            cells.append(f"{m:+.3f} ± {se:.3f}")
        m, se, _, _ = t_interval(avg[r])
        print(f"{r:>6} " + " ".join(f"{c:>16}" for c in cells) + f" {m:+.3f} ± {se:.3f}")
    best = max(avg, key=lambda r: sum(avg[r]))
    print(f"\nR* = {best} (highest mean gain over both sizes)")
    for r in sorted(avg):
        if r == 500:
            continue
        d = [a - b for a, b in zip(avg[r], avg[500])]
        m, se, lo, hi = t_interval(d)
        p = stats.ttest_rel(avg[r], avg[500]).pvalue
        print(f"R={r:>5} − R=500, paired by replicate: {m:+.3f} [{lo:+.3f}, {hi:+.3f}] (95 % t), p = {p:.3f}")
    if best == 500:
        print("decision: 500 stays (it has the highest mean gain)")
    else:
        d = [a - b for a, b in zip(avg[best], avg[500])]
        _, _, lo, _ = t_interval(d)
        verdict = f"R* = {best} replaces 500" if lo > 0 else "500 stays: R* is within validation noise of it"
        print(f"decision: {verdict}")


if __name__ == "__main__":
    main(sys.argv[1:])
