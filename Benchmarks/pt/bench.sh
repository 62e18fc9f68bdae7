#!/bin/sh
# PT decode speed: IntelPT's decoder alone (PTCaptureReader.forEachEvent, driver.swift) and
# `interfere events CAPTURE` (the decoder feeding PTStats event by event) against a plain libipt
# pt_pkt_next loop on the same capture, in one hyperfine run.
# Usage: Benchmarks/pt/bench.sh [SIZE_MB=200]   (run from the package root)
# SCRATCH: the SwiftPM scratch path to build in (default .build-pt); INTERFERE: the interfere binary
# (default .build/release/interfere).
set -e
SIZE=${1:-200}
SCRATCH=${SCRATCH:-.build-pt}
INTERFERE=${INTERFERE:-.build/release/interfere}
OUT=${TMPDIR:-/tmp}/interfere-pt-bench
mkdir -p "$OUT/capture"
cc -O2 -o "$OUT/gen" Benchmarks/pt/gen.c -lipt
cc -O2 -o "$OUT/loop" Benchmarks/pt/loop.c -lipt
"$OUT/gen" "$OUT/capture" "$SIZE"
rm -rf $SCRATCH/release/IntelPT.build   # no stale objects of removed files in the link below
swift build -c release --scratch-path $SCRATCH --target IntelPT >/dev/null
swiftc -O -parse-as-library -o "$OUT/driver" Benchmarks/pt/driver.swift -I $SCRATCH/release/Modules \
  -Xcc -fmodule-map-file=Sources/CIPT/module.modulemap -Xcc -fmodule-map-file=Sources/CBabeltrace2/module.modulemap \
  $SCRATCH/release/IntelPT.build/*.o $SCRATCH/release/TraceIngest.build/*.o -lipt -lbabeltrace2
CMDS="'$OUT/loop $OUT/capture/cpu0.pt' '$OUT/driver $OUT/capture'"
if [ -x "$INTERFERE" ] && "$INTERFERE" events "$OUT/capture" >/dev/null 2>&1; then
  CMDS="$CMDS '$INTERFERE events $OUT/capture'"
fi
eval hyperfine -w 1 -r 5 $CMDS
echo "capture: $(stat -c %s "$OUT/capture/cpu0.pt") bytes; ratio (bytes/s of IntelPT vs loop) = loop mean time / driver mean time. Note: loop.c reads the file with fread, IntelPT maps it; compare User times too."
