/*
 * qemu-mx: migration parameter ram-time-slice (RAM's share of the link
 * against the disk during legacy block migration: -1 = automatic; 0..1024
 * pinned; 1024 = stock, the default until a benchmark shows that auto
 * helps, docs/mx/ram-time-slice.md), and the ram-slice statistics of
 * query-migrate / info migrate.  docs/mx/ram-time-slice.md.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qmp/qerror.h"
#include "qapi/visitor.h"
#include "qapi/qapi-visit-migration.h"
#include "monitor/monitor.h"
#include "migration.h"
#include "mx-ram-slice-params.h"
#include "mx-ram-slice-run.h"

static void mx_ram_slice_params_init(MigrationParameters *p)
{
    p->has_ram_time_slice = true;
}

static bool mx_ram_slice_params_check(MigrationParameters *p, Error **errp)
{
    if (p->has_ram_time_slice &&
        (p->ram_time_slice < MX_RAM_SLICE_AUTO ||
         p->ram_time_slice > MX_RAM_SLICE_MAX)) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "ram_time_slice",
                   "-1 (automatic) or a slice from 0 to "
                   stringify(MX_RAM_SLICE_MAX) " (" stringify(MX_RAM_SLICE_MAX)
                   " = stock)");
        return false;
    }
    return true;
}

static void mx_ram_slice_params_copy(MigrateSetParameters *params,
                                     MigrationParameters *dest)
{
    if (params->has_ram_time_slice) {
        dest->ram_time_slice = params->ram_time_slice;
    }
}

static void mx_ram_slice_params_query(MigrationParameters *out,
                                      const MigrationParameters *cur)
{
    out->has_ram_time_slice = true;
    out->ram_time_slice = cur->ram_time_slice;
}

static bool mx_ram_slice_hmp_set(int param, Visitor *v, const char *name,
                                 MigrateSetParameters *p, Error **errp)
{
    if (param != MIGRATION_PARAMETER_RAM_TIME_SLICE) {
        return false;
    }
    p->has_ram_time_slice = true;
    visit_type_int32(v, name, &p->ram_time_slice, errp);
    return true;
}

static void mx_ram_slice_hmp_info(Monitor *mon, MigrationParameters *params)
{
    if (!params->has_ram_time_slice) {
        return;
    }
    if (params->ram_time_slice == MX_RAM_SLICE_AUTO) {
        monitor_printf(mon, "%s: -1 (auto)\n",
            MigrationParameter_str(MIGRATION_PARAMETER_RAM_TIME_SLICE));
    } else {
        monitor_printf(mon, "%s: %d\n",
            MigrationParameter_str(MIGRATION_PARAMETER_RAM_TIME_SLICE),
            params->ram_time_slice);
    }
}

void mx_ram_slice_fill_info(MigrationInfo *info)
{
    MxRamSliceStats st;
    RamSliceStats *r;

    mx_ram_slice_get_stats(&st);
    /* after completion too; only for a block migration */
    if (!st.used || !migrate_use_block()) {
        return;
    }
    r = g_new0(RamSliceStats, 1);
    r->slice = st.slice;
    r->converged = st.converged;
    r->disk_backlog = st.backlog;
    r->ram_bytes_unconverged = st.ram_unconverged;
    r->ram_bytes_bulk = st.ram_bulk;
    r->holds = st.holds;
    info->has_ram_slice = true;
    info->ram_slice = r;
}

void mx_ram_slice_hmp_info_migrate(Monitor *mon, MigrationInfo *info)
{
    RamSliceStats *r = info->ram_slice;

    if (!info->has_ram_slice) {
        return;
    }
    monitor_printf(mon, "ram time-slice: %" PRId64 "/%d, disk %s, "
                   "backlog %" PRIu64 " bytes, RAM sent before the disk "
                   "converged %" PRIu64 " bytes (bulk phase %" PRIu64
                   "), held %" PRIu64 " times\n",
                   r->slice, MX_RAM_SLICE_MAX,
                   r->converged ? "converged" : "not converged",
                   r->disk_backlog, r->ram_bytes_unconverged,
                   r->ram_bytes_bulk, r->holds);
}

const MxParamsOps mx_ram_slice_params = {
    .init = mx_ram_slice_params_init,
    .check = mx_ram_slice_params_check,
    .copy = mx_ram_slice_params_copy,
    .query = mx_ram_slice_params_query,
    .hmp_set = mx_ram_slice_hmp_set,
    .hmp_info = mx_ram_slice_hmp_info,
};
