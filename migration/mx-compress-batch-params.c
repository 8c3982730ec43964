/*
 * qemu-mx: migration parameter compress-batch-pages
 * (docs/mx/lz4-compression.md, "Batched hand-off").
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "migration.h"
#include "mx-compress-batch-params.h"
#include "mx-compress-batch-rule.h"

unsigned migrate_compress_batch_pages(void)
{
    return migrate_get_current()->parameters.compress_batch_pages;
}

static const MxParam mx_cbatch_param_list[] = {
    {
        .id = MIGRATION_PARAMETER_COMPRESS_BATCH_PAGES,
        .kind = MX_PARAM_UINT8, MX_PARAM_FIELDS(compress_batch_pages),
        .min = 0, .max = MX_BATCH_MAX,
        .expect = "an integer in the range of 0 (auto) to "
                  stringify(MX_BATCH_MAX) " (1: one page per hand-off, "
                  "as stock QEMU)",
    },
};

const MxParamsOps mx_compress_batch_params = {
    .params = mx_cbatch_param_list,
    .n_params = ARRAY_SIZE(mx_cbatch_param_list),
};
