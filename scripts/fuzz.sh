#!/usr/bin/env bash
# A mutation campaign against interfere: N mutated inputs (default 200) from SEED (default 1),
# each run through one command with a 20 s limit (FUZZ_LIMIT), classified (ok, exit 2 with one
# line, signal, hang, files left, ...). Failing inputs are kept with their command in
# ${FUZZ_OUT:-.build/fuzz}/failures/. Exit 1 on any signal, hang or leftover file.
#
#   scripts/fuzz.sh [N] [SEED]
#
# Uses the release build (INTERFERE overrides), the shared traces in ../shared (SHARED
# overrides), datasets/demo with its pt/ capture, models/default.json and the labels.csv files.
set -euo pipefail
cd "$(dirname "$0")/.."
exec ${PYTHON:-python3} scripts/fuzz.py "$@"
