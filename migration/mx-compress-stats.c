/*
 * qemu-mx: compression statistics.  Stock 7.2 counts compressed pages of
 * the compress threads only; qemu-mx adds the method, the bytes before
 * compression and the pages sent raw (did not shrink, or the bypass rule),
 * for the compress threads and for multifd zlib, zstd and lz4.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "exec/target_page.h"
#include "monitor/monitor.h"
#include "migration.h"
#include "ram.h"
#include "mx-compress-stats.h"
#include "mx-compress-batch.h"
#include "mx-bypass-state.h"
#include "mx-params.h"

static struct {
    uint64_t pages;         /* compressed pages */
    uint64_t in;            /* their bytes before */
    uint64_t out;           /* and after compression */
    uint64_t bypassed;      /* sent raw: did not shrink enough */
    uint64_t cpu_bypassed;  /* sent raw: the bypass rule */
} mx_stats;

void mx_stats_reset(void)
{
    memset(&mx_stats, 0, sizeof(mx_stats));
}

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

uint64_t mx_stats_unshrunk(void)
{
    return qatomic_read(&mx_stats.bypassed);
}

void mx_stats_multifd_totals(uint64_t *in, uint64_t *out)
{
    *in = qatomic_read(&mx_stats.in);
    *out = qatomic_read(&mx_stats.out);
}

static CompressionStatsMethod mx_stats_method_threads(void)
{
#ifdef CONFIG_LZ4
    if (migrate_compress_lz4()) {
        return COMPRESSION_STATS_METHOD_LZ4;
    }
#endif
    return COMPRESSION_STATS_METHOD_ZLIB;
}

static CompressionStatsMethod mx_stats_method_multifd(MultiFDCompression m)
{
    switch (m) {
#ifdef CONFIG_ZSTD
    case MULTIFD_COMPRESSION_ZSTD:
        return COMPRESSION_STATS_METHOD_MULTIFD_ZSTD;
#endif
#ifdef CONFIG_LZ4
    case MULTIFD_COMPRESSION_LZ4:
        return COMPRESSION_STATS_METHOD_MULTIFD_LZ4;
#endif
    default:
        return COMPRESSION_STATS_METHOD_MULTIFD_ZLIB;
    }
}

void mx_compress_fill_stats(MigrationInfo *info)
{
    CompressionStats *c;
    size_t page = qemu_target_page_size();

    if (migrate_use_compression() && info->has_compression) {
        c = info->compression;
        c->method = mx_stats_method_threads();
        c->uncompressed_size = compression_counters.pages * page;
        mx_cbatch_fill_stats(c);
    } else if (migrate_use_multifd() &&
               migrate_multifd_compression() != MULTIFD_COMPRESSION_NONE) {
        /* stock 7.2 has no statistics for multifd compression */
        c = g_new0(CompressionStats, 1);
        info->has_compression = true;
        info->compression = c;
        c->method = mx_stats_method_multifd(migrate_multifd_compression());
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
    c->bypass_active = !mx_bypass_compressing();
}

void mx_hmp_info_compression(Monitor *mon, MigrationInfo *info)
{
    CompressionStats *c = info->compression;

    if (!info->has_compression || !c->has_method) {
        return;
    }
    monitor_printf(mon, "compression method: %s\n",
                   CompressionStatsMethod_str(c->method));
    monitor_printf(mon, "compression uncompressed size: %" PRIu64 " kbytes\n",
                   c->uncompressed_size >> 10);
    monitor_printf(mon, "compression bypassed (incompressible): %" PRIu64
                   " pages\n", c->bypassed);
    monitor_printf(mon, "compression bypassed (cpu-bound): %" PRIu64
                   " pages\n", c->cpu_bypassed);
    monitor_printf(mon, "compression bypass active: %s\n",
                   c->bypass_active ? "on" : "off");
    if (c->has_handoffs) {
        monitor_printf(mon, "compression hand-offs: %" PRIu64
                       " (batch size %" PRIu64 " pages)\n",
                       c->handoffs, c->batch_size);
    }
}
