#!/usr/bin/env bash
# Proves a refactor changed no output: runs `features` (CSV), `score --json`, `stats --json` and
# `report` on every shared trace, datasets/demo and its Intel PT capture, with the binary built
# from BASE (a commit, default HEAD) and with the work tree's release build, and `cmp`s every pair.
# With --model it also rebuilds models/default.json with both (scripts/train-default.sh) and
# compares them.
#
#   scripts/check-unchanged.sh [BASE] [--model]
#
# The base binary is built once per commit in a worktree under ${CACHE:-/tmp/interfere-unchanged}
# and its outputs are kept there; the work tree's outputs go to $CACHE/work. Exit 0 when every
# file is identical, 1 otherwise (the differing files are listed).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BASE=HEAD
MODEL=0
for a in "$@"; do
    case "$a" in
        --model) MODEL=1 ;;
        *) BASE=$a ;;
    esac
done
SHA=$(git rev-parse "$BASE")
CACHE=${CACHE:-/tmp/interfere-unchanged}
SHARED=${SHARED:-$ROOT/../shared}
mkdir -p "$CACHE"

inputs() {
    for d in "$SHARED"/traces/host-real/*/ "$SHARED"/traces/lttng/*/; do
        [ -d "$d/trace" ] && echo "${d%/}"
    done
    echo "$ROOT/datasets/demo"
    echo "$ROOT/datasets/demo/pt"
}

# run BIN OUTDIR: every command's output for every input into OUTDIR.
run() {
    local bin=$1 out=$2 in name
    rm -rf "$out"; mkdir -p "$out"
    while read -r in; do
        name=$(echo "${in#"$ROOT"/}" | sed 's#^\.\./##; s#[/.]#_#g')
        (cd "$ROOT" && "$bin" features "$in" -o "$out/$name.features.csv" >"$out/$name.features.txt" 2>&1) || echo "exit $?" >>"$out/$name.features.txt"
        (cd "$ROOT" && "$bin" score "$in" -m models/default.json --json >"$out/$name.score.json" 2>&1) || echo "exit $?" >>"$out/$name.score.json"
        (cd "$ROOT" && "$bin" stats "$in" --json >"$out/$name.stats.json" 2>&1) || echo "exit $?" >>"$out/$name.stats.json"
        (cd "$ROOT" && "$bin" report "$in" -m models/default.json -o "$out/$name.report.html" >"$out/$name.report.txt" 2>&1) || echo "exit $?" >>"$out/$name.report.txt"
    done < <(inputs)
    # Absolute paths of this checkout appear in some outputs: make them relative.
    sed -i "s#$out/#OUT/#g; s#$ROOT/##g; s#$SHARED/##g" "$out"/* 2>/dev/null || true
}

BASEDIR=$CACHE/$SHA
if [ ! -x "$BASEDIR/bin/interfere" ] && [ "$SHA" = "$(git rev-parse HEAD)" ] && [ -z "$(git status --porcelain -- Sources Package.swift)" ] \
    && [ -x .build/release/interfere ]; then
    # The work tree is BASE: its release build is the base binary.
    swift build -c release 2>&1 | tail -n 1 >&2
    mkdir -p "$BASEDIR/bin"; cp .build/release/interfere "$BASEDIR/bin/interfere"
fi
if [ ! -x "$BASEDIR/bin/interfere" ]; then
    echo "building $SHA in $BASEDIR/src" >&2
    rm -rf "$BASEDIR"; mkdir -p "$BASEDIR/bin"
    git worktree add --detach "$BASEDIR/src" "$SHA" >/dev/null
    (cd "$BASEDIR/src" && swift build -c release --scratch-path "$BASEDIR/build" 2>&1 | tail -n 1)
    cp "$BASEDIR/build/release/interfere" "$BASEDIR/bin/interfere"
    git worktree remove --force "$BASEDIR/src"
fi
[ -f "$BASEDIR/out/.done" ] || { run "$BASEDIR/bin/interfere" "$BASEDIR/out"; touch "$BASEDIR/out/.done"; }

echo "building the work tree" >&2
swift build -c release 2>&1 | tail -n 1 >&2
# A copy: later builds of the work tree do not change the binary under a running comparison.
mkdir -p "$CACHE/work-bin"; cp .build/release/interfere "$CACHE/work-bin/interfere"
run "$CACHE/work-bin/interfere" "$CACHE/work"

status=0
for f in "$BASEDIR"/out/*; do
    b=$(basename "$f")
    if ! cmp -s "$f" "$CACHE/work/$b"; then echo "differs: $b"; status=1; fi
done
n=$(ls "$BASEDIR"/out | wc -l)

if [ "$MODEL" = 1 ]; then
    G=${GENERATED:-$ROOT/datasets/generated}
    for who in base work; do
        bin=$BASEDIR/bin/interfere; [ "$who" = work ] && bin=$CACHE/work-bin/interfere
        cp models/default.json "$CACHE/default.json.keep"
        INTERFERE=$bin scripts/train-default.sh "$G" >/dev/null
        cp models/default.json "$CACHE/$who-model.json"
        cp "$CACHE/default.json.keep" models/default.json
    done
    if cmp -s "$CACHE/base-model.json" "$CACHE/work-model.json"; then n=$((n + 1)); else echo "differs: default model"; status=1; fi
fi
[ $status = 0 ] && echo "unchanged: $n outputs identical to $SHA"
exit $status
