#!/usr/bin/env bash
# Installs what Interfere needs and is missing: Debian packages (libbabeltrace2, libipt, OpenBLAS,
# LAPACKE, ...) and the Python packages of the parity tests and notebooks. Idempotent; quiet when
# everything is there.
set -euo pipefail
DEBS="libbabeltrace2-dev babeltrace2 python3-bt2 libipt-dev libopenblas-dev liblapacke-dev pkg-config chromium xz-utils openjdk-17-jre-headless lttng-tools liblttng-ust-dev linux-perf"
missing=""
for p in $DEBS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing Debian packages:$missing" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
PY=${PYTHON:-python3}
if ! $PY -c "import sklearn, numpy, pytest, pandas" 2>/dev/null; then
    echo "installing Python packages: scikit-learn numpy pytest pandas" >&2
    $PY -m pip install -q scikit-learn numpy pytest pandas >/dev/null
fi
if ! $PY -c "import matplotlib, jupyter_core, nbconvert, nbclient, ipykernel" 2>/dev/null; then
    echo "installing Python packages: matplotlib jupyter nbconvert nbclient ipykernel" >&2
    $PY -m pip install -q matplotlib jupyter nbconvert nbclient ipykernel >/dev/null
fi
# Apache Spark for fleet/train.py and its parity test (Spark 4 runs on the Java 17 above).
if ! $PY -c "import pyspark" 2>/dev/null; then
    echo "installing Python packages: pyspark" >&2
    $PY -m pip install -q pyspark >/dev/null
fi
scripts/unpack-real.sh
