#!/usr/bin/env bash
# Benchmarks of docs/mx/blk-dirty-runs.md (issue 9): stock Debian QEMU 7.2 vs qemu-mx,
# interleaved, 3 repeats, medians; each part under the machine's benchmark lock and
# under 20 minutes.
#   bench/blk-dirty-runs.sh [amp|mirror-amp|conv|scan|conv+scan ...]     (default: amp mirror-amp)
# (conv+scan: benchmarks 3 and 2 one after the other under one lock, about 22 min)
# MX_QEMU=PATH selects the qemu-mx binary (default: this clone's build).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
stock=/usr/bin/qemu-system-x86_64
mx=${MX_QEMU:-build/qemu/qemu-system-x86_64}
lock="flock /tmp/mx-bench.lock"
parts=${*:-amp mirror-amp}
for p in $parts; do
  echo "== $p: waiting for the lock $(date -u +%T)"
  case $p in
  amp)  # legacy block migration, the seed's table: 7 write sizes, 4 configs (about 14 min)
    $lock bash -c "echo '== amp: lock taken' \$(date -u +%T); timeout 1400 tests/mx-e2e/bench-blk-amp \
      --out bench/results/blk-dirty-runs/amp --repeats 3 --rate 2 --region-mb 1024 --data-mb 64 \
      --config stock-1M=$stock --config mx-1M=$mx \
      --config mx-64K=$mx,mig-block-size=65536 --config mx-4K=$mx,mig-block-size=4096; \
      echo '== amp: lock released' \$(date -u +%T)" ;;
  mirror-amp)  # blockdev-mirror as libvirt starts it, amplification after READY (about 4 min)
    $lock bash -c "echo '== mirror-amp: lock taken' \$(date -u +%T); timeout 1200 tests/mx-e2e/bench-mirror-amp \
      --out bench/results/mirror-granularity/amp --repeats 3 --window 4 --disk-mb 1024 --rate 2 \
      --bulk-mb 128 --config stock=$stock --config mx=$mx; \
      echo '== mirror-amp: lock released' \$(date -u +%T)" ;;
  conv)  # benchmark 3, real guest: 2 GiB, 4 KiB random writes at 4 MiB/s, 1 Gbit/s, blk + mirror
    out=bench/results/blkscan-bench/conv
    $lock bash -c "echo '== conv: lock taken' \$(date -u +%T); timeout 1500 tests/mx-e2e/mx-e2e bench -q \
      --scenarios bench/scenarios/blkscan-conv.json --binary stock=$stock --binary mx=$mx \
      --repeats 3 --out $out; echo '== conv: lock released' \$(date -u +%T)"
    tests/mx-e2e/blk-bench-table conv $out/results.json > $out/convergence.md ;;
  scan)  # benchmark 2, real guest: 64 GiB sparse qcow2, incremental blk, dirty phase held open
    out=bench/results/blkscan-bench/scan
    $lock bash -c "echo '== scan: lock taken' \$(date -u +%T); timeout ${MX_BENCH_TIMEOUT:-900} tests/mx-e2e/mx-e2e bench -q \
      --scenarios bench/scenarios/blkscan-scan.json --binary stock=$stock --binary mx=$mx \
      --repeats 3 --out $out; echo '== scan: lock released' \$(date -u +%T)"
    tests/mx-e2e/blk-bench-table scan $out/results.json > $out/scan.md ;;
  conv+scan)  # MX_BENCH_LATEST=HH:MM (UTC): start neither half after that time
    late=${MX_BENCH_LATEST:-99:99}
    $lock bash -c "echo '== conv+scan: lock taken' \$(date -u +%T); \
      if [[ \$(date -u +%H:%M) > $late ]]; then echo '== too late for conv'; exit 0; fi; \
      timeout 1200 tests/mx-e2e/mx-e2e bench -q --scenarios bench/scenarios/blkscan-conv.json \
        --binary stock=$stock --binary mx=$mx --repeats 3 --out bench/results/blkscan-bench/conv; \
      echo '== conv done' \$(date -u +%T); \
      if [[ \$(date -u +%H:%M) > $late ]]; then echo '== too late for scan'; exit 0; fi; \
      timeout 900 tests/mx-e2e/mx-e2e bench -q --scenarios bench/scenarios/blkscan-scan.json \
        --binary stock=$stock --binary mx=$mx --repeats 3 --out bench/results/blkscan-bench/scan; \
      echo '== conv+scan: lock released' \$(date -u +%T)"
    tests/mx-e2e/blk-bench-table conv bench/results/blkscan-bench/conv/results.json > bench/results/blkscan-bench/conv/convergence.md
    tests/mx-e2e/blk-bench-table scan bench/results/blkscan-bench/scan/results.json > bench/results/blkscan-bench/scan/scan.md ;;
  *) echo "unknown part $p" >&2; exit 2 ;;
  esac
done
