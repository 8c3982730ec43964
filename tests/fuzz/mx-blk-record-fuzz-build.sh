#!/bin/sh
# Build the block-migration record fuzzer (libFuzzer + ASan + UBSan) into $1
# (default build/fuzz): mx-blk-record-fuzz, and copy the seed corpus
# (tests/fuzz/mx-blk-record-corpus, fixed, in the repo) to $1/blk-corpus.
# Needs clang and libclang-rt-14-dev (./configure installs them).
# MX_BLK_RECORD_SRC overrides the validator's source (a negative control).
set -e
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build/fuzz}
src=${MX_BLK_RECORD_SRC:-$top/migration/mx-blk-record.c}
mkdir -p "$out/blk-corpus"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -Wall -Werror \
    -I"$here/mx-blk-record-shim" -I"$top/migration" \
    "$here/mx-blk-record-fuzz.c" "$src" -o "$out/mx-blk-record-fuzz"
cp "$here"/mx-blk-record-corpus/* "$out/blk-corpus/"
echo "$out/mx-blk-record-fuzz"
