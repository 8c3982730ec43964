/*
 * qemu-mx: migration parameter mig-block-size, the dirty-tracking
 * granularity of legacy block migration: 4 KiB to 1 MiB, a power of two;
 * 1 MiB (the default) is stock's chunk and wire format.  And
 * blk-load-depth, the destination's dirty-run writes in flight
 * (mx-blk-load.c): 1 to 64, 1 is stock's one at a time.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "migration.h"
#include "mx-blk.h"
#include "mx-blk-params.h"

QEMU_BUILD_BUG_ON(MX_BLK_SIZE_DEFAULT != 1048576);

uint64_t migrate_mig_block_size(void)
{
    return migrate_get_current()->parameters.mig_block_size;
}

static const MxParam mx_blk_param_list[] = {
    {
        .id = MIGRATION_PARAMETER_MIG_BLOCK_SIZE,
        .kind = MX_PARAM_SIZE, MX_PARAM_FIELDS(mig_block_size),
        .min = MX_BLK_SIZE_MIN, .max = MX_BLK_CHUNK, .pow2 = true,
        .expect = "a power of two from 4 KiB (4096) to 1 MiB (1048576)",
        .unit = " bytes",
    }, {
        .id = MIGRATION_PARAMETER_BLK_LOAD_DEPTH,
        .kind = MX_PARAM_UINT8, MX_PARAM_FIELDS(blk_load_depth),
        .min = 1, .max = MX_BLK_LOAD_DEPTH_MAX,
        .expect = "from 1 (stock: one write at a time) to 64",
    },
};

const MxParamsOps mx_blk_params = {
    .params = mx_blk_param_list,
    .n_params = ARRAY_SIZE(mx_blk_param_list),
};
