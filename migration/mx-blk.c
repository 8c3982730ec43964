/*
 * qemu-mx: fine-grained dirty tracking for legacy block migration.
 *
 * Stock 7.2 tracks a disk's dirtiness in 1 MiB chunks, so a 4 KiB guest
 * write costs 1 MiB on the wire.  With mig-block-size below 1 MiB the dirty
 * bitmap has that granularity and the dirty phase sends dirty runs:
 * adjacent dirty blocks merged up to 1 MiB, each record carrying its own
 * length (MX_BLK_FLAG_RUN).  The bulk phase is unchanged.  The search for
 * the next dirty run is the HBitmap's (bdrv_dirty_bitmap_next_dirty_area()),
 * at any granularity, so a pass over a mostly clean disk costs in
 * proportion to its dirty runs, not to its size.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "block/block.h"
#include "sysemu/block-backend.h"
#include "monitor/monitor.h"
#include "migration.h"
#include "trace.h"
#include "mx-blk.h"
#include "mx-blk-load.h"
#include "mx-blk-params.h"
#include "mx-ram-slice-run.h"

uint64_t mx_blk_granularity(void)
{
    return migrate_mig_block_size();
}

bool mx_blk_runs(uint64_t granularity)
{
    return granularity < MX_BLK_CHUNK;
}

bool mx_blk_next_dirty(BdrvDirtyBitmap *bm, int64_t from, int64_t total,
                       int64_t *sector, int *nr_sectors)
{
    int64_t start, count;
    bool found;

    bdrv_dirty_bitmap_lock(bm);
    found = bdrv_dirty_bitmap_next_dirty_area(bm, from * MX_BLK_SECTOR,
                                              total * MX_BLK_SECTOR,
                                              MX_BLK_CHUNK, &start, &count);
    bdrv_dirty_bitmap_unlock(bm);
    if (!found) {
        return false;
    }
    mx_blk_area_to_run(start, count, sector, nr_sectors);
    trace_mx_blk_next_dirty(from, *sector, *nr_sectors);
    return true;
}

uint64_t mx_blk_put_run(QEMUFile *f, const char *name, uint64_t sector,
                        int nr_sectors, const uint8_t *buf, bool zero_blocks)
{
    uint64_t len = (uint64_t)nr_sectors * MX_BLK_SECTOR;
    bool zero = zero_blocks && buffer_is_zero(buf, len);
    size_t n = strlen(name);

    qemu_put_be64(f, (sector * MX_BLK_SECTOR) | MX_BLK_FLAG_RUN |
                     (zero ? MX_BLK_FLAG_ZERO : 0));
    qemu_put_byte(f, n);
    qemu_put_buffer(f, (const uint8_t *)name, n);
    qemu_put_be32(f, len);
    if (zero) {
        return 0;
    }
    mx_blk_put_payload(f, buf, len);
    return len;
}

int mx_blk_load_run(QEMUFile *f, BlockBackend *blk, const char *name,
                    uint64_t sector, int flags, int64_t total_sectors)
{
    uint64_t len = qemu_get_be32(f);
    const char *why = mx_blk_check_record(flags, sector, len, total_sectors);
    g_autofree uint8_t *buf = NULL;

    if (why) {
        trace_mx_blk_run_refused(name, sector, len, why);
        error_report("block migration: bad dirty run of %" PRIu64 " bytes "
                     "at sector %" PRIu64 " of %s: %s", len, sector, name,
                     why);
        return -EINVAL;
    }
    if (!(flags & MX_BLK_FLAG_ZERO)) {
        buf = g_malloc(len);
        if (qemu_get_buffer(f, buf, len) != len) {
            return qemu_file_get_error(f) ?: -EIO;
        }
    }
    trace_mx_blk_run_loaded(name, sector, len, !!(flags & MX_BLK_FLAG_ZERO));
    /* several runs are written at once; the write frees the buffer */
    return mx_blk_load_write(blk, sector * MX_BLK_SECTOR, len,
                             g_steal_pointer(&buf));
}

static struct {
    uint64_t granularity;
    uint64_t bulk_bytes;
    uint64_t dirty_bytes;
    uint64_t dirty_records;
    bool used;
} mx_blk;

void mx_blk_stats_reset(uint64_t granularity)
{
    memset(&mx_blk, 0, sizeof(mx_blk));
    mx_blk.granularity = granularity;
    mx_blk.used = true;
    mx_ram_slice_start();   /* RAM time-slicing follows this migration */
    trace_mx_blk_setup(granularity, mx_blk_runs(granularity));
}

void mx_blk_stats_sent(bool dirty_phase, uint64_t bytes)
{
    if (dirty_phase) {
        qatomic_set(&mx_blk.dirty_bytes, mx_blk.dirty_bytes + bytes);
        qatomic_set(&mx_blk.dirty_records, mx_blk.dirty_records + 1);
    } else {
        qatomic_set(&mx_blk.bulk_bytes, mx_blk.bulk_bytes + bytes);
    }
}

uint64_t mx_blk_bytes_sent(void)
{
    return qatomic_read(&mx_blk.bulk_bytes) + qatomic_read(&mx_blk.dirty_bytes);
}

void mx_blk_fill_info(MigrationInfo *info)
{
    BlockMigrationStats *s;

    /* after completion too (disk is shown only while block migration runs) */
    if (!mx_blk.used || !migrate_use_block()) {
        return;
    }
    s = g_new0(BlockMigrationStats, 1);
    s->block_size = mx_blk.granularity;
    s->dirty_runs = mx_blk_runs(mx_blk.granularity);
    s->bulk_bytes = qatomic_read(&mx_blk.bulk_bytes);
    s->dirty_bytes = qatomic_read(&mx_blk.dirty_bytes);
    s->dirty_records = qatomic_read(&mx_blk.dirty_records);
    info->has_block_migration = true;
    info->block_migration = s;
}

void mx_hmp_info_blk(Monitor *mon, MigrationInfo *info)
{
    BlockMigrationStats *s = info->block_migration;

    if (!info->has_block_migration) {
        return;
    }
    monitor_printf(mon, "block migration block size: %" PRIu64 " bytes%s\n",
                   s->block_size, s->dirty_runs ? " (dirty runs)" : "");
    monitor_printf(mon, "block migration bulk: %" PRIu64 " kbytes, dirty "
                   "phase: %" PRIu64 " kbytes in %" PRIu64 " records\n",
                   s->bulk_bytes >> 10, s->dirty_bytes >> 10,
                   s->dirty_records);
}
