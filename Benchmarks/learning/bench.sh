#!/bin/sh
# Learning speed against scikit-learn on the same data, in one run (see bench.py), twice: with the
# libraries' default thread counts, then with OpenBLAS and OpenMP on one thread (both sides inherit
# the same environment). On a busy 2-core machine the default threads of scikit-learn's OpenMP loss
# and OpenBLAS oversubscribe the cores, so the one-thread figures are the fairer comparison.
# usage: Benchmarks/learning/bench.sh [bench.py options]; env SCRATCH (default .build-learning-release).
set -e
cd "$(dirname "$0")/../.."
SCRATCH=${SCRATCH:-.build-learning-release}
swift build -c release --scratch-path "$SCRATCH" --product learning-tool >/dev/null 2>&1
echo "== default threads (OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}, OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset})"
python3 Benchmarks/learning/bench.py --tool "$SCRATCH/release/learning-tool" "$@"
echo "== one thread (OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1)"
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python3 Benchmarks/learning/bench.py --tool "$SCRATCH/release/learning-tool" "$@"
