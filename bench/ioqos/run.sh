#!/bin/sh
# IO QoS benchmark (docs/mx/io-qos.md): stock Debian QEMU 7.2 and qemu-mx,
# interleaved, 3 repeats, medians.  One invocation, sized to stay under 25
# minutes on a 2-core machine (256 MiB disk, 256 MiB guest, 45 s READY cap;
# 22.5 min measured).
#   bench/ioqos/run.sh [OUTDIR]        (default bench/results/ioqos)
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/bench/results/ioqos}
flock /tmp/mx-bench.lock timeout 1500 "$top/tests/mx-e2e/mx-e2e" bench -q \
    --scenarios "$top/bench/scenarios/ioqos.json" --out "$out" --repeats 3 \
    --binary stock=/usr/bin/qemu-system-x86_64 \
    --binary mx="$top/build/qemu/qemu-system-x86_64"
"$top/bench/ioqos/summarize.py" "$out/table.md" "$out/results.json"
