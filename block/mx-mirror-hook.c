/*
 * qemu-mx: feeds the mirror's rules from a running mirror and traces their
 * decisions: the default granularity (block/mx-mirror-granularity.c, from
 * its source and target) and the dirty areas per turn
 * (block/mx-mirror-batch.c, from the job's counters and the clock).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/block_int.h"
#include "block/mx-mirror-granularity.h"
#include "block/mx-mirror-batch.h"
#include "qemu/timer.h"
#include "trace.h"

static uint32_t (*mx_mirror_param_getter)(void);

void mx_mirror_set_param_getter(uint32_t (*getter)(void))
{
    mx_mirror_param_getter = getter;
}

uint32_t mx_mirror_default_granularity(BlockDriverState *bs,
                                       BlockDriverState *target)
{
    MxMirrorGranIn in = { 0 };
    MxMirrorGranWhy why;
    BlockDriverInfo bdi;
    int64_t len;
    uint32_t g;

    len = bdrv_getlength(bs);
    in.disk_bytes = len > 0 ? len : 0;
    in.src_align = bs->bl.request_alignment;
    if (bdrv_get_info(target, &bdi) >= 0 && bdi.cluster_size > 0) {
        in.target_cluster = bdi.cluster_size;
    }
    in.param = mx_mirror_param_getter ? mx_mirror_param_getter() : 0;
    g = mx_mirror_granularity(&in, &why);
    trace_mx_mirror_granularity(bdrv_get_device_or_node_name(bs),
                                in.disk_bytes, in.src_align,
                                in.target_cluster, in.param, g,
                                mx_mirror_gran_why_str(why),
                                mx_mirror_bitmap_bytes(in.disk_bytes, g));
    return g;
}

static unsigned (*mx_mirror_batch_getter)(void);

void mx_mirror_set_batch_getter(unsigned (*getter)(void))
{
    mx_mirror_batch_getter = getter;
}

bool mx_mirror_batch_more(unsigned done, uint64_t delay_ns,
                          BdrvDirtyBitmap *bitmap,
                          int in_flight, int max_in_flight, int buf_free,
                          bool error, int64_t last_pause_ns,
                          int64_t slice_ns)
{
    MxMirrorBatchIn in = {
        .done = done,
        .batch = mx_mirror_batch_getter ? mx_mirror_batch_getter()
                                        : MX_MIRROR_BATCH_DEFAULT,
        .delay_ns = delay_ns,
        .in_flight = in_flight, .max_in_flight = max_in_flight,
        .buf_free = buf_free, .error = error, .slice_ns = slice_ns,
    };
    MxMirrorBatchWhy why;

    if (in.batch <= MX_MIRROR_BATCH_STOCK) {
        return false;   /* stock: no count, no clock read, no trace */
    }
    in.dirty = bdrv_get_dirty_count(bitmap);
    in.since_pause_ns = qemu_clock_get_ns(QEMU_CLOCK_REALTIME) -
                        last_pause_ns;
    why = mx_mirror_batch_next(&in);
    if (why != MX_MIRROR_BATCH_MORE) {
        trace_mx_mirror_batch(done, in.batch, mx_mirror_batch_why_str(why),
                              in.dirty, in_flight, buf_free);
        return false;
    }
    return true;
}
