/*
 * qemu-mx: migration parameters mirror-default-granularity, mirror-batch.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_MIRROR_PARAMS_H
#define MIGRATION_MX_MIRROR_PARAMS_H

#include "block/mx-mirror-batch.h"
#include "mx-params.h"

#define MX_MIRROR_PROPERTIES \
    DEFINE_PROP_SIZE("mirror-default-granularity", MigrationState, \
                     parameters.mirror_default_granularity, 0), \
    DEFINE_PROP_UINT8("mirror-batch", MigrationState, \
                      parameters.mirror_batch, MX_MIRROR_BATCH_DEFAULT)

extern const MxParamsOps mx_mirror_params;

#endif
