#!/usr/bin/env bash
# Unpacks each datasets/real/NAME/trace.tar.xz into datasets/real/NAME/trace/ when the folder is
# missing (the traces are kept compressed in git), and a guest's own trace the same way
# (datasets/real/NAME/guests/VM/trace.tar.xz into .../guests/VM/trace/, host-guest-hog). Idempotent; quiet when everything is there.
# To pack a new recording the same way (byte-stable):
#   tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C datasets/real/NAME -cf - trace | xz -6 > datasets/real/NAME/trace.tar.xz
# (a guest's: -C datasets/real/NAME/guests/VM, into datasets/real/NAME/guests/VM/trace.tar.xz)
set -euo pipefail
cd "$(dirname "$0")/.."
for archive in datasets/real/*/trace.tar.xz datasets/real/*/guests/*/trace.tar.xz; do
    [ -f "$archive" ] || continue
    folder=$(dirname "$archive")
    [ -f "$folder/trace/metadata" ] && continue
    rm -rf "$folder/trace.partial"; mkdir -p "$folder/trace.partial"
    xz -dc "$archive" | tar -C "$folder/trace.partial" -xf -
    mv "$folder/trace.partial/trace" "$folder/trace"; rmdir "$folder/trace.partial"
done
