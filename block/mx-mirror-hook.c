/*
 * qemu-mx: feeds the mirror granularity rule (block/mx-mirror-granularity.c)
 * from a mirror's source and target and traces the decision.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/block_int.h"
#include "block/mx-mirror-granularity.h"
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
