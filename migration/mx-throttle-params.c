/*
 * qemu-mx: migration parameters cpu-throttle-policy, cpu-throttle-cap-ms
 * and cpu-throttle-force-switchover-ms (docs/mx/cpu-throttle.md).
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
#include "hw/qdev-properties.h"
#include "hw/core/qdev-prop-internal.h"
#include "monitor/monitor.h"
#include "mx-throttle-ctl.h"

const PropertyInfo mx_prop_cpu_throttle_policy = {
    .name = "CpuThrottlePolicy",
    .description = "cpu_throttle_policy values, legacy/staged",
    .enum_table = &CpuThrottlePolicy_lookup,
    .get = qdev_propinfo_get_enum,
    .set = qdev_propinfo_set_enum,
    .set_default_value = qdev_propinfo_set_default_value_enum,
};

void mx_throttle_params_init(MigrationParameters *p)
{
    p->has_cpu_throttle_policy = true;
    p->has_cpu_throttle_cap_ms = true;
    p->has_cpu_throttle_force_switchover_ms = true;
}

bool mx_throttle_params_check(MigrationParameters *p, Error **errp)
{
    if (p->has_cpu_throttle_cap_ms &&
        (p->cpu_throttle_cap_ms < MX_THROTTLE_CAP_MS_MIN ||
         p->cpu_throttle_cap_ms > MX_THROTTLE_CAP_MS_MAX)) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "cpu_throttle_cap_ms",
                   "an integer in the range of "
                   stringify(MX_THROTTLE_CAP_MS_MIN) " to "
                   stringify(MX_THROTTLE_CAP_MS_MAX));
        return false;
    }
    if (p->has_cpu_throttle_force_switchover_ms &&
        p->cpu_throttle_force_switchover_ms > MX_THROTTLE_FORCE_MS_MAX) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE,
                   "cpu_throttle_force_switchover_ms",
                   "an integer in the range of 0 (never) to "
                   stringify(MX_THROTTLE_FORCE_MS_MAX));
        return false;
    }
    return true;
}

/* Both migrate_params_test_apply() and migrate_params_apply() call this */
void mx_throttle_params_apply(MigrateSetParameters *params,
                              MigrationParameters *dest)
{
    if (params->has_cpu_throttle_policy) {
        dest->cpu_throttle_policy = params->cpu_throttle_policy;
    }
    if (params->has_cpu_throttle_cap_ms) {
        dest->cpu_throttle_cap_ms = params->cpu_throttle_cap_ms;
    }
    if (params->has_cpu_throttle_force_switchover_ms) {
        dest->cpu_throttle_force_switchover_ms =
            params->cpu_throttle_force_switchover_ms;
    }
}

void mx_throttle_params_query(MigrationParameters *out,
                              const MigrationParameters *cur)
{
    out->has_cpu_throttle_policy = true;
    out->cpu_throttle_policy = cur->cpu_throttle_policy;
    out->has_cpu_throttle_cap_ms = true;
    out->cpu_throttle_cap_ms = cur->cpu_throttle_cap_ms;
    out->has_cpu_throttle_force_switchover_ms = true;
    out->cpu_throttle_force_switchover_ms =
        cur->cpu_throttle_force_switchover_ms;
}

bool mx_throttle_hmp_set_parameter(int param, Visitor *v, const char *name,
                                   MigrateSetParameters *p, Error **errp)
{
    switch (param) {
    case MIGRATION_PARAMETER_CPU_THROTTLE_POLICY:
        p->has_cpu_throttle_policy = true;
        visit_type_CpuThrottlePolicy(v, name, &p->cpu_throttle_policy, errp);
        return true;
    case MIGRATION_PARAMETER_CPU_THROTTLE_CAP_MS:
        p->has_cpu_throttle_cap_ms = true;
        visit_type_uint32(v, name, &p->cpu_throttle_cap_ms, errp);
        return true;
    case MIGRATION_PARAMETER_CPU_THROTTLE_FORCE_SWITCHOVER_MS:
        p->has_cpu_throttle_force_switchover_ms = true;
        visit_type_uint32(v, name, &p->cpu_throttle_force_switchover_ms,
                          errp);
        return true;
    default:
        return false;
    }
}

void mx_throttle_hmp_info_parameters(Monitor *mon,
                                     MigrationParameters *params)
{
    if (params->has_cpu_throttle_policy) {
        monitor_printf(mon, "%s: %s\n",
            MigrationParameter_str(MIGRATION_PARAMETER_CPU_THROTTLE_POLICY),
            CpuThrottlePolicy_str(params->cpu_throttle_policy));
    }
    if (params->has_cpu_throttle_cap_ms) {
        monitor_printf(mon, "%s: %u ms\n",
            MigrationParameter_str(MIGRATION_PARAMETER_CPU_THROTTLE_CAP_MS),
            params->cpu_throttle_cap_ms);
    }
    if (params->has_cpu_throttle_force_switchover_ms) {
        monitor_printf(mon, "%s: %u ms\n",
            MigrationParameter_str(
                MIGRATION_PARAMETER_CPU_THROTTLE_FORCE_SWITCHOVER_MS),
            params->cpu_throttle_force_switchover_ms);
    }
}

const MxParamsOps mx_throttle_params = {
    .init = mx_throttle_params_init,
    .check = mx_throttle_params_check,
    .copy = mx_throttle_params_apply,
    .query = mx_throttle_params_query,
    .hmp_set = mx_throttle_hmp_set_parameter,
    .hmp_info = mx_throttle_hmp_info_parameters,
};
