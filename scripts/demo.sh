#!/usr/bin/env bash
# The main job on the bundled example (datasets/demo, a 3-second simulated host with one CPU,
# one disk and one network interference): per VM, its category and its interference periods
# explained, with the shipped model; and the same as an HTML report in out/ (not in git).
set -euo pipefail
cd "$(dirname "$0")/.."
TRACE=${1:-datasets/demo}
.build/release/interfere score "$TRACE" -m models/default.json
mkdir -p out
.build/release/interfere report "$TRACE" -m models/default.json -o out/demo-report.html
