/*
 * qemu-mx: lz4 for the threads of the 'compress' capability, the
 * compress-bypass rule's state and clock (the rule is in mx-bypass.c), and
 * the compression statistics of qemu-mx.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/error-report.h"
#include "qemu/timer.h"
#include "exec/target_page.h"
#include "migration.h"
#include "qemu-file.h"
#include "ram.h"
#include "mx-compress.h"
#include "mx-bypass.h"
#ifdef CONFIG_LZ4
#include "mx-lz4-codec.h"
#endif

/* --------------------------------------------------------------------- */
/* Per-thread context of a compress or decompress thread */

struct MxCompressCtx {
    void *lz4_state;
    uint8_t *buf;           /* encoded page */
    size_t len;             /* bytes in buf */
    size_t size;            /* page size */
    MxPageKind kind;
    bool pending;           /* encoded, not yet accounted */
    uint8_t *bounce;        /* destination: decoded page */
};

MxCompressCtx *mx_compress_ctx_new(void)
{
    MxCompressCtx *ctx = g_new0(MxCompressCtx, 1);

#ifdef CONFIG_LZ4
    ctx->lz4_state = g_malloc0(mx_lz4_state_size());
#endif
    ctx->buf = g_malloc(qemu_target_page_size());
    return ctx;
}

