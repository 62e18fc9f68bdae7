#!/usr/bin/env bash
# What running the command in a supervised child costs: the same binary run alternately with
# and without INTERFERE_IN_PROCESS=1, wall time per run (sorted), on datasets/demo and a bigger
# simulated trace (made first when missing), then `model show` (the fixed cost alone).
#
#   Benchmarks/supervisor/measure.sh [BIN] [BIG_TRACE]
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-.build/release/interfere}
BIG=${2:-/tmp/x}
[ -d "$BIG" ] || "$B" simulate --preset bench --seed 7 --duration 20 --no-pt -o "$BIG"
now() { date +%s.%N; }
times() {   # times N ARGS...: N alternating pairs
    local n=$1; shift
    local a=() b=() s e
    for _ in $(seq 1 "$n"); do
        s=$(now); "$B" "$@" >/dev/null 2>&1; e=$(now); a+=("$(echo "$e - $s" | bc)")
        s=$(now); INTERFERE_IN_PROCESS=1 "$B" "$@" >/dev/null 2>&1; e=$(now); b+=("$(echo "$e - $s" | bc)")
    done
    echo "$* supervised: $(printf '%s\n' "${a[@]}" | sort -n | tr '\n' ' ')"
    echo "$* in-process: $(printf '%s\n' "${b[@]}" | sort -n | tr '\n' ' ')"
}
for trace in datasets/demo "$BIG"; do
    times 5 events "$trace"
    times 5 features "$trace"
done
times 10 model show models/default.json
