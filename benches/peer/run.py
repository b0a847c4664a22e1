#!/usr/bin/env python3
"""Peer benchmark driver: the Rust student (`activesynth student bench`) against the same
model in PyTorch eager (`student_torch.py`), one thread each, same shapes, run
alternately (Rust, PyTorch, Rust, PyTorch, ...) for --rounds rounds in one window.

Each process times every (size, work) and prints one JSON line per pair. The table gives,
per (size, work), the median over rounds of each side's per-thread CPU-time median, their
ratio Rust / PyTorch (below 1: Rust faster), the min - max of the per-round ratios (each
round's Rust run against the PyTorch run right after it), and the speed-up PyTorch / Rust
against issue 11's targets. Per-thread CPU time does not count time the OS gave to other
processes, which is what makes the ratio meaningful on a shared machine; the wall and
whole-process CPU medians are kept in --json for a check that no helper thread did part
of the work.

Run from the repository root with a Python that has torch (see benches/peer/README.md):

    python benches/peer/run.py [--rounds 3] [--reps 10] [--warmup 2] [--json out.json]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# (size, work): the speed-up PyTorch time / Rust time that issue 11 asks for.
TARGETS = {("2L-d64", "train"): 2.0, ("4L-d128", "train"): 1.5,
           ("2L-d64", "decode"): 2.0, ("4L-d128", "decode"): 2.0}


def run_one(cmd):
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed with {p.returncode}:\n{p.stderr}")
    return [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--sizes", default="2L-d64,4L-d128")
    ap.add_argument("--work", default="train,decode")
    ap.add_argument("--rust-bin", default=os.path.join(ROOT, "target", "release", "activesynth"),
                    help="the activesynth binary (built with `cargo build --release` unless --no-build)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--python", default=sys.executable, help="a Python with torch")
    ap.add_argument("--foreach", default="auto", help="passed to student_torch.py")
    ap.add_argument("--json", help="write every line of every round here")
    a = ap.parse_args()
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "--bin", "activesynth"], cwd=ROOT, check=True)
    common = ["--sizes", a.sizes, "--work", a.work, "--reps", str(a.reps), "--warmup", str(a.warmup)]
    cmds = {
        "rust": [a.rust_bin, "student", "bench"] + common,
        "torch": [a.python, os.path.join(HERE, "student_torch.py"), "--foreach", a.foreach] + common,
    }
    ver = subprocess.run([a.python, "-c", "import torch; print(torch.__version__)"],
                         capture_output=True, text=True).stdout.strip()
    print(f"torch {ver}; {a.rounds} rounds of (Rust, PyTorch), {a.reps} timed reps each "
          f"after {a.warmup} warm-up", file=sys.stderr)
    lines = []
    for r in range(a.rounds):
        for impl in ("rust", "torch"):
            for l in run_one(cmds[impl]):
                l["round"] = r
                lines.append(l)
                print(f"round {r} {impl:5} {l['size']:8} {l['work']:6} "
                      f"{l['median_s'] * 1e3:8.2f} ms", file=sys.stderr)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"torch": ver, "lines": lines}, f, indent=1)
    keys = [(s, w) for w in a.work.split(",") for s in a.sizes.split(",")]
    by = {}  # (impl, size, work) -> that pair's line of every round, in round order
    for l in lines:
        by.setdefault((l["impl"], l["size"], l["work"]), []).append(l)
    print(f"\nPeer benchmark, torch {ver}: per-thread CPU-time medians, median over {a.rounds} rounds\n")
    print("| work | model | Rust ms | PyTorch ms | Rust / PyTorch | per-round min – max "
          "| speed-up | target | met |")
    print("|---|---|---|---|---|---|---|---|---|")
    notes = []
    for k in keys:
        rs, ts = by[("rust",) + k], by[("torch",) + k]
        for x, y in zip(rs, ts):
            if (x["params"], x["flops"], x["tokens"]) != (y["params"], y["flops"], y["tokens"]):
                sys.exit(f"{k}: the two sides differ in parameters, FLOPs or tokens: {x} {y}")
        for l in rs + ts:
            if l["process_median_s"] > 1.1 * l["median_s"] + 1e-3:
                notes.append(f"{l['impl']} {k} round {l['round']}: process CPU "
                             f"{l['process_median_s'] * 1e3:.2f} ms > thread CPU "
                             f"{l['median_s'] * 1e3:.2f} ms (helper threads?)")
        rm = statistics.median(l["median_s"] for l in rs)
        tm = statistics.median(l["median_s"] for l in ts)
        per = [x["median_s"] / y["median_s"] for x, y in zip(rs, ts)]
        target = TARGETS.get(k)
        speed = tm / rm
        met = "" if target is None else ("yes" if speed >= target else "no")
        name = "training step" if k[1] == "train" else "greedy decode"
        print(f"| {name} | {k[0]} | {rm * 1e3:.2f} | {tm * 1e3:.2f} | **{rm / tm:.2f}** "
              f"| {min(per):.2f} – {max(per):.2f} | {speed:.2f}× | ≥ {target}× | {met} |")
        notes.append(f"{k[0]} {k[1]}: GFLOP/s Rust {rs[0]['flops'] / rm * 1e-9:.1f}, "
                     f"PyTorch {ts[0]['flops'] / tm * 1e-9:.1f}")
    print()
    for n in notes:
        print(n)

if __name__ == "__main__":
    main()
