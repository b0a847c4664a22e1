"""`activesynth score` on dumps written by h5py, on the CUDA and the CPU backend, against
per-sequence losses computed by PyTorch in float64 on the GPU; and PyTorch's own
materialised cross-entropy (logits = H Wᵀ in bf16, then `cross_entropy`) timed with CUDA
events at the LLM-like size, as the peer of the fused kernel. Usage:
    python3 score_check.py ACTIVESYNTH_BIN OUT_DIR
"""
import os
import subprocess
import sys
import time

import h5py
import numpy as np
import torch

BIN, OUT = sys.argv[1], sys.argv[2]
# SCORE_CHECK_DEVICE=cpu dry-runs the checks without a GPU (no peer timing, CPU backend only).
dev = torch.device(os.environ.get("SCORE_CHECK_DEVICE", "cuda"))
ok = True


def dump(path, tokens, d, v, seq, dtype, seed):
    g = torch.Generator(device="cpu").manual_seed(seed)
    h = torch.rand(tokens, d, generator=g) * 2 - 1
    w = (torch.rand(v, d, generator=g) * 2 - 1) / d**0.5 * 3
    y = torch.randint(0, v, (tokens,), generator=g)
    lens = torch.randint(1, 2 * seq, (tokens // seq * 2,), generator=g)
    offs = np.concatenate([[0], np.cumsum(lens.numpy())])
    offs = offs[offs <= tokens]
    offs = np.concatenate([offs, [tokens]]) if offs[-1] != tokens else offs
    with h5py.File(path, "w") as f:
        if dtype == "bf16":
            hb, wb = h.to(torch.bfloat16), w.to(torch.bfloat16)
            f["hidden"] = hb.view(torch.int16).numpy().view(np.uint16)
            f["head"] = wb.view(torch.int16).numpy().view(np.uint16)
            f["hidden"].attrs["dtype"] = "bfloat16"
            f["head"].attrs["dtype"] = "bfloat16"
            h, w = hb.float(), wb.float()
        elif dtype == "f16":
            f["hidden"] = h.half().numpy()
            f["head"] = w.half().numpy()
            h, w = h.half().float(), w.half().float()
        else:
            f["hidden"] = h.numpy()
            f["head"] = w.numpy()
        f["targets"] = y.numpy().astype(np.int64)
        f["offsets"] = offs.astype(np.int64)
    return h, w, y, offs


def ref_loss(h, w, y, offs):
    """Per-sequence mean NLL in float64 on the GPU, in row chunks."""
    per_row = []
    w64 = w.to(dev, torch.float64)
    for a in range(0, h.shape[0], 4096):
        logits = h[a : a + 4096].to(dev, torch.float64) @ w64.T
        per_row.append(torch.nn.functional.cross_entropy(logits, y[a : a + 4096].to(dev), reduction="none"))
    r = torch.cat(per_row).cpu().numpy()
    return np.array([r[offs[s] : offs[s + 1]].mean() if offs[s + 1] > offs[s] else 0.0 for s in range(len(offs) - 1)])


def score(path, device):
    out = os.path.join(OUT, f"scores-{os.path.basename(path)[:-3]}-{device}.h5")
    t = time.time()
    p = subprocess.run([BIN, "score", "--input", path, "--out", out, "--device", device], capture_output=True, text=True)
    el = time.time() - t
    if p.returncode != 0:
        print(p.stdout, p.stderr)
        raise SystemExit(f"score --device {device} failed: {p.returncode}")
    with h5py.File(out) as f:
        return f["loss"][:], f["grad_embed"][:], f.attrs["backend"], el


print(f"{'dump':<28} {'backend':<5} {'max rel err vs f64':>19} {'embed rel diff':>15} {'process s':>10}")
for tokens, d, v, seq, dtype in [(3000, 96, 1000, 40, "f32"), (8192, 1024, 16384, 256, "bf16"), (4096, 512, 8192, 100, "f16")]:
    path = f"/tmp/dump-{dtype}-{tokens}x{d}x{v}.h5"
    h, w, y, offs = dump(path, tokens, d, v, seq, dtype, tokens + d)
    want = ref_loss(h, w, y, offs)
    res = {b: score(path, b) for b in (("cuda", "cpu") if dev.type == "cuda" else ("cpu",))}
    ec = res["cpu"][1]
    for b, (loss, emb, backend, el) in res.items():
        err = float(np.max(np.abs(loss - want) / np.maximum(np.abs(want), 1.0)))
        ed = float(np.linalg.norm(emb - ec) / max(np.linalg.norm(ec), 1e-12))
        bad = err > 2e-5 or ed > 1e-4 or backend != b or not np.all(np.isfinite(emb))
        ok &= not bad
        print(f"{os.path.basename(path):<28} {backend:<5} {err:>19.2e} {ed:>15.2e} {el:>10.2f}{'  FAIL' if bad else ''}")

if dev.type != "cuda":
    print("score_check (no GPU, peer skipped):", "ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)

# The peer: PyTorch materialises the logits (bf16 GEMM on the tensor cores) and runs
# cross_entropy, at the LLM-like size of bench-kernels (32768 tokens, d 4096, V 32768).
torch.manual_seed(0)
T, D, V = 32768, 4096, 32768
hb = (torch.rand(T, D, device=dev) * 2 - 1).to(torch.bfloat16)
wb = ((torch.rand(V, D, device=dev) * 2 - 1) / D**0.5).to(torch.bfloat16)
yb = torch.randint(0, V, (T,), device=dev)


def peer():
    logits = hb @ wb.T
    return torch.nn.functional.cross_entropy(logits.float(), yb, reduction="none")


for _ in range(3):
    peer()
torch.cuda.synchronize()
ts = []
for _ in range(10):
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    peer()
    e.record()
    torch.cuda.synchronize()
    ts.append(s.elapsed_time(e))
med = sorted(ts)[len(ts) // 2]
flops = 2 * T * D * V
print(f"peer: PyTorch {torch.__version__} bf16 logits + cross_entropy at 32768x4096x32768: median {med:.2f} ms over 10 ({flops / med / 1e9:.0f} TFLOP/s counting the GEMM)")
s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
s.record()
for _ in range(10):
    hb @ wb.T
e.record()
torch.cuda.synchronize()
print(f"peer: the bf16 GEMM alone: {s.elapsed_time(e) / 10:.2f} ms ({flops / (s.elapsed_time(e) / 10) / 1e9:.0f} TFLOP/s)")
print("score_check:", "ok" if ok else "FAILED")
sys.exit(0 if ok else 1)
