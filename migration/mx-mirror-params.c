/*
 * qemu-mx: the migration parameters of the source's mirror jobs.
 * mirror-default-granularity, the dirty-bitmap granularity of a
 * drive-mirror/blockdev-mirror started without 'granularity' (as libvirt
 * starts them) to a target without a cluster size: 0 (default) is
 * qemu-mx's rule (block/mx-mirror-granularity.c); 65536 is what stock 7.2
 * uses.  mirror-batch, the dirty areas a mirror starts per turn
 * (block/mx-mirror-batch.c): 1 is stock's.  Migration parameters because
 * that is what a libvirt user can set (virsh qemu-monitor-command, or
 * -global migration.mirror-default-granularity=65536 in the domain's
 * qemu:commandline).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/mx-mirror-batch.h"
#include "block/mx-mirror-granularity.h"
#include "migration.h"
#include "mx-mirror-params.h"

static uint32_t mx_mirror_param_get(void)
{
    return migrate_get_current()->parameters.mirror_default_granularity;
}

static unsigned mx_mirror_batch_get(void)
{
    return migrate_get_current()->parameters.mirror_batch;
}

static void mx_mirror_params_init(void)
{
    mx_mirror_set_param_getter(mx_mirror_param_get);
    mx_mirror_set_batch_getter(mx_mirror_batch_get);
}

static bool mx_mirror_param_valid(uint64_t v)
{
    return mx_mirror_gran_param_valid(v);
}

static const MxParam mx_mirror_param_list[] = {
    {
        .id = MIGRATION_PARAMETER_MIRROR_DEFAULT_GRANULARITY,
        .kind = MX_PARAM_SIZE, MX_PARAM_FIELDS(mirror_default_granularity),
        .valid = mx_mirror_param_valid,
        .expect = "0 (qemu-mx rule) or a power of two from 512 to 64M "
                  "(65536: stock)",
    }, {
        .id = MIGRATION_PARAMETER_MIRROR_BATCH,
        .kind = MX_PARAM_UINT8, MX_PARAM_FIELDS(mirror_batch),
        .min = MX_MIRROR_BATCH_STOCK, .max = MX_MIRROR_BATCH_MAX,
        .expect = "an integer in the range of 1 (stock) to 64",
    },
};

const MxParamsOps mx_mirror_params = {
    .params = mx_mirror_param_list,
    .n_params = ARRAY_SIZE(mx_mirror_param_list),
    .init = mx_mirror_params_init,
};
