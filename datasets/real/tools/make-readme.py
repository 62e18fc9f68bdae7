#!/usr/bin/python3
"""Write README.md of one recording from what record.py and analyze.py wrote.

usage: make-readme.py SCENARIO RECORDING_DIR
The scenario text is the table WHAT below; everything else (VMs, pids, pinning, labels, the
measured numbers) is read from the recording's own files: vm-names.csv, vm-threads.csv,
labels.csv, phases.csv, EXPECTED.txt and facts.txt (numbers measured by analyze.py from the
trace). Nothing is typed in by hand.
"""
import csv, os, re, sys

WHAT = {
    "cpu-same-cpu": "Both VMs pinned on CPU 1. `victim` runs a CPU loop throughout; `noisy` runs one in "
                    "[t1,t2). Two TCG vCPUs on one CPU share it: the victim's on-CPU share drops while "
                    "noisy runs. Culprit noisy (and noisy, slowed by the victim as much, is labeled cpu with culprit victim, as in cpu-neighbour).",
    "cpu-other-cpu": "`victim` on CPU 1 runs a CPU loop throughout; `noisy` on CPU 0 runs one in [t1,t2). "
                     "Different CPUs: no interference (labels none for both).",
    "host-hog-cpu": "`victim` on CPU 1 runs a CPU loop throughout; a host process `hog` (a copy of the "
                    "python interpreter spinning, `taskset -c 1`) runs in [t1,t2) on CPU 1. Culprit hog.",
    "disk-4mib": "Both VMs' disks are slices of one loop device whose backing reads are throttled to "
                 "4 MiB/s for both together (blkio cgroup, see device-setup.txt). `victim` (CPU 1) does small "
                 "direct reads throughout (dread: 4 x 4 KiB every ~50 ms); `noisy` (CPU 0) reads 1 MiB "
                 "blocks back to back in [t1,t2). Culprit noisy; noisy, the saturator, is labeled none.",
    "disk-16mib": "As disk-4mib with the shared device throttled to 16 MiB/s.",
    "disk-two-victims": "Three VMs on slices of one loop device throttled to 8 MiB/s: `victim-a` and "
                        "`victim-b` (both CPU 1) do small direct reads throughout, `noisy` (CPU 0) reads 1 MiB "
                        "blocks back to back in [t1,t2). Two victims at once, culprit noisy for both.",
    "disk-alone": "One VM `solo` (CPU 1) alone on the throttled loop device (8 MiB/s): it reads 1 MiB blocks "
                  "back to back in [t1,t2), filling the device by itself. Negative: no other tenant, labels none.",
    "mixed-cpu-disk": "`victim` (CPU 1) runs a CPU loop and small direct reads at once (cpudread) throughout. "
                      "In [t1,t2) `hogvm` (also CPU 1) runs a CPU loop: CPU interference, culprit hogvm. In "
                      "[t2,t3) `reader` (CPU 0) reads 1 MiB blocks back to back from its slice of the shared "
                      "loop device (8 MiB/s): disk interference, culprit reader.",
    "net-2mbit": "Both VMs use slirp networking in one namespace whose `lo` is limited by tbf to 2 Mbit/s "
                 "(net-setup.txt); `victim` (CPU 1) streams 8 KiB every ~50 ms to a host sink throughout "
                 "(nsendslow); `noisy` (CPU 0) sends 2 greedy streams in [t1,t2). Culprit noisy; noisy is labeled none.",
    "net-6mbit": "As net-2mbit with tbf at 6 Mbit/s, the victim streaming 16 KiB every ~50 ms (nsend) and noisy "
                 "sending 4 greedy streams (nblast4) in [t1,t2).",
    "net-alone": "One VM `solo` (CPU 1) alone on the tbf-limited (3 Mbit/s) namespace `lo`: 2 greedy streams in "
                 "[t1,t2), filling the link by itself. Negative: no other tenant, labels none.",
    "host-guest-hog": "Host and guest recorded at once. `victim` (one vCPU, CPU 1) runs two guest processes, the "
                      "busy loops `loop-a` and `loop-b` (one binary, `tools/guest-helper.c`), throughout: they "
                      "share its one vCPU. A host process `hog` (as in host-hog-cpu) runs in [t1,t2) on CPU 1. "
                      "Inside the guest (hostname `victim`, the VM's name) perf records the guest's own "
                      "scheduler (`guests/victim/trace/`); the host's perf records the host (`trace/`). Culprit "
                      "hog; in the guest both loops lose the time their vCPU is preempted by it.",
    "quiet": "Quiet control: two idle VMs (`vm-a` on CPU 1, `vm-b` on CPU 0), no workload, no host process "
             "started; t1 and t2 are only marks. Labels idle/none throughout.",
}


