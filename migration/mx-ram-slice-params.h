/*
 * qemu-mx: migration parameter ram-time-slice and the ram-slice statistics
 * of query-migrate (docs/mx/ram-time-slice.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_RAM_SLICE_PARAMS_H
#define MIGRATION_MX_RAM_SLICE_PARAMS_H

#include "qapi/qapi-types-migration.h"
#include "mx-params.h"
#include "mx-ram-slice.h"

typedef struct Visitor Visitor;

/* query-migrate / info migrate: the ram-slice statistics */
void mx_ram_slice_fill_info(MigrationInfo *info);
void mx_ram_slice_hmp_info_migrate(Monitor *mon, MigrationInfo *info);

/* the parameter's entry in mx-params.c's table, and its -global property */
extern const MxParamsOps mx_ram_slice_params;
#define MX_RAM_SLICE_PROPERTIES \
    DEFINE_PROP_INT32("ram-time-slice", MigrationState, \
                      parameters.ram_time_slice, MX_RAM_SLICE_MAX)

#endif