void mx_compress_ctx_free(MxCompressCtx *ctx)
{
    if (ctx) {
        g_free(ctx->lz4_state);
        g_free(ctx->buf);
        g_free(ctx->bounce);
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

    ctx->size = size;
    ctx->pending = true;
#ifdef CONFIG_LZ4
    if (migrate_compress_lz4()) {
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

/* --------------------------------------------------------------------- */
/* Statistics */

static struct {
    uint64_t pages;         /* compressed pages */
    uint64_t in;            /* their bytes before */
    uint64_t out;           /* and after compression */
    uint64_t bypassed;      /* sent raw: did not shrink enough */
    uint64_t cpu_bypassed;  /* sent raw: the bypass rule */
} mx_stats;

void mx_stats_page(bool compressed, uint64_t in, uint64_t out,
                   bool cpu_bypass)
{
    if (compressed) {
        qatomic_add(&mx_stats.pages, 1);
        qatomic_add(&mx_stats.in, in);
        qatomic_add(&mx_stats.out, out);
    } else if (cpu_bypass) {
        qatomic_add(&mx_stats.cpu_bypassed, 1);
    } else {
        qatomic_add(&mx_stats.bypassed, 1);
    }
}

void mx_stats_multifd_packet(uint32_t pages, uint32_t wire)
{
    MultiFDCompression m = migrate_multifd_compression();

    /* multifd lz4 counts page by page itself (it knows what it bypassed) */
    if (pages && m != MULTIFD_COMPRESSION_NONE
#ifdef CONFIG_LZ4
        && m != MULTIFD_COMPRESSION_LZ4
#endif
        ) {
        qatomic_add(&mx_stats.pages, pages);
        qatomic_add(&mx_stats.in, (uint64_t)pages * qemu_target_page_size());
        qatomic_add(&mx_stats.out, wire);
    }
}

bool mx_compress_account(MxCompressCtx *ctx)
{
    if (!ctx->pending) {
        /* nothing of ours; the stock path counts its own pages */
        return mx_compress_own_path();
    }
    ctx->pending = false;
    if (ctx->kind == MX_PAGE_RAW) {
        mx_stats_page(false, ctx->size, ctx->size, false);
        ram_counters.normal++;
    } else {
        compression_counters.pages++;
        compression_counters.compressed_size += ctx->len;
        mx_stats_page(true, ctx->size, ctx->len, false);
    }
    return true;
}

/* --------------------------------------------------------------------- */
/*
 * Convergence estimate.
 *
 * 7.2 decides to stop the guest when the remaining dirty RAM fits into
 * bandwidth * downtime-limit.  The remaining RAM is counted in raw bytes,
 * but the bandwidth is measured in bytes on the wire, and with compression
 * a page costs fewer of those: with well-compressing pages the threshold
 * comes out several times too small and a migration that could stop within
 * the limit may never do so.  Measure the bandwidth in the unit of the
 * remaining RAM instead: over the same iteration window, count each
 * compressed page at its raw size rather than its compressed size.
 */
static struct {
    uint64_t in;            /* raw bytes of compressed pages at window start */
    uint64_t out;           /* their bytes on the wire */
} mx_converge;

static void mx_compressed_totals(uint64_t *in, uint64_t *out)
{
    if (migrate_use_compression()) {
        /* compress threads: both the stock and the qemu-mx path count here */
        *in = compression_counters.pages * qemu_target_page_size();
        *out = compression_counters.compressed_size;
    } else if (migrate_use_multifd()) {
        *in = qatomic_read(&mx_stats.in);
        *out = qatomic_read(&mx_stats.out);
    } else {
        *in = *out = 0;
    }
}

void mx_converge_window_start(void)
{
    mx_compressed_totals(&mx_converge.in, &mx_converge.out);
}

double mx_converge_bandwidth(double bandwidth, uint64_t transferred)
{
    uint64_t in, out, raw;

    mx_compressed_totals(&in, &out);
    in -= mx_converge.in;
    out -= mx_converge.out;
    /* nothing compressed, or counters from another window: keep stock's */
    if (!transferred || !out || in <= out || out > transferred) {
        return bandwidth;
    }
    raw = transferred - out + in;
    return bandwidth * ((double)raw / transferred);
}

/* --------------------------------------------------------------------- */
/* Destination */

int mx_decompress_lz4(MxCompressCtx *ctx, const uint8_t *src, int len,
                      uint8_t *dst, size_t page)
{
#ifdef CONFIG_LZ4
    if (!ctx->bounce) {
        ctx->bounce = g_malloc(page);
    }
    /* Decode aside: a bad page never reaches guest RAM. */
    if (len > 0 && mx_lz4_decode_page(src, len, ctx->bounce, page) == 0) {
        memcpy(dst, ctx->bounce, page);
        return 0;
    }
    error_report("lz4: a compressed page of %d bytes does not decode to "
                 "exactly %zu bytes", len, page);
#endif
    return -1;
}

/*
 * lz4 pages are decoded by the loading thread itself: lz4 decodes a page in
 * about a microsecond, less than handing it to a decompress thread and
 * waking that thread costs (benchmark 2 measured the hand-off at several
 * CPU-seconds per GiB on each side).
 */
static MxCompressCtx *mx_load_ctx;
static uint8_t *mx_load_buf;

int mx_lz4_load_page(QEMUFile *f, uint8_t *host, int len, int max_len)
{
    size_t page = qemu_target_page_size();

    if (len <= 0 || len > max_len) {
        error_report("lz4: invalid compressed page length %d", len);
        return -EINVAL;
    }
    if (!mx_load_ctx) {
        mx_load_ctx = mx_compress_ctx_new();
        mx_load_buf = g_malloc(max_len);
    }
    if (qemu_get_buffer(f, mx_load_buf, len) != len) {
        return -EIO;    /* the stream's error is reported by the caller */
    }
    return mx_decompress_lz4(mx_load_ctx, mx_load_buf, len, host, page) < 0
           ? -EINVAL : 0;
}

void mx_lz4_load_cleanup(void)
{
    mx_compress_ctx_free(mx_load_ctx);
    mx_load_ctx = NULL;
    g_free(mx_load_buf);
    mx_load_buf = NULL;
}

int mx_compress_invalid_flags(int zlib_flag, int lz4_flag)
{
    if (!migrate_use_compression()) {
        return lz4_flag;    /* the caller already refuses zlib pages */
    }
    return migrate_compress_lz4() ? zlib_flag : lz4_flag;
}

void mx_compress_report_unexpected(bool lz4_page)
{
    if (lz4_page && !migrate_use_compression()) {
        error_report("Received an lz4-compressed page, but the 'compress' "
                     "capability is off here: enable it and set "
                     "compress-method=lz4 on both sides");
    } else if (lz4_page) {
        error_report("Received an lz4-compressed page, but compress-method "
                     "is zlib here: set compress-method=lz4 on both sides");
    } else if (migrate_use_compression()) {
        error_report("Received a zlib-compressed page, but compress-method "
                     "is lz4 here: set the same compress-method on both "
                     "sides");
    }
}

/* --------------------------------------------------------------------- */
/* compress-bypass: the rule is in mx-bypass.c, here its clock and state */

static MxBypass mx_bypass;

void mx_compress_save_setup(void)
{
    memset(&mx_stats, 0, sizeof(mx_stats));
    memset(&mx_converge, 0, sizeof(mx_converge));
    mx_bypass_init(&mx_bypass);
}

bool mx_bypass_compressing(void)
{
    return mx_bypass_is_compressing(&mx_bypass, migrate_compress_bypass());
}

bool mx_bypass_compress_now(void)
{
    bool bypass = migrate_compress_bypass();

    /* data pages so far: raw ones and those the compressors accounted */
    uint64_t done = ram_counters.normal + compression_counters.pages;

    if (mx_bypass_step(&mx_bypass, bypass, bypass ? get_clock() : 0, done,
                       qatomic_read(&mx_stats.bypassed))) {
        return true;
    }
    if (migrate_use_compression()) {
        mx_stats_page(false, 0, 0, true);
    }
    return false;
}

void mx_bypass_rate_limited(void)
{
    mx_bypass_limited(&mx_bypass, migrate_compress_bypass());
}

void mx_compress_fill_stats(MigrationInfo *info)
{
    CompressionStats *c;
    size_t page = qemu_target_page_size();
    bool bypass = migrate_compress_bypass();

    if (migrate_use_compression() && info->has_compression) {
        c = info->compression;
        c->method = g_strdup(CompressMethod_str(migrate_compress_method()));
        c->uncompressed_size = compression_counters.pages * page;
    } else if (migrate_use_multifd() &&
               migrate_multifd_compression() != MULTIFD_COMPRESSION_NONE) {
        /* stock 7.2 has no statistics for multifd compression */
        c = g_new0(CompressionStats, 1);
        info->has_compression = true;
        info->compression = c;
        c->method = g_strdup_printf("multifd-%s",
                        MultiFDCompression_str(migrate_multifd_compression()));
        c->pages = qatomic_read(&mx_stats.pages);
        c->compressed_size = qatomic_read(&mx_stats.out);
        c->uncompressed_size = qatomic_read(&mx_stats.in);
        if (c->compressed_size) {
            c->compression_rate = (double)c->uncompressed_size /
                                  c->compressed_size;
        }
    } else {
        return;
    }
    c->has_method = true;
    c->has_uncompressed_size = true;
    c->has_bypassed = true;
    c->bypassed = qatomic_read(&mx_stats.bypassed);
    c->has_cpu_bypassed = true;
    c->cpu_bypassed = qatomic_read(&mx_stats.cpu_bypassed);
    c->has_bypass_active = true;
    c->bypass_active = !mx_bypass_is_compressing(&mx_bypass, bypass);
}
