/*
 * qemu-mx: how many dirty areas a mirror starts per turn of its coroutine.
 *
 * Stock 7.2's mirror_run() starts one contiguous dirty area per turn
 * (mirror_iteration()) and then yields with job_sleep_ns(0), i.e. waits for
 * the next pass of the main loop.  In the bulk copy an area is up to the
 * whole buffer, so that costs nothing.  After READY, with a fine dirty
 * bitmap (qemu-mx's 4 KiB default for NBD targets) and random guest
 * writes, every write is an area of its own: 1 000 random 4 KiB writes a
 * second need 1 000 turns a second, and a main loop busy with the guest's
 * I/O does not always give them (docs/mx/mirror-granularity.md).
 *
 * So a turn goes on starting areas, up to mirror-batch of them, while
 * nothing stops it: the job's in-flight limit and buffer (the operations
 * run in parallel, as the areas of stock's consecutive turns do), the speed
 * limit, an error to report, a clean bitmap, or the time slice after which
 * the job must yield so that drains and pauses are not held up.  1 is
 * stock's behaviour.
 *
 * Pure: no block layer, no globals, so the unit test drives it directly.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/mx-mirror-batch.h"

MxMirrorBatchWhy mx_mirror_batch_next(const MxMirrorBatchIn *in)
{
    if (in->error) {
        return MX_MIRROR_BATCH_ERROR;
    }
    if (in->done >= in->batch) {
        return MX_MIRROR_BATCH_LIMIT;
    }
    if (!in->dirty) {
        return MX_MIRROR_BATCH_CLEAN;
    }
    if (in->delay_ns) {
        return MX_MIRROR_BATCH_RATE;
    }
    if (in->in_flight >= in->max_in_flight) {
        return MX_MIRROR_BATCH_IN_FLIGHT;
    }
    if (in->buf_free <= 0) {
        return MX_MIRROR_BATCH_BUFFER;
    }
    if (in->since_pause_ns >= in->slice_ns) {
        return MX_MIRROR_BATCH_SLICE;
    }
    return MX_MIRROR_BATCH_MORE;
}

const char *mx_mirror_batch_why_str(MxMirrorBatchWhy why)
{
    switch (why) {
    case MX_MIRROR_BATCH_MORE:
        return "more";
    case MX_MIRROR_BATCH_LIMIT:
        return "limit";
    case MX_MIRROR_BATCH_CLEAN:
        return "clean";
    case MX_MIRROR_BATCH_RATE:
        return "rate";
    case MX_MIRROR_BATCH_IN_FLIGHT:
        return "in-flight";
    case MX_MIRROR_BATCH_BUFFER:
        return "buffer";
    case MX_MIRROR_BATCH_ERROR:
        return "error";
    case MX_MIRROR_BATCH_SLICE:
    default:
        return "slice";
    }
}

bool mx_mirror_batch_param_valid(uint64_t v)
{
    return v >= MX_MIRROR_BATCH_STOCK && v <= MX_MIRROR_BATCH_MAX;
}
