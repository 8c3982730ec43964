/*
 * qemu-mx: the staged CPU throttle policy in a migration: the glue that
 * feeds it measurements, applies its throttle and reports it
 * (mx-throttle-ctl.c).  The policy itself is mx-throttle.c, its parameters
 * mx-throttle-params.h.  See docs/mx/cpu-throttle.md.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_THROTTLE_CTL_H
#define MIGRATION_MX_THROTTLE_CTL_H

#include "qapi/qapi-types-migration.h"

/* --- run time (mx-throttle-ctl.c), all but the stats: migration thread */
/* Start of a migration: forget the last one's policy state. */
void mx_throttle_start(void);
/*
 * A sync round of at least a second ended (ram.c, where stock decides on
 * auto-converge): @bytes_dirty dirtied and @bytes_xfer sent during
 * @period_ms, @remaining dirty bytes left.  Returns false when the staged
 * policy is not in use, and the stock logic must decide.
 */
bool mx_throttle_round(uint64_t bytes_dirty, uint64_t bytes_xfer,
                       int64_t period_ms, uint64_t remaining);
/*
 * The bandwidth of an iteration window, in raw bytes of RAM per ms (as
 * the switchover decision counts it), and the window's length.
 */
void mx_throttle_note_bandwidth(double bandwidth, uint64_t time_ms);
/*
 * Each migration iteration: the policy's timed steps.  Returns true when
 * the switchover must happen now (cpu-throttle-force-switchover-ms).
 */
bool mx_throttle_iteration(bool in_postcopy);
/* The migration ended (complete, failed, cancelled): after cpu_throttle_stop */
void mx_throttle_finish(void);

void mx_throttle_fill_stats(MigrationInfo *info);
void mx_hmp_info_throttle(Monitor *mon, MigrationInfo *info);

#endif
