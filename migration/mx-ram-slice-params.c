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
#include "monitor/monitor.h"
#include "migration.h"
#include "mx-ram-slice-params.h"
#include "mx-ram-slice-run.h"

static const MxParam mx_ram_slice_param_list[] = {
    {
        .id = MIGRATION_PARAMETER_RAM_TIME_SLICE,
        .kind = MX_PARAM_INT32, MX_PARAM_FIELDS(ram_time_slice),
        .imin = MX_RAM_SLICE_AUTO, .imax = MX_RAM_SLICE_MAX,
        .expect = "-1 (automatic) or a slice from 0 to "
                  stringify(MX_RAM_SLICE_MAX) " (" stringify(MX_RAM_SLICE_MAX)
                  " = stock)",
        .special = MX_RAM_SLICE_AUTO, .special_text = "auto",
    },
};

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
    .params = mx_ram_slice_param_list,
    .n_params = ARRAY_SIZE(mx_ram_slice_param_list),
};
