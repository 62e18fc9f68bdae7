#!/usr/bin/env bash
# Runs every test: the Swift test suite (all modules, on the real traces in ../shared when they
# are there), the Python parity tests against scikit-learn and the tests of the evaluation scripts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build() {
    local log
    log=$(mktemp)
    if ! swift build "$@" >"$log" 2>&1; then
        grep -E "error:" -A3 "$log" | head -60 || tail -40 "$log"
        rm -f "$log"
        exit 1
    fi
    tail -n 1 "$log"
    rm -f "$log"
}
build -c release
build --build-tests
swift test --skip-build
if [ -d Tests/parity ]; then
    INTERFERE_BIN="$PWD/.build/release/interfere" LEARNING_TOOL="$PWD/.build/release/learning-tool" \
        ${PYTHON:-python3} -m pytest -q Tests/parity Tests/scripts
fi
# A fixed-seed mutation campaign against the release build (scripts/fuzz.sh): 250 mutated traces,
# PT captures, sidecars, models and labels files; fails on any signal, hang, Swift trap or file left.
FUZZ_OUT=.build/fuzz-ci scripts/fuzz.sh 250 1 | tail -n 14
# The libFuzzer targets (scripts/libfuzz.sh, Fuzz/), 10 s each from the repository's own files with
# a fixed seed, in a corpus of their own; fails on any crash.
FUZZ_OUT=.build/libfuzz-ci LIBFUZZ_SEED=1 scripts/libfuzz.sh 10
