#!/usr/bin/env bash
# Makes the simulated datasets that train and test the default model (not kept in git):
# train-1 … train-8 and test-1 … test-4, 30 s each, under ${1:-datasets/generated}.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-datasets/generated}
BIN=${INTERFERE:-.build/release/interfere}
mkdir -p "$OUT"
for name in train-1 train-2 train-3 train-4 train-5 train-6 train-7 train-8 test-1 test-2 test-3 test-4; do
    [ -d "$OUT/$name" ] || $BIN simulate --preset "$name" --seed 1 -o "$OUT/$name"
done
