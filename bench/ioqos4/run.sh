#!/bin/sh
# IO QoS pace rule (docs/mx/io-qos.md, round 4): stock active mirror,
# qemu-mx default (block-qos-slowdown 10) and qemu-mx with
# block-qos-slowdown 0, at 4 KiB and 64 KiB; the light 2 MiB/s row and the
# RAM-only baseline; interleaved, 3 repeats, medians.  One invocation of
# about 11 minutes (128 MiB disk, 256 MiB guest, 45 s READY cap), preceded
# by the e2e smoke case storage-ioqos (about 1 minute) when SMOKE=1.
#   bench/ioqos4/run.sh [QEMU-MX] [OUTDIR]
# MX_LATEST=HHMM (UTC): do not start once the lock is had at or after it.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
mx=${1:-$top/build/qemu/qemu-system-x86_64}
out=${2:-$top/bench/results/ioqos4}
exec "$top/bench/ioqos/run-cells.sh" "$top/bench/scenarios/ioqos4.json" "$out" "$mx" 1260
