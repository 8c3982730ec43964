#!/bin/sh
# Issue 16 benchmark 2, slow source storage (docs/mx/io-qos.md): stock Debian
# QEMU 7.2 and qemu-mx (defaults), interleaved, 3 repeats, medians.  One
# invocation of about 9 minutes (128 MiB disk, 256 MiB guest, 75 s READY cap).
#   bench/ioqos3/run-slow-src.sh [QEMU-MX] [OUTDIR]
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
mx=${1:-$top/build/qemu/qemu-system-x86_64}
out=${2:-$top/bench/results/ioqos3/slow-src}
flock /tmp/mx-bench.lock sh -c 'now=$(date -u +%H%M); if [ -n "$MX_LATEST" ] && [ "$now" -ge "$MX_LATEST" ]; then echo "skip $(date -u +%T): too late"; exit 3; fi; date -u +lock-start-%T; timeout 900 "$0" bench -q \
    --scenarios "$1" --out "$2" --repeats 3 \
    --binary stock=/usr/bin/qemu-system-x86_64 --binary mx="$3"; rc=$?; date -u +lock-end-%T; exit $rc' \
    "$top/tests/mx-e2e/mx-e2e" "$top/bench/scenarios/ioqos3-slow-src.json" "$out" "$mx"
"$top/bench/ioqos/summarize.py" "$out/table.md" "$out/results.json"
