#!/usr/bin/env bash
# The main job on the bundled example: what is in the trace, per VM, and its features.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/interfere
EXAMPLE=${1:-datasets/demo}
if [ ! -d "$EXAMPLE" ]; then EXAMPLE=../shared/traces/host-real/cpu-neighbour; fi
$BIN stats "$EXAMPLE"
$BIN features "$EXAMPLE" -o /tmp/interfere-demo-features.csv
