/*
 * qemu-mx: libFuzzer harness for the lz4 migration page decoders.
 *
 * Feeds arbitrary bytes to mx_lz4_decode_page() (one compressed page of
 * the compress threads) and mx_lz4_packet_parse() (a multifd lz4 packet),
 * with the buffers sized exactly as QEMU sizes them, so that ASan sees any
 * read or write outside them.  Also checks that whatever decodes re-encodes
 * and decodes to the same page (round trip).
 *
 * Build and run: see docs/mx/lz4-compression.md (tests/mx/cases/40-lz4-fuzz
 * runs it for a few seconds in make check).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mx-lz4-codec.h"

#define PAGE 4096
#define MAX_PAGES 128   /* MULTIFD_PACKET_SIZE / PAGE */

static void place(void *opaque, uint32_t index, const uint8_t *data)
{
    uint8_t *host = opaque;

    if (index >= MAX_PAGES) {
        abort();
    }
    memcpy(host + (size_t)index * PAGE, data, PAGE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *host, *bounce, *state, *enc, *page;
    const char *why = NULL;
    uint32_t npages;

    if (!host) {
        host = malloc((size_t)MAX_PAGES * PAGE);
        bounce = malloc(PAGE);
        state = malloc(mx_lz4_state_size());
        enc = malloc(PAGE);
        page = malloc(PAGE);
    }
    if (size < 1) {
        return 0;
    }

    /* 1: one page of the compress threads; exact-size copy for ASan */
    {
        uint8_t *src = malloc(size - 1 ? size - 1 : 1);

        memcpy(src, data + 1, size - 1);
        if (mx_lz4_decode_page(src, size - 1, bounce, PAGE) == 0) {
            size_t n = mx_lz4_encode_page(state, bounce, PAGE, enc, PAGE - 1,
                                          1 + data[0] % 16);
            if (n && (mx_lz4_decode_page(enc, n, page, PAGE) != 0 ||
                      memcmp(page, bounce, PAGE))) {
                abort();    /* round trip broken */
            }
        }
        free(src);
    }

    /* 2: a multifd packet; first byte = number of pages */
    npages = data[0] % (MAX_PAGES + 1);
    {
        uint8_t *buf = malloc(size - 1 ? size - 1 : 1);

        memcpy(buf, data + 1, size - 1);
        if (mx_lz4_packet_parse(buf, size - 1, npages, PAGE, bounce, place,
                                host, &why) != 0 && !why) {
            abort();    /* an error must say why */
        }
        free(buf);
    }
    return 0;
}
