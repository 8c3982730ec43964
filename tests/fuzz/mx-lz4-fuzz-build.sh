#!/bin/sh
# Build the lz4 decode fuzzer (libFuzzer + ASan + UBSan) into $1 (default
# build/fuzz): mx-lz4-fuzz.  Needs clang and libclang-rt-14-dev.
set -e
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build/fuzz}
mkdir -p "$out"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I"$top/migration" "$here/mx-lz4-fuzz.c" "$top/migration/mx-lz4-codec.c" \
    -llz4 -o "$out/mx-lz4-fuzz"
# Seed corpus: valid pages and packets, written by the fuzzer's own encoder
# would need lz4 CLI framing; instead a tiny C seeder.
cat > "$out/seed.c" <<'EOS'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mx-lz4-codec.h"
int main(int argc, char **argv)
{
    static unsigned char page[4096], out[4096 * 4 + 64], pkt[3 * 4098 + 1];
    void *st = malloc(mx_lz4_state_size());
    size_t n, pos = 1;
    int c;
    FILE *f;
    for (int i = 0; i < 4096; i++) page[i] = (i % 97 < 40) ? 'a' + i % 7 : 0;
    n = mx_lz4_encode_page(st, page, 4096, out + 1, 4095, 1);
    out[0] = 1;
    f = fopen(argv[1], "wb"); fwrite(out, 1, n + 1, f); fclose(f);
    pkt[0] = 3;
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 4096; j++) page[j] = i == 2 ? rand() : (j * i) & 0x3f;
        pos += mx_lz4_packet_put(st, pkt + pos, page, 4096, 4095, 1, 0, &c);
    }
    f = fopen(argv[2], "wb"); fwrite(pkt, 1, pos, f); fclose(f);
    return 0;
}
EOS
clang -I"$top/migration" "$out/seed.c" "$top/migration/mx-lz4-codec.c" -llz4 \
    -o "$out/seed"
mkdir -p "$out/corpus"
"$out/seed" "$out/corpus/page" "$out/corpus/packet"
echo "$out/mx-lz4-fuzz"
