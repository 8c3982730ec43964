#!/bin/sh
# One IO QoS benchmark invocation under the benchmark lock, stock Debian
# QEMU 7.2 against qemu-mx, interleaved, 3 repeats, then the table
# (bench/ioqos/summarize.py).  Shared by the rounds' run scripts.
#   bench/ioqos/run-cells.sh SCENARIOS OUTDIR QEMU-MX TIMEOUT-S
# SMOKE=1: run the e2e smoke case storage-ioqos first, under the same lock.
# MX_LATEST=HHMM (UTC): do not start once the lock is had at or after it.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
flock /tmp/mx-bench.lock sh -c 'now=$(date -u +%H%M); if [ -n "$MX_LATEST" ] && [ "$now" -ge "$MX_LATEST" ]; then echo "skip $(date -u +%T): too late"; exit 3; fi; date -u +lock-start-%T
    if [ "$SMOKE" = 1 ]; then timeout 240 "$0" smoke --qemu "$3" --only storage-ioqos; echo smoke-rc=$?; date -u +smoke-end-%T; fi
    timeout "$4" "$0" bench -q --scenarios "$1" --out "$2" --repeats 3 \
        --binary stock=/usr/bin/qemu-system-x86_64 --binary mx="$3"
    rc=$?; date -u +lock-end-%T; exit $rc' \
    "$top/tests/mx-e2e/mx-e2e" "$1" "$2" "$3" "$4"
"$top/bench/ioqos/summarize.py" "$2/table.md" "$2/results.json"
