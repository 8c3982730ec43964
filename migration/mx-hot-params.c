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
#include "qemu/cutils.h"
#include "qapi/error.h"
#include "qapi/qmp/qerror.h"
#include "qapi/visitor.h"
#include "qapi/qapi-visit-migration.h"
#include "monitor/monitor.h"
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

static void mx_hot_params_init(MigrationParameters *p)
{
    p->has_ram_delay_save_percent = true;
    p->has_ram_delay_segment_size = true;
}

static bool mx_hot_params_check(MigrationParameters *p, Error **errp)
{
    if (p->has_ram_delay_save_percent &&
        p->ram_delay_save_percent > MX_HOT_PERCENT_MAX) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE,
                   "ram_delay_save_percent",
                   "an integer in the range of 0 to 100");
        return false;
    }
    if (p->has_ram_delay_segment_size &&
        (p->ram_delay_segment_size < MX_HOT_SEGMENT_MIN ||
         p->ram_delay_segment_size > MX_HOT_SEGMENT_MAX ||
         !is_power_of_2(p->ram_delay_segment_size))) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE,
                   "ram_delay_segment_size",
                   "a power of two from 256 KiB (262144) to 1 GiB "
                   "(1073741824)");
        return false;
    }
    return true;
}

static void mx_hot_params_copy(MigrateSetParameters *params,
                               MigrationParameters *dest)
{
    if (params->has_ram_delay_save_percent) {
        dest->ram_delay_save_percent = params->ram_delay_save_percent;
    }
    if (params->has_ram_delay_segment_size) {
        dest->ram_delay_segment_size = params->ram_delay_segment_size;
    }
}

static void mx_hot_params_query(MigrationParameters *out,
                                const MigrationParameters *cur)
{
    out->has_ram_delay_save_percent = true;
    out->ram_delay_save_percent = cur->ram_delay_save_percent;
    out->has_ram_delay_segment_size = true;
    out->ram_delay_segment_size = cur->ram_delay_segment_size;
}

static bool mx_hot_hmp_set(int param, Visitor *v, const char *name,
                           MigrateSetParameters *p, Error **errp)
{
    switch (param) {
    case MIGRATION_PARAMETER_RAM_DELAY_SAVE_PERCENT:
        p->has_ram_delay_save_percent = true;
        visit_type_uint8(v, name, &p->ram_delay_save_percent, errp);
        return true;
    case MIGRATION_PARAMETER_RAM_DELAY_SEGMENT_SIZE:
        p->has_ram_delay_segment_size = true;
        visit_type_size(v, name, &p->ram_delay_segment_size, errp);
        return true;
    default:
        return false;
    }
}

static void mx_hot_hmp_info(Monitor *mon, MigrationParameters *params)
{
    if (params->has_ram_delay_save_percent) {
        monitor_printf(mon, "%s: %u\n",
            MigrationParameter_str(MIGRATION_PARAMETER_RAM_DELAY_SAVE_PERCENT),
            params->ram_delay_save_percent);
    }
    if (params->has_ram_delay_segment_size) {
        monitor_printf(mon, "%s: %" PRIu64 " bytes\n",
            MigrationParameter_str(MIGRATION_PARAMETER_RAM_DELAY_SEGMENT_SIZE),
            params->ram_delay_segment_size);
    }
}

const MxParamsOps mx_hot_params = {
    .init = mx_hot_params_init,
    .check = mx_hot_params_check,
    .copy = mx_hot_params_copy,
    .query = mx_hot_params_query,
    .hmp_set = mx_hot_hmp_set,
    .hmp_info = mx_hot_hmp_info,
};
