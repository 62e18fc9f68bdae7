#!/usr/bin/env bash
# Leave one real recording out, over every real recording: those of ../shared/traces/host-real
# and every datasets/real/NAME holding trace/ and labels.csv. For each one left out: train on the
# simulated train-1..8 and every other real recording, evaluate on the one left out. Prints one
# Markdown table (scripts/loo-row.py says what each column is), after the domain-shift figure: a
# model trained on the simulator alone (train-1..8), scored on each real recording.
#   scripts/evaluate-real-loo.sh [GENERATED]     (GENERATED: default datasets/generated)
# ONLY="NAME..." leaves out only those recordings (each still trained on all the others) and skips
# the domain-shift figure: a quick look at a few rows while trying a change.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${INTERFERE:-.build/release/interfere}
G=${1:-datasets/generated}
H=../shared/traces/host-real
TMP=${TMPDIR:-/tmp}/interfere-loo
mkdir -p "$TMP"
scripts/make-datasets.sh "$G" >/dev/null
scripts/unpack-real.sh
ALL=""
for r in datasets/real/*/ "$H"/*/; do
    r=${r%/}
    [ -d "$r/trace" ] && [ -f "$r/labels.csv" ] && ALL="$ALL $r"
done
SIM="$G/train-1 $G/train-2 $G/train-3 $G/train-4 $G/train-5 $G/train-6 $G/train-7 $G/train-8"

row() {  # row NAME MODEL RECORDING
    "$BIN" evaluate "$3" -m "$2" --json > "$TMP/eval.json"
    "$BIN" score "$3" -m "$2" --json > "$TMP/score.json"
    python3 scripts/loo-row.py "$1" "$TMP/eval.json" "$TMP/score.json" "$3/labels.csv"
}
header() {
    echo "| $1 | window F1 | category ARI | periods on VMs labeled none throughout | culprit named in periods overlapping a labeled one |"
    echo "|---|---|---|---|---|"
}

# REUSE=1 keeps models already in $TMP (a run that was stopped goes on where it stopped); each
# training reads train-1..8 and fits the clusters and the classifier, several minutes apiece.
train() {  # train MODEL DATASET...
    local m=$1; shift
    [ "${REUSE:-0}" = 1 ] && [ -s "$m" ] && return 0
    "$BIN" train "$@" --seed 1 -o "${m%.json}.part.json" >/dev/null && mv "${m%.json}.part.json" "$m"
}

rm -f "$TMP/pool-sim.csv" "$TMP/pool-loo.csv"
if [ -z "${ONLY:-}" ]; then
    echo "Domain shift: trained on the simulator alone (train-1..8), scored on each real recording"
    echo
    train "$TMP/sim-only.json" $SIM
    header "recording"
    for r in $ALL; do POOL="$TMP/pool-sim.csv" row "$(basename "$r")" "$TMP/sim-only.json" "$r"; done
    echo
    python3 scripts/pooled-ari.py "$TMP/pool-sim.csv"
    echo
fi
echo "Leave one recording out: trained on train-1..8 and every other real recording"
echo
header "left out"
for out in $ALL; do
    n=$(basename "$out")
    [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $n "* ]] || continue
    rest=""; for r in $ALL; do [ "$r" = "$out" ] || rest="$rest $r"; done
    train "$TMP/loo-$n.json" $SIM $rest
    POOL="$TMP/pool-loo.csv" row "$n" "$TMP/loo-$n.json" "$out"
done
echo
python3 scripts/pooled-ari.py "$TMP/pool-loo.csv"
