#!/usr/bin/env bash
# One command on a fresh machine: install what is missing, build in release mode, and run the
# main job on the bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release 2>&1 | tail -n 3
scripts/demo.sh
