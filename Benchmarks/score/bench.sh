#!/usr/bin/env bash
# The whole job against babeltrace2's bare decode (issue 18), in one run:
#
#   1. wall time: `babeltrace2 TRACE/trace -c sink.utils.dummy` and `interfere score TRACE`, in
#      alternating pairs, median of PAIRS pairs, on the 5.3 M-event simulated host
#      (`interfere simulate --preset bench --seed 7 --duration 65 --no-pt`);
#   2. work: instructions of both under `valgrind --tool=callgrind` on a 0.3 M-event host
#      (same preset, `--duration 4`): the noise-free figure;
#   3. with BIG=1, peak RSS (`/usr/bin/time -f %M`) of `score` and of `report` on the 5.3 M host
#      and on a ~52 M-event one (`--duration 650`, written to $TMPDIR and deleted after).
#
#   Benchmarks/score/bench.sh [PAIRS]      (PAIRS default 5; BIN=path to take a built binary)
#
# The traces are kept in ${TRACES:-/tmp/interfere-score-bench} between runs (made again only
# when absent). Without BIN, the release binary is built first.
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS=${1:-5}
TRACES=${TRACES:-/tmp/interfere-score-bench}
if [ -z "${BIN:-}" ]; then
    swift build -c release 2>&1 | tail -n 1 >&2
    BIN=$PWD/.build/release/interfere
fi
MODEL=$PWD/models/default.json
mkdir -p "$TRACES"

make_host() {   # make_host DIR DURATION
    if [ ! -f "$1/labels.csv" ]; then
        rm -rf "$1"
        "$BIN" simulate --preset bench --seed 7 --duration "$2" --no-pt -o "$1" >/dev/null
    fi
}
make_host "$TRACES/host-65s" 65
make_host "$TRACES/host-4s" 4

events() { "$BIN" events "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["inventory"]["total_events"])'; }

# Wall time of a command, seconds, output discarded.
wall() {
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    e=$(date +%s.%N)
    echo "$e - $s" | bc -l
}

ratio_wall() {   # ratio_wall TRACE
    local trace=$1 d=() s=() i
    for ((i = 0; i < PAIRS; i++)); do
        d+=("$(wall babeltrace2 "$trace/trace" -c sink.utils.dummy)")
        s+=("$(wall "$BIN" score "$trace" -m "$MODEL")")
    done
    python3 - "$trace" "$(events "$trace")" "${d[*]}" "${s[*]}" <<'PY'
import statistics, sys
trace, events, d, s = sys.argv[1], int(sys.argv[2]), [float(x) for x in sys.argv[3].split()], [float(x) for x in sys.argv[4].split()]
md, ms = statistics.median(d), statistics.median(s)
pairs = sorted(a / b for a, b in zip(d, s))
print(f"wall  {trace} ({events / 1e6:.2f} M events), {len(d)} alternating pairs:")
print(f"      babeltrace2 -c sink.utils.dummy  median {md:6.3f} s   ({' '.join(f'{x:.2f}' for x in d)})")
print(f"      interfere score                  median {ms:6.3f} s   ({' '.join(f'{x:.2f}' for x in s)})")
print(f"      ratio dummy / score: {md / ms:.2f}x (medians); per pair {pairs[0]:.2f}..{pairs[-1]:.2f}, median {statistics.median(pairs):.2f}x")
PY
}

instructions() {   # instructions OUT CMD...: callgrind's instruction total of CMD
    local out=$1; shift
    valgrind --tool=callgrind --dump-instr=no --callgrind-out-file="$out" "$@" >/dev/null 2>&1
    callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ && !done { gsub(",", "", $1); print $1; done = 1 }'
}

ratio_work() {   # ratio_work TRACE
    local trace=$1 di si
    di=$(instructions "$TRACES/dummy.callgrind" babeltrace2 "$trace/trace" -c sink.utils.dummy)
    # In this process (INTERFERE_IN_PROCESS=1): valgrind cannot follow the supervisor's re-exec
    # of the binary; the supervisor itself only waits.
    si=$(INTERFERE_IN_PROCESS=1 instructions "$TRACES/score.callgrind" "$BIN" score "$trace" -m "$MODEL")
    rm -f "$TRACES/score.callgrind" "$TRACES/dummy.callgrind"
    python3 - "$trace" "$(events "$trace")" "$di" "$si" <<'PY'
import sys
trace, events, d, s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"work  {trace} ({events / 1e6:.2f} M events), callgrind instructions:")
print(f"      babeltrace2 -c sink.utils.dummy  {d:>14,}  ({d / events:.0f} per event)")
print(f"      interfere score                  {s:>14,}  ({s / events:.0f} per event)")
print(f"      ratio score / dummy: {s / d:.2f}x")
PY
}

peak_rss() {   # peak_rss TRACE: KiB of `score`
    /usr/bin/time -f %M "$BIN" score "$1" -m "$MODEL" 2>&1 >/dev/null | tail -n 1
}

report_rss() {   # report_rss TRACE: KiB of `report` (its HTML to $TRACES, deleted after)
    /usr/bin/time -f %M "$BIN" report "$1" -m "$MODEL" -o "$TRACES/bench-report.html" 2>&1 >/dev/null | tail -n 1
    rm -f "$TRACES/bench-report.html"
}

ratio_wall "$TRACES/host-65s"
ratio_work "$TRACES/host-4s"
if [ "${BIG:-0}" = 1 ]; then
    big=${TMPDIR:-/tmp}/interfere-score-bench-650s
    rm -rf "$big"
    "$BIN" simulate --preset bench --seed 7 --duration 650 --no-pt -o "$big" >/dev/null
    small_kb=$(peak_rss "$TRACES/host-65s")
    big_kb=$(peak_rss "$big")
    small_report_kb=$(report_rss "$TRACES/host-65s")
    big_report_kb=$(report_rss "$big")
    big_events=$(events "$big")
    rm -rf "$big"
    python3 - "$small_kb" "$big_kb" "$big_events" "$small_report_kb" "$big_report_kb" <<'PY'
import sys
s, b, n, rs, rb = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"rss   interfere score peak RSS: {s / 1024:.0f} MiB on the 65 s host, {b / 1024:.0f} MiB on the 650 s host ({n / 1e6:.1f} M events): {b / s:.2f}x")
print(f"rss   interfere report peak RSS: {rs / 1024:.0f} MiB on the 65 s host, {rb / 1024:.0f} MiB on the 650 s host: {rb / rs:.2f}x")
PY
fi
