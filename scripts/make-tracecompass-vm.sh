#!/bin/bash
# Writes datasets/tracecompass-vm/ from Trace Compass's VM test experiments (the XML stub traces in
# datasets/tracecompass-vm/xml/, EPL-2.0: see the NOTICE there) as LTTng-style CTF, through
# libbabeltrace2 (python3-bt2, scripts/tc-xml-to-ctf.py). The events are the same; the trace UUIDs
# are drawn anew each time (sink.ctf.fs), the clock UUIDs are derived from hostname and file.
set -euo pipefail
cd "$(dirname "$0")/.."
D=datasets/tracecompass-vm
X=$D/xml
convert() { rm -rf "$D/$2"; /usr/bin/python3 scripts/tc-xml-to-ctf.py "$X/$1" "$D/$2/kernel" --hostname "$3" >/dev/null; }
# host + guest (Trace Compass's ONE_QEMUKVM)
convert OneQemuKvm/host.xml one-qemukvm/host host
convert OneQemuKvm/guest.xml one-qemukvm/guest guest
# host + guest running a container (QEMU_CONTAINER)
convert QemuContainer/host.xml qemu-container/host host
convert QemuContainer/guest.xml qemu-container/guest guest
# host + guest + a container host (TWO_HOSTS)
convert OneQemuKvm/host.xml two-hosts/host host
convert OneQemuKvm/guest.xml two-hosts/guest guest
convert Containers/withContainers.xml two-hosts/container-host container-host
# host + guest under one hostname, told apart by their clocks (boot ids)
convert OneQemuKvm/host.xml same-hostname/host localhost
convert OneQemuKvm/guest.xml same-hostname/guest localhost
echo "wrote $D"
