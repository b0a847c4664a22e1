#!/usr/bin/env python3
"""The student transformer in PyTorch eager, one thread: the peer of
`activesynth student bench` (src/cli/student_bench.rs, shapes in
src/student/workload.rs). Prints one JSON line per (size, work) on stdout with the same
keys as the Rust side: per-thread CPU-time (time.thread_time) median, min and max over
the timed repetitions, wall and whole-process CPU medians, parameters, FLOPs and tokens of one repetition.

Same architecture and math as src/student/model.rs (weights differ; they need not be
equal): token + learned position embeddings; pre-LN blocks (LayerNorm eps 1e-5, fused QKV
linear with bias, causal multi-head attention via scaled_dot_product_attention, output
projection, GELU tanh-approximation MLP); final LayerNorm; untied head without bias.
Training step: the head and the loss on the 504 answer rows only (mean cross-entropy),
backward, clip_grad_norm_(2.0), AdamW (lr 1e-4, betas 0.9/0.999, eps 1e-8, weight decay
0.01 on the matrices only). Decode: greedy with a KV cache, 64 prompts of 42 tokens,
exactly 20 new tokens each (EOS is not checked; the Rust side makes its model unable to
emit EOS), the head only on each prompt's last position.

Usage: python student_torch.py [--sizes 2L-d64,4L-d128] [--work train,decode]
                               [--reps 10] [--warmup 2] [--foreach auto|on|off]
"""

import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, CONTEXT = 400, 160
TRAIN_SEQS, QUESTION, ANSWER = 24, 40, 20
DECODE_PROMPTS, DECODE_NEW = 64, 20
LR, WEIGHT_DECAY, GRAD_CLIP = 1e-4, 0.01, 2.0
BOS, SEP, EOS = 1, 2, 3
# name: (layers, d_model, heads, d_ff), as src/student/workload.rs SIZES
SIZES = {"2L-d64": (2, 64, 4, 256), "4L-d128": (4, 128, 4, 512)}


class Block(nn.Module):
    def __init__(self, d, heads, d_ff):
        super().__init__()
        self.d, self.heads = d, heads
        self.ln1 = nn.LayerNorm(d, eps=1e-5)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d, eps=1e-5)
        self.fc1 = nn.Linear(d, d_ff)
        self.fc2 = nn.Linear(d_ff, d)

    def split_heads(self, t):
        b, l, _ = t.shape
        return t.view(b, l, self.heads, self.d // self.heads).transpose(1, 2)

    def mlp(self, x):
        return self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))

    def forward(self, x, cache=None, pos=0):
        """x: (B, L, d). With `cache` = (K, V) of shape (B, H, CONTEXT, dh), this call's
        keys and values are written at positions pos..pos+L and attention reads 0..pos+L."""
        b, l, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = self.split_heads(q), self.split_heads(k), self.split_heads(v)
        if cache is not None:
            kc, vc = cache
            kc[:, :, pos : pos + l] = k
            vc[:, :, pos : pos + l] = v
            if pos > 0:
                k, v = kc[:, :, : pos + l], vc[:, :, : pos + l]
        # Prefill and training: causal over the call's own rows. One new token (l = 1)
        # attends to every cached position: no mask.
        y = F.scaled_dot_product_attention(q, k, v, is_causal=(l > 1))
        x = x + self.proj(y.transpose(1, 2).reshape(b, l, d))
        return x + self.mlp(x)


class Student(nn.Module):
    def __init__(self, layers, d, heads, d_ff):
        super().__init__()
        self.d, self.heads = d, heads
        self.wte = nn.Embedding(VOCAB, d)
        self.wpe = nn.Embedding(CONTEXT, d)
        self.blocks = nn.ModuleList(Block(d, heads, d_ff) for _ in range(layers))
        self.lnf = nn.LayerNorm(d, eps=1e-5)
        self.head = nn.Linear(d, VOCAB, bias=False)
        # GPT-2 initialisation, as the Rust student's.
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02
                if name.endswith("proj.weight") or name.endswith("fc2.weight"):
                    std /= math.sqrt(2 * layers)
                nn.init.normal_(p, 0.0, std)
            elif name.endswith(".bias"):
                nn.init.zeros_(p)

    def hidden(self, tokens, pos0=0, caches=None):
        l = tokens.shape[1]
        x = self.wte(tokens) + self.wpe(torch.arange(pos0, pos0 + l))
        for i, blk in enumerate(self.blocks):
            x = blk(x, None if caches is None else caches[i], pos0)
        return x

    def loss(self, tokens, loss_mask, targets):
        """Mean NLL over the scored rows; the head runs on those rows only."""
        h = self.lnf(self.hidden(tokens))
        return F.cross_entropy(self.head(h[loss_mask]), targets)

    @torch.inference_mode()
    def greedy(self, prompts, new_tokens):
        b, p = prompts.shape
        dh = self.d // self.heads
        caches = [
            (torch.empty(b, self.heads, CONTEXT, dh), torch.empty(b, self.heads, CONTEXT, dh))
            for _ in self.blocks
        ]
        x = self.hidden(prompts, 0, caches)
        tok = self.head(self.lnf(x[:, -1])).argmax(-1)
        out = [tok]
        for step in range(1, new_tokens):
            x = self.hidden(tok[:, None], p + step - 1, caches)
            tok = self.head(self.lnf(x[:, -1])).argmax(-1)
            out.append(tok)
        return torch.stack(out, 1)


