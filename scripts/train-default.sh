#!/usr/bin/env bash
# Trains models/default.json from the simulator's train-* family and the real recordings in
# ../shared/traces/host-real (make the simulated sets first with scripts/make-datasets.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${INTERFERE:-.build/release/interfere}
G=${1:-datasets/generated}
H=../shared/traces/host-real
scripts/make-datasets.sh "$G" >/dev/null
# The Intel PT captures of the VMX training sets train the `pt` variant.
PT=$(for d in "$G"/train-{1,2,3,4,5,6,7,8}; do [ -f "$d/pt/pt-sidecar.json" ] && echo "$d/pt"; done)
$BIN train "$G"/train-{1,2,3,4,5,6,7,8} $PT $H/cpu-neighbour $H/disk-contention $H/net-contention $H/busy-alone \
    --seed 1 -o models/default.json
