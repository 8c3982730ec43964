/*
 * qemu-mx: hot-segment deferral in a running migration: state, the hooks
 * ram.c calls, statistics (mx-hot-state.c; docs/mx/hot-defer.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_HOT_STATE_H
#define MIGRATION_MX_HOT_STATE_H

#include "qapi/qapi-types-migration.h"

/* ram.c, once the migration bitmaps exist (BQL, RCU): segments, heat */
void mx_hot_setup(void);
/* ram.c, before the migration bitmaps are freed */
void mx_hot_cleanup(void);
/*
 * find_dirty_block(): @page is the next dirty page of @rb from the bitmap;
 * returns it, or the next dirty page outside the deferred segments.
 */
unsigned long mx_hot_next_page(RAMBlock *rb, unsigned long page);
/* Dirty bytes held back in deferred segments (0 when deferral is off). */
uint64_t mx_hot_deferred_bytes(void);
/*
 * ram_save_pending(), after a sync: @remaining dirty bytes in all, and
 * @threshold the switchover threshold.  Chooses the segments for the next
 * round, or ends deferral.
 */
void mx_hot_round(uint64_t remaining, uint64_t threshold);
/*
 * migration_bitmap_sync(), after the dirty log is folded in: with
 * auto-converge, the writes to held pages the sync did not count (they were
 * dirty already), to add to the round's dirty pages that the throttle sees.
 */
uint64_t mx_hot_sync_rewrites(void);
/*
 * ram_save_pending(), before the sync: while the hot set is held for the
 * throttle and nothing else is left to send, wait (no lock held) so that
 * the rounds are MX_HOT_HOLD_SYNC_MS apart instead of a busy loop.
 */
void mx_hot_pace(void);
/* ram_save_complete(): everything goes now. */
void mx_hot_stop(void);

/* query-migrate and info migrate */
void mx_hot_fill_info(MigrationInfo *info);
void mx_hmp_info_hot(Monitor *mon, MigrationInfo *info);

#endif
