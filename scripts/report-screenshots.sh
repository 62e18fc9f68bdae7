#!/usr/bin/env bash
# Makes the README's report screenshots: `interfere report` on the bundled demo and on one real
# recording, each loaded in headless Chromium (Debian's `chromium`) and saved as a PNG in docs/.
# usage: scripts/report-screenshots.sh   (after a release build; run from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/interfere
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
shoot() {  # name trace height
    "$BIN" report "$2" -o "$OUT/$1.html"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1300,"$3" \
        --screenshot="docs/report-$1.png" "file://$OUT/$1.html" 2>/dev/null
}
mkdir -p docs
shoot demo datasets/demo 2200
shoot cpu-neighbour ../shared/traces/host-real/cpu-neighbour 1900
ls -l docs/report-*.png
