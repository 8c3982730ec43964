/*
 * qemu-mx: RAM time-slicing against disk progress for legacy block
 * migration (seed solution 2, issue 16; docs/mx/ram-time-slice.md).  The
 * decisions only, as pure functions of what they are fed; the glue in
 * mx-ram-slice-run.c feeds them from block.c and ram.c.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_RAM_SLICE_H
#define MIGRATION_MX_RAM_SLICE_H

/* The slice: 0 = no RAM at all, 1024 = RAM whenever it wants (stock) */
#define MX_RAM_SLICE_MAX        1024
/* parameter ram-time-slice: this value (the default) = automatic */
#define MX_RAM_SLICE_AUTO       (-1)
/* Byte shares are measured over windows of this length */
#define MX_RAM_SLICE_WINDOW_NS  1000000000LL

typedef struct MxRamSliceState {
    uint64_t peak;          /* largest disk backlog of the dirty phase */
    int64_t window_start;
    uint64_t ram0, disk0;   /* byte counters at the window's start */
    bool started;
} MxRamSliceState;

void mx_ram_slice_init(MxRamSliceState *st);

/*
 * The automatic slice: 0 during the disk's bulk phase; in the dirty phase
 * 1, growing with the square of how far the disk backlog has fallen from
 * its peak (half-way down: a quarter of MX_RAM_SLICE_MAX); MX_RAM_SLICE_MAX
 * once the backlog is at most @converge_bytes (what the disk can send
 * within the downtime).
 */
unsigned mx_ram_slice_auto(MxRamSliceState *st, bool bulk_done,
                           uint64_t backlog, uint64_t converge_bytes);

/*
 * The slice in effect for parameter @param (MX_RAM_SLICE_AUTO, or a pinned
 * 0..MX_RAM_SLICE_MAX): once the disk has converged (bulk done, backlog at
 * most @converge_bytes) RAM is never held, whatever @param says, so that a
 * pinned slice cannot starve RAM at the end; before that a pinned value
 * holds, and auto follows mx_ram_slice_auto().
 */
unsigned mx_ram_slice_decide(MxRamSliceState *st, int param, bool bulk_done,
                             uint64_t backlog, uint64_t converge_bytes);

/* Has the disk converged (bulk done, backlog within @converge_bytes)? */
bool mx_ram_slice_disk_converged(bool bulk_done, uint64_t backlog,
                                 uint64_t converge_bytes);

/*
 * May RAM send now, given @slice?  RAM gets at most slice/1024 of the
 * bytes sent (RAM + disk) in the current window; @ram and @disk are the
 * running byte counters, @now any monotonic clock in ns.
 */
bool mx_ram_slice_may_send(MxRamSliceState *st, unsigned slice, int64_t now,
                           uint64_t ram, uint64_t disk);

#endif
