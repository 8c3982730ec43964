/*
 * qemu-mx: deterministic hostile-input checks of the lz4 page codec.
 * Prints PASS/FAIL lines (tests/mx/cases/40-lz4-fuzz builds and runs it).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mx-lz4-codec.h"

#define PAGE 4096

static int placed;
static void place(void *opaque, uint32_t index, const uint8_t *data)
{
    placed++;
}

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "PASS" : "FAIL", name);
}

int main(void)
{
    static uint8_t page[PAGE], enc[PAGE], dec[PAGE + 64], pkt[4 * (PAGE + 2)];
    static uint8_t big[2 * PAGE];
    void *st = malloc(mx_lz4_state_size());
    const char *why = NULL;
    size_t n, pos = 0;
    int c, i;

    for (i = 0; i < PAGE; i++) {
        page[i] = (i % 61 < 20) ? 'x' + i % 3 : i / 64;
    }
    n = mx_lz4_encode_page(st, page, PAGE, enc, PAGE - 1, 1);
    check("lz4-roundtrip", n > 0 && mx_lz4_decode_page(enc, n, dec, PAGE) == 0
          && !memcmp(dec, page, PAGE));
    check("lz4-truncated-is-error",
          mx_lz4_decode_page(enc, n - 1, dec, PAGE) != 0 &&
          mx_lz4_decode_page(enc, n / 2, dec, PAGE) != 0);
    check("lz4-empty-is-error", mx_lz4_decode_page(enc, 0, dec, PAGE) != 0);
    check("lz4-oversized-length-is-error",
          mx_lz4_decode_page(enc, PAGE, dec, PAGE) != 0);
    /* a valid block of a smaller page: decodes short, must be refused */
    n = mx_lz4_encode_page(st, page, PAGE / 2, enc, PAGE / 2 - 1, 1);
    check("lz4-short-page-is-error",
          n > 0 && mx_lz4_decode_page(enc, n, dec, PAGE) != 0);
    /* a valid block of a bigger page: would overflow, must be refused */
    memcpy(big, page, PAGE);
    memcpy(big + PAGE, page, PAGE);
    n = mx_lz4_encode_page(st, big, 2 * PAGE, enc, PAGE - 1, 1);
    memset(dec + PAGE, 0xa5, 64);
    check("lz4-long-page-is-error-no-overflow",
          n > 0 && mx_lz4_decode_page(enc, n, dec, PAGE) != 0 &&
          dec[PAGE] == 0xa5 && dec[PAGE + 63] == 0xa5);
    /* incompressible page: encoder declines, caller sends raw */
    srand(1);
    for (i = 0; i < PAGE; i++) {
        big[i] = rand();
    }
    check("lz4-incompressible-declined",
          mx_lz4_encode_page(st, big, PAGE, enc, PAGE - 1, 1) == 0);

    /* multifd packet: compressed, raw, compressed */
    pos += mx_lz4_packet_put(st, pkt + pos, page, PAGE, PAGE - 1, 1, 0, &c);
    pos += mx_lz4_packet_put(st, pkt + pos, big, PAGE, PAGE - 1, 1, 0, &c);
    check("packet-incompressible-raw", c == 0);
    pos += mx_lz4_packet_put(st, pkt + pos, page, PAGE, PAGE - 1, 1, 1, &c);
    check("packet-forced-raw", c == 0);
    placed = 0;
    check("packet-roundtrip",
          mx_lz4_packet_parse(pkt, pos, 3, PAGE, dec, place, NULL, &why) == 0
          && placed == 3);
    check("packet-truncated-is-error",
          mx_lz4_packet_parse(pkt, pos - 1, 3, PAGE, dec, place, NULL,
                              &why) != 0);
    check("packet-trailing-is-error",
          mx_lz4_packet_parse(pkt, pos, 2, PAGE, dec, place, NULL, &why) != 0);
    check("packet-too-few-pages-is-error",
          mx_lz4_packet_parse(pkt, pos, 4, PAGE, dec, place, NULL, &why) != 0);
    pkt[0] = 0x10;  /* first length = 4096+: not below the page size */
    check("packet-oversized-length-is-error",
          mx_lz4_packet_parse(pkt, pos, 3, PAGE, dec, place, NULL, &why) != 0);
    pkt[0] = 0;
    pkt[1] = 3;     /* wrong length: block cut short */
    placed = 0;
    check("packet-wrong-length-is-error-nothing-placed",
          mx_lz4_packet_parse(pkt, pos, 3, PAGE, dec, place, NULL, &why) != 0
          && placed == 0);
    free(st);
    return 0;
}
