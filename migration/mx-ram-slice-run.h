/*
 * qemu-mx: RAM time-slicing for legacy block migration, the run-time glue
 * (mx-ram-slice-run.c): block.c reports the disk's backlog, ram.c asks
 * whether RAM must stop for now, query-migrate reads the statistics.
 * docs/mx/ram-time-slice.md.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_RAM_SLICE_RUN_H
#define MIGRATION_MX_RAM_SLICE_RUN_H

typedef struct MxRamSliceStats {
    bool used;              /* a block migration ran since start-up */
    int slice;              /* slice in effect, 0..1024 */
    bool converged;         /* the disk has converged */
    uint64_t backlog;       /* disk backlog at the last report, bytes */
    uint64_t ram_unconverged;   /* RAM bytes sent before the disk converged */
    uint64_t ram_bulk;      /* of those, during the disk's bulk phase */
    uint64_t holds;         /* times RAM was held back by the slice */
} MxRamSliceStats;

/* a block migration starts (init_blk_migration, via mx_blk_stats_reset) */
void mx_ram_slice_start(void);
/* block_save_pending(): the disk's backlog in bytes, bulk phase over? */
void mx_ram_slice_disk(uint64_t backlog, bool bulk_done);
/*
 * ram_save_iterate(), before each page it sends: true if RAM has used up
 * its slice for now (and must end this iteration).  Migration thread.
 */
bool mx_ram_slice_hold(void);
void mx_ram_slice_get_stats(MxRamSliceStats *out);

#endif
