/*
 * qemu-mx: migration parameter compress-batch-pages
 * (docs/mx/lz4-compression.md, "Batched hand-off").
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
#include "mx-compress-batch-params.h"
#include "mx-compress-batch-rule.h"

unsigned migrate_compress_batch_pages(void)
{
    return migrate_get_current()->parameters.compress_batch_pages;
}

static void mx_cbatch_params_init(MigrationParameters *p)
{
    p->has_compress_batch_pages = true;
}

static bool mx_cbatch_params_check(MigrationParameters *p, Error **errp)
{
    if (p->has_compress_batch_pages &&
        p->compress_batch_pages > MX_BATCH_MAX) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "compress_batch_pages",
                   "an integer in the range of 0 (auto) to "
                   stringify(MX_BATCH_MAX) " (1: one page per hand-off, "
                   "as stock QEMU)");
        return false;
    }
    return true;
}

static void mx_cbatch_params_copy(MigrateSetParameters *params,
                                  MigrationParameters *dest)
{
    if (params->has_compress_batch_pages) {
        dest->compress_batch_pages = params->compress_batch_pages;
    }
}

static void mx_cbatch_params_query(MigrationParameters *out,
                                   const MigrationParameters *cur)
{
    out->has_compress_batch_pages = true;
    out->compress_batch_pages = cur->compress_batch_pages;
}

static bool mx_cbatch_hmp_set(int param, Visitor *v, const char *name,
                              MigrateSetParameters *p, Error **errp)
{
    if (param != MIGRATION_PARAMETER_COMPRESS_BATCH_PAGES) {
        return false;
    }
    p->has_compress_batch_pages = true;
    visit_type_uint8(v, name, &p->compress_batch_pages, errp);
    return true;
}

static void mx_cbatch_hmp_info(Monitor *mon, MigrationParameters *params)
{
    if (params->has_compress_batch_pages) {
        monitor_printf(mon, "%s: %u\n",
            MigrationParameter_str(MIGRATION_PARAMETER_COMPRESS_BATCH_PAGES),
            params->compress_batch_pages);
    }
}

const MxParamsOps mx_compress_batch_params = {
    .init = mx_cbatch_params_init,
    .check = mx_cbatch_params_check,
    .copy = mx_cbatch_params_copy,
    .query = mx_cbatch_params_query,
    .hmp_set = mx_cbatch_hmp_set,
    .hmp_info = mx_cbatch_hmp_info,
};