def main():
    scen, rec = sys.argv[1], sys.argv[2]
    rd = lambda n: open(os.path.join(rec, n)).read()
    names = list(csv.DictReader(open(os.path.join(rec, "vm-names.csv"))))
    threads = list(csv.DictReader(open(os.path.join(rec, "vm-threads.csv"))))
    labels = list(csv.DictReader(open(os.path.join(rec, "labels.csv"))))
    phases = list(csv.DictReader(open(os.path.join(rec, "phases.csv"))))
    facts = rd("facts.txt").splitlines()
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(os.path.join(rec, "trace")) for f in fs)
    t0 = int(labels[0]["start_ns"])
    L = ["# %s" % scen, "",
         "Recorded on this project's 2-CPU build machine (Linux %s, perf 6.1, QEMU 7.2 TCG guests) by "
         "`scripts/record-real.sh record %s` (`datasets/real/tools/record.py`), labels and facts by "
         "`scripts/record-real.sh analyze %s`. Every event is a real kernel tracepoint hit." % (
             os.uname().release, scen, scen), "",
         "## Scenario", "", WHAT[scen], "",
         "## VMs", "", "| VM | QEMU pid | pinned CPU | vCPU thread |", "|---|---|---|---|"]
    for n in names:
        vc = [t for t in threads if t["vm"] == n["name"] and t["comm"].startswith("CPU ")]
        L.append("| %s | %s | %s | %s |" % (n["name"], n["pid"], vc[0]["pinned_cpus"] if vc else "?",
                                          ", ".join("%s (`%s`)" % (t["tid"], t["comm"]) for t in vc)))
    L += ["", "Trace: %.1f MB of CTF (perf's flavour, `trace/`); EXPECTED.txt: %s." % (
        size / 1e6, ", ".join(l for l in rd("EXPECTED.txt").splitlines()[:1])), "",
        "## Phases (s from the first event)", ""]
    for p in phases:
        L.append("- `%s` at %.3f s" % (p["phase"], (int(p["t_sent_ns"]) - t0) / 1e9))
    L += ["", "## Labels", "", "| VM | from s | to s | workload | interference | culprit |", "|---|---|---|---|---|---|"]
    for r in labels:
        L.append("| %s | %.3f | %.3f | %s | %s | %s |" % (r["vm"], (int(r["start_ns"]) - t0) / 1e9,
                                                         (int(r["end_ns"]) - t0) / 1e9, r["workload"],
                                                         r["interference"], r["culprit"] or "–"))
    L += ["", "## Checkable facts (measured by analyze.py, from facts.txt)", ""]
    keep = re.compile(r"^(vm \S+ vCPU|guest \S+ clock|guest \S+ trace on|guest \S+ thread \d+ loop-|block dev 7:\d+ (?!host)\S+ [RW] |net lo net_dev_queue (?!host)\S+ data \[|tcp_probe on|"
                      r"receiver stream \S+ \[|receiver stream \S+: first|tcp send \(sock|net lo queued by (?!host)\S+ data)")
    for f in facts:
        if keep.match(f):
            L.append("- " + re.sub(r"; CPU(\d) time taken while it waited: (.*)$", r"; while it waited CPU\1 ran: \2", f))
    L += ["", "The rest (event counts, per-second series, setup) is in `facts.txt`, `phases.csv`, "
          "`qemu-cmdlines.txt`%s." % ("".join(", `%s`" % n for n in ("device-setup.txt", "net-setup.txt", "sockets.txt", "receiver-log.csv")
                                             if os.path.exists(os.path.join(rec, n))))]
    for g in sorted(os.listdir(os.path.join(rec, "guests")) if os.path.isdir(os.path.join(rec, "guests")) else []):
        L += ["", "## Guest %s" % g, "",
              "`guests/%s/trace/`: the guest's own perf recording (perf 6.1 in the guest's initramfs, "
              "`perf record -k CLOCK_MONOTONIC -a -c 1` of sched_switch, sched_wakeup, sched_wakeup_new, "
              "sched_migrate_task, sched_process_fork/exec/exit, started with its events disabled and enabled "
              "before the host's perf starts; perf.data copied to a raw virtio disk and converted on the host "
              "with `perf data convert --to-ctf`), on the guest's CLOCK_MONOTONIC; its `host` is `%s`. "
              "`guests/%s/threads.csv`: the guest's threads (from its `/proc`) before recording. "
              "`guests/%s/clock-pings.csv`: the clock pings over the serial console before the guest's perf "
              "starts and after it stops (per ping the host's CLOCK_MONOTONIC before sending, the guest's when it "
              "arrived, the host's when the answer's first byte arrived), which Interfere reads to put the "
              "guest's clock on the host's (TCG has no vmsync events). `guests/%s/console.log`: what the guest "
              "said on its console (its commands echoed, perf's own lines: no lost events reported). "
              "`guests/%s/EXPECTED.txt`: babeltrace2's counts of the guest trace." % (g, g, g, g, g, g)]
    open(os.path.join(rec, "README.md"), "w").write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
