import h5py, numpy as np, sys
from scipy import stats
f=h5py.File(sys.argv[1])
rows=[]
for rep in f['runs/arith']:
    for s in f['runs/arith'][rep]:
        g=f['runs/arith'][rep][s]['synthetic']
        it=g['iteration'][:]; pl=g['parent_loss'][:]; cl=g['loss'][:]; d=g['difficulty'][:]
        for t in np.unique(it):
            m=it==t
            rows.append((s,rep,int(t),np.median(pl[m]),np.median(cl[m]),d[m].mean()))
for s in sorted({r[0] for r in rows}):
    r=[x for x in rows if x[0]==s]
    print(f"{s:15s} parent median loss {np.mean([x[3] for x in r]):.3f} (range {min(x[3] for x in r):.3f}-{max(x[3] for x in r):.3f})  child median loss {np.mean([x[4] for x in r]):.3f} (range {min(x[4] for x in r):.3f}-{max(x[4] for x in r):.3f})  child difficulty {np.mean([x[5] for x in r]):.2f}")
print('W4c over all cells', stats.spearmanr([x[3] for x in rows],[x[4] for x in rows]))
for t in (0,1):
    r=[x for x in rows if x[2]==t]
    print(f't={t}', stats.spearmanr([x[3] for x in r],[x[4] for x in r]))
