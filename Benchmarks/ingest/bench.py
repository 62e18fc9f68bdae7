#!/usr/bin/env python3
"""Ingest benchmark: `interfere events` and `interfere features` against babeltrace2's own decode
of the same trace through `sink.utils.dummy`, in one run. Prints events/s of each, their ratio,
and the peak RSS of each run.

usage: Benchmarks/ingest/bench.py TRACE [--runs N] [--bin PATH]
Make a trace first, e.g. `/usr/bin/python3 ../shared/tools/make-big-ctf.py /tmp/big5m 5000000 2`
(5 M events, 3 minutes) or `interfere simulate --preset bench ...` (see datasets/README.md).
"""
import argparse, json, os, resource, subprocess, sys, time

def run(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {p.stderr.decode()[-500:]}")
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return dt, p.stdout, rss_kb

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "../../.build/release/interfere"))
    a = ap.parse_args()
    _, out, _ = run([a.bin, "events", a.trace, "--json"])
    events = json.loads(out)["inventory"]["total_events"]
    print(f"trace {a.trace}: {events} events")
    cases = {
        "babeltrace2 -c sink.utils.dummy": ["babeltrace2", a.trace, "-c", "sink.utils.dummy"],
        "interfere events": [a.bin, "events", a.trace],
        "interfere features": [a.bin, "features", a.trace, "-o", "/dev/null"],
    }
    best = {}
    for name, cmd in cases.items():
        times = []
        for _ in range(a.runs):
            dt, _, _ = run(cmd)
            times.append(dt)
        best[name] = min(times)
    ref = best["babeltrace2 -c sink.utils.dummy"]
    for name, t in best.items():
        print(f"{name:34s} best of {a.runs}: {t:7.3f} s  {events / t / 1e6:6.2f} M events/s  ratio {ref / t:5.2f}x")
    # Peak RSS, one run each, measured in a fresh child so the maximum is its own.
    for name in ("interfere events", "interfere features"):
        code = ("import resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,check=True);"
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        kb = int(subprocess.check_output([sys.executable, "-c", code] + cases[name]).strip())
        print(f"{name:34s} peak RSS {kb / 1024:7.1f} MiB")

if __name__ == "__main__":
    main()
