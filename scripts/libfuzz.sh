#!/usr/bin/env bash
# libFuzzer targets (Fuzz/*.swift, built with `swiftc -sanitize=fuzzer,address`): the PT stream
# decoder, the PT sidecar, the model loader and the side-file parsers. Builds the library modules
# they need with coverage instrumentation into .build/libfuzz (not the normal build), links each
# target, seeds its corpus from the repository's own files and runs it for SECONDS (default 60).
# Crashing inputs are kept in .build/libfuzz/crashes/TARGET/ (FUZZ_OUT overrides .build/libfuzz).
# Exit 1 when any target found a crash. LIBFUZZ_SEED fixes libFuzzer's seed (scripts/test.sh: 1).
#
#   scripts/libfuzz.sh [SECONDS] [TARGET...]     (targets: pt-decoder pt-sidecar model side-files)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(pt-decoder pt-sidecar model side-files)
OUT=${FUZZ_OUT:-$ROOT/.build/libfuzz}
SCRATCH=$ROOT/.build/libfuzz-build
SAN=${LIBFUZZ_SANITIZE:-fuzzer,address}

# The library modules, instrumented (release: the code as shipped, with its optimizations).
for t in Recording Learning; do
    swift build -c release --scratch-path "$SCRATCH" --target "$t" -Xswiftc "-sanitize=$SAN" >"$OUT.build.log" 2>&1 || {
        cat "$OUT.build.log"; exit 1; }
done
BUILD=$SCRATCH/release
objects() { for m in "$@"; do ls "$BUILD/$m.build/"*.o; done; }
FLAGS=(-O -parse-as-library "-sanitize=$SAN" -I "$BUILD/Modules"
       -Xcc -fmodule-map-file="$ROOT/Sources/CBabeltrace2/module.modulemap"
       -Xcc -fmodule-map-file="$ROOT/Sources/CIPT/module.modulemap"
       -Xcc -fmodule-map-file="$ROOT/Sources/CBLAS/module.modulemap"
       $(pkg-config --cflags-only-I openblas | sed 's/-I/-Xcc -I/g') -lbabeltrace2 -lipt -lopenblas -llapacke)
modules() {
    case $1 in
        pt-decoder|pt-sidecar) echo AtomicOutput TraceIngest IntelPT ;;
        model) echo AtomicOutput Learning ;;
        side-files) echo AtomicOutput TraceIngest HostModel IntelPT Features Recording ;;
    esac
}

# Seeds: the repository's own files of each kind.
seed() {
    local t=$1 dir=$2
    case $t in
        pt-decoder) for f in datasets/demo/pt/cpu*.pt; do head -c 65536 "$f" >"$dir/$(basename "$f")"; done ;;
        pt-sidecar) cp datasets/demo/pt/pt-sidecar.json "$dir/" ;;
        model) cp models/default.json "$dir/" ;;
        side-files)
            local i=0
            for f in $(find datasets ../shared/traces -maxdepth 3 \( -name labels.csv -o -name vm-names.csv -o -name threads.csv \) 2>/dev/null | sort | head -40); do
                case $(basename "$f") in labels.csv) b='\000' ;; vm-names.csv) b='\001' ;; *) b='\002' ;; esac
                { printf "$b"; head -c 8192 "$f"; } >"$dir/seed-$i"; i=$((i + 1))
            done ;;
    esac
}

mkdir -p "$OUT"
found=0
for t in "${TARGETS[@]}"; do
    bin=$OUT/$t
    # shellcheck disable=SC2046
    swiftc "${FLAGS[@]}" Fuzz/FuzzSupport.swift "Fuzz/$t.swift" $(objects $(modules "$t")) -o "$bin" >"$OUT/$t.link.log" 2>&1 || {
        grep -v "Cannot export local symbol" "$OUT/$t.link.log"; exit 1; }
    corpus=$OUT/corpus/$t crashes=$OUT/crashes/$t
    mkdir -p "$corpus" "$crashes"
    seeds=$(mktemp -d)
    seed "$t" "$seeds"
    # Large model files: allow inputs as large as the seed.
    maxlen=$(( $(ls -l "$seeds" | awk 'NR>1 {print $5}' | sort -n | tail -1) + 1024 ))
    echo "libfuzz: $t for ${SECONDS_EACH} s (corpus $corpus, crashes $crashes)"
    # The Swift runtime's backtracer would hang under ASan: the sanitizer reports the crash.
    set +e
    SWIFT_BACKTRACE=enable=no LIBFUZZ_SIDECAR=$ROOT/datasets/demo/pt ASAN_OPTIONS=detect_leaks=0 \
        "$bin" "$corpus" "$seeds" -max_total_time="$SECONDS_EACH" -max_len="$maxlen" -rss_limit_mb=4096 \
        -timeout=10 ${LIBFUZZ_SEED:+-seed=$LIBFUZZ_SEED} -artifact_prefix="$crashes/" -print_final_stats=1 >"$OUT/$t.log" 2>&1
    rc=$?
    set -e
    rm -rf "$seeds"
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|cov:" "$OUT/$t.log" | tail -3 | sed "s/^/  /"
    if [ $rc -ne 0 ]; then
        found=1
        echo "libfuzz: $t FAILED (exit $rc): $(grep -m1 -E "ERROR|Fatal error|deadly signal|timeout" "$OUT/$t.log")"
        ls "$crashes" | sed "s/^/  kept: /"
    fi
done
exit $found
