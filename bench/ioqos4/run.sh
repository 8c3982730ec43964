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
flock /tmp/mx-bench.lock sh -c 'now=$(date -u +%H%M); if [ -n "$MX_LATEST" ] && [ "$now" -ge "$MX_LATEST" ]; then echo "skip $(date -u +%T): too late"; exit 3; fi; date -u +lock-start-%T
    if [ "$SMOKE" = 1 ]; then timeout 240 "$0" smoke --qemu "$3" --only storage-ioqos; echo smoke-rc=$?; date -u +smoke-end-%T; fi
    timeout 1260 "$0" bench -q --scenarios "$1" --out "$2" --repeats 3 \
        --binary stock=/usr/bin/qemu-system-x86_64 --binary mx="$3"
    rc=$?; date -u +lock-end-%T; exit $rc' \
    "$top/tests/mx-e2e/mx-e2e" "$top/bench/scenarios/ioqos4.json" "$out" "$mx"
"$top/bench/ioqos/summarize.py" "$out/table.md" "$out/results.json"
