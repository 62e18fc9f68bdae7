#!/usr/bin/env python3
"""A stand-in for a QEMU guest with one busy vCPU, for `watch --perf`'s test on a host with no
guest image: the process is named `qemu-system-x86` and its vCPU thread `CPU 0/KVM`, as QEMU
names them, so Interfere's thread registry takes it for a VM; the vCPU thread is pinned to CPU
CPU and spins until SECONDS have passed.

usage: guest.py CPU SECONDS
"""
import ctypes
import os
import sys
import threading
import time

PR_SET_NAME = 15
libc = ctypes.CDLL(None, use_errno=True)


def name(text):
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(text.encode()), 0, 0, 0)


def vcpu(cpu, until):
    name("CPU 0/KVM")
    os.sched_setaffinity(0, {cpu})   # 0: this thread
    x = 0
    while time.monotonic() < until:
        for _ in range(10000):
            x += 1


def main():
    cpu, seconds = int(sys.argv[1]), float(sys.argv[2])
    name("qemu-system-x86")
    until = time.monotonic() + seconds
    t = threading.Thread(target=vcpu, args=(cpu, until))
    t.start()
    print(os.getpid(), flush=True)
    t.join()


if __name__ == "__main__":
    main()
