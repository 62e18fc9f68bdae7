#!/usr/bin/env bash
# Records labeled real host traces of QEMU (TCG) guests with perf (datasets/real/README.md).
# Not part of the main set-up: it needs root, installs Debian packages and runs VMs.
#
#   scripts/record-real.sh install            # the packages recording needs, and tracefs
#   scripts/record-real.sh record SCEN...     # boot + perf record + CTF conversion, per scenario
#   scripts/record-real.sh analyze SCEN...    # labels.csv, facts.txt, EXPECTED.txt, README.md
#   scripts/record-real.sh all [SCEN...]      # install, record, analyze (default: every scenario)
#
# SCEN: a scenario of datasets/real/tools/record.py (`all` for the datasets/real ones); each is
# written to $OUT/SCEN (default datasets/real). The machine must be quiet while recording (a
# compiler on a vCPU's CPU is interference the labels do not show): with QUIET_FILE and
# HEAVY_LOCK set (e.g. QUIET_FILE=/work/.quiet HEAVY_LOCK=/work/.heavy.lock), each `record`
# touches QUIET_FILE, records the whole batch under `flock -x HEAVY_LOCK` and removes QUIET_FILE
# at once (so keep a batch short: each scenario takes about a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
T=datasets/real/tools
OUT=${OUT:-datasets/real}
WORK=${WORK:-/tmp/ifr-work}
SCENARIOS="cpu-same-cpu cpu-other-cpu host-hog-cpu disk-4mib disk-16mib disk-two-victims disk-alone
mixed-cpu-disk net-2mbit net-6mbit net-alone quiet host-guest-hog"

install() {
    local need=""
    command -v qemu-system-x86_64 >/dev/null || need="$need qemu-system-x86"
    [ -x /bin/busybox ] && busybox --list 2>/dev/null | grep -qx nc || need="$need busybox-static"
    ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1 || need="$need linux-image-amd64"
    command -v perf >/dev/null || need="$need linux-perf"
    command -v babeltrace2 >/dev/null || need="$need babeltrace2"
    if [ -n "$need" ]; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need
    fi
    # perf reads tracepoints from tracefs
    [ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
}

expand() { if [ "$#" -eq 0 ] || [ "$1" = all ]; then echo $SCENARIOS; else echo "$@"; fi; }

busy() {  # CPU % used over 3 s by everything (0-100 over both CPUs), from /proc/stat
    local a b
    a=($(head -1 /proc/stat)); sleep 3; b=($(head -1 /proc/stat))
    local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
    echo $(( 100 - 100 * idle / (total > 0 ? total : 1) ))
}

record_now() {  # no locking: boot + perf record + conversion, one scenario after the other
    mkdir -p "$WORK"
    local u; u=$(busy)
    echo "$(date +%T) CPU busy ${u}% before recording; busiest: $(top -bn1 | awk 'NR>=8 && NR<=11 {printf "%s %s%%; ", $12, $9}')" >&2
    # a job outside the quiet protocol (not under the lock) would be interference the labels
    # do not show: refuse, so that the caller can retry later
    if [ "$u" -gt "${MAX_BUSY:-15}" ]; then echo "$(date +%T) machine busy (${u}% > ${MAX_BUSY:-15}%): not recording" >&2; return 3; fi
    for s in $(expand "$@"); do
        python3 "$T/record.py" "$s" "$OUT/$s" --work "$WORK"
    done
}

record() {  # one quiet window for the whole batch (keep a batch under ~12 minutes); a batch
    # refused because the machine was busy is retried every minute, up to RETRIES times
    local n=0 rc
    while :; do
        rc=0
        if [ -n "${HEAVY_LOCK:-}" ]; then
            touch "${QUIET_FILE:?QUIET_FILE with HEAVY_LOCK}"
            trap 'rm -f "$QUIET_FILE"' EXIT
            echo "$(date +%T) waiting for $HEAVY_LOCK" >&2
            flock -x "$HEAVY_LOCK" "$0" record-now "$@" || rc=$?
            rm -f "$QUIET_FILE"
            trap - EXIT
        else
            record_now "$@" || rc=$?
        fi
        n=$((n + 1))
        [ "$rc" -eq 3 ] && [ "$n" -lt "${RETRIES:-20}" ] || return $rc
        sleep 60
    done
}

analyze() {
    for s in $(expand "$@"); do
        python3 "$T/analyze.py" "$s" "$OUT/$s" >/dev/null
        python3 "$T/make-expected.py" "$OUT/$s/trace" > "$OUT/$s/EXPECTED.txt"
        for g in "$OUT/$s"/guests/*/trace; do  # a guest's own trace (host-guest-hog)
            [ -d "$g" ] && python3 "$T/make-expected.py" "$g" > "$(dirname "$g")/EXPECTED.txt"
        done
        python3 "$T/make-readme.py" "$s" "$OUT/$s"
        echo "analyzed $OUT/$s ($(du -sh "$OUT/$s/trace" | cut -f1) of trace)"
    done
}

cmd=${1:-all}; shift || true
case "$cmd" in
    install) install ;;
    record) record "$@" ;;
    record-now) record_now "$@" ;;
    analyze) analyze "$@" ;;
    all) install; record "$@"; analyze "$@" ;;
    *) echo "usage: $0 install | record SCEN... | analyze SCEN... | all [SCEN...]" >&2; exit 2 ;;
esac
