/*
 * qemu-mx: lz4 and compress-bypass in the threads of the 'compress'
 * capability, source side: encoding a page, writing it, counting it.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "exec/target_page.h"
#include "migration.h"
#include "qemu-file.h"
#include "ram.h"
#include "mx-compress.h"
#include "mx-compress-stats.h"
#include "mx-converge.h"
#include "mx-bypass.h"
#include "mx-bypass-state.h"
#include "mx-params.h"
#include "mx-compress-batch.h"
#ifdef CONFIG_LZ4
#include "mx-lz4-codec.h"
#endif

/* --------------------------------------------------------------------- */
/* Per-thread context of a compress or decompress thread */

struct MxCompressCtx {
    void *lz4_state;        /* allocated by the first lz4 page */
    uint8_t *buf;           /* encoded page; allocated by the first page */
    size_t len;             /* bytes in buf */
    size_t size;            /* page size */
    MxPageKind kind;
    bool pending;           /* encoded, not yet accounted */
};

/*
 * 7.2 creates the contexts of compress threads whether or not qemu-mx's
 * path is taken, so nothing is allocated until a page needs it.
 */
MxCompressCtx *mx_compress_ctx_new(void)
{
    return g_new0(MxCompressCtx, 1);
}

void mx_compress_ctx_free(MxCompressCtx *ctx)
{
    if (ctx) {
        g_free(ctx->lz4_state);
        g_free(ctx->buf);
        g_free(ctx);
    }
}

bool mx_compress_own_path(void)
{
    return migrate_compress_lz4() || migrate_compress_bypass();
}

/* Same stream as stock qemu_put_compression_data(), into a page buffer. */
static size_t mx_zlib_encode(z_stream *zs, const uint8_t *page, size_t size,
                             uint8_t *out, size_t max_out)
{
    if (deflateReset(zs) != Z_OK) {
        return 0;
    }
    zs->next_in = (uint8_t *)page;
    zs->avail_in = size;
    zs->next_out = out;
    zs->avail_out = max_out;
    if (deflate(zs, Z_FINISH) != Z_STREAM_END) {
        return 0;   /* did not fit: not worth it */
    }
    return max_out - zs->avail_out;
}

MxPageKind mx_compress_encode(MxCompressCtx *ctx, z_stream *zs,
                              const uint8_t *page, size_t size)
{
    size_t max_out = migrate_compress_bypass() ? MX_BYPASS_MAX_SIZE(size)
                                               : size - 1;

    if (!ctx->buf) {
        ctx->buf = g_malloc(size);
    }
    ctx->size = size;
    ctx->pending = true;
#ifdef CONFIG_LZ4
    if (migrate_compress_lz4()) {
        if (!ctx->lz4_state) {
            ctx->lz4_state = g_malloc0(mx_lz4_state_size());
        }
        ctx->len = mx_lz4_encode_page(ctx->lz4_state, page, size, ctx->buf,
                                      max_out, migrate_lz4_acceleration());
        ctx->kind = ctx->len ? MX_PAGE_LZ4 : MX_PAGE_RAW;
        return ctx->kind;
    }
#endif
    ctx->len = mx_zlib_encode(zs, page, size, ctx->buf, max_out);
    ctx->kind = ctx->len ? MX_PAGE_ZLIB : MX_PAGE_RAW;
    return ctx->kind;
}

void mx_compress_put(MxCompressCtx *ctx, QEMUFile *f, const uint8_t *page)
{
    if (ctx->kind == MX_PAGE_RAW) {
        qemu_put_buffer(f, page, ctx->size);
    } else {
        qemu_put_be32(f, ctx->len);
        qemu_put_buffer(f, ctx->buf, ctx->len);
    }
}

void mx_compress_take(MxCompressCtx *ctx, MxPageResult *r)
{
    r->own = ctx->pending;
    r->kind = ctx->kind;
    r->len = ctx->len;
    r->size = ctx->size;
    ctx->pending = false;
}

bool mx_compress_account_result(const MxPageResult *r)
{
    if (!r->own) {
        /* nothing of ours; the stock path counts its own pages */
        return mx_compress_own_path();
    }
    if (r->kind == MX_PAGE_RAW) {
        mx_stats_page(false, r->size, r->size, false);
        ram_counters.normal++;
    } else {
        compression_counters.pages++;
        compression_counters.compressed_size += r->len;
        mx_stats_page(true, r->size, r->len, false);
    }
    return true;
}

bool mx_compress_account(MxCompressCtx *ctx)
{
    MxPageResult r;

    mx_compress_take(ctx, &r);
    return mx_compress_account_result(&r);
}

void mx_compress_save_setup(void)
{
    mx_stats_reset();
    mx_converge_reset();
    mx_bypass_reset();
    mx_cbatch_stats_reset();
}
