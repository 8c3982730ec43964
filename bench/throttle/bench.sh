#!/usr/bin/env bash
# qemu-mx staged CPU throttle benchmark (docs/mx/cpu-throttle.md): stock Debian QEMU 7.2
# and qemu-mx in one run, interleaved, 3 repeats; rows stock without auto-converge, stock
# auto-converge, qemu-mx legacy, qemu-mx staged (bench/scenarios/throttle-*.json).
# Two parts, each one invocation under 25 minutes: MX_BENCH_PARTS="a b" (default both).
set -euo pipefail
parts=${MX_BENCH_PARTS:-a b}
repeats=${MX_BENCH_REPEATS:-3}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/bench/results/throttle}
mkdir -p "$out"
cd "$top"
dirs=()
for p in $parts; do
    # runs that do not converge within their timeout are results here, not errors
    flock /tmp/mx-bench.lock "$top/tests/mx-e2e/mx-e2e" bench -q \
        --scenarios "$top/bench/scenarios/throttle-$p.json" \
        --binary "stock=/usr/bin/qemu-system-x86_64" \
        --binary "mx=${MX_QEMU:-$top/build/qemu/qemu-system-x86_64}" \
        --repeats "$repeats" --out "$out/$p" || true
    dirs+=("$out/$p")
done
/usr/bin/python3 "$top/bench/throttle/summarize.py" "$out" "${dirs[@]}"
