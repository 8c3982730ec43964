/*
 * qemu-mx: compression statistics of the compress threads and of multifd
 * (query-migrate's "compression", info migrate), mx-compress-stats.c.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_COMPRESS_STATS_H
#define MIGRATION_MX_COMPRESS_STATS_H

#include "qapi/qapi-types-migration.h"

/* Start of a RAM save. */
void mx_stats_reset(void);
/*
 * One page: compressed from @in to @out bytes, or sent raw because it did
 * not shrink enough, or (@cpu_bypass) because the bypass rule had
 * compression off.  Any thread.
 */
void mx_stats_page(bool compressed, uint64_t in, uint64_t out,
                   bool cpu_bypass);
/* multifd send thread, after send_prepare: one packet of zlib or zstd */
void mx_stats_multifd_packet(uint32_t pages, uint32_t wire);
/* Pages the compressors tried and sent raw because they did not shrink. */
uint64_t mx_stats_unshrunk(void);
/* multifd: raw and wire bytes of the pages compressed so far. */
void mx_stats_multifd_totals(uint64_t *in, uint64_t *out);

/* query-migrate and info migrate */
void mx_compress_fill_stats(MigrationInfo *info);
void mx_hmp_info_compression(Monitor *mon, MigrationInfo *info);

#endif
