#!/bin/sh
# Build the in-process fuzz target of the destination's migration loader
# (tests/qtest/fuzz/mx_migration_fuzz.c, libFuzzer + ASan + UBSan) into $1
# (default build/fuzz-qemu): QEMU's own fuzz build of build/src (the assembled
# tree, ./configure makes it) with clang, for x86_64-softmmu only, without TCG,
# devices or optional features (the target runs '-machine none' with the qtest
# accelerator), so that it builds in about 20-40 minutes on 2 cores.  Then the
# seed corpus and dictionary (tests/fuzz/mx-loader-fuzz-seeds.py).
# Needs clang and libclang-rt-14-dev (in ./configure's dependency list).
# Prints the fuzzer's path.  Run it: make fuzz-loader, or see
# docs/mx/reliability.md section 4.
set -e
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
src=${MX_SRC:-$top/build/src}
out=${1:-$top/build/fuzz-qemu}
[ -f "$src/tests/qtest/fuzz/mx_migration_fuzz.c" ] ||
    { echo "no $src/tests/qtest/fuzz/mx_migration_fuzz.c: run ./configure first" >&2; exit 1; }
mkdir -p "$out"
if [ ! -f "$out/build.ninja" ]; then
    (cd "$out" && nice -n 10 "$src/configure" --cc=clang --cxx=clang++ \
        --target-list=x86_64-softmmu --enable-fuzzing --enable-sanitizers \
        --without-default-features --without-default-devices --disable-tcg \
        --enable-kvm --enable-lz4 --enable-live-block-migration \
        --disable-debug-info --extra-cflags=-gline-tables-only --disable-werror \
        --disable-docs --disable-tools --disable-install-blobs \
        --with-git-submodules=ignore --meson=/usr/bin/meson) >"$out/mx-configure.log" 2>&1 ||
        { tail -20 "$out/mx-configure.log" >&2; exit 1; }
fi
nice -n 10 ninja -C "$out" -j"${MX_JOBS:-2}" qemu-fuzz-x86_64 >"$out/mx-build.log" 2>&1 ||
    { grep -m5 -B2 -A8 "error:" "$out/mx-build.log" >&2 || tail -20 "$out/mx-build.log" >&2; exit 1; }
rm -rf "$out/mx-loader-seeds"
python3 "$here/mx-loader-fuzz-seeds.py" "$out/mx-loader-seeds" --dict "$out/mx-loader.dict" >/dev/null
echo "$out/qemu-fuzz-x86_64"
