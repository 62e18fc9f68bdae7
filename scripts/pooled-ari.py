#!/usr/bin/env python3
"""Category ARI over every window of several recordings, from loo-row.py's POOL lines.

usage: pooled-ari.py POOL   (lines: recording,labeled workload,category)
Prints the adjusted Rand index between the labeled workloads and the categories, over all the
lines, and the number of windows: the figure issue 16 §5 asks for "over the real recordings"
(a recording whose labels hold one workload has no ARI of its own, but its windows count here).
"""
import csv, sys
from sklearn.metrics import adjusted_rand_score

rows = list(csv.reader(open(sys.argv[1])))
print("category ARI over %d windows of %d recordings: %.2f" % (
    len(rows), len({r[0] for r in rows}), adjusted_rand_score([r[1] for r in rows], [r[2] for r in rows])))
