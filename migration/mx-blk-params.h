/*
 * qemu-mx: the mig-block-size and blk-load-depth parameters of legacy
 * block migration (mx-blk-params.c; docs/mx/blk-dirty-runs.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_BLK_PARAMS_H
#define MIGRATION_MX_BLK_PARAMS_H

#include "mx-params.h"
#include "mx-blk-load-rule.h"

#define MX_BLK_PROPERTIES \
    DEFINE_PROP_SIZE("mig-block-size", MigrationState, \
                     parameters.mig_block_size, 1048576), \
    DEFINE_PROP_UINT8("blk-load-depth", MigrationState, \
                      parameters.blk_load_depth, \
                      MX_BLK_LOAD_DEPTH_DEFAULT)

uint64_t migrate_mig_block_size(void);

extern const MxParamsOps mx_blk_params;

#endif
