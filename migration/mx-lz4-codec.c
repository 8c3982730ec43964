/*
 * qemu-mx: lz4 page codec for migration (see mx-lz4-codec.h).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <lz4.h>
#include "mx-lz4-codec.h"

size_t mx_lz4_state_size(void)
{
    return LZ4_sizeofState();
}

size_t mx_lz4_encode_page(void *state, const uint8_t *src, size_t page,
                          uint8_t *dst, size_t max_out, int accel)
{
    int n;

    if (max_out >= page) {
        max_out = page - 1;
    }
    /* lz4 returns 0 when the output does not fit into max_out bytes. */
    n = LZ4_compress_fast_extState(state, (const char *)src, (char *)dst,
                                   (int)page, (int)max_out, accel);
    return n > 0 ? (size_t)n : 0;
}

int mx_lz4_decode_page(const uint8_t *src, size_t len, uint8_t *dst,
                       size_t page)
{
    int n;

    /* A compressed page is never sent unless it is smaller than a page. */
    if (len == 0 || len >= page) {
        return -1;
    }
    n = LZ4_decompress_safe((const char *)src, (char *)dst, (int)len,
                            (int)page);
    return n == (int)page ? 0 : -1;
}

size_t mx_lz4_packet_put(void *state, uint8_t *out, const uint8_t *src,
                         size_t page, size_t max_out, int accel, int raw,
                         int *compressed)
{
    size_t n = 0;

    if (!raw) {
        if (max_out > MX_LZ4_PKT_LEN_MAX) {
            max_out = MX_LZ4_PKT_LEN_MAX;
        }
        n = mx_lz4_encode_page(state, src, page, out + MX_LZ4_PKT_HDR,
                               max_out, accel);
    }
    if (n) {
        out[0] = n >> 8;
        out[1] = n & 0xff;
        *compressed = 1;
        return n + MX_LZ4_PKT_HDR;
    }
    out[0] = 0;
    out[1] = 0;
    memcpy(out + MX_LZ4_PKT_HDR, src, page);
    *compressed = 0;
    return page + MX_LZ4_PKT_HDR;
}

int mx_lz4_packet_parse(const uint8_t *buf, size_t len, uint32_t npages,
                        size_t page, uint8_t *bounce, mx_lz4_page_cb cb,
                        void *opaque, const char **why)
{
    size_t pos = 0;
    uint32_t i;

    for (i = 0; i < npages; i++) {
        size_t l;

        if (len - pos < MX_LZ4_PKT_HDR) {
            *why = "truncated page header";
            return -1;
        }
        l = ((size_t)buf[pos] << 8) | buf[pos + 1];
        pos += MX_LZ4_PKT_HDR;
        if (l == 0) {
            if (len - pos < page) {
                *why = "truncated raw page";
                return -1;
            }
            memcpy(bounce, buf + pos, page);
            pos += page;
        } else {
            if (l >= page) {
                *why = "compressed page length not below the page size";
                return -1;
            }
            if (len - pos < l) {
                *why = "truncated compressed page";
                return -1;
            }
            if (mx_lz4_decode_page(buf + pos, l, bounce, page) < 0) {
                *why = "lz4 block does not decode to exactly one page";
                return -1;
            }
            pos += l;
        }
        cb(opaque, i, bounce);
    }
    if (pos != len) {
        *why = "trailing bytes after the last page";
        return -1;
    }
    return 0;
}
