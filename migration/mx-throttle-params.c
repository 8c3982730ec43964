/*
 * qemu-mx: migration parameters cpu-throttle-policy, cpu-throttle-cap-ms,
 * cpu-throttle-force-switchover-ms and cpu-throttle-trigger
 * (docs/mx/cpu-throttle.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/qapi-visit-migration.h"
#include "hw/qdev-properties.h"
#include "hw/core/qdev-prop-internal.h"
#include "mx-throttle-params.h"

const PropertyInfo mx_prop_cpu_throttle_trigger = {
    .name = "CpuThrottleTrigger",
    .description = "cpu_throttle_trigger values, dirty-rate/remaining/"
                   "first-high",
    .enum_table = &CpuThrottleTrigger_lookup,
    .get = qdev_propinfo_get_enum,
    .set = qdev_propinfo_set_enum,
    .set_default_value = qdev_propinfo_set_default_value_enum,
};

const PropertyInfo mx_prop_cpu_throttle_policy = {
    .name = "CpuThrottlePolicy",
    .description = "cpu_throttle_policy values, legacy/staged",
    .enum_table = &CpuThrottlePolicy_lookup,
    .get = qdev_propinfo_get_enum,
    .set = qdev_propinfo_set_enum,
    .set_default_value = qdev_propinfo_set_default_value_enum,
};

static const MxParam mx_throttle_param_list[] = {
    {
        .id = MIGRATION_PARAMETER_CPU_THROTTLE_POLICY,
        .kind = MX_PARAM_ENUM, MX_PARAM_FIELDS(cpu_throttle_policy),
        .lookup = &CpuThrottlePolicy_lookup,
    }, {
        .id = MIGRATION_PARAMETER_CPU_THROTTLE_CAP_MS,
        .kind = MX_PARAM_UINT32, MX_PARAM_FIELDS(cpu_throttle_cap_ms),
        .min = MX_THROTTLE_CAP_MS_MIN, .max = MX_THROTTLE_CAP_MS_MAX,
        .expect = "an integer in the range of "
                  stringify(MX_THROTTLE_CAP_MS_MIN) " to "
                  stringify(MX_THROTTLE_CAP_MS_MAX),
        .unit = " ms",
    }, {
        .id = MIGRATION_PARAMETER_CPU_THROTTLE_FORCE_SWITCHOVER_MS,
        .kind = MX_PARAM_UINT32,
        MX_PARAM_FIELDS(cpu_throttle_force_switchover_ms),
        .min = 0, .max = MX_THROTTLE_FORCE_MS_MAX,
        .expect = "an integer in the range of 0 (never) to "
                  stringify(MX_THROTTLE_FORCE_MS_MAX),
        .unit = " ms",
    }, {
        .id = MIGRATION_PARAMETER_CPU_THROTTLE_TRIGGER,
        .kind = MX_PARAM_ENUM, MX_PARAM_FIELDS(cpu_throttle_trigger),
        .lookup = &CpuThrottleTrigger_lookup,
    },
};

const MxParamsOps mx_throttle_params = {
    .params = mx_throttle_param_list,
    .n_params = ARRAY_SIZE(mx_throttle_param_list),
};
