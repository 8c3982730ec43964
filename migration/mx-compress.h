/*
 * qemu-mx: lz4 for the compress threads, compress-bypass, the parameters
 * and statistics of both (docs/mx/lz4-compression.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_COMPRESS_H
#define MIGRATION_MX_COMPRESS_H

#include <zlib.h>
#include "qapi/qapi-types-migration.h"
#include "hw/qdev-properties.h"
#include "mx-lz4-codec.h"

/*
 * RAM page flag of an lz4-compressed page (0x200 is taken by later QEMU
 * versions; stock 7.2 rejects 0x400 as an unknown flag combination).
 */
#define RAM_SAVE_FLAG_MX_LZ4_PAGE 0x400

/* --- parameters (mx-params.c) --- */
extern const PropertyInfo mx_prop_compress_method;
#define DEFINE_PROP_MX_COMPRESS_METHOD(_n, _s, _f, _d) \
    DEFINE_PROP_SIGNED(_n, _s, _f, _d, mx_prop_compress_method, \
                       CompressMethod)

void mx_params_init(MigrationParameters *p);
bool mx_params_check(MigrationParameters *p, Error **errp);
void mx_params_test_apply(MigrateSetParameters *params,
                          MigrationParameters *dest);
void mx_params_apply(MigrateSetParameters *params, MigrationParameters *dest);
void mx_params_query(MigrationParameters *out, const MigrationParameters *cur);
bool mx_hmp_set_parameter(int param, Visitor *v, const char *name,
                          MigrateSetParameters *p, Error **errp);
void mx_hmp_info_parameters(Monitor *mon, MigrationParameters *params);
void mx_hmp_info_compression(Monitor *mon, MigrationInfo *info);

CompressMethod migrate_compress_method(void);
bool migrate_compress_lz4(void);
int migrate_lz4_acceleration(void);
bool migrate_compress_bypass(void);

/* --- compress threads (mx-compress.c) --- */
typedef enum {
    MX_PAGE_RAW,        /* RAM_SAVE_FLAG_PAGE */
    MX_PAGE_ZLIB,       /* RAM_SAVE_FLAG_COMPRESS_PAGE */
    MX_PAGE_LZ4,        /* RAM_SAVE_FLAG_MX_LZ4_PAGE */
} MxPageKind;

typedef struct MxCompressCtx MxCompressCtx;

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

/* Destination: decode one lz4 page into @dst; 0 or -1 (reported). */
int mx_decompress_lz4(MxCompressCtx *ctx, const uint8_t *src, int len,
                      uint8_t *dst, size_t page);
/*
 * Destination, loading thread: read one lz4 page of @len bytes (at most
 * @max_len) from @f and decode it into @host; 0, or -errno (reported).
 */
int mx_lz4_load_page(QEMUFile *f, uint8_t *host, int len, int max_len);
void mx_lz4_load_cleanup(void);
/* Destination: flags that must not appear, and the error for them. */
int mx_compress_invalid_flags(int zlib_flag, int lz4_flag);
void mx_compress_report_unexpected(bool lz4_page);

/* Start of a RAM save: reset statistics and the bypass rule. */
void mx_compress_save_setup(void);
/*
 * compress-bypass rule, once per page in the migration thread: false
 * while compression is switched off because the CPU is the bottleneck.
 */
bool mx_bypass_compress_now(void);
/* Read by multifd channels. */
bool mx_bypass_compressing(void);
/* Migration thread: the max-bandwidth limiter is about to sleep. */
void mx_bypass_rate_limited(void);

/* Statistics (also updated by the multifd lz4 channels). */
void mx_stats_page(bool compressed, uint64_t in, uint64_t out,
                   bool cpu_bypass);
void mx_compress_fill_stats(MigrationInfo *info);
/* multifd send thread, after send_prepare: one packet of zlib or zstd */
void mx_stats_multifd_packet(uint32_t pages, uint32_t wire);

/*
 * Convergence estimate: the bandwidth of an iteration window in raw bytes
 * of RAM (compressed pages counted at their size before compression).
 */
void mx_converge_window_start(void);
double mx_converge_bandwidth(double bandwidth, uint64_t transferred);

#endif
