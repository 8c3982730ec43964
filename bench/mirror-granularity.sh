#!/usr/bin/env bash
# Benchmarks of docs/mx/mirror-granularity.md: stock Debian QEMU 7.2 vs qemu-mx, interleaved,
# 3 repeats, medians; each invocation under the machine's benchmark lock and under 20 min.
#   bench/mirror-granularity.sh [amp|bulk|e2e|conv ...]     (default: all, in this order)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=bench/results/mirror-granularity
stock=/usr/bin/qemu-system-x86_64
mx=${MX_QEMU:-build/qemu/qemu-system-x86_64}
lock="flock /tmp/mx-bench.lock"
parts=${*:-amp bulk e2e conv}
for p in $parts; do
  case $p in
  amp)  # no guest: qemu-io random writes through an NBD export of the source node
    $lock timeout 1200 tests/mx-e2e/bench-mirror-amp --out $out/amp --repeats 3 --window 6 \
      --disk-mb 1024 --rate 2 --config stock=$stock --config mx=$mx \
      --config mx-param-65536=$mx,mirror-default-granularity=65536 ;;
  bulk) # bulk copy of 512 MiB of random data: request sizes and MB/s
    $lock timeout 1200 tests/mx-e2e/bench-mirror-bulk --out $out/bulk --repeats 3 --size-mb 512 \
      --config stock=$stock --config mx=$mx \
      --config mx-param-65536=$mx,mirror-default-granularity=65536 ;;
  e2e)  # real guest, the storage flow as libvirt 9.0 drives it, 4K and 64K writes
    $lock timeout 1200 tests/mx-e2e/mx-e2e bench -q --scenarios bench/scenarios/mirror-granularity-amp.json \
      --binary stock=$stock --binary mx=$mx --repeats 3 --out $out/e2e-amp
    tests/mx-e2e/amplification-table $out/e2e-amp/results.json > $out/e2e-amp/amplification.md ;;
  conv) # convergence: 1 GiB disk, 4 KiB random writes at 4 MiB/s, 1 Gbit/s
    $lock timeout 1200 tests/mx-e2e/mx-e2e bench -q --scenarios bench/scenarios/mirror-granularity-conv.json \
      --binary stock=$stock --binary mx=$mx --repeats 3 --out $out/conv
    tests/mx-e2e/amplification-table $out/conv/results.json > $out/conv/convergence.md ;;
  *) echo "unknown part $p" >&2; exit 2 ;;
  esac
done
