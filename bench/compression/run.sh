#!/usr/bin/env bash
# qemu-mx: per-core compression benchmark (docs/mx/lz4-compression.md).
#   bench/compression/run.sh GUEST_MEM [OUTDIR]
# GUEST_MEM: a pmemsave of a running guest.  Builds mx-compress-bench, makes
# a text corpus (man pages + /usr/share/doc) and a random one, runs every
# method on each (thread CPU time), and counts instructions with callgrind
# on the first 8 MiB of each corpus.  Writes OUTDIR/results.json and
# OUTDIR/bench-raw.jsonl (default bench/results/compression).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mem=${1:?usage: run.sh GUEST_MEM [OUTDIR]}
out=${2:-$top/bench/results/compression}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
gcc -O2 -g -Wall -I"$top/migration" "$here/mx-compress-bench.c" \
    "$top/migration/mx-lz4-codec.c" -llz4 -lz -lzstd -o "$work/bench"
(find /usr/share/man -name "*.gz" | sort | head -4000 | xargs zcat 2>/dev/null || true
 find /usr/share/doc -type f ! -name "*.gz" | sort | xargs cat 2>/dev/null || true) |
    head -c $((64 << 20)) > "$work/text" || true
head -c $((32 << 20)) /dev/urandom > "$work/random"
methods="zlib-1 lz4-1 lz4-2 lz4-4 lz4-8 lz4-16 mlz4-1 mlz4-4 zstd-1"
: > "$out/bench-raw.jsonl"
for corpus in guest:"$mem" text:"$work/text" random:"$work/random"; do
    name=${corpus%%:*}; file=${corpus#*:}
    for m in $methods; do
        r=$("$work/bench" "$file" "$m" 256 2>/dev/null)
        for what in run_compress run_decompress; do
            MX_BENCH_ONCE=1 valgrind --tool=callgrind --toggle-collect="$what" \
                --callgrind-out-file="$work/cg.out" "$work/bench" "$file" "$m" 8 \
                >/dev/null 2>"$work/cg.log"
            ir=$(sed -n 's/^summary: *//p' "$work/cg.out")
            pages=$(sed -n 's/.*zero, \([0-9]*\) compressible.*/\1/p' "$work/cg.log")
            r=$(echo "$r" | python3 -c '
import json, sys
d = json.load(sys.stdin)
d[sys.argv[1] + "_Ir_per_page"] = round(int(sys.argv[2]) / int(sys.argv[3]), 1)
print(json.dumps(d))' "${what#run_}" "$ir" "$pages")
        done
        echo "$r" | python3 -c '
import json, sys
d = json.load(sys.stdin)
d["corpus"] = sys.argv[1]
print(json.dumps(d))' "$name" | tee -a "$out/bench-raw.jsonl"
    done
done
python3 - "$out" <<'EOPY'
import json, sys, platform, datetime
out = sys.argv[1]
rows = [json.loads(l) for l in open(out + "/bench-raw.jsonl")]
json.dump({"benchmark": "per-core migration page compression",
           "date": datetime.datetime.utcnow().isoformat() + "Z",
           "host": platform.node(), "cpu": open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(": \t"),
           "results": rows}, open(out + "/results.json", "w"), indent=1)
EOPY
