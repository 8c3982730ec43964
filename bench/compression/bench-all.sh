#!/usr/bin/env bash
# qemu-mx compression benchmarks (docs/mx/lz4-compression.md), as `make bench` runs them:
#  1. per-core compress/decompress on guest memory captured from the harness guest
#     (the RAM oracle's dump of a migrated 1 GiB guest), text and random corpora;
#  2. RAM migration of a 1 GiB guest dirtying 100 MiB/s over 1 and 10 Gbit/s links,
#     stock zlib vs qemu-mx lz4/zstd/none (bench/scenarios/compression.json).
#  3. compress-bypass against no compression, qemu-mx only (compression-bypass.json).
#  4. the batched compress hand-off (issue 12): the RAM oracle at 1, 2, 4 and 8 compress
#     threads, zlib and lz4 (qemu-mx, one repeat, compression-batch-oracle.json); raw
#     liblz4 on the benchmark guest's own pages; stock zlib threads vs qemu-mx zlib and
#     lz4 threads, batched and per page, CPU per thread (compression-batch.json).
#  5. the same rows on a 1 Gbit/s link (batch-1g, compression-batch-1g.json) and with a
#     4 GiB guest at 10 Gbit/s (batch-4g, compression-batch-4g.json).
#  MX_BENCH_PARTS="core migration bypass batch batch-1g batch-4g" (default all),
#  MX_BENCH_REPEATS (default 3).
set -euo pipefail
parts=${MX_BENCH_PARTS:-core migration bypass batch batch-1g batch-4g}
repeats=${MX_BENCH_REPEATS:-3}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/bench/results/compression}
mkdir -p "$out"
cd "$top"

# mx-e2e bench: runs that fail (those that do not converge within their timeout
# are results here) exit 3; a harness error or crash exits otherwise and stops us.
bench() {
    local rc=0
    "$top/tests/mx-e2e/mx-e2e" bench "$@" || rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
        echo "bench-all: mx-e2e bench failed (exit $rc), not a benchmark result" >&2
        exit "$rc"
    fi
}
if [[ " $parts " == *" core "* ]]; then
    cap="$top/build/e2e/capture-guest-mem"
    rm -rf "$cap"
    "$top/tests/mx-e2e/mx-e2e" run ram -q --name capture-guest-mem --mem-mb 1024 --ram-mb 768 \
        --ram-rate 100 --disk-mb 0 --keep-dumps --json "$cap.json"
    mem=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rundir"])' \
          "$cap.json")/ram-src.bin
    "$top/bench/compression/run.sh" "$mem" "$out"
    /usr/bin/python3 "$top/bench/compression/summarize.py" "$out"
    rm -f "$mem" "${mem%src.bin}dst.bin"
fi
if [[ " $parts " == *" migration "* ]]; then
    bench -q --scenarios "$top/bench/scenarios/compression.json" \
        --repeats "$repeats" --out "$out/migration"
    /usr/bin/python3 "$top/bench/compression/summarize_migration.py" "$out/migration"
fi
if [[ " $parts " == *" bypass "* ]]; then
    bench -q --scenarios "$top/bench/scenarios/compression-bypass.json" \
        --binary "mx=$top/build/qemu/qemu-system-x86_64" --repeats "$repeats" --out "$out/bypass"
    /usr/bin/python3 "$top/bench/compression/summarize_migration.py" "$out/bypass"
fi
if [[ " $parts " == *" batch "* ]]; then
    # MX_BENCH_QEMU: a copy of the qemu-mx binary to measure (default: the build's)
    mxq=${MX_BENCH_QEMU:-$top/build/qemu/qemu-system-x86_64}
    bench -q --scenarios "$top/bench/scenarios/compression-batch-oracle.json" \
        --binary "mx=$mxq" --repeats 1 --out "$out/batch-oracle"
    /usr/bin/python3 "$top/bench/compression/summarize_migration.py" "$out/batch-oracle"
    # raw liblz4 per core on the pages of the benchmark's guest (same agent, same entropy)
    mkdir -p "$out/batch"
    cap="$top/build/e2e/capture-batch-mem"
    rm -rf "$cap"
    "$top/tests/mx-e2e/mx-e2e" run ram -q --qemu "$mxq" --name capture-batch-mem --mem-mb 1024 --ram-mb 768 \
        --ram-rate 100 --ram-entropy 0.4 --disk-mb 0 --keep-dumps --json "$cap.json"
    mem=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rundir"])' \
          "$cap.json")/ram-src.bin
    gcc -O2 -Wall -I"$top/migration" "$top/bench/compression/mx-compress-bench.c" \
        "$top/migration/mx-lz4-codec.c" -llz4 -lz -lzstd -o "$top/build/e2e/mx-compress-bench"
    for m in lz4-1 lz4-8; do
        "$top/build/e2e/mx-compress-bench" "$mem" "$m" 1024 2>/dev/null
    done | /usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
json.dump({"what": "liblz4 alone, one core, thread CPU time, non-zero pages of the guest",
           "rows": rows,
           "cpu_s_per_gib": {r["method"]: round((1 << 30) / (r["compress_MBps"] * 1e6), 3)
                             for r in rows}}, open(sys.argv[1], "w"), indent=1)
' "$out/batch/raw-lz4.json"
    rm -f "$mem" "${mem%src.bin}dst.bin"
    bench -q --scenarios "$top/bench/scenarios/compression-batch.json" \
        --binary "mx=$mxq" --binary "stock=${MX_STOCK_QEMU:-/usr/bin/qemu-system-x86_64}" \
        --repeats "$repeats" --out "$out/batch"
    /usr/bin/python3 "$top/bench/compression/summarize_migration.py" "$out/batch"
fi
for cell in 1g 4g; do
    if [[ " $parts " == *" batch-$cell "* ]]; then
        mxq=${MX_BENCH_QEMU:-$top/build/qemu/qemu-system-x86_64}
        bench -q --scenarios "$top/bench/scenarios/compression-batch-$cell.json" \
            --binary "mx=$mxq" --binary "stock=${MX_STOCK_QEMU:-/usr/bin/qemu-system-x86_64}" \
            --repeats "$repeats" --out "$out/batch-$cell"
        # raw liblz4 on the same agent's pages (captured by the batch part)
        [ -f "$out/batch/raw-lz4.json" ] && cp "$out/batch/raw-lz4.json" "$out/batch-$cell/"
        /usr/bin/python3 "$top/bench/compression/summarize_migration.py" "$out/batch-$cell"
    fi
done
