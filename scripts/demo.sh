#!/usr/bin/env bash
# The main job on the bundled example (datasets/demo, a 3-second simulated host with one CPU,
# one disk and one network interference): per VM, its category and its interference periods
# explained, with the shipped model.
set -euo pipefail
cd "$(dirname "$0")/.."
.build/release/interfere score "${1:-datasets/demo}" -m models/default.json
