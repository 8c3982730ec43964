#!/bin/sh
# IO QoS tail mode (docs/mx/io-qos.md, downtime): stock active mirror,
# qemu-mx default and qemu-mx with block-qos-tail 0, RAM-only baseline;
# interleaved, 3 repeats, medians.  One invocation of about 12 minutes
# (128 MiB disk, 256 MiB guest, 45 s READY cap), preceded by the e2e smoke
# case storage-ioqos (about 1 minute) when SMOKE=1.
#   bench/ioqos3/run-tail.sh [QEMU-MX] [OUTDIR]
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
mx=${1:-$top/build/qemu/qemu-system-x86_64}
out=${2:-$top/bench/results/ioqos3/tail}
exec "$top/bench/ioqos/run-cells.sh" "$top/bench/scenarios/ioqos3-tail.json" "$out" "$mx" 760