def per_row_flops(layers, d, d_ff):
    return layers * (2 * d * 3 * d + 2 * d * d + 4 * d * d_ff)


def train_flops(layers, d, d_ff, lens, scored):
    att = sum(layers * 4 * l * l * d for l in lens)
    return 3.0 * (sum(lens) * per_row_flops(layers, d, d_ff) + att + 2 * d * VOCAB * scored)


def decode_flops(layers, d, d_ff, n, plen, new):
    positions = plen + new - 1
    keys = positions * (positions + 1) // 2
    return float(n * (positions * per_row_flops(layers, d, d_ff) + layers * 4 * d * keys
                      + 2 * d * VOCAB * new))


def sequences(gen, n, q, a):
    """Full token rows BOS + q + SEP + a (+ EOS when a > 0), uniform non-special ids."""
    qt = torch.randint(4, VOCAB, (n, q), generator=gen)
    cols = [torch.full((n, 1), BOS), qt, torch.full((n, 1), SEP)]
    if a:
        cols += [torch.randint(4, VOCAB, (n, a), generator=gen), torch.full((n, 1), EOS)]
    return torch.cat(cols, 1)


def time_it(warmup, reps, f):
    for _ in range(warmup):
        f()
    cpu, wall, proc = [], [], []
    for _ in range(reps):
        p0, c0, w0 = time.process_time(), time.thread_time(), time.perf_counter()
        f()
        w = time.perf_counter() - w0
        c1, p1 = time.thread_time(), time.process_time()
        wall.append(w)
        cpu.append(c1 - c0)
        proc.append(p1 - p0)
    return cpu, wall, proc


def measure(size, work, reps, warmup, foreach):
    layers, d, heads, d_ff = SIZES[size]
    torch.manual_seed(0)
    model = Student(layers, d, heads, d_ff)
    params = sum(p.numel() for p in model.parameters())
    gen = torch.Generator().manual_seed(1)
    if work == "train":
        full = sequences(gen, TRAIN_SEQS, QUESTION, ANSWER)  # (24, 63)
        tokens, targets_all = full[:, :-1], full[:, 1:]
        first = QUESTION + 1  # the SEP row: its successor is the first answer token
        loss_mask = torch.zeros_like(tokens, dtype=torch.bool)
        loss_mask[:, first:] = True
        targets = targets_all[loss_mask]
        decay = [p for p in model.parameters() if p.dim() == 2]
        no_decay = [p for p in model.parameters() if p.dim() != 2]
        opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": WEIGHT_DECAY},
             {"params": no_decay, "weight_decay": 0.0}],
            lr=LR, betas=(0.9, 0.999), eps=1e-8, foreach=foreach,
        )

        def step():
            opt.zero_grad(set_to_none=True)
            loss = model.loss(tokens, loss_mask, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP, foreach=foreach)
            opt.step()

        cpu, wall, proc = time_it(warmup, reps, step)
        l = tokens.shape[1]
        flops = train_flops(layers, d, d_ff, [l] * TRAIN_SEQS, int(loss_mask.sum()))
        n_tok = tokens.numel()
    elif work == "decode":
        prompts = sequences(gen, DECODE_PROMPTS, QUESTION, 0)  # (64, 42)
        produced = [0]

        def dec():
            produced[0] = model.greedy(prompts, DECODE_NEW).numel()

        cpu, wall, proc = time_it(warmup, reps, dec)
        flops = decode_flops(layers, d, d_ff, DECODE_PROMPTS, prompts.shape[1], DECODE_NEW)
        n_tok = produced[0]
    else:
        sys.exit(f"unknown work {work!r} (use train or decode)")
    return {
        "impl": "torch", "size": size, "work": work, "params": params, "reps": reps,
        "median_s": statistics.median(cpu), "min_s": min(cpu), "max_s": max(cpu),
        "wall_median_s": statistics.median(wall),
        "process_median_s": statistics.median(proc), "flops": flops, "tokens": n_tok,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="2L-d64,4L-d128")
    ap.add_argument("--work", default="train,decode")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--foreach", choices=["auto", "on", "off"], default="auto",
                    help="AdamW and clip_grad_norm_ implementation (auto: PyTorch's default)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    foreach = {"auto": None, "on": True, "off": False}[a.foreach]
    for size in a.sizes.split(","):
        if size not in SIZES:
            sys.exit(f"unknown size {size!r} (known: {', '.join(SIZES)})")
        for work in a.work.split(","):
            r = measure(size, work, a.reps, a.warmup, foreach)
            print(f"torch {size} {work}: median {r['median_s'] * 1e3:.2f} ms CPU "
                  f"({r['min_s'] * 1e3:.2f} – {r['max_s'] * 1e3:.2f}), "
                  f"{r['flops'] / r['median_s'] * 1e-9:.1f} GFLOP/s", file=sys.stderr)
            print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
