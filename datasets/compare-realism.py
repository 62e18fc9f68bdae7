#!/usr/bin/env python3
"""Prints the realism table of datasets/README.md: the same measures, taken by `interfere` itself,
on a real recording and on a simulated dataset, for a CPU-bound, a disk and a network VM, alone
and under interference.

usage: python3 datasets/compare-realism.py SIMULATED_DEMO_FOLDER [SHARED_HOST_REAL_FOLDER]
(SIMULATED_DEMO_FOLDER: `interfere simulate --preset demo -o DIR`, 30 s)
"""
import io, json, subprocess, sys
import pandas as pd

BIN = ".build/release/interfere"
sim = sys.argv[1]
real = sys.argv[2] if len(sys.argv) > 2 else "../shared/traces/host-real"


def features(path):
    csv = subprocess.check_output([BIN, "features", path, "--labels", f"{path}/labels.csv"])
    return pd.read_csv(io.BytesIO(csv))


def events(path):
    return json.loads(subprocess.check_output([BIN, "events", path, "--json"]))["inventory"]


def row(name, path, vm, interference):
    f = features(path)
    f = f[(f.vm == vm) & (f.interference == interference)]
    inv = events(path)
    seconds = (inv["last_time_ns"] - inv["first_time_ns"]) / 1e9
    counts = {c["name"].split(":")[-1]: c["count"] for c in inv["events_by_name"]}
    cpus = len([c for c in inv["events_by_cpu"] if c["cpu"] >= 0])
    g = lambda c: f[c].mean() if c in f else float("nan")
    return [name, vm, interference, len(f),
            f"{counts.get('sched_switch', 0) / seconds / cpus:.0f}", f"{(counts.get('sched_wakeup', 0)) / seconds / cpus:.0f}",
            f"{100 * g('sched_running_share'):.1f}", f"{100 * (g('sched_preempted_share') + g('sched_waiting_share')):.1f}",
            f"{g('sched_wakeups_per_s'):.0f}", f"{g('sched_wait_latency_mean_ms'):.3f}", f"{g('sched_wait_latency_p95_ms'):.3f}",
            f"{g('block_read_per_s'):.1f}", f"{g('block_latency_mean_ms'):.3f}", f"{g('net_tx_bytes_per_s') / 1000:.1f}",
            f"{g('net_xmit_wait_mean_ms'):.3f}"]


rows = [
    row("real cpu-neighbour", f"{real}/cpu-neighbour", "victim", "none"),
    row("real cpu-neighbour", f"{real}/cpu-neighbour", "victim", "cpu"),
    row("sim demo", sim, "web", "none"),
    row("sim demo", sim, "web", "cpu"),
    row("real disk-contention", f"{real}/disk-contention", "victim", "none"),
    row("real disk-contention", f"{real}/disk-contention", "victim", "disk"),
    row("sim demo", sim, "db", "none"),
    row("sim demo", sim, "db", "disk"),
    row("real net-contention", f"{real}/net-contention", "victim", "none"),
    row("real net-contention", f"{real}/net-contention", "victim", "net"),
    row("sim demo", sim, "stream", "none"),
    row("sim demo", sim, "stream", "net"),
]
head = ["trace", "VM", "label", "windows", "switch/s/CPU", "wakeup/s/CPU", "running %", "preempted+waiting %",
        "vCPU wakeups/s", "wait mean ms", "wait p95 ms", "reads/s", "read latency ms", "tx kB/s", "queue→xmit ms"]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for r in rows:
    print("| " + " | ".join(str(x) for x in r) + " |")
