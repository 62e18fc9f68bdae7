#!/usr/bin/env bash
# Builds the replayer into OUT (default: .build/replayer beside the package). Needs
# liblttng-ust-dev and libbabeltrace2-dev (scripts/install-deps.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../../.build/replayer}
mkdir -p "$(dirname "$out")"
cc -O2 -Wall -I"$here" -o "$out.tmp-$$" "$here/replayer.c" "$here/tp-replay.c" "$here/tp-perf.c" "$here/tp-qemu.c" \
    $(pkg-config --cflags --libs babeltrace2) -llttng-ust -ldl
mv "$out.tmp-$$" "$out"
