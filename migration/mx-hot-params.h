/*
 * qemu-mx: parameters of hot-segment deferral, ram-delay-save-percent and
 * ram-delay-segment-size (mx-hot-params.c; docs/mx/hot-defer.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_HOT_PARAMS_H
#define MIGRATION_MX_HOT_PARAMS_H

#include "qemu/units.h"
#include "mx-params.h"

#define MX_HOT_PERCENT_MAX          100
#define MX_HOT_PERCENT_DEFAULT      30
/* a segment holds whole words of the dirty bitmap: 64 pages of 4 KiB */
#define MX_HOT_SEGMENT_MIN          (256 * KiB)
#define MX_HOT_SEGMENT_MAX          (1 * GiB)
#define MX_HOT_SEGMENT_DEFAULT      (2 * MiB)

#define MX_HOT_PROPERTIES \
    DEFINE_PROP_UINT8("ram-delay-save-percent", MigrationState, \
                      parameters.ram_delay_save_percent, \
                      MX_HOT_PERCENT_DEFAULT), \
    DEFINE_PROP_SIZE("ram-delay-segment-size", MigrationState, \
                     parameters.ram_delay_segment_size, \
                     MX_HOT_SEGMENT_DEFAULT)

unsigned migrate_ram_delay_save_percent(void);
uint64_t migrate_ram_delay_segment_size(void);

extern const MxParamsOps mx_hot_params;

#endif
