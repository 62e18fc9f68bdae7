#!/usr/bin/env bash
# Simulator writing speed: `interfere simulate --preset bench` (8 busy VMs on 4 CPUs) for
# DURATION seconds of host time; prints the events written per second of wall time.
# usage: Benchmarks/simulate/bench.sh [DURATION] [OUT]   (625 s of host time ≈ 50 M events)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-65}
OUT=${2:-/tmp/interfere-bench-$DURATION}
rm -rf "$OUT"
start=$(date +%s.%N)
.build/release/interfere simulate --preset bench --duration "$DURATION" -o "$OUT"
end=$(date +%s.%N)
python3 - "$OUT" "$start" "$end" <<'PY'
import json, subprocess, sys
out, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
size = int(subprocess.check_output(["du", "-sb", out]).split()[0])
print(f"{out}: {size / 1e6:.0f} MB written in {end - start:.2f} s wall (whole command)")
PY
