#!/usr/bin/env bash
# The scale measurement of README "Many hosts": on a fleet made by fleet/simulate-fleet.sh in OUT,
# trains with Spark local[2] (driver memory fixed at 1 GB) on the first N hosts for each N given,
# then with `interfere train` on the traces of the largest N; prints wall time and peak memory
# (/usr/bin/time: the largest single process) and the peak RSS of the whole process tree
# (JVM + Python workers, sampled every 0.2 s).
# WINDOW (default 100ms) must be the window the fleet was made with (simulate-fleet.sh's);
# SWIFT=0 skips `interfere train`, SPARK=0 the Spark runs (to run the two side by side).
#   fleet/measure-scale.sh OUT N...
set -euo pipefail
OUT=${1:?fleet folder}; shift
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${INTERFERE:-$HERE/../.build/release/interfere}
tree_peak() {   # peak summed RSS (KB) of PID and its descendants, until PID ends
    local pid=$1 peak=0
    while kill -0 "$pid" 2>/dev/null; do
        local pids="$pid" frontier="$pid" next
        while [ -n "$frontier" ]; do
            next=$(for p in $frontier; do cat /proc/$p/task/*/children 2>/dev/null; done | tr '\n' ' ')
            pids="$pids $next"; frontier=$(echo $next)
        done
        local sum=0 r
        for p in $pids; do r=$(awk '/^VmRSS/{print $2}' /proc/$p/status 2>/dev/null || true); sum=$((sum + ${r:-0})); done
        [ "$sum" -gt "$peak" ] && peak=$sum
        sleep 0.2
    done
    echo "$peak"
}
largest=0
for n in "$@"; do
    [ "$n" -gt "$largest" ] && largest=$n
    [ "${SPARK:-1}" = 1 ] || continue
    lake="$OUT/lake-$n"; rm -rf "$lake"; mkdir -p "$lake"
    for h in $(ls "$OUT/lake" | head -n "$n"); do ln -s "../lake/$h" "$lake/$h"; done
    rows=$(cat "$lake"/*/table.json | awk '/"labeled_rows"/{s+=$3} END {print s}')
    /usr/bin/time -f "%e s %M KB" -o "$OUT/time-spark-$n" spark-submit --master 'local[2]' --driver-memory 1g \
        "$HERE/train.py" "$lake" -o "$OUT/spark-$n.json" --driver-memory 1g 2>"$OUT/spark-$n.log" &
    peak=$(tree_peak $!); wait $!
    echo "spark local[2] $n hosts, $rows rows: $(cat "$OUT/time-spark-$n"), process tree peak $peak KB"
done
[ "${SWIFT:-1}" = 1 ] || exit 0
traces=$(ls "$OUT/lake" | head -n "$largest" | sed "s|^host=|$OUT/traces/|")
/usr/bin/time -f "%e s %M KB" -o "$OUT/time-swift-$largest" "$BIN" train $traces --window "${WINDOW:-100ms}" -o "$OUT/swift-$largest.json" --seed 1 >"$OUT/swift-$largest.log" 2>&1
echo "interfere train $largest hosts: $(cat "$OUT/time-swift-$largest")"
