/*
 * qemu-mx: migration parameters and statistics of IO QoS on the mirror
 * path (docs/mx/io-qos.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_IOQOS_PARAMS_H
#define MIGRATION_MX_IOQOS_PARAMS_H

#include "qapi/qapi-types-migration.h"
#include "block/mx-ioqos.h"
#include "mx-params.h"

void mx_ioqos_fill_info(MigrationInfo *info);
void mx_ioqos_hmp_info_migrate(Monitor *mon, MigrationInfo *info);

/* the parameters' entry in mx-params.c's table, and -global properties */
extern const MxParamsOps mx_ioqos_params;
#define MX_IOQOS_PROPERTIES \
    DEFINE_PROP_BOOL("block-qos", MigrationState, parameters.block_qos, true), \
    DEFINE_PROP_SIZE("block-qos-floor", MigrationState, \
                     parameters.block_qos_floor, MX_IOQOS_FLOOR_DEFAULT), \
    DEFINE_PROP_UINT8("block-qos-step", MigrationState, \
                      parameters.block_qos_step, MX_IOQOS_STEP_DEFAULT), \
    DEFINE_PROP_UINT32("block-qos-tail", MigrationState, \
                       parameters.block_qos_tail, MX_IOQOS_TAIL_DEFAULT), \
    DEFINE_PROP_UINT32("block-qos-slowdown", MigrationState, \
                       parameters.block_qos_slowdown, \
                       MX_IOQOS_SLOWDOWN_DEFAULT)

#endif
