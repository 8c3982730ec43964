/*
 * qemu-mx: fine-grained dirty tracking for legacy block migration (the
 * 'block' capability): mig-block-size, dirty runs on the wire, their
 * validation, and the next-dirty search (mx-blk.c; docs/mx/blk-dirty-runs.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_BLK_H
#define MIGRATION_MX_BLK_H

#include "qapi/qapi-types-migration.h"
#include "block/dirty-bitmap.h"
#include "qemu-file.h"
#include "mx-blk-record.h"
#include "mx-blk-put.h"
#include "mx-blk-load.h"

/* mig-block-size of this migration; < MX_BLK_CHUNK sends dirty runs */
uint64_t mx_blk_granularity(void);
bool mx_blk_runs(uint64_t granularity);

/*
 * The next dirty run of @bm at or after @from (sectors), up to the device
 * end @total (sectors) and MX_BLK_CHUNK long: the HBitmap's next-dirty
 * search, O(log) of the disk instead of a test per chunk.  False if none.
 */
bool mx_blk_next_dirty(BdrvDirtyBitmap *bm, int64_t from, int64_t total,
                       int64_t *sector, int *nr_sectors);

/*
 * Source: write a dirty run of @nr_sectors at @sector of device @name, its
 * data in @buf; as a zero record if @zero_blocks and the data is all zero.
 * Returns the payload bytes written.
 */
uint64_t mx_blk_put_run(QEMUFile *f, const char *name, uint64_t sector,
                        int nr_sectors, const uint8_t *buf, bool zero_blocks);
/*
 * Destination: the rest of a dirty run record at @sector with @flags, for
 * device @blk of @total_sectors: its length, checked, then its data,
 * written.  0, or a negative errno (reported) and nothing written.
 */
int mx_blk_load_run(QEMUFile *f, BlockBackend *blk, const char *name,
                    uint64_t sector, int flags, int64_t total_sectors);

/* Statistics: a record sent (bulk or dirty phase), its payload bytes */
void mx_blk_stats_reset(uint64_t granularity);
void mx_blk_stats_sent(bool dirty_phase, uint64_t bytes);
/* payload bytes sent so far (bulk + dirty phase) of this migration */
uint64_t mx_blk_bytes_sent(void);
void mx_blk_fill_info(MigrationInfo *info);
void mx_hmp_info_blk(Monitor *mon, MigrationInfo *info);
#endif
