/*
 * qemu-mx: migration parameter mig-block-size, the dirty-tracking
 * granularity of legacy block migration: 4 KiB to 1 MiB, a power of two;
 * 1 MiB (the default) is stock's chunk and wire format.
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
#include "mx-blk.h"
#include "mx-blk-params.h"

QEMU_BUILD_BUG_ON(MX_BLK_SIZE_DEFAULT != 1048576);

uint64_t migrate_mig_block_size(void)
{
    return migrate_get_current()->parameters.mig_block_size;
}

static void mx_blk_params_init(MigrationParameters *p)
{
    p->has_mig_block_size = true;
}

static bool mx_blk_params_check(MigrationParameters *p, Error **errp)
{
    if (p->has_mig_block_size &&
        (p->mig_block_size < MX_BLK_SIZE_MIN ||
         p->mig_block_size > MX_BLK_CHUNK ||
         !is_power_of_2(p->mig_block_size))) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "mig_block_size",
                   "a power of two from 4 KiB (4096) to 1 MiB (1048576)");
        return false;
    }
    return true;
}

static void mx_blk_params_copy(MigrateSetParameters *params,
                               MigrationParameters *dest)
{
    if (params->has_mig_block_size) {
        dest->mig_block_size = params->mig_block_size;
    }
}

static void mx_blk_params_query(MigrationParameters *out,
                                const MigrationParameters *cur)
{
    out->has_mig_block_size = true;
    out->mig_block_size = cur->mig_block_size;
}

static bool mx_blk_hmp_set(int param, Visitor *v, const char *name,
                           MigrateSetParameters *p, Error **errp)
{
    if (param != MIGRATION_PARAMETER_MIG_BLOCK_SIZE) {
        return false;
    }
    p->has_mig_block_size = true;
    visit_type_size(v, name, &p->mig_block_size, errp);
    return true;
}

static void mx_blk_hmp_info(Monitor *mon, MigrationParameters *params)
{
    if (params->has_mig_block_size) {
        monitor_printf(mon, "%s: %" PRIu64 " bytes\n",
            MigrationParameter_str(MIGRATION_PARAMETER_MIG_BLOCK_SIZE),
            params->mig_block_size);
    }
}

const MxParamsOps mx_blk_params = {
    .init = mx_blk_params_init,
    .check = mx_blk_params_check,
    .copy = mx_blk_params_copy,
    .query = mx_blk_params_query,
    .hmp_set = mx_blk_hmp_set,
    .hmp_info = mx_blk_hmp_info,
};
