"""Checks a 3,000-item rerun against its 300-item original (issue 16, the item-level
section): arith-5rep-test3000 against arith-5rep, cal8-test3000 against cal8.

1. The students are the same: every dataset of the 3,000-item run except the test-set
   ones equals the 300-item run's byte for byte, and the first 300 test items (and the
   verdicts on them) are the same items.
2. The test-sampling decomposition of the report, computed on the 300-item run, projects
   the SD of each paired difference with 10x the test items; the 3,000-item run measures
   it on the same students.

    python3 results/calibration/test3000_check.py results/calibration/arith-5rep/results.h5 \
        results/calibration/arith-5rep-test3000/results.h5
"""
import sys
import h5py
import numpy as np

small, large = (h5py.File(p, "r") for p in sys.argv[1:3])
TASK = list(small["runs"].keys())[0]
TEST = {"test_accuracy", "test_correct", "test_difficulty", "base_test_correct",
        "base_test_accuracy", "base_by_difficulty"}


def datasets(f):
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o) if isinstance(o, h5py.Dataset) else None)
    return {n: o for n, o in out.items()
            if not n.startswith(("timing", "provenance")) and n.split("/")[-1] not in TEST}


ds, dl = datasets(small), datasets(large)
assert set(ds) == set(dl), set(ds) ^ set(dl)
def same(a, b):
    a, b = np.asarray(a[()]), np.asarray(b[()])
    if a.dtype.kind == "O":  # strings: compare values, not the object pointers
        return a.shape == b.shape and a.tolist() == b.tolist()
    return a.shape == b.shape and a.tobytes() == b.tobytes()


differ = [n for n in ds if not same(ds[n], dl[n])]
print(f"1. non-test datasets compared: {len(ds)}, differing: {len(differ)} {differ[:5]}")
reps = sorted(small["runs"][TASK].keys())
strategies = list(small["runs"][TASK]["rep0"].keys())
same_items = all(
    np.array_equal(small[f"worlds/{TASK}/{r}/test_difficulty"][()],
                   large[f"worlds/{TASK}/{r}/test_difficulty"][()][:300])
    and np.array_equal(small[f"runs/{TASK}/{r}/{s}/test_correct"][()],
                       large[f"runs/{TASK}/{r}/{s}/test_correct"][()][:, :300])
    for r in reps for s in strategies)
print(f"   first 300 test items and verdicts identical in every run: {same_items}")
if differ or not same_items:
    print("   THE STUDENTS DIFFER (the bases differ: the pre-training corpus is drawn to avoid every"
          " test question, so a larger test set can change it): below, 300 and 3,000 items grade"
          " different worlds of the same recipe, not the same students.")


def final(f, r, s):
    if s == "base":
        return f[f"worlds/{TASK}/{r}/base_test_correct"][()].astype(float)
    return f[f"runs/{TASK}/{r}/{s}/test_correct"][()][-1].astype(float)


def decompose(f, other, ref):
    d = [final(f, r, other) - final(f, r, ref) for r in reps]
    means = np.array([x.mean() for x in d])
    between = means.var(ddof=1)
    sampling = np.mean([x.var(ddof=1) / len(x) for x in d])
    return means, between, sampling


from scipy import stats  # noqa: E402

print("\n1b. random minus the base after each iteration, paired (W1a reads t = 0): mean [95 % t-CI]")
T = small[f"runs/{TASK}/rep0/random/test_accuracy"].shape[0]
for name, f in (("300 items", small), ("3,000 items", large)):
    cells = []
    for t in range(T):
        g = np.array([f[f"runs/{TASK}/{r}/random/test_accuracy"][t]
                      - f[f"worlds/{TASK}/{r}/base_test_accuracy"][()] for r in reps])
        lo, hi = stats.t.interval(0.95, len(g) - 1, loc=g.mean(), scale=stats.sem(g))
        cells.append(f"t={t}: {g.mean():+.3f} [{lo:+.3f}, {hi:+.3f}]")
    print(f"   {name}: " + "; ".join(cells))

print("\n2. SD over 5 replicates of the final paired difference")
print("| comparison | 300 items: observed SD | test-sampling share | projected SD at 3,000 | 3,000 items: observed SD | 3,000: sampling share |")
print("|---|---|---|---|---|---|")
pairs = [("random", "base")] + [(s, "random") for s in strategies if s != "random"]
pooled = []
for other, ref in pairs:
    m3, b3, s3 = decompose(small, other, ref)
    m30, b30, s30 = decompose(large, other, ref)
    proj = np.sqrt(max(b3 - s3, 0) + s3 / 10)
    print(f"| {other} − {ref} | {np.sqrt(b3):.4f} | {100*s3/b3:.0f} % | {proj:.4f} | "
          f"{np.sqrt(b30):.4f} | {100*s30/b30:.0f} % |")
    print(f"|   mean diff (300 → 3,000) | {m3.mean():+.4f} | | | {m30.mean():+.4f} | |")
    if ref == "random":
        pooled.append((b3, s3, proj ** 2, b30))
if pooled:
    b3, s3, p2, b30 = np.mean(pooled, axis=0)
    print(f"| pooled over the {len(pooled)} strategies vs random (root mean variance) | {np.sqrt(b3):.4f} | "
          f"{100*s3/b3:.0f} % | {np.sqrt(p2):.4f} | {np.sqrt(b30):.4f} | |")


# 3. Exploratory (chosen after seeing the difficulty table, so not a confirmatory test):
#    per replicate, the strategy-minus-random difference on hard test items (d >= 4)
#    minus that on easy ones (d <= 3), and the difference re-weighted to a uniform mix
#    of difficulties 1-6 instead of the test mix. Paired t over the 5 replicates.
def by_level(f, r, s, keep):
    d = f[f"worlds/{TASK}/{r}/test_difficulty"][()]
    return final(f, r, s)[keep(d)].mean()


print("\n3. Exploratory, on the 3,000-item run: hard (d >= 4) minus easy (d <= 3) items, and a uniform mix of difficulties")
print("| strategy − random | hard − easy, mean [95 % t-CI] | t p | uniform-mix difference [95 % t-CI] | t p |")
print("|---|---|---|---|---|")
for s in [s for s in strategies if s != "random"]:
    contrast, uniform = [], []
    for r in reps:
        diff = lambda keep: by_level(large, r, s, keep) - by_level(large, r, "random", keep)
        contrast.append(diff(lambda d: d >= 4) - diff(lambda d: d <= 3))
        uniform.append(np.mean([diff(lambda d, k=k: d == k) for k in range(1, 7)]))
    cells = []
    for x in (np.array(contrast), np.array(uniform)):
        ci = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        p = stats.ttest_1samp(x, 0).pvalue
        cells += [f"{x.mean():+.3f} [{ci[0]:+.3f}, {ci[1]:+.3f}]", f"{p:.3f}"]
    print(f"| {s} | " + " | ".join(cells) + " |")
