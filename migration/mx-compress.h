/*
 * qemu-mx: lz4 and compress-bypass in the threads of the 'compress'
 * capability, source side (mx-compress.c; docs/mx/lz4-compression.md).
 * Only ram.c includes this (it needs zlib's z_stream).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_COMPRESS_H
#define MIGRATION_MX_COMPRESS_H

#include <zlib.h>
#include "qemu-file.h"

/*
 * RAM page flag of an lz4-compressed page.  Page flags live in the low
 * bits of a page-aligned offset, so every flag must be below the smallest
 * target page size: ram.c checks that at build time.  0x200 is taken by
 * later QEMU versions, and 0x400 fits the 4 KiB pages of x86; a target
 * whose pages may be 1 KiB (TARGET_PAGE_BITS_MIN 10) has no room for it
 * and does not build with it.  Stock 7.2 rejects 0x400 as an unknown flag
 * combination.
 */
#define RAM_SAVE_FLAG_MX_LZ4_PAGE 0x400

typedef enum {
    MX_PAGE_RAW,        /* RAM_SAVE_FLAG_PAGE */
    MX_PAGE_ZLIB,       /* RAM_SAVE_FLAG_COMPRESS_PAGE */
    MX_PAGE_LZ4,        /* RAM_SAVE_FLAG_MX_LZ4_PAGE */
} MxPageKind;

typedef struct MxCompressCtx MxCompressCtx;

/* One per compress thread; buffers are allocated on first use. */
MxCompressCtx *mx_compress_ctx_new(void);
void mx_compress_ctx_free(MxCompressCtx *ctx);

/* True when the compress threads take qemu-mx's path (lz4 or bypass). */
bool mx_compress_own_path(void);
/* Compress @page (a private copy) into @ctx; returns how to send it. */
MxPageKind mx_compress_encode(MxCompressCtx *ctx, z_stream *zs,
                              const uint8_t *page, size_t size);
/* Write what mx_compress_encode() produced after the page header. */
void mx_compress_put(MxCompressCtx *ctx, QEMUFile *f, const uint8_t *page);
/*
 * Migration thread, once a thread's output went to the stream: count it.
 * Returns false when the page came from the stock path.
 */
bool mx_compress_account(MxCompressCtx *ctx);

/*
 * The batched hand-off (mx-compress-batch.c) counts a batch's pages after
 * the whole batch went to the stream: the compress thread takes each
 * page's result out of its context right after the page, and the
 * migration thread counts the results later.
 */
typedef struct MxPageResult {
    bool own;               /* encoded by qemu-mx's path */
    MxPageKind kind;
    size_t len;
    size_t size;
} MxPageResult;
void mx_compress_take(MxCompressCtx *ctx, MxPageResult *r);
/* Like mx_compress_account(), for a taken result. */
bool mx_compress_account_result(const MxPageResult *r);

/*
 * Start of a RAM save: reset the statistics, the convergence estimate and
 * the bypass rule.
 */
void mx_compress_save_setup(void);

#endif
