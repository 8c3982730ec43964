/*
 * qemu-mx: RAM time-slicing against disk progress for legacy block
 * migration (seed solution 2, issue 16).  WORK IN PROGRESS: the decision
 * logic only, not hooked into migration/ram.c yet, no parameter yet.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_RAM_SLICE_H
#define MIGRATION_MX_RAM_SLICE_H

/* The slice: 0 = no RAM at all, 1024 = RAM whenever it wants */
#define MX_RAM_SLICE_MAX        1024
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
 * 1, growing linearly to MX_RAM_SLICE_MAX as the disk backlog falls from
 * its peak; MX_RAM_SLICE_MAX once the backlog is at most @converge_bytes
 * (what the disk can send within the downtime).
 */
unsigned mx_ram_slice_auto(MxRamSliceState *st, bool bulk_done,
                           uint64_t backlog, uint64_t converge_bytes);

/*
 * May RAM send now, given @slice?  RAM gets at most slice/1024 of the
 * bytes sent (RAM + disk) in the current window; @ram and @disk are the
 * running byte counters, @now any monotonic clock in ns.
 */
bool mx_ram_slice_may_send(MxRamSliceState *st, unsigned slice, int64_t now,
                           uint64_t ram, uint64_t disk);

#endif
