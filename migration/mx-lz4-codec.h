/*
 * qemu-mx: lz4 page codec for migration, free of QEMU dependencies so that
 * the fuzzer and the benchmark link it on its own.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MX_LZ4_CODEC_H
#define MX_LZ4_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Size of the scratch state mx_lz4_encode_page() needs. */
size_t mx_lz4_state_size(void);

/*
 * Compress one page of @page bytes into @dst.  Returns the compressed size,
 * or 0 when the result would not be smaller than @max_out bytes (then the
 * caller sends the page raw).  @max_out must be < @page.
 */
size_t mx_lz4_encode_page(void *state, const uint8_t *src, size_t page,
                          uint8_t *dst, size_t max_out, int accel);

/*
 * Decode one lz4 block of @len bytes that must expand to exactly @page
 * bytes into @dst (which holds @page bytes).  Returns 0, or -1 on any
 * malformed, truncated, short or oversized input; never writes outside
 * @dst.
 */
int mx_lz4_decode_page(const uint8_t *src, size_t len, uint8_t *dst,
                       size_t page);

/*
 * multifd lz4 packet payload: for each page, a big-endian 16-bit length L
 * then L bytes of lz4 block (0 < L < page), or L == 0 then @page raw bytes.
 */
#define MX_LZ4_PKT_HDR 2
/* The largest compressed page that length field can describe. */
#define MX_LZ4_PKT_LEN_MAX 0xffff

/* Worst-case payload size for @npages pages. */
static inline size_t mx_lz4_packet_bound(uint32_t npages, size_t page)
{
    return (size_t)npages * (page + MX_LZ4_PKT_HDR);
}

/*
 * Append page @src to the payload at @out (room for page + 2 bytes).
 * @raw forces a raw page; else the page is compressed and sent raw only if
 * it does not shrink below @max_out.  Returns the bytes written and sets
 * *@compressed.
 */
size_t mx_lz4_packet_put(void *state, uint8_t *out, const uint8_t *src,
                         size_t page, size_t max_out, int accel, int raw,
                         int *compressed);

/*
 * Parse a payload of @len bytes holding exactly @npages pages.  Each page
 * is decoded into @bounce (@page bytes) and handed to @cb(opaque, index,
 * bounce); nothing is handed on for a page that does not decode.  Returns
 * 0, or -1 (with *@why set to a static message) on truncated, oversized or
 * malformed input, or trailing bytes.
 */
typedef void (*mx_lz4_page_cb)(void *opaque, uint32_t index,
                               const uint8_t *data);
int mx_lz4_packet_parse(const uint8_t *buf, size_t len, uint32_t npages,
                        size_t page, uint8_t *bounce, mx_lz4_page_cb cb,
                        void *opaque, const char **why);

#endif
