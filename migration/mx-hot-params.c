/*
 * qemu-mx: migration parameters ram-delay-save-percent (the share of RAM
 * segments hot-segment deferral may hold back in a round, 0 = off, as
 * stock) and ram-delay-segment-size (docs/mx/hot-defer.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "migration.h"
#include "mx-hot-params.h"

unsigned migrate_ram_delay_save_percent(void)
{
    return migrate_get_current()->parameters.ram_delay_save_percent;
}

uint64_t migrate_ram_delay_segment_size(void)
{
    return migrate_get_current()->parameters.ram_delay_segment_size;
}

static const MxParam mx_hot_param_list[] = {
    {
        .id = MIGRATION_PARAMETER_RAM_DELAY_SAVE_PERCENT,
        .kind = MX_PARAM_UINT8, MX_PARAM_FIELDS(ram_delay_save_percent),
        .min = 0, .max = MX_HOT_PERCENT_MAX,
        .expect = "an integer in the range of 0 to 100",
    }, {
        .id = MIGRATION_PARAMETER_RAM_DELAY_SEGMENT_SIZE,
        .kind = MX_PARAM_SIZE, MX_PARAM_FIELDS(ram_delay_segment_size),
        .min = MX_HOT_SEGMENT_MIN, .max = MX_HOT_SEGMENT_MAX, .pow2 = true,
        .expect = "a power of two from 256 KiB (262144) to 1 GiB (1073741824)",
        .unit = " bytes",
    },
};

const MxParamsOps mx_hot_params = {
    .params = mx_hot_param_list,
    .n_params = ARRAY_SIZE(mx_hot_param_list),
};
