#!/usr/bin/env bash
# The CUDA scoring backend on a GPU machine, in one call: the device tests against
# float64 references, `bench-kernels` at the three sizes (LLM-like included), and
# `score` on h5py-written dumps against PyTorch in float64, with PyTorch's materialised
# cross-entropy timed on the same GPU as the peer. Needs a built `activesynth` and the
# `cuda_device` test binary (paths in BIN and TEST), python3 with torch, h5py and numpy.
#
#   cargo build --release && cargo test --release --no-run --test cuda_device
#   BIN=target/release/activesynth TEST=target/release/deps/cuda_device-<hash> \
#       OUT=/tmp/gpu bash benches/gpu/device-check.sh
#
# Where the working tree is copied to a remote GPU machine with a 64 MiB limit, it must
# fit: the committed results/ (about 550 MB) do not fit, so untrack them for
# the call and restore the index after it:
#   git rm -r -q --cached results && echo /results/ >> .git/info/exclude   # before
#   git reset -q results && sed -i '/^\/results\/$/d' .git/info/exclude    # after
#
# No GPU has been lent to this project yet (2026-12-06: a loan was refused), so the CUDA
# path has only ever been compiled to PTX; this script is what a session with a GPU runs.
set -uo pipefail
OUT=${OUT:-/tmp/activesynth-gpu}
BIN=${BIN:-.dev/activesynth}
TEST=${TEST:-.dev/cuda_device}
mkdir -p "$OUT"
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
step() { printf '\n==> %s\n' "$*"; }

step "device"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
uname -r

step "NVRTC (cudarc looks for libnvrtc.so or libnvrtc.so.12 by name)"
NV=$(find /usr/local /opt /usr/lib -name 'libnvrtc.so*' 2>/dev/null | grep -v builtins | sort)
echo "$NV"
if [ -z "$NV" ]; then echo "no libnvrtc on this machine"; exit 1; fi
REAL=$(echo "$NV" | grep -E '/libnvrtc\.so(\.[0-9]+)*$' | head -1)
mkdir -p /tmp/nvrtc-link && ln -sf "$REAL" /tmp/nvrtc-link/libnvrtc.so
export LD_LIBRARY_PATH="/tmp/nvrtc-link:$(dirname "$REAL")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "using $REAL"

step "device tests (float64 references, CPU agreement, bits run to run)"
ACTIVESYNTH_REQUIRE_CUDA=1 "$TEST" --test-threads 1 --nocapture 2>&1 | tee "$OUT/tests.log"
echo "tests exit: ${PIPESTATUS[0]}"

step "bench-kernels on CUDA (small, medium, llm)"
"$BIN" bench-kernels --device cuda --sizes small,medium,llm --reps 5 \
    --save "$OUT/kernels-cuda.json" 2>&1 | tee "$OUT/bench.log"

step "score on h5py dumps: CUDA and CPU against PyTorch float64; PyTorch's own timing"
PYTHONUNBUFFERED=1 python3 benches/gpu/score_check.py "$BIN" "$OUT" 2>&1 | tee "$OUT/score.log"
echo "score_check exit: ${PIPESTATUS[0]}"
