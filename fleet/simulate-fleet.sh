#!/usr/bin/env bash
# Simulates a fleet for the scale measurement (README "Many hosts"): N hosts of the train-1..8
# presets in turn (random workloads and labeled interference episodes; --seed = host number, so
# every host differs), VMS VMs each, DURATION s, no Intel PT; each host's labeled features go to
# OUT/lake/host=hNNN/ and its recording stays in OUT/traces/hNNN (for `interfere train` on the
# same rows). Not in git (the README gives the sizes).
# WINDOW (default 100ms) is the feature window: 10ms gives ten times the rows of a host.
#   fleet/simulate-fleet.sh N DURATION VMS OUT
set -euo pipefail
N=${1:?hosts} DURATION=${2:?seconds} VMS=${3:?vms per host} OUT=${4:?folder}
BIN=${INTERFERE:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/interfere}
mkdir -p "$OUT/traces" "$OUT/lake"
for i in $(seq 1 "$N"); do
    h=$(printf "h%03d" "$i")
    [ -f "$OUT/lake/host=$h/table.json" ] && continue
    rm -rf "$OUT/traces/$h"
    "$BIN" simulate --preset "train-$(( (i - 1) % 8 + 1 ))" --seed "$i" --duration "$DURATION" --vms "$VMS" --no-pt -o "$OUT/traces/$h" >/dev/null
    "$BIN" features "$OUT/traces/$h" --labels "$OUT/traces/$h/labels.csv" --window "${WINDOW:-100ms}" -o "$OUT/lake/host=$h/" >/dev/null
done
