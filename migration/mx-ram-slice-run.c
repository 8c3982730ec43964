/*
 * qemu-mx: RAM time-slicing for legacy block migration, the run-time glue.
 *
 * block.c's block_save_pending() reports the disk's backlog; ram.c asks
 * mx_ram_slice_hold() before each page.  The decisions are mx-ram-slice.c's
 * (pure functions); this file feeds them the parameter, the convergence
 * size (bandwidth x downtime limit, the migration's threshold_size), the
 * byte counters of RAM and disk and the clock, applies the answer, counts
 * the RAM bytes sent before the disk converged, and traces every change of
 * the slice and every hold.  Everything here runs in the migration thread
 * except mx_ram_slice_get_stats() (query-migrate), hence the atomics.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/timer.h"
#include "migration.h"
#include "ram.h"
#include "block.h"
#include "mx-blk.h"
#include "mx-ram-slice.h"
#include "mx-ram-slice-run.h"
#include "trace.h"

/* nothing sent by the disk since the last hold: let its reads complete */
#define MX_RAM_SLICE_IDLE_US 1000

static struct {
    MxRamSliceState st;
    bool used;
    uint64_t backlog;
    int slice;              /* -1 before the first decision */
    bool converged;
    bool held;
    /* RAM bytes counted up to here, and the phase they are counted in */
    uint64_t ram_seen;
    bool was_unconverged, was_bulk;
    uint64_t disk_at_hold;
    uint64_t ram_unconverged, ram_bulk, holds;
} mx_rs;

void mx_ram_slice_start(void)
{
    memset(&mx_rs, 0, sizeof(mx_rs));
    mx_ram_slice_init(&mx_rs.st);
    mx_rs.used = true;
    mx_rs.slice = -1;
    mx_rs.ram_seen = ram_counters.transferred;
    mx_rs.was_unconverged = true;
    mx_rs.was_bulk = true;
}

/*
 * Attribute the RAM bytes sent since the last call (one migration
 * iteration: RAM's pages and its 8-byte end-of-section marker) to the
 * phase the disk was in then; the markers are not counted.
 */
static void mx_ram_slice_account(void)
{
    uint64_t ram = ram_counters.transferred;
    uint64_t d = ram > mx_rs.ram_seen + 8 ? ram - mx_rs.ram_seen - 8 : 0;

    mx_rs.ram_seen = ram;
    if (mx_rs.was_unconverged) {
        qatomic_set(&mx_rs.ram_unconverged, mx_rs.ram_unconverged + d);
    }
    if (mx_rs.was_bulk) {
        qatomic_set(&mx_rs.ram_bulk, mx_rs.ram_bulk + d);
    }
}

void mx_ram_slice_disk(uint64_t backlog, bool bulk_done)
{
    MigrationState *s = migrate_get_current();
    uint64_t converge = s->threshold_size > 0 ? s->threshold_size : 0;
    bool converged;
    unsigned slice;

    if (!mx_rs.used) {
        return;
    }
    mx_ram_slice_account();
    converged = mx_ram_slice_disk_converged(bulk_done, backlog, converge);
    qatomic_set(&mx_rs.backlog, backlog);
    qatomic_set(&mx_rs.converged, converged);
    mx_rs.was_unconverged = !converged;
    mx_rs.was_bulk = !bulk_done;

    slice = mx_ram_slice_decide(&mx_rs.st, s->parameters.ram_time_slice,
                                bulk_done, backlog, converge);
    if ((int)slice != mx_rs.slice) {
        trace_mx_ram_slice_decide(s->parameters.ram_time_slice, slice,
                                  bulk_done, backlog, converge);
        qatomic_set(&mx_rs.slice, slice);
    }
}

bool mx_ram_slice_hold(void)
{
    uint64_t disk;
    int slice = mx_rs.slice;

    if (!mx_rs.used || slice < 0 || !blk_mig_active() ||
        migration_in_postcopy()) {
        return false;
    }
    if (slice >= MX_RAM_SLICE_MAX && !mx_rs.held) {
        /* stock's slice never holds: skip the clock and the disk counter */
        return false;
    }

    disk = mx_blk_bytes_sent();
    if (mx_ram_slice_may_send(&mx_rs.st, slice,
                              qemu_clock_get_ns(QEMU_CLOCK_REALTIME),
                              ram_counters.transferred, disk)) {
        if (mx_rs.held) {
            trace_mx_ram_slice_release(slice, ram_counters.transferred, disk);
            mx_rs.held = false;
        }
        return false;
    }
    trace_mx_ram_slice_hold(slice, ram_counters.transferred, disk);
    mx_rs.held = true;
    qatomic_set(&mx_rs.holds, mx_rs.holds + 1);
    if (disk == mx_rs.disk_at_hold) {
        /*
         * The disk sent nothing since RAM was last held: its reads are in
         * flight.  Do not spin through the iteration loop (and the BQL of
         * block_save_pending) meanwhile.
         */
        g_usleep(MX_RAM_SLICE_IDLE_US);
    }
    mx_rs.disk_at_hold = disk;
    return true;
}

void mx_ram_slice_get_stats(MxRamSliceStats *out)
{
    out->used = qatomic_read(&mx_rs.used);
    out->slice = qatomic_read(&mx_rs.slice);
    out->converged = qatomic_read(&mx_rs.converged);
    out->backlog = qatomic_read(&mx_rs.backlog);
    out->ram_unconverged = qatomic_read(&mx_rs.ram_unconverged);
    out->ram_bulk = qatomic_read(&mx_rs.ram_bulk);
    out->holds = qatomic_read(&mx_rs.holds);
}
