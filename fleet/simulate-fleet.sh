#!/usr/bin/env bash
# Simulates a fleet for the scale measurement (README "Many hosts"): N hosts of the `bench` preset
# (random workloads and interference, seed = host number), VMS VMs on 8 CPUs, DURATION s each,
# no Intel PT; each host's labeled features go to OUT/lake/host=hNNN/ and its recording stays in
# OUT/traces/hNNN (for `interfere train` on the same rows). Not in git; about 8 MB of trace and
# 17 KB of lake per VM-minute... (see the README for the measured sizes).
#   fleet/simulate-fleet.sh N DURATION VMS OUT
set -euo pipefail
N=${1:?hosts} DURATION=${2:?seconds} VMS=${3:?vms per host} OUT=${4:?folder}
BIN=${INTERFERE:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/interfere}
mkdir -p "$OUT/traces" "$OUT/lake"
for i in $(seq 1 "$N"); do
    h=$(printf "h%03d" "$i")
    [ -f "$OUT/lake/host=$h/table.json" ] && continue
    rm -rf "$OUT/traces/$h"
    "$BIN" simulate --preset bench --seed "$i" --duration "$DURATION" --vms "$VMS" --pcpus 8 --no-pt -o "$OUT/traces/$h" >/dev/null
    "$BIN" features "$OUT/traces/$h" --labels "$OUT/traces/$h/labels.csv" -o "$OUT/lake/host=$h/" >/dev/null
done
