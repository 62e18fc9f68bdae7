"""scripts/loo-row.py on small made-up inputs: each detected period is judged against the labeled
interference row of its VM that it overlaps most."""
import json, os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def row(periods, labels):
    with tempfile.TemporaryDirectory() as d:
        ev, sc, lab = (os.path.join(d, n) for n in ("e.json", "s.json", "labels.csv"))
        json.dump({"overall": {"window_f1": 0.5, "category_ari": 0.25}}, open(ev, "w"))
        vms = sorted({r[0] for r in labels})
        json.dump({"vms": [{"vm": v, "windows": [], "window_categories": [],
                            "periods": [{"period": {"start_ns": a, "end_ns": b}, "culprit": {"name": c}}
                                        for (pv, a, b, c) in periods if pv == v]} for v in vms]}, open(sc, "w"))
        with open(lab, "w") as f:
            f.write("vm,start_ns,end_ns,workload,interference,culprit\n")
            for r in labels:
                f.write(",".join(str(x) for x in r) + "\n")
        env = {k: v for k, v in os.environ.items() if k != "POOL"}
        out = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/loo-row.py"), "x", ev, sc, lab],
                             capture_output=True, text=True, env=env, check=True).stdout
        return [c.strip() for c in out.strip().strip("|").split("|")]


LABELS = [("v", 0, 100, "mixed", "cpu", "hog"), ("v", 100, 200, "mixed", "disk", "reader"),
          ("q", 0, 200, "idle", "none", "")]


def test_a_period_that_runs_into_the_next_row_is_judged_by_the_row_it_overlaps_most():
    cols = row([("v", 0, 110, "hog"), ("v", 110, 200, "reader")], LABELS)
    assert cols == ["x", "0.50", "0.25", "0", "2/2"]


def test_a_wrong_culprit_a_missed_row_and_a_period_on_a_quiet_vm_are_counted():
    cols = row([("v", 0, 90, "reader"), ("q", 10, 50, "v")], LABELS)
    assert cols == ["x", "0.50", "0.25", "1 (q 1)", "0/1 (1 of 2 labeled rows missed)"]
