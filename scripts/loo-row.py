#!/usr/bin/env python3
"""One row of scripts/evaluate-real-loo.sh's table, from what `interfere` printed.

usage: loo-row.py NAME EVALUATE.json SCORE.json LABELS.csv
EVALUATE.json: `interfere evaluate REC --json`; SCORE.json: `interfere score REC --json`, both with
the same model. Prints one Markdown row:
  | NAME | window F1 | category ARI | periods on VMs labeled none throughout | culprit named |
- window F1 is "–" when no label row of the recording holds interference (F1 is undefined);
- the third column counts the detected periods of VMs whose every label row says `none`
  (the goal is 0), naming the VMs that have some;
- the last is k/n over the detected periods that overlap a labeled interference row of the same
  VM: k of them name the culprit of the row they overlap most ("–" when no detected period overlaps one; "missed"
  is added when a labeled row has no overlapping period at all).
With POOL=FILE in the environment, it also appends one line per labeled window to FILE: the
labeled workload and the category the score gave the window (`pooled-ari.py FILE` makes the
category ARI over every recording of a table from them).
"""
import csv, json, os, sys


def main():
    name, ev, sc, lab = sys.argv[1:5]
    e = json.load(open(ev))
    s = json.load(open(sc))
    rows = list(csv.DictReader(open(lab)))
    overall = e["overall"]
    interfered = [r for r in rows if r["interference"] != "none"]
    f1 = "%.2f" % overall["window_f1"] if interfered else "–"
    ari = "%.2f" % overall["category_ari"]
    vms = {r["vm"] for r in rows}
    quiet = {v for v in vms if all(r["interference"] == "none" for r in rows if r["vm"] == v)}
    periods = {vm["vm"]: [p for p in vm["periods"]] for vm in s["vms"]}
    false = {v: len(periods.get(v, [])) for v in sorted(quiet) if periods.get(v)}
    nfalse = sum(false.values())
    fcol = "%d" % nfalse + (" (%s)" % ", ".join("%s %d" % kv for kv in false.items()) if false else "")
    right = total = 0
    missed = 0
    def overlap(r, p):
        return min(int(r["end_ns"]), p["period"]["end_ns"]) - max(int(r["start_ns"]), p["period"]["start_ns"])
    for r in interfered:
        if not any(overlap(r, p) > 0 for p in periods.get(r["vm"], [])):
            missed += 1
    # Each period is judged against the labeled interference row of its VM it overlaps most (a
    # CPU period that runs 100 ms into the next row's disk interference is still the CPU row's).
    for vm, ps in periods.items():
        rows_of_vm = [r for r in interfered if r["vm"] == vm]
        for p in ps:
            best = max(rows_of_vm, key=lambda r: overlap(r, p), default=None)
            if best is None or overlap(best, p) <= 0:
                continue
            total += 1
            if (p["culprit"].get("name") or "") == best["culprit"]:
                right += 1
    if not interfered:
        ccol = "–"
    else:
        ccol = ("%d/%d" % (right, total)) if total else "–"
        if missed:
            ccol += " (%d of %d labeled rows missed)" % (missed, len(interfered))
    print("| %s | %s | %s | %s | %s |" % (name, f1, ari, fcol, ccol))
    pool = os.environ.get("POOL")
    if pool:
        with open(pool, "a") as out:
            for vm in s["vms"]:
                for w, category in zip(vm["windows"], vm["window_categories"]):
                    label = [r for r in rows if r["vm"] == vm["vm"]
                             and int(r["start_ns"]) <= w["start_ns"] < int(r["end_ns"])]
                    if label:
                        out.write("%s,%s,%s\n" % (name, label[0]["workload"], category))


if __name__ == "__main__":
    main()
