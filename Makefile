# qemu-mx: the delta over Debian's QEMU 7.2, built into build/.
#
#   make              configure if needed (./configure), then build build/qemu
#   make check        the test suite (tests/mx/run-check), one summary line at the end
#   make demo         live storage migration of a real guest with qemu-mx, with verdicts
#   make bench        stock Debian QEMU 7.2 vs qemu-mx, into bench/results/ (bench-base,
#                     bench-snapshot, bench-compression, bench-hot-defer, bench-throttle
#                     run one part each)
#   make src          the hackable git tree build/src (base commit + one commit per patch)
#   make export       write build/src's commits back to patches/ (stable output)
#   make queue-check  re-apply the whole queue on a pristine base, zero fuzz, checkpatch
#   make fuzz-loader  the destination loader under libFuzzer+ASan+UBSan (a clang build of
#                     QEMU in build/fuzz-qemu, then 30 min; not part of make check)
#   make check-baseline  the same test set on a build without the project's changes
#   make deb          build/deb/qemu-mx_*.deb: the fork over Debian's qemu-system-x86 (dpkg-divert)
#   make deb-test     install it in a throwaway mount namespace, libvirt checks, remove
#   make deb-test-fresh  the same on a fresh minimal Debian 12 (debootstrap chroot; apt
#                     resolves the dependencies), libvirt checks, remove

SHELL := /bin/bash
NINJA ?= ninja
# Let clones of this repo share ccache hits (meson passes relative paths).
export CCACHE_NOHASHDIR := 1
BUILD := build/qemu

.PHONY: all configure check check-baseline demo bench bench-base bench-snapshot \
	bench-compression bench-hot-defer bench-throttle bench-libvirt bench-blk bench-nbd-nodelay deb deb-test deb-test-fresh src export \
	queue-check fuzz-loader clean distclean

all: configure
	$(NINJA) -C $(BUILD)

configure:
	./configure

check: all
	tests/mx/run-check --build $(BUILD)

check-baseline:
	./configure --no-patches
	$(NINJA) -C build-baseline/qemu
	tests/mx/run-check --build build-baseline/qemu --baseline

deb: all
	mx/deb.sh $(BUILD) build/deb

deb-test: deb
	mx/deb-test.sh

deb-test-fresh: deb
	mx/deb-test-fresh.sh

demo: all
	tests/mx-e2e/mx-e2e demo

bench: bench-base bench-snapshot bench-compression bench-hot-defer bench-throttle \
	bench-libvirt

bench-base: all
	tests/mx-e2e/mx-e2e bench --out bench/results/base

bench-snapshot: all
	tests/mx-e2e/bench-snapshot --out bench/results/snapshot

bench-libvirt: all
	flock /tmp/mx-bench.lock tests/mx-e2e/mx-e2e bench --scenarios bench/scenarios/libvirt.json \
		--repeats 3 --out bench/results/libvirt

bench-compression: all
	bench/compression/bench-all.sh bench/results/compression

# exit 3: some runs failed (stock's TCG guests may fail the RAM oracle, see
# docs/mx/tcg-dirty-tracking.md): results, not a harness error
bench-hot-defer: all
	tests/mx-e2e/mx-e2e bench --scenarios bench/scenarios/hot-defer.json \
		--out bench/results/hot-defer || [ $$? -eq 3 ]
	tests/mx-e2e/mx-e2e bench --scenarios bench/scenarios/hot-defer-2.json \
		--out bench/results/hot-defer-2 || [ $$? -eq 3 ]
	tests/mx-e2e/mx-e2e bench --scenarios bench/scenarios/hot-defer-3.json \
		--repeats 3 --out bench/results/hot-defer-3 || [ $$? -eq 3 ]
	bench/hot-defer/summarize.py bench/results/hot-defer
	bench/hot-defer/summarize.py bench/results/hot-defer-2
	bench/hot-defer/summarize.py bench/results/hot-defer-3

bench-throttle: all
	bench/throttle/bench.sh bench/results/throttle

# issue 9 (docs/mx/blk-dirty-runs.md, mirror-granularity.md); each part under the lock,
# about 50 min in all; not part of `make bench`
bench-blk: all
	bench/blk-dirty-runs.sh amp mirror-amp conv+scan

# NBD server TCP_NODELAY and mirror-batch (docs/mx/nbd-nodelay.md): small
# pipelined requests to a QEMU NBD export, then libvirt's storage migration
bench-nbd-nodelay: all
	flock /tmp/mx-bench.lock bench/nbd-nodelay/bench.py \
		--binary stock=/usr/bin/qemu-system-x86_64 \
		--binary mx=$(BUILD)/qemu-system-x86_64 --out bench/results/nbd-nodelay/micro
	flock /tmp/mx-bench.lock tests/mx-e2e/mx-e2e bench -q \
		--scenarios bench/scenarios/nbd-nodelay-conv.json \
		--binary stock=/usr/bin/qemu-system-x86_64 \
		--binary mx=$(BUILD)/qemu-system-x86_64 --repeats 3 \
		--out bench/results/nbd-nodelay/conv || [ $$? -eq 3 ]
	tests/mx-e2e/blk-bench-table conv bench/results/nbd-nodelay/conv/results.json \
		> bench/results/nbd-nodelay/conv/convergence.md

# issue 11 item 5 (docs/mx/reliability.md section 4): MX_FUZZ_SECONDS, MX_FUZZ_JOBS
fuzz-loader: configure
	tests/fuzz/mx-loader-fuzz.sh self-test
	MX_FUZZ_REBUILD=0 tests/fuzz/mx-loader-fuzz.sh run

src:
	./configure --skip-deps
	@echo "hack in build/src (git); 'make export' writes your commits to patches/"

export:
	mx/queue.sh export

queue-check:
	mx/queue.sh check

clean:
	rm -rf build/qemu build-baseline

distclean:
	rm -rf build build-baseline
