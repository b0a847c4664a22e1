"""Independent reference values for tests/world_checks.rs (not run by the tests).

Rebuilds the hand-made results of the test with the same integer formulas and computes
every world check with scipy / scikit-learn / brute force. Run: python3 this_file.py
(scipy 1.17.1, scikit-learn 1.9.1, numpy).
"""
import itertools
import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score

REPS, T, N = 3, 2, 10
STRATS = ["random", "loss"]
BASE = [0.30, 0.32, 0.28]
ACC = {"random": [[0.35, 0.40], [0.36, 0.35], [0.31, 0.36]],
       "loss": [[0.40, 0.95], [0.41, 0.93], [0.33, 0.91]]}
FACTOR = [0.1, 1.0, 3.0, 0.2, 2.0, 0.5]  # by (rep * T + t) % 6, plus si


def cell(si, r, t):
    pl, cl, ok = [], [], []
    for j in range(N):
        p = ((j * 7 + 3 * r + 5 * t + 11 * si) % 13) / 4
        if j == N - 1:
            p = pl[0]  # a deliberate tie
        f = FACTOR[(r * T + t + si) % 6]
        k = (j * 5 + r + t + si) % 7
        pl.append(p)
        cl.append(p * 0.5 + k / 10 * f)
        ok.append((j * 3 + r + 2 * t + si) % 4 != 0 if p < 1.5 else (j + r + t) % 5 == 0)
    return pl, cl, ok


def d0(r):
    """Base student's loss_own and correctness on an 8-seed D0 (ties on purpose)."""
    loss = [((i * 3 + r) % 5) / 2 for i in range(8)]
    correct = [((i * 3 + r) % 5) < 2 or i == r for i in range(8)]
    return loss, correct


def w5_cell(pl, ok):
    """Brute force: average A_random(k) - A_loss(k) over every order of tied parents."""
    n = len(pl)
    acc = sum(ok) / n
    vals = sorted(set(pl), reverse=True)
    blocks = [[i for i in range(n) if pl[i] == v] for v in vals]
    total, count = 0.0, 0
    for perm in itertools.product(*[itertools.permutations(b) for b in blocks]):
        order = [i for b in perm for i in b]
        hits = np.cumsum([ok[i] for i in order]) / n
        diag = np.arange(1, n + 1) / n * acc
        total += np.mean(diag - hits)
        count += 1
    return total / count


gain = np.array([ACC["random"][r][0] - BASE[r] for r in range(REPS)])
se = gain.std(ddof=1) / np.sqrt(REPS)
print("W1a", repr(gain.mean()), stats.t.interval(0.95, REPS - 1, loc=gain.mean(), scale=se))
print("W1b", repr(np.mean([ACC["random"][r][1] - ACC["random"][r][0] for r in range(REPS)])))
print("W2a", repr(np.mean(BASE)))
print("W2b", repr(max(np.mean([ACC[s][r][1] for r in range(REPS)]) for s in STRATS)))
aurocs = []
for r in range(REPS):
    loss, correct = d0(r)
    aurocs.append(roc_auc_score([not c for c in correct], loss))
print("W3 per rep", [repr(a) for a in aurocs], "mean", repr(np.mean(aurocs)))
rhos, ps = [], []
for r in range(REPS):
    for t in range(T):
        pl, cl, _ = cell(0, r, t)
        res = stats.spearmanr(pl, cl)
        rhos.append(res.statistic)
        ps.append(res.pvalue)
print("W4 cells rho", [round(x, 4) for x in rhos], "p", [f"{p:.2e}" for p in ps])
print("W4a", repr(np.median(rhos)), "W4b", np.mean(np.array(ps) < 0.001))
mb, ma = [], []
for si in range(2):
    for r in range(REPS):
        for t in range(T):
            pl, cl, _ = cell(si, r, t)
            mb.append(np.median(pl))
            ma.append(np.median(cl))
res = stats.spearmanr(mb, ma)
print("W4c", repr(res.statistic), res.pvalue)
w5 = [w5_cell(*[cell(0, r, t)[i] for i in (0, 2)]) for r in range(REPS) for t in range(T)]
print("W5 cells", [repr(x) for x in w5], "mean", repr(np.mean(w5)))
# Without `random`: W4c over `loss`'s cells alone.
mb = [np.median(cell(1, r, t)[0]) for r in range(REPS) for t in range(T)]
ma = [np.median(cell(1, r, t)[1]) for r in range(REPS) for t in range(T)]
print("W4c loss only", repr(stats.spearmanr(mb, ma).statistic))
