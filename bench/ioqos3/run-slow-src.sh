#!/bin/sh
# Issue 16 benchmark 2, slow source storage (docs/mx/io-qos.md): stock Debian
# QEMU 7.2 and qemu-mx (defaults), interleaved, 3 repeats, medians.  One
# invocation of about 9 minutes (128 MiB disk, 256 MiB guest, 75 s READY cap).
#   bench/ioqos3/run-slow-src.sh [QEMU-MX] [OUTDIR]
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
mx=${1:-$top/build/qemu/qemu-system-x86_64}
out=${2:-$top/bench/results/ioqos3/slow-src}
exec "$top/bench/ioqos/run-cells.sh" "$top/bench/scenarios/ioqos3-slow-src.json" "$out" "$mx" 900
