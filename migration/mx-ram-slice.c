/*
 * qemu-mx: RAM time-slicing against disk progress (seed solution 2).
 *
 * During storage migration RAM and disk share the link.  RAM dirties fast
 * and the disk is large and slow: RAM sent while most of the disk is still
 * to go is sent again and again.  So RAM gets a slice of the link, 0..1024:
 * none during the disk's bulk phase, a little once the disk iterates, more
 * as the disk's backlog falls, all once the disk can finish.  An explicit
 * slice pins it.  A pure function of what it is fed (a unit test drives it
 * with a fake clock); the byte share stands for the time share, since both
 * streams go through the same rate-limited channel.  Once the disk has
 * converged RAM is never held, pinned slice or not.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "mx-ram-slice.h"

void mx_ram_slice_init(MxRamSliceState *st)
{
    memset(st, 0, sizeof(*st));
}

unsigned mx_ram_slice_auto(MxRamSliceState *st, bool bulk_done,
                           uint64_t backlog, uint64_t converge_bytes)
{
    unsigned slice;
    double x;

    if (!bulk_done) {
        return 0;
    }
    if (backlog <= converge_bytes) {
        return MX_RAM_SLICE_MAX;
    }
    if (backlog > st->peak) {
        st->peak = backlog;
    }
    /*
     * x: how far the backlog has come down from its peak, 0..1.  The slice
     * grows with x squared: RAM stays small while most of the disk's
     * backlog is still to go (whatever RAM sends then is likely dirtied
     * again before the end) and takes over as the disk nears convergence.
     */
    x = (double)(st->peak - backlog) / (double)st->peak;
    slice = 1 + (unsigned)((double)(MX_RAM_SLICE_MAX - 1) * x * x);
    /* MAX means "converged": not before it is (rounding of huge peaks) */
    return MIN(slice, MX_RAM_SLICE_MAX - 1);
}

bool mx_ram_slice_disk_converged(bool bulk_done, uint64_t backlog,
                                 uint64_t converge_bytes)
{
    return bulk_done && backlog <= converge_bytes;
}

unsigned mx_ram_slice_decide(MxRamSliceState *st, int param, bool bulk_done,
                             uint64_t backlog, uint64_t converge_bytes)
{
    if (mx_ram_slice_disk_converged(bulk_done, backlog, converge_bytes)) {
        return MX_RAM_SLICE_MAX;
    }
    if (param >= 0) {
        return MIN((unsigned)param, MX_RAM_SLICE_MAX);
    }
    return mx_ram_slice_auto(st, bulk_done, backlog, converge_bytes);
}

bool mx_ram_slice_may_send(MxRamSliceState *st, unsigned slice, int64_t now,
                           uint64_t ram, uint64_t disk)
{
    uint64_t dr, dd;

    if (slice >= MX_RAM_SLICE_MAX) {
        return true;
    }
    if (slice == 0) {
        return false;
    }
    if (!st->started || now - st->window_start >= MX_RAM_SLICE_WINDOW_NS ||
        ram < st->ram0 || disk < st->disk0) {
        st->started = true;
        st->window_start = now;
        st->ram0 = ram;
        st->disk0 = disk;
    }
    dr = ram - st->ram0;
    dd = disk - st->disk0;
    /* nothing sent yet in this window: RAM may start it */
    if (dr + dd == 0) {
        return true;
    }
    return (double)dr * MX_RAM_SLICE_MAX <= (double)slice * (double)(dr + dd);
}
