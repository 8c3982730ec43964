/*
 * qemu-mx: parameters of the staged CPU throttle policy, cpu-throttle-policy,
 * cpu-throttle-cap-ms, cpu-throttle-force-switchover-ms and
 * cpu-throttle-trigger
 * (mx-throttle-params.c; docs/mx/cpu-throttle.md).  Kept apart from
 * mx-throttle-ctl.h so that ram.c, which calls the run-time glue, does not
 * pull in the qdev property machinery.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_THROTTLE_PARAMS_H
#define MIGRATION_MX_THROTTLE_PARAMS_H

#include "qapi/qapi-types-migration.h"
#include "hw/qdev-properties.h"
#include "mx-params.h"

#define MX_THROTTLE_POLICY_DEFAULT      CPU_THROTTLE_POLICY_STAGED
#define MX_THROTTLE_TRIGGER_DEFAULT     CPU_THROTTLE_TRIGGER_FIRST_HIGH
#define MX_THROTTLE_CAP_MS_DEFAULT      3000
#define MX_THROTTLE_CAP_MS_MIN          100
#define MX_THROTTLE_CAP_MS_MAX          60000
#define MX_THROTTLE_FORCE_MS_MAX        3600000

/* --- parameters (mx-throttle-params.c) --- */
extern const PropertyInfo mx_prop_cpu_throttle_policy;
extern const PropertyInfo mx_prop_cpu_throttle_trigger;
#define DEFINE_PROP_MX_CPU_THROTTLE_TRIGGER(_n, _s, _f, _d) \
    DEFINE_PROP_SIGNED(_n, _s, _f, _d, mx_prop_cpu_throttle_trigger, \
                       CpuThrottleTrigger)
#define DEFINE_PROP_MX_CPU_THROTTLE_POLICY(_n, _s, _f, _d) \
    DEFINE_PROP_SIGNED(_n, _s, _f, _d, mx_prop_cpu_throttle_policy, \
                       CpuThrottlePolicy)
#define DEFINE_MX_THROTTLE_PROPERTIES(_s, _p) \
    DEFINE_PROP_MX_CPU_THROTTLE_POLICY("cpu-throttle-policy", _s, \
                      _p.cpu_throttle_policy, MX_THROTTLE_POLICY_DEFAULT), \
    DEFINE_PROP_UINT32("cpu-throttle-cap-ms", _s, _p.cpu_throttle_cap_ms, \
                      MX_THROTTLE_CAP_MS_DEFAULT), \
    DEFINE_PROP_UINT32("cpu-throttle-force-switchover-ms", _s, \
                      _p.cpu_throttle_force_switchover_ms, 0), \
    DEFINE_PROP_MX_CPU_THROTTLE_TRIGGER("cpu-throttle-trigger", _s, \
                      _p.cpu_throttle_trigger, MX_THROTTLE_TRIGGER_DEFAULT)

/* the parameters' entry in mx-params.c's table */
extern const MxParamsOps mx_throttle_params;
#define MX_THROTTLE_PROPERTIES DEFINE_MX_THROTTLE_PROPERTIES(MigrationState, \
                                                             parameters)

#endif
