/*
 * qemu-mx: migration parameter mirror-default-granularity, the dirty-bitmap
 * granularity of a drive-mirror/blockdev-mirror started without
 * 'granularity' (as libvirt starts them) to a target without a cluster size.
 * 0 (default) is qemu-mx's rule (block/mx-mirror-granularity.c); 65536 is
 * what stock 7.2 uses.  A migration parameter because that is what a
 * libvirt user can set (virsh qemu-monitor-command, or -global
 * migration.mirror-default-granularity=65536 in the domain's qemu:commandline).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qmp/qerror.h"
#include "qapi/visitor.h"
#include "monitor/monitor.h"
#include "block/mx-mirror-granularity.h"
#include "migration.h"
#include "mx-mirror-params.h"

static uint32_t mx_mirror_param_get(void)
{
    return migrate_get_current()->parameters.mirror_default_granularity;
}

static void mx_mirror_params_init(MigrationParameters *p)
{
    p->has_mirror_default_granularity = true;
    mx_mirror_set_param_getter(mx_mirror_param_get);
}

static bool mx_mirror_params_check(MigrationParameters *p, Error **errp)
{
    if (p->has_mirror_default_granularity &&
        !mx_mirror_gran_param_valid(p->mirror_default_granularity)) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE,
                   "mirror_default_granularity",
                   "0 (qemu-mx rule) or a power of two from 512 to 64M "
                   "(65536: stock)");
        return false;
    }
    return true;
}

static void mx_mirror_params_copy(MigrateSetParameters *params,
                                  MigrationParameters *dest)
{
    if (params->has_mirror_default_granularity) {
        dest->mirror_default_granularity = params->mirror_default_granularity;
    }
}

static void mx_mirror_params_query(MigrationParameters *out,
                                   const MigrationParameters *cur)
{
    out->has_mirror_default_granularity = true;
    out->mirror_default_granularity = cur->mirror_default_granularity;
}

static bool mx_mirror_hmp_set_parameter(int param, Visitor *v,
                                        const char *name,
                                        MigrateSetParameters *p,
                                        Error **errp)
{
    if (param != MIGRATION_PARAMETER_MIRROR_DEFAULT_GRANULARITY) {
        return false;
    }
    p->has_mirror_default_granularity = true;
    visit_type_size(v, name, &p->mirror_default_granularity, errp);
    return true;
}

static void mx_mirror_hmp_info_parameters(Monitor *mon,
                                          MigrationParameters *params)
{
    if (params->has_mirror_default_granularity) {
        monitor_printf(mon, "%s: %" PRIu64 "\n",
            MigrationParameter_str(
                MIGRATION_PARAMETER_MIRROR_DEFAULT_GRANULARITY),
            params->mirror_default_granularity);
    }
}

const MxParamsOps mx_mirror_params = {
    .init = mx_mirror_params_init,
    .check = mx_mirror_params_check,
    .copy = mx_mirror_params_copy,
    .query = mx_mirror_params_query,
    .hmp_set = mx_mirror_hmp_set_parameter,
    .hmp_info = mx_mirror_hmp_info_parameters,
};
