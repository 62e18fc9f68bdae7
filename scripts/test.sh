#!/usr/bin/env bash
# Runs every test: the Swift test suite (all modules, on the real traces in ../shared when they
# are there) and the Python parity tests against scikit-learn.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release 2>&1 | tail -n 1
swift build --build-tests 2>&1 | grep -E "error|warning: unre|Compiling|Build" | grep -v "^\[" || true
swift test --skip-build
if [ -d Tests/parity ]; then
    INTERFERE_BIN="$PWD/.build/release/interfere" LEARNING_TOOL="$PWD/.build/release/learning-tool" \
        ${PYTHON:-python3} -m pytest -q Tests/parity
fi
