#!/usr/bin/env bash
# Trains models/default.json from the simulator's train-* family, the real recordings in
# ../shared/traces/host-real and the committed real recordings of datasets/real (mixed-cpu-disk
# and net-6mbit, not in git, stay out: they are recordings the model never saw) (make the simulated sets first with scripts/make-datasets.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${INTERFERE:-.build/release/interfere}
G=${1:-datasets/generated}
H=../shared/traces/host-real
scripts/make-datasets.sh "$G" >/dev/null
scripts/unpack-real.sh
# The Intel PT captures of the VMX training sets train the `pt` variant.
PT=$(for d in "$G"/train-{1,2,3,4,5,6,7,8}; do [ -f "$d/pt/pt-sidecar.json" ] && echo "$d/pt"; done)
R=datasets/real
REAL="$R/cpu-other-cpu $R/cpu-same-cpu $R/disk-16mib $R/disk-4mib $R/disk-alone $R/disk-two-victims $R/host-hog-cpu $R/net-2mbit $R/net-alone $R/quiet"
$BIN train "$G"/train-{1,2,3,4,5,6,7,8} $PT $H/cpu-neighbour $H/disk-contention $H/net-contention $H/busy-alone $REAL \
    --seed 1 -o models/default.json
