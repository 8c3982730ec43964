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
flock /tmp/mx-bench.lock sh -c 'now=$(date -u +%H%M); if [ -n "$MX_LATEST" ] && [ "$now" -ge "$MX_LATEST" ]; then echo "skip $(date -u +%T): too late"; exit 3; fi; date -u +lock-start-%T
    if [ "$SMOKE" = 1 ]; then timeout 240 "$0" smoke --qemu "$3" --only storage-ioqos; echo smoke-rc=$?; date -u +smoke-end-%T; fi
    timeout 760 "$0" bench -q --scenarios "$1" --out "$2" --repeats 3 \
        --binary stock=/usr/bin/qemu-system-x86_64 --binary mx="$3"
    rc=$?; date -u +lock-end-%T; exit $rc' \
    "$top/tests/mx-e2e/mx-e2e" "$top/bench/scenarios/ioqos3-tail.json" "$out" "$mx"
"$top/bench/ioqos/summarize.py" "$out/table.md" "$out/results.json"
