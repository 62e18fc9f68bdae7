#!/bin/sh
# PT decode speed: IntelPT's decoder (PTCaptureReader.forEachEvent, what `interfere events CAPTURE`
# runs) against a plain libipt pt_pkt_next loop on the same capture, in one hyperfine run.
# Usage: Benchmarks/pt/bench.sh [SIZE_MB=200]   (run from the package root)
set -e
SIZE=${1:-200}
OUT=${TMPDIR:-/tmp}/interfere-pt-bench
mkdir -p "$OUT/capture"
cc -O2 -o "$OUT/gen" Benchmarks/pt/gen.c -lipt
cc -O2 -o "$OUT/loop" Benchmarks/pt/loop.c -lipt
"$OUT/gen" "$OUT/capture" "$SIZE"
rm -rf .build-pt/release/IntelPT.build   # no stale objects of removed files in the link below
swift build -c release --scratch-path .build-pt --target IntelPT >/dev/null
swiftc -O -parse-as-library -o "$OUT/driver" Benchmarks/pt/driver.swift -I .build-pt/release/Modules \
  -Xcc -fmodule-map-file=Sources/CIPT/module.modulemap -Xcc -fmodule-map-file=Sources/CBabeltrace2/module.modulemap \
  .build-pt/release/IntelPT.build/*.o .build-pt/release/TraceIngest.build/*.o -lipt -lbabeltrace2
CMDS="'$OUT/loop $OUT/capture/cpu0.pt' '$OUT/driver $OUT/capture'"
if [ -x .build/release/interfere ] && .build/release/interfere events "$OUT/capture" >/dev/null 2>&1; then
  CMDS="$CMDS '.build/release/interfere events $OUT/capture'"
fi
eval hyperfine -w 1 -r 5 $CMDS
echo "capture: $(stat -c %s "$OUT/capture/cpu0.pt") bytes; ratio (bytes/s of IntelPT vs loop) = loop mean time / driver mean time. Note: loop.c reads the file with fread, IntelPT maps it; compare User times too."
