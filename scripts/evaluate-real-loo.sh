#!/usr/bin/env bash
# Leave one real recording out: train on train-1..8 and the other three recordings, evaluate on
# the one left out; prints each evaluation.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${INTERFERE:-.build/release/interfere}
G=${1:-datasets/generated}
H=../shared/traces/host-real
scripts/make-datasets.sh "$G" >/dev/null
ALL="cpu-neighbour disk-contention net-contention busy-alone"
for out in $ALL; do
    rest=""; for r in $ALL; do [ "$r" = "$out" ] || rest="$rest $H/$r"; done
    $BIN train "$G"/train-{1,2,3,4,5,6,7,8} $rest --seed 1 -o /tmp/interfere-loo-$out.json >/dev/null
    $BIN evaluate "$H/$out" -m /tmp/interfere-loo-$out.json | tail -1 | sed "s/^all /$out (left out)/"
done
