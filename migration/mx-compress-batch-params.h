/*
 * qemu-mx: migration parameter compress-batch-pages (the batched hand-off
 * to the compress threads, mx-compress-batch.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_COMPRESS_BATCH_PARAMS_H
#define MIGRATION_MX_COMPRESS_BATCH_PARAMS_H

#include "mx-params.h"

/* 0 = auto (mx-compress-batch-rule.c), 1 = 7.2's per-page hand-off */
#define MX_COMPRESS_BATCH_DEFAULT 0

#define MX_COMPRESS_BATCH_PROPERTIES \
    DEFINE_PROP_UINT8("compress-batch-pages", MigrationState, \
                      parameters.compress_batch_pages, \
                      MX_COMPRESS_BATCH_DEFAULT)

unsigned migrate_compress_batch_pages(void);

extern const MxParamsOps mx_compress_batch_params;

#endif
